//! `/healthz` (the process answers) and `/readyz` (the store answers too), for load balancers
//! and orchestrators. Not part of the versioned API, hence not in the OpenAPI document.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::error::ApiError;
use crate::state::AppState;

pub(crate) async fn healthz() -> Response {
    Json(json!({ "status": "ok" })).into_response()
}

pub(crate) async fn readyz(State(state): State<AppState>) -> Response {
    let reached = state
        .blocking(|catalogue| Ok(catalogue.store().list_organisations()))
        .await;
    match reached {
        Ok(Ok(_)) => Json(json!({ "status": "ok" })).into_response(),
        Ok(Err(cause)) => {
            tracing::error!(%cause, "store unreachable");
            unavailable()
        }
        Err(_) => unavailable(),
    }
}

fn unavailable() -> Response {
    ApiError::new(
        StatusCode::SERVICE_UNAVAILABLE,
        "unavailable",
        "le stockage ne répond pas",
        "the store does not answer",
    )
    .into_response()
}
