//! `/schemas` and `/schemas/{name}`: the bundled schemas documented for people, their template
//! files (`modele.csv`, `modele.xlsx`: the header and one example row), and who publishes data
//! conforming to each.

use axum::extract::{Path, State};
use axum::http::{HeaderValue, header};
use axum::response::{Html, IntoResponse, Response};
use catalogue::bundled::{self, BundledSchema};
use serde::Serialize;
use serde_json::Value as Json;

use super::index::{Badge, OrganisationLink};
use super::{Nav, PortalError, PortalResult};
use crate::state::AppState;

#[derive(Serialize)]
struct ListView {
    schemas: Vec<SchemaSummary>,
}

#[derive(Serialize)]
struct SchemaSummary {
    name: &'static str,
    title: &'static str,
    version: &'static str,
    n_fields: usize,
    n_resources: usize,
}

pub(crate) async fn list(State(state): State<AppState>) -> PortalResult<Html<String>> {
    let view = state
        .blocking(|catalogue| {
            let store = catalogue.store();
            let mut schemas = Vec::new();
            for schema in bundled::SCHEMAS {
                schemas.push(SchemaSummary {
                    name: schema.name,
                    title: schema.title,
                    version: schema.version,
                    n_fields: descriptor(schema)["fields"].as_array().map_or(0, Vec::len),
                    n_resources: store.resources_by_schema(schema.name)?.len(),
                });
            }
            Ok(ListView { schemas })
        })
        .await?;
    state.portal.render("schemas.html", Nav::Schemas, &view)
}

fn descriptor(schema: &BundledSchema) -> Json {
    serde_json::from_str(schema.descriptor).unwrap_or_default()
}

fn bundled_schema(name: &str) -> PortalResult<&'static BundledSchema> {
    bundled::SCHEMAS
        .iter()
        .find(|schema| schema.name == name)
        .ok_or_else(|| {
            PortalError::not_found(format!(
                "Aucun schéma « {name} » (la liste est sur /schemas)."
            ))
        })
}

#[derive(Serialize)]
struct SchemaView {
    name: &'static str,
    title: &'static str,
    version: &'static str,
    description: Vec<String>,
    homepage: Option<String>,
    provenance: &'static str,
    fields: Vec<FieldView>,
    publishers: Vec<Publisher>,
}

#[derive(Serialize)]
struct FieldView {
    name: String,
    title: String,
    description: String,
    kind: String,
    required: bool,
    constraints: Vec<String>,
    example: String,
}

/// A dataset declaring the schema, with its producer and the conformity of its live version.
#[derive(Serialize)]
struct Publisher {
    organisation: OrganisationLink,
    dataset_slug: String,
    dataset_title: String,
    badge: Badge,
}

pub(crate) async fn page(
    State(state): State<AppState>,
    Path(name): Path<String>,
) -> PortalResult<Html<String>> {
    let schema = bundled_schema(&name)?;
    let view = state
        .blocking(move |catalogue| Ok(schema_view(catalogue.store(), schema)))
        .await??;
    state.portal.render("schema.html", Nav::Schemas, &view)
}

fn schema_view(store: &store::Store, schema: &'static BundledSchema) -> PortalResult<SchemaView> {
    let descriptor = descriptor(schema);
    let fields = descriptor["fields"]
        .as_array()
        .into_iter()
        .flatten()
        .map(field_view)
        .collect();
    let mut publishers = Vec::new();
    for resource in store.resources_by_schema(schema.name)? {
        let Some(dataset) = store.dataset(resource.dataset)? else {
            continue;
        };
        if dataset.state != model::DatasetState::Published {
            continue;
        }
        let Some(live) = store.live_version(resource.id)? else {
            continue;
        };
        let Some(producer) = store.organisation(dataset.producer)? else {
            continue;
        };
        publishers.push(Publisher {
            organisation: OrganisationLink {
                name: producer.name,
                siren: producer.siren.to_string(),
            },
            dataset_slug: dataset.slug.to_string(),
            dataset_title: dataset.title,
            badge: Badge::of_version(&live, true),
        });
    }
    publishers.sort_by(|a, b| a.organisation.name.cmp(&b.organisation.name));
    Ok(SchemaView {
        name: schema.name,
        title: schema.title,
        version: schema.version,
        description: descriptor["description"]
            .as_str()
            .unwrap_or("")
            .split("\n\n")
            .map(|paragraph| paragraph.trim().to_owned())
            .filter(|paragraph| !paragraph.is_empty())
            .collect(),
        homepage: descriptor["homepage"].as_str().map(str::to_owned),
        provenance: schema.provenance,
        fields,
        publishers,
    })
}

fn type_label(kind: &str, format: Option<&str>) -> String {
    let label = match kind {
        "string" => match format {
            Some("email") => "texte (adresse électronique)",
            Some("uri") => "texte (adresse web)",
            Some("uuid") => "texte (UUID)",
            _ => "texte",
        },
        "integer" => "nombre entier",
        "number" => "nombre",
        "boolean" => "booléen",
        "date" => "date",
        "time" => "heure",
        "datetime" => "date et heure",
        "year" => "année",
        "yearmonth" => "année et mois",
        "duration" => "durée",
        "geopoint" => "point géographique",
        "geojson" => "géométrie GeoJSON",
        "array" | "list" => "liste",
        "object" => "objet JSON",
        other => other,
    };
    match format {
        Some(format) if kind != "string" && format != "default" && format != "any" => {
            format!("{label} (format {format})")
        }
        _ => label.to_owned(),
    }
}

fn field_view(field: &Json) -> FieldView {
    let constraints = &field["constraints"];
    let mut list = Vec::new();
    if constraints["unique"].as_bool() == Some(true) {
        list.push("valeurs uniques".to_owned());
    }
    if let Some(values) = constraints["enum"].as_array() {
        let values: Vec<String> = values.iter().map(json_text).collect();
        list.push(format!("une valeur parmi : {}", values.join(", ")));
    }
    if let Some(pattern) = constraints["pattern"].as_str() {
        list.push(format!("motif (expression régulière) : {pattern}"));
    }
    for (key, label) in [
        ("minimum", "minimum"),
        ("maximum", "maximum"),
        ("minLength", "longueur minimale"),
        ("maxLength", "longueur maximale"),
    ] {
        if !constraints[key].is_null() {
            list.push(format!("{label} : {}", json_text(&constraints[key])));
        }
    }
    FieldView {
        name: json_text(&field["name"]),
        title: field["title"].as_str().unwrap_or("").to_owned(),
        description: field["description"].as_str().unwrap_or("").to_owned(),
        kind: type_label(
            field["type"].as_str().unwrap_or("string"),
            field["format"].as_str(),
        ),
        required: constraints["required"].as_bool() == Some(true),
        constraints: list,
        example: if field["example"].is_null() {
            String::new()
        } else {
            json_text(&field["example"])
        },
    }
}

fn json_text(value: &Json) -> String {
    match value {
        Json::String(text) => text.clone(),
        Json::Null => String::new(),
        other => other.to_string(),
    }
}

/// The header and example row of a schema's template file.
fn template_rows(schema: &BundledSchema) -> (Vec<String>, Vec<String>) {
    let descriptor = descriptor(schema);
    let fields: Vec<FieldView> = descriptor["fields"]
        .as_array()
        .into_iter()
        .flatten()
        .map(field_view)
        .collect();
    (
        fields.iter().map(|field| field.name.clone()).collect(),
        fields.iter().map(|field| field.example.clone()).collect(),
    )
}

/// `/schemas/{name}/modele.csv`: comma-separated UTF-8, header and one example row.
pub(crate) async fn template_csv(Path(name): Path<String>) -> PortalResult<Response> {
    let schema = bundled_schema(&name)?;
    let (header, example) = template_rows(schema);
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer
        .write_record(&header)
        .map_err(PortalError::internal)?;
    writer
        .write_record(&example)
        .map_err(PortalError::internal)?;
    let bytes = writer.into_inner().map_err(PortalError::internal)?;
    Ok(attachment(
        bytes,
        "text/csv; charset=utf-8",
        &format!("{}-modele.csv", schema.name),
    ))
}

/// `/schemas/{name}/modele.xlsx`: the same rows as a spreadsheet.
pub(crate) async fn template_xlsx(Path(name): Path<String>) -> PortalResult<Response> {
    let schema = bundled_schema(&name)?;
    let (header, example) = template_rows(schema);
    let mut workbook = rust_xlsxwriter::Workbook::new();
    let sheet = workbook.add_worksheet();
    let bold = rust_xlsxwriter::Format::new().set_bold();
    for (column, (name, value)) in header.iter().zip(&example).enumerate() {
        let column = u16::try_from(column).map_err(PortalError::internal)?;
        sheet
            .write_string_with_format(0, column, name, &bold)
            .map_err(PortalError::internal)?;
        sheet
            .write_string(1, column, value)
            .map_err(PortalError::internal)?;
    }
    let bytes = workbook.save_to_buffer().map_err(PortalError::internal)?;
    Ok(attachment(
        bytes,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        &format!("{}-modele.xlsx", schema.name),
    ))
}

fn attachment(bytes: Vec<u8>, content_type: &'static str, file_name: &str) -> Response {
    let disposition = HeaderValue::from_str(&format!("attachment; filename=\"{file_name}\""))
        .unwrap_or(HeaderValue::from_static("attachment"));
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(content_type)),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        bytes,
    )
        .into_response()
}
