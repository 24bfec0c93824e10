//! `/api/v1/resources/{id}/records` and `/exports/{format}` through the real router, on files
//! published through the catalogue; every answer is checked against a computation in Rust over
//! the original file.

use std::cmp::Ordering;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use catalogue::{Actor, Catalogue, PublishRequest};
use http_body_util::BodyExt;
use model::{ResourceId, VersionOrigin};
use serde_json::Value as Json;
use server::{AppState, Config};
use store::Store;
use store::conformance::{SIREN_MONTPELLIER, TestBackend, TestEngine, create_resource};

use crate::support::blocking;
use tower::ServiceExt;

const SUBVENTIONS: &str = include_str!("../data/subventions-300.csv");

/// A server over a fresh data directory and database, without rate limits.
pub struct Site {
    pub catalogue: Catalogue,
    pub app: axum::Router,
    _dir: tempfile::TempDir,
    _backend: TestBackend,
}

/// A site on `engine`; `None` when PostgreSQL is unreachable outside CI.
pub fn site_on(engine: TestEngine) -> Option<Site> {
    blocking(|| {
        let backend = engine.backend()?;
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open_with(dir.path(), backend.options.clone()).unwrap();
        Some(site_over(store, dir, backend))
    })
}

fn site_over(store: Store, dir: tempfile::TempDir, backend: TestBackend) -> Site {
    let catalogue = Catalogue::new(store);
    let config = Config {
        rate_limit_per_address: 0,
        rate_limit_per_token: 0,
        ..Config::default()
    };
    let app = server::app(AppState::new(catalogue.clone(), config));
    Site {
        catalogue,
        app,
        _dir: dir,
        _backend: backend,
    }
}

impl Site {
    /// Publishes `bytes` as a new resource in its own dataset; returns the resource id.
    pub fn publish(&self, slug: &str, schema: Option<&str>, file_name: &str, bytes: &[u8]) -> i64 {
        blocking(|| self.publish_now(slug, schema, file_name, bytes))
    }

    fn publish_now(&self, slug: &str, schema: Option<&str>, file_name: &str, bytes: &[u8]) -> i64 {
        let resource = create_resource(self.catalogue.store(), SIREN_MONTPELLIER, slug, schema);
        let request = PublishRequest {
            resource: resource.id,
            file_name: Some(file_name.to_owned()),
            origin: VersionOrigin::Upload,
            read: Default::default(),
        };
        let publication = self
            .catalogue
            .publish(&Actor::Operator, &request, bytes)
            .expect("publish");
        assert!(
            self.catalogue
                .store()
                .live_version(ResourceId(resource.id.0))
                .unwrap()
                .is_some(),
            "not published: {:?}",
            publication.report
        );
        resource.id.0
    }

    /// GET `uri`: status, headers and body bytes.
    pub async fn get(&self, uri: &str, lang: &str) -> (StatusCode, axum::http::HeaderMap, Vec<u8>) {
        let request = Request::get(uri)
            .header(header::ACCEPT_LANGUAGE, lang)
            .body(Body::empty())
            .unwrap();
        let response = self.app.clone().oneshot(request).await.unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        let body = response.into_body().collect().await.unwrap().to_bytes();
        (status, headers, body.to_vec())
    }

    pub async fn json(&self, uri: &str) -> Json {
        let (status, _, body) = self.get(uri, "fr").await;
        let json: Json = serde_json::from_slice(&body).unwrap();
        assert_eq!(status, StatusCode::OK, "{uri}: {json}");
        json
    }
}

/// `x-www-form-urlencoded` value encoding for test URLs.
pub fn enc(text: &str) -> String {
    let mut out = String::new();
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// One row of the original file.
#[derive(Debug, Clone)]
pub struct Subvention {
    pub line: usize,
    pub beneficiaire: String,
    pub nature: String,
    pub date: String,
    pub montant: f64,
}

pub fn original_rows() -> (Vec<String>, Vec<Subvention>) {
    let mut reader = csv::Reader::from_reader(SUBVENTIONS.as_bytes());
    let header: Vec<String> = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_owned)
        .collect();
    let column = |name: &str| header.iter().position(|h| h == name).unwrap();
    let (b, n, d, m) = (
        column("nomBeneficiaire"),
        column("nature"),
        column("dateConvention"),
        column("montant"),
    );
    let rows = reader
        .records()
        .enumerate()
        .map(|(line, record)| {
            let record = record.unwrap();
            Subvention {
                line,
                beneficiaire: record[b].to_owned(),
                nature: record[n].to_owned(),
                date: record[d].to_owned(),
                montant: record[m].parse().unwrap(),
            }
        })
        .collect();
    (header, rows)
}

/// Rows of the original file with `montant >= 1000`, by date descending, then montant, then
/// file order: what `where=montant >= 1000&order_by=dateConvention DESC, montant` must give.
pub fn expected_rich(rows: &[Subvention]) -> Vec<Subvention> {
    let mut rich: Vec<Subvention> = rows
        .iter()
        .filter(|r| r.montant >= 1000.0)
        .cloned()
        .collect();
    rich.sort_by(|a, b| {
        b.date
            .cmp(&a.date)
            .then(a.montant.partial_cmp(&b.montant).unwrap_or(Ordering::Equal))
            .then(a.line.cmp(&b.line))
    });
    rich
}

pub const RICH_QUERY: &str =
    "where=montant%20%3E%3D%201000&order_by=dateConvention%20DESC%2C%20montant";

fn summary(record: &Json) -> (String, f64, String) {
    (
        record["nomBeneficiaire"].as_str().unwrap().to_owned(),
        record["montant"].as_f64().unwrap(),
        record["dateConvention"].as_str().unwrap().to_owned(),
    )
}

async fn cursor_pages_follow_the_original_file(engine: TestEngine) {
    let Some(site) = site_on(engine) else {
        return;
    };
    let id = site.publish(
        "subventions",
        Some("scdl-subventions@2.1.1"),
        "subventions.csv",
        SUBVENTIONS.as_bytes(),
    );
    let (header, rows) = original_rows();
    let expected = expected_rich(&rows);
    assert!(expected.len() > 30, "fixture too small");

    let mut uri = format!("/api/v1/resources/{id}/records?{RICH_QUERY}&limit=7");
    let mut got = Vec::new();
    let mut pages = 0;
    loop {
        let page = site.json(&uri).await;
        assert_eq!(page["total_count"], expected.len());
        assert_eq!(page["total_count_is_estimate"], false);
        let fields: Vec<&str> = page["fields"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["name"].as_str().unwrap())
            .collect();
        assert_eq!(
            fields,
            header.iter().map(String::as_str).collect::<Vec<_>>()
        );
        let types: Vec<(&str, &str)> = page["fields"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| (f["name"].as_str().unwrap(), f["type"].as_str().unwrap()))
            .collect();
        assert!(types.contains(&("montant", "number")), "{types:?}");
        assert!(types.contains(&("dateConvention", "date")), "{types:?}");
        for record in page["results"].as_array().unwrap() {
            // Keys come in field order.
            let keys: Vec<&String> = record.as_object().unwrap().keys().collect();
            assert_eq!(keys.len(), header.len());
            got.push(summary(record));
        }
        pages += 1;
        match page["next"].as_str() {
            Some(next) => {
                assert!(page["next_cursor"].is_string());
                uri = next.to_owned();
            }
            None => break,
        }
    }
    assert_eq!(pages, expected.len().div_ceil(7));
    let want: Vec<(String, f64, String)> = expected
        .iter()
        .map(|r| (r.beneficiaire.clone(), r.montant, r.date.clone()))
        .collect();
    assert_eq!(got, want);

    // An offset page is the same slice.
    let page = site
        .json(&format!(
            "/api/v1/resources/{id}/records?{RICH_QUERY}&limit=5&offset=10"
        ))
        .await;
    let slice: Vec<_> = page["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(summary)
        .collect();
    assert_eq!(slice, want[10..15]);
}

async fn aggregates_and_facets_match_the_file(engine: TestEngine) {
    let Some(site) = site_on(engine) else {
        return;
    };
    let id = site.publish(
        "subventions",
        Some("scdl-subventions@2.1.1"),
        "subventions.csv",
        SUBVENTIONS.as_bytes(),
    );
    let (_, rows) = original_rows();

    let select = enc("nature, count(*) as n, sum(montant) as total");
    let page = site
        .json(&format!(
            "/api/v1/resources/{id}/records?select={select}&group_by=nature&order_by=nature&limit=2"
        ))
        .await;
    let mut groups: std::collections::BTreeMap<String, (u64, f64)> = Default::default();
    for row in &rows {
        let entry = groups.entry(row.nature.clone()).or_default();
        entry.0 += 1;
        entry.1 += row.montant;
    }
    assert_eq!(page["total_count"], groups.len());
    // Grouped pages continue by offset.
    let mut results: Vec<Json> = page["results"].as_array().unwrap().clone();
    let mut next = page["next"].as_str().map(str::to_owned);
    while let Some(uri) = next {
        assert!(uri.contains("offset="), "{uri}");
        let page = site.json(&uri).await;
        results.extend(page["results"].as_array().unwrap().iter().cloned());
        next = page["next"].as_str().map(str::to_owned);
    }
    assert_eq!(results.len(), groups.len());
    for (result, (nature, (n, total))) in results.iter().zip(&groups) {
        assert_eq!(result["nature"], nature.as_str());
        assert_eq!(result["n"], *n);
        assert!((result["total"].as_f64().unwrap() - total).abs() < 1e-6);
    }

    let page = site
        .json(&format!(
            "/api/v1/resources/{id}/records?where={}&facet=nature&limit=1&total_count=false",
            enc("montant < 500")
        ))
        .await;
    assert!(page.get("total_count").is_none());
    let facet = &page["facets"][0];
    assert_eq!(facet["field"], "nature");
    let mut counts: std::collections::BTreeMap<String, u64> = Default::default();
    for row in rows.iter().filter(|r| r.montant < 500.0) {
        *counts.entry(row.nature.clone()).or_default() += 1;
    }
    let got: std::collections::BTreeMap<String, u64> = facet["values"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| {
            (
                v["value"].as_str().unwrap().to_owned(),
                v["count"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(got, counts);
}

async fn query_errors_are_400_in_the_callers_language(engine: TestEngine) {
    let Some(site) = site_on(engine) else {
        return;
    };
    let id = site.publish(
        "subventions",
        Some("scdl-subventions@2.1.1"),
        "subventions.csv",
        SUBVENTIONS.as_bytes(),
    );

    let uri = format!(
        "/api/v1/resources/{id}/records?where={}",
        enc("montant >= ")
    );
    let (status, _, body) = site.get(&uri, "fr").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let error: Json = serde_json::from_slice(&body).unwrap();
    assert_eq!(error["error"]["code"], "invalid_query");
    let message = error["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("« where »") && message.contains("position 11"),
        "{message}"
    );
    assert!(message.contains("on attendait une valeur"), "{message}");

    let (status, _, body) = site.get(&uri, "en").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let error: Json = serde_json::from_slice(&body).unwrap();
    let message = error["error"]["message"].as_str().unwrap();
    assert!(message.contains("expected a value"), "{message}");

    for (query, needle) in [
        (format!("where={}", enc("montnt > 1")), "« montant »"),
        ("limit=10001".to_owned(), "10000"),
        ("cursor=xyz".to_owned(), "curseur invalide"),
        ("limt=3".to_owned(), "paramètre inconnu"),
    ] {
        let (status, _, body) = site
            .get(&format!("/api/v1/resources/{id}/records?{query}"), "fr")
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{query}");
        let error: Json = serde_json::from_slice(&body).unwrap();
        assert_eq!(error["error"]["code"], "invalid_query", "{query}");
        assert!(
            error["error"]["message"].as_str().unwrap().contains(needle),
            "{query}: {error}"
        );
    }

    let (status, _, _) = site.get("/api/v1/resources/999/records", "fr").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _, _) = site
        .get(&format!("/api/v1/resources/{id}/records?version=999"), "fr")
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

crate::on_every_engine!(
    cursor_pages_follow_the_original_file,
    aggregates_and_facets_match_the_file,
    query_errors_are_400_in_the_callers_language,
);
