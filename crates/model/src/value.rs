//! Typed cells: what a published file's rows are made of once cast by their schema, and the
//! column types of the tables they are loaded into.

use jiff::civil::{Date, DateTime, Time};

use crate::codes::code_enum;

code_enum!(
    /// The type of a column of a version's table (a coarser view of Table Schema types).
    ColumnType, "type de colonne" {
        Boolean = "boolean",
        Integer = "integer",
        Number = "number",
        Text = "text",
        Date = "date",
        Time = "time",
        /// A date and time, as written (time zones normalised to UTC by the caller when present).
        DateTime = "datetime",
        /// Objects, arrays, GeoJSON geometries.
        Json = "json",
    }
);

impl ColumnType {
    /// Whether values of this type can be compared and sorted, hence indexed.
    pub fn is_scalar(self) -> bool {
        self != ColumnType::Json
    }

    /// Whether the column takes part in full-text search.
    pub fn is_searchable(self) -> bool {
        self == ColumnType::Text
    }
}

/// A named, typed column.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ColumnDef {
    pub name: String,
    pub ty: ColumnType,
}

impl ColumnDef {
    pub fn new(name: impl Into<String>, ty: ColumnType) -> Self {
        ColumnDef {
            name: name.into(),
            ty,
        }
    }
}

/// One cell.
///
/// A cell's variant need not match its column's type exactly: `Null` fits every column, and the
/// store keeps whatever it is given (a lenient publication may carry text in a number column).
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Text(String),
    Date(Date),
    Time(Time),
    DateTime(DateTime),
    Json(serde_json::Value),
}

impl Value {
    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }
}

impl From<&str> for Value {
    fn from(text: &str) -> Self {
        Value::Text(text.to_owned())
    }
}

impl From<String> for Value {
    fn from(text: String) -> Self {
        Value::Text(text)
    }
}

impl From<i64> for Value {
    fn from(number: i64) -> Self {
        Value::Int(number)
    }
}

impl From<f64> for Value {
    fn from(number: f64) -> Self {
        Value::Float(number)
    }
}

impl From<bool> for Value {
    fn from(flag: bool) -> Self {
        Value::Bool(flag)
    }
}

impl<T: Into<Value>> From<Option<T>> for Value {
    fn from(option: Option<T>) -> Self {
        option.map_or(Value::Null, Into::into)
    }
}
