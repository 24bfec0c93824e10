//! `GET /api/v1/resources/{id}/records`: the rows of a published version, queried with the
//! records language of `model::query` (Opendatasoft-style `where`, `select`, `group_by`,
//! `order_by`), paged by keyset cursor (or offset), with a count and facets.
//!
//! Wire shapes are defined here ([`RecordsResponse`]); values keep their JSON types: numbers as
//! numbers, booleans as booleans, dates and times as ISO 8601 strings, JSON cells (arrays,
//! geopoints `[lon, lat]`, objects) as they are. Records are objects whose keys follow the order
//! of `fields`.
//!
//! Query parameters shared with exports are parsed by [`RowsRequest::parse`]; syntax errors are
//! answered 400 `invalid_query` with the parameter, the character position and what was
//! expected.

mod json;

use std::fmt::Write as _;

use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use model::query::{
    Expr, ParseError, Query, parse_group_by, parse_order_by, parse_select, parse_where,
};
use model::{DatasetState, ResourceId, Value, Version, VersionId};
use serde::Serialize;
use serde::ser::SerializeMap;
use store::Store;
use store::records::{Facet, OutputField, RecordsError, RecordsOptions};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::{ApiPath, ApiQuery, Caller};
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(records))
}

/// One page of rows. The handler writes these bytes itself from the store's rows
/// (`json::page_json`); this type documents them and is what they equal.
#[derive(Debug, Serialize, ToSchema)]
pub struct RecordsResponse {
    /// Matching rows (or groups, with `group_by`); absent with `total_count=false`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub total_count: Option<u64>,
    /// `true` when `total_count` is an estimate (beyond 100,000 matching rows).
    pub total_count_is_estimate: bool,
    /// The `cursor` of the next page (row queries), `null` on the last page.
    pub next_cursor: Option<String>,
    /// The URL of the next page (cursor, or offset for grouped queries), `null` on the last.
    pub next: Option<String>,
    /// The result columns, in order.
    pub fields: Vec<FieldDto>,
    /// The rows, as objects keyed by field name.
    #[schema(value_type = Vec<Object>)]
    pub results: Vec<RecordDto>,
    /// One entry per `facet` parameter.
    pub facets: Vec<FacetDto>,
}

/// A result column.
#[derive(Debug, Serialize, ToSchema)]
pub struct FieldDto {
    pub name: String,
    /// `boolean`, `integer`, `number`, `text`, `date`, `time`, `datetime` or `json`.
    #[serde(rename = "type")]
    pub ty: String,
}

/// The values of a field among the matching rows, most frequent first (at most 50).
#[derive(Debug, Serialize, ToSchema)]
pub struct FacetDto {
    pub field: String,
    pub values: Vec<FacetValueDto>,
}

impl From<Facet> for FacetDto {
    fn from(facet: Facet) -> FacetDto {
        FacetDto {
            field: facet.field,
            values: facet
                .values
                .into_iter()
                .map(|(value, count)| FacetValueDto {
                    value: CellDto(value),
                    count,
                })
                .collect(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct FacetValueDto {
    #[schema(value_type = Object)]
    pub value: CellDto,
    pub count: u64,
}

/// A record: its values keyed by field name, in the order of the fields.
#[derive(Debug)]
pub struct RecordDto {
    names: std::sync::Arc<[String]>,
    values: Vec<Value>,
}

impl Serialize for RecordDto {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serialize_record(&self.names, &self.values, serializer)
    }
}

/// Serialises one row as a JSON object, keys in field order (no intermediate map).
pub(crate) fn serialize_record<S: serde::Serializer>(
    names: &[String],
    values: &[Value],
    serializer: S,
) -> Result<S::Ok, S::Error> {
    let mut map = serializer.serialize_map(Some(names.len()))?;
    for (name, value) in names.iter().zip(values) {
        map.serialize_entry(name, &CellRef(value))?;
    }
    map.end()
}

/// One value on the wire.
#[derive(Debug)]
pub struct CellDto(Value);

impl Serialize for CellDto {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        CellRef(&self.0).serialize(serializer)
    }
}

/// A borrowed value on the wire: typed JSON, dates as ISO 8601 text.
pub(crate) struct CellRef<'a>(pub &'a Value);

impl Serialize for CellRef<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self.0 {
            Value::Null => serializer.serialize_none(),
            Value::Bool(flag) => serializer.serialize_bool(*flag),
            Value::Int(number) => serializer.serialize_i64(*number),
            // JSON has no NaN nor infinity.
            Value::Float(number) if number.is_finite() => serializer.serialize_f64(*number),
            Value::Float(_) => serializer.serialize_none(),
            Value::Text(text) => serializer.serialize_str(text),
            Value::Date(date) => serializer.collect_str(date),
            Value::Time(time) => serializer.collect_str(time),
            Value::DateTime(datetime) => serializer.collect_str(datetime),
            Value::Json(json) => json.serialize(serializer),
        }
    }
}

/// The parameters common to records and exports, parsed.
#[derive(Debug, Clone)]
pub(crate) struct RowsRequest {
    pub query: Query,
    /// `?version=N`, else the live version.
    pub version: Option<i64>,
    pub total_count: bool,
    /// The parameters as received, to build the `next` link.
    pub pairs: Vec<(String, String)>,
}

/// Parameters accepted by every rows route.
const COMMON_PARAMS: &[&str] = &[
    "where", "select", "group_by", "order_by", "limit", "version",
];
/// Parameters of the records route only.
const PAGE_PARAMS: &[&str] = &["offset", "cursor", "facet", "total_count"];

impl RowsRequest {
    /// Parses the query string's pairs; `extra` lists the route's own further parameters.
    /// Parameters starting with `_` are ignored (cache busters).
    pub(crate) fn parse(pairs: Vec<(String, String)>, extra: &[&str]) -> ApiResult<RowsRequest> {
        let mut query = Query::default();
        let mut filters: Vec<Expr> = Vec::new();
        let mut version = None;
        let mut total_count = true;
        for (name, value) in &pairs {
            let text = value.as_str();
            match name.as_str() {
                "where" if !text.trim().is_empty() => {
                    filters.push(parse_where(text).map_err(|e| syntax_error("where", &e))?);
                }
                "select" if !text.trim().is_empty() => query
                    .select
                    .extend(parse_select(text).map_err(|e| syntax_error("select", &e))?),
                "group_by" if !text.trim().is_empty() => query
                    .group_by
                    .extend(parse_group_by(text).map_err(|e| syntax_error("group_by", &e))?),
                "order_by" if !text.trim().is_empty() => query
                    .order_by
                    .extend(parse_order_by(text).map_err(|e| syntax_error("order_by", &e))?),
                "where" | "select" | "group_by" | "order_by" => {}
                "limit" => query.limit = Some(number(name, text)?),
                "offset" => query.offset = number(name, text)?,
                "cursor" if !text.is_empty() => query.cursor = Some(text.to_owned()),
                "cursor" => {}
                "facet" => query.facets.push(model::query::Field::new(text)),
                "version" => version = Some(number(name, text)?),
                "total_count" => total_count = boolean(name, text)?,
                other if other.starts_with('_') || extra.contains(&other) => {}
                other => return Err(unknown_parameter(other, extra)),
            }
        }
        query.filter = match filters.len() {
            0 => None,
            1 => filters.pop(),
            _ => Some(Expr::And(filters)),
        };
        Ok(RowsRequest {
            query,
            version: version.map(|v: u64| v as i64),
            total_count,
            pairs,
        })
    }
}

fn syntax_error(parameter: &str, error: &ParseError) -> ApiError {
    ApiError::new(
        StatusCode::BAD_REQUEST,
        "invalid_query",
        format!("paramètre « {parameter} », {}", error.message_fr()),
        format!("parameter '{parameter}', {}", error.message_en()),
    )
}

pub(crate) fn invalid_query(fr: impl Into<String>, en: impl Into<String>) -> ApiError {
    ApiError::new(StatusCode::BAD_REQUEST, "invalid_query", fr, en)
}

fn number(name: &str, text: &str) -> ApiResult<u64> {
    text.trim().parse().map_err(|_| {
        invalid_query(
            format!("paramètre « {name} » : entier positif attendu, reçu « {text} »"),
            format!("parameter '{name}': expected a non-negative integer, got '{text}'"),
        )
    })
}

pub(crate) fn boolean(name: &str, text: &str) -> ApiResult<bool> {
    match text.trim().to_ascii_lowercase().as_str() {
        "" | "true" | "1" | "yes" | "oui" => Ok(true),
        "false" | "0" | "no" | "non" => Ok(false),
        _ => Err(invalid_query(
            format!("paramètre « {name} » : true ou false attendu, reçu « {text} »"),
            format!("parameter '{name}': expected true or false, got '{text}'"),
        )),
    }
}

fn unknown_parameter(name: &str, extra: &[&str]) -> ApiError {
    let known: Vec<&str> = COMMON_PARAMS.iter().chain(extra).copied().collect();
    invalid_query(
        format!(
            "paramètre inconnu « {name} » (paramètres possibles : {})",
            known.join(", ")
        ),
        format!(
            "unknown parameter '{name}' (possible: {})",
            known.join(", ")
        ),
    )
}

/// The store's refusal as an API error: the query's faults are 400, a missing version 404.
pub(crate) fn records_error(error: RecordsError) -> ApiError {
    match &error {
        RecordsError::Query(_) | RecordsError::LimitTooLarge { .. } => {
            invalid_query(error.message_fr(), error.message_en())
        }
        RecordsError::VersionNotFound(_) => {
            ApiError::not_found(error.message_fr(), error.message_en())
        }
        RecordsError::Store(_) => ApiError::internal(error),
    }
}

fn store_error(error: store::Error) -> ApiError {
    ApiError::internal(error)
}

/// The version a rows request reads: the resource's live version, or `?version=N` if it
/// belongs to the resource. Drafts are visible to their organisations' members only; to anyone
/// else they do not exist (404).
pub(crate) fn readable_version(
    store: &Store,
    caller: &Caller,
    resource: ResourceId,
    version: Option<i64>,
) -> ApiResult<Version> {
    let not_found = || {
        ApiError::not_found(
            format!("ressource {resource} introuvable"),
            format!("resource {resource} not found"),
        )
    };
    let target = store
        .read_target(resource, version.map(VersionId))
        .map_err(store_error)?
        .ok_or_else(not_found)?;
    if target.dataset.state == DatasetState::Draft && !is_member(store, caller, &target.dataset)? {
        return Err(not_found());
    }
    target.version.ok_or_else(|| match version {
        None => ApiError::not_found(
            format!("la ressource {resource} n'a pas de version publiée"),
            format!("resource {resource} has no published version"),
        ),
        Some(id) => ApiError::not_found(
            format!("version {id} de la ressource {resource} introuvable"),
            format!("version {id} of resource {resource} not found"),
        ),
    })
}

fn is_member(store: &Store, caller: &Caller, dataset: &model::Dataset) -> ApiResult<bool> {
    let Some(user) = caller.user() else {
        return Ok(false);
    };
    if user.is_admin {
        return Ok(true);
    }
    Ok(store
        .memberships_of_user(user.id)
        .map_err(store_error)?
        .iter()
        .any(|m| m.organisation == dataset.publisher || m.organisation == dataset.producer))
}

pub(crate) fn field_dtos(columns: &[OutputField]) -> Vec<FieldDto> {
    columns
        .iter()
        .map(|c| FieldDto {
            name: c.name.clone(),
            ty: c.ty.as_str().to_owned(),
        })
        .collect()
}

/// Rows of a published version: filter (`where`), columns and aggregates (`select`),
/// grouping (`group_by`), sort (`order_by`), paging (`limit` ≤ 10,000, `offset`, or the keyset
/// `cursor` of the previous page: as fast on page 100,000 as on page 1), counts (`total_count`)
/// and facets (`facet=field`, repeatable).
#[utoipa::path(
    get,
    path = "/api/v1/resources/{id}/records",
    tag = "records",
    params(
        ("id" = i64, Path, description = "Identifiant de la ressource"),
        ("where" = Option<String>, Query, description = "Filtre, ex. `commune = \"Agde\" AND montant >= 1000`"),
        ("select" = Option<String>, Query, description = "Champs et agrégations, ex. `commune, sum(montant) as total`"),
        ("group_by" = Option<String>, Query, description = "Champs de regroupement"),
        ("order_by" = Option<String>, Query, description = "Clés de tri, ex. `date DESC, montant` (paramètre répétable)"),
        ("limit" = Option<u64>, Query, description = "Lignes par page (100 par défaut, au plus 10 000)"),
        ("offset" = Option<u64>, Query, description = "Lignes à sauter"),
        ("cursor" = Option<String>, Query, description = "Curseur opaque de la page suivante (`next_cursor`)"),
        ("facet" = Option<Vec<String>>, Query, description = "Champ dont compter les valeurs (répétable)"),
        ("total_count" = Option<bool>, Query, description = "Calculer total_count (true par défaut)"),
        ("version" = Option<i64>, Query, description = "Version à lire (la version en ligne par défaut)"),
    ),
    responses(
        (status = 200, description = "Une page de lignes", body = RecordsResponse),
        (status = 400, description = "Requête invalide (`invalid_query`)", body = ErrorBody),
        (status = 404, description = "Ressource ou version introuvable", body = ErrorBody),
    )
)]
pub(crate) async fn records(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<i64>,
    ApiQuery(pairs): ApiQuery<Vec<(String, String)>>,
) -> ApiResult<Response> {
    let request = RowsRequest::parse(pairs, PAGE_PARAMS)?;
    let resource = ResourceId(id);
    let body = state
        .read(move |catalogue| {
            let store = catalogue.store();
            let version = readable_version(store, &caller, resource, request.version)?;
            let options = RecordsOptions {
                total_count: request.total_count,
                ..RecordsOptions::default()
            };
            // The rows are written as JSON while the engine holds them.
            let mut rows = json::RowsJson::default();
            let summary = store
                .records_each_row(
                    version.id,
                    &request.query,
                    options,
                    &mut |columns, cells| rows.push_row(columns, cells),
                )
                .map_err(records_error)?;
            let next = next_link(
                resource,
                &request,
                summary.has_more,
                summary.next_cursor.as_deref(),
            );
            json::page_json(summary, next, rows).map_err(ApiError::internal)
        })
        .await?;
    let json = HeaderValue::from_static("application/json");
    Ok(([(header::CONTENT_TYPE, json)], body).into_response())
}

/// The URL of the next page: the `cursor` of a row query, else the next `offset`; `None` on
/// the last page.
fn next_link(
    resource: ResourceId,
    request: &RowsRequest,
    has_more: bool,
    next_cursor: Option<&str>,
) -> Option<String> {
    if !has_more {
        None
    } else if let Some(cursor) = next_cursor {
        Some(next_url(resource, &request.pairs, "cursor", cursor))
    } else {
        let limit = request.query.limit.unwrap_or(store::records::DEFAULT_LIMIT);
        let offset = request.query.offset.saturating_add(limit).to_string();
        Some(next_url(resource, &request.pairs, "offset", &offset))
    }
}

/// This route with the same parameters, `cursor` and `offset` replaced by `key=value`.
fn next_url(resource: ResourceId, pairs: &[(String, String)], key: &str, value: &str) -> String {
    let mut url = format!("/api/v1/resources/{resource}/records?");
    let kept = pairs
        .iter()
        .filter(|(name, _)| name != "cursor" && name != "offset")
        .map(|(name, value)| (name.as_str(), value.as_str()))
        .chain([(key, value)]);
    for (i, (name, value)) in kept.enumerate() {
        if i > 0 {
            url.push('&');
        }
        let _ = write!(url, "{}={}", percent_encode(name), percent_encode(value));
    }
    url
}

/// Percent-encodes everything but RFC 3986's unreserved characters.
pub(crate) fn percent_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
            out.push(char::from(byte));
        } else {
            let _ = write!(out, "%{byte:02X}");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn parameters_combine_and_errors_say_where() {
        let request = RowsRequest::parse(
            pairs(&[
                ("where", "a = 1"),
                ("where", "b = 2"),
                ("order_by", "a desc"),
                ("order_by", "b"),
                ("facet", "a"),
                ("facet", "b"),
                ("limit", "5"),
                ("_", "123"),
            ]),
            PAGE_PARAMS,
        )
        .unwrap();
        assert!(matches!(&request.query.filter, Some(Expr::And(parts)) if parts.len() == 2));
        assert_eq!(request.query.order_by.len(), 2);
        assert_eq!(request.query.facets.len(), 2);
        assert_eq!(request.query.limit, Some(5));

        let error = RowsRequest::parse(pairs(&[("where", "a = ")]), PAGE_PARAMS).unwrap_err();
        assert_eq!(error.code(), "invalid_query");
        assert!(
            error.message(crate::Lang::Fr).contains("position 4"),
            "{error:?}"
        );
        assert!(
            error.message(crate::Lang::En).contains("expected a value"),
            "{error:?}"
        );
        assert!(RowsRequest::parse(pairs(&[("limt", "5")]), PAGE_PARAMS).is_err());
        assert!(RowsRequest::parse(pairs(&[("limit", "-5")]), PAGE_PARAMS).is_err());
    }

    #[test]
    fn next_links_keep_the_query_and_replace_the_position() {
        let url = next_url(
            ResourceId(7),
            &pairs(&[("where", "nom = \"é&\""), ("cursor", "old"), ("limit", "2")]),
            "cursor",
            "abc_-",
        );
        assert_eq!(
            url,
            "/api/v1/resources/7/records?where=nom%20%3D%20%22%C3%A9%26%22&limit=2&cursor=abc_-"
        );
    }
}
