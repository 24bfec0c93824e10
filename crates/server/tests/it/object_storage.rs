//! Original files on S3-compatible object storage (`blob_store = "s3://…"`), against the real
//! S3 server named by `SOCLE_TEST_S3_ENDPOINT` (moto, started by `.ci/run`): publication,
//! downloads of originals and the wizard behave as with the data directory, and the bucket
//! holds each file once under its content address.

use axum::http::StatusCode;
use catalogue::{Actor, Outcome, PublishRequest};
use model::{NewResource, PublicationPolicy, ResourceId, VersionOrigin};
use store::conformance::{PatternReader, TestBucket};

use super::accounts::wizard_journey_with_an_xlsx;
use super::support::{Api, MARCHES, api_with_options, quiet_config};

/// The fixture with its blobs in a new bucket; `None` (after a loud warning) without a server.
fn api_on_object_storage() -> Option<(Api, TestBucket)> {
    let bucket = TestBucket::create()?;
    let api = api_with_options(quiet_config(), bucket.options());
    Some((api, bucket))
}

fn request(resource: i64, file_name: &str) -> PublishRequest {
    PublishRequest {
        resource: ResourceId(resource),
        file_name: Some(file_name.to_owned()),
        origin: VersionOrigin::Upload,
        read: ingest::Options::default(),
    }
}

/// The key the store gives a content address.
fn key_of(sha256: &model::Sha256) -> String {
    let hex = sha256.to_hex();
    format!("instance/blobs/sha256/{}/{}", &hex[..2], &hex[2..])
}

/// Files kept in the data directory's `blobs/` (the spool `tmp/` included): none should stay.
fn local_blob_files(api: &Api) -> Vec<std::path::PathBuf> {
    walk(&api.dir.path().join("blobs"))
}

fn walk(directory: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(directory).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files.extend(walk(&path));
        } else {
            files.push(path);
        }
    }
    files
}

#[tokio::test]
async fn a_publication_keeps_its_original_in_the_bucket_once() {
    let Some((api, bucket)) = api_on_object_storage() else {
        return;
    };
    let publish_marches = || {
        api.catalogue
            .publish(
                &Actor::Operator,
                &request(api.resource, "marches.csv"),
                MARCHES,
            )
            .unwrap()
    };
    let first = publish_marches();
    assert_eq!(first.outcome, Outcome::Published { conformant: true });
    assert_eq!(bucket.keys(), [key_of(&first.version.sha256)]);
    assert_eq!(local_blob_files(&api), Vec::<std::path::PathBuf>::new());

    let original = api
        .get(
            &format!("/api/v1/versions/{}/original", first.version.id.0),
            None,
        )
        .await
        .expect(StatusCode::OK);
    assert_eq!(original.body.as_ref(), MARCHES, "byte for byte");
    assert_eq!(
        original.headers["content-length"],
        MARCHES.len().to_string().as_str()
    );

    let second = publish_marches();
    assert_eq!(second.outcome, Outcome::AlreadyPublished);
    assert_eq!(
        bucket.keys(),
        [key_of(&first.version.sha256)],
        "nothing new stored"
    );
    assert_eq!(api.catalogue.store().check().unwrap(), []);
}

#[tokio::test]
async fn a_file_larger_than_a_part_is_uploaded_in_parts_and_served_whole() {
    let Some((api, bucket)) = api_on_object_storage() else {
        return;
    };
    let dataset = api
        .catalogue
        .resource(ResourceId(api.resource))
        .unwrap()
        .dataset;
    let resource = api
        .catalogue
        .add_resource(
            &Actor::Operator,
            &NewResource {
                dataset,
                title: "Relevés".to_owned(),
                description: String::new(),
                format: "csv".to_owned(),
                schema: None,
                remote_url: None,
                policy: PublicationPolicy::Lenient,
            },
        )
        .unwrap();
    // A CSV of numbered rows, each with a few bytes of noise, past one multipart part.
    let mut csv = b"numero,releve\n".to_vec();
    let mut noise = PatternReader::new(u64::MAX, 3);
    let mut row = 0u64;
    while csv.len() <= store::S3_PART_SIZE + 100_000 {
        let mut bytes = [0u8; 12];
        std::io::Read::read_exact(&mut noise, &mut bytes).unwrap();
        let hex: String = bytes.iter().map(|byte| format!("{byte:02x}")).collect();
        csv.extend(format!("{row},{hex}\n").into_bytes());
        row += 1;
    }
    let published = api
        .catalogue
        .publish(
            &Actor::Operator,
            &request(resource.id.0, "releves.csv"),
            &csv[..],
        )
        .unwrap();
    assert_eq!(published.outcome, Outcome::Published { conformant: true });
    assert_eq!(published.version.row_count, Some(row));
    assert_eq!(bucket.keys(), [key_of(&published.version.sha256)]);
    let original = api
        .get(
            &format!("/api/v1/versions/{}/original", published.version.id.0),
            None,
        )
        .await
        .expect(StatusCode::OK);
    assert_eq!(original.body.len(), csv.len());
    assert!(original.body.as_ref() == csv.as_slice(), "byte for byte");
}

#[tokio::test]
async fn the_wizard_keeps_and_reads_its_files_in_the_bucket() {
    let Some((api, bucket)) = api_on_object_storage() else {
        return;
    };
    wizard_journey_with_an_xlsx(&api).await;
    // The dropped XLSX and the corrected CSV published from it.
    assert_eq!(bucket.keys().len(), 2, "{:?}", bucket.keys());
    assert_eq!(local_blob_files(&api), Vec::<std::path::PathBuf>::new());
    assert_eq!(api.catalogue.store().check().unwrap(), []);
}
