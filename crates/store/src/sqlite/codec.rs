//! How model values are written to SQLite columns and read back.

use jiff::Timestamp;
use jiff::civil::{Date, DateTime, Time};
use model::{ColumnDef, ColumnType, ParseError, Value};
use rusqlite::Row;
use rusqlite::types::{FromSqlError, ToSql, ToSqlOutput, ValueRef};

use crate::error::{Error, Result};

/// Fixed-width UTC text (microseconds), so that text order is time order.
pub(crate) fn timestamp_text(timestamp: Timestamp) -> String {
    timestamp.strftime("%Y-%m-%dT%H:%M:%S%.6fZ").to_string()
}

/// Now, truncated to the precision stored, so that a value returned by a write equals the value
/// read back later.
pub(crate) fn now() -> Timestamp {
    truncate_to_micros(Timestamp::now())
}

pub(crate) fn truncate_to_micros(timestamp: Timestamp) -> Timestamp {
    Timestamp::from_microsecond(timestamp.as_microsecond()).unwrap_or(timestamp)
}

/// Turns a parse failure of a stored value into the error rusqlite expects from a row mapper.
fn conversion_error(
    idx: usize,
    error: impl std::error::Error + Send + Sync + 'static,
) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(idx, rusqlite::types::Type::Text, Box::new(error))
}

/// Reads a text column through a parser (codes, timestamps, SIRENs...).
pub(crate) fn parsed<T, E>(
    row: &Row<'_>,
    idx: usize,
    parse: impl FnOnce(&str) -> Result<T, E>,
) -> rusqlite::Result<T>
where
    E: std::error::Error + Send + Sync + 'static,
{
    let text: String = row.get(idx)?;
    parse(&text).map_err(|error| conversion_error(idx, error))
}

/// Same as [`parsed`] for a nullable column.
pub(crate) fn parsed_opt<T, E>(
    row: &Row<'_>,
    idx: usize,
    parse: impl FnOnce(&str) -> Result<T, E>,
) -> rusqlite::Result<Option<T>>
where
    E: std::error::Error + Send + Sync + 'static,
{
    let text: Option<String> = row.get(idx)?;
    text.map(|text| parse(&text).map_err(|error| conversion_error(idx, error)))
        .transpose()
}

pub(crate) fn parse_timestamp(text: &str) -> Result<Timestamp, jiff::Error> {
    text.parse()
}

pub(crate) fn parse_date(text: &str) -> Result<Date, jiff::Error> {
    text.parse()
}

pub(crate) fn json_list(items: &[String]) -> String {
    serde_json::to_string(items).unwrap_or_else(|_| "[]".to_owned())
}

pub(crate) fn parse_json_list(text: &str) -> Result<Vec<String>, serde_json::Error> {
    serde_json::from_str(text)
}

/// The columns of a version's table, stored as JSON `[{"name": ..., "type": ...}]`.
pub(crate) fn columns_json(columns: &[ColumnDef]) -> String {
    let list: Vec<serde_json::Value> = columns
        .iter()
        .map(|column| serde_json::json!({ "name": column.name, "type": column.ty.as_str() }))
        .collect();
    serde_json::Value::Array(list).to_string()
}

pub(crate) fn parse_columns_json(text: &str) -> Result<Vec<ColumnDef>> {
    let corrupt =
        |what: &str| Error::Corrupt(format!("colonnes de version illisibles ({what}) : {text}"));
    let list: Vec<serde_json::Value> = serde_json::from_str(text).map_err(|_| corrupt("JSON"))?;
    list.iter()
        .map(|item| {
            let name = item
                .get("name")
                .and_then(|name| name.as_str())
                .ok_or_else(|| corrupt("name"))?;
            let ty = item
                .get("type")
                .and_then(|ty| ty.as_str())
                .ok_or_else(|| corrupt("type"))?;
            let ty = ColumnType::parse(ty).map_err(|_: ParseError| corrupt("type"))?;
            Ok(ColumnDef::new(name, ty))
        })
        .collect()
}

/// The SQLite type affinity of a column: numbers get numeric affinity so they sort as numbers;
/// everything else is text in a canonical form that sorts correctly (ISO dates).
pub(crate) fn affinity(ty: ColumnType) -> &'static str {
    match ty {
        ColumnType::Boolean | ColumnType::Integer => "INTEGER",
        ColumnType::Number => "REAL",
        ColumnType::Text
        | ColumnType::Date
        | ColumnType::Time
        | ColumnType::DateTime
        | ColumnType::Json => "TEXT",
    }
}

/// Binds a model value without copying text (rusqlite copies it once, into SQLite).
pub(crate) struct SqlValue<'a>(pub &'a Value);

impl ToSql for SqlValue<'_> {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(match self.0 {
            Value::Null => ToSqlOutput::Borrowed(ValueRef::Null),
            Value::Bool(flag) => ToSqlOutput::Borrowed(ValueRef::Integer(i64::from(*flag))),
            Value::Int(number) => ToSqlOutput::Borrowed(ValueRef::Integer(*number)),
            Value::Float(number) => ToSqlOutput::Borrowed(ValueRef::Real(*number)),
            Value::Text(text) => ToSqlOutput::Borrowed(ValueRef::Text(text.as_bytes())),
            Value::Date(date) => ToSqlOutput::from(date.to_string()),
            Value::Time(time) => ToSqlOutput::from(time.to_string()),
            Value::DateTime(datetime) => ToSqlOutput::from(datetime.to_string()),
            Value::Json(json) => ToSqlOutput::from(json.to_string()),
        })
    }
}

/// Binds one value. Dates, times and JSON are rendered into `scratch` rather than a new string:
/// SQLite copies bound text at once, so one buffer serves every value of every row.
pub(crate) fn bind_value(
    statement: &mut rusqlite::Statement<'_>,
    idx: usize,
    value: &Value,
    scratch: &mut String,
) -> rusqlite::Result<()> {
    use std::fmt::Write;
    scratch.clear();
    let rendered = match value {
        Value::Date(date) => write!(scratch, "{date}"),
        Value::Time(time) => write!(scratch, "{time}"),
        Value::DateTime(datetime) => write!(scratch, "{datetime}"),
        Value::Json(json) => write!(scratch, "{json}"),
        other => return statement.raw_bind_parameter(idx, SqlValue(other)),
    };
    rendered.map_err(|error| rusqlite::Error::ToSqlConversionFailure(Box::new(error)))?;
    statement.raw_bind_parameter(
        idx,
        ToSqlOutput::Borrowed(ValueRef::Text(scratch.as_bytes())),
    )
}

/// Reads a cell back as the value it was written as. A cell that does not have its column's
/// type (lenient publications keep such cells) comes back as what SQLite holds.
pub(crate) fn decode_value(cell: ValueRef<'_>, ty: ColumnType) -> Result<Value, FromSqlError> {
    Ok(match cell {
        ValueRef::Null => Value::Null,
        ValueRef::Integer(number) if ty == ColumnType::Boolean => Value::Bool(number != 0),
        ValueRef::Integer(number) if ty == ColumnType::Number => Value::Float(number as f64),
        ValueRef::Integer(number) => Value::Int(number),
        ValueRef::Real(number) => Value::Float(number),
        ValueRef::Text(bytes) => {
            let text =
                std::str::from_utf8(bytes).map_err(|error| FromSqlError::Other(Box::new(error)))?;
            decode_text(text, ty)
        }
        ValueRef::Blob(bytes) => Value::Text(String::from_utf8_lossy(bytes).into_owned()),
    })
}

pub(crate) fn decode_text(text: &str, ty: ColumnType) -> Value {
    let typed = match ty {
        ColumnType::Date => text.parse::<Date>().ok().map(Value::Date),
        ColumnType::Time => text.parse::<Time>().ok().map(Value::Time),
        ColumnType::DateTime => text.parse::<DateTime>().ok().map(Value::DateTime),
        ColumnType::Json => serde_json::from_str(text).ok().map(Value::Json),
        _ => None,
    };
    typed.unwrap_or_else(|| Value::Text(text.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_are_fixed_width_and_round_trip() {
        let timestamp = now();
        let text = timestamp_text(timestamp);
        assert_eq!(text.len(), "2026-01-01T00:00:00.000000Z".len(), "{text}");
        assert_eq!(parse_timestamp(&text).unwrap(), timestamp);
        let whole_second = Timestamp::from_second(1_700_000_000).unwrap();
        assert_eq!(timestamp_text(whole_second), "2023-11-14T22:13:20.000000Z");
    }

    #[test]
    fn columns_round_trip() {
        let columns = vec![
            ColumnDef::new("nom \"x\"", ColumnType::Text),
            ColumnDef::new("n", ColumnType::Integer),
        ];
        assert_eq!(
            parse_columns_json(&columns_json(&columns)).unwrap(),
            columns
        );
    }
}
