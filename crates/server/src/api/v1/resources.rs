//! `/api/v1/datasets/{slug}/resources` and `/api/v1/resources/{id}`: the file slots of a dataset.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use model::PublicationPolicy;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::common::{self, Viewer, dataset_by_slug, non_blank, parse_optional, visible_resource};
use super::organisations::required_text;
use super::types;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::{ApiJson, ApiPath, Caller};
use crate::state::AppState;

pub(crate) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_resources, create_resource))
        .routes(routes!(show_resource, update_resource))
        .routes(routes!(archive_resource))
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
        .read(move |catalogue| {
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
    let schema = body.schema.as_deref().map(bundled_schema).transpose()?;
    let policy = parse_optional(body.policy.as_deref(), PublicationPolicy::parse)?
        .unwrap_or(PublicationPolicy::Strict);
    let format = body
        .format
        .as_deref()
        .and_then(format_name)
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
        .read(move |catalogue| {
            let viewer = Viewer::of(&caller, catalogue)?;
            visible_resource(catalogue, &viewer, id)
        })
        .await?;
    Ok(Json(common::resource(&resource)))
}

/// Changes a resource: only the fields sent change (editors of its dataset's publisher). Its
/// versions stay as they are; a new schema or policy applies to the next publication.
#[utoipa::path(
    patch,
    path = "/api/v1/resources/{id}",
    tag = "resources",
    params(("id" = i64, Path, description = "Identifiant de la ressource")),
    request_body = types::ResourceChanges,
    security(("token" = [])),
    responses(
        (status = 200, body = types::Resource),
        (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
    )
)]
pub(crate) async fn update_resource(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<i64>,
    ApiJson(changes): ApiJson<types::ResourceChanges>,
) -> ApiResult<Json<types::Resource>> {
    let actor = caller.require()?.clone();
    let title = changes
        .title
        .as_deref()
        .map(|title| required_text(title, "title"))
        .transpose()?;
    let schema = match changes.schema.as_deref().map(str::trim) {
        None => None,
        Some("") => Some(None),
        Some(reference) => Some(Some(bundled_schema(reference)?)),
    };
    let policy = parse_optional(changes.policy.as_deref(), PublicationPolicy::parse)?;
    let format = changes.format.as_deref().and_then(format_name);
    let updated = state
        .blocking(move |catalogue| {
            let viewer = Viewer::of(&caller, catalogue)?;
            let (resource, _) = visible_resource(catalogue, &viewer, id)?;
            let mut new = catalogue::new_resource_from(&resource);
            if let Some(title) = title {
                new.title = title;
            }
            if let Some(description) = changes.description {
                new.description = description;
            }
            if let Some(format) = format {
                new.format = format;
            }
            if let Some(schema) = schema {
                new.schema = schema;
            }
            if let Some(remote_url) = changes.remote_url {
                new.remote_url = non_blank(remote_url);
            }
            if let Some(policy) = policy {
                new.policy = policy;
            }
            Ok(catalogue.update_resource(&actor, &resource, &new)?)
        })
        .await?;
    Ok(Json(common::resource(&updated)))
}

/// Archives a resource (editors of its dataset's publisher): its versions stay readable and its
/// live version served, but it takes no new publication.
#[utoipa::path(
    post,
    path = "/api/v1/resources/{id}/archive",
    tag = "resources",
    params(("id" = i64, Path, description = "Identifiant de la ressource")),
    security(("token" = [])),
    responses(
        (status = 200, body = types::Resource),
        (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
    )
)]
pub(crate) async fn archive_resource(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<types::Resource>> {
    let actor = caller.require()?.clone();
    let archived = state
        .blocking(move |catalogue| {
            let viewer = Viewer::of(&caller, catalogue)?;
            let (resource, _) = visible_resource(catalogue, &viewer, id)?;
            Ok(catalogue.archive_resource(&actor, &resource)?)
        })
        .await?;
    Ok(Json(common::resource(&archived)))
}

/// A bundled schema named `name` or `name@version`: unknown is the caller's mistake (400).
fn bundled_schema(reference: &str) -> ApiResult<model::SchemaRef> {
    catalogue::bundled::find(reference)
        .map(catalogue::publish::schema_ref)
        .map_err(|error| {
            ApiError::bad_request(error.message_fr(), format!("invalid schema: {error}"))
        })
}

/// A format name as stored: lower case; blank means none given.
fn format_name(format: &str) -> Option<String> {
    let format = format.trim().to_lowercase();
    (!format.is_empty()).then_some(format)
}
