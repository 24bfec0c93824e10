//! Crash safety: a child process publishes in a loop and is killed with SIGKILL at random
//! moments; after each kill the store is reopened and its invariants checked.
//!
//! The child is this very test binary, re-run with `CHILD_ENV` set on the ignored test
//! `crash::crash_child` (a common pattern: no separate binary to build).

use std::fs::OpenOptions;
use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use model::{
    ColumnDef, ColumnType, IndexState, Resource, Siren, Slug, Value, VersionId, VersionStatus,
};
use store::conformance::{SIREN_MONTPELLIER, create_resource, new_resource, new_version};
use store::{DatabaseUrl, Error, RowBlock, Store, StoreOptions, VersionStart};

const CHILD_ENV: &str = "SOCLE_STORE_CRASH_CHILD";
/// The child's database when it is PostgreSQL (unset: SQLite in the directory).
const DATABASE_ENV: &str = "SOCLE_STORE_CRASH_DATABASE";
const ROUNDS: usize = 16;
const RESOURCES: usize = 2;
/// Versions the child committed, one `<version id> <row count>` line each, written after
/// `commit_version` returned: every line must survive the kill.
const COMMITTED_LOG: &str = "committed.log";

/// xorshift64: enough randomness for timings and sizes, without a dependency.
struct Random(u64);

impl Random {
    fn seeded() -> Random {
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(1, |elapsed| elapsed.as_nanos() as u64);
        Random(nanos ^ (u64::from(std::process::id()) << 32) | 1)
    }

    fn below(&mut self, bound: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % bound
    }
}

#[test]
fn publications_survive_sigkill() {
    let dir = tempfile::tempdir().unwrap();
    kill_and_check(dir.path(), None, ROUNDS, 150..750);
}

#[cfg(feature = "postgres")]
#[test]
fn publications_survive_sigkill_on_postgres() {
    let Some(database) = store::conformance::TestDatabase::create() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    // The child's life on PostgreSQL varies more with the machine's load (connections, round
    // trips): kills are spread over a wide window so that some land inside a load.
    kill_and_check(dir.path(), Some(&database.url), ROUNDS, 300..2100);
}

/// The store of `dir`, on the PostgreSQL database `database_url` names if any.
fn open_store(dir: &Path, database_url: Option<&str>) -> Store {
    let options = StoreOptions {
        database_url: database_url.map(|url| DatabaseUrl::Postgres(url.to_owned())),
        ..StoreOptions::default()
    };
    Store::open_with(dir, options).unwrap()
}

/// Kills a publishing child `rounds` times, at a random moment within `life_ms` after its
/// start, checking the store's invariants after each kill.
fn kill_and_check(
    dir: &Path,
    database_url: Option<&str>,
    rounds: usize,
    life_ms: std::ops::Range<u64>,
) {
    let exe = std::env::current_exe().unwrap();
    let mut random = Random::seeded();
    let mut interrupted_loads = 0;
    // The database exists (migrations run) before the first kill, which may come before the
    // child has opened its store on a loaded machine: leftovers are then counted in real tables.
    drop(open_store(dir, database_url));
    // At least `rounds` kills, and more (up to four times as many) until one lands inside a load:
    // how long a load lasts depends on the machine, so a fixed number of kills may all miss.
    let mut kills = 0;
    for round in 0..rounds * 4 {
        if round >= rounds && interrupted_loads > 0 {
            break;
        }
        kills += 1;
        let mut command = Command::new(&exe);
        command
            .args([
                "crash::crash_child",
                "--exact",
                "--ignored",
                "--test-threads=1",
            ])
            .env(CHILD_ENV, dir);
        if let Some(url) = database_url {
            command.env(DATABASE_ENV, url);
        }
        let mut child = command
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let life = life_ms.start + random.below(life_ms.end - life_ms.start);
        std::thread::sleep(Duration::from_millis(life));
        child.kill().unwrap(); // SIGKILL on Unix.
        child.wait().unwrap();
        interrupted_loads += match database_url {
            #[cfg(feature = "postgres")]
            Some(url) => postgres_leftovers(url),
            _ => leftovers(dir),
        };
        check_invariants(&open_store(dir, database_url), dir, round);
    }
    let committed = committed_versions(dir);
    println!(
        "crash: {kills} kills, {interrupted_loads} leftovers (pending versions, staging tables) cleaned, {} versions committed and intact",
        committed.len()
    );
    assert!(
        interrupted_loads > 0,
        "no kill hit a publication in progress: the test proves little"
    );
    assert!(
        committed.len() >= 5,
        "the child hardly published anything ({} versions): the test proves little",
        committed.len()
    );
}

/// Pending versions and staging tables the kill left, seen in the raw database before
/// `Store::open` cleans them.
fn leftovers(dir: &Path) -> usize {
    let Ok(connection) = rusqlite::Connection::open(dir.join("socle.db")) else {
        return 0;
    };
    let count = |sql: &str| {
        connection
            .query_row(sql, [], |row| row.get::<_, i64>(0))
            .unwrap_or(0) as usize
    };
    count("SELECT count(*) FROM version WHERE status = 'pending'")
        + count(
            "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name LIKE 'staging_v%'",
        )
        + count("SELECT count(*) FROM jobs WHERE state = 'running'")
}

/// The same as [`leftovers`], in a PostgreSQL database.
#[cfg(feature = "postgres")]
fn postgres_leftovers(url: &str) -> usize {
    let url = url.to_owned();
    // The synchronous client is used on a thread of its own, as the store does when dropping.
    std::thread::spawn(move || {
        let mut client = postgres::Client::connect(&url, postgres::NoTls).unwrap();
        let count = |client: &mut postgres::Client, sql: &str| {
            client.query_one(sql, &[]).unwrap().get::<_, i64>(0) as usize
        };
        count(&mut client, "SELECT count(*) FROM version WHERE status = 'pending'")
            + count(
                &mut client,
                "SELECT count(*) FROM pg_tables WHERE schemaname = current_schema() AND tablename LIKE 'staging\\_v%'",
            )
    })
    .join()
    .unwrap()
}

fn committed_versions(dir: &Path) -> Vec<(VersionId, u64)> {
    let log = std::fs::read_to_string(dir.join(COMMITTED_LOG)).unwrap_or_default();
    log.lines()
        .filter_map(|line| {
            let (id, rows) = line.split_once(' ')?;
            Some((VersionId(id.parse().ok()?), rows.parse().ok()?))
        })
        .collect()
}

fn check_invariants(store: &Store, dir: &Path, round: usize) {
    // Orphans are gone, every live table has its declared row count, every blob hashes right.
    let problems = store.check().unwrap();
    assert!(problems.is_empty(), "round {round}: {problems:#?}");
    // Index builds interrupted by the kill (or never started) finish now, each exactly once.
    store.run_waiting_jobs(&mut |_, _| {}).unwrap();
    assert!(!store.has_waiting_jobs().unwrap(), "round {round}");
    let problems = store.check().unwrap();
    assert!(problems.is_empty(), "round {round}: {problems:#?}");
    // Nothing committed was lost.
    for (version_id, row_count) in committed_versions(dir) {
        let version = store
            .version(version_id)
            .unwrap()
            .unwrap_or_else(|| panic!("round {round}: version {version_id} lost"));
        assert!(matches!(
            version.status,
            VersionStatus::Published | VersionStatus::Superseded
        ));
        assert_eq!(
            version.row_count,
            Some(row_count),
            "round {round}: version {version_id}"
        );
        assert_eq!(
            version.indexes,
            IndexState::Ready,
            "round {round}: version {version_id}"
        );
    }
    // Each live version reads back completely.
    let Some(organisation) = store
        .organisation_by_siren(&Siren::parse(SIREN_MONTPELLIER).unwrap())
        .unwrap()
    else {
        return;
    };
    for dataset in store
        .list_datasets(&store::DatasetFilter {
            organisation: Some(organisation.id),
            state: None,
        })
        .unwrap()
    {
        for resource in store.resources_of_dataset(dataset.id).unwrap() {
            let Some(live) = store.live_version(resource.id).unwrap() else {
                continue;
            };
            let mut n_rows = 0u64;
            store
                .for_each_row(live.id, |_| {
                    n_rows += 1;
                    Ok::<(), Error>(())
                })
                .unwrap();
            assert_eq!(
                Some(n_rows),
                live.row_count,
                "round {round}: live version {}",
                live.id
            );
        }
    }
}

#[test]
#[ignore = "child side of `publications_survive_sigkill`, which runs it in a subprocess"]
fn crash_child() {
    let Some(dir) = std::env::var_os(CHILD_ENV) else {
        return;
    };
    let database_url = std::env::var(DATABASE_ENV).ok();
    publish_forever(Path::new(&dir), database_url.as_deref());
}

fn publish_forever(dir: &Path, database_url: Option<&str>) {
    let store = open_store(dir, database_url);
    let resources = ensure_resources(&store);
    let columns = vec![
        ColumnDef::new("n", ColumnType::Integer),
        ColumnDef::new("label", ColumnType::Text),
        ColumnDef::new("amount", ColumnType::Number),
    ];
    let mut random = Random::seeded();
    let mut log = OpenOptions::new()
        .create(true)
        .append(true)
        .open(dir.join(COMMITTED_LOG))
        .unwrap();
    for attempt in 0u64.. {
        let resource = &resources[(attempt % RESOURCES as u64) as usize];
        // Loads long enough, on a fast machine too, for kills to land inside some of them.
        let n_rows = 1 + random.below(30_000);
        let bytes = format!(
            "{}-{attempt}-{n_rows}-{}",
            std::process::id(),
            random.below(u64::MAX)
        );
        let new = new_version(&store, resource, bytes.as_bytes());
        let VersionStart::Loading(mut load) = store.create_version_table(&new, &columns).unwrap()
        else {
            continue;
        };
        let mut row_idx = 0;
        while row_idx < n_rows {
            let batch_end = (row_idx + 5_000).min(n_rows);
            let batch: Vec<Vec<Value>> = (row_idx..batch_end)
                .map(|idx| {
                    vec![
                        Value::Int(idx as i64),
                        Value::from(format!("ligne {idx} école")),
                        Value::Float(idx as f64 / 3.0),
                    ]
                })
                .collect();
            // Both ways of loading rows, so that a kill lands in either.
            if attempt % 2 == 0 {
                load.append(&batch).unwrap();
            } else {
                let mut block = RowBlock::new(columns.len());
                for row in &batch {
                    row.iter().for_each(|value| block.push_value(value));
                    block.end_row();
                }
                load.append_block(&block).unwrap();
            }
            row_idx = batch_end;
        }
        match random.below(10) {
            0 => load.abort().unwrap(),
            1 => {
                store.reject_version(load, "{\"valid\":false}").unwrap();
            }
            _ => {
                let version = store
                    .commit_version(load, Some("{\"valid\":true}"), true)
                    .unwrap();
                writeln!(log, "{} {n_rows}", version.id).unwrap();
                // Index builds run now and then, so that kills also interrupt them (the others
                // are left queued for the next child or the check).
                if random.below(2) == 0 {
                    store.run_waiting_jobs(&mut |_, _| {}).unwrap();
                }
            }
        }
    }
}

/// The child's resources, created by the first child and found again by the next ones.
fn ensure_resources(store: &Store) -> Vec<Resource> {
    let slug = Slug::parse("crash").unwrap();
    let dataset = match store.dataset_by_slug(&slug).unwrap() {
        Some(dataset) => dataset,
        None => {
            let resource =
                create_resource(store, SIREN_MONTPELLIER, slug.as_str(), Some("crash@1.0.0"));
            store.dataset(resource.dataset).unwrap().unwrap()
        }
    };
    let mut resources = store.resources_of_dataset(dataset.id).unwrap();
    while resources.len() < RESOURCES {
        resources.push(
            store
                .create_resource(&new_resource(&dataset, Some("crash@1.0.0")))
                .unwrap(),
        );
    }
    resources
}

/// A second open of a directory in use must not take a live load for a crashed one.
#[test]
fn second_open_leaves_live_loads_alone() {
    let dir = tempfile::tempdir().unwrap();
    let first = Store::open(dir.path()).unwrap();
    let resource = create_resource(&first, SIREN_MONTPELLIER, "menus", None);
    let columns = vec![ColumnDef::new("menu", ColumnType::Text)];
    let new = new_version(&first, &resource, b"v1");
    let VersionStart::Loading(mut load) = first.create_version_table(&new, &columns).unwrap()
    else {
        panic!("new bytes must start a load");
    };
    load.append([vec![Value::from("gratin")]]).unwrap();

    let second = Store::open(dir.path()).unwrap();
    let version = first.commit_version(load, None, true).unwrap();
    assert_eq!(
        second.live_version(resource.id).unwrap().as_ref(),
        Some(&version)
    );
    drop((first, second));

    // Once alone, an open does clean what a crash leaves: made here by hand, while `busy` holds
    // the directory.
    let busy = Store::open(dir.path()).unwrap();
    let connection = rusqlite::Connection::open(dir.path().join("socle.db")).unwrap();
    connection
        .execute_batch(&format!(
            "INSERT INTO version (resource_id, sha256, size, media_type, origin, received_at, status, producer_id)
             SELECT resource_id, '{}', 1, 'text/csv', 'upload', received_at, 'pending', producer_id FROM version;
             CREATE TABLE staging_v999 (x);
             CREATE TABLE rows_v998 (x);",
            "f".repeat(64)
        ))
        .unwrap();
    drop(connection);
    std::fs::write(dir.path().join("blobs/tmp/123-0.part"), b"partial").unwrap();
    let kinds = |store: &Store| {
        store
            .check()
            .unwrap()
            .into_iter()
            .map(|problem| problem.kind)
            .collect::<Vec<_>>()
    };
    // Not alone: nothing is cleaned.
    let witness = Store::open(dir.path()).unwrap();
    assert_eq!(kinds(&witness).len(), 4, "{:?}", kinds(&witness));
    drop((busy, witness));
    let store = Store::open(dir.path()).unwrap();
    assert_eq!(kinds(&store), []);
    assert_eq!(
        store.live_version(resource.id).unwrap().map(|live| live.id),
        Some(version.id)
    );
}
