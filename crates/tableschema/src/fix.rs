//! Mechanical, safe fixes of cells: what the publishing wizard offers to correct for the
//! publisher, showing every change before anything is published.
//!
//! A fix is proposed only when it is **mechanical** (no guess about meaning: reformatting a date
//! written `JJ/MM/AAAA`, a decimal comma, spaces inside a number, surrounding spaces, `oui`/`non`
//! for a boolean) and **safe**: the cell as it is fails its field (type or constraint) and the
//! corrected cell passes it. A valid cell is never touched, and a fix never produces an invalid
//! cell, so applying every proposal can only remove errors.
//!
//! [`propose`] looks at one cell; [`Fixer`] applies proposals row after row (the caller streams
//! the file: this crate does no I/O) and lists each [`Change`].

use std::fmt;

use crate::schema::{Field, FieldType, Schema};

/// The kinds of mechanical fixes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum FixKind {
    /// A date written `JJ/MM/AAAA` (or `JJ.MM.AAAA`, `JJ-MM-AAAA`) rewritten `AAAA-MM-JJ`.
    IsoDate,
    /// A decimal comma replaced by a point.
    DecimalPoint,
    /// Spaces between the digits of a number or identifier (SIRET, SIREN, thousands) removed.
    DigitSpaces,
    /// A French or abbreviated boolean (`oui`, `non`, `vrai`, `faux`, `o`, `n`) replaced by the
    /// field's own true or false value.
    Boolean,
    /// Spaces before or after the value removed.
    Trim,
}

impl FixKind {
    /// Every kind, in the order the wizard lists them.
    pub const ALL: [FixKind; 5] = [
        FixKind::IsoDate,
        FixKind::DecimalPoint,
        FixKind::DigitSpaces,
        FixKind::Boolean,
        FixKind::Trim,
    ];

    /// A stable code (forms, JSON).
    pub fn code(self) -> &'static str {
        match self {
            FixKind::IsoDate => "iso-date",
            FixKind::DecimalPoint => "decimal-point",
            FixKind::DigitSpaces => "digit-spaces",
            FixKind::Boolean => "boolean",
            FixKind::Trim => "trim",
        }
    }

    /// The kind a code names.
    pub fn from_code(code: &str) -> Option<FixKind> {
        FixKind::ALL.into_iter().find(|kind| kind.code() == code)
    }

    /// What the fix does, for the publisher.
    pub fn describe_fr(self) -> &'static str {
        match self {
            FixKind::IsoDate => "dates JJ/MM/AAAA réécrites au format AAAA-MM-JJ",
            FixKind::DecimalPoint => "virgules décimales remplacées par des points",
            FixKind::DigitSpaces => {
                "espaces retirées à l'intérieur des nombres et identifiants (SIRET, SIREN)"
            }
            FixKind::Boolean => "oui/non (vrai/faux, o/n) remplacés par les valeurs du schéma",
            FixKind::Trim => "espaces retirées au début et à la fin des cellules",
        }
    }
}

impl fmt::Display for FixKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// A proposed fix of one cell.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fix {
    /// The main transformation (a date that also had surrounding spaces is an [`FixKind::IsoDate`]).
    pub kind: FixKind,
    /// The corrected cell.
    pub after: String,
}

/// One applied change, as listed to the publisher.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// Row number as in validation reports (the header is row 1).
    pub row: u64,
    /// Column position in the file, from 1.
    pub column: usize,
    pub field: String,
    pub kind: FixKind,
    pub before: String,
    pub after: String,
}

/// The fix of `cell` for `field`, when one is mechanical and safe (see the module docs).
pub fn propose(field: &Field, cell: &str) -> Option<Fix> {
    if is_valid(field, cell) {
        return None;
    }
    let trimmed = cell.trim_matches(is_space);
    let specific = match field.kind {
        FieldType::Date => iso_date(trimmed).map(|after| (FixKind::IsoDate, after)),
        FieldType::Number => decimal_number(trimmed, field.decimal_char()),
        FieldType::Integer | FieldType::String => {
            without_digit_spaces(trimmed).map(|after| (FixKind::DigitSpaces, after))
        }
        FieldType::Boolean => boolean(field, trimmed).map(|after| (FixKind::Boolean, after)),
        _ => None,
    };
    let candidates = specific
        .into_iter()
        .chain((trimmed != cell).then(|| (FixKind::Trim, trimmed.to_owned())));
    for (kind, after) in candidates {
        if after != cell && is_valid(field, &after) {
            return Some(Fix { kind, after });
        }
    }
    None
}

/// True when the cell passes its field: type and per-cell constraints.
fn is_valid(field: &Field, cell: &str) -> bool {
    let mut violations = Vec::new();
    let (_, type_error) = field.read_cell(Some(cell), &mut violations);
    !type_error && violations.is_empty()
}

/// Spaces a spreadsheet or a word processor leaves: ordinary, no-break and narrow no-break.
fn is_space(c: char) -> bool {
    c.is_whitespace() || c == '\u{a0}' || c == '\u{202f}'
}

/// `JJ/MM/AAAA` (one or two digits for day and month; `/`, `.` or `-` between them, the same
/// twice) → `AAAA-MM-JJ`, when it is a real calendar date.
fn iso_date(text: &str) -> Option<String> {
    let separator = text.chars().find(|c| !c.is_ascii_digit())?;
    if !matches!(separator, '/' | '.' | '-') {
        return None;
    }
    let mut parts = text.split(separator);
    let (day, month, year) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some()
        || !(1..=2).contains(&day.len())
        || !(1..=2).contains(&month.len())
        || year.len() != 4
    {
        return None;
    }
    let day: u32 = digits_value(day)?;
    let month: u32 = digits_value(month)?;
    let year: u32 = digits_value(year)?;
    (day >= 1 && day <= days_in_month(year, month)?)
        .then(|| format!("{year:04}-{month:02}-{day:02}"))
}

fn digits_value(text: &str) -> Option<u32> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

fn days_in_month(year: u32, month: u32) -> Option<u32> {
    let leap = (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400);
    Some(match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return None,
    })
}

/// A number written the French way: `1 234,56`, `12,5`, `-0,75`. Spaces between groups of three
/// digits go, the one decimal comma becomes the field's decimal character.
fn decimal_number(text: &str, decimal_char: &str) -> Option<(FixKind, String)> {
    let (sign, unsigned) = match text.strip_prefix(['-', '+']) {
        Some(rest) => (&text[..1], rest),
        None => ("", text),
    };
    let (integer_part, fraction) = match unsigned.split_once(',') {
        Some((integer, fraction)) if decimal_char != "," => (integer, Some(fraction)),
        _ => (unsigned, None),
    };
    let integer = grouped_digits(integer_part)?;
    let kind = match fraction {
        Some(fraction) => {
            if fraction.is_empty() || !fraction.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            FixKind::DecimalPoint
        }
        None if integer != integer_part => FixKind::DigitSpaces,
        None => return None,
    };
    let mut after = format!("{sign}{integer}");
    if let Some(fraction) = fraction {
        after.push_str(decimal_char);
        after.push_str(fraction);
    }
    Some((kind, after))
}

/// Digits, possibly in groups of three separated by single spaces (`1 234 567`): the digits
/// alone. Anything else (letters, irregular groups) is not a number written with spaces.
fn grouped_digits(text: &str) -> Option<String> {
    let groups: Vec<&str> = text.split(is_space).collect();
    let all_digits = |group: &str| !group.is_empty() && group.bytes().all(|b| b.is_ascii_digit());
    if !groups.iter().all(|group| all_digits(group)) {
        return None;
    }
    let regular = groups.len() == 1
        || (groups[0].len() <= 3 && groups[1..].iter().all(|group| group.len() == 3));
    regular.then(|| groups.concat())
}

/// Digits separated by spaces (a SIRET `732 829 320 00074`, an amount `12 000`): the digits
/// alone. The field then decides (pattern, type) whether the result is acceptable.
fn without_digit_spaces(text: &str) -> Option<String> {
    let has_space = text.contains(is_space);
    let digits_and_spaces = text.chars().all(|c| c.is_ascii_digit() || is_space(c));
    (has_space && digits_and_spaces && text.starts_with(|c: char| c.is_ascii_digit()))
        .then(|| text.chars().filter(char::is_ascii_digit).collect())
}

/// `oui`/`non`, `vrai`/`faux`, `o`/`n` (any case) → the field's first true or false value.
fn boolean(field: &Field, text: &str) -> Option<String> {
    let (true_values, false_values) = field.boolean_values()?;
    let lower = text.to_lowercase();
    let truth = match lower.as_str() {
        "oui" | "vrai" | "o" | "yes" | "y" | "true" => true,
        "non" | "faux" | "n" | "no" | "false" => false,
        _ => return None,
    };
    let values = if truth { true_values } else { false_values };
    values.first().cloned()
}

/// Applies proposals to rows of a file whose header is known, kind by kind as the publisher
/// accepted them.
#[derive(Debug)]
pub struct Fixer<'a> {
    /// For each column of the file, its field (None: a column the schema does not know).
    columns: Vec<Option<&'a Field>>,
    accepted: Vec<FixKind>,
}

impl<'a> Fixer<'a> {
    /// Columns are matched to fields by name, as validation does.
    pub fn new(schema: &'a Schema, header: &[&str], accepted: &[FixKind]) -> Fixer<'a> {
        let columns = header
            .iter()
            .map(|name| {
                let name = name.trim_matches(is_space);
                schema.fields().iter().find(|field| field.name == name)
            })
            .collect();
        Fixer {
            columns,
            accepted: accepted.to_vec(),
        }
    }

    /// The fix of one cell of column `column` (from 0), if its kind was accepted.
    pub fn propose(&self, column: usize, cell: &str) -> Option<Fix> {
        let field = self.columns.get(column).copied().flatten()?;
        propose(field, cell).filter(|fix| self.accepted.contains(&fix.kind))
    }

    /// Fixes one row in place; each change is passed to `on_change`.
    pub fn fix_row(&self, row: u64, cells: &mut [String], mut on_change: impl FnMut(Change)) {
        for (index, cell) in cells.iter_mut().enumerate() {
            let Some(fix) = self.propose(index, cell) else {
                continue;
            };
            let before = std::mem::replace(cell, fix.after.clone());
            let field = self.columns[index].map(|field| field.name.clone());
            on_change(Change {
                row,
                column: index + 1,
                field: field.unwrap_or_default(),
                kind: fix.kind,
                before,
                after: fix.after,
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn schema() -> Schema {
        let descriptor = json!({
            "fields": [
                {"name": "date", "type": "date"},
                {"name": "montant", "type": "number"},
                {"name": "quantite", "type": "integer"},
                {"name": "siret", "type": "string", "constraints": {"pattern": "^\\d{14}$"}},
                {"name": "bio", "type": "boolean", "trueValues": ["true"], "falseValues": ["false"]},
                {"name": "label", "type": "string", "constraints": {"enum": ["A", "B"]}},
                {"name": "libre", "type": "string"},
                {"name": "heure", "type": "date", "format": "%d/%m/%Y"},
                {"name": "virgule", "type": "number", "decimalChar": ","},
                {"name": "annee", "type": "integer", "constraints": {"maximum": 3000}}
            ]
        });
        Schema::from_json(&descriptor).unwrap().0
    }

    fn fix(column: &str, cell: &str) -> Option<(FixKind, String)> {
        let schema = schema();
        let field = &schema.fields()[schema.field_index(column).unwrap()];
        propose(field, cell).map(|fix| (fix.kind, fix.after))
    }

    fn some(kind: FixKind, after: &str) -> Option<(FixKind, String)> {
        Some((kind, after.to_owned()))
    }

    #[test]
    fn french_dates_become_iso_when_they_are_real_dates() {
        assert_eq!(
            fix("date", "05/03/2024"),
            some(FixKind::IsoDate, "2024-03-05")
        );
        assert_eq!(
            fix("date", "5/3/2024"),
            some(FixKind::IsoDate, "2024-03-05")
        );
        assert_eq!(
            fix("date", " 29.02.2024 "),
            some(FixKind::IsoDate, "2024-02-29")
        );
        assert_eq!(
            fix("date", "31-12-2023"),
            some(FixKind::IsoDate, "2023-12-31")
        );
        assert_eq!(fix("date", "29/02/2023"), None, "not a leap year");
        assert_eq!(fix("date", "31/04/2024"), None);
        assert_eq!(fix("date", "05/03/24"), None, "two-digit years are a guess");
        assert_eq!(fix("date", "05/03-2024"), None);
        assert_eq!(fix("date", "2024-03-05"), None, "already valid");
        assert_eq!(fix("date", "mars 2024"), None);
        assert_eq!(
            fix("heure", "2024-03-05"),
            None,
            "a field that wants JJ/MM/AAAA is not rewritten"
        );
    }

    #[test]
    fn decimal_commas_and_thousands_spaces() {
        assert_eq!(fix("montant", "12,5"), some(FixKind::DecimalPoint, "12.5"));
        assert_eq!(
            fix("montant", "-0,75"),
            some(FixKind::DecimalPoint, "-0.75")
        );
        assert_eq!(
            fix("montant", "1 234 567,89"),
            some(FixKind::DecimalPoint, "1234567.89")
        );
        assert_eq!(
            fix("montant", "1\u{202f}234,5"),
            some(FixKind::DecimalPoint, "1234.5")
        );
        assert_eq!(
            fix("montant", "12 000"),
            some(FixKind::DigitSpaces, "12000")
        );
        assert_eq!(fix("montant", "12.5"), None);
        assert_eq!(fix("montant", "1,234,5"), None, "two commas: ambiguous");
        assert_eq!(fix("montant", "12 34,5"), None, "irregular groups");
        assert_eq!(fix("montant", "12,5 €"), None);
        assert_eq!(
            fix("montant", "1.234,5"),
            None,
            "a point already: ambiguous"
        );
        assert_eq!(
            fix("virgule", "12,5"),
            None,
            "decimalChar ',' makes it valid"
        );
        assert_eq!(fix("quantite", "1 200"), some(FixKind::DigitSpaces, "1200"));
        assert_eq!(fix("quantite", "12,5"), None, "not an integer either way");
    }

    #[test]
    fn spaces_inside_siret_numbers() {
        assert_eq!(
            fix("siret", "732 829 320 00074"),
            some(FixKind::DigitSpaces, "73282932000074")
        );
        assert_eq!(
            fix("siret", "\u{a0}73282932000074 "),
            some(FixKind::Trim, "73282932000074")
        );
        assert_eq!(
            fix("siret", "732 829 320"),
            None,
            "9 digits fail the pattern"
        );
        assert_eq!(fix("libre", "732 829 320 00074"), None, "valid as it is");
    }

    #[test]
    fn french_booleans_use_the_fields_values() {
        assert_eq!(fix("bio", "oui"), some(FixKind::Boolean, "true"));
        assert_eq!(fix("bio", "Non"), some(FixKind::Boolean, "false"));
        assert_eq!(fix("bio", " VRAI "), some(FixKind::Boolean, "true"));
        assert_eq!(fix("bio", "faux"), some(FixKind::Boolean, "false"));
        assert_eq!(fix("bio", "o"), some(FixKind::Boolean, "true"));
        assert_eq!(fix("bio", "n"), some(FixKind::Boolean, "false"));
        assert_eq!(fix("bio", "peut-être"), None);
        assert_eq!(fix("bio", "true"), None);
    }

    #[test]
    fn surrounding_spaces_only_when_they_make_the_cell_fail() {
        assert_eq!(fix("label", "A "), some(FixKind::Trim, "A"));
        assert_eq!(fix("label", " C "), None, "still not in the enum");
        assert_eq!(
            fix("libre", " texte "),
            None,
            "a valid string is left alone"
        );
        assert_eq!(
            fix("quantite", " 12"),
            None,
            "frictionless reads integers with spaces around: nothing to fix"
        );
        assert_eq!(
            fix("siret", "73282932000074 "),
            some(FixKind::Trim, "73282932000074")
        );
        assert_eq!(fix("annee", "5000"), None);
    }

    #[test]
    fn fixer_applies_accepted_kinds_and_lists_changes() {
        let schema = schema();
        let header = ["date", "montant", "inconnue", "bio"];
        let fixer = Fixer::new(&schema, &header, &[FixKind::IsoDate, FixKind::Boolean]);
        let mut cells: Vec<String> = ["05/03/2024", "12,5", "05/03/2024", "oui"]
            .map(str::to_owned)
            .to_vec();
        let mut changes = Vec::new();
        fixer.fix_row(7, &mut cells, |change| changes.push(change));
        assert_eq!(cells, ["2024-03-05", "12,5", "05/03/2024", "true"]);
        assert_eq!(
            changes,
            [
                Change {
                    row: 7,
                    column: 1,
                    field: "date".to_owned(),
                    kind: FixKind::IsoDate,
                    before: "05/03/2024".to_owned(),
                    after: "2024-03-05".to_owned(),
                },
                Change {
                    row: 7,
                    column: 4,
                    field: "bio".to_owned(),
                    kind: FixKind::Boolean,
                    before: "oui".to_owned(),
                    after: "true".to_owned(),
                },
            ]
        );
    }

    #[test]
    fn codes_round_trip() {
        for kind in FixKind::ALL {
            assert_eq!(FixKind::from_code(kind.code()), Some(kind));
            assert!(!kind.describe_fr().is_empty());
        }
        assert_eq!(FixKind::from_code("magie"), None);
    }

    proptest::proptest! {
        /// Whatever the cell, a proposal is valid for its field and differs from the cell.
        #[test]
        fn a_proposal_is_always_valid(cell in "[0-9 ,./a-zA-Z-]{0,20}") {
            let schema = schema();
            for field in schema.fields() {
                if let Some(fix) = propose(field, &cell) {
                    proptest::prop_assert!(is_valid(field, &fix.after), "{} {cell:?} -> {:?}", field.name, fix.after);
                    proptest::prop_assert!(!is_valid(field, &cell));
                }
            }
        }
    }
}
