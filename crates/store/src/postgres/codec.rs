//! How rows of the PostgreSQL engine are read, and how model values are written by `COPY`.
//!
//! Catalogue columns keep SQLite's text forms (timestamps, JSON lists, codes), so the parsing
//! helpers of the SQLite codec are reused. Version tables type boolean, integer and number
//! columns natively and keep the rest as canonical text; cells are read back as text and
//! decoded by column type, the same rules as SQLite's.

use std::fmt::{Display, Write};

use model::{ColumnType, Value};
use postgres::Row;
use postgres::types::FromSql;

use crate::error::{Error, Result};

/// Reads column `idx` of a row.
pub(super) fn get<'a, T: FromSql<'a>>(row: &'a Row, idx: usize) -> Result<T> {
    Ok(row.try_get(idx)?)
}

/// Reads a text column through a parser (codes, timestamps, SIRENs...).
pub(super) fn parsed<T, E: Display>(
    row: &Row,
    idx: usize,
    parse: impl FnOnce(&str) -> Result<T, E>,
) -> Result<T> {
    let text: &str = get(row, idx)?;
    parse(text).map_err(|error| unreadable(row, idx, text, error))
}

/// Same as [`parsed`] for a nullable column.
pub(super) fn parsed_opt<T, E: Display>(
    row: &Row,
    idx: usize,
    parse: impl FnOnce(&str) -> Result<T, E>,
) -> Result<Option<T>> {
    let text: Option<&str> = get(row, idx)?;
    text.map(|text| parse(text).map_err(|error| unreadable(row, idx, text, error)))
        .transpose()
}

fn unreadable(row: &Row, idx: usize, text: &str, error: impl Display) -> Error {
    let column = row.columns().get(idx).map_or("?", |column| column.name());
    Error::Corrupt(format!(
        "valeur illisible « {text} » en colonne {column} : {error}"
    ))
}

/// The PostgreSQL type of a version column: numbers and booleans natively (they sort and
/// compare as such); dates, times and JSON as canonical text, exactly as SQLite keeps them.
pub(super) fn column_type(ty: ColumnType) -> &'static str {
    match ty {
        ColumnType::Boolean => "boolean",
        ColumnType::Integer => "bigint",
        ColumnType::Number => "double precision",
        ColumnType::Text
        | ColumnType::Date
        | ColumnType::Time
        | ColumnType::DateTime
        | ColumnType::Json => "text",
    }
}

/// Whether a column of PostgreSQL type `sql_type` can take `value` as is. Lenient publications
/// keep cells that do not have their column's type as text; such a column becomes text.
pub(super) fn fits(sql_type: &str, value: &Value) -> bool {
    matches!(
        (sql_type, value),
        (_, Value::Null)
            | ("text", _)
            | ("boolean", Value::Bool(_))
            | ("bigint", Value::Int(_))
            | ("double precision", Value::Float(_) | Value::Int(_))
    )
}

/// Appends one value in `COPY … (FORMAT text)` form: `\N` for NULL, backslash escapes for the
/// separators.
pub(super) fn write_copy_value(out: &mut String, value: &Value) {
    match value {
        Value::Null => out.push_str("\\N"),
        Value::Bool(flag) => out.push_str(if *flag { "true" } else { "false" }),
        Value::Int(number) => {
            let _ = write!(out, "{number}");
        }
        Value::Float(number) => write_float(out, *number),
        Value::Text(text) => escape_into(out, text),
        Value::Date(date) => {
            let _ = write!(out, "{date}");
        }
        Value::Time(time) => {
            let _ = write!(out, "{time}");
        }
        Value::DateTime(datetime) => {
            let _ = write!(out, "{datetime}");
        }
        Value::Json(json) => escape_into(out, &json.to_string()),
    }
}

/// Rust prints floats in their shortest exact form without exponent, which PostgreSQL reads
/// back bit for bit; only the special values are spelled differently.
fn write_float(out: &mut String, number: f64) {
    if number.is_nan() {
        out.push_str("NaN");
    } else if number.is_infinite() {
        out.push_str(if number > 0.0 {
            "Infinity"
        } else {
            "-Infinity"
        });
    } else {
        let _ = write!(out, "{number}");
    }
}

fn escape_into(out: &mut String, text: &str) {
    for character in text.chars() {
        match character {
            '\\' => out.push_str("\\\\"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            other => out.push(other),
        }
    }
}

/// Reads back a cell fetched as text: the value it was written as, or the text itself for a
/// cell that never had its column's type.
pub(crate) fn decode_cell(text: Option<&str>, ty: ColumnType) -> Value {
    let Some(text) = text else {
        return Value::Null;
    };
    let typed = match ty {
        ColumnType::Boolean => match text {
            "true" => Some(Value::Bool(true)),
            "false" => Some(Value::Bool(false)),
            _ => None,
        },
        ColumnType::Integer => text.parse().ok().map(Value::Int),
        ColumnType::Number => text.parse().ok().map(Value::Float),
        _ => None,
    };
    typed.unwrap_or_else(|| crate::sqlite::codec::decode_text(text, ty))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copy_text_escapes_separators_and_nulls() {
        let mut out = String::new();
        for value in [
            Value::Text("a\tb\\c\nd\re".to_owned()),
            Value::Null,
            Value::Bool(true),
            Value::Float(f64::NEG_INFINITY),
            Value::Float(0.1),
        ] {
            write_copy_value(&mut out, &value);
            out.push('|');
        }
        assert_eq!(out, "a\\tb\\\\c\\nd\\re|\\N|true|-Infinity|0.1|");
    }

    #[test]
    fn cells_decode_by_column_type() {
        assert_eq!(decode_cell(Some("12"), ColumnType::Integer), Value::Int(12));
        assert_eq!(
            decode_cell(Some("douze"), ColumnType::Integer),
            Value::Text("douze".to_owned())
        );
        assert_eq!(
            decode_cell(Some("-Infinity"), ColumnType::Number),
            Value::Float(f64::NEG_INFINITY)
        );
        assert_eq!(
            decode_cell(Some("false"), ColumnType::Boolean),
            Value::Bool(false)
        );
        assert_eq!(decode_cell(None, ColumnType::Text), Value::Null);
        assert!(fits("double precision", &Value::Int(3)));
        assert!(!fits("bigint", &Value::Text("x".to_owned())));
    }
}
