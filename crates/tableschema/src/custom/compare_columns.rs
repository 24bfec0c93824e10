//! `compare-columns-value`: `column op column2` must hold on every row where both are filled.
//!
//! Validata compares the cast values: numbers numerically, dates chronologically (through their
//! ISO text), text lexicographically (by Unicode code points), and skips the row when either
//! cell is empty or failed its type check. Socle gets the raw text, so it reads each cell the
//! way Frictionless casts it by default: a number when the text is a number, a date when it is a
//! `%Y-%m-%d` date (Python's `strptime`, so `2024-1-5` too); both numbers compare as numbers,
//! both dates as dates, anything else as text. For the bundled schemas (integer/integer and
//! default-format date/date columns) this is exactly Validata's verdict. Validata's "values not
//! comparable" error (e.g. a date column against an integer column) is never raised: such
//! cells are compared as text.

use super::number::Decimal;
use super::params::{Column, Params};
use super::{BuildError, CustomCheck, CustomError, cell};
use std::cmp::Ordering;

pub(crate) const NAME: &str = "compare-columns-value";

/// The comparison operators Validata accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CompareOp {
    Greater,
    GreaterOrEqual,
    Equal,
    LessOrEqual,
    Less,
}

impl CompareOp {
    /// Reads `>`, `>=`, `==`, `<=` or `<`.
    pub fn parse(text: &str) -> Option<Self> {
        Some(match text {
            ">" => Self::Greater,
            ">=" => Self::GreaterOrEqual,
            "==" => Self::Equal,
            "<=" => Self::LessOrEqual,
            "<" => Self::Less,
            _ => return None,
        })
    }

    /// Whether `left op right` holds given how `left` compares to `right`.
    pub fn holds(self, ordering: Ordering) -> bool {
        match self {
            Self::Greater => ordering.is_gt(),
            Self::GreaterOrEqual => ordering.is_ge(),
            Self::Equal => ordering.is_eq(),
            Self::LessOrEqual => ordering.is_le(),
            Self::Less => ordering.is_lt(),
        }
    }

    /// Validata's French wording (« devrait être {label} à »).
    pub fn label_fr(self) -> &'static str {
        match self {
            Self::Greater => "supérieure",
            Self::GreaterOrEqual => "supérieure ou égale",
            Self::Equal => "égale",
            Self::LessOrEqual => "inférieure ou égale",
            Self::Less => "inférieure",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            Self::Greater => "greater than",
            Self::GreaterOrEqual => "greater than or equal to",
            Self::Equal => "equal to",
            Self::LessOrEqual => "less than or equal to",
            Self::Less => "less than",
        }
    }
}

/// A cell read the way Frictionless would cast it by default.
#[derive(Debug, Clone, Copy)]
pub enum Comparable<'a> {
    Number(NumberValue),
    /// (year, month, day)
    Date(u16, u8, u8),
    Text(&'a str),
}

/// An exact number read from a cell (opaque; see [`Comparable::compare`]).
#[derive(Debug, Clone, Copy)]
pub struct NumberValue(Decimal);

impl<'a> Comparable<'a> {
    pub fn read(text: &'a str) -> Self {
        if let Some(number) = Decimal::parse(text) {
            Comparable::Number(NumberValue(number))
        } else if let Some((year, month, day)) = parse_strptime_date(text) {
            Comparable::Date(year, month, day)
        } else {
            Comparable::Text(text)
        }
    }

    /// How `self` compares to `other`, with the text of both as the fallback.
    pub fn compare(self, other: Self, self_text: &str, other_text: &str) -> Ordering {
        match (self, other) {
            (Comparable::Number(a), Comparable::Number(b)) => {
                a.0.compare(b.0)
                    .unwrap_or_else(|| self_text.cmp(other_text))
            }
            (Comparable::Date(y1, m1, d1), Comparable::Date(y2, m2, d2)) => {
                (y1, m1, d1).cmp(&(y2, m2, d2))
            }
            _ => self_text.cmp(other_text),
        }
    }

    fn kind_fr(self) -> &'static str {
        match self {
            Comparable::Number(_) => "nombres",
            Comparable::Date(..) => "dates",
            Comparable::Text(_) => "textes, ordre alphabétique des caractères",
        }
    }

    fn kind_en(self) -> &'static str {
        match self {
            Comparable::Number(_) => "numbers",
            Comparable::Date(..) => "dates",
            Comparable::Text(_) => "text, character order",
        }
    }
}

/// Python's `datetime.strptime(text, "%Y-%m-%d")`: 4-digit year, 1-2 digit month, 1-2 digit
/// day (or a space and one digit), and a day that exists.
fn parse_strptime_date(text: &str) -> Option<(u16, u8, u8)> {
    let mut parts = text.splitn(3, '-');
    let (year, month, day) = (parts.next()?, parts.next()?, parts.next()?);
    let number = |part: &str, max_len: usize| -> Option<u32> {
        let part = part
            .strip_prefix(' ')
            .filter(|p| p.len() == 1)
            .unwrap_or(part);
        let valid =
            !part.is_empty() && part.len() <= max_len && part.bytes().all(|b| b.is_ascii_digit());
        valid.then(|| part.parse().ok()).flatten()
    };
    if year.len() != 4 || month.starts_with(' ') {
        return None;
    }
    let year = u16::try_from(number(year, 4)?).ok()?;
    let month = u8::try_from(number(month, 2)?).ok()?;
    let day = u8::try_from(number(day, 2)?).ok()?;
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    let days_in_month = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return None,
    };
    (year >= 1 && (1..=days_in_month).contains(&day)).then_some((year, month, day))
}

/// The configured `compare-columns-value` check.
#[derive(Debug)]
pub(crate) struct CompareColumnsValue {
    column: Column,
    column2: Column,
    op: CompareOp,
}

impl CompareColumnsValue {
    pub fn build(params: &Params) -> Result<Self, BuildError> {
        let op_text = params.string("op")?;
        let op = CompareOp::parse(op_text).ok_or_else(|| {
            params.invalid(
                format!(
                    "l'opérateur « {op_text} » n'est pas géré ; utilisez « > », « >= », « == », \
                     « <= » ou « < »"
                ),
                format!("operator `{op_text}` is not supported; use >, >=, ==, <= or <"),
            )
        })?;
        Ok(Self {
            column: params.column("column")?,
            column2: params.column("column2")?,
            op,
        })
    }
}

impl CustomCheck for CompareColumnsValue {
    fn name(&self) -> &'static str {
        NAME
    }

    fn check_row(&self, cells: &[Option<&str>], out: &mut Vec<CustomError>) {
        let (Some(left), Some(right)) = (
            cell(cells, self.column.index),
            cell(cells, self.column2.index),
        ) else {
            return;
        };
        let (left_value, right_value) = (Comparable::read(left), Comparable::read(right));
        let ordering = left_value.compare(right_value, left, right);
        if self.op.holds(ordering) {
            return;
        }
        let kind = match (left_value, right_value) {
            (Comparable::Number(_), Comparable::Number(_))
            | (Comparable::Date(..), Comparable::Date(..)) => left_value,
            _ => Comparable::Text(left),
        };
        let (name1, name2) = (&self.column.name, &self.column2.name);
        out.push(CustomError {
            code: NAME,
            field_index: Some(self.column.index),
            cell: left.to_owned(),
            message_fr: format!(
                "La valeur de la colonne {name1} « {left} » devrait être {} à la valeur de la \
                 colonne {name2} « {right} » (comparaison de {}). Corrigez l'une des deux \
                 valeurs.",
                self.op.label_fr(),
                kind.kind_fr()
            ),
            message_en: format!(
                "The value of column {name1} `{left}` should be {} the value of column \
                 {name2} `{right}` (comparing {}). Fix one of the two values.",
                self.op.label_en(),
                kind.kind_en()
            ),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn check(op: &str) -> CompareColumnsValue {
        let entry = json!({"name": NAME, "params": {"column": "a", "op": op, "column2": "b"}});
        let lookup = |name: &str| ["a", "b"].iter().position(|f| *f == name);
        CompareColumnsValue::build(&Params::new(NAME, &entry, &lookup).unwrap()).unwrap()
    }

    fn errors(op: &str, a: Option<&str>, b: Option<&str>) -> Vec<CustomError> {
        let mut out = Vec::new();
        check(op).check_row(&[a, b], &mut out);
        out
    }

    #[test]
    fn numbers_compare_numerically() {
        assert!(errors(">=", Some("10"), Some("9")).is_empty());
        assert_eq!(errors(">=", Some("9"), Some("10")).len(), 1);
        assert!(errors("==", Some("1.5"), Some("1.50")).is_empty());
        assert!(errors("<", Some("-5"), Some("-4")).is_empty());
    }

    #[test]
    fn dates_compare_chronologically_even_unpadded() {
        assert!(errors(">=", Some("2024-1-10"), Some("2024-01-09")).is_empty());
        let found = errors(">=", Some("2024-2-1"), Some("2024-10-01"));
        assert_eq!(found.len(), 1);
        assert!(found[0].message_fr.contains("comparaison de dates"));
        assert_eq!(found[0].field_index, Some(0));
        assert_eq!(found[0].cell, "2024-2-1");
    }

    #[test]
    fn text_compares_by_code_points() {
        assert!(errors(">", Some("b"), Some("a")).is_empty());
        assert_eq!(errors(">", Some("B"), Some("a")).len(), 1);
        assert!(errors(">", Some("é"), Some("z")).is_empty());
    }

    #[test]
    fn empty_or_untyped_cells_skip_the_row() {
        assert!(errors(">", None, Some("3")).is_empty());
        assert!(errors(">", Some("3"), None).is_empty());
        let mut out = Vec::new();
        check(">").check_row(&[Some("1")], &mut out);
        assert!(out.is_empty(), "a short row has no second cell");
    }

    #[test]
    fn refuses_unknown_operators() {
        let entry = json!({"name": NAME, "params": {"column": "a", "op": "!=", "column2": "b"}});
        let lookup = |name: &str| ["a", "b"].iter().position(|f| *f == name);
        let params = Params::new(NAME, &entry, &lookup).unwrap();
        assert!(CompareColumnsValue::build(&params).is_err());
    }

    #[test]
    fn strptime_dates() {
        assert_eq!(parse_strptime_date("2024-02-29"), Some((2024, 2, 29)));
        assert_eq!(parse_strptime_date("2023-02-29"), None);
        assert_eq!(parse_strptime_date("2024-1-5"), Some((2024, 1, 5)));
        assert_eq!(parse_strptime_date("2024-01- 5"), Some((2024, 1, 5)));
        assert_eq!(parse_strptime_date("24-01-05"), None);
        assert_eq!(parse_strptime_date("2024-13-01"), None);
        assert_eq!(parse_strptime_date("2024-01-001"), None);
    }
}
