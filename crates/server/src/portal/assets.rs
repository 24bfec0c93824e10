//! Static files (CSS, the small enhancement script, the favicon), embedded in the binary and
//! served under `/static/` with an `ETag` and a day of caching; pages link them with
//! `?v={{ site.assets_version }}` so a new binary's files are fetched at once.

use std::sync::LazyLock;

use axum::extract::Path;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};

use super::error::PortalError;

/// Name, content type, bytes.
const ASSETS: &[(&str, &str, &[u8])] = &[
    (
        "socle.css",
        "text/css; charset=utf-8",
        include_bytes!("../../static/socle.css"),
    ),
    (
        "socle.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../static/socle.js"),
    ),
    (
        "favicon.svg",
        "image/svg+xml",
        include_bytes!("../../static/favicon.svg"),
    ),
];

/// A short hash of one asset (its `ETag`), and of them all (the `?v=` of links).
fn short_hash<'a>(parts: impl IntoIterator<Item = &'a [u8]>) -> String {
    let mut hasher = Sha256::new();
    for part in parts {
        hasher.update(part);
    }
    hasher.finalize()[..8]
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

static ETAGS: LazyLock<Vec<String>> = LazyLock::new(|| {
    ASSETS
        .iter()
        .map(|(_, _, bytes)| format!("\"{}\"", short_hash([*bytes])))
        .collect()
});

static VERSION: LazyLock<String> =
    LazyLock::new(|| short_hash(ASSETS.iter().map(|(_, _, bytes)| *bytes)));

/// Changes whenever any asset changes.
pub(crate) fn version() -> &'static str {
    &VERSION
}

pub(crate) async fn serve(Path(file): Path<String>, headers: HeaderMap) -> Response {
    let Some(index) = ASSETS.iter().position(|(name, _, _)| *name == file) else {
        return PortalError::not_found(format!("Aucun fichier statique « {file} »."))
            .into_response();
    };
    let (_, content_type, bytes) = ASSETS[index];
    let etag = &ETAGS[index];
    let cache = [
        (
            header::CACHE_CONTROL,
            HeaderValue::from_static("public, max-age=86400"),
        ),
        (
            header::ETAG,
            HeaderValue::from_str(etag).unwrap_or(HeaderValue::from_static("\"\"")),
        ),
    ];
    let fresh = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.split(',').any(|tag| tag.trim() == etag));
    if fresh {
        return (StatusCode::NOT_MODIFIED, cache).into_response();
    }
    (
        cache,
        [(header::CONTENT_TYPE, HeaderValue::from_static(content_type))],
        bytes,
    )
        .into_response()
}
