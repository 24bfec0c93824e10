//! Loading the demo into a catalogue: referentials, organisations, then every dataset
//! published through [`Catalogue::publish`] exactly as users' files are. Used by `socle demo`
//! and by the tests of the server's pages.

use model::{
    DatasetState, Frequency, Licence, NewDataset, NewOrganisation, NewResource,
    OrganisationKind as ModelKind, PublicationPolicy, Siren, Slug, TerritoryCode, VersionOrigin,
};

use super::{DemoDataset, DemoOrganisation, OrganisationKind, organisations};
use crate::{Actor, Catalogue, Error, Outcome, PublishRequest, Result, bundled, publish};

/// The seed of `socle demo`'s files: the same demo on every machine.
pub const SEED: u64 = 2026;

/// One published demo file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadedFile {
    pub organisation: String,
    pub title: String,
    pub outcome: Outcome,
}

/// Imports the referentials, adds the demo organisations and publishes their datasets (seed
/// [`SEED`]). Expects an empty catalogue (the caller checks).
pub fn load(catalogue: &Catalogue) -> Result<Vec<LoadedFile>> {
    catalogue.import_referentials(&Actor::Operator)?;
    let organisations = organisations();
    for organisation in &organisations {
        add_organisation(catalogue, organisation)?;
    }
    let mut loaded = Vec::new();
    for organisation in &organisations {
        for dataset in super::datasets(organisation, SEED) {
            let outcome = publish_dataset(catalogue, organisation, &dataset)?;
            loaded.push(LoadedFile {
                organisation: organisation.official_name.to_owned(),
                title: dataset.title.clone(),
                outcome,
            });
        }
    }
    Ok(loaded)
}

fn add_organisation(catalogue: &Catalogue, demo: &DemoOrganisation) -> Result<()> {
    let (kind, territory) = match demo.kind {
        OrganisationKind::Commune => (ModelKind::Commune, "commune"),
        OrganisationKind::Epci => (ModelKind::Epci, "epci"),
        OrganisationKind::Region => (ModelKind::Region, "region"),
    };
    let territory = format!("{territory}:{}", demo.territory_code);
    let new = NewOrganisation {
        siren: siren(demo.siren)?,
        name: demo.official_name.to_owned(),
        kind,
        territory: Some(
            TerritoryCode::parse(&territory).map_err(|error| Error::Invalid(error.to_string()))?,
        ),
        contact_email: Some(demo.contact_email.to_owned()),
        logo_url: None,
    };
    catalogue.add_organisation(&Actor::Operator, &new)?;
    Ok(())
}

/// Creates the dataset and its resource, then publishes the file.
fn publish_dataset(
    catalogue: &Catalogue,
    organisation: &DemoOrganisation,
    demo: &DemoDataset,
) -> Result<Outcome> {
    let producer = catalogue.organisation_by_siren(&siren(organisation.siren)?)?;
    let publisher = match organisation.published_by {
        Some(publisher) => catalogue.organisation_by_siren(&siren(publisher)?)?,
        None => producer.clone(),
    };
    let new = NewDataset {
        // Slugs are unique across the instance: each organisation's datasets carry its name.
        slug: Slug::parse(&format!("{}-{}", organisation.slug, demo.slug))
            .map_err(|error| Error::Invalid(error.to_string()))?,
        title: demo.title.clone(),
        description: demo.description.clone(),
        licence: Licence::EtalabV2,
        themes: demo.themes.clone(),
        keywords: demo.keywords.clone(),
        frequency: Frequency::parse(demo.frequency).ok(),
        temporal_start: None,
        temporal_end: None,
        spatial: producer.territory.clone(),
        producer: producer.id,
        publisher: publisher.id,
        state: DatasetState::Published,
        remote_id: None,
        source_url: None,
    };
    let dataset = catalogue.create_dataset(&Actor::Operator, &new)?;
    let schema = bundled::find(demo.schema).map_err(|error| Error::Invalid(error.message_fr()))?;
    let resource = catalogue.add_resource(
        &Actor::Operator,
        &NewResource {
            dataset: dataset.id,
            title: demo.title.clone(),
            description: String::new(),
            format: "csv".to_owned(),
            schema: Some(publish::schema_ref(schema)),
            remote_url: None,
            // The imperfect file shows how a non-conformant publication looks.
            policy: if demo.expected_valid {
                PublicationPolicy::Strict
            } else {
                PublicationPolicy::Lenient
            },
        },
    )?;
    let request = PublishRequest {
        resource: resource.id,
        file_name: Some(demo.file_name.clone()),
        origin: VersionOrigin::Cli,
        read: ingest::Options::default(),
    };
    let publication = catalogue.publish(&Actor::Operator, &request, demo.csv.as_slice())?;
    Ok(publication.outcome)
}

fn siren(text: &str) -> Result<Siren> {
    Siren::parse(text).map_err(|error| Error::Invalid(error.to_string()))
}
