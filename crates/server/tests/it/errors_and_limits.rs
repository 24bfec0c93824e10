//! The error format everywhere, rate limits, compression and CORS.

use std::net::SocketAddr;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Method, StatusCode, header};

use crate::support::{api, api_with, quiet_config, request};

#[tokio::test]
async fn unknown_routes_and_methods_answer_in_the_error_format() {
    let api = api();
    let unknown = api.get("/api/v1/nulle-part", None).await;
    assert_eq!(
        (unknown.status, unknown.code()),
        (StatusCode::NOT_FOUND, "unknown_route".to_owned())
    );
    assert_eq!(
        unknown.message(),
        "aucune ressource à l'adresse /api/v1/nulle-part (voir /api/v1/openapi.json)"
    );
    let wrong_method = api
        .send(
            request(Method::DELETE, "/api/v1/schemas", None)
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(
        (wrong_method.status, wrong_method.code()),
        (
            StatusCode::METHOD_NOT_ALLOWED,
            "method_not_allowed".to_owned()
        )
    );
    let not_json = api
        .send(
            request(Method::POST, "/api/v1/datasets", Some(&api.editor))
                .header(header::CONTENT_TYPE, "text/plain")
                .body(Body::from("{}"))
                .unwrap(),
        )
        .await;
    assert_eq!(
        (not_json.status, not_json.code()),
        (
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type".to_owned()
        )
    );
    let broken_json = api
        .send(
            request(Method::POST, "/api/v1/datasets", Some(&api.editor))
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from("{\"title\": "))
                .unwrap(),
        )
        .await
        .expect(StatusCode::BAD_REQUEST);
    assert!(
        broken_json.message().starts_with("corps JSON invalide"),
        "{}",
        broken_json.message()
    );
}

#[tokio::test]
async fn oversized_json_bodies_get_413() {
    let mut config = quiet_config();
    config.max_json_bytes = 64;
    let api = api_with(config);
    let long = format!(
        "{{\"title\": \"{}\", \"publisher\": \"213401722\"}}",
        "x".repeat(200)
    );
    let reply = api
        .send(
            request(Method::POST, "/api/v1/datasets", Some(&api.editor))
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(long))
                .unwrap(),
        )
        .await;
    assert_eq!(
        (reply.status, reply.code()),
        (
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large".to_owned()
        )
    );
}

fn from_address(path: &str, address: [u8; 4], token: Option<&str>) -> axum::http::Request<Body> {
    let mut request = request(Method::GET, path, token)
        .body(Body::empty())
        .unwrap();
    request
        .extensions_mut()
        .insert(ConnectInfo(SocketAddr::from((address, 40000))));
    request
}

#[tokio::test]
async fn rate_limit_per_address_answers_429_with_retry_after() {
    let mut config = quiet_config();
    config.rate_limit_per_address = 3;
    let api = api_with(config);
    for _ in 0..3 {
        api.send(from_address("/api/v1/schemas", [192, 0, 2, 1], None))
            .await
            .expect(StatusCode::OK);
    }
    let limited = api
        .send(from_address("/api/v1/schemas", [192, 0, 2, 1], None))
        .await;
    assert_eq!(
        (limited.status, limited.code()),
        (
            StatusCode::TOO_MANY_REQUESTS,
            "too_many_requests".to_owned()
        )
    );
    // Three per minute: the next one in 20 seconds.
    assert_eq!(limited.headers[header::RETRY_AFTER], "20");
    assert_eq!(
        limited.message(),
        "trop de requêtes depuis cette adresse : réessayez dans 20 s"
    );
    // Another address is not affected.
    api.send(from_address("/api/v1/schemas", [192, 0, 2, 2], None))
        .await
        .expect(StatusCode::OK);
}

#[tokio::test]
async fn rate_limit_per_token() {
    let mut config = quiet_config();
    config.rate_limit_per_token = 2;
    let api = api_with(config);
    let editor = api.editor.clone();
    api.send(from_address(
        "/api/v1/datasets",
        [192, 0, 2, 1],
        Some(&editor),
    ))
    .await
    .expect(StatusCode::OK);
    // The token's allowance follows it from one address to another.
    api.send(from_address(
        "/api/v1/datasets",
        [192, 0, 2, 2],
        Some(&editor),
    ))
    .await
    .expect(StatusCode::OK);
    let limited = api
        .send(from_address(
            "/api/v1/datasets",
            [192, 0, 2, 3],
            Some(&editor),
        ))
        .await;
    assert_eq!(limited.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(limited.headers[header::RETRY_AFTER], "30");
    assert_eq!(
        limited.message(),
        "trop de requêtes avec ce jeton : réessayez dans 30 s"
    );
    // Another token, and anonymous requests, are not affected.
    let admin = api.admin.clone();
    api.send(from_address(
        "/api/v1/datasets",
        [192, 0, 2, 3],
        Some(&admin),
    ))
    .await
    .expect(StatusCode::OK);
    api.send(from_address("/api/v1/datasets", [192, 0, 2, 3], None))
        .await
        .expect(StatusCode::OK);
}

#[tokio::test]
async fn limits_speak_english_when_asked() {
    let mut config = quiet_config();
    config.rate_limit_per_address = 1;
    let api = api_with(config);
    api.send(from_address("/healthz", [192, 0, 2, 9], None))
        .await
        .expect(StatusCode::OK);
    let mut request = from_address("/healthz", [192, 0, 2, 9], None);
    request
        .headers_mut()
        .insert(header::ACCEPT_LANGUAGE, "en".parse().unwrap());
    let limited = api
        .send(request)
        .await
        .expect(StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(
        limited.message(),
        "too many requests from this address: retry in 60 s"
    );
    assert_eq!(limited.headers[header::RETRY_AFTER], "60");
}

#[tokio::test]
async fn forwarded_for_is_trusted_only_when_configured() {
    let mut config = quiet_config();
    config.rate_limit_per_address = 1;
    config.trust_forwarded_for = true;
    let api = api_with(config);
    let behind_proxy = |client: &str| {
        let mut request = from_address("/healthz", [10, 0, 0, 1], None);
        request
            .headers_mut()
            .insert("x-forwarded-for", client.parse().unwrap());
        request
    };
    // Same proxy address, two clients: each has its own allowance.
    api.send(behind_proxy("203.0.113.1"))
        .await
        .expect(StatusCode::OK);
    api.send(behind_proxy("203.0.113.2"))
        .await
        .expect(StatusCode::OK);
    api.send(behind_proxy("203.0.113.1"))
        .await
        .expect(StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn responses_are_gzipped_on_request() {
    let api = api();
    let reply = api
        .send(
            request(Method::GET, "/api/v1/openapi.json", None)
                .header(header::ACCEPT_ENCODING, "gzip")
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .expect(StatusCode::OK);
    assert_eq!(reply.headers[header::CONTENT_ENCODING], "gzip");
    assert_eq!(&reply.body[..2], &[0x1f, 0x8b]);
}

#[tokio::test]
async fn cors_allows_configured_origins_only() {
    let mut config = quiet_config();
    config.cors_allowed_origins = vec!["https://donnees.montpellier.fr".to_owned()];
    let api = api_with(config);
    let preflight = |origin: &str| {
        request(Method::OPTIONS, "/api/v1/datasets", None)
            .header(header::ORIGIN, origin)
            .header(header::ACCESS_CONTROL_REQUEST_METHOD, "POST")
            .header(header::ACCESS_CONTROL_REQUEST_HEADERS, "authorization")
            .body(Body::empty())
            .unwrap()
    };
    let allowed = api.send(preflight("https://donnees.montpellier.fr")).await;
    assert_eq!(
        allowed.headers[header::ACCESS_CONTROL_ALLOW_ORIGIN],
        "https://donnees.montpellier.fr"
    );
    let refused = api.send(preflight("https://ailleurs.example")).await;
    assert!(
        refused
            .headers
            .get(header::ACCESS_CONTROL_ALLOW_ORIGIN)
            .is_none()
    );
    // Without configuration, no CORS header at all.
    let closed = crate::support::api();
    let reply = closed
        .send(preflight("https://donnees.montpellier.fr"))
        .await;
    assert!(
        reply
            .headers
            .get(header::ACCESS_CONTROL_ALLOW_ORIGIN)
            .is_none()
    );
}

#[tokio::test]
async fn health_checks() {
    let api = api();
    let health = api
        .get("/healthz", None)
        .await
        .expect(StatusCode::OK)
        .json();
    assert_eq!(health["status"], "ok");
    let ready = api.get("/readyz", None).await.expect(StatusCode::OK).json();
    assert_eq!(ready["status"], "ok");
}

#[tokio::test]
async fn slow_requests_time_out_in_the_error_format() {
    let mut config = quiet_config();
    config.upload_timeout_secs = 1;
    let api = api_with(config);
    // An upload whose body never ends: the client is alive but sends nothing more.
    let (mut sender, body) =
        http_body_util::channel::Channel::<axum::body::Bytes, std::io::Error>::new(4);
    sender
        .send_data(axum::body::Bytes::from_static(b"MARCHE_ID\n"))
        .await
        .unwrap();
    let started = std::time::Instant::now();
    let reply = api
        .send(
            request(
                Method::POST,
                &format!(
                    "/api/v1/resources/{}/versions?filename=lent.csv",
                    api.resource
                ),
                Some(&api.editor),
            )
            .body(Body::new(body))
            .unwrap(),
        )
        .await;
    assert_eq!(
        (reply.status, reply.code()),
        (StatusCode::SERVICE_UNAVAILABLE, "timeout".to_owned())
    );
    assert_eq!(
        reply.message(),
        "la requête n'a pas abouti dans le délai de 1 s"
    );
    assert!(started.elapsed() >= std::time::Duration::from_secs(1));
    drop(sender);
}

/// Collects what the server logs.
#[derive(Clone, Default)]
struct Captured(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn each_request_is_logged_on_one_line() {
    let api = api();
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);
    api.get("/api/v1/schemas", None)
        .await
        .expect(StatusCode::OK);
    api.get("/api/v1/datasets/inconnu", None)
        .await
        .expect(StatusCode::NOT_FOUND);
    let log = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    let lines: Vec<&str> = log
        .lines()
        .filter(|line| line.contains("request served"))
        .collect();
    assert_eq!(lines.len(), 2, "{log}");
    assert!(
        lines[0].contains("method=GET")
            && lines[0].contains("path=/api/v1/schemas")
            && lines[0].contains("status=200"),
        "{}",
        lines[0]
    );
    assert!(lines[0].contains("duration="), "{}", lines[0]);
    assert!(
        lines[1].contains("path=/api/v1/datasets/inconnu") && lines[1].contains("status=404"),
        "{}",
        lines[1]
    );
}
