//! Background jobs (`GET /api/v1/jobs/{id}`): where a publication sent with `?async=true` is,
//! on whichever server of the instance runs it.

use axum::Json;
use axum::extract::State;
use catalogue::jobs::{PUBLISH, PublishProgress};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::common;
use super::types;
use crate::error::{ApiResult, ErrorBody};
use crate::extract::{ApiPath, Caller};
use crate::state::AppState;

pub(crate) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(show_job))
}

/// A background job: its state, attempts, progress, and once a publication is done its
/// outcome (or, failed, the error in French). Shown to the user who started it and to
/// instance administrators.
#[utoipa::path(
    get,
    path = "/api/v1/jobs/{id}",
    tag = "versions",
    params(("id" = i64, Path, description = "Identifiant de la tâche")),
    security(("token" = [])),
    responses(
        (status = 200, body = types::Job),
        (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody),
    )
)]
pub(crate) async fn show_job(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<types::Job>> {
    let actor = caller.require()?.clone();
    let job = state
        .blocking(move |catalogue| {
            let status = catalogue.job(&actor, store::JobId(id))?;
            job_view(catalogue, &status)
        })
        .await?;
    Ok(Json(job))
}

/// The wire view of a job (reads the version a finished publication names).
pub(crate) fn job_view(
    catalogue: &catalogue::Catalogue,
    status: &store::JobStatus,
) -> ApiResult<types::Job> {
    let progress = status
        .progress
        .as_deref()
        .filter(|_| status.kind == PUBLISH)
        .and_then(PublishProgress::parse);
    let publication = match progress
        .as_ref()
        .and_then(|p| Some((p.version?, p.outcome.clone()?)))
    {
        Some((version, outcome)) if status.state == store::JobState::Done => {
            let version = catalogue
                .store()
                .version(model::VersionId(version))?
                .ok_or_else(|| catalogue::Error::NotFound(format!("version {version}")))?;
            Some(types::Publication {
                outcome,
                report: version
                    .report
                    .as_deref()
                    .and_then(|text| serde_json::from_str(text).ok()),
                version: common::version(&version),
            })
        }
        _ => None,
    };
    Ok(types::Job {
        id: status.id.0,
        kind: status.kind.clone(),
        state: status.state.as_str().to_owned(),
        attempts: status.attempts,
        rows_read: progress.as_ref().map(|p| p.rows_read),
        worker: progress.as_ref().map(|p| p.worker.clone()),
        step: if progress.is_none() {
            status.progress.clone()
        } else {
            None
        },
        publication,
        error: status.error.clone(),
    })
}
