//! `GET /api/v1/resources/{id}/exports/{format}`: a whole query result as a file, streamed in
//! constant memory: `csv`, `json` (one array), `ndjson` (one object a line), `geojson` (when the
//! rows have coordinates) and `xlsx`. Parquet is not offered: parquet + arrow add
//! about two minutes to a release build (measured for the crate stack), for a format few reusers
//! of these tables ask for.
//!
//! The rows are those of the records route with the same `where`, `select`, `group_by` and
//! `order_by`, in the same order, without the page limit (`limit` still applies if given).
//!
//! How it streams: the query is checked first (so its errors are still a 400), then a blocking
//! task reads the rows from the store one at a time (`Store::stream_records`) and writes the
//! format into 64 KiB chunks sent through a bounded channel that is the response body. A slow
//! client slows the reader down; a client that leaves stops it. A failure after the first bytes
//! aborts the body, so the client sees a truncated transfer rather than a short file.
//!
//! XLSX uses rust_xlsxwriter's constant-memory worksheet: rows go to a temporary file as they
//! come, and the zip is written into the channel once the last row is read (so the first byte
//! comes late for big exports). Excel's limit is 1,048,575 rows: beyond, the export is refused.

use std::io::{self, Write};
use std::pin::Pin;
use std::task::{Context, Poll};

use axum::body::{Body, Bytes, HttpBody};
use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::Response;
use http_body::Frame;
use http_body_util::channel::{Channel, Sender};
use model::query::{Expr, Field, Query, SelectExpr, SelectItem};
use model::{ColumnType, ResourceId, Value, VersionId};
use store::Store;
use store::records::{OutputField, RecordsError, RecordsOptions};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::records::{
    RowsRequest, boolean, invalid_query, readable_version, records_error, serialize_record,
};
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::{ApiPath, ApiQuery, Caller};
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(export))
}

/// Bytes per chunk sent to the client.
const CHUNK: usize = 64 * 1024;
/// Chunks in flight between the reader and the client: memory stays under `CHUNKS × CHUNK`.
const CHUNKS: usize = 4;
/// Excel's last row is 1,048,576, one of which holds the header.
const XLSX_MAX_ROWS: u64 = 1_048_575;
/// Excel refuses longer text in a cell.
const XLSX_MAX_TEXT: usize = 32_767;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    Csv,
    Json,
    Ndjson,
    GeoJson,
    Xlsx,
}

impl Format {
    const ALL: &'static str = "csv, json, ndjson, geojson, xlsx";

    fn parse(text: &str) -> Option<Format> {
        Some(match text {
            "csv" => Format::Csv,
            "json" => Format::Json,
            "ndjson" | "jsonl" => Format::Ndjson,
            "geojson" => Format::GeoJson,
            "xlsx" => Format::Xlsx,
            _ => return None,
        })
    }

    fn media_type(self) -> &'static str {
        match self {
            Format::Csv => "text/csv; charset=utf-8",
            Format::Json => "application/json",
            Format::Ndjson => "application/x-ndjson",
            Format::GeoJson => "application/geo+json",
            Format::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        }
    }

    fn extension(self) -> &'static str {
        match self {
            Format::Csv => "csv",
            Format::Json => "json",
            Format::Ndjson => "ndjson",
            Format::GeoJson => "geojson",
            Format::Xlsx => "xlsx",
        }
    }
}

/// Where a feature's point comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Geometry {
    /// Two numeric columns (indexes in the output).
    LatLon { lat: usize, lon: usize },
    /// A JSON column holding `[lon, lat]` or a GeoJSON geometry.
    Json(usize),
}

/// Everything the blocking writer needs.
struct Plan {
    version: VersionId,
    query: Query,
    columns: Vec<OutputField>,
    layout: Layout,
}

enum Layout {
    Csv { delimiter: u8, bom: bool },
    Json,
    Ndjson,
    GeoJson(Geometry),
    Xlsx,
}

/// Why the writer stopped.
#[derive(Debug)]
pub(crate) enum ExportError {
    Records(RecordsError),
    /// The client went away, or writing failed.
    Io(io::Error),
    Xlsx(String),
}

impl std::fmt::Display for ExportError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ExportError::Records(error) => write!(f, "{error}"),
            ExportError::Io(error) => write!(f, "écriture : {error}"),
            ExportError::Xlsx(error) => write!(f, "XLSX : {error}"),
        }
    }
}

impl From<RecordsError> for ExportError {
    fn from(error: RecordsError) -> Self {
        ExportError::Records(error)
    }
}

impl From<io::Error> for ExportError {
    fn from(error: io::Error) -> Self {
        ExportError::Io(error)
    }
}

impl From<rust_xlsxwriter::XlsxError> for ExportError {
    fn from(error: rust_xlsxwriter::XlsxError) -> Self {
        match error {
            rust_xlsxwriter::XlsxError::IoError(error) => ExportError::Io(error),
            other => ExportError::Xlsx(other.to_string()),
        }
    }
}

impl From<csv::Error> for ExportError {
    fn from(error: csv::Error) -> Self {
        ExportError::Io(io::Error::other(error))
    }
}

/// The whole result of a query as a file: `csv` (options `delimiter`, one character, `,` by
/// default; `bom=true` for French Excel), `json`, `ndjson`, `geojson` (rows with coordinates:
/// a geopoint or GeoJSON column, or numeric latitude/longitude columns) or `xlsx`. Streamed:
/// any number of rows, the same rows in the same order as the records pages.
#[utoipa::path(
    get,
    path = "/api/v1/resources/{id}/exports/{format}",
    tag = "records",
    params(
        ("id" = i64, Path, description = "Identifiant de la ressource"),
        ("format" = String, Path, description = "csv, json, ndjson, geojson ou xlsx"),
        ("where" = Option<String>, Query, description = "Filtre (même langage que /records)"),
        ("select" = Option<String>, Query, description = "Champs et agrégations"),
        ("group_by" = Option<String>, Query, description = "Champs de regroupement"),
        ("order_by" = Option<String>, Query, description = "Clés de tri"),
        ("limit" = Option<u64>, Query, description = "Nombre maximal de lignes (toutes par défaut)"),
        ("version" = Option<i64>, Query, description = "Version à exporter (la version en ligne par défaut)"),
        ("delimiter" = Option<String>, Query, description = "CSV : séparateur d'un caractère (`,` par défaut, `;` pour Excel en français)"),
        ("bom" = Option<bool>, Query, description = "CSV : commencer par le BOM UTF-8 (Excel)"),
    ),
    responses(
        (status = 200, description = "Le fichier, transmis au fil de l'eau"),
        (status = 400, description = "Requête invalide, ou pas de coordonnées pour GeoJSON", body = ErrorBody),
        (status = 404, description = "Ressource, version ou format introuvable", body = ErrorBody),
    )
)]
pub(crate) async fn export(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath((id, format)): ApiPath<(i64, String)>,
    ApiQuery(pairs): ApiQuery<Vec<(String, String)>>,
) -> ApiResult<Response> {
    let format = Format::parse(&format).ok_or_else(|| {
        ApiError::not_found(
            format!(
                "format d'export inconnu « {format} » (formats : {})",
                Format::ALL
            ),
            format!(
                "unknown export format '{format}' (formats: {})",
                Format::ALL
            ),
        )
    })?;
    let (delimiter, bom) = csv_options(&pairs)?;
    let request = RowsRequest::parse(pairs, &["delimiter", "bom"])?;
    let resource = ResourceId(id);
    let plan = state
        .blocking(move |catalogue| {
            let store = catalogue.store();
            let version = readable_version(store, &caller, resource, request.version)?;
            let columns = store
                .records_columns(version.id, &request.query)
                .map_err(records_error)?;
            let layout = match format {
                Format::Csv => Layout::Csv { delimiter, bom },
                Format::Json => Layout::Json,
                Format::Ndjson => Layout::Ndjson,
                Format::GeoJson => {
                    Layout::GeoJson(find_geometry(store, version.id, &request.query, &columns)?)
                }
                Format::Xlsx => {
                    check_xlsx_size(store, version.id, &request.query)?;
                    Layout::Xlsx
                }
            };
            Ok(Plan {
                version: version.id,
                query: request.query,
                columns,
                layout,
            })
        })
        .await?;

    let store = state.catalogue.store().clone();
    let body = streamed_body(move |sink| write_export(&store, &plan, sink));
    let filename = format!("resource-{id}.{}", format.extension());
    let mut response = Response::new(body);
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(format.media_type()),
    );
    if let Ok(value) = HeaderValue::from_str(&format!("attachment; filename=\"{filename}\"")) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    Ok(response)
}

/// Runs `write` on a blocking thread, what it writes becoming the response body in chunks (a
/// slow client slows it down, a client that leaves stops it). A failure after the first bytes
/// aborts the body, so the client sees a truncated transfer rather than a short file.
pub(crate) fn streamed_body(
    write: impl FnOnce(&mut ChunkSink) -> Result<(), ExportError> + Send + 'static,
) -> Body {
    let (sender, body) = Channel::<Bytes, io::Error>::new(CHUNKS);
    let runtime = tokio::runtime::Handle::current();
    tokio::task::spawn_blocking(move || {
        let mut sink = ChunkSink {
            sender: Some(sender),
            runtime,
            buffer: Vec::with_capacity(CHUNK),
        };
        match write(&mut sink).and_then(|()| Ok(sink.flush()?)) {
            Ok(()) => {}
            // The client left: nothing to tell anyone.
            Err(ExportError::Io(error)) if error.kind() == io::ErrorKind::BrokenPipe => {}
            Err(error) => {
                tracing::error!(%error, "streamed response interrupted");
                if let Some(sender) = sink.sender.take() {
                    sender.abort(io::Error::other("transfert interrompu"));
                }
            }
        }
    });
    Body::new(Fused::new(body))
}

/// A body that keeps answering "ended" once it has ended. `http_body_util`'s `Channel` panics
/// when polled again after its end, and the gzip layer does poll again: without this, every
/// export requested with `Accept-Encoding: gzip` (every browser) was cut off.
struct Fused<B> {
    inner: B,
    done: bool,
}

impl<B> Fused<B> {
    fn new(inner: B) -> Fused<B> {
        Fused { inner, done: false }
    }
}

impl<B: HttpBody + Unpin> HttpBody for Fused<B> {
    type Data = B::Data;
    type Error = B::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Self::Data>, Self::Error>>> {
        if self.done {
            return Poll::Ready(None);
        }
        let polled = Pin::new(&mut self.inner).poll_frame(cx);
        if matches!(polled, Poll::Ready(None | Some(Err(_)))) {
            self.done = true;
        }
        polled
    }

    fn is_end_stream(&self) -> bool {
        self.done
    }
}

fn csv_options(pairs: &[(String, String)]) -> ApiResult<(u8, bool)> {
    let mut delimiter = b',';
    let mut bom = false;
    for (name, value) in pairs {
        match name.as_str() {
            "delimiter" => {
                let text = if value == "\\t" || value == "tab" {
                    "\t"
                } else {
                    value.as_str()
                };
                match text.as_bytes() {
                    [byte] if *byte != b'"' && *byte != b'\n' && *byte != b'\r' => {
                        delimiter = *byte;
                    }
                    _ => {
                        return Err(invalid_query(
                            format!(
                                "délimiteur invalide « {value} » : un seul caractère ASCII attendu (, ; | ou tab)"
                            ),
                            format!(
                                "invalid delimiter '{value}': expected one ASCII character (, ; | or tab)"
                            ),
                        ));
                    }
                }
            }
            "bom" => bom = boolean("bom", value)?,
            _ => {}
        }
    }
    Ok((delimiter, bom))
}

/// Excel stops at 1,048,576 rows: refuse bigger exports before streaming anything.
fn check_xlsx_size(store: &Store, version: VersionId, query: &Query) -> ApiResult<()> {
    let counting = Query {
        limit: Some(0),
        cursor: None,
        offset: 0,
        facets: Vec::new(),
        ..query.clone()
    };
    let options = RecordsOptions {
        exact_count_limit: XLSX_MAX_ROWS,
        ..RecordsOptions::default()
    };
    let page = store
        .records_with(version, &counting, options)
        .map_err(records_error)?;
    let total = page.total_count.unwrap_or(0).saturating_sub(query.offset);
    let total = query.limit.map_or(total, |limit| total.min(limit));
    if page.total_is_estimate || total > XLSX_MAX_ROWS {
        return Err(invalid_query(
            format!(
                "trop de lignes pour un fichier XLSX (au plus {XLSX_MAX_ROWS}) : filtrez, ou exportez en CSV"
            ),
            format!(
                "too many rows for an XLSX file (at most {XLSX_MAX_ROWS}): filter, or export as CSV"
            ),
        ));
    }
    Ok(())
}

/// Whether a column is named like one of `candidates`, alone or as a word of a longer name
/// (`EQUIP_LAT`, `lat-wgs84`); one-letter candidates (`x`, `y`) only alone.
fn is_name(name: &str, candidates: &[&str]) -> bool {
    candidates.iter().any(|c| {
        name.eq_ignore_ascii_case(c)
            || (c.len() > 1
                && name
                    .split(['_', '-', ' '])
                    .any(|word| word.eq_ignore_ascii_case(c)))
    })
}

/// The coordinates of the rows: numeric latitude/longitude columns (`lat`/`latitude`/`y` and
/// `lon`/`lng`/`long`/`longitude`/`x`), else the first JSON column whose first value is a
/// point `[lon, lat]` or a GeoJSON geometry. 400 when there is none.
pub(crate) fn find_geometry(
    store: &Store,
    version: VersionId,
    query: &Query,
    columns: &[OutputField],
) -> ApiResult<Geometry> {
    let numeric = |c: &&OutputField| matches!(c.ty, ColumnType::Number | ColumnType::Integer);
    let position = |names: &[&str]| {
        columns
            .iter()
            .filter(numeric)
            .find(|c| is_name(&c.name, names))
            .and_then(|found| columns.iter().position(|c| c.name == found.name))
    };
    let lat = position(&["lat", "latitude", "y"]);
    let lon = position(&["lon", "lng", "long", "longitude", "x"]);
    if let (Some(lat), Some(lon)) = (lat, lon) {
        return Ok(Geometry::LatLon { lat, lon });
    }
    // Only plain row queries can be probed by field name.
    let grouped = !query.group_by.is_empty()
        || query
            .select
            .iter()
            .any(|item| matches!(item.expr, SelectExpr::Aggregate(_)));
    for (index, column) in columns.iter().enumerate() {
        if column.ty != ColumnType::Json || grouped {
            continue;
        }
        let probe = Query {
            filter: Some(Expr::IsNull {
                field: Field::new(source_field(query, &column.name)),
                negated: true,
            }),
            select: vec![SelectItem {
                expr: SelectExpr::Field(Field::new(source_field(query, &column.name))),
                alias: None,
            }],
            limit: Some(1),
            ..Query::default()
        };
        let options = RecordsOptions {
            total_count: false,
            ..RecordsOptions::default()
        };
        let page = store
            .records_with(version, &probe, options)
            .map_err(records_error)?;
        if let Some(Value::Json(json)) = page.rows.first().and_then(|row| row.first())
            && geometry_json(json).is_some()
        {
            return Ok(Geometry::Json(index));
        }
    }
    let names: Vec<String> = columns
        .iter()
        .map(|c| format!("{} ({})", c.name, c.ty.as_str()))
        .collect();
    Err(invalid_query(
        format!(
            "export GeoJSON impossible : aucune colonne de coordonnées (un point [lon, lat] ou une géométrie GeoJSON, ou deux colonnes numériques latitude et longitude) parmi {}",
            names.join(", ")
        ),
        format!(
            "GeoJSON export impossible: no coordinate column (a [lon, lat] point or a GeoJSON geometry, or two numeric latitude and longitude columns) among {}",
            names.join(", ")
        ),
    ))
}

/// The table field behind an output column (its alias resolved).
fn source_field(query: &Query, output: &str) -> String {
    query
        .select
        .iter()
        .find_map(|item| match (&item.expr, &item.alias) {
            (SelectExpr::Field(field), Some(alias)) if alias.as_str() == output => {
                Some(field.as_str().to_owned())
            }
            _ => None,
        })
        .unwrap_or_else(|| output.to_owned())
}

/// A GeoJSON geometry from a cell: `[lon, lat]` becomes a Point, a geometry object is kept.
pub(crate) fn geometry_json(json: &serde_json::Value) -> Option<serde_json::Value> {
    match json {
        serde_json::Value::Array(items)
            if items.len() == 2 && items.iter().all(serde_json::Value::is_number) =>
        {
            Some(serde_json::json!({"type": "Point", "coordinates": items}))
        }
        serde_json::Value::Object(object)
            if object.get("type").is_some_and(serde_json::Value::is_string)
                && (object.contains_key("coordinates") || object.contains_key("geometries")) =>
        {
            Some(json.clone())
        }
        _ => None,
    }
}

pub(crate) fn number_of(value: &Value) -> Option<f64> {
    match value {
        Value::Int(n) => Some(*n as f64),
        Value::Float(n) if n.is_finite() => Some(*n),
        _ => None,
    }
}

/// Writes the whole export into `sink`.
fn write_export(store: &Store, plan: &Plan, sink: &mut ChunkSink) -> Result<(), ExportError> {
    let names: Vec<String> = plan.columns.iter().map(|c| c.name.clone()).collect();
    match &plan.layout {
        Layout::Csv { delimiter, bom } => write_csv(store, plan, &names, *delimiter, *bom, sink),
        Layout::Json => {
            sink.write_all(b"[")?;
            let mut first = true;
            stream(store, plan, |row| {
                sink.write_all(if first { b"\n" } else { b",\n" })?;
                first = false;
                write_record(sink, &names, row)
            })?;
            sink.write_all(b"\n]\n")?;
            Ok(())
        }
        Layout::Ndjson => stream(store, plan, |row| {
            write_record(sink, &names, row)?;
            sink.write_all(b"\n")?;
            Ok(())
        }),
        Layout::GeoJson(geometry) => write_geojson(store, plan, &names, *geometry, sink),
        Layout::Xlsx => write_xlsx(store, plan, &names, sink),
    }
}

fn stream(
    store: &Store,
    plan: &Plan,
    mut visit: impl FnMut(&[Value]) -> Result<(), ExportError>,
) -> Result<(), ExportError> {
    store.stream_records(plan.version, &plan.query, |row| visit(row))?;
    Ok(())
}

fn write_record(sink: &mut ChunkSink, names: &[String], row: &[Value]) -> Result<(), ExportError> {
    let mut serializer = serde_json::Serializer::new(&mut *sink);
    serialize_record(names, row, &mut serializer).map_err(io::Error::from)?;
    Ok(())
}

fn write_csv(
    store: &Store,
    plan: &Plan,
    names: &[String],
    delimiter: u8,
    bom: bool,
    sink: &mut ChunkSink,
) -> Result<(), ExportError> {
    if bom {
        sink.write_all("\u{feff}".as_bytes())?;
    }
    let mut writer = csv::WriterBuilder::new()
        .delimiter(delimiter)
        .from_writer(&mut *sink);
    writer.write_record(names)?;
    let mut cell = String::new();
    stream(store, plan, |row| {
        for value in row {
            cell.clear();
            text_of(value, &mut cell);
            writer.write_field(&cell)?;
        }
        writer.write_record(None::<&[u8]>)?;
        Ok(())
    })?;
    writer.flush()?;
    Ok(())
}

/// A value as CSV or spreadsheet text: empty for missing, ISO 8601 for dates, JSON for JSON.
fn text_of(value: &Value, out: &mut String) {
    use std::fmt::Write as _;
    let _ = match value {
        Value::Null => Ok(()),
        Value::Bool(flag) => write!(out, "{flag}"),
        Value::Int(number) => write!(out, "{number}"),
        Value::Float(number) => write!(out, "{number}"),
        Value::Text(text) => {
            out.push_str(text);
            Ok(())
        }
        Value::Date(date) => write!(out, "{date}"),
        Value::Time(time) => write!(out, "{time}"),
        Value::DateTime(datetime) => write!(out, "{datetime}"),
        Value::Json(json) => write!(out, "{json}"),
    };
}

fn write_geojson(
    store: &Store,
    plan: &Plan,
    names: &[String],
    geometry: Geometry,
    sink: &mut ChunkSink,
) -> Result<(), ExportError> {
    let skipped: Vec<usize> = match geometry {
        Geometry::LatLon { lat, lon } => vec![lat, lon],
        Geometry::Json(index) => vec![index],
    };
    let kept: Vec<usize> = (0..names.len()).filter(|i| !skipped.contains(i)).collect();
    let kept_names: Vec<String> = kept.iter().map(|&i| names[i].clone()).collect();
    let mut properties: Vec<Value> = Vec::with_capacity(kept.len());
    sink.write_all(b"{\"type\":\"FeatureCollection\",\"features\":[")?;
    let mut first = true;
    stream(store, plan, |row| {
        sink.write_all(if first { b"\n" } else { b",\n" })?;
        first = false;
        let shape = match geometry {
            Geometry::LatLon { lat, lon } => match (number_of(&row[lat]), number_of(&row[lon])) {
                (Some(lat), Some(lon)) => {
                    Some(serde_json::json!({"type": "Point", "coordinates": [lon, lat]}))
                }
                _ => None,
            },
            Geometry::Json(index) => match &row[index] {
                Value::Json(json) => geometry_json(json),
                _ => None,
            },
        };
        sink.write_all(b"{\"type\":\"Feature\",\"geometry\":")?;
        serde_json::to_writer(&mut *sink, &shape).map_err(io::Error::from)?;
        sink.write_all(b",\"properties\":")?;
        properties.clear();
        properties.extend(kept.iter().map(|&i| row[i].clone()));
        write_record(sink, &kept_names, &properties)?;
        sink.write_all(b"}")?;
        Ok(())
    })?;
    sink.write_all(b"\n]}\n")?;
    Ok(())
}

fn write_xlsx(
    store: &Store,
    plan: &Plan,
    names: &[String],
    sink: &mut ChunkSink,
) -> Result<(), ExportError> {
    let mut workbook = rust_xlsxwriter::Workbook::new();
    let sheet = workbook.add_worksheet_with_constant_memory()?;
    for (col, name) in names.iter().enumerate() {
        sheet.write_string(0, col as u16, name.as_str())?;
    }
    let mut row_number: u32 = 0;
    let mut cell = String::new();
    stream(store, plan, |row| {
        row_number += 1;
        for (col, value) in row.iter().enumerate() {
            let col = col as u16;
            match value {
                Value::Null => {}
                Value::Bool(flag) => {
                    sheet.write_boolean(row_number, col, *flag)?;
                }
                Value::Int(number) => {
                    sheet.write_number(row_number, col, *number as f64)?;
                }
                Value::Float(number) if number.is_finite() => {
                    sheet.write_number(row_number, col, *number)?;
                }
                other => {
                    cell.clear();
                    text_of(other, &mut cell);
                    let text: String = cell.chars().take(XLSX_MAX_TEXT).collect();
                    sheet.write_string(row_number, col, text)?;
                }
            }
        }
        Ok(())
    })?;
    workbook.save_to_writer(&mut *sink)?;
    Ok(())
}

/// Collects written bytes into chunks and hands each to the response body, waiting while the
/// client is slower (the channel is bounded). A closed body reads as `BrokenPipe`.
pub(crate) struct ChunkSink {
    sender: Option<Sender<Bytes, io::Error>>,
    runtime: tokio::runtime::Handle,
    buffer: Vec<u8>,
}

impl ChunkSink {
    fn send(&mut self) -> io::Result<()> {
        if self.buffer.is_empty() {
            return Ok(());
        }
        let chunk = Bytes::from(std::mem::replace(
            &mut self.buffer,
            Vec::with_capacity(CHUNK),
        ));
        let Some(sender) = self.sender.as_mut() else {
            return Err(io::ErrorKind::BrokenPipe.into());
        };
        self.runtime
            .block_on(sender.send_data(chunk))
            .map_err(|_| io::Error::from(io::ErrorKind::BrokenPipe))
    }
}

impl Write for ChunkSink {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        self.buffer.extend_from_slice(bytes);
        if self.buffer.len() >= CHUNK {
            self.send()?;
        }
        Ok(bytes.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.send()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn geometries_from_cells() {
        let point = serde_json::json!([3.87, 43.61]);
        assert_eq!(
            geometry_json(&point),
            Some(serde_json::json!({"type": "Point", "coordinates": [3.87, 43.61]}))
        );
        let polygon = serde_json::json!({"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [0, 1], [0, 0]]]});
        assert_eq!(geometry_json(&polygon), Some(polygon.clone()));
        assert_eq!(geometry_json(&serde_json::json!(["a", "b"])), None);
        assert_eq!(geometry_json(&serde_json::json!([1, 2, 3])), None);
    }

    #[test]
    fn csv_options_are_checked() {
        let pairs = |list: &[(&str, &str)]| -> Vec<(String, String)> {
            list.iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect()
        };
        assert_eq!(csv_options(&pairs(&[])).unwrap(), (b',', false));
        assert_eq!(
            csv_options(&pairs(&[("delimiter", ";"), ("bom", "true")])).unwrap(),
            (b';', true)
        );
        assert_eq!(
            csv_options(&pairs(&[("delimiter", "tab")])).unwrap(),
            (b'\t', false)
        );
        assert!(csv_options(&pairs(&[("delimiter", ";;")])).is_err());
        assert!(csv_options(&pairs(&[("delimiter", "\"")])).is_err());
    }
}
