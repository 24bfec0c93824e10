//! Column types for files published without a schema, inferred from every cell.
//!
//! The result is an ordinary Table Schema descriptor, so inferred files go through the same
//! validator and loader as declared ones. French forms are understood: decimal commas
//! (`12,5`), dates written `JJ/MM/AAAA`. Codes with leading zeros (`01004`, postal and INSEE
//! codes) stay text, or they would lose their zeros.

use serde_json::{Value as Json, json};

/// What every non-empty cell of a column could be read as, so far.
#[derive(Debug, Clone, Copy)]
struct Candidates {
    integer: bool,
    point_decimal: bool,
    comma_decimal: bool,
    iso_date: bool,
    french_date: bool,
    seen: bool,
}

impl Default for Candidates {
    fn default() -> Self {
        Candidates {
            integer: true,
            point_decimal: true,
            comma_decimal: true,
            iso_date: true,
            french_date: true,
            seen: false,
        }
    }
}

/// Accumulates cells column by column; [`Inference::descriptor`] gives the schema.
#[derive(Debug, Default)]
pub struct Inference {
    names: Vec<String>,
    columns: Vec<Candidates>,
}

impl Inference {
    pub fn new(header: &[&str]) -> Inference {
        Inference {
            names: header.iter().map(|name| (*name).to_owned()).collect(),
            columns: vec![Candidates::default(); header.len()],
        }
    }

    /// Narrows each column's candidates with one row's cells.
    pub fn add_row<'a>(&mut self, cells: impl IntoIterator<Item = &'a str>) {
        for (candidates, cell) in self.columns.iter_mut().zip(cells) {
            let cell = cell.trim();
            if cell.is_empty() {
                continue;
            }
            candidates.seen = true;
            candidates.integer &= is_integer(cell);
            candidates.point_decimal &= is_decimal(cell, '.');
            candidates.comma_decimal &= is_decimal(cell, ',');
            candidates.iso_date &= is_iso_date(cell);
            candidates.french_date &= is_french_date(cell);
        }
    }

    /// A Table Schema descriptor with one field per header label.
    pub fn descriptor(&self) -> Json {
        let fields: Vec<Json> = self
            .names
            .iter()
            .zip(&self.columns)
            .map(|(name, candidates)| field(name, candidates))
            .collect();
        json!({ "fields": fields })
    }
}

fn field(name: &str, candidates: &Candidates) -> Json {
    if !candidates.seen {
        return json!({ "name": name, "type": "string" });
    }
    if candidates.integer {
        json!({ "name": name, "type": "integer" })
    } else if candidates.point_decimal {
        json!({ "name": name, "type": "number" })
    } else if candidates.comma_decimal {
        json!({ "name": name, "type": "number", "decimalChar": "," })
    } else if candidates.iso_date {
        json!({ "name": name, "type": "date" })
    } else if candidates.french_date {
        json!({ "name": name, "type": "date", "format": "%d/%m/%Y" })
    } else {
        json!({ "name": name, "type": "string" })
    }
}

/// Digits with an optional sign, and no leading zero (a leading zero means a code).
fn is_integer(cell: &str) -> bool {
    let digits = cell.strip_prefix('-').unwrap_or(cell);
    !digits.is_empty()
        && digits.len() <= 18
        && digits.bytes().all(|byte| byte.is_ascii_digit())
        && (digits == "0" || !digits.starts_with('0'))
}

/// An integer part, then optionally `separator` and decimals.
fn is_decimal(cell: &str, separator: char) -> bool {
    match cell.split_once(separator) {
        None => is_integer(cell),
        Some((whole, decimals)) => {
            let whole_ok = whole == "-0" || whole == "0" || is_integer(whole);
            whole_ok && !decimals.is_empty() && decimals.bytes().all(|byte| byte.is_ascii_digit())
        }
    }
}

fn is_iso_date(cell: &str) -> bool {
    let bytes = cell.as_bytes();
    bytes.len() == 10
        && bytes[4] == b'-'
        && bytes[7] == b'-'
        && plausible_date(&cell[0..4], &cell[5..7], &cell[8..10])
}

fn is_french_date(cell: &str) -> bool {
    let bytes = cell.as_bytes();
    bytes.len() == 10
        && bytes[2] == b'/'
        && bytes[5] == b'/'
        && plausible_date(&cell[6..10], &cell[3..5], &cell[0..2])
}

fn plausible_date(year: &str, month: &str, day: &str) -> bool {
    let number = |text: &str| -> Option<u32> {
        text.bytes()
            .all(|byte| byte.is_ascii_digit())
            .then(|| text.parse().ok())?
    };
    matches!(
        (number(year), number(month), number(day)),
        (Some(1..=9999), Some(1..=12), Some(1..=31))
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn infer(rows: &[&[&str]]) -> Vec<Json> {
        let mut inference = Inference::new(rows[0]);
        for row in &rows[1..] {
            inference.add_row(row.iter().copied());
        }
        inference.descriptor()["fields"].as_array().unwrap().clone()
    }

    #[test]
    fn french_forms_are_understood_and_codes_stay_text() {
        let fields = infer(&[
            &[
                "code_insee",
                "population",
                "montant",
                "taux",
                "date",
                "le",
                "nom",
            ],
            &[
                "01004",
                "14000",
                "12,5",
                "0.25",
                "2024-03-05",
                "05/03/2024",
                "Ambérieu",
            ],
            &[
                "31555",
                "-3",
                "7",
                "1",
                "2024-12-31",
                "31/12/2024",
                "Toulouse",
            ],
            &["", "", "", "", "", "", ""],
        ]);
        let kinds: Vec<_> = fields
            .iter()
            .map(|field| {
                (
                    field["type"].as_str().unwrap(),
                    field
                        .get("decimalChar")
                        .or(field.get("format"))
                        .and_then(Json::as_str),
                )
            })
            .collect();
        assert_eq!(
            kinds,
            [
                ("string", None),
                ("integer", None),
                ("number", Some(",")),
                ("number", None),
                ("date", None),
                ("date", Some("%d/%m/%Y")),
                ("string", None),
            ]
        );
    }

    #[test]
    fn an_empty_column_is_text_and_impossible_dates_are_not_dates() {
        let fields = infer(&[&["vide", "faux"], &["", "2024-13-45"]]);
        assert_eq!(fields[0]["type"], "string");
        assert_eq!(fields[1]["type"], "string");
    }
}
