use model::{ColumnDef, ColumnType, Value, VersionStatus};
use store::conformance::{SIREN_MONTPELLIER, TestDatabase, create_resource, new_version, publish};
use store::records::{ColumnInfo, ColumnKind, Dialect, Table, compile};
use store::{DatabaseUrl, Store, StoreOptions, VersionStart};

/// A store on its own PostgreSQL schema, or `None` when PostgreSQL is unreachable outside CI.
fn postgres_store() -> Option<(Store, TestDatabase, tempfile::TempDir)> {
    let database = TestDatabase::create()?;
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open_with(dir.path(), database.options()).unwrap();
    Some((store, database, dir))
}

#[test]
fn works_from_tokio_blocking_threads_and_drops_on_async_ones() {
    let Some((store, _database, _dir)) = postgres_store() else {
        return;
    };
    let resources: Vec<_> = (0..4)
        .map(|index| create_resource(&store, SIREN_MONTPELLIER, &format!("menus-{index}"), None))
        .collect();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .unwrap();
    let published = runtime.block_on(async {
        let mut tasks = Vec::new();
        // The synchronous client blocks: like the server, call it on the blocking pool only.
        for (index, resource) in resources.into_iter().enumerate() {
            let store = store.clone();
            tasks.push(tokio::task::spawn_blocking(move || {
                let columns = [ColumnDef::new("plat", ColumnType::Text)];
                let rows = vec![vec![Value::from(format!("plat {index}"))]];
                publish(
                    &store,
                    &resource,
                    format!("v{index}").as_bytes(),
                    &columns,
                    &rows,
                )
            }));
        }
        let mut published = Vec::new();
        for task in tasks {
            published.push(task.await.unwrap());
        }
        // The last handle dropped on an async thread: the pool's clients must not panic there.
        drop(store);
        published
    });
    assert_eq!(published.len(), 4);
    assert!(
        published
            .iter()
            .all(|version| version.status == VersionStatus::Published)
    );
}

#[test]
fn two_processes_share_one_database() {
    let Some((first, database, _dir)) = postgres_store() else {
        return;
    };
    let second_dir = tempfile::tempdir().unwrap();
    let resource = create_resource(&first, SIREN_MONTPELLIER, "menus", None);
    let columns = [ColumnDef::new("plat", ColumnType::Text)];
    let VersionStart::Loading(mut load) = first
        .create_version_table(&new_version(&first, &resource, b"v1"), &columns)
        .unwrap()
    else {
        panic!("new bytes start a load");
    };
    load.append([vec![Value::from("gratin")]]).unwrap();

    // A second server opening the database meanwhile must not take the load for a crash's leftover.
    let second = Store::open_with(second_dir.path(), database.options()).unwrap();
    let committed = first.commit_version(load, None, true).unwrap();
    assert_eq!(
        second
            .live_version(resource.id)
            .unwrap()
            .map(|version| version.id),
        Some(committed.id),
        "a publication through one process is visible through the other at once"
    );
    assert!(second.check().unwrap().iter().all(|problem| {
        problem.kind == store::ProblemKind::MissingBlob // The blob lives in the first's directory.
    }));
}

#[test]
fn unreachable_or_malformed_urls_say_so_in_french() {
    let dir = tempfile::tempdir().unwrap();
    let options = StoreOptions {
        database_url: Some(DatabaseUrl::Postgres(
            "postgres://nobody@127.0.0.1:1/nothing?connect_timeout=2".to_owned(),
        )),
        ..StoreOptions::default()
    };
    let error = Store::open_with(dir.path(), options)
        .err()
        .expect("no server on port 1");
    assert!(
        error
            .to_string()
            .starts_with("connexion à PostgreSQL impossible"),
        "{error}"
    );
}

#[test]
fn french_full_text_index_folds_accents_and_stems() {
    let Some((store, database, _dir)) = postgres_store() else {
        return;
    };
    let resource = create_resource(&store, SIREN_MONTPELLIER, "equipements", None);
    let columns = [
        ColumnDef::new("nom", ColumnType::Text),
        ColumnDef::new("places", ColumnType::Integer),
        ColumnDef::new("commune", ColumnType::Text),
    ];
    let rows = vec![
        vec![
            Value::from("École élémentaire Jules Ferry"),
            Value::Int(200),
            Value::from("Béziers"),
        ],
        vec![
            Value::from("Piscine olympique"),
            Value::Int(900),
            Value::from("Montpellier"),
        ],
        vec![
            Value::from("Écoles maternelles"),
            Value::Int(80),
            Value::from("Sète"),
        ],
    ];
    let version = publish(&store, &resource, b"equipements", &columns, &rows);
    // The indexes, full-text included, are built by the job that follows the publication.
    assert_eq!(store.run_waiting_jobs(&mut |_, _| {}).unwrap(), 1);
    let search = |text: &str| model::query::Query {
        filter: Some(model::query::parse_where(&format!("search(\"{text}\")")).unwrap()),
        ..model::query::Query::default()
    };
    let found = store.records(version.id, &search("ECOLE beziers")).unwrap();
    assert_eq!(
        found.rows,
        rows[..1],
        "accents and case folded, words stemmed, both columns searched"
    );
    let stemmed = store.records(version.id, &search("ecoles")).unwrap();
    assert_eq!(stemmed.rows.len(), 2, "école and écoles");
    // The records engine's own SQL, planned without sequential scans: the GIN index serves it.
    let sql_names = ["c0", "c1", "c2"];
    let infos: Vec<ColumnInfo> = columns
        .iter()
        .zip(sql_names)
        .map(|(column, sql_name)| ColumnInfo {
            name: &column.name,
            sql_name,
            ty: match column.ty {
                ColumnType::Integer => ColumnKind::Integer,
                _ => ColumnKind::Text,
            },
        })
        .collect();
    let table_name = format!("rows_v{}", version.id.0);
    let table = Table {
        sql_name: &table_name,
        columns: &infos,
        full_text: true,
        dialect: Dialect::Postgres,
    };
    let compiled = compile(&table, &search("ecoles")).unwrap();
    let url = database.url.clone();
    let plan = std::thread::spawn(move || {
        let mut client = postgres::Client::connect(&url, postgres::NoTls).unwrap();
        let params: Vec<Box<dyn postgres::types::ToSql + Sync>> = compiled
            .params
            .iter()
            .map(|value| -> Box<dyn postgres::types::ToSql + Sync> {
                match value {
                    rusqlite::types::Value::Integer(number) => Box::new(*number),
                    rusqlite::types::Value::Text(text) => Box::new(text.clone()),
                    other => panic!("unexpected parameter {other:?}"),
                }
            })
            .collect();
        let params: Vec<&(dyn postgres::types::ToSql + Sync)> =
            params.iter().map(|value| value.as_ref()).collect();
        // Neither a sequential scan nor an index scan in row order (on 3 rows the planner would
        // rather filter them in order): only an index that finds the rows remains.
        client
            .batch_execute("SET enable_seqscan = off; SET enable_indexscan = off")
            .unwrap();
        let plan: Vec<String> = client
            .query(&format!("EXPLAIN {}", compiled.sql), &params)
            .unwrap()
            .iter()
            .map(|row| row.get(0))
            .collect();
        plan.join("\n")
    })
    .join()
    .unwrap();
    assert!(
        plan.contains(&format!("idx_v{}_fts", version.id.0)),
        "the GIN index serves the search: {plan}"
    );
}

#[test]
fn exports_without_a_query_stream_every_row_in_file_order() {
    let Some((store, _database, _dir)) = postgres_store() else {
        return;
    };
    let resource = create_resource(&store, SIREN_MONTPELLIER, "menus", None);
    let columns = [
        ColumnDef::new("jour", ColumnType::Date),
        ColumnDef::new("plat", ColumnType::Text),
    ];
    let rows: Vec<Vec<Value>> = (1..=31)
        .map(|day| {
            vec![
                Value::Date(jiff::civil::date(2026, 1, day)),
                Value::from(format!("plat {day}")),
            ]
        })
        .collect();
    let version = publish(&store, &resource, b"janvier", &columns, &rows);
    let mut streamed = Vec::new();
    let count = store
        .stream_records(version.id, &model::query::Query::default(), |row| {
            streamed.push(row.to_vec());
            Ok::<(), store::records::RecordsError>(())
        })
        .unwrap();
    assert_eq!((count, &streamed), (31, &rows));
    let first_five = model::query::Query {
        limit: Some(5),
        ..model::query::Query::default()
    };
    let count = store
        .stream_records(version.id, &first_five, |_| {
            Ok::<(), store::records::RecordsError>(())
        })
        .unwrap();
    assert_eq!(count, 5);
    // With a filter, a projection and an order too.
    let filtered = model::query::Query {
        filter: Some(
            model::query::parse_where("plat LIKE 'PLAT 1%' AND jour > date'2026-01-01'").unwrap(),
        ),
        select: model::query::parse_select("plat").unwrap(),
        order_by: model::query::parse_order_by("jour DESC").unwrap(),
        ..model::query::Query::default()
    };
    let mut plats = Vec::new();
    store
        .stream_records(version.id, &filtered, |row| {
            plats.push(row[0].clone());
            Ok::<(), store::records::RecordsError>(())
        })
        .unwrap();
    let expected: Vec<Value> = (10..=19)
        .rev()
        .map(|day| Value::from(format!("plat {day}")))
        .collect();
    assert_eq!(plats, expected);
}
