//! `/api/v1/schemas`: the bundled Table Schemas, their fields, and who declares them.

use axum::Json;
use axum::extract::State;
use catalogue::bundled::{self, BundledSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::common::Viewer;
use super::types;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::{ApiPath, Caller};
use crate::state::AppState;

pub(crate) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_schemas))
        .routes(routes!(show_schema))
}

fn summary(schema: &BundledSchema) -> types::Schema {
    types::Schema {
        name: schema.name.to_owned(),
        version: schema.version.to_owned(),
        title: schema.title.to_owned(),
        provenance: schema.provenance.to_owned(),
    }
}

/// The bundled schemas, by name.
#[utoipa::path(
    get,
    path = "/api/v1/schemas",
    tag = "schemas",
    responses((status = 200, body = Vec<types::Schema>))
)]
pub(crate) async fn list_schemas() -> Json<Vec<types::Schema>> {
    Json(bundled::SCHEMAS.iter().map(summary).collect())
}

/// One bundled schema: its fields, its descriptor, and the resources that declare it.
#[utoipa::path(
    get,
    path = "/api/v1/schemas/{name}",
    tag = "schemas",
    params(("name" = String, Path, description = "Nom du schéma (`scdl-subventions`), éventuellement avec sa version (`scdl-subventions@2.1.1`)")),
    responses(
        (status = 200, body = types::SchemaDetail),
        (status = 404, body = ErrorBody),
    )
)]
pub(crate) async fn show_schema(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(name): ApiPath<String>,
) -> ApiResult<Json<types::SchemaDetail>> {
    let schema = bundled::find(&name)
        .map_err(|error| ApiError::not_found(error.message_fr(), error.to_string()))?;
    let descriptor: serde_json::Value =
        serde_json::from_str(schema.descriptor).map_err(ApiError::internal)?;
    let fields = fields(&descriptor);
    let resources = state
        .read(move |catalogue| {
            let viewer = Viewer::of(&caller, catalogue)?;
            let mut uses = Vec::new();
            for resource in catalogue.store().resources_by_schema(schema.name)? {
                let Some(dataset) = catalogue.store().dataset(resource.dataset)? else {
                    continue;
                };
                if !viewer.can_see(&dataset) {
                    continue;
                }
                uses.push(types::SchemaUse {
                    resource_id: resource.id.0,
                    resource_title: resource.title.clone(),
                    dataset_slug: dataset.slug.to_string(),
                    dataset_title: dataset.title.clone(),
                    schema_version: resource
                        .schema
                        .as_ref()
                        .map(|schema| schema.version.clone())
                        .unwrap_or_default(),
                });
            }
            Ok(uses)
        })
        .await?;
    Ok(Json(types::SchemaDetail {
        schema: summary(schema),
        fields,
        resources,
        descriptor,
    }))
}

/// The fields of a descriptor, as published (the bundled descriptors are known to be valid).
fn fields(descriptor: &serde_json::Value) -> Vec<types::SchemaField> {
    let text = |field: &serde_json::Value, key: &str| {
        field
            .get(key)
            .and_then(|value| value.as_str())
            .map(str::to_owned)
    };
    descriptor
        .get("fields")
        .and_then(|fields| fields.as_array())
        .into_iter()
        .flatten()
        .map(|field| types::SchemaField {
            name: text(field, "name").unwrap_or_default(),
            kind: text(field, "type").unwrap_or_else(|| "string".to_owned()),
            title: text(field, "title"),
            description: text(field, "description"),
            required: field
                .pointer("/constraints/required")
                .and_then(|required| required.as_bool())
                .unwrap_or(false),
        })
        .collect()
}
