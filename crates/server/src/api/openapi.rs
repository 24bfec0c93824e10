//! The OpenAPI 3.1 document: the parts no handler states (title, tags, security scheme);
//! paths and schemas come from the handlers' `#[utoipa::path]` attributes.

use std::sync::Arc;

use axum::Extension;
use axum::response::{IntoResponse, Response};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

/// The document's fixed parts.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "Socle API",
        description = "API de Socle : catalogue des données ouvertes des collectivités (organisations, jeux de données, ressources, versions, schémas). Les erreurs ont la forme `{\"error\": {\"code\", \"message\"}}` ; les messages sont en français, ou en anglais avec `Accept-Language: en`.",
        license(name = "MIT OR Apache-2.0")
    ),
    modifiers(&BearerToken),
    components(schemas(crate::error::ErrorBody, crate::error::ErrorDetail)),
    tags(
        (name = "organisations", description = "Collectivités et organismes publics"),
        (name = "datasets", description = "Jeux de données"),
        (name = "resources", description = "Ressources (fichiers) des jeux de données"),
        (name = "versions", description = "Versions immuables des ressources, rapports de validation, fichiers originaux"),
        (name = "schemas", description = "Schémas de données (Table Schema) embarqués"),
        (name = "tokens", description = "Jetons d'API"),
        (name = "meta", description = "Description de l'API")
    )
)]
pub struct ApiDoc;

/// Declares the `Authorization: Bearer <token>` scheme the write operations name.
struct BearerToken;

impl Modify for BearerToken {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "token",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// The finished document, shared by the handler below (added as an extension once the router
/// has been split from its documentation).
#[derive(Clone)]
pub struct Document(pub Arc<serde_json::Value>);

/// The OpenAPI 3.1 document of this API.
#[utoipa::path(
    get,
    path = "/api/v1/openapi.json",
    tag = "meta",
    responses((status = 200, description = "Le document OpenAPI 3.1", content_type = "application/json"))
)]
pub async fn openapi_json(Extension(document): Extension<Document>) -> Response {
    axum::Json(document.0.as_ref().clone()).into_response()
}
