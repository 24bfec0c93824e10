//! `Store::records` and `Store::stream_records` on a real published version, every answer
//! checked against an independent computation in Rust over the rows that were loaded.

use std::cmp::Ordering;
use std::collections::BTreeMap;

use jiff::civil::{Date, Time};
use model::query::{Query, parse_group_by, parse_order_by, parse_select, parse_where};
use model::{ColumnDef, ColumnType, Value, VersionId};

use super::{CompileError, EXACT_COUNT_LIMIT, RawCell, RecordsError, RecordsOptions};
use crate::Store;
use crate::conformance::{SIREN_MONTPELLIER, TestBackend, TestEngine, create_resource, publish};

const COMMUNES: &[&str] = &["Montpellier", "Béziers", "Sète", "Lunel", "Agde"];

fn columns() -> Vec<ColumnDef> {
    vec![
        ColumnDef::new("commune", ColumnType::Text),
        ColumnDef::new("montant", ColumnType::Number),
        ColumnDef::new("nb", ColumnType::Integer),
        ColumnDef::new("bio", ColumnType::Boolean),
        ColumnDef::new("date", ColumnType::Date),
        ColumnDef::new("heure", ColumnType::Time),
        ColumnDef::new("point", ColumnType::Json),
    ]
}

/// Deterministic rows with missing values sprinkled in every column.
fn rows(count: usize) -> Vec<Vec<Value>> {
    let mut state: u64 = 0x2545_f491_4f6c_dd1d;
    let mut next = move |n: u64| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state % n
    };
    (0..count)
        .map(|_| {
            let maybe = |value: Value, next: &mut dyn FnMut(u64) -> u64| {
                if next(10) == 0 { Value::Null } else { value }
            };
            let commune = Value::from(COMMUNES[next(5) as usize]);
            let montant = Value::Float(next(4000) as f64 / 4.0);
            let nb = Value::Int(next(7) as i64);
            let bio = Value::Bool(next(2) == 1);
            let date =
                Value::Date(Date::new(2024, 1 + next(12) as i8, 1 + next(28) as i8).unwrap());
            let heure = Value::Time(Time::new(next(24) as i8, 0, 0, 0).unwrap());
            // Binary fractions: serde_json (without `float_roundtrip`) may misread the last bit of others.
            let point = Value::Json(serde_json::json!([3.0 + next(64) as f64 / 64.0, 43.5]));
            vec![
                maybe(commune, &mut next),
                maybe(montant, &mut next),
                maybe(nb, &mut next),
                maybe(bio, &mut next),
                maybe(date, &mut next),
                maybe(heure, &mut next),
                maybe(point, &mut next),
            ]
        })
        .collect()
}

/// A data directory and the engine's backend, kept while the store is used.
type Fixture = (tempfile::TempDir, TestBackend);

/// A store on `engine`; `None` when PostgreSQL is unreachable outside CI.
fn open(engine: TestEngine) -> Option<(Fixture, Store)> {
    let backend = engine.backend()?;
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open_with(dir.path(), backend.options.clone()).unwrap();
    Some(((dir, backend), store))
}

fn published(
    engine: TestEngine,
    count: usize,
) -> Option<(Fixture, Store, VersionId, Vec<Vec<Value>>)> {
    let (dir, store) = open(engine)?;
    let resource = create_resource(&store, SIREN_MONTPELLIER, "subventions", None);
    let data = rows(count);
    let version = publish(&store, &resource, b"records", &columns(), &data);
    // Indexed, as published versions are once their job ran (counts of indexed filters are
    // exact only then).
    store.run_waiting_jobs(&mut |_, _| {}).unwrap();
    Some((dir, store, version.id, data))
}

/// SQLite's order of values of one column: NULL first, then numbers, then text.
fn compare(a: &Value, b: &Value) -> Ordering {
    match (a, b) {
        (Value::Null, Value::Null) => Ordering::Equal,
        (Value::Null, _) => Ordering::Less,
        (_, Value::Null) => Ordering::Greater,
        (Value::Float(x), Value::Float(y)) => x.total_cmp(y),
        (Value::Int(x), Value::Int(y)) => x.cmp(y),
        (Value::Text(x), Value::Text(y)) => x.as_bytes().cmp(y.as_bytes()),
        (Value::Date(x), Value::Date(y)) => x.cmp(y),
        _ => panic!("values not compared by these tests: {a:?} {b:?}"),
    }
}

fn query(filter: &str, order: &str, limit: u64) -> Query {
    Query {
        filter: (!filter.is_empty()).then(|| parse_where(filter).unwrap()),
        order_by: if order.is_empty() {
            Vec::new()
        } else {
            parse_order_by(order).unwrap()
        },
        limit: Some(limit),
        ..Query::default()
    }
}

/// The reference: rows with `montant >= 500` in Agde or Sète, by date descending, then
/// montant ascending, then file order.
fn reference(data: &[Vec<Value>]) -> Vec<Vec<Value>> {
    let mut selected: Vec<(usize, &Vec<Value>)> = data
        .iter()
        .enumerate()
        .filter(|(_, row)| {
            let in_town = matches!(&row[0], Value::Text(t) if t == "Agde" || t == "Sète");
            let rich = matches!(row[1], Value::Float(m) if m >= 500.0);
            in_town && rich
        })
        .collect();
    selected.sort_by(|(ia, a), (ib, b)| {
        compare(&b[4], &a[4])
            .then_with(|| compare(&a[1], &b[1]))
            .then(ia.cmp(ib))
    });
    selected.into_iter().map(|(_, row)| row.clone()).collect()
}

/// Equal rows, reporting the first difference rather than two huge lists.
fn assert_same_rows(got: &[Vec<Value>], expected: &[Vec<Value>]) {
    if let Some(i) = (0..got.len().min(expected.len())).find(|&i| got[i] != expected[i]) {
        panic!("row {i}: got {:?}, expected {:?}", got[i], expected[i]);
    }
    assert_eq!(got.len(), expected.len());
}

const FILTER: &str = "commune IN ('Agde', 'Sète') AND montant >= 500";
const ORDER: &str = "date DESC, montant";

fn cursor_pages_and_the_stream_give_the_reference_rows(engine: TestEngine) {
    let Some((_dir, store, version, data)) = published(engine, 3000) else {
        return;
    };
    let expected = reference(&data);
    assert!(
        expected.len() > 500,
        "fixture too small: {}",
        expected.len()
    );

    let mut paged = Vec::new();
    let mut request = query(FILTER, ORDER, 97);
    let mut pages = 0;
    loop {
        let page = store.records(version, &request).unwrap();
        assert_eq!(page.total_count, Some(expected.len() as u64));
        assert!(!page.total_is_estimate);
        assert_eq!(page.has_more, page.next_cursor.is_some());
        paged.extend(page.rows);
        pages += 1;
        match page.next_cursor {
            Some(cursor) => request.cursor = Some(cursor),
            None => break,
        }
    }
    assert_eq!(pages, expected.len().div_ceil(97));
    assert_same_rows(&paged, &expected);

    let mut streamed = Vec::new();
    let visited = store.stream_records(version, &query(FILTER, ORDER, 0), |row| {
        streamed.push(row.to_vec());
        Ok::<(), RecordsError>(())
    });
    // limit 0 means no rows at all; `None` means every row.
    assert_eq!(visited.unwrap(), 0);
    let mut all = query(FILTER, ORDER, 0);
    all.limit = None;
    let visited = store
        .stream_records(version, &all, |row| {
            streamed.push(row.to_vec());
            Ok::<(), RecordsError>(())
        })
        .unwrap();
    assert_eq!(visited as usize, expected.len());
    assert_same_rows(&streamed, &expected);

    // Offset pages are the same rows too.
    let mut by_offset = query(FILTER, ORDER, 200);
    by_offset.offset = 400;
    let page = store.records(version, &by_offset).unwrap();
    assert_eq!(page.rows, expected[400..600.min(expected.len())]);
}

fn counts_are_exact_below_the_limit_and_flagged_estimates_above(engine: TestEngine) {
    let Some((_dir, store, version, data)) = published(engine, 4000) else {
        return;
    };
    let truth = data
        .iter()
        .filter(|row| matches!(row[1], Value::Float(m) if m < 700.0))
        .count() as u64;
    let request = query("montant < 700", "", 10);
    let exact = store.records(version, &request).unwrap();
    assert_eq!(
        (exact.total_count, exact.total_is_estimate),
        (Some(truth), false)
    );

    let tight = RecordsOptions {
        exact_count_limit: 100,
        ..RecordsOptions::default()
    };
    let estimated = store.records_with(version, &request, tight).unwrap();
    assert!(estimated.total_is_estimate);
    let estimate = estimated.total_count.unwrap();
    let error = (estimate as f64 - truth as f64).abs() / truth as f64;
    assert!(
        estimate > 100 && error < 0.1,
        "estimate {estimate}, truth {truth}"
    );
    // The rows themselves do not depend on counting.
    assert_eq!(estimated.rows, exact.rows);

    // Without a filter the count is always exact (the whole table).
    let whole = store
        .records_with(version, &query("", "", 1), tight)
        .unwrap();
    assert_eq!(
        (whole.total_count, whole.total_is_estimate),
        (Some(4000), false)
    );
    let none = RecordsOptions {
        total_count: false,
        ..RecordsOptions::default()
    };
    assert_eq!(
        store
            .records_with(version, &request, none)
            .unwrap()
            .total_count,
        None
    );
}

fn filters_no_index_serves_are_sampled_on_big_tables(engine: TestEngine) {
    let Some((_dir, store, version, data)) = published(engine, 4000) else {
        return;
    };
    let truth = data
        .iter()
        .filter(|row| matches!(&row[0], Value::Text(t) if t.to_lowercase().contains('g')))
        .count() as u64;
    // `LIKE` folds the column: no index can serve it.
    let request = query("commune LIKE '%G%'", "", 10);
    let exact = store.records(version, &request).unwrap();
    assert_eq!(
        (exact.total_count, exact.total_is_estimate),
        (Some(truth), false)
    );
    let small_limit = RecordsOptions {
        exact_count_limit: 1000,
        ..RecordsOptions::default()
    };
    // Fewer rows than the sample size: every row is sampled, so the estimate is exact.
    let sampled = store.records_with(version, &request, small_limit).unwrap();
    assert_eq!(
        (sampled.total_count, sampled.total_is_estimate),
        (Some(truth), true)
    );
    // An indexed filter is still counted exactly up to the limit.
    let indexed = store
        .records_with(version, &query("nb = 3", "", 10), small_limit)
        .unwrap();
    let nb3 = data.iter().filter(|row| row[2] == Value::Int(3)).count() as u64;
    assert!(nb3 < 1000);
    assert_eq!(
        (indexed.total_count, indexed.total_is_estimate),
        (Some(nb3), false)
    );
}

fn facets_count_values_of_matching_rows(engine: TestEngine) {
    let Some((_dir, store, version, data)) = published(engine, 2000) else {
        return;
    };
    let mut request = query("montant >= 100", "", 5);
    request.facets = vec!["commune".into(), "nb".into()];
    let page = store.records(version, &request).unwrap();
    assert_eq!(page.facets.len(), 2);
    for (facet, column) in page.facets.iter().zip([0, 2]) {
        let mut counts: BTreeMap<String, u64> = BTreeMap::new();
        for row in &data {
            if matches!(row[1], Value::Float(m) if m >= 100.0) && !row[column].is_null() {
                *counts.entry(format!("{:?}", row[column])).or_default() += 1;
            }
        }
        let got: BTreeMap<String, u64> = facet
            .values
            .iter()
            .map(|(value, n)| (format!("{value:?}"), *n))
            .collect();
        assert_eq!(got, counts, "facet {}", facet.field);
        assert!(facet.values.windows(2).all(|w| w[0].1 >= w[1].1));
    }
}

/// A facet over the whole table is read from the counts the index job kept for columns with
/// few distinct values, and gives exactly what grouping the rows gives: values, counts, order
/// of ties, for every facet limit; before the job (grouped) and after (kept) alike. Columns with
/// more distinct values, and filtered facets, are grouped.
fn unfiltered_facets_read_the_kept_counts(engine: TestEngine) {
    let Some((_dir, store)) = open(engine) else {
        return;
    };
    let resource = create_resource(&store, SIREN_MONTPELLIER, "subventions", None);
    let data = rows(3000);
    let version = publish(&store, &resource, b"records", &columns(), &data).id;
    let mut request = query("", "", 3);
    request.facets = ["commune", "montant", "nb", "bio", "date", "heure"]
        .into_iter()
        .map(Into::into)
        .collect();
    let filtered = Query {
        filter: Some(parse_where("nb >= 2").unwrap()),
        ..request.clone()
    };
    let limits = [0, 1, 2, 5, 50, 1000, 5000];
    let pages = |store: &Store| -> Vec<super::RecordsPage> {
        limits
            .iter()
            .flat_map(|&facet_limit| {
                let options = RecordsOptions {
                    facet_limit,
                    ..RecordsOptions::default()
                };
                [&request, &filtered]
                    .map(|request| store.records_with(version, request, options).unwrap())
            })
            .collect()
    };
    assert!(store.kept_facet_columns(version).unwrap().is_empty());
    let grouped = pages(&store);
    store.run_waiting_jobs(&mut |_, _| {}).unwrap();
    // Every scalar column but `montant` (about 2,000 distinct values); not the JSON one.
    assert_eq!(
        store.kept_facet_columns(version).unwrap(),
        vec![0, 2, 3, 4, 5]
    );
    assert_eq!(pages(&store), grouped);
    // And against the rows themselves: most frequent first, ties by value.
    let page = store
        .records_with(
            version,
            &request,
            RecordsOptions {
                facet_limit: 5000,
                ..RecordsOptions::default()
            },
        )
        .unwrap();
    for (facet, column) in page.facets.iter().zip([0, 1, 2]) {
        let mut counts: Vec<(Value, u64)> = Vec::new();
        for row in &data {
            if row[column].is_null() {
                continue;
            }
            match counts.iter_mut().find(|(value, _)| *value == row[column]) {
                Some((_, n)) => *n += 1,
                None => counts.push((row[column].clone(), 1)),
            }
        }
        counts.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| compare(&a.0, &b.0)));
        assert_eq!(facet.values, counts, "facet {}", facet.field);
    }
}

/// A filter that is one equality on a text column is counted from the counts the index job
/// kept: every page (rows, count, estimate flag, facets) equals the page counted from the rows
/// once the kept counts are gone, for present and absent values, near-misses (case, spaces),
/// values of other types written as text, and exact-count limits below and above the counts.
fn text_equalities_are_counted_from_the_kept_counts(engine: TestEngine) {
    let Some((_dir, store, version, data)) = published(engine, 3000) else {
        return;
    };
    assert_eq!(store.kept_facet_columns(version).unwrap()[0], 0);
    let mut filters: Vec<String> = COMMUNES
        .iter()
        .map(|commune| format!("commune = \"{commune}\""))
        .collect();
    filters.extend(
        [
            "commune = 'montpellier'",
            "commune = 'Agde '",
            "commune = ''",
            "commune = 'Paris'",
            "commune = 12",
            "commune = null",
            "heure = '10:00:00'",
            "heure = '10:00'",
            "commune = 'Agde' AND nb = 2",
            "nb = 3",
        ]
        .map(str::to_owned),
    );
    let limits = [EXACT_COUNT_LIMIT, 620, 600, 100, 0];
    let pages = |store: &Store| -> Vec<super::RecordsPage> {
        let mut pages = Vec::new();
        for filter in &filters {
            for exact_count_limit in limits {
                let options = RecordsOptions {
                    exact_count_limit,
                    ..RecordsOptions::default()
                };
                let mut request = query(filter, "", 7);
                request.facets = vec!["nb".into()];
                pages.push(store.records_with(version, &request, options).unwrap());
            }
        }
        pages
    };
    let kept = pages(&store);
    store.forget_facet_values(version).unwrap();
    assert!(store.kept_facet_columns(version).unwrap().is_empty());
    assert_eq!(kept, pages(&store));
    // And the exact counts are the rows': the first pages have the default limit.
    for (filter, page) in filters.iter().zip(kept.iter().step_by(limits.len())) {
        if let Some(commune) = filter
            .strip_prefix("commune = \"")
            .and_then(|rest| rest.strip_suffix('"'))
        {
            let truth = data
                .iter()
                .filter(|row| row[0] == Value::from(commune))
                .count();
            assert_eq!(page.total_count, Some(truth as u64), "{filter}");
            assert!(!page.total_is_estimate);
        }
    }
}

/// A page's rows handed over one by one (text borrowed from the engine) are the values an
/// export of the same query decodes, text of every sort included.
fn page_cells_are_the_decoded_values(engine: TestEngine) {
    let Some((_dir, store)) = open(engine) else {
        return;
    };
    let resource = create_resource(&store, SIREN_MONTPELLIER, "textes", None);
    let texts = [
        "",
        "guillemets \" et \\ barre",
        "contrôle \u{1}\n\r\t\u{1f} fin",
        "accents éèà œ 😀 汉字 \u{2028}",
        "  espaces  ",
    ];
    let columns = [
        ColumnDef::new("texte", ColumnType::Text),
        ColumnDef::new("heure", ColumnType::Time),
        ColumnDef::new("nb", ColumnType::Integer),
        ColumnDef::new("point", ColumnType::Json),
    ];
    let data: Vec<Vec<Value>> = (0..40)
        .map(|n: usize| {
            vec![
                if n % 7 == 6 {
                    Value::Null
                } else {
                    Value::from(texts[n % texts.len()])
                },
                Value::Time(Time::new((n % 24) as i8, 0, 0, 0).unwrap()),
                Value::Int(n as i64),
                Value::Json(serde_json::json!({ "texte": texts[n % texts.len()] })),
            ]
        })
        .collect();
    let version = publish(&store, &resource, b"textes", &columns, &data).id;
    store.run_waiting_jobs(&mut |_, _| {}).unwrap();
    let request = query("", "texte DESC", 25);
    let mut visited: Vec<Vec<Value>> = Vec::new();
    store
        .records_each_row(
            version,
            &request,
            RecordsOptions::default(),
            &mut |_, cells| {
                assert!(
                    matches!(cells[0], RawCell::Text(..))
                        || cells[0] == RawCell::Value(Value::Null),
                    "{cells:?}"
                );
                visited.push(cells.iter().map(RawCell::to_value).collect());
            },
        )
        .unwrap();
    let mut streamed: Vec<Vec<Value>> = Vec::new();
    store
        .stream_records(version, &request, |row| {
            streamed.push(row.to_vec());
            Ok::<_, RecordsError>(())
        })
        .unwrap();
    assert_eq!(visited.len(), 25);
    assert_eq!(visited, streamed);
    assert_eq!(store.records(version, &request).unwrap().rows, streamed);
}

fn grouped_queries_match_the_reference_and_keep_field_types(engine: TestEngine) {
    let Some((_dir, store, version, data)) = published(engine, 1500) else {
        return;
    };
    let request = Query {
        select: parse_select("commune, count(*) as n, sum(montant) as total, min(heure) as debut, avg(nb) as moyenne").unwrap(),
        group_by: parse_group_by("commune").unwrap(),
        order_by: parse_order_by("commune").unwrap(),
        ..Query::default()
    };
    let page = store.records(version, &request).unwrap();
    let types: Vec<(&str, ColumnType)> = page
        .columns
        .iter()
        .map(|c| (c.name.as_str(), c.ty))
        .collect();
    assert_eq!(
        types,
        [
            ("commune", ColumnType::Text),
            ("n", ColumnType::Integer),
            ("total", ColumnType::Number),
            ("debut", ColumnType::Time),
            ("moyenne", ColumnType::Number),
        ]
    );
    let mut groups: BTreeMap<Vec<u8>, (Value, i64, f64)> = BTreeMap::new();
    for row in &data {
        let key = match &row[0] {
            Value::Text(t) => t.as_bytes().to_vec(),
            _ => Vec::new(),
        };
        let entry = groups.entry(key).or_insert((row[0].clone(), 0, 0.0));
        entry.1 += 1;
        if let Value::Float(m) = row[1] {
            entry.2 += m;
        }
    }
    assert_eq!(page.total_count, Some(groups.len() as u64));
    assert_eq!(page.rows.len(), groups.len());
    for (row, (_, (commune, n, total))) in page.rows.iter().zip(&groups) {
        assert_eq!(&row[0], commune);
        assert_eq!(row[1], Value::Int(*n));
        let Value::Float(sum) = row[2] else {
            panic!("sum {:?}", row[2])
        };
        assert!((sum - total).abs() < 1e-6);
        assert!(matches!(row[3], Value::Time(_) | Value::Null));
    }
    assert!(page.next_cursor.is_none());
}

fn errors_are_typed_and_bilingual(engine: TestEngine) {
    let Some((_dir, store, version, _)) = published(engine, 10) else {
        return;
    };
    let unknown = store
        .records(version, &query("comune = 'Agde'", "", 10))
        .unwrap_err();
    match &unknown {
        RecordsError::Query(CompileError::UnknownField { name, suggestions }) => {
            assert_eq!(name, "comune");
            assert_eq!(suggestions, &["commune"]);
        }
        other => panic!("{other:?}"),
    }
    assert!(unknown.is_client_error());
    assert!(unknown.message_fr().contains("n'existe pas"));
    assert!(unknown.message_en().contains("does not exist"));

    let too_many = store.records(version, &query("", "", 10_001)).unwrap_err();
    assert!(matches!(
        too_many,
        RecordsError::LimitTooLarge { max: 10_000 }
    ));
    let missing = store
        .records(VersionId(9999), &query("", "", 1))
        .unwrap_err();
    assert!(matches!(
        missing,
        RecordsError::VersionNotFound(VersionId(9999))
    ));
    let mut bad_cursor = query("", "", 1);
    bad_cursor.cursor = Some("nope".into());
    assert!(matches!(
        store.records(version, &bad_cursor),
        Err(RecordsError::Query(CompileError::InvalidCursor { .. }))
    ));
    assert!(
        store
            .records_columns(version, &query("nb > 'x'", "", 1))
            .is_err()
    );
}

/// The description of a version kept in memory once its indexes are ready answers like the
/// catalogue, and never keeps alive a version whose rows are gone.
fn a_kept_description_answers_like_the_catalogue(engine: TestEngine) {
    let Some((_dir, store)) = open(engine) else {
        return;
    };
    let resource = create_resource(&store, SIREN_MONTPELLIER, "subventions", None);
    let data = rows(300);
    let version = publish(&store, &resource, b"records", &columns(), &data).id;
    let mut request = query("commune = 'Agde' OR search(\"sete\")", "date DESC", 20);
    request.facets = vec!["commune".into()];
    // Before the index job (described from the catalogue every time) and after it (kept).
    let building = store.records(version, &request).unwrap();
    store.run_waiting_jobs(&mut |_, _| {}).unwrap();
    let ready = store.records(version, &request).unwrap();
    assert_eq!(store.records(version, &request).unwrap(), ready);
    assert_eq!(ready, building);
    assert!(
        ready.total_count.is_some_and(|total| total > 20),
        "{ready:?}"
    );
    store.delete_resource(resource.id).unwrap();
    assert!(matches!(
        store.records(version, &request),
        Err(RecordsError::VersionNotFound(found)) if found == version
    ));
}

fn a_stream_stops_when_its_visitor_fails(engine: TestEngine) {
    let Some((_dir, store, version, _)) = published(engine, 500) else {
        return;
    };
    let mut seen = 0;
    #[derive(Debug)]
    enum Stop {
        Records,
        ClientGone,
    }
    impl From<RecordsError> for Stop {
        fn from(_: RecordsError) -> Self {
            Stop::Records
        }
    }
    let stopped: Result<u64, Stop> = store.stream_records(version, &Query::default(), |_| {
        seen += 1;
        if seen == 10 {
            Err(Stop::ClientGone)
        } else {
            Ok(())
        }
    });
    assert!(matches!(stopped, Err(Stop::ClientGone)), "{stopped:?}");
    assert_eq!(seen, 10);
    // The connection went back to the pool in a usable state.
    let page = store.records(version, &query("", "", 3)).unwrap();
    assert_eq!(page.rows.len(), 3);
}

fn searches_answer_the_same_before_and_after_the_full_text_index(engine: TestEngine) {
    let Some((_dir, store)) = open(engine) else {
        return;
    };
    let resource = create_resource(&store, SIREN_MONTPELLIER, "objets", None);
    let columns = vec![
        ColumnDef::new("objet", ColumnType::Text),
        ColumnDef::new("commune", ColumnType::Text),
        ColumnDef::new("n", ColumnType::Integer),
    ];
    let objets = [
        "Rénovation de l'École Jules-Ferry",
        "ecole de musique",
        "Écoles maternelles (3)",
        "Subvention au club de rugby",
        "Fête de l'été — 14 juillet",
        "",
    ];
    let data: Vec<Vec<Value>> = (0..60)
        .map(|n| {
            let objet = objets[n % objets.len()];
            vec![
                if objet.is_empty() {
                    Value::Null
                } else {
                    Value::from(objet)
                },
                Value::from(COMMUNES[n % COMMUNES.len()]),
                Value::Int(n as i64),
            ]
        })
        .collect();
    let version = publish(&store, &resource, b"search", &columns, &data).id;
    let searches = [
        "search(\"ecole\")",
        "search(\"ÉCOLE jules\")",
        "search(\"ecol\")",
        "search(\"fete 14\")",
        "search(objet, \"sete\")",
        "search(commune, \"sete\")",
        "search(\"beziers rugby\")",
        "search(\"l\")",
        "search(\"--\")",
        "\"montpel\" AND n >= 10",
    ];
    let answer = |filter: &str| {
        let page = store
            .records(version, &query(filter, "", 1000))
            .unwrap_or_else(|error| panic!("{filter}: {error:?}"));
        page.rows
    };
    assert_eq!(
        store.version(version).unwrap().unwrap().indexes,
        model::IndexState::Building
    );
    let scanned: Vec<_> = searches.iter().map(|filter| answer(filter)).collect();
    store.run_waiting_jobs(&mut |_, _| {}).unwrap();
    assert_eq!(
        store.version(version).unwrap().unwrap().indexes,
        model::IndexState::Ready
    );
    for (filter, before) in searches.iter().zip(&scanned) {
        assert_eq!(&answer(filter), before, "{filter}");
    }
    // The answers are not trivially empty.
    assert_eq!(scanned[0].len(), 30, "ecole");
    assert_eq!(scanned[2].len(), 30, "ecol*");
    assert!(scanned[4].is_empty(), "no objet mentions Sète");
    assert_eq!(scanned[5].len(), 12, "Sète");
    assert_eq!(scanned[6].len(), 2, "Béziers and rugby");
}

/// A lenient publication may keep a cell of another type (PostgreSQL then stores the column as
/// text): the version stays queryable, equality still finds the well-typed values, and every
/// cell reads back as it was published.
fn cells_of_another_type_stay_queryable(engine: TestEngine) {
    let Some((_dir, store)) = open(engine) else {
        return;
    };
    let resource = create_resource(&store, SIREN_MONTPELLIER, "lenient", None);
    let columns = vec![
        ColumnDef::new("nom", ColumnType::Text),
        ColumnDef::new("nb", ColumnType::Integer),
        ColumnDef::new("bio", ColumnType::Boolean),
    ];
    let data = vec![
        vec![Value::from("a"), Value::Int(3), Value::Bool(true)],
        vec![
            Value::from("b"),
            Value::from("douze"),
            Value::from("peut-être"),
        ],
        vec![Value::from("c"), Value::Int(7), Value::Bool(false)],
    ];
    let version = publish(&store, &resource, b"lenient", &columns, &data).id;
    store.run_waiting_jobs(&mut |_, _| {}).unwrap();
    let page = store.records(version, &query("", "", 10)).unwrap();
    assert_eq!(page.rows, data);
    let three = store.records(version, &query("nb = 3", "", 10)).unwrap();
    assert_eq!(three.rows, data[..1]);
    let sorted = store.records(version, &query("", "nb DESC", 10)).unwrap();
    assert_eq!(sorted.rows.len(), 3);
    let found = store
        .records(version, &query("search(\"douze\") OR nom = 'c'", "", 10))
        .unwrap();
    assert!(found.rows.contains(&data[2]), "{:?}", found.rows);
}

/// Every page of `request` by cursor, with the count each reported; the kept counts forgotten
/// before each page when `fresh`.
fn counts_of_pages(
    store: &Store,
    version: VersionId,
    request: &Query,
    options: RecordsOptions,
    fresh: bool,
) -> Vec<(Option<u64>, bool)> {
    let mut counts = Vec::new();
    let mut request = request.clone();
    loop {
        if fresh {
            store.inner.counts.clear();
        }
        let page = store.records_with(version, &request, options).unwrap();
        counts.push((page.total_count, page.total_is_estimate));
        match page.next_cursor {
            Some(cursor) => request.cursor = Some(cursor),
            None => return counts,
        }
    }
}

/// A count read from the kept counts is the count of the same page counted afresh, exact or
/// estimated, on every page of a filter; the pages after the first read it without counting,
/// and the count of a version whose rows are gone is never given.
fn kept_counts_are_the_fresh_counts(engine: TestEngine) {
    let Some((_dir, store, version, data)) = published(engine, 3000) else {
        return;
    };
    let tight = RecordsOptions {
        exact_count_limit: 100,
        ..RecordsOptions::default()
    };
    let filters = [
        "montant < 700",
        "commune LIKE '%G%'",
        "commune = 'Agde'",
        "nb = 3",
        "montant >= 100 AND commune != 'Sète'",
        "commune LIKE '%zz%'",
    ];
    let mut estimates = 0;
    for filter in filters {
        for options in [RecordsOptions::default(), tight] {
            let request = query(filter, "", 400);
            let fresh = counts_of_pages(&store, version, &request, options, true);
            store.inner.counts.clear();
            let hits = store.inner.counts.hits();
            let kept = counts_of_pages(&store, version, &request, options, false);
            assert_eq!(kept, fresh, "{filter} {options:?}");
            assert_eq!(
                store.inner.counts.hits() - hits,
                kept.len() as u64 - 1,
                "{filter}: pages after the first read the kept count"
            );
            assert_eq!(store.inner.counts.len(), 1);
            estimates += usize::from(fresh[0].1);
        }
    }
    // Both kinds of counts were kept.
    assert!(estimates >= 3, "{estimates}");

    // Matches the sampled runs miss (rows 101–200 and 301–400 of 20,000; runs of 100 rows
    // every 200 from row 1): the estimate is 0, so each page reports the rows it saw match
    // (skipped by its offset, on it, and the one after it), which differ from page to page
    // whatever was kept.
    let clustered = create_resource(&store, SIREN_MONTPELLIER, "clustered", None);
    let column = [ColumnDef::new("t", ColumnType::Text)];
    let marked = |row: usize| (100..200).contains(&row) || (300..400).contains(&row);
    let texts: Vec<Vec<Value>> = (0..20_000)
        .map(|row| vec![Value::from(if marked(row) { "a" } else { "b" })])
        .collect();
    let clustered = publish(&store, &clustered, b"clustered", &column, &texts).id;
    store.run_waiting_jobs(&mut |_, _| {}).unwrap();
    let request = query("t LIKE '%A%'", "", 50);
    let fresh = counts_of_pages(&store, clustered, &request, tight, true);
    store.inner.counts.clear();
    let kept = counts_of_pages(&store, clustered, &request, tight, false);
    assert_eq!(kept, fresh);
    let seen: Vec<(Option<u64>, bool)> = [51, 51, 51, 50]
        .into_iter()
        .map(|seen| (Some(seen), true))
        .collect();
    assert_eq!(kept, seen);
    let mut by_offset = request.clone();
    by_offset.offset = 100;
    let page = store.records_with(clustered, &by_offset, tight).unwrap();
    assert_eq!(
        (page.total_count, page.total_is_estimate),
        (Some(151), true)
    );
    let truth = data
        .iter()
        .filter(|row| matches!(row[1], Value::Float(m) if m < 700.0))
        .count() as u64;
    let request = query("montant < 700", "", 10);
    assert_eq!(
        store.records(version, &request).unwrap().total_count,
        Some(truth)
    );
    let resource = store.version(version).unwrap().unwrap().resource;
    store.delete_resource(resource).unwrap();
    assert!(matches!(
        store.records(version, &request),
        Err(RecordsError::VersionNotFound(found)) if found == version
    ));
}

/// Two versions, or two filters differing only in a value, never share a kept count; nothing
/// is kept before a version's indexes are ready.
fn kept_counts_belong_to_their_version_and_filter(engine: TestEngine) {
    let Some((_dir, store)) = open(engine) else {
        return;
    };
    let first_resource = create_resource(&store, SIREN_MONTPELLIER, "subventions", None);
    let second_resource = create_resource(&store, SIREN_MONTPELLIER, "subventions-bis", None);
    let first_rows = rows(900);
    let second_rows = rows(400);
    let first = publish(&store, &first_resource, b"first", &columns(), &first_rows).id;
    let second = publish(
        &store,
        &second_resource,
        b"second",
        &columns(),
        &second_rows,
    )
    .id;
    let request = query("commune = 'Agde'", "", 5);
    store.records(first, &request).unwrap();
    assert_eq!(store.inner.counts.len(), 0, "indexes not ready yet");
    store.run_waiting_jobs(&mut |_, _| {}).unwrap();
    let truth = |data: &[Vec<Value>], commune: &str| {
        data.iter()
            .filter(|row| row[0] == Value::from(commune))
            .count() as u64
    };
    for _ in 0..2 {
        for (version, data) in [(first, &first_rows), (second, &second_rows)] {
            for commune in ["Agde", "Sète", "Lunel"] {
                let request = query(&format!("commune = '{commune}'"), "", 5);
                let page = store.records(version, &request).unwrap();
                assert_eq!(page.total_count, Some(truth(data, commune)), "{commune}");
            }
        }
    }
    assert_eq!(store.inner.counts.len(), 6);
    assert_ne!(truth(&first_rows, "Agde"), truth(&second_rows, "Agde"));
}

crate::on_every_engine!(
    kept_counts_are_the_fresh_counts,
    kept_counts_belong_to_their_version_and_filter,
    cursor_pages_and_the_stream_give_the_reference_rows,
    counts_are_exact_below_the_limit_and_flagged_estimates_above,
    filters_no_index_serves_are_sampled_on_big_tables,
    facets_count_values_of_matching_rows,
    unfiltered_facets_read_the_kept_counts,
    text_equalities_are_counted_from_the_kept_counts,
    page_cells_are_the_decoded_values,
    grouped_queries_match_the_reference_and_keep_field_types,
    errors_are_typed_and_bilingual,
    a_stream_stops_when_its_visitor_fails,
    a_kept_description_answers_like_the_catalogue,
    searches_answer_the_same_before_and_after_the_full_text_index,
    cells_of_another_type_stay_queryable,
);

/// Columns of every kind, with accented and mixed-case text, for the two engines to disagree on
/// if they could.
fn varied_columns() -> Vec<ColumnDef> {
    vec![
        ColumnDef::new("libelle", ColumnType::Text),
        ColumnDef::new("montant", ColumnType::Number),
        ColumnDef::new("nb", ColumnType::Integer),
        ColumnDef::new("bio", ColumnType::Boolean),
        ColumnDef::new("date", ColumnType::Date),
        ColumnDef::new("horodatage", ColumnType::DateTime),
        ColumnDef::new("heure", ColumnType::Time),
    ]
}

fn varied_rows() -> Vec<Vec<Value>> {
    const LIBELLES: &[&str] = &[
        "École Jules-Ferry",
        "ecole de musique",
        "Saint-Étienne",
        "SÈTE plage",
        "Béziers",
        "sete",
        "Zoé",
        "apostrophe l'été",
        "100% bio",
    ];
    (0..240_i64)
        .map(|n| {
            let maybe = |value: Value| if n % 11 == 3 { Value::Null } else { value };
            let day = 1 + (n * 7 % 28) as i8;
            let month = 1 + (n % 12) as i8;
            vec![
                maybe(Value::from(LIBELLES[(n * 5 % 9) as usize])),
                if n % 13 == 5 {
                    Value::Null
                } else {
                    Value::Float((n * 37 % 50) as f64 / 4.0)
                },
                maybe(Value::Int(n % 6)),
                if n % 7 == 2 {
                    Value::Null
                } else {
                    Value::Bool(n % 3 == 0)
                },
                maybe(Value::Date(Date::new(2024, month, day).unwrap())),
                Value::DateTime(Date::new(2024, 3, 4 + (n % 3) as i8).unwrap().at(
                    (n % 24) as i8,
                    (n % 60) as i8,
                    0,
                    0,
                )),
                maybe(Value::Time(Time::new((n % 24) as i8, 30, 0, 0).unwrap())),
            ]
        })
        .collect()
}

/// Every page of `request` (cursor after cursor), with the tokens.
fn all_pages(store: &Store, version: VersionId, request: &Query) -> Vec<super::RecordsPage> {
    let mut pages = Vec::new();
    let mut request = request.clone();
    loop {
        let page = store
            .records(version, &request)
            .unwrap_or_else(|error| panic!("{request:?}: {error:?}"));
        let next = page.next_cursor.clone();
        pages.push(page);
        match next {
            Some(cursor) => request.cursor = Some(cursor),
            None => return pages,
        }
    }
}

/// The same rows published on SQLite and on PostgreSQL give the same pages, cursors, counts,
/// facets and exports for filters of every kind (NULLs, dates, booleans, folded `LIKE`,
/// `search()`), orders and groupings; a cursor of one engine is valid on the other.
#[cfg(feature = "postgres")]
#[test]
fn both_engines_answer_alike() {
    let Some((_pg_fixture, postgres)) = open(TestEngine::Postgres) else {
        return;
    };
    let (_sqlite_fixture, sqlite) = open(TestEngine::Sqlite).unwrap();
    let data = varied_rows();
    let publish_on = |store: &Store| {
        let resource = create_resource(store, SIREN_MONTPELLIER, "varie", None);
        let version = publish(store, &resource, b"varied", &varied_columns(), &data).id;
        store.run_waiting_jobs(&mut |_, _| {}).unwrap();
        version
    };
    let (on_sqlite, on_postgres) = (publish_on(&sqlite), publish_on(&postgres));
    let filters = [
        "",
        "libelle LIKE '%ECOLE%'",
        "libelle LIKE '%é%' OR libelle LIKE 'b_ziers'",
        "libelle NOT LIKE 's%'",
        "startswith(libelle, 'saint')",
        "libelle = 'sete'",
        "libelle > 'Saint' AND libelle <= 'ecole'",
        "bio = true",
        "bio != true",
        "NOT bio = false",
        "nb IN (1, 3, null)",
        "nb NOT IN (1, 3)",
        "montant > 5.5 OR nb = 2",
        "montant >= 3 AND montant < '9'",
        "date >= date'2024-06-01' AND date < date'2024-09-01'",
        "date = null",
        "horodatage = date'2024-03-05'",
        "horodatage <= date'2024-03-04' OR horodatage > '2024-03-06T12:00:00'",
        "heure >= '12:00:00'",
        "search(\"ecole\")",
        "search(\"ÉCOLE jules\")",
        "search(libelle, \"sete\")",
        "search(\"saint-eti\")",
        "search(\"100\")",
        "\"beziers\" OR nb = 5",
    ];
    let orders = [
        "",
        "libelle DESC",
        "bio, nb DESC",
        "date, montant DESC, heure",
    ];
    for filter in filters {
        for order in orders {
            let mut request = query(filter, order, 17);
            request.facets = vec!["libelle".into(), "bio".into(), "date".into()];
            let expected = all_pages(&sqlite, on_sqlite, &request);
            let got = all_pages(&postgres, on_postgres, &request);
            assert_eq!(got, expected, "where {filter:?} order by {order:?}");
            // Every filter selects some rows but not all (except the empty one).
            let total = expected[0].total_count.unwrap();
            assert!(
                total > 0 && (total < 240 || filter.is_empty()),
                "{filter:?}: {total}"
            );
            // A cursor from one engine continues the same query on the other.
            if let Some(cursor) = &expected[0].next_cursor {
                let mut next = request.clone();
                next.cursor = Some(cursor.clone());
                assert_eq!(
                    postgres.records(on_postgres, &next).unwrap(),
                    expected[1],
                    "cursor of {filter:?} {order:?}"
                );
            }
            let mut exported = (Vec::new(), Vec::new());
            let unlimited = Query {
                limit: None,
                facets: Vec::new(),
                ..request.clone()
            };
            sqlite
                .stream_records(on_sqlite, &unlimited, |row| {
                    exported.0.push(row.to_vec());
                    Ok::<_, RecordsError>(())
                })
                .unwrap();
            postgres
                .stream_records(on_postgres, &unlimited, |row| {
                    exported.1.push(row.to_vec());
                    Ok::<_, RecordsError>(())
                })
                .unwrap();
            assert_eq!(
                exported.1, exported.0,
                "export where {filter:?} order by {order:?}"
            );
        }
    }
    let grouped = Query {
        select: parse_select(
            "bio, count(*) as n, sum(nb) as s, avg(montant) as a, min(date) as d, max(libelle) as l",
        )
        .unwrap(),
        group_by: parse_group_by("bio").unwrap(),
        order_by: parse_order_by("n DESC").unwrap(),
        filter: Some(parse_where("montant > 1").unwrap()),
        ..Query::default()
    };
    assert_eq!(
        postgres.records(on_postgres, &grouped).unwrap(),
        sqlite.records(on_sqlite, &grouped).unwrap()
    );
    let totals = Query {
        select: parse_select("count(*), sum(montant), sum(nb)").unwrap(),
        ..Query::default()
    };
    assert_eq!(
        postgres.records(on_postgres, &totals).unwrap(),
        sqlite.records(on_sqlite, &totals).unwrap()
    );
}

/// The index job's whole-version reads (the kept facet counts) go through a connection that
/// does not map the database file and has a bounded page cache, so that the job's memory does
/// not grow with the table; the readers of record queries keep their map.
#[test]
fn whole_version_reads_are_unmapped_with_a_bounded_cache() {
    let (_dir, store) = open(TestEngine::Sqlite).unwrap();
    let pragma = |unmapped: bool, name: &str| -> i64 {
        let mut answer = None;
        let mut read = |reader: &mut dyn super::exec::RecordsReader| {
            reader.each_row(&format!("PRAGMA {name}"), &[], &mut |cells| {
                answer = Some(super::exec::integer(cells[0]));
                Ok(false)
            })
        };
        if unmapped {
            store.read_records_unmapped(&mut read).unwrap();
        } else {
            store.read_records(&mut read).unwrap();
        }
        answer.unwrap()
    };
    assert_eq!(pragma(true, "mmap_size"), 0);
    assert_eq!(
        pragma(true, "cache_size"),
        -crate::sqlite::JOB_READ_CACHE_KIB
    );
    assert!(pragma(false, "mmap_size") > 0);
}
