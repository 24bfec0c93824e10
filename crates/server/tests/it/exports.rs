//! Exports parsed back (csv, serde_json, calamine) and compared with cursor paging and with
//! the original file.

use axum::http::{StatusCode, header};
use serde_json::Value as Json;

use store::conformance::TestEngine;

use crate::records::{RICH_QUERY, Site, enc, expected_rich, original_rows, site_on};

const SUBVENTIONS: &str = include_str!("../data/subventions-300.csv");

fn publish_subventions(site: &Site) -> i64 {
    site.publish(
        "subventions",
        Some("scdl-subventions@2.1.1"),
        "subventions.csv",
        SUBVENTIONS.as_bytes(),
    )
}

/// Every record of a query by following `next` links.
async fn all_pages(site: &Site, first: &str) -> Vec<Json> {
    let mut uri = first.to_owned();
    let mut records = Vec::new();
    loop {
        let page = site.json(&uri).await;
        records.extend(page["results"].as_array().unwrap().iter().cloned());
        match page["next"].as_str() {
            Some(next) => uri = next.to_owned(),
            None => return records,
        }
    }
}

/// A JSON value as the CSV export writes it.
fn csv_text(value: &Json) -> String {
    match value {
        Json::Null => String::new(),
        Json::String(text) => text.clone(),
        other => other.to_string(),
    }
}

async fn json_ndjson_and_csv_exports_equal_the_pages(engine: TestEngine) {
    let Some(site) = site_on(engine) else {
        return;
    };
    let id = publish_subventions(&site);
    let paged = all_pages(
        &site,
        &format!("/api/v1/resources/{id}/records?{RICH_QUERY}&limit=9"),
    )
    .await;
    let (_, rows) = original_rows();
    assert_eq!(paged.len(), expected_rich(&rows).len());

    let (status, headers, body) = site
        .get(
            &format!("/api/v1/resources/{id}/exports/json?{RICH_QUERY}"),
            "fr",
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers[header::CONTENT_TYPE], "application/json");
    let exported: Vec<Json> = serde_json::from_slice(&body).unwrap();
    assert_eq!(exported, paged);

    let (status, _, body) = site
        .get(
            &format!("/api/v1/resources/{id}/exports/ndjson?{RICH_QUERY}"),
            "fr",
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let lines: Vec<Json> = std::str::from_utf8(&body)
        .unwrap()
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    assert_eq!(lines, paged);

    // French Excel flavour: `;` and a BOM.
    let (status, headers, body) = site
        .get(
            &format!("/api/v1/resources/{id}/exports/csv?{RICH_QUERY}&delimiter=%3B&bom=true"),
            "fr",
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        headers[header::CONTENT_DISPOSITION]
            .to_str()
            .unwrap()
            .contains(".csv")
    );
    let text = body.strip_prefix("\u{feff}".as_bytes()).expect("BOM");
    let mut reader = csv::ReaderBuilder::new().delimiter(b';').from_reader(text);
    let names: Vec<String> = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_owned)
        .collect();
    let records: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(records.len(), paged.len());
    for (record, object) in records.iter().zip(&paged) {
        for (name, cell) in names.iter().zip(record.iter()) {
            let value = &object[name.as_str()];
            match value {
                Json::Number(n) => assert_eq!(cell.parse::<f64>().unwrap(), n.as_f64().unwrap()),
                other => assert_eq!(cell, csv_text(other), "{name}"),
            }
        }
    }

    // Without a filter the CSV export is the original file's rows, in file order.
    let (_, _, body) = site
        .get(&format!("/api/v1/resources/{id}/exports/csv"), "fr")
        .await;
    let mut exported = csv::Reader::from_reader(body.as_slice());
    let mut original = csv::Reader::from_reader(SUBVENTIONS.as_bytes());
    assert_eq!(exported.headers().unwrap(), original.headers().unwrap());
    let montant = original
        .headers()
        .unwrap()
        .iter()
        .position(|h| h == "montant")
        .unwrap();
    let beneficiaire = original
        .headers()
        .unwrap()
        .iter()
        .position(|h| h == "nomBeneficiaire")
        .unwrap();
    let exported: Vec<csv::StringRecord> = exported.records().map(Result::unwrap).collect();
    let original: Vec<csv::StringRecord> = original.records().map(Result::unwrap).collect();
    assert_eq!(exported.len(), original.len());
    for (a, b) in exported.iter().zip(&original) {
        assert_eq!(a[beneficiaire], b[beneficiaire]);
        assert_eq!(
            a[montant].parse::<f64>().unwrap(),
            b[montant].parse::<f64>().unwrap()
        );
    }
}

async fn xlsx_export_reads_back_with_calamine(engine: TestEngine) {
    use calamine::{Data, Reader, Xlsx};
    let Some(site) = site_on(engine) else {
        return;
    };
    let id = publish_subventions(&site);
    let paged = all_pages(
        &site,
        &format!("/api/v1/resources/{id}/records?{RICH_QUERY}&limit=50"),
    )
    .await;

    let (status, headers, body) = site
        .get(
            &format!("/api/v1/resources/{id}/exports/xlsx?{RICH_QUERY}"),
            "fr",
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        headers[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .contains("spreadsheetml")
    );
    let mut workbook: Xlsx<_> = Xlsx::new(std::io::Cursor::new(body)).unwrap();
    let sheet = workbook.worksheet_range_at(0).unwrap().unwrap();
    let mut rows = sheet.rows();
    let names: Vec<String> = rows.next().unwrap().iter().map(|c| c.to_string()).collect();
    let rows: Vec<&[Data]> = rows.collect();
    assert_eq!(rows.len(), paged.len());
    for (row, object) in rows.iter().zip(&paged) {
        for (name, cell) in names.iter().zip(row.iter()) {
            match (&object[name.as_str()], cell) {
                (Json::Number(n), Data::Float(f)) => assert_eq!(n.as_f64().unwrap(), *f),
                (Json::Null, Data::Empty) => {}
                (Json::String(s), Data::String(t)) => assert_eq!(s, t),
                (Json::Bool(b), Data::Bool(c)) => assert_eq!(b, c),
                (other, cell) => panic!("{name}: {other} vs {cell:?}"),
            }
        }
    }
}

async fn geojson_needs_coordinates(engine: TestEngine) {
    let Some(site) = site_on(engine) else {
        return;
    };
    let id = publish_subventions(&site);
    let (status, _, body) = site
        .get(&format!("/api/v1/resources/{id}/exports/geojson"), "en")
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let error: Json = serde_json::from_slice(&body).unwrap();
    assert!(
        error["error"]["message"]
            .as_str()
            .unwrap()
            .contains("no coordinate column"),
        "{error}"
    );

    // Numeric latitude/longitude columns, one row without coordinates.
    let mut file = String::from("nom,Latitude,LON,places\n");
    let mut expected = Vec::new();
    for i in 0..40 {
        let (lat, lon) = (43.0 + f64::from(i) / 8.0, 3.0 + f64::from(i) / 16.0);
        if i == 5 {
            file.push_str(&format!("Parking {i},,,{i}\n"));
        } else {
            file.push_str(&format!("Parking {i},{lat},{lon},{i}\n"));
        }
        expected.push((format!("Parking {i}"), (i != 5).then_some((lon, lat)), i));
    }
    let id = site.publish("parkings", None, "parkings.csv", file.as_bytes());
    let (status, headers, body) = site
        .get(
            &format!(
                "/api/v1/resources/{id}/exports/geojson?where={}",
                enc("places >= 0")
            ),
            "fr",
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{}", String::from_utf8_lossy(&body));
    assert_eq!(headers[header::CONTENT_TYPE], "application/geo+json");
    let collection: Json = serde_json::from_slice(&body).unwrap();
    assert_eq!(collection["type"], "FeatureCollection");
    let features = collection["features"].as_array().unwrap();
    assert_eq!(features.len(), expected.len());
    for (feature, (name, point, places)) in features.iter().zip(&expected) {
        assert_eq!(feature["properties"]["nom"], name.as_str());
        assert_eq!(feature["properties"]["places"], *places);
        assert!(feature["properties"].get("Latitude").is_none());
        match point {
            Some((lon, lat)) => {
                assert_eq!(feature["geometry"]["type"], "Point");
                assert_eq!(
                    feature["geometry"]["coordinates"],
                    serde_json::json!([lon, lat])
                );
            }
            None => assert!(feature["geometry"].is_null()),
        }
    }
}

async fn unknown_formats_and_bad_options_are_refused(engine: TestEngine) {
    let Some(site) = site_on(engine) else {
        return;
    };
    let id = publish_subventions(&site);
    let (status, _, _) = site
        .get(&format!("/api/v1/resources/{id}/exports/pdf"), "fr")
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _, _) = site
        .get(
            &format!("/api/v1/resources/{id}/exports/csv?delimiter=%3B%3B"),
            "fr",
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, _, body) = site
        .get(
            &format!(
                "/api/v1/resources/{id}/exports/csv?where={}",
                enc("montant = ")
            ),
            "fr",
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let error: Json = serde_json::from_slice(&body).unwrap();
    assert_eq!(error["error"]["code"], "invalid_query");
}

async fn compressed_exports_arrive_whole(engine: TestEngine) {
    // Browsers ask for gzip: the compressed stream must hold exactly the uncompressed bytes.
    let Some(site) = site_on(engine) else {
        return;
    };
    let resource = publish_subventions(&site);
    for format in ["csv", "ndjson", "xlsx"] {
        let uri = format!("/api/v1/resources/{resource}/exports/{format}");
        let (status, _, plain) = site.get(&uri, "fr").await;
        assert_eq!(status, StatusCode::OK);
        let request = axum::http::Request::get(&uri)
            .header(header::ACCEPT_ENCODING, "gzip")
            .body(axum::body::Body::empty())
            .unwrap();
        let response = tower::ServiceExt::oneshot(site.app.clone(), request)
            .await
            .unwrap();
        assert_eq!(response.headers()[header::CONTENT_ENCODING], "gzip");
        let compressed = http_body_util::BodyExt::collect(response.into_body())
            .await
            .unwrap()
            .to_bytes();
        let mut unzipped = Vec::new();
        std::io::Read::read_to_end(
            &mut flate2::read::GzDecoder::new(&compressed[..]),
            &mut unzipped,
        )
        .unwrap();
        if format == "xlsx" {
            // The zip inside carries a timestamp: compare the sizes, and that it reads back.
            assert_eq!(unzipped.len(), plain.len(), "{format}");
        } else {
            assert_eq!(unzipped, plain, "{format}");
        }
    }
}

crate::on_every_engine!(
    json_ndjson_and_csv_exports_equal_the_pages,
    geojson_needs_coordinates,
    unknown_formats_and_bad_options_are_refused,
    xlsx_export_reads_back_with_calamine,
    compressed_exports_arrive_whole,
);
