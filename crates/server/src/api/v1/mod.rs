//! `/api/v1`: the catalogue. One module per kind of thing, each with its `router()`; wire
//! types in `types`, shared helpers (paging, visibility, search, conversions) in `common`.

pub(crate) mod common;
mod datasets;
mod jobs;
mod organisations;
mod resources;
mod schemas;
mod tokens;
pub mod types;
pub(crate) mod versions;

use std::time::Duration;

use axum::middleware::from_fn_with_state;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::api::openapi;
use crate::config::Config;
use crate::limits::timeout;
use crate::state::AppState;

pub(crate) fn router(config: &Config) -> OpenApiRouter<AppState> {
    let ordinary = OpenApiRouter::new()
        .routes(routes!(openapi::openapi_json))
        .merge(organisations::router())
        .merge(datasets::router())
        .merge(resources::router())
        .merge(versions::router())
        .merge(jobs::router())
        .merge(schemas::router())
        .merge(tokens::router())
        .layer(axum::extract::DefaultBodyLimit::max(config.max_json_bytes))
        .layer(from_fn_with_state(
            Duration::from_secs(config.request_timeout_secs),
            timeout,
        ));
    ordinary.merge(versions::upload_router(config))
}
