//! The conformance suite: properties every engine behind [`Store`] must have.
//!
//! Each property is a public function taking a fresh, empty store; `run_all` runs them all with
//! stores from a factory. The SQLite engine runs it in `tests/it/conformance.rs`; a PostgreSQL
//! engine will run the very same functions. Failures panic (this is test code), with messages
//! saying which property broke.

use std::thread;

use jiff::Timestamp;
use jiff::civil::{date, datetime, time};
use model::{
    ColumnDef, ColumnType, Commune, Dataset, DatasetState, Departement, Epci, Frequency,
    IndexState, Licence, NewApiToken, NewDataset, NewOrganisation, NewResource, NewUser,
    NewVersion, Organisation, OrganisationKind, PublicationPolicy, Referentials, Region, Resource,
    ResourceId, Role, SchemaRef, Siren, Slug, TerritoryCode, Value, Version, VersionId,
    VersionOrigin, VersionStatus,
};

use crate::{
    DatasetFilter, Error, JOB_LEASE, JobState, MAX_JOB_ATTEMPTS, ProblemKind, RowBlock, Store,
    VersionStart,
};

/// A property of the suite: panics when the store lacks it.
pub type Property = fn(&Store);

/// Runs every property, each on a new store from `make_store`.
pub fn run_all(make_store: impl Fn() -> Store) {
    let properties: &[(&str, Property)] = &[
        ("organisations_crud", organisations_crud),
        ("datasets_crud", datasets_crud),
        ("resources_crud", resources_crud),
        ("users_memberships_tokens", users_memberships_tokens),
        (
            "blobs_round_trip_and_integrity",
            blobs_round_trip_and_integrity,
        ),
        ("large_blobs_stream_and_seek", large_blobs_stream_and_seek),
        ("publish_and_read_back", publish_and_read_back),
        ("blocks_load_like_rows", blocks_load_like_rows),
        ("idempotent_publish", idempotent_publish),
        ("load_before_blob", load_before_blob),
        ("atomic_flip", atomic_flip),
        ("history_and_restore", history_and_restore),
        ("deletions_drop_rows", deletions_drop_rows),
        ("invalid_loads_are_refused", invalid_loads_are_refused),
        (
            "referentials_import_and_lookup",
            referentials_import_and_lookup,
        ),
        (
            "live_sources_for_consolidation",
            live_sources_for_consolidation,
        ),
        ("concurrent_publications", concurrent_publications),
        ("indexes_built_by_a_job", indexes_built_by_a_job),
        ("job_queue_claims", job_queue_claims),
        (
            "concurrent_claims_run_each_job_once",
            concurrent_claims_run_each_job_once,
        ),
        ("sessions", sessions),
    ];
    for (name, property) in properties {
        let store = make_store();
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| property(&store)));
        if let Err(panic) = outcome {
            eprintln!("conformance: property `{name}` failed");
            std::panic::resume_unwind(panic);
        }
    }
}

// ---- Fixtures ----

/// Real SIRENs (valid Luhn keys): Montpellier, its métropole, Région Occitanie, Hérault.
pub const SIREN_MONTPELLIER: &str = "213401722";
pub const SIREN_METROPOLE: &str = "243400017";
pub const SIREN_OCCITANIE: &str = "200053791";

pub fn new_organisation(siren: &str, name: &str) -> NewOrganisation {
    NewOrganisation {
        siren: Siren::parse(siren).expect("fixture SIREN"),
        name: name.to_owned(),
        kind: OrganisationKind::Commune,
        territory: Some(TerritoryCode::parse("commune:34172").expect("fixture territory")),
        contact_email: Some("opendata@example.org".to_owned()),
        logo_url: None,
    }
}

pub fn create_organisation(store: &Store, siren: &str) -> Organisation {
    store
        .create_organisation(&new_organisation(siren, &format!("Organisation {siren}")))
        .expect("create organisation")
}

pub fn new_dataset(slug: &str, producer: &Organisation, publisher: &Organisation) -> NewDataset {
    NewDataset {
        slug: Slug::parse(slug).expect("fixture slug"),
        title: format!("Jeu {slug}"),
        description: "Un **jeu** de données.".to_owned(),
        licence: Licence::default(),
        themes: vec!["education".to_owned()],
        keywords: vec!["cantine".to_owned(), "menus".to_owned()],
        frequency: Some(Frequency::Monthly),
        temporal_start: Some(date(2024, 1, 1)),
        temporal_end: Some(date(2024, 12, 31)),
        spatial: Some(TerritoryCode::parse("commune:34172").expect("fixture territory")),
        producer: producer.id,
        publisher: publisher.id,
        state: DatasetState::Published,
        remote_id: None,
        source_url: None,
    }
}

pub fn new_resource(dataset: &Dataset, schema: Option<&str>) -> NewResource {
    NewResource {
        dataset: dataset.id,
        title: "Menus".to_owned(),
        description: String::new(),
        format: "csv".to_owned(),
        schema: schema.map(|schema| SchemaRef::parse(schema).expect("fixture schema")),
        remote_url: None,
        policy: PublicationPolicy::Strict,
    }
}

/// An organisation, a published dataset and one resource declaring `schema`.
pub fn create_resource(store: &Store, siren: &str, slug: &str, schema: Option<&str>) -> Resource {
    let organisation = match store
        .organisation_by_siren(&Siren::parse(siren).expect("fixture SIREN"))
        .expect("lookup")
    {
        Some(organisation) => organisation,
        None => create_organisation(store, siren),
    };
    let dataset = store
        .create_dataset(&new_dataset(slug, &organisation, &organisation))
        .expect("create dataset");
    store
        .create_resource(&new_resource(&dataset, schema))
        .expect("create resource")
}

pub fn text_columns(names: &[&str]) -> Vec<ColumnDef> {
    names
        .iter()
        .map(|name| ColumnDef::new(*name, ColumnType::Text))
        .collect()
}

/// Stores `bytes` as a blob and describes them as a new version of `resource`.
pub fn new_version(store: &Store, resource: &Resource, bytes: &[u8]) -> NewVersion {
    let blob = store.put_blob(bytes).expect("put blob");
    NewVersion {
        resource: resource.id,
        sha256: blob.sha256,
        size: blob.size,
        media_type: "text/csv".to_owned(),
        filename: Some("menus.csv".to_owned()),
        origin: VersionOrigin::Upload,
        received_by: None,
        received_at: Timestamp::now(),
    }
}

/// Publishes `rows` as a new conformant version of `resource` (the bytes only need to be unique).
pub fn publish(
    store: &Store,
    resource: &Resource,
    bytes: &[u8],
    columns: &[ColumnDef],
    rows: &[Vec<Value>],
) -> Version {
    let new = new_version(store, resource, bytes);
    match store
        .create_version_table(&new, columns)
        .expect("create version table")
    {
        VersionStart::Existing(version) => version,
        VersionStart::Loading(mut load) => {
            load.append(rows).expect("append");
            store
                .commit_version(load, Some("{\"valid\":true}"), true)
                .expect("commit")
        }
    }
}

fn text_rows(values: &[&str]) -> Vec<Vec<Value>> {
    values
        .iter()
        .map(|value| vec![Value::from(*value)])
        .collect()
}

fn read_rows(store: &Store, version: &Version) -> Vec<Vec<Value>> {
    let mut rows = Vec::new();
    store
        .for_each_row(version.id, |row| {
            rows.push(row.to_vec());
            Ok::<(), Error>(())
        })
        .expect("read rows");
    rows
}

fn assert_clean(store: &Store) {
    let problems = store.check().expect("check");
    assert!(problems.is_empty(), "check found problems: {problems:#?}");
}

// ---- Properties ----

pub fn organisations_crud(store: &Store) {
    let created = store
        .create_organisation(&new_organisation(SIREN_MONTPELLIER, "Ville de Montpellier"))
        .unwrap();
    assert_eq!(created.name, "Ville de Montpellier");
    assert_eq!(
        created
            .territory
            .as_ref()
            .map(ToString::to_string)
            .as_deref(),
        Some("commune:34172")
    );
    assert_eq!(
        store.organisation(created.id).unwrap().as_ref(),
        Some(&created)
    );
    assert_eq!(
        store
            .organisation_by_siren(&created.siren)
            .unwrap()
            .as_ref(),
        Some(&created)
    );

    let duplicate = store.create_organisation(&new_organisation(SIREN_MONTPELLIER, "Doublon"));
    assert!(
        matches!(duplicate, Err(Error::Conflict(_))),
        "duplicate SIREN accepted: {duplicate:?}"
    );

    let mut changes = new_organisation(SIREN_MONTPELLIER, "Montpellier");
    changes.kind = OrganisationKind::Autre;
    changes.territory = None;
    changes.logo_url = Some("https://example.org/logo.png".to_owned());
    let updated = store.update_organisation(created.id, &changes).unwrap();
    assert_eq!(
        (
            updated.name.as_str(),
            updated.kind,
            updated.territory.as_ref()
        ),
        ("Montpellier", OrganisationKind::Autre, None)
    );
    assert_eq!(
        updated.logo_url.as_deref(),
        Some("https://example.org/logo.png")
    );
    assert_eq!(updated.created_at, created.created_at);
    assert!(updated.modified_at >= created.modified_at);
    assert_eq!(updated.archived_at, None);

    let archived = store.archive_organisation(created.id).unwrap();
    let archived_at = archived.archived_at.expect("archived");
    assert_eq!(
        archived.name, "Montpellier",
        "archiving changes nothing else"
    );
    assert_eq!(
        store.organisation(created.id).unwrap(),
        Some(archived.clone())
    );
    let again = store.archive_organisation(created.id).unwrap();
    assert_eq!(
        again.archived_at,
        Some(archived_at),
        "the first archiving time stays"
    );

    let other = store
        .create_organisation(&new_organisation(SIREN_OCCITANIE, "Région Occitanie"))
        .unwrap();
    let names: Vec<String> = store
        .list_organisations()
        .unwrap()
        .into_iter()
        .map(|organisation| organisation.name)
        .collect();
    assert_eq!(names, ["Montpellier", "Région Occitanie"]);
    let taken = store.update_organisation(other.id, &new_organisation(SIREN_MONTPELLIER, "x"));
    assert!(matches!(taken, Err(Error::Conflict(_))));

    store.delete_organisation(other.id).unwrap();
    assert_eq!(store.organisation(other.id).unwrap(), None);
    assert!(matches!(
        store.delete_organisation(other.id),
        Err(Error::NotFound(_))
    ));
    assert!(matches!(
        store.update_organisation(other.id, &changes),
        Err(Error::NotFound(_))
    ));
}

pub fn datasets_crud(store: &Store) {
    let commune = create_organisation(store, SIREN_MONTPELLIER);
    let metropole = create_organisation(store, SIREN_METROPOLE);
    // The métropole publishes on behalf of the commune.
    let new = new_dataset("menus-cantines", &commune, &metropole);
    let dataset = store.create_dataset(&new).unwrap();
    assert_eq!(
        (dataset.producer, dataset.publisher),
        (commune.id, metropole.id)
    );
    assert_eq!(dataset.licence, Licence::EtalabV2);
    assert_eq!(dataset.keywords, ["cantine", "menus"]);
    assert_eq!(dataset.frequency, Some(Frequency::Monthly));
    assert_eq!(
        (dataset.temporal_start, dataset.temporal_end),
        (Some(date(2024, 1, 1)), Some(date(2024, 12, 31)))
    );
    assert_eq!(store.dataset(dataset.id).unwrap().as_ref(), Some(&dataset));
    assert_eq!(
        store.dataset_by_slug(&dataset.slug).unwrap().as_ref(),
        Some(&dataset)
    );

    let duplicate = store.create_dataset(&new);
    assert!(
        matches!(duplicate, Err(Error::Conflict(_))),
        "duplicate slug accepted: {duplicate:?}"
    );

    let mut changes = new.clone();
    changes.title = "Menus des cantines".to_owned();
    changes.licence = Licence::Odbl;
    changes.state = DatasetState::Archived;
    changes.frequency = None;
    changes.remote_id = Some("remote-42".to_owned());
    changes.source_url = Some("https://data.example.org/dataset/42".to_owned());
    let updated = store.update_dataset(dataset.id, &changes).unwrap();
    assert_eq!(
        (updated.title.as_str(), updated.licence, updated.state),
        ("Menus des cantines", Licence::Odbl, DatasetState::Archived)
    );
    assert_eq!(updated.frequency, None);
    assert_eq!(
        store
            .dataset_by_remote_id("remote-42")
            .unwrap()
            .map(|found| found.id),
        Some(dataset.id)
    );

    let second = store
        .create_dataset(&new_dataset("subventions", &metropole, &metropole))
        .unwrap();
    let of_commune = store
        .list_datasets(&DatasetFilter {
            organisation: Some(commune.id),
            state: None,
        })
        .unwrap();
    assert_eq!(
        of_commune.iter().map(|found| found.id).collect::<Vec<_>>(),
        [dataset.id]
    );
    let of_metropole = store
        .list_datasets(&DatasetFilter {
            organisation: Some(metropole.id),
            state: None,
        })
        .unwrap();
    assert_eq!(of_metropole.len(), 2);
    let published = store
        .list_datasets(&DatasetFilter {
            organisation: None,
            state: Some(DatasetState::Published),
        })
        .unwrap();
    assert_eq!(
        published.iter().map(|found| found.id).collect::<Vec<_>>(),
        [second.id]
    );

    // An organisation that still produces or publishes datasets cannot be deleted.
    assert!(matches!(
        store.delete_organisation(commune.id),
        Err(Error::Conflict(_))
    ));
    let unknown_producer = NewDataset {
        producer: model::OrganisationId(9999),
        ..new_dataset("orphelin", &commune, &commune)
    };
    assert!(matches!(
        store.create_dataset(&unknown_producer),
        Err(Error::Conflict(_))
    ));

    store.delete_dataset(dataset.id).unwrap();
    assert_eq!(store.dataset(dataset.id).unwrap(), None);
    store.delete_organisation(commune.id).unwrap();
}

pub fn resources_crud(store: &Store) {
    let resource = create_resource(
        store,
        SIREN_MONTPELLIER,
        "menus",
        Some("scdl-menus-collectifs@1.2.3"),
    );
    assert_eq!(
        resource.schema.as_ref().map(ToString::to_string).as_deref(),
        Some("scdl-menus-collectifs@1.2.3")
    );
    assert_eq!(resource.live_version, None);
    assert_eq!(
        store.resource(resource.id).unwrap().as_ref(),
        Some(&resource)
    );
    assert_eq!(
        store.resources_of_dataset(resource.dataset).unwrap(),
        std::slice::from_ref(&resource)
    );
    assert_eq!(
        store.resources_by_schema("scdl-menus-collectifs").unwrap(),
        std::slice::from_ref(&resource)
    );
    assert!(
        store
            .resources_by_schema("scdl-subventions")
            .unwrap()
            .is_empty()
    );

    let mut changes = NewResource {
        dataset: resource.dataset,
        title: "Menus 2025".to_owned(),
        description: "Menus servis".to_owned(),
        format: "xlsx".to_owned(),
        schema: None,
        remote_url: Some("https://example.org/menus.xlsx".to_owned()),
        policy: PublicationPolicy::Lenient,
    };
    let updated = store.update_resource(resource.id, &changes).unwrap();
    assert_eq!(
        (
            updated.title.as_str(),
            updated.format.as_str(),
            updated.policy
        ),
        ("Menus 2025", "xlsx", PublicationPolicy::Lenient)
    );
    assert_eq!(updated.schema, None);
    assert!(
        store
            .resources_by_schema("scdl-menus-collectifs")
            .unwrap()
            .is_empty()
    );

    assert_eq!(updated.archived_at, None);
    let archived = store.archive_resource(resource.id).unwrap();
    assert!(archived.archived_at.is_some());
    assert_eq!(
        archived.title, "Menus 2025",
        "archiving changes nothing else"
    );
    assert_eq!(store.resource(resource.id).unwrap(), Some(archived));
    assert!(matches!(
        store.archive_resource(model::ResourceId(9999)),
        Err(Error::NotFound(_))
    ));

    changes.dataset = model::DatasetId(9999);
    assert!(matches!(
        store.update_resource(resource.id, &changes),
        Err(Error::Conflict(_))
    ));
    assert!(matches!(
        store.create_resource(&changes),
        Err(Error::Conflict(_))
    ));

    store.delete_resource(resource.id).unwrap();
    assert_eq!(store.resource(resource.id).unwrap(), None);
    assert!(matches!(
        store.delete_resource(resource.id),
        Err(Error::NotFound(_))
    ));
}

pub fn users_memberships_tokens(store: &Store) {
    let new = NewUser {
        email: "Agent@Montpellier.fr".to_owned(),
        display_name: "Agente".to_owned(),
        password_hash: Some("$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".to_owned()),
        is_admin: false,
    };
    let user = store.create_user(&new).unwrap();
    assert_eq!(store.user(user.id).unwrap().as_ref(), Some(&user));
    assert_eq!(
        store
            .user_by_email("agent@montpellier.fr")
            .unwrap()
            .map(|found| found.id),
        Some(user.id)
    );
    let duplicate = NewUser {
        email: "agent@montpellier.fr".to_owned(),
        ..new.clone()
    };
    assert!(matches!(
        store.create_user(&duplicate),
        Err(Error::Conflict(_))
    ));

    let admin = store
        .update_user(
            user.id,
            &NewUser {
                is_admin: true,
                password_hash: None,
                ..new.clone()
            },
        )
        .unwrap();
    assert!(admin.is_admin);
    assert_eq!(admin.password_hash, None);

    let organisation = create_organisation(store, SIREN_MONTPELLIER);
    store
        .set_membership(user.id, organisation.id, Some(Role::Editor))
        .unwrap();
    store
        .set_membership(user.id, organisation.id, Some(Role::Admin))
        .unwrap();
    let memberships = store.memberships_of_user(user.id).unwrap();
    assert_eq!(memberships.len(), 1);
    assert_eq!(
        (memberships[0].organisation, memberships[0].role),
        (organisation.id, Role::Admin)
    );
    assert_eq!(
        store.members_of_organisation(organisation.id).unwrap(),
        memberships
    );
    store
        .set_membership(user.id, organisation.id, None)
        .unwrap();
    assert!(store.memberships_of_user(user.id).unwrap().is_empty());
    assert!(matches!(
        store.set_membership(model::UserId(9999), organisation.id, Some(Role::Editor)),
        Err(Error::Conflict(_))
    ));

    let expires_at = jiff::Timestamp::from_second(2_000_000_000).unwrap();
    let token = store
        .create_api_token(&NewApiToken {
            user: user.id,
            token_hash: "sha256:abcdef".to_owned(),
            label: "CLI".to_owned(),
            scopes: vec!["publish".to_owned()],
            expires_at: Some(expires_at),
        })
        .unwrap();
    assert_eq!(token.expires_at, Some(expires_at));
    assert_eq!(
        store.api_token_by_hash("sha256:abcdef").unwrap().as_ref(),
        Some(&token)
    );
    assert_eq!(
        store.api_tokens_of_user(user.id).unwrap(),
        std::slice::from_ref(&token)
    );
    store.delete_api_token(token.id).unwrap();
    assert_eq!(store.api_token_by_hash("sha256:abcdef").unwrap(), None);

    store
        .set_membership(user.id, organisation.id, Some(Role::Editor))
        .unwrap();
    store.delete_user(user.id).unwrap();
    assert!(
        store
            .members_of_organisation(organisation.id)
            .unwrap()
            .is_empty()
    );
    assert_eq!(store.list_users().unwrap(), []);
}

/// Runs the properties that involve blobs, each on a new store from `make_store`: what another
/// blob backend must pass.
pub fn run_blob_properties(make_store: impl Fn() -> Store) {
    let properties: &[(&str, Property)] = &[
        (
            "blobs_round_trip_and_integrity",
            blobs_round_trip_and_integrity,
        ),
        ("large_blobs_stream_and_seek", large_blobs_stream_and_seek),
        ("publish_and_read_back", publish_and_read_back),
        ("idempotent_publish", idempotent_publish),
        ("load_before_blob", load_before_blob),
    ];
    for (name, property) in properties {
        let store = make_store();
        eprintln!("blob property: {name}");
        property(&store);
    }
}

/// Bytes that do not repeat with any short period, generated as they are read (so a test can
/// store a large blob without holding it).
pub struct PatternReader {
    remaining: u64,
    state: u64,
}

impl PatternReader {
    pub fn new(size: u64, seed: u64) -> PatternReader {
        PatternReader {
            remaining: size,
            state: seed | 1,
        }
    }
}

impl std::io::Read for PatternReader {
    fn read(&mut self, buffer: &mut [u8]) -> std::io::Result<usize> {
        let n_written = buffer
            .len()
            .min(usize::try_from(self.remaining).unwrap_or(usize::MAX));
        for byte in &mut buffer[..n_written] {
            // xorshift64: cheap, and no period a chunked reader could hide a bug behind.
            self.state ^= self.state << 13;
            self.state ^= self.state >> 7;
            self.state ^= self.state << 17;
            *byte = (self.state >> 24) as u8;
        }
        self.remaining -= n_written as u64;
        Ok(n_written)
    }
}

/// A blob larger than an S3 multipart part is stored once, read back whole and hashed the same,
/// and read correctly after seeks (zip readers read the end of a file first).
pub fn large_blobs_stream_and_seek(store: &Store) {
    use sha2::Digest;
    use std::io::{Read, Seek, SeekFrom};
    let size = crate::S3_PART_SIZE as u64 + 300_001;
    let blob = store.put_blob(PatternReader::new(size, 7)).unwrap();
    assert_eq!(blob.size, size);
    assert_eq!(
        store.put_blob(PatternReader::new(size, 7)).unwrap(),
        blob,
        "stored once"
    );
    let mut expected = Vec::new();
    PatternReader::new(size, 7)
        .read_to_end(&mut expected)
        .unwrap();
    let mut hasher = sha2::Sha256::new();
    let mut reader = store.open_blob(&blob.sha256).unwrap();
    let copied = std::io::copy(&mut reader, &mut DigestWriter(&mut hasher)).unwrap();
    assert_eq!(copied, size);
    assert_eq!(model::Sha256(hasher.finalize().into()), blob.sha256);
    assert!(store.has_blob(&blob.sha256).unwrap());

    let mut read_at = |position: SeekFrom, length: usize| -> (u64, Vec<u8>) {
        let offset = reader.seek(position).unwrap();
        let mut bytes = vec![0u8; length];
        reader.read_exact(&mut bytes).unwrap();
        (offset, bytes)
    };
    let (offset, tail) = read_at(SeekFrom::End(-22), 22);
    assert_eq!(offset, size - 22);
    assert_eq!(tail, expected[expected.len() - 22..]);
    let (offset, middle) = read_at(SeekFrom::Start(crate::S3_PART_SIZE as u64 - 5), 100_000);
    assert_eq!(middle, expected[offset as usize..offset as usize + 100_000]);
    let (offset, back) = read_at(SeekFrom::Current(-50_000), 10);
    assert_eq!(back, expected[offset as usize..offset as usize + 10]);
    let (offset, start) = read_at(SeekFrom::Start(0), 1000);
    assert_eq!((offset, &start[..]), (0, &expected[..1000]));
    assert_clean(store);
}

/// Feeds written bytes to a hasher.
struct DigestWriter<'a>(&'a mut sha2::Sha256);

impl std::io::Write for DigestWriter<'_> {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        sha2::Digest::update(self.0, bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

pub fn blobs_round_trip_and_integrity(store: &Store) {
    let bytes = "date;menu\n2024-09-02;Gratin dauphinois\n".as_bytes();
    let blob = store.put_blob(bytes).unwrap();
    assert_eq!(blob.size, bytes.len() as u64);
    let mut read_back = Vec::new();
    std::io::Read::read_to_end(&mut store.open_blob(&blob.sha256).unwrap(), &mut read_back)
        .unwrap();
    assert_eq!(read_back, bytes);
    assert_eq!(
        store.put_blob(bytes).unwrap(),
        blob,
        "same bytes, same address"
    );

    let resource = create_resource(store, SIREN_MONTPELLIER, "menus", None);
    let version = publish(
        store,
        &resource,
        bytes,
        &text_columns(&["menu"]),
        &text_rows(&["Gratin"]),
    );
    assert_eq!(version.sha256, blob.sha256);
    assert_clean(store);

    store
        .inner
        .blobs
        .overwrite_for_tests(&blob.sha256, b"altered")
        .unwrap();
    let kinds: Vec<ProblemKind> = store
        .check()
        .unwrap()
        .into_iter()
        .map(|problem| problem.kind)
        .collect();
    assert_eq!(kinds, [ProblemKind::AlteredBlob]);
    store.inner.blobs.remove_for_tests(&blob.sha256).unwrap();
    let kinds: Vec<ProblemKind> = store
        .check()
        .unwrap()
        .into_iter()
        .map(|problem| problem.kind)
        .collect();
    assert_eq!(kinds, [ProblemKind::MissingBlob]);
    assert!(matches!(
        store.open_blob(&blob.sha256),
        Err(Error::NotFound(_))
    ));
}

/// One column of each type.
fn typed_columns() -> Vec<ColumnDef> {
    vec![
        ColumnDef::new("flag", ColumnType::Boolean),
        ColumnDef::new("count", ColumnType::Integer),
        ColumnDef::new("amount", ColumnType::Number),
        ColumnDef::new("label", ColumnType::Text),
        ColumnDef::new("day", ColumnType::Date),
        ColumnDef::new("at", ColumnType::Time),
        ColumnDef::new("when", ColumnType::DateTime),
        ColumnDef::new("extra", ColumnType::Json),
    ]
}

pub fn publish_and_read_back(store: &Store) {
    let resource = create_resource(
        store,
        SIREN_MONTPELLIER,
        "menus",
        Some("scdl-menus-collectifs@1.2.3"),
    );
    let mut columns = typed_columns();
    columns.extend([
        // Names SQL would choke on if they reached it unquoted, and one differing only by case.
        ColumnDef::new("select\"; DROP TABLE version; --", ColumnType::Text),
        ColumnDef::new("Label", ColumnType::Text),
    ]);
    let rows = vec![
        vec![
            Value::Bool(true),
            Value::Int(-42),
            Value::Float(3.5),
            Value::from("Crème brûlée"),
            Value::Date(date(2024, 9, 2)),
            Value::Time(time(12, 30, 0, 0)),
            Value::DateTime(datetime(2024, 9, 2, 12, 30, 15, 0)),
            Value::Json(serde_json::json!({"type": "Point", "coordinates": [3.87, 43.61]})),
            Value::from("x"),
            Value::from("y"),
        ],
        vec![Value::Null; columns.len()],
        // A lenient publication may carry text where a number was declared: kept as is.
        vec![
            Value::Bool(false),
            Value::from("n/a"),
            Value::Int(7),
            Value::from(""),
            Value::Null,
            Value::Null,
            Value::Null,
            Value::Json(serde_json::json!([1, 2])),
            Value::Null,
            Value::Null,
        ],
    ];
    let version = publish(store, &resource, b"three rows", &columns, &rows);
    assert_eq!(version.status, VersionStatus::Published);
    assert_eq!(version.row_count, Some(3));
    assert!(version.conformant);
    assert!(version.live_from.is_some() && version.live_until.is_none());
    assert_eq!(
        version.schema.as_ref().map(ToString::to_string).as_deref(),
        Some("scdl-menus-collectifs@1.2.3")
    );
    assert_eq!(version.report.as_deref(), Some("{\"valid\":true}"));
    assert_eq!(
        store.resource(resource.id).unwrap().unwrap().live_version,
        Some(version.id)
    );
    assert_eq!(
        store.live_version(resource.id).unwrap().as_ref(),
        Some(&version)
    );
    assert_eq!(
        store.version_columns(version.id).unwrap().as_deref(),
        Some(&columns[..])
    );

    let mut expected = rows.clone();
    // Integers in a number column come back as numbers.
    expected[2][2] = Value::Float(7.0);
    assert_eq!(read_rows(store, &version), expected);

    // Stopping early passes the visitor's error through.
    let mut seen = 0;
    let stopped = store.for_each_row(version.id, |_| {
        seen += 1;
        Err(Error::Invalid("stop".to_owned()))
    });
    assert!(matches!(stopped, Err(Error::Invalid(_))));
    assert_eq!(seen, 1);
    assert_clean(store);
}

/// Rows appended as [`RowBlock`]s read back exactly as the same rows appended as values,
/// whatever the block's size (multi-row statements and the rows left over), and a block of the
/// wrong width is refused.
pub fn blocks_load_like_rows(store: &Store) {
    let columns = typed_columns();
    let rows: Vec<Vec<Value>> = (0..150)
        .map(|n| match n % 3 {
            0 => vec![
                Value::Bool(n % 2 == 0),
                Value::Int(n),
                Value::Float(n as f64 / 4.0),
                Value::from(format!("Crème n°{n}")),
                Value::Date(date(2024, 9, 2)),
                Value::Time(time(12, 30, 0, 500)),
                Value::DateTime(datetime(2024, 9, 2, 12, 30, 15, 0)),
                Value::Json(serde_json::json!({"n": n, "l": ["a", "b"]})),
            ],
            1 => vec![Value::Null; columns.len()],
            // A lenient load keeps text that failed its column's type, dates and JSON included.
            _ => vec![
                Value::Bool(false),
                Value::from("n/a"),
                Value::Int(7),
                Value::from(""),
                Value::from("02/09/2024"),
                Value::from("midi"),
                Value::from("hier"),
                Value::from("[pas du JSON"),
            ],
        })
        .collect();
    let by_values = create_resource(store, SIREN_MONTPELLIER, "valeurs", None);
    let by_values = publish(store, &by_values, b"values", &columns, &rows);
    let by_blocks = create_resource(store, SIREN_MONTPELLIER, "blocs", None);
    let new = new_version(store, &by_blocks, b"blocks");
    let VersionStart::Loading(mut load) = store.create_version_table(&new, &columns).unwrap()
    else {
        panic!("new bytes start a load");
    };
    let mut block = RowBlock::new(columns.len());
    for chunk in rows.chunks(70) {
        block.clear();
        for row in chunk {
            for value in row {
                block.push_value(value);
            }
            block.end_row();
        }
        assert_eq!(load.append_block(&block).unwrap(), chunk.len() as u64);
    }
    let mut narrow = RowBlock::new(1);
    narrow.push_null();
    narrow.end_row();
    assert!(matches!(load.append_block(&narrow), Err(Error::Invalid(_))));
    let by_blocks = store
        .commit_version(load, Some("{\"valid\":true}"), true)
        .unwrap();
    assert_eq!(by_blocks.row_count, Some(150));
    assert_eq!(read_rows(store, &by_blocks), read_rows(store, &by_values));
    assert_clean(store);
}

pub fn idempotent_publish(store: &Store) {
    let resource = create_resource(store, SIREN_MONTPELLIER, "menus", None);
    let columns = text_columns(&["menu"]);
    let first = publish(
        store,
        &resource,
        b"same bytes",
        &columns,
        &text_rows(&["a", "b"]),
    );
    let new = new_version(store, &resource, b"same bytes");
    match store.create_version_table(&new, &columns).unwrap() {
        VersionStart::Existing(existing) => assert_eq!(existing, first),
        VersionStart::Loading(_) => panic!("the same bytes created a new version"),
    }
    assert_eq!(
        store
            .version_by_sha256(resource.id, &new.sha256)
            .unwrap()
            .as_ref(),
        Some(&first)
    );
    assert_eq!(store.versions_of_resource(resource.id).unwrap().len(), 1);

    // The same bytes on another resource are another version (sharing the blob).
    let other = create_resource(store, SIREN_MONTPELLIER, "menus-bis", None);
    let elsewhere = publish(
        store,
        &other,
        b"same bytes",
        &columns,
        &text_rows(&["a", "b"]),
    );
    assert_ne!(elsewhere.id, first.id);
    assert_eq!(elsewhere.sha256, first.sha256);

    // A rejection is remembered too: the same bytes are not examined again.
    let rejected = store
        .record_rejected_version(
            &new_version(store, &resource, b"unreadable"),
            "{\"valid\":false}",
        )
        .unwrap();
    assert_eq!(rejected.status, VersionStatus::Rejected);
    let again = store
        .record_rejected_version(&new_version(store, &resource, b"unreadable"), "{}")
        .unwrap();
    assert_eq!(again, rejected);
    assert_clean(store);
}

/// Stores `bytes` through a [`crate::BlobWriter`], in pieces of `piece` bytes.
fn write_blob(store: &Store, bytes: &[u8], piece: usize) -> crate::BlobInfo {
    use std::io::Write;
    let mut writer = store.blob_writer().expect("blob writer");
    for chunk in bytes.chunks(piece) {
        writer.write_all(chunk).expect("write blob");
    }
    writer.finish().expect("finish blob")
}

/// A version loaded while its bytes are still being stored (a publication reading its input
/// once) ends exactly like one loaded from a stored blob: the blob written piece by piece is
/// the blob `put_blob` makes, the version gets its address and size once attached, the same
/// bytes again are found as a duplicate when attached, a version without its address can be
/// neither committed nor rejected, and nothing is left behind.
pub fn load_before_blob(store: &Store) {
    // Several spooling chunks, written in pieces that do not divide them.
    let large: Vec<u8> = {
        let mut bytes = Vec::new();
        std::io::Read::read_to_end(&mut PatternReader::new(5_000_017, 3), &mut bytes).unwrap();
        bytes
    };
    let written = write_blob(store, &large, 65_537);
    assert_eq!(written, store.put_blob(&large[..]).unwrap());
    assert_eq!(written.size, large.len() as u64);
    assert_eq!(write_blob(store, b"", 1).size, 0);
    drop(store.blob_writer().unwrap()); // Abandoned: leaves no temporary file.

    let resource = create_resource(store, SIREN_MONTPELLIER, "menus", None);
    let columns = text_columns(&["menu"]);
    let rows = text_rows(&["Gratin", "Taboulé"]);
    let bytes = b"menu\nGratin\nTaboul\xc3\xa9\n";
    let unknown = NewVersion {
        sha256: model::Sha256([0; 32]),
        size: 0,
        ..new_version(store, &resource, b"unused")
    };
    let mut load = store
        .create_version_table_before_blob(&unknown, &columns)
        .unwrap();
    load.append(&rows).unwrap();
    let blob = write_blob(store, bytes, 7);
    assert_eq!(load.attach_blob(&blob).unwrap(), None);
    let version = store.commit_version(load, Some("{}"), true).unwrap();
    assert_eq!((version.sha256, version.size), (blob.sha256, blob.size));
    assert_eq!(version.row_count, Some(2));
    assert_eq!(read_rows(store, &version), rows);
    assert_eq!(
        store.version_by_sha256(resource.id, &blob.sha256).unwrap(),
        Some(version.clone())
    );

    // The same bytes again: the duplicate shows when attached; aborted, it leaves no trace.
    let mut again = store
        .create_version_table_before_blob(&unknown, &columns)
        .unwrap();
    again.append(&rows).unwrap();
    assert_eq!(again.attach_blob(&blob).unwrap(), Some(version.clone()));
    again.abort().unwrap();
    assert_eq!(
        store.versions_of_resource(resource.id).unwrap(),
        std::slice::from_ref(&version)
    );

    // Neither committed nor rejected under its provisional address (the refused handle is
    // dropped, which forgets the pending version).
    let early = store
        .create_version_table_before_blob(&unknown, &columns)
        .unwrap();
    assert!(matches!(
        store.commit_version(early, Some("{}"), true),
        Err(Error::Invalid(_))
    ));
    let early = store
        .create_version_table_before_blob(&unknown, &columns)
        .unwrap();
    assert!(matches!(
        store.reject_version(early, "{}"),
        Err(Error::Invalid(_))
    ));

    // Rejected once attached, it keeps its address: the same bytes are a duplicate of it.
    let other_bytes = b"menu\nSoupe\n";
    let mut refused = store
        .create_version_table_before_blob(&unknown, &columns)
        .unwrap();
    refused.append(text_rows(&["Soupe"])).unwrap();
    let other = write_blob(store, other_bytes, 3);
    assert_eq!(refused.attach_blob(&other).unwrap(), None);
    let rejected = store.reject_version(refused, "{\"valid\":false}").unwrap();
    assert_eq!(rejected.status, VersionStatus::Rejected);
    assert_eq!(rejected.sha256, other.sha256);
    let mut duplicate = store
        .create_version_table_before_blob(&unknown, &columns)
        .unwrap();
    assert_eq!(duplicate.attach_blob(&other).unwrap(), Some(rejected));
    duplicate.abort().unwrap();
    assert_eq!(store.live_version(resource.id).unwrap(), Some(version));
    assert!(store.inner.blobs.temp_files().unwrap().is_empty());
    assert_clean(store);
}

pub fn atomic_flip(store: &Store) {
    let resource = create_resource(store, SIREN_MONTPELLIER, "menus", None);
    let columns = text_columns(&["menu"]);
    let first = publish(
        store,
        &resource,
        b"v1",
        &columns,
        &text_rows(&["v1-a", "v1-b"]),
    );

    // While the next version loads, readers still get the first one, and nothing new is listed.
    let new = new_version(store, &resource, b"v2");
    let VersionStart::Loading(mut load) = store.create_version_table(&new, &columns).unwrap()
    else {
        panic!("new bytes must start a load");
    };
    load.append(text_rows(&["v2-a", "v2-b", "v2-c"])).unwrap();
    assert_eq!(load.rows_loaded(), 3);
    assert_eq!(
        store
            .live_version(resource.id)
            .unwrap()
            .map(|version| version.id),
        Some(first.id)
    );
    assert_eq!(read_rows(store, &first), text_rows(&["v1-a", "v1-b"]));
    assert_eq!(
        store.versions_of_resource(resource.id).unwrap(),
        std::slice::from_ref(&first)
    );
    assert_eq!(
        store.version(load.version()).unwrap(),
        None,
        "a pending version is visible"
    );
    assert!(store.version_columns(load.version()).unwrap().is_none());

    // Aborting leaves no trace.
    let aborted_id = load.version();
    load.abort().unwrap();
    assert_eq!(store.version(aborted_id).unwrap(), None);
    assert_clean(store);

    // Dropping a handle without committing does the same.
    let VersionStart::Loading(mut load) = store.create_version_table(&new, &columns).unwrap()
    else {
        panic!("an aborted load must not count as published");
    };
    load.append(text_rows(&["x"])).unwrap();
    drop(load);
    assert_clean(store);

    // A rejection keeps the report, drops the rows, and keeps the first version live.
    let VersionStart::Loading(mut load) = store.create_version_table(&new, &columns).unwrap()
    else {
        panic!("a dropped load must not count as published");
    };
    load.append(text_rows(&["bad"])).unwrap();
    let rejected = store.reject_version(load, "{\"valid\":false}").unwrap();
    assert_eq!(
        (rejected.status, rejected.row_count, rejected.conformant),
        (VersionStatus::Rejected, None, false)
    );
    assert_eq!(rejected.report.as_deref(), Some("{\"valid\":false}"));
    assert_eq!(
        store
            .live_version(resource.id)
            .unwrap()
            .map(|version| version.id),
        Some(first.id)
    );
    assert!(store.version_columns(rejected.id).unwrap().is_none());
    assert_clean(store);

    // Committing flips everything at once.
    let second = publish(
        store,
        &resource,
        b"v2 fixed",
        &columns,
        &text_rows(&["v2-a", "v2-b", "v2-c"]),
    );
    let first_now = store.version(first.id).unwrap().unwrap();
    assert_eq!(first_now.status, VersionStatus::Superseded);
    assert_eq!(first_now.live_until, second.live_from);
    assert_eq!(
        store
            .live_version(resource.id)
            .unwrap()
            .map(|version| version.id),
        Some(second.id)
    );
    assert_eq!(read_rows(store, &second).len(), 3);
    // Superseded versions stay readable.
    assert_eq!(read_rows(store, &first_now), text_rows(&["v1-a", "v1-b"]));
    assert_clean(store);
}

pub fn history_and_restore(store: &Store) {
    let resource = create_resource(store, SIREN_MONTPELLIER, "menus", None);
    let columns = text_columns(&["menu"]);
    let first = publish(store, &resource, b"v1", &columns, &text_rows(&["a"]));
    let second = publish(store, &resource, b"v2", &columns, &text_rows(&["a", "b"]));
    let third = publish(
        store,
        &resource,
        b"v3",
        &columns,
        &text_rows(&["a", "b", "c"]),
    );

    let history: Vec<_> = store
        .versions_of_resource(resource.id)
        .unwrap()
        .into_iter()
        .map(|version| (version.id, version.status))
        .collect();
    assert_eq!(
        history,
        [
            (third.id, VersionStatus::Published),
            (second.id, VersionStatus::Superseded),
            (first.id, VersionStatus::Superseded)
        ]
    );
    let periods = store.live_history(resource.id).unwrap();
    assert_eq!(
        periods
            .iter()
            .map(|period| period.version)
            .collect::<Vec<_>>(),
        [first.id, second.id, third.id]
    );
    assert_eq!(periods[0].until, Some(periods[1].from));
    assert_eq!(periods[1].until, Some(periods[2].from));
    assert_eq!(periods[2].until, None);

    // Rolling back to the first version opens a second live period for it.
    let restored = store.restore_version(first.id).unwrap();
    assert_eq!(restored.status, VersionStatus::Published);
    assert_eq!(
        store
            .live_version(resource.id)
            .unwrap()
            .map(|version| version.id),
        Some(first.id)
    );
    assert_eq!(
        store.version(third.id).unwrap().unwrap().status,
        VersionStatus::Superseded
    );
    let periods = store.live_history(resource.id).unwrap();
    assert_eq!(periods.len(), 4);
    assert_eq!((periods[3].version, periods[3].until), (first.id, None));
    assert_eq!(read_rows(store, &restored), text_rows(&["a"]));
    assert_clean(store);
    read_targets_follow_the_live_pointer(store, &resource, first.id, third.id);

    let rejected = store
        .record_rejected_version(&new_version(store, &resource, b"bad"), "{}")
        .unwrap();
    assert!(matches!(
        store.restore_version(rejected.id),
        Err(Error::Conflict(_))
    ));
}

/// `read_target` reads what `resource`, `dataset` and `live_version` / `version` read one by
/// one: the live version by default, a version by id only if it is the resource's own.
fn read_targets_follow_the_live_pointer(
    store: &Store,
    resource: &Resource,
    live: VersionId,
    superseded: VersionId,
) {
    let target = |version| store.read_target(resource.id, version).unwrap().unwrap();
    let live_target = target(None);
    assert_eq!(
        Some(live_target.resource),
        store.resource(resource.id).unwrap()
    );
    assert_eq!(
        Some(live_target.dataset),
        store.dataset(resource.dataset).unwrap()
    );
    assert_eq!(
        live_target.version,
        store.live_version(resource.id).unwrap()
    );
    assert_eq!(live_target.version.map(|version| version.id), Some(live));
    assert_eq!(
        target(Some(superseded)).version,
        store.version(superseded).unwrap()
    );
    let other = create_resource(store, SIREN_MONTPELLIER, "autre-jeu", None);
    let other_version = publish(
        store,
        &other,
        b"other",
        &text_columns(&["x"]),
        &text_rows(&["y"]),
    );
    assert_eq!(target(Some(other_version.id)).version, None);
    assert_eq!(
        store
            .read_target(other.id, None)
            .unwrap()
            .and_then(|target| target.version)
            .map(|version| version.id),
        Some(other_version.id)
    );
    assert!(
        store
            .read_target(ResourceId(i64::MAX), None)
            .unwrap()
            .is_none()
    );
}

pub fn deletions_drop_rows(store: &Store) {
    let resource = create_resource(store, SIREN_MONTPELLIER, "menus", None);
    let columns = text_columns(&["menu"]);
    publish(store, &resource, b"v1", &columns, &text_rows(&["a"]));
    publish(store, &resource, b"v2", &columns, &text_rows(&["b"]));
    let other = store
        .create_resource(&NewResource {
            title: "Autre".to_owned(),
            ..new_resource(&store.dataset(resource.dataset).unwrap().unwrap(), None)
        })
        .unwrap();
    let kept = publish(store, &other, b"v1", &columns, &text_rows(&["c"]));

    store.delete_resource(resource.id).unwrap();
    assert!(store.versions_of_resource(resource.id).unwrap().is_empty());
    assert_eq!(read_rows(store, &kept), text_rows(&["c"]));
    assert_clean(store);

    store.delete_dataset(other.dataset).unwrap();
    assert_eq!(store.version(kept.id).unwrap(), None);
    assert_clean(store);
}

pub fn invalid_loads_are_refused(store: &Store) {
    let resource = create_resource(store, SIREN_MONTPELLIER, "menus", None);
    let new = new_version(store, &resource, b"bytes");
    let duplicate_columns = text_columns(&["a", "a"]);
    assert!(matches!(
        store.create_version_table(&new, &duplicate_columns),
        Err(Error::Invalid(_))
    ));

    let VersionStart::Loading(mut load) = store
        .create_version_table(&new, &text_columns(&["a", "b"]))
        .unwrap()
    else {
        panic!("new bytes must start a load");
    };
    let wrong_width = load.append([vec![Value::from("only one")]]);
    assert!(matches!(wrong_width, Err(Error::Invalid(_))));
    // The failed batch left nothing behind.
    load.append([vec![Value::from("a"), Value::from("b")]])
        .unwrap();
    let version = store.commit_version(load, None, false).unwrap();
    assert_eq!(version.row_count, Some(1));
    assert!(!version.conformant);

    let missing_resource = NewVersion {
        resource: model::ResourceId(9999),
        ..new.clone()
    };
    assert!(matches!(
        store.create_version_table(&missing_resource, &[]),
        Err(Error::NotFound(_))
    ));
    let missing_blob = NewVersion {
        sha256: model::Sha256([7; 32]),
        ..new
    };
    assert!(matches!(
        store.create_version_table(&missing_blob, &[]),
        Err(Error::NotFound(_))
    ));
    assert_clean(store);
}

pub fn referentials_import_and_lookup(store: &Store) {
    let montpellier = Commune {
        code_insee: "34172".to_owned(),
        name: "Montpellier".to_owned(),
        zone: "metro".to_owned(),
        population: Some(307_101),
        departement: "34".to_owned(),
        region: "76".to_owned(),
        arrondissement: Some("343".to_owned()),
        siren: Some(SIREN_MONTPELLIER.to_owned()),
        epci_siren: Some(SIREN_METROPOLE.to_owned()),
        postal_codes: vec!["34000".to_owned(), "34070".to_owned()],
    };
    let uninhabited = Commune {
        code_insee: "98411".to_owned(),
        name: "Îles Saint-Paul et Nouvelle-Amsterdam".to_owned(),
        zone: "com".to_owned(),
        population: None,
        departement: "984".to_owned(),
        region: "984".to_owned(),
        arrondissement: None,
        siren: None,
        epci_siren: None,
        postal_codes: vec![],
    };
    let referentials = Referentials {
        communes: vec![montpellier.clone(), uninhabited.clone()],
        epci: vec![Epci {
            siren: SIREN_METROPOLE.to_owned(),
            name: "Montpellier Méditerranée Métropole".to_owned(),
            kind: "METRO".to_owned(),
            financing: "FPU".to_owned(),
            population_total: Some(510_000),
            population_municipal: Some(500_000),
            commune_count: Some(31),
        }],
        departements: vec![Departement {
            code: "34".to_owned(),
            name: "Hérault".to_owned(),
            region: "76".to_owned(),
            chef_lieu: "34172".to_owned(),
            zone: "metro".to_owned(),
        }],
        regions: vec![Region {
            code: "76".to_owned(),
            name: "Occitanie".to_owned(),
            chef_lieu: "31555".to_owned(),
            zone: "metro".to_owned(),
        }],
    };
    let counts = store.import_referentials(&referentials).unwrap();
    assert_eq!(
        (
            counts.communes,
            counts.epci,
            counts.departements,
            counts.regions
        ),
        (2, 1, 1, 1)
    );
    assert_eq!(store.commune("34172").unwrap().as_ref(), Some(&montpellier));
    assert_eq!(store.commune("98411").unwrap().as_ref(), Some(&uninhabited));
    assert_eq!(store.commune("00000").unwrap(), None);
    assert_eq!(
        store.epci(SIREN_METROPOLE).unwrap().as_ref(),
        Some(&referentials.epci[0])
    );
    assert_eq!(
        store.communes_of_epci(SIREN_METROPOLE).unwrap(),
        std::slice::from_ref(&montpellier)
    );
    assert_eq!(
        store.departement("34").unwrap().as_ref(),
        Some(&referentials.departements[0])
    );
    assert_eq!(
        store.region("76").unwrap().as_ref(),
        Some(&referentials.regions[0])
    );

    // An import replaces everything.
    let smaller = Referentials {
        communes: vec![uninhabited.clone()],
        ..Referentials::default()
    };
    store.import_referentials(&smaller).unwrap();
    assert_eq!(store.commune("34172").unwrap(), None);
    assert_eq!(store.region("76").unwrap(), None);
    // A failed import changes nothing.
    let twice = Referentials {
        communes: vec![montpellier.clone(), montpellier],
        ..Referentials::default()
    };
    assert!(matches!(
        store.import_referentials(&twice),
        Err(Error::Conflict(_))
    ));
    assert_eq!(store.commune("98411").unwrap().as_ref(), Some(&uninhabited));
}

pub fn live_sources_for_consolidation(store: &Store) {
    let schema = "scdl-menus-collectifs@1.2.3";
    let columns = text_columns(&["menu"]);
    let montpellier = create_resource(store, SIREN_MONTPELLIER, "menus-montpellier", Some(schema));
    let metropole = create_resource(store, SIREN_METROPOLE, "menus-metropole", Some(schema));
    let unpublished = create_resource(store, SIREN_OCCITANIE, "menus-region", Some(schema));
    let other_schema = create_resource(
        store,
        SIREN_OCCITANIE,
        "subventions",
        Some("scdl-subventions@2.1.0"),
    );

    let live = publish(store, &montpellier, b"m", &columns, &text_rows(&["a", "b"]));
    // Non-conformant (lenient) publications are not consolidated.
    let new = new_version(store, &metropole, b"lenient");
    let VersionStart::Loading(load) = store.create_version_table(&new, &columns).unwrap() else {
        panic!("new bytes")
    };
    store.commit_version(load, None, false).unwrap();
    publish(store, &other_schema, b"s", &columns, &text_rows(&["x"]));
    // Drafts are not consolidated.
    publish(store, &unpublished, b"r", &columns, &text_rows(&["y"]));
    let draft = store.dataset(unpublished.dataset).unwrap().unwrap();
    let mut changes = new_dataset(
        draft.slug.as_str(),
        &store.organisation(draft.producer).unwrap().unwrap(),
        &store.organisation(draft.publisher).unwrap().unwrap(),
    );
    changes.state = DatasetState::Draft;
    store.update_dataset(draft.id, &changes).unwrap();

    let sources = store.live_sources("scdl-menus-collectifs").unwrap();
    assert_eq!(sources.len(), 1, "{sources:#?}");
    let source = &sources[0];
    assert_eq!(
        (source.resource, source.version, source.row_count),
        (montpellier.id, live.id, 2)
    );
    assert_eq!(source.producer_siren.as_str(), SIREN_MONTPELLIER);
    assert_eq!(source.schema.to_string(), schema);
    assert_eq!(
        source
            .territory
            .as_ref()
            .map(ToString::to_string)
            .as_deref(),
        Some("commune:34172")
    );
}

pub fn concurrent_publications(store: &Store) {
    let shared = create_resource(store, SIREN_MONTPELLIER, "menus", None);
    let separate: Vec<Resource> = (0..3)
        .map(|idx| create_resource(store, SIREN_MONTPELLIER, &format!("autre-{idx}"), None))
        .collect();
    let columns = text_columns(&["menu"]);
    thread::scope(|scope| {
        for worker in 0..4 {
            let (store, shared, columns) = (store.clone(), &shared, &columns);
            scope.spawn(move || {
                for round in 0..5 {
                    let rows: Vec<Vec<Value>> = (0..200)
                        .map(|idx| vec![Value::from(format!("{worker}-{round}-{idx}"))])
                        .collect();
                    publish(
                        &store,
                        shared,
                        format!("{worker}-{round}").as_bytes(),
                        columns,
                        &rows,
                    );
                }
            });
        }
        for resource in &separate {
            let (store, columns) = (store.clone(), &columns);
            scope.spawn(move || {
                for round in 0..5 {
                    publish(
                        &store,
                        resource,
                        format!("separate-{round}").as_bytes(),
                        columns,
                        &text_rows(&["x"; 50]),
                    );
                }
            });
        }
    });
    let versions = store.versions_of_resource(shared.id).unwrap();
    assert_eq!(versions.len(), 20);
    let live: Vec<_> = versions
        .iter()
        .filter(|version| version.status == VersionStatus::Published)
        .collect();
    assert_eq!(live.len(), 1);
    assert_eq!(store.live_history(shared.id).unwrap().len(), 20);
    for resource in &separate {
        assert_eq!(store.versions_of_resource(resource.id).unwrap().len(), 5);
    }
    assert_clean(store);
}

// ---- PostgreSQL test schemas ----

/// A PostgreSQL schema of its own for one test, dropped with everything in it at the end, so
/// that tests run in parallel on one database (a schema is much cheaper than a database to
/// drop: no checkpoint).
///
/// The database is `SOCLE_TEST_POSTGRES`, by default `postgres://postgres@127.0.0.1:5432/test`
/// as on the development and CI machines.
#[cfg(feature = "postgres")]
pub struct TestDatabase {
    admin_url: String,
    schema: String,
    /// The URL to give the store: the same database, with the schema as `search_path`.
    pub url: String,
}

#[cfg(feature = "postgres")]
impl TestDatabase {
    /// Creates an empty schema; `None` (after a loud warning) when PostgreSQL cannot be reached
    /// outside CI. Under CI (`CI` set) an unreachable server fails the test.
    pub fn create() -> Option<TestDatabase> {
        use std::sync::atomic::{AtomicU64, Ordering};
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let admin_url = std::env::var("SOCLE_TEST_POSTGRES")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_owned());
        let mut admin = match postgres::Client::connect(&admin_url, postgres::NoTls) {
            Ok(client) => client,
            Err(error) => {
                let message = format!("PostgreSQL injoignable ({admin_url}) : {error}");
                if std::env::var_os("CI").is_some() {
                    panic!("{message} ; la CI exige PostgreSQL");
                }
                // Written to stderr directly: the test harness captures `eprintln!` of passing
                // tests, and a skip must not go unseen.
                let warning = format!(
                    "\n!!! AVERTISSEMENT : {message}\n!!! les tests PostgreSQL sont SAUTÉS (ils échoueraient sous CI)\n"
                );
                let _ = std::io::Write::write_all(&mut std::io::stderr(), warning.as_bytes());
                return None;
            }
        };
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |elapsed| elapsed.subsec_nanos());
        let schema = format!(
            "socle_t_{}_{}_{nanos}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        );
        admin
            .batch_execute(&format!("CREATE SCHEMA {schema}"))
            .expect("create the test schema");
        let separator = if admin_url.contains('?') { '&' } else { '?' };
        let url = format!("{admin_url}{separator}options=-csearch_path%3D{schema}");
        Some(TestDatabase {
            admin_url,
            schema,
            url,
        })
    }

    /// Store options naming this schema.
    pub fn options(&self) -> crate::StoreOptions {
        crate::StoreOptions {
            database_url: Some(crate::DatabaseUrl::Postgres(self.url.clone())),
            ..crate::StoreOptions::default()
        }
    }
}

/// A new, empty bucket on the S3-compatible server named by `SOCLE_TEST_S3_ENDPOINT`
/// (`http://127.0.0.1:PORT`, a moto server in `.ci/run`).
pub struct TestBucket {
    pub settings: crate::S3Settings,
}

impl TestBucket {
    /// `None` (after a loud warning) when no server is named, outside CI; under CI (`CI` set)
    /// a missing or unreachable server fails the test.
    pub fn create() -> Option<TestBucket> {
        use std::sync::atomic::{AtomicU64, Ordering};
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let Ok(endpoint) = std::env::var("SOCLE_TEST_S3_ENDPOINT") else {
            let message =
                "SOCLE_TEST_S3_ENDPOINT n'est pas défini (serveur S3 de test, voir .ci/run)";
            if std::env::var_os("CI").is_some() {
                panic!("{message} ; la CI exige le stockage objet");
            }
            let warning = format!(
                "\n!!! AVERTISSEMENT : {message}\n!!! les tests du stockage objet S3 sont SAUTÉS (ils échoueraient sous CI)\n"
            );
            let _ = std::io::Write::write_all(&mut std::io::stderr(), warning.as_bytes());
            return None;
        };
        let bucket = format!(
            "socle-test-{}-{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        );
        create_bucket(&endpoint, &bucket)
            .unwrap_or_else(|error| panic!("création du seau {bucket} sur {endpoint} : {error}"));
        Some(TestBucket {
            settings: crate::S3Settings {
                bucket,
                prefix: "instance/blobs".to_owned(),
                endpoint: Some(endpoint),
                region: Some("us-east-1".to_owned()),
                access_key_id: Some("test".to_owned()),
                secret_access_key: Some("test".to_owned()),
                session_token: None,
                allow_http: true,
            },
        })
    }

    /// Every key in the bucket, sorted (what the store really wrote).
    pub fn keys(&self) -> Vec<String> {
        let endpoint = self.settings.endpoint.as_deref().expect("a test endpoint");
        let listing = http_request(
            endpoint,
            "GET",
            &format!("/{}?list-type=2", self.settings.bucket),
        )
        .unwrap_or_else(|error| panic!("liste du seau {} : {error}", self.settings.bucket));
        let mut keys: Vec<String> = listing
            .split("<Key>")
            .skip(1)
            .filter_map(|rest| rest.split_once("</Key>").map(|(key, _)| key.to_owned()))
            .collect();
        keys.sort();
        keys
    }

    /// Store options keeping blobs in this bucket.
    pub fn options(&self) -> crate::StoreOptions {
        crate::StoreOptions {
            blobs: crate::BlobBackend::S3(self.settings.clone()),
            ..crate::StoreOptions::default()
        }
    }
}

/// `PUT /bucket` on a local test server that, like moto, does not ask for signed requests.
fn create_bucket(endpoint: &str, bucket: &str) -> std::io::Result<()> {
    http_request(endpoint, "PUT", &format!("/{bucket}")).map(|_| ())
}

/// One unsigned HTTP/1.1 request without a body to the test server; its body when it answers 200.
fn http_request(endpoint: &str, method: &str, target: &str) -> std::io::Result<String> {
    use std::io::{Read, Write};
    let address = endpoint
        .strip_prefix("http://")
        .unwrap_or(endpoint)
        .trim_end_matches('/');
    let mut stream = std::net::TcpStream::connect(address)?;
    write!(
        stream,
        "{method} {target} HTTP/1.1\r\nHost: {address}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    )?;
    let mut answer = String::new();
    stream.read_to_string(&mut answer)?;
    let status = answer.lines().next().unwrap_or_default().to_owned();
    if status.split(' ').nth(1) != Some("200") {
        return Err(std::io::Error::other(format!("réponse « {status} »")));
    }
    Ok(answer
        .split_once("\r\n\r\n")
        .map_or_else(String::new, |(_, body)| body.to_owned()))
}

#[cfg(feature = "postgres")]
impl Drop for TestDatabase {
    fn drop(&mut self) {
        // On a thread of its own: the synchronous client must not be dropped on an async one.
        let admin_url = self.admin_url.clone();
        let schema = self.schema.clone();
        let dropping = thread::spawn(move || {
            if let Ok(mut admin) = postgres::Client::connect(&admin_url, postgres::NoTls) {
                let _ = admin.batch_execute(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE"));
            }
        });
        let _ = dropping.join();
    }
}

/// The engines a test can run on ([`TestEngine::ALL`]: every one compiled in).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TestEngine {
    Sqlite,
    #[cfg(feature = "postgres")]
    Postgres,
}

impl TestEngine {
    pub const ALL: &[TestEngine] = &[
        TestEngine::Sqlite,
        #[cfg(feature = "postgres")]
        TestEngine::Postgres,
    ];

    /// Options opening a store on this engine (PostgreSQL: a fresh schema, dropped with the
    /// backend). `None` when PostgreSQL cannot be reached outside CI (after a loud warning).
    pub fn backend(self) -> Option<TestBackend> {
        match self {
            TestEngine::Sqlite => Some(TestBackend {
                options: crate::StoreOptions::default(),
                #[cfg(feature = "postgres")]
                _database: None,
            }),
            #[cfg(feature = "postgres")]
            TestEngine::Postgres => {
                let database = TestDatabase::create()?;
                Some(TestBackend {
                    options: database.options(),
                    _database: Some(database),
                })
            }
        }
    }
}

/// What a test store needs besides its data directory. Keep it until the store is dropped.
pub struct TestBackend {
    pub options: crate::StoreOptions,
    #[cfg(feature = "postgres")]
    _database: Option<TestDatabase>,
}

/// Defines, for each named test function taking a [`TestEngine`], one `#[test]` per engine
/// (modules `on_sqlite` and `on_postgres`).
#[macro_export]
macro_rules! on_every_engine {
    ($($name:ident),* $(,)?) => {
        mod on_sqlite {
            $(
                #[test]
                fn $name() {
                    super::$name($crate::conformance::TestEngine::Sqlite);
                }
            )*
        }
        mod on_postgres {
            $(
                #[test]
                fn $name() {
                    super::$name($crate::conformance::TestEngine::Postgres);
                }
            )*
        }
    };
}

/// A publication is live with its indexes `building` and a job queued; the job builds them
/// (rows and answers unchanged), and finds nothing to do once the table is gone.
pub fn indexes_built_by_a_job(store: &Store) {
    let resource = create_resource(store, SIREN_MONTPELLIER, "menus", None);
    let columns = vec![
        ColumnDef::new("label", ColumnType::Text),
        ColumnDef::new("n", ColumnType::Integer),
        ColumnDef::new("extra", ColumnType::Json),
    ];
    let rows: Vec<Vec<Value>> = (0..500)
        .map(|n| {
            vec![
                Value::from(format!("Crème brûlée n°{n}")),
                Value::Int(n),
                Value::Json(serde_json::json!([n])),
            ]
        })
        .collect();
    let version = publish(store, &resource, b"indexed later", &columns, &rows);
    assert_eq!(version.status, VersionStatus::Published);
    assert_eq!(version.indexes, IndexState::Building);
    assert_eq!(version.row_count, Some(500));
    // Queryable at once, and consistent while the indexes are missing.
    assert_eq!(read_rows(store, &version), rows);
    assert_clean(store);
    assert!(store.has_waiting_jobs().unwrap());

    let mut steps = Vec::new();
    let completed = store
        .run_waiting_jobs(&mut |job, step| steps.push((job.kind.clone(), step.to_owned())))
        .expect("index job");
    assert_eq!(completed, 1);
    assert!(
        steps.iter().all(|(kind, _)| kind == crate::BUILD_INDEXES) && steps.len() >= 3,
        "one step per index and per full-text chunk: {steps:?}"
    );
    assert!(!store.has_waiting_jobs().unwrap());
    let built = store.version(version.id).unwrap().unwrap();
    assert_eq!(built.indexes, IndexState::Ready);
    assert_eq!(read_rows(store, &built), rows);
    assert_clean(store);

    // A version deleted before its job runs: the job completes without doing anything.
    let other = create_resource(store, SIREN_MONTPELLIER, "deleted", None);
    publish(
        store,
        &other,
        b"deleted before indexing",
        &columns,
        &rows[..10],
    );
    store.delete_resource(other.id).unwrap();
    assert_eq!(store.run_waiting_jobs(&mut |_, _| {}).unwrap(), 1);
    assert_clean(store);
}

/// Claims are exclusive while their lease lasts, expire, and are checked by every later call;
/// failures are retried up to `MAX_JOB_ATTEMPTS` claims; unknown kinds fail.
pub fn job_queue_claims(store: &Store) {
    let id = store.enqueue_job("test", "{}").unwrap();
    let first = store.claim_job(JOB_LEASE).unwrap().expect("claimed");
    assert_eq!(
        (first.id, first.attempt, first.kind.as_str()),
        (id, 1, "test")
    );
    assert!(
        store.claim_job(JOB_LEASE).unwrap().is_none(),
        "leased job claimed twice"
    );
    assert!(!store.has_waiting_jobs().unwrap());
    store.heartbeat_job(&first, JOB_LEASE, "moitié").unwrap();
    let status = store.job_status(id).unwrap().unwrap();
    assert_eq!(status.state, JobState::Running);
    assert_eq!(status.progress.as_deref(), Some("moitié"));

    // The lease runs out (the worker died): another worker takes the job over.
    store
        .heartbeat_job(&first, std::time::Duration::ZERO, "moitié")
        .unwrap();
    thread::sleep(std::time::Duration::from_millis(5));
    assert!(store.has_waiting_jobs().unwrap());
    let second = store.claim_job(JOB_LEASE).unwrap().expect("expired lease");
    assert_eq!((second.id, second.attempt), (id, 2));
    assert!(matches!(
        store.complete_job(&first),
        Err(Error::Conflict(_))
    ));
    assert!(matches!(
        store.heartbeat_job(&first, JOB_LEASE, "x"),
        Err(Error::Conflict(_))
    ));

    assert_eq!(store.fail_job(&second, "panne").unwrap(), JobState::Queued);
    let mut last = store.claim_job(JOB_LEASE).unwrap().expect("retried");
    while last.attempt < MAX_JOB_ATTEMPTS {
        assert_eq!(store.fail_job(&last, "panne").unwrap(), JobState::Queued);
        last = store.claim_job(JOB_LEASE).unwrap().expect("retried");
    }
    assert_eq!(store.fail_job(&last, "panne").unwrap(), JobState::Failed);
    assert!(store.claim_job(JOB_LEASE).unwrap().is_none());
    let status = store.job_status(id).unwrap().unwrap();
    assert_eq!(status.state, JobState::Failed);
    assert_eq!(status.attempts, MAX_JOB_ATTEMPTS);
    assert_eq!(status.error.as_deref(), Some("panne"));
    // `socle check` lists it.
    let failed: Vec<String> = store
        .check()
        .unwrap()
        .into_iter()
        .filter(|problem| problem.kind == crate::ProblemKind::FailedJob)
        .map(|problem| problem.message)
        .collect();
    assert_eq!(failed.len(), 1, "{failed:?}");
    assert!(failed[0].contains(&format!("tâche {id}")), "{failed:?}");
    assert!(failed[0].contains("panne"), "{failed:?}");

    let done = store.enqueue_job("test", "{}").unwrap();
    let job = store.claim_job(JOB_LEASE).unwrap().unwrap();
    assert_eq!(job.id, done);
    store.complete_job(&job).unwrap();
    assert_eq!(
        store.job_status(done).unwrap().unwrap().state,
        JobState::Done
    );
    assert!(matches!(store.complete_job(&job), Err(Error::Conflict(_))));

    // A kind no runner knows fails, attempt after attempt, then is given up.
    let unknown = store.enqueue_job("no-such-kind", "{}").unwrap();
    assert!(store.run_waiting_jobs(&mut |_, _| {}).is_err());
    assert_eq!(
        store.job_status(unknown).unwrap().unwrap().state,
        JobState::Failed
    );
    assert!(store.job_status(crate::JobId(i64::MAX)).unwrap().is_none());
}

/// Workers claiming at once never get the same job.
pub fn concurrent_claims_run_each_job_once(store: &Store) {
    let ids: Vec<_> = (0..20)
        .map(|n| {
            store
                .enqueue_job("test", &format!("{{\"n\": {n}}}"))
                .unwrap()
        })
        .collect();
    let claimed: Vec<Vec<crate::JobId>> = thread::scope(|scope| {
        let workers: Vec<_> = (0..4)
            .map(|_| {
                scope.spawn(|| {
                    let mut mine = Vec::new();
                    while let Some(job) = store.claim_job(JOB_LEASE).unwrap() {
                        store.complete_job(&job).unwrap();
                        mine.push(job.id);
                    }
                    mine
                })
            })
            .collect();
        workers
            .into_iter()
            .map(|worker| worker.join().unwrap())
            .collect()
    });
    let mut all: Vec<_> = claimed.into_iter().flatten().collect();
    all.sort();
    assert_eq!(all, ids, "every job claimed exactly once");
}

/// Browser sessions: stored by hash, touched, revoked one by one, per user, or by expiry.
pub fn sessions(store: &Store) {
    let new_user = |email: &str| NewUser {
        email: email.to_owned(),
        display_name: email.to_owned(),
        password_hash: None,
        is_admin: false,
    };
    let agent = store.create_user(&new_user("agent@example.fr")).unwrap();
    let other = store.create_user(&new_user("autre@example.fr")).unwrap();
    let at = |second: i64| Timestamp::from_second(second).unwrap();
    let session = |hash: &str, user: model::UserId, expires: i64| model::Session {
        token_hash: hash.to_owned(),
        user,
        csrf_token: format!("csrf-{hash}"),
        created_at: at(1_000),
        last_seen_at: at(1_000),
        expires_at: at(expires),
    };
    let first = session("h1", agent.id, 5_000);
    store.create_session(&first).unwrap();
    store
        .create_session(&session("h2", agent.id, 2_000))
        .unwrap();
    store
        .create_session(&session("h3", other.id, 9_000))
        .unwrap();
    assert_eq!(store.session_by_hash("h1").unwrap().as_ref(), Some(&first));
    assert_eq!(store.session_by_hash("unknown").unwrap(), None);

    store.touch_session("h1", at(1_500), at(6_000)).unwrap();
    let touched = store.session_by_hash("h1").unwrap().unwrap();
    assert_eq!(
        (touched.last_seen_at, touched.expires_at),
        (at(1_500), at(6_000))
    );
    assert_eq!(touched.created_at, at(1_000), "creation time is kept");

    assert_eq!(store.delete_expired_sessions(at(3_000)).unwrap(), 1);
    assert_eq!(store.session_by_hash("h2").unwrap(), None);
    assert_eq!(store.delete_sessions_of_user(agent.id).unwrap(), 1);
    assert_eq!(store.session_by_hash("h1").unwrap(), None);
    assert!(
        store.session_by_hash("h3").unwrap().is_some(),
        "other users keep theirs"
    );
    store.delete_session("h3").unwrap();
    store.delete_session("h3").unwrap();
    assert_eq!(store.session_by_hash("h3").unwrap(), None);

    store
        .create_session(&session("h4", other.id, 9_000))
        .unwrap();
    store.delete_user(other.id).unwrap();
    assert_eq!(
        store.session_by_hash("h4").unwrap(),
        None,
        "deleting a user ends their sessions"
    );
}
