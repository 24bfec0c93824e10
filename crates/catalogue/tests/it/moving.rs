//! Moving an instance: the demo instance exported from SQLite, imported into PostgreSQL,
//! exported again and imported into a new SQLite instance, compared at every step.

use std::fmt::Write as _;
use std::io::Read;
use std::path::Path;

use catalogue::{Actor, Catalogue, PublishRequest, moving};
use model::{NewApiToken, NewUser, PublicationPolicy, Role, Value, VersionOrigin, VersionStatus};
use store::{DatabaseUrl, DatasetFilter, Store, StoreOptions};

fn open(dir: &Path, database_url: Option<DatabaseUrl>) -> Catalogue {
    let options = StoreOptions {
        database_url,
        ..StoreOptions::default()
    };
    Catalogue::new(Store::open_with(dir, options).unwrap())
}

/// The demo instance, with an account, a membership, an API token and a deleted dataset
/// (whose id must never be handed out again).
fn demo_instance(dir: &Path) -> Catalogue {
    let catalogue = open(dir, None);
    catalogue::demo::load(&catalogue).unwrap();
    let store = catalogue.store();
    let user = store
        .create_user(&NewUser {
            email: "Agent@Example.fr".to_owned(),
            display_name: "Agente".to_owned(),
            password_hash: Some("$argon2id$v=19$m=19456,t=2,p=1$c2VsZA$aGFzaA".to_owned()),
            is_admin: false,
        })
        .unwrap();
    let organisation = store.list_organisations().unwrap()[0].clone();
    store
        .set_membership(user.id, organisation.id, Some(Role::Editor))
        .unwrap();
    store
        .create_api_token(&NewApiToken {
            user: user.id,
            token_hash: "ab".repeat(32),
            label: "moissonneur".to_owned(),
            scopes: vec!["publish".to_owned()],
            expires_at: None,
        })
        .unwrap();
    let doomed = store::conformance::new_dataset("a-supprimer", &organisation, &organisation);
    let doomed = store.create_dataset(&doomed).unwrap();
    store.delete_dataset(doomed.id).unwrap();
    add_history(&catalogue, &organisation);
    store.run_waiting_jobs(&mut |_, _| {}).unwrap();
    catalogue
}

/// What the demo lacks: a file without a schema in Windows-1252 with `;` (types inferred),
/// replaced then restored (superseded versions, several live periods), a strict resource
/// refusing a file (a rejected version) and a lenient one keeping a non-conformant file with an
/// extra column.
fn add_history(catalogue: &Catalogue, organisation: &model::Organisation) {
    let store = catalogue.store();
    let dataset = store::conformance::new_dataset("divers", organisation, organisation);
    let dataset = catalogue
        .create_dataset(&Actor::Operator, &dataset)
        .unwrap();
    let publish = |schema: Option<&str>, policy: PublicationPolicy, bytes: &[u8]| {
        let mut new = store::conformance::new_resource(&dataset, schema);
        new.policy = policy;
        let resource = catalogue.add_resource(&Actor::Operator, &new).unwrap();
        publish_to(catalogue, &resource, bytes);
        resource
    };
    let windows_1252 = b"nom;montant;date\nCaf\xe9;12,5;02/01/2024\nTh\xe9;3;2024-01-03\n";
    let inferred = publish(None, PublicationPolicy::Lenient, windows_1252);
    let first = store.live_version(inferred.id).unwrap().unwrap();
    publish_to(catalogue, &inferred, b"nom,montant\nEau,1\n");
    store.restore_version(first.id).unwrap();
    let menus = "scdl-menus-collectifs@1.2.3";
    let rejected = publish(Some(menus), PublicationPolicy::Strict, b"a,b\n1,2\n");
    assert_eq!(
        store.versions_of_resource(rejected.id).unwrap()[0].status,
        VersionStatus::Rejected
    );
    publish(Some(menus), PublicationPolicy::Lenient, b"a,b\n1,2\n");
}

fn publish_to(catalogue: &Catalogue, resource: &model::Resource, bytes: &[u8]) {
    let request = PublishRequest {
        resource: resource.id,
        file_name: Some("fichier.csv".to_owned()),
        origin: VersionOrigin::Upload,
        read: ingest::Options::default(),
    };
    catalogue
        .publish(&Actor::Operator, &request, bytes)
        .unwrap();
}

/// Everything readable through the Store API, as text: catalogue, versions and their history,
/// original bytes, and every kept version's rows.
fn snapshot(store: &Store) -> String {
    let mut out = String::new();
    writeln!(out, "{:?}", store.list_organisations().unwrap()).unwrap();
    for user in store.list_users().unwrap() {
        writeln!(out, "{user:?}").unwrap();
        writeln!(out, "{:?}", store.memberships_of_user(user.id).unwrap()).unwrap();
        writeln!(out, "{:?}", store.api_tokens_of_user(user.id).unwrap()).unwrap();
    }
    let mut datasets = store.list_datasets(&DatasetFilter::default()).unwrap();
    datasets.sort_by_key(|dataset| dataset.id);
    for dataset in datasets {
        writeln!(out, "{dataset:?}").unwrap();
        for resource in store.resources_of_dataset(dataset.id).unwrap() {
            writeln!(out, "{resource:?}").unwrap();
            writeln!(out, "{:?}", store.live_history(resource.id).unwrap()).unwrap();
            for version in store.versions_of_resource(resource.id).unwrap() {
                writeln!(out, "{version:?}").unwrap();
                let mut bytes = Vec::new();
                store
                    .open_blob(&version.sha256)
                    .unwrap()
                    .read_to_end(&mut bytes)
                    .unwrap();
                writeln!(
                    out,
                    "{} octets : {:?}",
                    bytes.len(),
                    &bytes[..bytes.len().min(64)]
                )
                .unwrap();
                writeln!(out, "{:?}", store.version_columns(version.id).unwrap()).unwrap();
                let mut rows: Vec<Vec<Value>> = Vec::new();
                let scanned = store.for_each_row(version.id, |row| -> store::Result<()> {
                    rows.push(row.to_vec());
                    Ok(())
                });
                match scanned {
                    Ok(()) => writeln!(out, "{} lignes : {rows:?}", rows.len()).unwrap(),
                    Err(error) => writeln!(out, "pas de lignes : {error}").unwrap(),
                }
            }
        }
    }
    writeln!(out, "{:?}", store.commune("34172").unwrap()).unwrap();
    out
}

fn export(catalogue: &Catalogue, out: &Path) {
    catalogue
        .export_instance(&Actor::Operator, out, &mut |_| {})
        .unwrap();
}

fn import(catalogue: &Catalogue, dump: &Path) -> catalogue::Result<moving::Moved> {
    catalogue.import_instance(&Actor::Operator, dump, &mut |_| {})
}

/// Every file of a dump, by relative path; the manifest without its `source_engine`.
fn dump_files(dump: &Path) -> Vec<(String, Vec<u8>)> {
    let mut files = Vec::new();
    for sub in ["tables", "blobs"] {
        for entry in std::fs::read_dir(dump.join(sub)).unwrap() {
            let path = entry.unwrap().path();
            let name = format!("{sub}/{}", path.file_name().unwrap().to_string_lossy());
            files.push((name, std::fs::read(&path).unwrap()));
        }
    }
    files.sort();
    let mut manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dump.join("manifest.json")).unwrap()).unwrap();
    manifest.as_object_mut().unwrap().remove("source_engine");
    files.push((
        "manifest.json".to_owned(),
        manifest.to_string().into_bytes(),
    ));
    files
}

fn assert_same_dump(left: &Path, right: &Path) {
    let (left, right) = (dump_files(left), dump_files(right));
    assert_eq!(left.len(), right.len());
    for ((left_name, left_bytes), (right_name, right_bytes)) in left.iter().zip(&right) {
        assert_eq!(left_name, right_name);
        assert!(
            left_bytes == right_bytes,
            "{left_name} differs between the dumps"
        );
    }
}

fn engine_of(dump: &Path) -> String {
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dump.join("manifest.json")).unwrap()).unwrap();
    manifest["source_engine"].as_str().unwrap().to_owned()
}

#[test]
fn the_demo_instance_moves_from_sqlite_to_postgresql_and_back_unchanged() {
    let scratch = tempfile::tempdir().unwrap();
    let source = demo_instance(&scratch.path().join("source"));
    let before = snapshot(source.store());
    assert!(before.contains("lignes : [["), "the demo has rows");
    let first = scratch.path().join("dump-sqlite");
    export(&source, &first);

    let Some(database) = store::conformance::TestDatabase::create() else {
        return;
    };
    let postgres = open(
        &scratch.path().join("postgres"),
        Some(DatabaseUrl::Postgres(database.url.clone())),
    );
    let moved = import(&postgres, &first).unwrap();
    assert!(moved.rebuilt > 0 && moved.blobs > 0, "{moved:?}");
    assert_eq!(snapshot(postgres.store()), before, "SQLite → PostgreSQL");
    let second = scratch.path().join("dump-postgres");
    export(&postgres, &second);
    assert_eq!(engine_of(&first), "SQLite");
    assert_eq!(engine_of(&second), "PostgreSQL");
    assert_same_dump(&first, &second);

    let back = open(&scratch.path().join("back"), None);
    import(&back, &second).unwrap();
    assert_eq!(snapshot(back.store()), before, "PostgreSQL → SQLite");
    let third = scratch.path().join("dump-back");
    export(&back, &third);
    assert_same_dump(&first, &third);

    // Ids deleted in the source are not handed out again.
    let organisation = back.store().list_organisations().unwrap()[0].clone();
    let again = store::conformance::new_dataset("nouveau", &organisation, &organisation);
    let created = back.store().create_dataset(&again).unwrap();
    let highest = source
        .store()
        .id_sequences()
        .unwrap()
        .into_iter()
        .find(|(table, _)| table == "dataset")
        .unwrap()
        .1;
    assert_eq!(created.id.0, highest + 1);
}

#[test]
fn an_import_refuses_a_target_that_is_not_empty() {
    let scratch = tempfile::tempdir().unwrap();
    let source = open(&scratch.path().join("source"), None);
    let organisation =
        store::conformance::new_organisation(store::conformance::SIREN_MONTPELLIER, "Montpellier");
    source
        .add_organisation(&Actor::Operator, &organisation)
        .unwrap();
    let dump = scratch.path().join("dump");
    export(&source, &dump);
    let error = import(&source, &dump).unwrap_err();
    assert!(
        matches!(error, catalogue::Error::Conflict(_)) && error.to_string().contains("pas vide"),
        "{error}"
    );
    assert_eq!(source.store().list_organisations().unwrap().len(), 1);
}

#[test]
fn an_import_refuses_a_corrupted_dump_and_writes_nothing() {
    let scratch = tempfile::tempdir().unwrap();
    let source = demo_instance(&scratch.path().join("source"));
    let dump = scratch.path().join("dump");
    export(&source, &dump);

    // One byte changed in a table file.
    let table = dump.join("tables/organisation.ndjson");
    let mut text = std::fs::read_to_string(&table).unwrap();
    text = text.replacen("Montpellier", "Montpelliex", 1);
    std::fs::write(&table, &text).unwrap();
    let target = open(&scratch.path().join("target"), None);
    let error = import(&target, &dump).unwrap_err();
    assert!(error.to_string().contains("export corrompu"), "{error}");
    assert!(error.to_string().contains("organisation.ndjson"), "{error}");
    assert!(target.store().list_organisations().unwrap().is_empty());
    std::fs::write(&table, text.replacen("Montpelliex", "Montpellier", 1)).unwrap();

    // An original file altered.
    let blob = std::fs::read_dir(dump.join("blobs"))
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let mut bytes = std::fs::read(&blob).unwrap();
    bytes[0] ^= 1;
    std::fs::write(&blob, bytes).unwrap();
    let error = import(&target, &dump).unwrap_err();
    assert!(error.to_string().contains("export corrompu"), "{error}");
    assert!(target.store().list_organisations().unwrap().is_empty());
}
