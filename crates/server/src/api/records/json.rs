//! The JSON of a records page written straight from the engine's rows: each row's cells as the
//! store hands them over (text borrowed, not copied into values), the keys rendered once per
//! page instead of escaped again on every row. The bytes are exactly those of serialising
//! [`RecordsResponse`](super::RecordsResponse) with serde_json (a test compares them): every
//! value but plain text goes through serde_json itself, and text that serde_json would escape
//! too.

use serde::Serialize;
use store::records::{OutputField, PageSummary, RawCell};

use super::{FacetDto, field_dtos};
use crate::api::export_rows::JsonRows;

/// The `results` array of a page, row by row.
#[derive(Default)]
pub(crate) struct RowsJson {
    /// The row writer, made at the first row from its columns (exports write rows the same way).
    writer: Option<JsonRows>,
    /// The rows written so far, comma-separated, without the enclosing brackets.
    out: Vec<u8>,
}

impl RowsJson {
    /// Appends one row as an object keyed by the column names, in column order.
    pub(crate) fn push_row(&mut self, columns: &[OutputField], cells: &[RawCell<'_>]) {
        let writer = match &mut self.writer {
            Some(writer) => {
                self.out.push(b',');
                writer
            }
            None => self
                .writer
                .insert(JsonRows::new(columns.iter().map(|c| c.name.as_str()))),
        };
        writer.row(&mut self.out, cells);
    }
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
    use model::{ColumnType, Value};
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
            // Dates and times handed over as their text, as the store lends canonical ones.
            let printed: Vec<Option<(String, ColumnType)>> = row
                .iter()
                .map(|value| match value {
                    Value::Date(date) => Some((date.to_string(), ColumnType::Date)),
                    Value::Time(time) => Some((time.to_string(), ColumnType::Time)),
                    Value::DateTime(at) => Some((at.to_string(), ColumnType::DateTime)),
                    _ => None,
                })
                .collect();
            let cells: Vec<RawCell<'_>> = row
                .iter()
                .zip(&printed)
                .map(|(value, printed)| match (value, printed) {
                    (Value::Text(text), _) => RawCell::Text(text, ColumnType::Text),
                    (_, Some((text, ty))) => RawCell::Text(text, *ty),
                    (other, None) => RawCell::Value(other.clone()),
                })
                .collect();
            json.push_row(&summary.columns, &cells);
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
