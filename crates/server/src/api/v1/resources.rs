//! `/api/v1/datasets/{slug}/resources` and `/api/v1/resources/{id}`: the file slots of a dataset.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use model::PublicationPolicy;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::common::{self, Viewer, dataset_by_slug, parse_optional, visible_resource};
use super::organisations::required_text;
use super::types;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::{ApiJson, ApiPath, Caller};
use crate::state::AppState;

pub(crate) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_resources, create_resource))
        .routes(routes!(show_resource))
}

/// Lists a dataset's resources.
#[utoipa::path(
    get,
    path = "/api/v1/datasets/{slug}/resources",
    tag = "resources",
    params(("slug" = String, Path, description = "Identifiant du jeu de données")),
    responses(
        (status = 200, body = Vec<types::Resource>),
        (status = 404, body = ErrorBody),
    )
)]
pub(crate) async fn list_resources(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(slug): ApiPath<String>,
) -> ApiResult<Json<Vec<types::Resource>>> {
    let resources = state
        .blocking(move |catalogue| {
            let viewer = Viewer::of(&caller, catalogue)?;
            let dataset = dataset_by_slug(catalogue, &viewer, &slug)?;
            Ok(catalogue.store().resources_of_dataset(dataset.id)?)
        })
        .await?;
    Ok(Json(resources.iter().map(common::resource).collect()))
}

/// Adds a resource to a dataset; the caller must be an editor of its publisher. A declared
/// schema must be one of the bundled schemas.
#[utoipa::path(
    post,
    path = "/api/v1/datasets/{slug}/resources",
    tag = "resources",
    params(("slug" = String, Path, description = "Identifiant du jeu de données")),
    request_body = types::NewResource,
    security(("token" = [])),
    responses(
        (status = 201, body = types::Resource),
        (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
    )
)]
pub(crate) async fn create_resource(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(slug): ApiPath<String>,
    ApiJson(body): ApiJson<types::NewResource>,
) -> ApiResult<(StatusCode, Json<types::Resource>)> {
    let actor = caller.require()?.clone();
    let title = required_text(&body.title, "title")?;
    let schema = body
        .schema
        .as_deref()
        .map(|reference| {
            catalogue::bundled::find(reference)
                .map(catalogue::publish::schema_ref)
                .map_err(|error| {
                    ApiError::bad_request(error.message_fr(), format!("invalid schema: {error}"))
                })
        })
        .transpose()?;
    let policy = parse_optional(body.policy.as_deref(), PublicationPolicy::parse)?
        .unwrap_or(PublicationPolicy::Strict);
    let format = body
        .format
        .map(|format| format.trim().to_lowercase())
        .filter(|format| !format.is_empty())
        .unwrap_or_else(|| "csv".to_owned());
    let resource = state
        .blocking(move |catalogue| {
            let viewer = Viewer::of(&caller, catalogue)?;
            let dataset = dataset_by_slug(catalogue, &viewer, &slug)?;
            let new = model::NewResource {
                dataset: dataset.id,
                title,
                description: body.description,
                format,
                schema,
                remote_url: None,
                policy,
            };
            Ok(catalogue.add_resource(&actor, &new)?)
        })
        .await?;
    Ok((StatusCode::CREATED, Json(common::resource(&resource))))
}

/// Shows a resource.
#[utoipa::path(
    get,
    path = "/api/v1/resources/{id}",
    tag = "resources",
    params(("id" = i64, Path, description = "Identifiant de la ressource")),
    responses(
        (status = 200, body = types::Resource),
        (status = 400, body = ErrorBody),
        (status = 404, body = ErrorBody),
    )
)]
pub(crate) async fn show_resource(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<types::Resource>> {
    let (resource, _) = state
        .blocking(move |catalogue| {
            let viewer = Viewer::of(&caller, catalogue)?;
            visible_resource(catalogue, &viewer, id)
        })
        .await?;
    Ok(Json(common::resource(&resource)))
}
