//! The JSON of a records page written straight from the engine's rows: each row's cells as the
//! store hands them over (text borrowed, not copied into values), the keys rendered once per
//! page instead of escaped again on every row. The bytes are exactly those of serialising
//! [`RecordsResponse`](super::RecordsResponse) with serde_json (a test compares them): every
//! value but plain text goes through serde_json itself, and text that serde_json would escape
//! too.

use model::Value;
use serde::Serialize;
use store::records::{OutputField, PageCell, PageSummary};

use super::{CellRef, FacetDto, field_dtos};

/// The `results` array of a page, row by row.
#[derive(Debug, Default)]
pub(crate) struct RowsJson {
    /// `"name":` of each result column, rendered at the first row.
    keys: Vec<Vec<u8>>,
    /// The rows written so far, comma-separated, without the enclosing brackets.
    out: Vec<u8>,
    rows: usize,
}

impl RowsJson {
    /// Appends one row as an object keyed by the column names, in column order.
    pub(crate) fn push_row(
        &mut self,
        columns: &[OutputField],
        cells: &[PageCell<'_>],
    ) -> serde_json::Result<()> {
        if self.keys.len() != columns.len() {
            self.keys = columns.iter().map(rendered_key).collect::<Result<_, _>>()?;
        }
        if self.rows > 0 {
            self.out.push(b',');
        }
        self.out.push(b'{');
        for (i, (key, cell)) in self.keys.iter().zip(cells).enumerate() {
            if i > 0 {
                self.out.push(b',');
            }
            self.out.extend_from_slice(key);
            match cell {
                PageCell::Text(text) => write_text(&mut self.out, text)?,
                PageCell::Value(value) => write_value(&mut self.out, value)?,
            }
        }
        self.out.push(b'}');
        self.rows += 1;
        Ok(())
    }
}

/// `"name":`, the name escaped as serde_json escapes a map key.
fn rendered_key(column: &OutputField) -> serde_json::Result<Vec<u8>> {
    let mut key = serde_json::to_vec(&column.name)?;
    key.push(b':');
    Ok(key)
}

fn write_value(out: &mut Vec<u8>, value: &Value) -> serde_json::Result<()> {
    serde_json::to_writer(out, &CellRef(value))
}

/// A JSON string: copied between quotes when nothing in it needs escaping (nearly always),
/// else written by serde_json.
fn write_text(out: &mut Vec<u8>, text: &str) -> serde_json::Result<()> {
    if needs_escape(text.as_bytes()) {
        return serde_json::to_writer(out, text);
    }
    out.reserve(text.len() + 2);
    out.push(b'"');
    out.extend_from_slice(text.as_bytes());
    out.push(b'"');
    Ok(())
}

/// Whether serde_json escapes anything in `bytes`: it escapes control characters, the quote and
/// the backslash, nothing else (neither `/`, nor DEL, nor non-ASCII). Folded without an early
/// exit, so that the compiler checks many bytes at once.
fn needs_escape(bytes: &[u8]) -> bool {
    bytes.iter().fold(false, |found, &byte| {
        found | (byte < 0x20) | (byte == b'"') | (byte == b'\\')
    })
}

/// The whole page: `summary` around the rows, the `next` link already built.
pub(crate) fn page_json(
    summary: PageSummary,
    next: Option<String>,
    rows: RowsJson,
) -> serde_json::Result<Vec<u8>> {
    let PageSummary {
        columns,
        has_more: _,
        next_cursor,
        total_count,
        total_is_estimate,
        facets,
    } = summary;
    let facets: Vec<FacetDto> = facets.into_iter().map(FacetDto::from).collect();
    let mut out = Vec::with_capacity(rows.out.len() + 1024);
    out.push(b'{');
    if let Some(total) = total_count {
        entry(&mut out, "total_count", &total)?;
        out.push(b',');
    }
    entry(&mut out, "total_count_is_estimate", &total_is_estimate)?;
    out.push(b',');
    entry(&mut out, "next_cursor", &next_cursor)?;
    out.push(b',');
    entry(&mut out, "next", &next)?;
    out.push(b',');
    entry(&mut out, "fields", &field_dtos(&columns))?;
    out.extend_from_slice(b",\"results\":[");
    out.extend_from_slice(&rows.out);
    out.extend_from_slice(b"],");
    entry(&mut out, "facets", &facets)?;
    out.push(b'}');
    Ok(out)
}

/// `"key":value` (the key needs no escaping).
fn entry(out: &mut Vec<u8>, key: &str, value: &impl Serialize) -> serde_json::Result<()> {
    out.push(b'"');
    out.extend_from_slice(key.as_bytes());
    out.extend_from_slice(b"\":");
    serde_json::to_writer(out, value)
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use jiff::civil::{Date, DateTime, Time};
    use model::ColumnType;
    use proptest::prelude::*;
    use store::records::Facet;

    use super::super::{RecordDto, RecordsResponse};
    use super::*;

    /// The bytes serde_json gives for the documented response (what the API wrote before).
    fn serialized(summary: &PageSummary, next: Option<String>, rows: &[Vec<Value>]) -> Vec<u8> {
        let names: Arc<[String]> = summary.columns.iter().map(|c| c.name.clone()).collect();
        let response = RecordsResponse {
            total_count: summary.total_count,
            total_count_is_estimate: summary.total_is_estimate,
            next_cursor: summary.next_cursor.clone(),
            next,
            fields: field_dtos(&summary.columns),
            results: rows
                .iter()
                .map(|values| RecordDto {
                    names: Arc::clone(&names),
                    values: values.clone(),
                })
                .collect(),
            facets: summary.facets.iter().cloned().map(FacetDto::from).collect(),
        };
        serde_json::to_vec(&response).unwrap()
    }

    /// The bytes the handler writes, text cells handed over borrowed as the store does.
    fn written(summary: &PageSummary, next: Option<String>, rows: &[Vec<Value>]) -> Vec<u8> {
        let mut json = RowsJson::default();
        for row in rows {
            let cells: Vec<PageCell<'_>> = row
                .iter()
                .map(|value| match value {
                    Value::Text(text) => PageCell::Text(text),
                    other => PageCell::Value(other.clone()),
                })
                .collect();
            json.push_row(&summary.columns, &cells).unwrap();
        }
        page_json(summary.clone(), next, json).unwrap()
    }

    fn summary(columns: &[(&str, ColumnType)], facets: Vec<Facet>) -> PageSummary {
        PageSummary {
            columns: columns
                .iter()
                .map(|(name, ty)| OutputField {
                    name: (*name).to_owned(),
                    ty: *ty,
                })
                .collect(),
            has_more: true,
            next_cursor: Some("abc".to_owned()),
            total_count: Some(12),
            total_is_estimate: false,
            facets,
        }
    }

    #[test]
    fn every_kind_of_cell_and_odd_text_is_written_as_serde_json_writes_it() {
        let odd = [
            "",
            "plain",
            "guillemets \" et \\ barre",
            "contrôle \u{0}\u{1}\n\r\t\u{1f} fin",
            "DEL \u{7f}, barre / et </script>",
            "accents éèà, ligature œ, emoji 😀, chinois 汉字",
            "\u{2028}\u{2029} séparateurs",
        ];
        let columns = [
            ("texte \"clé\"\n", ColumnType::Text),
            ("entier", ColumnType::Integer),
            ("nombre", ColumnType::Number),
            ("booléen", ColumnType::Boolean),
            ("date", ColumnType::Date),
            ("heure", ColumnType::Time),
            ("horodatage", ColumnType::DateTime),
            ("json", ColumnType::Json),
        ];
        let rows: Vec<Vec<Value>> = odd
            .iter()
            .enumerate()
            .map(|(i, text)| {
                vec![
                    Value::Text((*text).to_owned()),
                    Value::Int(i64::MIN + i as i64),
                    Value::Float(
                        [0.1, -0.0, 1e300, f64::NAN, f64::INFINITY, 2.5e-310, 12.0][i % 7],
                    ),
                    Value::Bool(i % 2 == 0),
                    Value::Date(Date::new(2024, 2, 29).unwrap()),
                    Value::Time(Time::new(23, 59, 1, 500_000_000).unwrap()),
                    Value::DateTime(DateTime::constant(2024, 3, 5, 6, 7, 8, 0)),
                    Value::Json(serde_json::json!({"b": [text, 1.5], "a": null})),
                ]
            })
            .chain([vec![Value::Null; 8]])
            .collect();
        let facets = vec![Facet {
            field: "nature \"x\"".to_owned(),
            values: vec![(Value::Text(odd[3].to_owned()), 3), (Value::Null, 1)],
        }];
        let page = summary(&columns, facets);
        for next in [
            None,
            Some("/api/v1/resources/1/records?cursor=x".to_owned()),
        ] {
            assert_eq!(
                String::from_utf8(written(&page, next.clone(), &rows)).unwrap(),
                String::from_utf8(serialized(&page, next, &rows)).unwrap()
            );
        }
        // No rows, no columns, no count.
        let empty = PageSummary {
            total_count: None,
            next_cursor: None,
            ..summary(&[], Vec::new())
        };
        assert_eq!(written(&empty, None, &[]), serialized(&empty, None, &[]));
        assert_eq!(
            written(&empty, None, &[Vec::new()]),
            serialized(&empty, None, &[Vec::new()])
        );
    }

    fn any_value() -> impl Strategy<Value = Value> {
        prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(Value::Int),
            any::<f64>().prop_map(Value::Float),
            any::<String>().prop_map(Value::Text),
            "[\"\\\\\\x00-\\x1f\\x7féa ]{0,12}".prop_map(Value::Text),
            (1i16..=9999, 1i8..=12, 1i8..=28)
                .prop_map(|(y, m, d)| Value::Date(Date::new(y, m, d).unwrap())),
            (0i8..24, 0i8..60, 0i8..60, 0i32..1_000_000_000)
                .prop_map(|(h, m, s, n)| Value::Time(Time::new(h, m, s, n).unwrap())),
            (any::<String>(), any::<i32>()).prop_map(|(key, n)| {
                let mut object = serde_json::Map::new();
                object.insert(key, serde_json::json!([n, null, 0.25]));
                Value::Json(serde_json::Value::Object(object))
            }),
        ]
    }

    proptest! {
        #[test]
        fn any_page_is_written_as_serde_json_writes_it(
            names in prop::collection::vec(any::<String>(), 0..5),
            rows in prop::collection::vec(prop::collection::vec(any_value(), 5), 0..4),
            total_count in any::<Option<u64>>(),
            next_cursor in any::<Option<String>>(),
        ) {
            let columns: Vec<(&str, ColumnType)> =
                names.iter().map(|name| (name.as_str(), ColumnType::Text)).collect();
            let rows: Vec<Vec<Value>> =
                rows.into_iter().map(|row| row[..names.len()].to_vec()).collect();
            let page = PageSummary {
                total_count,
                next_cursor: next_cursor.clone(),
                ..summary(&columns, Vec::new())
            };
            prop_assert_eq!(
                written(&page, next_cursor.clone(), &rows),
                serialized(&page, next_cursor, &rows)
            );
        }
    }
}
