//! Publishing a file as a new version of a resource: keep the bytes, validate, load, flip.
//!
//! The steps, each of which leaves the previous version served if it fails:
//! 1. the bytes go into the content-addressed blob store (the same bytes twice make no new
//!    version);
//! 2. the file is read (`ingest`) and every row checked (`tableschema`) against the resource's
//!    declared schema, or against a schema inferred from the file when none is declared;
//! 3. the cast values are loaded, in the same pass, into a staging table no reader sees;
//! 4. strict resources reject a non-conformant file (its version and report are kept, its rows
//!    dropped); otherwise the store makes the new version live in one transaction.

use std::io::{BufReader, Read};

use ingest::{IngestError, ReadError, Row};
use model::{
    ColumnDef, ColumnType, NewVersion, PublicationPolicy, Resource, SchemaRef, Value, Version,
    VersionOrigin,
};
use serde_json::json;
use store::{LoadHandle, Store, VersionStart};
use tableschema::{DescriptorWarning, FieldType, Lang, Plan, Schema};

use crate::bundled;
use crate::error::{Error, Result};
use crate::infer::Inference;
use crate::validation::{SchemaLabel, Validation, add_encoding_errors, report_json};

/// Rows sent to the store per transaction: large enough to amortise the commit, small enough
/// to keep memory flat.
const BATCH_ROWS: usize = 10_000;

/// What the publisher says about the file.
#[derive(Debug, Clone)]
pub struct PublishRequest {
    pub resource: model::ResourceId,
    /// The file's name as received (kept for downloads, and a hint for its format).
    pub file_name: Option<String>,
    /// How the file arrived (upload, CLI, URL, harvest, consolidation).
    pub origin: VersionOrigin,
    /// Encoding, delimiter or sheet, when the publisher imposes them.
    pub read: ingest::Options,
}

/// How a publication ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// The file is the resource's live version now (`conformant` says whether it follows its schema).
    Published { conformant: bool },
    /// The file breaks its schema and the resource is strict: kept with its report, not served.
    Rejected,
    /// These exact bytes were already published for this resource: nothing changed.
    AlreadyPublished,
}

/// The result of [`crate::Catalogue::publish`].
#[derive(Debug, Clone)]
pub struct Publication {
    pub version: Version,
    pub outcome: Outcome,
    /// The stored report (JSON, French messages), when the file was read.
    pub report: Option<serde_json::Value>,
}

/// The schema a resource's files are checked against.
struct Checked {
    schema: Schema,
    label: SchemaLabel,
    warnings: Vec<DescriptorWarning>,
}

pub(crate) fn publish(
    store: &Store,
    resource: &Resource,
    request: &PublishRequest,
    received_by: Option<model::UserId>,
    input: impl Read,
    corrections: Option<&serde_json::Value>,
) -> Result<Publication> {
    let blob = store.put_blob(input)?;
    let new = NewVersion {
        resource: resource.id,
        sha256: blob.sha256,
        size: blob.size,
        media_type: media_type(request.file_name.as_deref()),
        filename: request.file_name.clone(),
        origin: request.origin,
        received_by,
        received_at: jiff::Timestamp::now(),
    };
    if let Some(existing) = store.version_by_sha256(resource.id, &blob.sha256)? {
        return Ok(Publication {
            report: existing
                .report
                .as_deref()
                .and_then(|text| serde_json::from_str(text).ok()),
            version: existing,
            outcome: Outcome::AlreadyPublished,
        });
    }
    let declared = declared_schema(resource)?;
    let read = read_options(request);
    let mut reader = match ingest::open(BufReader::new(store.open_blob(&blob.sha256)?), &read) {
        Ok(reader) => reader,
        Err(error) => return record_unreadable(store, &new, &error),
    };
    let source = reader.info().clone();
    let mut row = Row::new();
    let header = match reader.next_row(&mut row) {
        Ok(true) => row.cells().map(str::to_owned).collect::<Vec<_>>(),
        Ok(false) => return record_unreadable(store, &new, &IngestError::Empty),
        Err(error) => return record_broken(store, &new, &error),
    };
    let checked = match declared {
        Some(checked) => checked,
        None => infer_schema(store, &blob.sha256, &read)?,
    };
    let labels: Vec<&str> = header.iter().map(String::as_str).collect();
    let (plan, header_errors) =
        Plan::new(&checked.schema, &labels, &tableschema::Options::default());
    let layout = Layout::new(&checked.schema, &plan, &header);
    let mut load = match store.create_version_table(&new, &layout.columns)? {
        VersionStart::Existing(version) => {
            return Ok(Publication {
                report: version
                    .report
                    .as_deref()
                    .and_then(|text| serde_json::from_str(text).ok()),
                version,
                outcome: Outcome::AlreadyPublished,
            });
        }
        VersionStart::Loading(load) => load,
    };
    let loaded = load_rows(&mut reader, &plan, &layout, &checked.schema, &mut load);
    let (part, encoding_errors) = match loaded {
        Ok(found) => found,
        Err(LoadFailure::Read(error)) => {
            let report = failure_report(&error.message_fr());
            return Ok(rejected(
                store.reject_version(load, &report.to_string())?,
                report,
            ));
        }
        Err(LoadFailure::Store(error)) => return Err(error.into()),
    };
    let mut report = plan.finish(header_errors, [(0, part)]);
    add_encoding_errors(&mut report, encoding_errors, &header);
    let validation = Validation {
        source,
        header,
        report,
    };
    finish(store, resource, load, validation, &checked, corrections)
}

/// Commits or rejects the loaded version according to the report and the resource's policy.
/// `corrections` (the wizard's fixes, with the original file's address) is kept in the report.
fn finish(
    store: &Store,
    resource: &Resource,
    load: LoadHandle,
    validation: Validation,
    checked: &Checked,
    corrections: Option<&serde_json::Value>,
) -> Result<Publication> {
    let conformant = validation.report.valid;
    let mut json = report_json(&validation, &checked.label, &checked.warnings, Lang::Fr);
    if let (Some(corrections), Some(object)) = (corrections, json.as_object_mut()) {
        object.insert("corrections".to_owned(), corrections.clone());
    }
    let text = json.to_string();
    if !conformant && resource.policy == PublicationPolicy::Strict && resource.schema.is_some() {
        return Ok(rejected(store.reject_version(load, &text)?, json));
    }
    let version = store.commit_version(load, Some(&text), conformant)?;
    Ok(Publication {
        version,
        outcome: Outcome::Published { conformant },
        report: Some(json),
    })
}

fn rejected(version: Version, report: serde_json::Value) -> Publication {
    Publication {
        version,
        outcome: Outcome::Rejected,
        report: Some(report),
    }
}

/// The columns of the version's table: one per schema field, then the file's extra columns
/// (kept as text, so a lenient publication loses nothing).
struct Layout {
    columns: Vec<ColumnDef>,
    /// For each table column, the physical column of the file it reads (if present).
    sources: Vec<Option<usize>>,
}

impl Layout {
    fn new(schema: &Schema, plan: &Plan, header: &[String]) -> Layout {
        let column_fields = plan.column_fields();
        let mut columns = Vec::new();
        let mut sources = Vec::new();
        for (index, field) in schema.fields().iter().enumerate() {
            columns.push(ColumnDef::new(field.name.clone(), column_type(field.kind)));
            sources.push(column_fields.iter().position(|field| *field == Some(index)));
        }
        let taken: std::collections::HashSet<&str> = schema
            .fields()
            .iter()
            .map(|field| field.name.as_str())
            .collect();
        for (position, field) in column_fields.iter().enumerate() {
            let Some(name) = header.get(position) else {
                continue;
            };
            if field.is_none()
                && !name.is_empty()
                && !taken.contains(name.as_str())
                && !columns.iter().any(|column| &column.name == name)
            {
                columns.push(ColumnDef::new(name.clone(), ColumnType::Text));
                sources.push(Some(position));
            }
        }
        Layout { columns, sources }
    }
}

enum LoadFailure {
    Read(ReadError),
    Store(store::Error),
}

/// Checks every data row and loads its values. Reading and checking run on this thread while
/// another inserts the previous batch, so the two halves of the work overlap on two cores.
fn load_rows(
    reader: &mut ingest::RowReader<'_>,
    plan: &Plan,
    layout: &Layout,
    schema: &Schema,
    load: &mut LoadHandle,
) -> std::result::Result<(tableschema::Part, Vec<ReadError>), LoadFailure> {
    // Two batches in flight: one being filled, one being inserted.
    let (to_inserter, batches) = std::sync::mpsc::sync_channel::<Vec<Vec<Value>>>(1);
    std::thread::scope(|scope| {
        let inserter = scope.spawn(move || -> std::result::Result<(), store::Error> {
            for batch in batches {
                load.append(batch)?;
            }
            Ok(())
        });
        let checked = check_rows(reader, plan, layout, schema, &to_inserter);
        drop(to_inserter);
        let inserted = inserter.join().unwrap_or_else(|_| {
            Err(store::Error::Invalid(
                "le chargement des lignes s'est interrompu".to_owned(),
            ))
        });
        match (checked, inserted) {
            (_, Err(error)) => Err(LoadFailure::Store(error)),
            (checked, Ok(())) => checked,
        }
    })
}

/// Reads and checks every row, sending the table rows to the inserter in batches.
fn check_rows(
    reader: &mut ingest::RowReader<'_>,
    plan: &Plan,
    layout: &Layout,
    schema: &Schema,
    to_inserter: &std::sync::mpsc::SyncSender<Vec<Vec<Value>>>,
) -> std::result::Result<(tableschema::Part, Vec<ReadError>), LoadFailure> {
    let mut part = plan.new_part();
    let mut encoding_errors = Vec::new();
    let mut row = Row::new();
    let mut batch: Vec<Vec<Value>> = Vec::with_capacity(BATCH_ROWS);
    let column_fields = plan.column_fields();
    let mut values = Vec::new();
    loop {
        match reader.next_row(&mut row) {
            Ok(true) => {}
            Ok(false) => break,
            Err(error @ ReadError::Encoding { .. }) => {
                encoding_errors.push(error);
                continue;
            }
            Err(error) => return Err(LoadFailure::Read(error)),
        }
        if row.is_empty() {
            plan.check_row(&mut part, row.number(), &[]);
            continue;
        }
        let cells: Vec<&str> = row.cells().collect();
        let mut row_values = recycle(std::mem::take(&mut values));
        plan.check_row_values(&mut part, row.number(), &cells, &mut row_values);
        batch.push(layout_row(
            layout,
            &cells,
            &row_values,
            &column_fields,
            schema,
        ));
        values = recycle(row_values);
        if batch.len() == BATCH_ROWS {
            let full = std::mem::replace(&mut batch, Vec::with_capacity(BATCH_ROWS));
            if to_inserter.send(full).is_err() {
                // The inserter stopped on an error, which the caller reports.
                return Ok((part, encoding_errors));
            }
        }
    }
    let _ = to_inserter.send(batch);
    Ok((part, encoding_errors))
}

/// Reuses a vector's allocation for values borrowing another row (emptied first, so nothing
/// borrowed crosses over; the in-place `collect` keeps the buffer).
fn recycle<'b>(mut values: Vec<tableschema::Value<'_>>) -> Vec<tableschema::Value<'b>> {
    values.clear();
    values
        .into_iter()
        .map(|_| tableschema::Value::Null)
        .collect()
}

/// One table row: each column's cast value; a cell that failed its type keeps its text.
fn layout_row(
    layout: &Layout,
    cells: &[&str],
    values: &[tableschema::Value<'_>],
    column_fields: &[Option<usize>],
    schema: &Schema,
) -> Vec<Value> {
    layout
        .sources
        .iter()
        .map(|source| {
            let Some(position) = *source else {
                return Value::Null;
            };
            let cell = cells.get(position).copied().unwrap_or_default();
            let value = values
                .get(position)
                .cloned()
                .unwrap_or(tableschema::Value::Null);
            let field = column_fields
                .get(position)
                .copied()
                .flatten()
                .map(|index| &schema.fields()[index]);
            match (value, field) {
                (tableschema::Value::Null, Some(field))
                    if !cell.is_empty() && !field.is_missing(cell) =>
                {
                    Value::Text(cell.to_owned())
                }
                (tableschema::Value::Null, None) if !cell.is_empty() => {
                    Value::Text(cell.to_owned())
                }
                (value, _) => to_model_value(value, cell),
            }
        })
        .collect()
}

/// The table column type that holds a Table Schema field type.
pub fn column_type(kind: FieldType) -> ColumnType {
    match kind {
        FieldType::Boolean => ColumnType::Boolean,
        FieldType::Integer | FieldType::Year => ColumnType::Integer,
        FieldType::Number => ColumnType::Number,
        FieldType::Date => ColumnType::Date,
        FieldType::Time => ColumnType::Time,
        FieldType::DateTime => ColumnType::DateTime,
        FieldType::Object
        | FieldType::Array
        | FieldType::List
        | FieldType::GeoJson
        | FieldType::GeoPoint => ColumnType::Json,
        FieldType::String | FieldType::YearMonth | FieldType::Duration | FieldType::Any => {
            ColumnType::Text
        }
    }
}

/// A cast cell as the store keeps it. `cell` is the original text, kept for types the store
/// has no column type for (durations, year-months).
pub fn to_model_value(value: tableschema::Value<'_>, cell: &str) -> Value {
    use tableschema::Value as Cast;
    match value {
        Cast::Null => Value::Null,
        Cast::Boolean(value) => Value::Bool(value),
        Cast::Integer(value) => Value::Int(value),
        Cast::Year(year) => Value::Int(i64::from(year)),
        Cast::Number(value) => Value::Float(value),
        Cast::String(text) => Value::Text(text.into_owned()),
        Cast::Date(date) => {
            civil_date(date).map_or_else(|| Value::Text(cell.to_owned()), Value::Date)
        }
        Cast::Time(time) => {
            civil_time(time).map_or_else(|| Value::Text(cell.to_owned()), Value::Time)
        }
        Cast::DateTime(datetime) => {
            civil_datetime(datetime).map_or_else(|| Value::Text(cell.to_owned()), Value::DateTime)
        }
        Cast::YearMonth { .. } | Cast::Duration(_) => Value::Text(cell.trim().to_owned()),
        Cast::GeoPoint(point) => Value::Json(json!([point.lon, point.lat])),
        Cast::Json(json) => Value::Json(json),
        Cast::List(items) => Value::Json(serde_json::Value::Array(
            items
                .into_iter()
                .map(|item| model_value_json(to_model_value(item, "")))
                .collect(),
        )),
    }
}

fn model_value_json(value: Value) -> serde_json::Value {
    match value {
        Value::Null => serde_json::Value::Null,
        Value::Bool(value) => json!(value),
        Value::Int(value) => json!(value),
        Value::Float(value) => json!(value),
        Value::Text(text) => json!(text),
        Value::Date(date) => json!(date.to_string()),
        Value::Time(time) => json!(time.to_string()),
        Value::DateTime(datetime) => json!(datetime.to_string()),
        Value::Json(json) => json,
    }
}

fn civil_date(date: tableschema::Date) -> Option<jiff::civil::Date> {
    jiff::civil::Date::new(
        i16::try_from(date.year).ok()?,
        date.month as i8,
        date.day as i8,
    )
    .ok()
}

/// Times with an offset are stored in UTC, so that they compare correctly as text.
fn civil_time(time: tableschema::Time) -> Option<jiff::civil::Time> {
    let local = jiff::civil::Time::new(
        time.hour as i8,
        time.minute as i8,
        time.second.min(59) as i8,
        time.nanosecond as i32,
    )
    .ok()?;
    match time.offset_seconds {
        None => Some(local),
        Some(offset) => {
            Some(local.wrapping_sub(jiff::SignedDuration::from_secs(i64::from(offset))))
        }
    }
}

fn civil_datetime(datetime: tableschema::DateTime) -> Option<jiff::civil::DateTime> {
    let date = civil_date(datetime.date)?;
    let time = jiff::civil::Time::new(
        datetime.time.hour as i8,
        datetime.time.minute as i8,
        datetime.time.second.min(59) as i8,
        datetime.time.nanosecond as i32,
    )
    .ok()?;
    let local = date.to_datetime(time);
    match datetime.time.offset_seconds {
        None => Some(local),
        Some(offset) => local
            .checked_sub(jiff::SignedDuration::from_secs(i64::from(offset)))
            .ok(),
    }
}

/// The resource's declared schema, from the bundled registry.
fn declared_schema(resource: &Resource) -> Result<Option<Checked>> {
    let Some(reference) = &resource.schema else {
        return Ok(None);
    };
    let bundled = bundled::find(&format!("{}@{}", reference.name, reference.version))
        .map_err(|error| Error::Invalid(error.message_fr()))?;
    let (schema, warnings) = parse_descriptor(bundled.descriptor)?;
    Ok(Some(Checked {
        schema,
        label: SchemaLabel {
            name: Some(reference.name.clone()),
            version: Some(reference.version.clone()),
            detection: None,
        },
        warnings,
    }))
}

/// Parses a descriptor text into a schema, or says in French why it cannot be used.
pub fn parse_descriptor(text: &str) -> Result<(Schema, Vec<DescriptorWarning>)> {
    let json: serde_json::Value = serde_json::from_str(text)
        .map_err(|error| Error::Invalid(format!("schéma illisible (JSON invalide) : {error}")))?;
    Schema::from_json(&json).map_err(|error| {
        Error::Invalid(format!(
            "schéma inutilisable : {} (clé `{}`)",
            error.message_fr, error.path
        ))
    })
}

/// Reads the whole file once to infer its column types (files published without a schema).
fn infer_schema(store: &Store, sha256: &model::Sha256, read: &ingest::Options) -> Result<Checked> {
    let file = BufReader::new(store.open_blob(sha256)?);
    let mut reader =
        ingest::open(file, read).map_err(|error| Error::Invalid(error.message_fr()))?;
    let mut row = Row::new();
    let mut inference: Option<Inference> = None;
    loop {
        match reader.next_row(&mut row) {
            Ok(true) => {}
            Ok(false) => break,
            Err(ReadError::Encoding { .. }) => continue,
            Err(error) => return Err(Error::Invalid(error.message_fr())),
        }
        match inference.as_mut() {
            None => inference = Some(Inference::new(&row.cells().collect::<Vec<_>>())),
            Some(inference) => inference.add_row(row.cells()),
        }
    }
    let descriptor = inference.unwrap_or_default().descriptor();
    let (schema, warnings) = Schema::from_json(&descriptor).map_err(|error| {
        Error::Invalid(format!(
            "types déduits inutilisables : {}",
            error.message_fr
        ))
    })?;
    Ok(Checked {
        schema,
        label: SchemaLabel::default(),
        warnings,
    })
}

fn read_options(request: &PublishRequest) -> ingest::Options {
    let mut read = request.read.clone();
    if read.file_name.is_none() {
        read.file_name = request.file_name.clone();
    }
    read
}

/// A report for a file that could not be read as a table at all.
fn failure_report(message_fr: &str) -> serde_json::Value {
    json!({
        "valid": false,
        "stats": { "rows": 0, "fields": 0, "errors": 1, "warnings": 0 },
        "errors": [{ "type": "source-error", "rowNumber": null, "fieldNumber": null, "fieldName": null, "cell": null, "message": message_fr }],
        "warnings": [],
    })
}

fn record_unreadable(store: &Store, new: &NewVersion, error: &IngestError) -> Result<Publication> {
    let report = failure_report(&error.message_fr());
    Ok(rejected(
        store.record_rejected_version(new, &report.to_string())?,
        report,
    ))
}

fn record_broken(store: &Store, new: &NewVersion, error: &ReadError) -> Result<Publication> {
    let report = failure_report(&error.message_fr());
    Ok(rejected(
        store.record_rejected_version(new, &report.to_string())?,
        report,
    ))
}

/// The media type recorded for a version, from its file name.
fn media_type(file_name: Option<&str>) -> String {
    let lower = file_name.unwrap_or_default().to_lowercase();
    let media = if lower.ends_with(".xlsx") {
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    } else if lower.ends_with(".ods") {
        "application/vnd.oasis.opendocument.spreadsheet"
    } else if lower.ends_with(".gz") {
        "application/gzip"
    } else {
        "text/csv"
    };
    media.to_owned()
}

/// A schema reference as stored on resources, from a bundled schema.
pub fn schema_ref(bundled: &bundled::BundledSchema) -> SchemaRef {
    SchemaRef {
        name: bundled.name.to_owned(),
        version: bundled.version.to_owned(),
    }
}
