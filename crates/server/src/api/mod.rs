//! The API's routes. Each module exposes its own `router()` next to its handlers; this module
//! merges them and gathers their OpenAPI documentation.
//!
//! - `v1`: the catalogue (organisations, datasets, resources, versions, schemas, tokens).
//! - `records`: the rows of published versions; `exports`: whole versions in other formats
//!   (`export_rows`: their CSV and JSON rows, written from the cells the store lends).
//! - `openapi`: the document served at `/api/v1/openapi.json`.
//!
//! Routes registered through `utoipa_axum::OpenApiRouter::routes` are documented by
//! construction; a test (`tests/it/openapi.rs`) compares the paths the router really serves with
//! the document, so a route added with a plain `route()` and no documentation fails it.

mod export_rows;
pub mod exports;
pub mod openapi;
pub mod records;
pub mod v1;

use std::time::Duration;

use axum::middleware::from_fn_with_state;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;

use crate::config::Config;
use crate::limits::timeout;
use crate::state::AppState;

/// Every API route with its documentation.
pub fn routes(config: &Config) -> OpenApiRouter<AppState> {
    let ordinary = Duration::from_secs(config.request_timeout_secs);
    let rows = records::router()
        .merge(exports::router())
        .layer(from_fn_with_state(ordinary, timeout));
    OpenApiRouter::with_openapi(openapi::ApiDoc::openapi())
        .merge(v1::router(config))
        .merge(rows)
}
