//! Publishing by URL: the server downloads the file from a real HTTP server on a local port.

use axum::Router;
use axum::http::{Method, StatusCode};
use axum::response::Redirect;
use axum::routing::get;
use serde_json::json;

use crate::support::{Api, MARCHES, api_with, quiet_config};

/// A remote web server with the published example, a redirect to it, and nothing else.
async fn remote_server() -> String {
    let app = Router::new()
        .route("/donnees/marches.csv", get(|| async { MARCHES }))
        .route(
            "/derniere-version",
            get(|| async { Redirect::temporary("/donnees/marches.csv") }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    format!("http://{address}")
}

fn api_fetching_locally(max_upload_bytes: u64) -> Api {
    let mut config = quiet_config();
    config.fetch_private_addresses = true;
    config.max_upload_bytes = max_upload_bytes;
    api_with(config)
}

async fn publish_url(api: &Api, body: serde_json::Value) -> crate::support::Reply {
    api.json(
        Method::POST,
        &format!("/api/v1/resources/{}/versions", api.resource),
        Some(&api.editor),
        body,
    )
    .await
}

#[tokio::test]
async fn a_file_at_a_url_is_downloaded_validated_and_published() {
    let remote = remote_server().await;
    let api = api_fetching_locally(10 * 1024 * 1024);
    // Through a redirect, as "latest version" links on producers' sites usually are.
    let published = publish_url(&api, json!({"url": format!("{remote}/derniere-version")}))
        .await
        .expect(StatusCode::CREATED)
        .json();
    assert_eq!(published["outcome"], "published");
    assert_eq!(published["version"]["origin"], "url");
    assert_eq!(published["version"]["filename"], "marches.csv");
    assert_eq!(published["version"]["size"], MARCHES.len());
    assert_eq!(published["report"]["valid"], true);
    // The original file is the remote bytes, unchanged.
    let id = published["version"]["id"].as_i64().unwrap();
    let original = api
        .get(&format!("/api/v1/versions/{id}/original"), None)
        .await
        .expect(StatusCode::OK);
    assert_eq!(original.body, MARCHES);
    // The same bytes at the same URL: nothing new.
    let again = publish_url(
        &api,
        json!({"url": format!("{remote}/donnees/marches.csv")}),
    )
    .await
    .expect(StatusCode::OK)
    .json();
    assert_eq!(again["outcome"], "already_published");
}

#[tokio::test]
async fn remote_failures_are_explained_in_french() {
    let remote = remote_server().await;
    let api = api_fetching_locally(10 * 1024 * 1024);
    let missing = publish_url(&api, json!({"url": format!("{remote}/absent.csv")}))
        .await
        .expect(StatusCode::BAD_GATEWAY);
    assert_eq!(missing.code(), "remote_error");
    assert!(missing.message().contains("404"), "{}", missing.message());
    let nobody = publish_url(&api, json!({"url": "http://127.0.0.1:9/rien.csv"}))
        .await
        .expect(StatusCode::BAD_GATEWAY);
    assert_eq!(nobody.code(), "remote_unreachable");
    let no_url = publish_url(&api, json!({}))
        .await
        .expect(StatusCode::BAD_REQUEST);
    assert!(
        no_url.message().starts_with("aucune URL"),
        "{}",
        no_url.message()
    );
    let not_http = publish_url(&api, json!({"url": "file:///etc/passwd"}))
        .await
        .expect(StatusCode::BAD_REQUEST);
    assert!(
        not_http.message().contains("http://"),
        "{}",
        not_http.message()
    );
    // Nothing was published by any of these.
    let history = api.history().await;
    assert_eq!(history.as_array().unwrap().len(), 0);
}

#[tokio::test]
async fn a_remote_file_over_the_upload_limit_is_refused() {
    let remote = remote_server().await;
    let api = api_fetching_locally(100);
    let too_big = publish_url(
        &api,
        json!({"url": format!("{remote}/donnees/marches.csv")}),
    )
    .await
    .expect(StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(too_big.code(), "payload_too_large");
    let leftovers = std::fs::read_dir(api.dir.path().join("uploads"))
        .map(|entries| entries.count())
        .unwrap_or(0);
    assert_eq!(leftovers, 0);
}
