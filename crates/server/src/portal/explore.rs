//! Exploring a resource's live version on the portal: the preview table (filter, sort, pages),
//! the chart a visitor builds, the map of rows with coordinates. Shared by the dataset page and
//! the embeds. Queries go through the records engine with the API's parameters and semantics
//! (`where`, `order_by`, `limit`, `offset` mean what they mean on
//! `/api/v1/resources/{id}/records`).

use model::query::{
    Aggregate, Direction, Field, OrderExpr, OrderKey, Query, SelectExpr, SelectItem,
};
use model::{ColumnType, Value, Version};
use serde::{Deserialize, Serialize};
use store::Store;
use store::records::{OutputField, RecordsOptions};

use super::chart::{self, Datum, Kind};
use super::map::{self, Marker};
use super::render::french_number;
use super::{PortalError, PortalResult};
use crate::api::exports::{Geometry, find_geometry, geometry_json, number_of};
use crate::api::records::{RowsRequest, percent_encode};

/// Rows per preview page, by default and at most.
const DEFAULT_ROWS: u64 = 20;
const MAX_ROWS: u64 = 100;
/// Groups drawn by a chart, points drawn on a map.
const MAX_GROUPS: u64 = 60;
const MAX_MARKERS: u64 = 2_000;

/// The exploration parameters of a page's address. The table's are the API's own names.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default)]
pub(crate) struct ExploreParams {
    /// The resource shown (the dataset's first published one by default).
    pub ressource: Option<i64>,
    #[serde(rename = "where")]
    pub filter: String,
    pub order_by: String,
    pub limit: Option<u64>,
    pub offset: Option<u64>,
    /// Chart: the column summed (or averaged…), empty to count rows.
    pub valeur: String,
    /// Chart: the column whose values make the bars.
    pub groupe: String,
    /// Chart: `count`, `sum`, `avg`, `min` or `max`.
    pub calcul: String,
    /// Chart: `barres` or `courbe`.
    #[serde(rename = "type")]
    pub kind: String,
}

impl ExploreParams {
    /// The table's parameters as a query string (without `offset`), for links.
    pub(crate) fn table_query(&self) -> Vec<(&'static str, String)> {
        let mut pairs = Vec::new();
        if let Some(resource) = self.ressource {
            pairs.push(("ressource", resource.to_string()));
        }
        for (name, value) in [("where", &self.filter), ("order_by", &self.order_by)] {
            if !value.trim().is_empty() {
                pairs.push((name, value.clone()));
            }
        }
        if let Some(limit) = self.limit {
            pairs.push(("limit", limit.to_string()));
        }
        pairs
    }

    /// The chart's parameters, for the embed snippet.
    pub(crate) fn chart_query(&self) -> Vec<(&'static str, String)> {
        let mut pairs = Vec::new();
        if let Some(resource) = self.ressource {
            pairs.push(("ressource", resource.to_string()));
        }
        for (name, value) in [
            ("where", &self.filter),
            ("groupe", &self.groupe),
            ("valeur", &self.valeur),
            ("calcul", &self.calcul),
            ("type", &self.kind),
        ] {
            if !value.trim().is_empty() {
                pairs.push((name, value.clone()));
            }
        }
        pairs
    }
}

/// The columns of the version explored, and the parameters with its resource made explicit
/// (so that every link and snippet names it).
pub(crate) fn columns_and_params(
    store: &Store,
    resource: &model::Resource,
    version: &Version,
    params: &ExploreParams,
) -> PortalResult<(Vec<model::ColumnDef>, ExploreParams)> {
    let columns = store
        .version_columns(version.id)?
        .ok_or_else(|| PortalError::internal(format!("version {} has no table", version.id)))?;
    let params = ExploreParams {
        ressource: Some(resource.id.0),
        ..params.clone()
    };
    Ok((columns, params))
}

/// `a=1&b=2`, percent-encoded.
pub(crate) fn query_string(pairs: &[(&str, String)]) -> String {
    pairs
        .iter()
        .map(|(name, value)| format!("{name}={}", percent_encode(value)))
        .collect::<Vec<_>>()
        .join("&")
}

#[derive(Serialize)]
pub(crate) struct Column {
    pub name: String,
    /// French name of the type.
    pub kind: &'static str,
    pub numeric: bool,
    /// Links that sort the table on this column.
    pub sort_ascending: String,
    pub sort_descending: String,
    /// `ascending`/`descending` when the table is sorted on it (for `aria-sort`).
    pub sorted: Option<&'static str>,
}

#[derive(Serialize)]
pub(crate) struct Cell {
    pub text: String,
    pub numeric: bool,
}

#[derive(Serialize)]
pub(crate) struct Choice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

/// The preview table of one version.
#[derive(Serialize)]
pub(crate) struct Preview {
    pub filter: String,
    pub order_by: String,
    pub columns: Vec<Column>,
    pub rows: Vec<Vec<Cell>>,
    pub total: Option<u64>,
    pub total_is_estimate: bool,
    /// 1-based numbers of the first and last rows shown.
    pub first: u64,
    pub last: u64,
    pub limits: Vec<Choice>,
    pub sorts: Vec<Choice>,
    pub previous: Option<String>,
    pub next: Option<String>,
    /// The query's fault, in French (the table is then empty).
    pub error: Option<String>,
    /// The same rows from the API, and as a ready-to-copy command.
    pub api_url: String,
    pub curl: String,
}

fn type_label(ty: ColumnType) -> &'static str {
    match ty {
        ColumnType::Boolean => "booléen",
        ColumnType::Integer => "entier",
        ColumnType::Number => "nombre",
        ColumnType::Text => "texte",
        ColumnType::Date => "date",
        ColumnType::Time => "heure",
        ColumnType::DateTime => "date et heure",
        ColumnType::Json => "JSON",
    }
}

fn is_numeric(ty: ColumnType) -> bool {
    matches!(ty, ColumnType::Integer | ColumnType::Number)
}

/// A cell as text, the way a French reader expects it.
pub(crate) fn cell_text(value: &Value) -> String {
    match value {
        Value::Null => String::new(),
        Value::Bool(true) => "oui".to_owned(),
        Value::Bool(false) => "non".to_owned(),
        Value::Int(number) => number.to_string(),
        Value::Float(number) => french_number(*number),
        Value::Text(text) => text.clone(),
        Value::Date(date) => date.strftime("%d/%m/%Y").to_string(),
        Value::Time(time) => time.strftime("%H:%M").to_string(),
        Value::DateTime(datetime) => datetime.strftime("%d/%m/%Y %H:%M").to_string(),
        Value::Json(json) => json.to_string(),
    }
}

/// The preview: `page_path` is the address the table's links point to (the dataset page, or
/// the embed), `public_base` the site's address for the curl example.
pub(crate) fn preview(
    store: &Store,
    version: &Version,
    columns: &[model::ColumnDef],
    params: &ExploreParams,
    page_path: &str,
) -> Preview {
    let limit = params.limit.unwrap_or(DEFAULT_ROWS).clamp(1, MAX_ROWS);
    let offset = params.offset.unwrap_or(0);
    let mut pairs = vec![
        ("where".to_owned(), params.filter.clone()),
        ("order_by".to_owned(), params.order_by.clone()),
        ("limit".to_owned(), limit.to_string()),
        ("offset".to_owned(), offset.to_string()),
    ];
    pairs.retain(|(_, value)| !value.trim().is_empty());
    let mut api_pairs: Vec<(&str, String)> = vec![
        ("where", params.filter.clone()),
        ("order_by", params.order_by.clone()),
        ("limit", limit.to_string()),
    ];
    api_pairs.retain(|(_, value)| !value.trim().is_empty());
    let api_url = format!(
        "/api/v1/resources/{}/records?{}",
        version.resource,
        query_string(&api_pairs)
    );
    let table_query = params.table_query();
    let link = |extra: Vec<(&'static str, String)>| -> String {
        let mut pairs: Vec<(&str, String)> = table_query
            .iter()
            .filter(|(name, _)| !extra.iter().any(|(other, _)| other == name))
            .cloned()
            .collect();
        pairs.extend(extra);
        format!("{page_path}?{}#apercu", query_string(&pairs))
    };
    let sorted_on = params.order_by.trim().to_owned();
    let columns_view: Vec<Column> = columns
        .iter()
        .map(|column| {
            let sorted = if sorted_on == column.name || sorted_on == format!("{} ASC", column.name)
            {
                Some("ascending")
            } else if sorted_on == format!("{} DESC", column.name) {
                Some("descending")
            } else {
                None
            };
            Column {
                name: column.name.clone(),
                kind: type_label(column.ty),
                numeric: is_numeric(column.ty),
                sort_ascending: link(vec![("order_by", column.name.clone())]),
                sort_descending: link(vec![("order_by", format!("{} DESC", column.name))]),
                sorted,
            }
        })
        .collect();
    let mut preview = Preview {
        filter: params.filter.clone(),
        order_by: params.order_by.clone(),
        columns: columns_view,
        rows: Vec::new(),
        total: None,
        total_is_estimate: false,
        first: 0,
        last: 0,
        limits: [10, 20, 50, 100]
            .into_iter()
            .map(|n: u64| Choice {
                value: n.to_string(),
                label: format!("{n} lignes"),
                selected: n == limit,
            })
            .collect(),
        sorts: sort_choices(columns, &sorted_on),
        previous: None,
        next: None,
        error: None,
        curl: format!("curl '{{BASE}}{api_url}'"),
        api_url,
    };
    let request = match RowsRequest::parse(pairs, &[]) {
        Ok(request) => request,
        Err(error) => {
            preview.error = Some(error.message_fr().to_owned());
            return preview;
        }
    };
    let page = match store.records_with(version.id, &request.query, RecordsOptions::default()) {
        Ok(page) => page,
        Err(error) => {
            preview.error = Some(error.message_fr());
            return preview;
        }
    };
    let numeric: Vec<bool> = page.columns.iter().map(|c| is_numeric(c.ty)).collect();
    preview.rows = page
        .rows
        .iter()
        .map(|row| {
            row.iter()
                .zip(&numeric)
                .map(|(value, numeric)| Cell {
                    text: cell_text(value),
                    numeric: *numeric,
                })
                .collect()
        })
        .collect();
    preview.total = page.total_count;
    preview.total_is_estimate = page.total_is_estimate;
    let shown = preview.rows.len() as u64;
    preview.first = if shown == 0 { 0 } else { offset + 1 };
    preview.last = offset + shown;
    if offset > 0 {
        preview.previous = Some(link(vec![(
            "offset",
            offset.saturating_sub(limit).to_string(),
        )]));
    }
    if page.has_more {
        preview.next = Some(link(vec![("offset", (offset + limit).to_string())]));
    }
    preview
}

fn sort_choices(columns: &[model::ColumnDef], current: &str) -> Vec<Choice> {
    let mut choices = vec![Choice {
        value: String::new(),
        label: "Ordre du fichier".to_owned(),
        selected: current.is_empty(),
    }];
    for column in columns {
        for (value, label) in [
            (column.name.clone(), format!("{} (croissant)", column.name)),
            (
                format!("{} DESC", column.name),
                format!("{} (décroissant)", column.name),
            ),
        ] {
            choices.push(Choice {
                selected: value == current || (format!("{value} ASC") == current),
                value,
                label,
            });
        }
    }
    choices
}

/// The chart form and, when a group column is chosen, the chart.
#[derive(Serialize)]
pub(crate) struct ChartView {
    pub groups: Vec<Choice>,
    pub values: Vec<Choice>,
    pub aggregates: Vec<Choice>,
    pub kinds: Vec<Choice>,
    pub result: Option<ChartResult>,
    pub error: Option<String>,
}

#[derive(Serialize)]
pub(crate) struct ChartResult {
    pub title: String,
    pub svg: String,
    pub group_label: String,
    pub value_label: String,
    pub rows: Vec<(String, String)>,
    /// More groups exist than are drawn.
    pub truncated: bool,
    /// The embed snippet's query string.
    pub embed_query: String,
}

const AGGREGATES: [(&str, &str); 5] = [
    ("count", "Nombre de lignes"),
    ("sum", "Somme"),
    ("avg", "Moyenne"),
    ("min", "Minimum"),
    ("max", "Maximum"),
];

pub(crate) fn chart(
    store: &Store,
    version: &Version,
    columns: &[model::ColumnDef],
    params: &ExploreParams,
) -> ChartView {
    let calcul = if params.calcul.is_empty() {
        "count"
    } else {
        params.calcul.as_str()
    };
    let kind = if params.kind == "courbe" {
        Kind::Line
    } else {
        Kind::Bars
    };
    let groupable = columns.iter().filter(|c| c.ty != ColumnType::Json);
    let mut view = ChartView {
        groups: std::iter::once(Choice {
            value: String::new(),
            label: "— choisir —".to_owned(),
            selected: params.groupe.is_empty(),
        })
        .chain(groupable.map(|c| Choice {
            value: c.name.clone(),
            label: c.name.clone(),
            selected: c.name == params.groupe,
        }))
        .collect(),
        values: std::iter::once(Choice {
            value: String::new(),
            label: "— aucune (compter les lignes) —".to_owned(),
            selected: params.valeur.is_empty(),
        })
        .chain(columns.iter().filter(|c| is_numeric(c.ty)).map(|c| Choice {
            value: c.name.clone(),
            label: c.name.clone(),
            selected: c.name == params.valeur,
        }))
        .collect(),
        aggregates: AGGREGATES
            .iter()
            .map(|(value, label)| Choice {
                value: (*value).to_owned(),
                label: (*label).to_owned(),
                selected: *value == calcul,
            })
            .collect(),
        kinds: [("barres", "Barres"), ("courbe", "Courbe")]
            .iter()
            .map(|(value, label)| Choice {
                value: (*value).to_owned(),
                label: (*label).to_owned(),
                selected: (*value == "courbe") == (kind == Kind::Line),
            })
            .collect(),
        result: None,
        error: None,
    };
    if params.groupe.is_empty() {
        return view;
    }
    match chart_result(store, version, columns, params, calcul, kind) {
        Ok(result) => view.result = Some(result),
        Err(message) => view.error = Some(message),
    }
    view
}

fn chart_result(
    store: &Store,
    version: &Version,
    columns: &[model::ColumnDef],
    params: &ExploreParams,
    calcul: &str,
    kind: Kind,
) -> Result<ChartResult, String> {
    let known = |name: &str| columns.iter().any(|c| c.name == name);
    if !known(&params.groupe) {
        return Err(format!("colonne inconnue « {} »", params.groupe));
    }
    let aggregate = if params.valeur.is_empty() || calcul == "count" {
        Aggregate::CountAll
    } else {
        if !known(&params.valeur) {
            return Err(format!("colonne inconnue « {} »", params.valeur));
        }
        let field = Field::new(params.valeur.clone());
        match calcul {
            "sum" => Aggregate::Sum(field),
            "avg" => Aggregate::Avg(field),
            "min" => Aggregate::Min(field),
            "max" => Aggregate::Max(field),
            other => {
                return Err(format!(
                    "calcul inconnu « {other} » (count, sum, avg, min, max)"
                ));
            }
        }
    };
    let filter = RowsRequest::parse(
        vec![("where".to_owned(), params.filter.clone())]
            .into_iter()
            .filter(|(_, value)| !value.trim().is_empty())
            .collect(),
        &[],
    )
    .map_err(|error| error.message_fr().to_owned())?
    .query
    .filter;
    let group = Field::new(params.groupe.clone());
    let query = Query {
        filter,
        select: vec![
            SelectItem {
                expr: SelectExpr::Field(group.clone()),
                alias: None,
            },
            SelectItem {
                expr: SelectExpr::Aggregate(aggregate),
                alias: Some(Field::new("valeur")),
            },
        ],
        group_by: vec![group.clone()],
        order_by: vec![OrderKey {
            expr: OrderExpr::Name(group),
            direction: Direction::Asc,
        }],
        limit: Some(MAX_GROUPS),
        ..Query::default()
    };
    let page = store
        .records_with(version.id, &query, RecordsOptions::default())
        .map_err(|error| error.message_fr())?;
    let data: Vec<Datum> = page
        .rows
        .iter()
        .map(|row| Datum {
            label: row.first().map(cell_text).unwrap_or_default(),
            value: row.get(1).and_then(number_of).unwrap_or(0.0),
        })
        .collect();
    let calcul_label = AGGREGATES
        .iter()
        .find(|(value, _)| *value == calcul)
        .map_or("Nombre de lignes", |(_, label)| label);
    let value_label = if params.valeur.is_empty() || calcul == "count" {
        "Nombre de lignes".to_owned()
    } else {
        format!("{calcul_label} de {}", params.valeur)
    };
    let title = format!("{value_label} par {}", params.groupe);
    Ok(ChartResult {
        svg: chart::svg(&data, kind, &title),
        rows: data
            .iter()
            .map(|datum| (datum.label.clone(), french_number(datum.value)))
            .collect(),
        truncated: page.has_more,
        title,
        group_label: params.groupe.clone(),
        value_label,
        embed_query: query_string(&params.chart_query()),
    })
}

/// A map of the rows with coordinates (those matching the table's filter).
#[derive(Serialize)]
pub(crate) struct MapView {
    pub svg: String,
    pub n_points: usize,
    pub n_outside: usize,
    /// More rows have coordinates than are drawn.
    pub truncated: bool,
    /// The first points, as the map's text alternative.
    pub points: Vec<(String, String, String)>,
}

/// Points listed under the map.
const LISTED_POINTS: usize = 50;

pub(crate) fn map(
    store: &Store,
    version: &Version,
    columns: &[model::ColumnDef],
    params: &ExploreParams,
) -> Option<MapView> {
    let mut pairs = vec![("limit".to_owned(), MAX_MARKERS.to_string())];
    if !params.filter.trim().is_empty() {
        pairs.push(("where".to_owned(), params.filter.clone()));
    }
    let request = RowsRequest::parse(pairs, &[]).ok()?;
    let options = RecordsOptions {
        total_count: false,
        ..RecordsOptions::default()
    };
    let described: Vec<OutputField> = columns
        .iter()
        .map(|column| OutputField {
            name: column.name.clone(),
            ty: column.ty,
        })
        .collect();
    let geometry = find_geometry(store, version.id, &request.query, &described).ok()?;
    let page = store
        .records_with(version.id, &request.query, options)
        .ok()?;
    let label_column = label_column(&page.columns);
    let markers: Vec<Marker> = page
        .rows
        .iter()
        .filter_map(|row| {
            let (lon, lat) = match geometry {
                Geometry::LatLon { lat, lon } => (number_of(&row[lon])?, number_of(&row[lat])?),
                Geometry::Json(index) => match &row[index] {
                    Value::Json(json) => point_of(json)?,
                    _ => return None,
                },
            };
            let label = label_column.map_or_else(String::new, |index| cell_text(&row[index]));
            Some(Marker { lon, lat, label })
        })
        .collect();
    if markers.is_empty() {
        return None;
    }
    let (svg, n_outside) = map::svg(&markers, "Carte des lignes ayant des coordonnées");
    Some(MapView {
        svg,
        n_points: markers.len(),
        n_outside,
        truncated: page.has_more,
        points: markers
            .iter()
            .take(LISTED_POINTS)
            .map(|marker| {
                (
                    marker.label.clone(),
                    french_number(marker.lat),
                    french_number(marker.lon),
                )
            })
            .collect(),
    })
}

/// A point from a JSON cell: `[lon, lat]` or a GeoJSON Point.
fn point_of(json: &serde_json::Value) -> Option<(f64, f64)> {
    let geometry = geometry_json(json)?;
    let coordinates = geometry.get("coordinates")?.as_array()?;
    if geometry.get("type")?.as_str()? != "Point" {
        return None;
    }
    Some((
        coordinates.first()?.as_f64()?,
        coordinates.get(1)?.as_f64()?,
    ))
}

/// The column that names a row best: one whose name says « nom », else the first text column.
fn label_column(columns: &[OutputField]) -> Option<usize> {
    columns
        .iter()
        .position(|c| c.ty == ColumnType::Text && c.name.to_lowercase().contains("nom"))
        .or_else(|| columns.iter().position(|c| c.ty == ColumnType::Text))
}
