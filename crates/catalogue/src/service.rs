//! [`Catalogue`]: the one service through which everything is written.
//!
//! Each write checks the actor's rights (`access`), then asks the store. Reads that anyone may
//! make (published data) go straight to the store through [`Catalogue::store`].

use std::io::Read;
use std::path::Path;
use std::sync::atomic::AtomicU64;

use model::{
    Dataset, DatasetState, Membership, NewDataset, NewOrganisation, NewResource, NewUser,
    Organisation, Resource, ResourceId, Role, Siren, Slug, User, Version,
};
use store::{DatasetFilter, ReferentialCounts, Store};

use crate::access::{Actor, require_instance_admin, require_role};
use crate::error::{Error, Result};
use crate::publish::{self, Publication, PublishRequest};

/// The catalogue service over one store. Cheap to clone.
#[derive(Clone)]
pub struct Catalogue {
    store: Store,
}

impl Catalogue {
    /// Opens (creating if needed) the data directory: database, migrations, blob store.
    pub fn open(data_dir: &Path) -> Result<Catalogue> {
        Ok(Catalogue {
            store: Store::open(data_dir)?,
        })
    }

    /// Wraps an already open store.
    pub fn new(store: Store) -> Catalogue {
        Catalogue { store }
    }

    /// Read access to everything stored (published data is public).
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// Imports the bundled referentials (communes, EPCI, départements, régions).
    pub fn import_referentials(&self, actor: &Actor) -> Result<ReferentialCounts> {
        require_instance_admin(actor, "l'import des référentiels")?;
        let referentials = store::referentials::bundled().map_err(Error::Store)?;
        Ok(self.store.import_referentials(&referentials)?)
    }

    // ---- Organisations ----

    /// Adds an organisation; its territory code must exist in the referentials when given.
    pub fn add_organisation(&self, actor: &Actor, new: &NewOrganisation) -> Result<Organisation> {
        require_instance_admin(actor, "la création d'une organisation")?;
        if self.store.organisation_by_siren(&new.siren)?.is_some() {
            return Err(Error::Conflict(format!(
                "une organisation de SIREN {} existe déjà",
                new.siren
            )));
        }
        Ok(self.store.create_organisation(new)?)
    }

    /// Changes an organisation's name, kind, territory, contact or logo (its administrators, or
    /// an instance administrator). The SIREN identifies it and never changes.
    pub fn update_organisation(
        &self,
        actor: &Actor,
        organisation: &Organisation,
        new: &NewOrganisation,
    ) -> Result<Organisation> {
        require_role(
            &self.store,
            actor,
            organisation.id,
            Role::Admin,
            "la modification d'une organisation",
        )?;
        if new.siren != organisation.siren {
            return Err(Error::Invalid(format!(
                "le SIREN d'une organisation ne change pas (celle-ci est {})",
                organisation.siren
            )));
        }
        Ok(self.store.update_organisation(organisation.id, new)?)
    }

    /// Archives an organisation (its administrators, or an instance administrator): it stays
    /// readable with its datasets, but no new dataset is created for it.
    pub fn archive_organisation(
        &self,
        actor: &Actor,
        organisation: &Organisation,
    ) -> Result<Organisation> {
        require_role(
            &self.store,
            actor,
            organisation.id,
            Role::Admin,
            "l'archivage d'une organisation",
        )?;
        Ok(self.store.archive_organisation(organisation.id)?)
    }

    /// An organisation by SIREN.
    pub fn organisation_by_siren(&self, siren: &Siren) -> Result<Organisation> {
        self.store
            .organisation_by_siren(siren)?
            .ok_or_else(|| Error::NotFound(format!("organisation de SIREN {siren}")))
    }

    // ---- Users ----

    /// Adds a user account.
    pub fn add_user(&self, actor: &Actor, new: &NewUser) -> Result<User> {
        require_instance_admin(actor, "la création d'un compte")?;
        if self.store.user_by_email(&new.email)?.is_some() {
            return Err(Error::Conflict(format!(
                "un compte « {} » existe déjà",
                new.email
            )));
        }
        Ok(self.store.create_user(new)?)
    }

    /// A user by e-mail address.
    pub fn user_by_email(&self, email: &str) -> Result<User> {
        self.store
            .user_by_email(email)?
            .ok_or_else(|| Error::NotFound(format!("compte « {email} »")))
    }

    /// Gives `user` a role in `organisation` (or removes it with `None`). Instance
    /// administrators and the organisation's own administrators may do it.
    pub fn grant(
        &self,
        actor: &Actor,
        user: &User,
        organisation: &Organisation,
        role: Option<Role>,
    ) -> Result<Vec<Membership>> {
        require_role(
            &self.store,
            actor,
            organisation.id,
            Role::Admin,
            "la gestion des membres",
        )?;
        self.store.set_membership(user.id, organisation.id, role)?;
        Ok(self.store.memberships_of_user(user.id)?)
    }

    // ---- Datasets and resources ----

    /// Creates a dataset; the actor must be an editor of its publisher.
    pub fn create_dataset(&self, actor: &Actor, new: &NewDataset) -> Result<Dataset> {
        require_role(
            &self.store,
            actor,
            new.publisher,
            Role::Editor,
            "la création d'un jeu de données",
        )?;
        if self.store.dataset_by_slug(&new.slug)?.is_some() {
            return Err(Error::Conflict(format!(
                "l'identifiant « {} » est déjà pris par un autre jeu de données",
                new.slug
            )));
        }
        for organisation in [new.publisher, new.producer] {
            self.refuse_archived_organisation(organisation)?;
        }
        Ok(self.store.create_dataset(new)?)
    }

    /// An archived organisation publishes and produces no new dataset.
    fn refuse_archived_organisation(&self, id: model::OrganisationId) -> Result<()> {
        match self.store.organisation(id)? {
            Some(organisation) if organisation.archived_at.is_some() => {
                Err(Error::Conflict(format!(
                    "l'organisation « {} » est archivée : elle ne reçoit plus de nouveau jeu de données",
                    organisation.name
                )))
            }
            _ => Ok(()),
        }
    }

    /// Updates a dataset's metadata (publisher's editors only, before and after the change).
    pub fn update_dataset(
        &self,
        actor: &Actor,
        dataset: &Dataset,
        new: &NewDataset,
    ) -> Result<Dataset> {
        require_role(
            &self.store,
            actor,
            dataset.publisher,
            Role::Editor,
            "la modification d'un jeu de données",
        )?;
        require_role(
            &self.store,
            actor,
            new.publisher,
            Role::Editor,
            "la modification d'un jeu de données",
        )?;
        Ok(self.store.update_dataset(dataset.id, new)?)
    }

    /// Archives a dataset: it stays retrievable but is no longer listed as current.
    pub fn archive_dataset(&self, actor: &Actor, dataset: &Dataset) -> Result<Dataset> {
        let mut new = new_dataset_from(dataset);
        new.state = DatasetState::Archived;
        self.update_dataset(actor, dataset, &new)
    }

    /// A dataset by slug.
    pub fn dataset_by_slug(&self, slug: &Slug) -> Result<Dataset> {
        self.store
            .dataset_by_slug(slug)?
            .ok_or_else(|| Error::NotFound(format!("jeu de données « {slug} »")))
    }

    /// Datasets, optionally narrowed.
    pub fn datasets(&self, filter: &DatasetFilter) -> Result<Vec<Dataset>> {
        Ok(self.store.list_datasets(filter)?)
    }

    /// Adds a resource to a dataset; a declared schema must be a bundled one, at an exact version.
    pub fn add_resource(&self, actor: &Actor, new: &NewResource) -> Result<Resource> {
        let dataset = self.dataset(new.dataset)?;
        require_role(
            &self.store,
            actor,
            dataset.publisher,
            Role::Editor,
            "l'ajout d'une ressource",
        )?;
        check_declared_schema(new)?;
        Ok(self.store.create_resource(new)?)
    }

    /// Changes a resource's title, description, format, declared schema, remote URL or policy
    /// (editors of its dataset's publisher). It stays in its dataset, and its versions and live
    /// version are untouched: a new schema applies to the next publication.
    pub fn update_resource(
        &self,
        actor: &Actor,
        resource: &Resource,
        new: &NewResource,
    ) -> Result<Resource> {
        self.require_resource_editor(actor, resource, "la modification d'une ressource")?;
        if new.dataset != resource.dataset {
            return Err(Error::Invalid(
                "une ressource ne change pas de jeu de données".to_owned(),
            ));
        }
        check_declared_schema(new)?;
        Ok(self.store.update_resource(resource.id, new)?)
    }

    /// Archives a resource (editors of its dataset's publisher): its versions stay readable,
    /// its live version stays served, but it takes no new publication.
    pub fn archive_resource(&self, actor: &Actor, resource: &Resource) -> Result<Resource> {
        self.require_resource_editor(actor, resource, "l'archivage d'une ressource")?;
        Ok(self.store.archive_resource(resource.id)?)
    }

    /// A resource by id.
    pub fn resource(&self, id: ResourceId) -> Result<Resource> {
        self.store
            .resource(id)?
            .ok_or_else(|| Error::NotFound(format!("ressource {id}")))
    }

    fn dataset(&self, id: model::DatasetId) -> Result<Dataset> {
        self.store
            .dataset(id)?
            .ok_or_else(|| Error::NotFound(format!("jeu de données {id}")))
    }

    // ---- Publishing ----

    /// Publishes `input` as a new version of the request's resource: the one path for every
    /// writer (web form, API, CLI, harvesting, consolidation). See [`crate::publish`].
    pub fn publish(
        &self,
        actor: &Actor,
        request: &PublishRequest,
        input: impl Read + Send,
    ) -> Result<Publication> {
        self.publish_checked(actor, request, input, None)
    }

    /// Like [`Catalogue::publish`] for a file already in the blob store (a background
    /// publication's upload: it is neither hashed nor copied again), counting the data rows read
    /// so far in `rows_read` (reported in the job's heartbeats).
    pub fn publish_stored(
        &self,
        actor: &Actor,
        request: &PublishRequest,
        blob: &store::BlobInfo,
        rows_read: &AtomicU64,
    ) -> Result<Publication> {
        let resource = self.check_can_publish(actor, request.resource)?;
        publish::publish_blob(
            &self.store,
            &resource,
            request,
            actor.user_id(),
            blob,
            None,
            rows_read,
        )
    }

    /// Publishes a file the publishing wizard corrected: like [`Catalogue::publish`], and the
    /// version's report keeps `corrections` (which fixes were applied, and the address of the
    /// original file, which the caller has put in the blob store: both files are kept).
    pub fn publish_corrected(
        &self,
        actor: &Actor,
        request: &PublishRequest,
        input: impl Read + Send,
        corrections: &serde_json::Value,
    ) -> Result<Publication> {
        self.publish_checked(actor, request, input, Some(corrections))
    }

    /// Refuses unless `actor` may publish to the resource (the wizard asks before receiving a
    /// file, so that nobody fills the disk with files they could never publish).
    pub fn check_can_publish(&self, actor: &Actor, resource: ResourceId) -> Result<Resource> {
        let resource = self.resource(resource)?;
        self.require_resource_editor(actor, &resource, "la publication")?;
        if resource.archived_at.is_some() {
            return Err(Error::Conflict(format!(
                "la ressource « {} » est archivée : elle ne reçoit plus de publication",
                resource.title
            )));
        }
        Ok(resource)
    }

    /// Refuses unless `actor` is an editor of the publisher of the resource's dataset.
    fn require_resource_editor(
        &self,
        actor: &Actor,
        resource: &Resource,
        action: &str,
    ) -> Result<()> {
        let dataset = self.dataset(resource.dataset)?;
        require_role(&self.store, actor, dataset.publisher, Role::Editor, action)
    }

    fn publish_checked(
        &self,
        actor: &Actor,
        request: &PublishRequest,
        input: impl Read + Send,
        corrections: Option<&serde_json::Value>,
    ) -> Result<Publication> {
        let resource = self.check_can_publish(actor, request.resource)?;
        publish::publish(
            &self.store,
            &resource,
            request,
            actor.user_id(),
            input,
            corrections,
            &AtomicU64::new(0),
        )
    }

    /// Every version of a resource, newest first, with its report and live period.
    pub fn history(&self, resource: ResourceId) -> Result<Vec<Version>> {
        self.resource(resource)?;
        Ok(self.store.versions_of_resource(resource)?)
    }
}

/// A declared schema must be a bundled one, at an exact version.
fn check_declared_schema(new: &NewResource) -> Result<()> {
    if let Some(schema) = &new.schema {
        crate::bundled::find(&format!("{}@{}", schema.name, schema.version))
            .map_err(|error| Error::Invalid(error.message_fr()))?;
    }
    Ok(())
}

/// What updating `resource` with nothing changed would send.
pub fn new_resource_from(resource: &Resource) -> NewResource {
    NewResource {
        dataset: resource.dataset,
        title: resource.title.clone(),
        description: resource.description.clone(),
        format: resource.format.clone(),
        schema: resource.schema.clone(),
        remote_url: resource.remote_url.clone(),
        policy: resource.policy,
    }
}

/// What updating `organisation` with nothing changed would send.
pub fn new_organisation_from(organisation: &Organisation) -> NewOrganisation {
    NewOrganisation {
        siren: organisation.siren.clone(),
        name: organisation.name.clone(),
        kind: organisation.kind,
        territory: organisation.territory.clone(),
        contact_email: organisation.contact_email.clone(),
        logo_url: organisation.logo_url.clone(),
    }
}

/// The writable fields of a stored dataset, to change some of them.
pub fn new_dataset_from(dataset: &Dataset) -> NewDataset {
    NewDataset {
        slug: dataset.slug.clone(),
        title: dataset.title.clone(),
        description: dataset.description.clone(),
        licence: dataset.licence,
        themes: dataset.themes.clone(),
        keywords: dataset.keywords.clone(),
        frequency: dataset.frequency,
        temporal_start: dataset.temporal_start,
        temporal_end: dataset.temporal_end,
        spatial: dataset.spatial.clone(),
        producer: dataset.producer,
        publisher: dataset.publisher,
        state: dataset.state,
        remote_id: dataset.remote_id.clone(),
        source_url: dataset.source_url.clone(),
    }
}
