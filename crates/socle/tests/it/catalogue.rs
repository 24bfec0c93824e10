//! The catalogue commands, run as a pooling body's operator would, in a scratch data directory.

use crate::support::{socle, stdout, success_stdout};

struct DataDir {
    dir: tempfile::TempDir,
    /// `--database-url` for every command; `None`: SQLite in the data directory.
    database_url: Option<String>,
    /// `--blob-store` for every command, and the variables that reach its bucket.
    blob_store: Option<(String, Vec<(&'static str, String)>)>,
}

impl DataDir {
    fn new() -> DataDir {
        DataDir {
            dir: tempfile::tempdir().unwrap(),
            database_url: None,
            blob_store: None,
        }
    }

    /// A data directory whose original files go to a new bucket of the test S3 server, reached
    /// through `SOCLE_S3_*` and `AWS_*` variables as an operator would (`None`, after a loud
    /// warning, without a server outside CI).
    fn on_object_storage() -> Option<(DataDir, store::conformance::TestBucket)> {
        let bucket = store::conformance::TestBucket::create()?;
        let settings = &bucket.settings;
        let url = format!("s3://{}/{}", settings.bucket, settings.prefix);
        let env = vec![
            ("SOCLE_S3_ENDPOINT", settings.endpoint.clone().unwrap()),
            ("SOCLE_S3_ALLOW_HTTP", "true".to_owned()),
            ("AWS_ACCESS_KEY_ID", "test".to_owned()),
            ("AWS_SECRET_ACCESS_KEY", "test".to_owned()),
        ];
        let data = DataDir {
            blob_store: Some((url, env)),
            ..DataDir::new()
        };
        Some((data, bucket))
    }

    /// A data directory whose database is a PostgreSQL schema of its own (`None`, after a
    /// loud warning, when PostgreSQL is unreachable outside CI).
    fn on_postgres() -> Option<(DataDir, store::conformance::TestDatabase)> {
        let database = store::conformance::TestDatabase::create()?;
        let data = DataDir {
            database_url: Some(database.url.clone()),
            ..DataDir::new()
        };
        Some((data, database))
    }

    fn run(&self, args: &[&str]) -> std::process::Output {
        let data = self.dir.path().join("data");
        let mut all = vec!["--data", data.to_str().unwrap()];
        if let Some(url) = &self.database_url {
            all.extend(["--database-url", url.as_str()]);
        }
        let Some((blob_store, env)) = &self.blob_store else {
            all.extend(args);
            return socle(&all);
        };
        all.extend(["--blob-store", blob_store.as_str()]);
        all.extend(args);
        std::process::Command::new(env!("CARGO_BIN_EXE_socle"))
            .args(&all)
            .envs(env.iter().map(|(name, value)| (name, value)))
            .output()
            .expect("the socle binary runs")
    }

    fn ok(&self, args: &[&str]) -> String {
        success_stdout(args, &self.run(args))
    }

    fn file(&self, name: &str, content: &str) -> String {
        let path = self.dir.path().join(name);
        std::fs::write(&path, content).unwrap();
        path.to_string_lossy().into_owned()
    }
}

const HEADER: &str = "nomAttribuant,idAttribuant,dateConvention,referenceDecision,nomBeneficiaire,idBeneficiaire,rnaBeneficiaire,objet,montant,nature,conditionsVersement,datesPeriodeVersement,idRAE,notificationUE,pourcentageSubvention,dispositifAide";

fn subventions(montant: &str) -> String {
    format!(
        "{HEADER}\nVille de Montpellier,21340172201787,2024-03-05,,Association sportive,21340172201787,,Soutien aux clubs,{montant},aide en numéraire,unique,2024-04-01,,non,1,\n"
    )
}

#[test]
fn an_operator_publishes_through_the_command_line() {
    operator_journey(&DataDir::new());
}

#[test]
fn the_command_line_keeps_original_files_on_object_storage() {
    let Some((data, bucket)) = DataDir::on_object_storage() else {
        return;
    };
    operator_journey(&data);
    // The published file and the refused one, each once, and nothing kept locally.
    assert_eq!(bucket.keys().len(), 2, "{:?}", bucket.keys());
    let local = std::fs::read_dir(data.dir.path().join("data/blobs"))
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect::<Vec<_>>();
    assert_eq!(local, ["tmp"]);
}

/// Initialises, adds an organisation and a dataset, publishes (twice the same file, then a
/// refused one) and checks the store.
fn operator_journey(data: &DataDir) {
    assert!(data.ok(&["init"]).contains("communes"));
    data.ok(&[
        "org",
        "add",
        "--siren",
        "213401722",
        "--name",
        "Ville de Montpellier",
        "--kind",
        "commune",
        "--territory",
        "commune:34172",
    ]);
    assert!(data.ok(&["org", "list"]).contains("Ville de Montpellier"));
    data.ok(&[
        "dataset",
        "create",
        "subventions-montpellier",
        "--title",
        "Subventions",
        "--org",
        "213401722",
        "--frequency",
        "ANNUAL",
    ]);
    let valid = data.file("subventions.csv", &subventions("1500"));
    let published = data.ok(&[
        "publish",
        &valid,
        "--dataset",
        "subventions-montpellier",
        "--schema",
        "scdl-subventions",
    ]);
    assert!(published.contains("publiée"), "{published}");
    let again = data.ok(&["publish", &valid, "--dataset", "subventions-montpellier"]);
    assert!(again.contains("déjà"), "{again}");
    let broken = data.file("subventions-faux.csv", &subventions("1500,50"));
    let refused = data.run(&["publish", &broken, "--dataset", "subventions-montpellier"]);
    assert_eq!(refused.status.code(), Some(1), "{}", stdout(&refused));
    assert!(stdout(&refused).contains("refusée"), "{}", stdout(&refused));
    let history: serde_json::Value =
        serde_json::from_str(&data.ok(&["history", "1", "--format", "json"])).unwrap();
    let statuses: Vec<_> = history
        .as_array()
        .unwrap()
        .iter()
        .map(|version| version["status"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(statuses, ["rejected", "published"], "newest first");
    let shown = data.ok(&["dataset", "show", "subventions-montpellier"]);
    assert!(
        shown.contains("1 lignes") && shown.contains("conforme"),
        "{shown}"
    );
    assert!(data.ok(&["check"]).contains("intègre"));
}

#[test]
fn accounts_and_roles() {
    let data = DataDir::new();
    data.ok(&[
        "org",
        "add",
        "--siren",
        "213401722",
        "--name",
        "Montpellier",
        "--kind",
        "commune",
    ]);
    data.ok(&["user", "add", "agent@example.org", "--name", "Agent"]);
    let granted = data.ok(&[
        "user",
        "grant",
        "agent@example.org",
        "--org",
        "213401722",
        "--role",
        "editor",
    ]);
    assert!(granted.contains("editor"), "{granted}");
    let unknown_role = data.run(&[
        "user",
        "grant",
        "agent@example.org",
        "--org",
        "213401722",
        "--role",
        "chef",
    ]);
    assert_eq!(unknown_role.status.code(), Some(2));
}

#[test]
fn passwords_are_read_from_standard_input_and_hashed() {
    use std::io::Write;
    let data = DataDir::new();
    data.ok(&["user", "add", "agent@example.org"]);
    let passwd = |input: &str| {
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_socle"))
            .args(["--data"])
            .arg(data.dir.path().join("data"))
            .args(["user", "passwd", "agent@example.org"])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(input.as_bytes())
            .unwrap();
        child.wait_with_output().unwrap()
    };
    let done = passwd("un mot de passe assez long\n");
    assert_eq!(done.status.code(), Some(0), "{}", stdout(&done));
    assert!(stdout(&done).contains("Mot de passe de agent@example.org enregistré"));

    let catalogue = catalogue::Catalogue::open(&data.dir.path().join("data")).unwrap();
    let user = catalogue.user_by_email("agent@example.org").unwrap();
    let phc = user.password_hash.unwrap();
    assert!(phc.starts_with("$argon2id$"), "{phc}");
    assert!(catalogue::accounts::password_matches(
        &phc,
        "un mot de passe assez long"
    ));

    let short = passwd("court\n");
    assert_eq!(short.status.code(), Some(2));
    let message = String::from_utf8_lossy(&short.stderr);
    assert!(message.contains("au moins 10 caractères"), "{message}");
    let nothing = passwd("");
    assert_eq!(nothing.status.code(), Some(2));
}

#[test]
fn bad_input_is_refused_in_french() {
    let data = DataDir::new();
    let bad_siren = data.run(&[
        "org",
        "add",
        "--siren",
        "213401723",
        "--name",
        "X",
        "--kind",
        "commune",
    ]);
    assert_eq!(bad_siren.status.code(), Some(2));
    let message = String::from_utf8_lossy(&bad_siren.stderr);
    assert!(message.contains("SIREN"), "{message}");
    let no_dataset = data.run(&["publish", "/dev/null", "--dataset", "inexistant"]);
    assert_eq!(no_dataset.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&no_dataset.stderr).contains("introuvable"));
}

#[test]
fn the_demo_publishes_real_organisations_and_passes_its_own_check() {
    let data = DataDir::new();
    let demo = data.ok(&["demo"]);
    assert!(
        demo.contains("Toulouse Métropole") && demo.contains("non conforme"),
        "{demo}"
    );
    let organisations = data.ok(&["org", "list"]);
    assert!(
        organisations.contains("200053791"),
        "the Région: {organisations}"
    );
    assert!(data.ok(&["check"]).contains("intègre"));
    let again = data.ok(&["demo"]);
    assert!(
        again.contains("rien n'a été ajouté"),
        "a second demo adds nothing: {again}"
    );
    assert_eq!(data.ok(&["org", "list"]), organisations);
}

#[test]
fn the_demo_runs_on_postgres_too() {
    let Some((data, _database)) = DataDir::on_postgres() else {
        return;
    };
    let migrated = data.ok(&["migrate"]);
    assert!(
        migrated.contains("Base PostgreSQL") && migrated.contains("version 6"),
        "{migrated}"
    );
    let demo = data.ok(&["demo"]);
    assert!(
        demo.contains("Toulouse Métropole") && demo.contains("non conforme"),
        "{demo}"
    );
    assert!(
        !data.dir.path().join("data/socle.db").exists(),
        "no SQLite file beside a PostgreSQL database"
    );
    assert!(data.ok(&["org", "list"]).contains("200053791"));
    assert!(data.ok(&["check"]).contains("intègre"));
    assert!(data.ok(&["demo"]).contains("rien n'a été ajouté"));
}

#[test]
fn unknown_database_engines_are_refused_in_french() {
    let data = DataDir::new();
    let output = data.run(&["--database-url", "mysql://localhost/socle", "migrate"]);
    assert_eq!(output.status.code(), Some(2));
    let message = String::from_utf8_lossy(&output.stderr);
    assert!(message.contains("« mysql » inconnu"), "{message}");
}

#[test]
fn an_instance_is_exported_and_imported_through_the_command_line() {
    let source = DataDir::new();
    source.ok(&[
        "org",
        "add",
        "--siren",
        "213401722",
        "--name",
        "Ville de Montpellier",
        "--kind",
        "commune",
    ]);
    source.ok(&[
        "dataset",
        "create",
        "subventions-montpellier",
        "--title",
        "Subventions",
        "--org",
        "213401722",
    ]);
    let file = source.file("subventions.csv", &subventions("1500"));
    source.ok(&[
        "publish",
        &file,
        "--dataset",
        "subventions-montpellier",
        "--schema",
        "scdl-subventions",
    ]);
    let dump = source.dir.path().join("export");
    let exported = source.run(&["export", dump.to_str().unwrap()]);
    assert_eq!(exported.status.code(), Some(0));
    assert!(
        stdout(&exported).contains("1 organisations") && stdout(&exported).contains("1 versions"),
        "{}",
        stdout(&exported)
    );
    assert!(String::from_utf8_lossy(&exported.stderr).contains("version : 1 lignes"));

    let target = DataDir::new();
    let imported = target.ok(&["import", dump.to_str().unwrap()]);
    assert!(
        imported.contains("1 tables de versions rechargées"),
        "{imported}"
    );
    assert_eq!(
        target.ok(&["history", "1", "--format", "json"]),
        source.ok(&["history", "1", "--format", "json"])
    );
    assert!(target.ok(&["check"]).contains("intègre"));
    let again = target.run(&["import", dump.to_str().unwrap()]);
    assert_eq!(again.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&again.stderr).contains("pas vide"),
        "{}",
        String::from_utf8_lossy(&again.stderr)
    );
}
