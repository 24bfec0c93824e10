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
//! task reads the rows from the store one at a time (`Store::stream_raw_records` for CSV, JSON
//! and GeoJSON, whose rows `export_rows` writes from the cells the store lends;
//! `stream_records` for XLSX) and writes the format into 256 KiB chunks sent through a bounded
//! channel that is the response body. A slow
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
use store::records::{OutputField, RawCell, RecordsError, RecordsOptions};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::export_rows::{CsvRows, JsonRows, text_of};
use super::records::{RowsRequest, boolean, invalid_query, readable_version, records_error};
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::{ApiPath, ApiQuery, Caller};
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(export))
}

/// Bytes per chunk sent to the client: 256 KiB, so that a 250 MB export is a thousand hand-offs
/// to the connection's task rather than four thousand (each wakes a thread).
const CHUNK: usize = 256 * 1024;
/// Room for the row that fills a chunk past [`CHUNK`], so that it does not reallocate it.
const CHUNK_SLACK: usize = 16 * 1024;
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
            buffer: Vec::with_capacity(CHUNK + CHUNK_SLACK),
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
fn write_export(
    store: &Store,
    plan: &Plan,
    sink: &mut (impl RowSink + Send),
) -> Result<(), ExportError> {
    let names: Vec<String> = plan.columns.iter().map(|c| c.name.clone()).collect();
    match &plan.layout {
        Layout::Csv { delimiter, bom } => {
            if *bom {
                sink.write_all("\u{feff}".as_bytes())?;
            }
            let mut csv = CsvRows::new(*delimiter);
            csv.header(sink.buffer(), &names);
            stream_raw(store, plan, |row| {
                csv.row(sink.buffer(), row);
                sink.row_written()
            })
        }
        Layout::Json => {
            let json = JsonRows::new(names.iter().map(String::as_str));
            sink.write_all(b"[")?;
            let mut first = true;
            stream_raw(store, plan, |row| {
                let buffer = sink.buffer();
                buffer.extend_from_slice(if first { b"\n" } else { b",\n" });
                first = false;
                json.row(buffer, row);
                sink.row_written()
            })?;
            sink.write_all(b"\n]\n")?;
            Ok(())
        }
        Layout::Ndjson => {
            let json = JsonRows::new(names.iter().map(String::as_str));
            stream_raw(store, plan, |row| {
                json.row(sink.buffer(), row);
                sink.buffer().push(b'\n');
                sink.row_written()
            })
        }
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

/// Like [`stream`], with the cells the store lends (see [`RawCell`]).
fn stream_raw(
    store: &Store,
    plan: &Plan,
    mut visit: impl FnMut(&[RawCell<'_>]) -> Result<(), ExportError>,
) -> Result<(), ExportError> {
    store.stream_raw_records(plan.version, &plan.query, |row| visit(row))?;
    Ok(())
}

/// The columns that become a feature's properties (all but the coordinates): their indexes
/// and names.
fn property_columns(names: &[String], geometry: Geometry) -> (Vec<usize>, Vec<String>) {
    let skipped: Vec<usize> = match geometry {
        Geometry::LatLon { lat, lon } => vec![lat, lon],
        Geometry::Json(index) => vec![index],
    };
    let kept: Vec<usize> = (0..names.len()).filter(|i| !skipped.contains(i)).collect();
    let kept_names = kept.iter().map(|&i| names[i].clone()).collect();
    (kept, kept_names)
}

fn write_geojson(
    store: &Store,
    plan: &Plan,
    names: &[String],
    geometry: Geometry,
    sink: &mut impl RowSink,
) -> Result<(), ExportError> {
    let (kept, kept_names) = property_columns(names, geometry);
    let properties = JsonRows::new(kept_names.iter().map(String::as_str));
    let number = |cell: &RawCell<'_>| match cell {
        RawCell::Value(value) => number_of(value),
        RawCell::Text(..) => None,
    };
    sink.write_all(b"{\"type\":\"FeatureCollection\",\"features\":[")?;
    let mut first = true;
    stream_raw(store, plan, |row| {
        let shape = match geometry {
            Geometry::LatLon { lat, lon } => match (number(&row[lat]), number(&row[lon])) {
                (Some(lat), Some(lon)) => {
                    Some(serde_json::json!({"type": "Point", "coordinates": [lon, lat]}))
                }
                _ => None,
            },
            Geometry::Json(index) => match &row[index] {
                RawCell::Value(Value::Json(json)) => geometry_json(json),
                _ => None,
            },
        };
        let buffer = sink.buffer();
        buffer.extend_from_slice(if first { b"\n" } else { b",\n" });
        first = false;
        buffer.extend_from_slice(b"{\"type\":\"Feature\",\"geometry\":");
        serde_json::to_writer(&mut *buffer, &shape).map_err(io::Error::from)?;
        buffer.extend_from_slice(b",\"properties\":");
        let kept_cells: Vec<RawCell<'_>> = kept.iter().map(|&i| row[i].clone()).collect();
        properties.row(buffer, &kept_cells);
        buffer.push(b'}');
        sink.row_written()
    })?;
    sink.write_all(b"\n]}\n")?;
    Ok(())
}

fn write_xlsx(
    store: &Store,
    plan: &Plan,
    names: &[String],
    sink: &mut (impl Write + Send),
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

/// Where an export is written: a byte buffer that rows are written into directly, handed on
/// once full enough after a row.
pub(crate) trait RowSink: Write {
    fn buffer(&mut self) -> &mut Vec<u8>;

    /// Called after each row written into [`RowSink::buffer`].
    fn row_written(&mut self) -> Result<(), ExportError>;
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
            Vec::with_capacity(CHUNK + CHUNK_SLACK),
        ));
        let Some(sender) = self.sender.as_mut() else {
            return Err(io::ErrorKind::BrokenPipe.into());
        };
        self.runtime
            .block_on(sender.send_data(chunk))
            .map_err(|_| io::Error::from(io::ErrorKind::BrokenPipe))
    }
}

impl RowSink for ChunkSink {
    fn buffer(&mut self) -> &mut Vec<u8> {
        &mut self.buffer
    }

    fn row_written(&mut self) -> Result<(), ExportError> {
        if self.buffer.len() >= CHUNK {
            self.send()?;
        }
        Ok(())
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
    use jiff::civil::{Date, Time};
    use model::ColumnDef;
    use store::conformance::{SIREN_MONTPELLIER, TestEngine, create_resource, publish};

    impl RowSink for Vec<u8> {
        fn buffer(&mut self) -> &mut Vec<u8> {
            self
        }

        fn row_written(&mut self) -> Result<(), ExportError> {
            Ok(())
        }
    }

    fn write_record(
        sink: &mut impl Write,
        names: &[String],
        row: &[Value],
    ) -> Result<(), ExportError> {
        let mut serializer = serde_json::Serializer::new(&mut *sink);
        crate::api::records::serialize_record(names, row, &mut serializer)
            .map_err(io::Error::from)?;
        Ok(())
    }

    /// The exports as they were written before rows were written from borrowed cells: every
    /// cell decoded into a `Value`, then the csv crate or serde_json.
    fn reference_export(store: &Store, plan: &Plan) -> Vec<u8> {
        let names: Vec<String> = plan.columns.iter().map(|c| c.name.clone()).collect();
        let mut out = Vec::new();
        match plan.layout {
            Layout::Csv { delimiter, bom } => {
                if bom {
                    out.extend_from_slice("\u{feff}".as_bytes());
                }
                let mut writer = csv::WriterBuilder::new()
                    .delimiter(delimiter)
                    .from_writer(&mut out);
                writer.write_record(&names).unwrap();
                let mut cell = String::new();
                stream(store, plan, |row| {
                    for value in row {
                        cell.clear();
                        text_of(value, &mut cell);
                        writer.write_field(&cell)?;
                    }
                    writer.write_record(None::<&[u8]>)?;
                    Ok(())
                })
                .unwrap();
                writer.flush().unwrap();
            }
            Layout::Json => {
                out.extend_from_slice(b"[");
                let mut first = true;
                stream(store, plan, |row| {
                    out.extend_from_slice(if first { b"\n" } else { b",\n" });
                    first = false;
                    write_record(&mut out, &names, row)
                })
                .unwrap();
                out.extend_from_slice(b"\n]\n");
            }
            Layout::Ndjson => {
                stream(store, plan, |row| {
                    write_record(&mut out, &names, row)?;
                    out.push(b'\n');
                    Ok(())
                })
                .unwrap();
            }
            Layout::GeoJson(geometry) => {
                reference_geojson(store, plan, &names, geometry, &mut out).unwrap();
            }
            Layout::Xlsx => unreachable!("not written from borrowed cells"),
        }
        out
    }

    fn reference_geojson(
        store: &Store,
        plan: &Plan,
        names: &[String],
        geometry: Geometry,
        sink: &mut Vec<u8>,
    ) -> Result<(), ExportError> {
        let (kept, kept_names) = property_columns(names, geometry);
        let mut properties: Vec<Value> = Vec::with_capacity(kept.len());
        sink.write_all(b"{\"type\":\"FeatureCollection\",\"features\":[")?;
        let mut first = true;
        stream(store, plan, |row| {
            sink.write_all(if first { b"\n" } else { b",\n" })?;
            first = false;
            let shape = match geometry {
                Geometry::LatLon { lat, lon } => match (number_of(&row[lat]), number_of(&row[lon]))
                {
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

    /// Every column type, under names that need quoting or escaping.
    fn odd_columns() -> Vec<ColumnDef> {
        vec![
            ColumnDef::new("libellé", ColumnType::Text),
            ColumnDef::new("nb", ColumnType::Integer),
            ColumnDef::new("montant ; €", ColumnType::Number),
            ColumnDef::new("bio", ColumnType::Boolean),
            ColumnDef::new("date", ColumnType::Date),
            ColumnDef::new("heure", ColumnType::Time),
            ColumnDef::new("horodatage", ColumnType::DateTime),
            ColumnDef::new("dit \"x\",\ny", ColumnType::Json),
        ]
    }

    /// Odd text (separators, quotes, line breaks, a BOM, control characters, non-ASCII, the
    /// empty string), NULLs, floats of every shape, dates and times with and without
    /// fractions, JSON of every kind, and cells of another type than their column's (kept by
    /// lenient publications).
    fn odd_rows() -> Vec<Vec<Value>> {
        const TEXTS: &[&str] = &[
            "simple",
            "",
            "a,b",
            "a;b",
            "tab\there",
            "dit \"bonjour\"",
            "\"",
            "\"\"",
            "ligne\nsuivante",
            "retour\r",
            "\r\n",
            "\u{feff}BOM",
            "Zoé à l'Haÿ-les-Roses — 😀",
            "contrôle \u{1} \u{1f} \u{7f}",
            "barre \\ oblique / ",
            " espaces ",
            "#commentaire",
            "1.5",
            "e",
            "a.b",
        ];
        const FLOATS: &[f64] = &[
            0.1,
            -0.0,
            1e21,
            1e-7,
            123456789.125,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::MAX,
            f64::MIN_POSITIVE,
            3.0,
        ];
        let json = [
            serde_json::json!({"b": [1, 2.5, null], "a": "é\"\n", "c": {"d": true}}),
            serde_json::json!([3.87, 43.61]),
            serde_json::json!("texte"),
            serde_json::json!(12),
            serde_json::json!(null),
            serde_json::json!({"type": "Point", "coordinates": [1e-7, 1e21]}),
        ];
        (0..60_usize)
            .map(|n| {
                let nullable = |value: Value| if n % 9 == 4 { Value::Null } else { value };
                let date = Date::new(
                    1999 + (n % 30) as i16,
                    1 + (n % 12) as i8,
                    1 + (n % 28) as i8,
                )
                .unwrap();
                let time =
                    Time::new((n % 24) as i8, (n * 7 % 60) as i8, (n % 60) as i8, 0).unwrap();
                vec![
                    nullable(Value::from(TEXTS[n % TEXTS.len()])),
                    match n % 7 {
                        3 => Value::from("douze"),
                        5 => Value::Int(i64::MIN),
                        _ => nullable(Value::Int(n as i64 * 1_000_003 - 17)),
                    },
                    match n % 11 {
                        6 => Value::from("n/a"),
                        _ => nullable(Value::Float(FLOATS[n % FLOATS.len()])),
                    },
                    match n % 5 {
                        4 => Value::from("peut-être"),
                        _ => nullable(Value::Bool(n % 2 == 0)),
                    },
                    match n % 8 {
                        2 => Value::from("31/01/2024"),
                        5 => Value::from("2024-02-30"),
                        _ => nullable(Value::Date(date)),
                    },
                    match n % 6 {
                        1 => {
                            Value::Time(time.with().subsec_nanosecond(250_000_000).build().unwrap())
                        }
                        4 => Value::from("8h30"),
                        _ => nullable(Value::Time(time)),
                    },
                    match n % 5 {
                        1 => Value::DateTime(date.at(23, 59, 59, 123_456_000)),
                        3 => Value::from("2024-01-05 10:00"),
                        _ => nullable(Value::DateTime(date.to_datetime(time))),
                    },
                    match n % 8 {
                        7 => Value::from("{pas du JSON"),
                        _ => nullable(Value::Json(json[n % json.len()].clone())),
                    },
                ]
            })
            .collect()
    }

    #[test]
    fn csv_json_and_geojson_exports_are_the_bytes_the_serializers_write() {
        for engine in TestEngine::ALL {
            let Some(backend) = engine.backend() else {
                continue;
            };
            let dir = tempfile::tempdir().unwrap();
            let store = Store::open_with(dir.path(), backend.options.clone()).unwrap();
            let resource = create_resource(&store, SIREN_MONTPELLIER, "bizarre", None);
            let version = publish(&store, &resource, b"odd", &odd_columns(), &odd_rows()).id;
            // A single text column: a record of one empty field is written `""`.
            let single = create_resource(&store, SIREN_MONTPELLIER, "seule", None);
            let single_rows = ["", "a", "\"", ""].map(|text| vec![Value::from(text)]);
            let mut single_rows = single_rows.to_vec();
            single_rows.push(vec![Value::Null]);
            let columns = [ColumnDef::new("", ColumnType::Text)];
            let single = publish(&store, &single, b"single", &columns, &single_rows).id;
            store.run_waiting_jobs(&mut |_, _| {}).unwrap();

            let ordered = Query {
                order_by: model::query::parse_order_by("nb DESC, date").unwrap(),
                ..Query::default()
            };
            let layouts = [
                Layout::Csv {
                    delimiter: b',',
                    bom: false,
                },
                Layout::Csv {
                    delimiter: b';',
                    bom: true,
                },
                Layout::Csv {
                    delimiter: b'\t',
                    bom: false,
                },
                Layout::Csv {
                    delimiter: b'.',
                    bom: false,
                },
                Layout::Csv {
                    delimiter: b'e',
                    bom: false,
                },
                Layout::Json,
                Layout::Ndjson,
                Layout::GeoJson(Geometry::Json(7)),
                Layout::GeoJson(Geometry::LatLon { lat: 2, lon: 1 }),
            ];
            for (version, query) in [
                (version, Query::default()),
                (version, ordered),
                (single, Query::default()),
            ] {
                for layout in &layouts {
                    let columns = store.records_columns(version, &query).unwrap();
                    if matches!(layout, Layout::GeoJson(_)) && columns.len() < 8 {
                        continue;
                    }
                    let layout = match layout {
                        Layout::Csv { delimiter, bom } => Layout::Csv {
                            delimiter: *delimiter,
                            bom: *bom,
                        },
                        Layout::Json => Layout::Json,
                        Layout::GeoJson(geometry) => Layout::GeoJson(*geometry),
                        _ => Layout::Ndjson,
                    };
                    let plan = Plan {
                        version,
                        columns,
                        query: query.clone(),
                        layout,
                    };
                    let mut written = Vec::new();
                    write_export(&store, &plan, &mut written).unwrap();
                    let expected = reference_export(&store, &plan);
                    assert!(
                        written == expected,
                        "{engine:?} {:?}:\n{}\n---\n{}",
                        plan.query,
                        String::from_utf8_lossy(&written),
                        String::from_utf8_lossy(&expected)
                    );
                }
            }
        }
    }

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
