//! The OpenAPI document covers every route the router serves, and every documented route is
//! served.

use std::collections::BTreeSet;

use axum::body::Body;
use axum::http::{Method, StatusCode};

use crate::support::{api, request};

/// Routes under `/api/` deliberately undocumented (none today). Routes outside `/api/` (health
/// checks, the portal's pages, axum's fallback) are not part of the API document.
const UNDOCUMENTED: &[&str] = &[];

/// The paths the router really serves, read from its debug representation (axum keeps no
/// public list). Crude but independent of utoipa: a route added with a plain `route()` shows
/// up here and not in the document.
fn served_paths(router: &axum::Router) -> BTreeSet<String> {
    let debug = format!("{router:?}");
    let mut paths = BTreeSet::new();
    let mut rest = debug.as_str();
    while let Some(start) = rest.find("RouteId(") {
        rest = &rest[start..];
        let Some(colon) = rest.find("): \"") else {
            break;
        };
        let after = &rest[colon + 4..];
        let Some(end) = after.find('"') else { break };
        paths.insert(after[..end].to_owned());
        rest = &after[end..];
    }
    paths
}

fn documented_paths(document: &serde_json::Value) -> BTreeSet<String> {
    document["paths"]
        .as_object()
        .unwrap()
        .keys()
        .cloned()
        .collect()
}

#[tokio::test]
async fn every_served_route_is_documented() {
    let api = api();
    let document = api
        .get("/api/v1/openapi.json", None)
        .await
        .expect(StatusCode::OK)
        .json();
    assert_eq!(document["openapi"], "3.1.0");
    let served = served_paths(&api.app);
    assert!(
        served.contains("/api/v1/datasets/{slug}"),
        "paths not read from the router: {served:?}"
    );
    let documented = documented_paths(&document);
    let missing: Vec<&String> = served
        .iter()
        .filter(|path| path.starts_with("/api/"))
        .filter(|path| !documented.contains(*path) && !UNDOCUMENTED.contains(&path.as_str()))
        .collect();
    assert!(
        missing.is_empty(),
        "served but not in the OpenAPI document: {missing:?}"
    );
}

#[tokio::test]
async fn every_documented_operation_is_served() {
    let api = api();
    let document = api.get("/api/v1/openapi.json", None).await.json();
    for (path, item) in document["paths"].as_object().unwrap() {
        let concrete = path
            .replace("{slug}", "marches-publics")
            .replace("{siren}", "213401722")
            .replace("{name}", "scdl-subventions")
            .replace("{format}", "csv")
            .replace("{id}", "1");
        assert!(!concrete.contains('{'), "unknown path parameter in {path}");
        for method in item.as_object().unwrap().keys() {
            let Ok(method) = method.to_uppercase().parse::<Method>() else {
                continue;
            };
            if !matches!(
                method,
                Method::GET | Method::POST | Method::PATCH | Method::DELETE | Method::PUT
            ) {
                continue;
            }
            let reply = api
                .send(
                    request(method.clone(), &concrete, None)
                        .body(Body::empty())
                        .unwrap(),
                )
                .await;
            let code = serde_json::from_slice::<serde_json::Value>(&reply.body)
                .ok()
                .and_then(|json| json["error"]["code"].as_str().map(str::to_owned));
            assert!(
                !matches!(
                    code.as_deref(),
                    Some("unknown_route" | "method_not_allowed")
                ),
                "{method} {path} is documented but not served ({:?})",
                reply.status
            );
        }
    }
}

#[tokio::test]
async fn writes_declare_the_bearer_scheme_and_errors_their_shape() {
    let api = api();
    let document = api.get("/api/v1/openapi.json", None).await.json();
    assert_eq!(
        document["components"]["securitySchemes"]["token"]["scheme"],
        "bearer"
    );
    let create = &document["paths"]["/api/v1/datasets"]["post"];
    assert_eq!(create["security"][0]["token"], serde_json::json!([]));
    assert!(document["components"]["schemas"]["ErrorBody"].is_object());
    assert!(document["components"]["schemas"]["Dataset"].is_object());
}
