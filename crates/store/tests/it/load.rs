use std::time::Instant;

use jiff::civil::date;
use model::{ColumnDef, ColumnType, Value};
use store::conformance::{SIREN_MONTPELLIER, create_resource, new_version};
use store::{Error, Store, VersionStart, referentials};

#[cfg(feature = "postgres")]
use crate::common::StoreFactory;
use crate::common::temp_store;

#[test]
fn bundled_referentials_import_and_answer_lookups() {
    let (store, _dir) = temp_store();
    import_and_look_up_referentials(&store);
}

#[cfg(feature = "postgres")]
#[test]
fn bundled_referentials_on_postgres() {
    let factory = StoreFactory::new();
    if factory.postgres_reachable() {
        import_and_look_up_referentials(&factory.make_postgres());
    }
}

fn import_and_look_up_referentials(store: &Store) {
    let counts = store
        .import_referentials(&referentials::bundled().unwrap())
        .unwrap();
    assert_eq!(
        (
            counts.communes,
            counts.epci,
            counts.departements,
            counts.regions
        ),
        (34_969, 1_255, 109, 26)
    );

    let montpellier = store.commune("34172").unwrap().unwrap();
    assert_eq!(montpellier.name, "Montpellier");
    assert!(montpellier.population.unwrap() > 290_000);
    assert_eq!(
        (
            montpellier.departement.as_str(),
            montpellier.region.as_str()
        ),
        ("34", "76")
    );
    let epci = store
        .epci(montpellier.epci_siren.as_deref().unwrap())
        .unwrap()
        .unwrap();
    assert_eq!(epci.siren, "243400017");
    assert_eq!(epci.kind, "METRO");
    let members = store.communes_of_epci(&epci.siren).unwrap();
    assert_eq!(Some(members.len() as u32), epci.commune_count);
    assert!(members.iter().any(|commune| commune.code_insee == "34172"));
    assert_eq!(store.departement("34").unwrap().unwrap().name, "Hérault");
    assert_eq!(store.departement("2A").unwrap().unwrap().region, "94");
    assert_eq!(store.region("76").unwrap().unwrap().name, "Occitanie");
    let uninhabited = store.commune("98411").unwrap().unwrap();
    assert_eq!(uninhabited.population, None);
}

const BENCH_ROWS: usize = 1_000_000;
const BENCH_BATCH: usize = 100_000;

/// 16 columns: 4 integers, 3 numbers, 5 texts, 2 dates, 1 boolean, 1 date-time.
fn bench_columns() -> Vec<ColumnDef> {
    let types = [
        ColumnType::Integer,
        ColumnType::Integer,
        ColumnType::Integer,
        ColumnType::Integer,
        ColumnType::Number,
        ColumnType::Number,
        ColumnType::Number,
        ColumnType::Text,
        ColumnType::Text,
        ColumnType::Text,
        ColumnType::Text,
        ColumnType::Text,
        ColumnType::Date,
        ColumnType::Date,
        ColumnType::Boolean,
        ColumnType::DateTime,
    ];
    types
        .iter()
        .enumerate()
        .map(|(idx, ty)| ColumnDef::new(format!("col_{idx}"), *ty))
        .collect()
}

fn bench_row(idx: usize) -> Vec<Value> {
    let day = date(2024, 1, 1)
        .checked_add(jiff::Span::new().days((idx % 365) as i64))
        .unwrap();
    vec![
        Value::Int(idx as i64),
        Value::Int((idx % 1000) as i64),
        Value::Int((idx * 7 % 10_007) as i64),
        Value::Int(-(idx as i64)),
        Value::Float(idx as f64 * 0.5),
        Value::Float((idx % 97) as f64 / 7.0),
        Value::Float(1.0e6 - idx as f64),
        Value::Text(format!("Commune {}", idx % 35_000)),
        Value::Text(format!("Libellé n°{idx}")),
        Value::Text("Repas végétarien".to_owned()),
        Value::Text(format!("{:05}", idx % 100_000)),
        Value::Text(format!("Élément {} de la liste", idx % 50)),
        Value::Date(day),
        Value::Date(day),
        Value::Bool(idx.is_multiple_of(2)),
        Value::DateTime(day.at(12, (idx % 60) as i8, 0, 0)),
    ]
}

/// CPU time (user + system) this process has used so far, in seconds, from `/proc/self/stat`:
/// on a machine shared with other work, wall time says little, and the load runs on one thread.
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the command name (which may contain spaces) start after the last ')'.
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map_or(vec![], |(_, rest)| rest.split_whitespace().collect());
    let ticks = |idx: usize| {
        fields
            .get(idx)
            .and_then(|field| field.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    // utime and stime are fields 14 and 15 (1-based) of the whole line, 12 and 13 here; 100 ticks/s on Linux.
    (ticks(11) + ticks(12)) / 100.0
}

/// Run with: `cargo test -p store --release --test it -- --ignored load_benchmark --nocapture`
#[test]
#[ignore = "benchmark: run manually in release mode"]
fn load_benchmark() {
    let (store, _dir) = temp_store();
    measure_load(&store, "SQLite");
}

/// The same load on PostgreSQL (`COPY`, then the indexes and the GIN full-text index).
#[cfg(feature = "postgres")]
#[test]
#[ignore = "benchmark: run manually in release mode"]
fn load_benchmark_postgres() {
    let factory = StoreFactory::new();
    if factory.postgres_reachable() {
        measure_load(&factory.make_postgres(), "PostgreSQL");
    }
}

fn measure_load(store: &Store, engine: &str) {
    let store = store.clone();
    let resource = create_resource(&store, SIREN_MONTPELLIER, "bench", None);
    let columns = bench_columns();
    let new = new_version(&store, &resource, b"benchmark");
    let VersionStart::Loading(mut load) = store.create_version_table(&new, &columns).unwrap()
    else {
        panic!("new bytes")
    };
    let mut insert_seconds = 0.0;
    let mut insert_cpu = 0.0;
    for batch_start in (0..BENCH_ROWS).step_by(BENCH_BATCH) {
        let batch: Vec<Vec<Value>> = (batch_start..batch_start + BENCH_BATCH)
            .map(bench_row)
            .collect();
        let (started, cpu_started) = (Instant::now(), cpu_seconds());
        load.append(&batch).unwrap();
        insert_seconds += started.elapsed().as_secs_f64();
        insert_cpu += cpu_seconds() - cpu_started;
    }
    let (started, cpu_started) = (Instant::now(), cpu_seconds());
    let version = store.commit_version(load, None, true).unwrap();
    let commit_seconds = started.elapsed().as_secs_f64();
    let commit_cpu = cpu_seconds() - cpu_started;
    assert_eq!(version.row_count, Some(BENCH_ROWS as u64));
    let started = Instant::now();
    let mut n_read = 0;
    store
        .for_each_row(version.id, |_| {
            n_read += 1;
            Ok::<(), Error>(())
        })
        .unwrap();
    let read_seconds = started.elapsed().as_secs_f64();
    assert_eq!(n_read, BENCH_ROWS);
    println!(
        "load_benchmark ({engine}): {BENCH_ROWS} rows x 16 columns\n\
         insert: {insert_seconds:.2} s wall, {insert_cpu:.2} s CPU ({:.0} rows/s wall, {:.0} rows/s per CPU second)\n\
         commit (15 indexes + FTS over 5 text columns + flip): {commit_seconds:.2} s wall, {commit_cpu:.2} s CPU\n\
         end to end: {:.0} rows/s wall, {:.0} rows/s per CPU second\n\
         read back: {:.0} rows/s wall",
        BENCH_ROWS as f64 / insert_seconds,
        BENCH_ROWS as f64 / insert_cpu,
        BENCH_ROWS as f64 / (insert_seconds + commit_seconds),
        BENCH_ROWS as f64 / (insert_cpu + commit_cpu),
        BENCH_ROWS as f64 / read_seconds,
    );
}
