//! The description of a published table that queries are compiled against.

use model::query::Field;
use model::text::edit_distance;

use super::dialect::Dialect;
use super::error::CompileError;
use super::fold::fold_text;

/// How a column's values are stored, which decides how literals are bound and what is allowed
/// (`sum` needs a number, `search` a text...).
///
/// Storage conventions the compiler relies on: `Boolean` as INTEGER 0/1; `Date` as TEXT
/// `YYYY-MM-DD`; `DateTime` as TEXT `YYYY-MM-DDTHH:MM:SS[.fff][offset]`, all written with the same
/// offset notation (UTC `Z` recommended), so that comparing the text compares the instants.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ColumnKind {
    Integer,
    Real,
    Text,
    Boolean,
    Date,
    DateTime,
    Json,
}

impl ColumnKind {
    pub fn is_numeric(self) -> bool {
        matches!(self, ColumnKind::Integer | ColumnKind::Real)
    }

    pub fn label_fr(self) -> &'static str {
        match self {
            ColumnKind::Integer => "entier",
            ColumnKind::Real => "nombre",
            ColumnKind::Text => "texte",
            ColumnKind::Boolean => "booléen",
            ColumnKind::Date => "date",
            ColumnKind::DateTime => "date et heure",
            ColumnKind::Json => "JSON",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            ColumnKind::Integer => "integer",
            ColumnKind::Real => "number",
            ColumnKind::Text => "text",
            ColumnKind::Boolean => "boolean",
            ColumnKind::Date => "date",
            ColumnKind::DateTime => "date-time",
            ColumnKind::Json => "JSON",
        }
    }
}

/// One column: `name` is what reusers write (the Table Schema field name), `sql_name` the
/// column's name in the database. Only `sql_name` ever reaches SQL text, always quoted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ColumnInfo<'a> {
    pub name: &'a str,
    pub sql_name: &'a str,
    pub ty: ColumnKind,
}

/// A published table: its SQL name and columns, in display order, and the dialect to write.
///
/// Full-text search (when `full_text`) assumes an FTS5 table named `<sql_name>_fts` whose rowid is the row's rowid,
/// with one column per `Text` column under the same `sql_name`, tokenised with
/// `unicode61 remove_diacritics 2` (see [`fts_create_sql`](super::fts_create_sql)).
#[derive(Debug, Clone, Copy)]
pub struct Table<'a> {
    pub sql_name: &'a str,
    pub columns: &'a [ColumnInfo<'a>],
    /// Whether the FTS5 table exists and is complete. Without it, searches scan the text
    /// columns with the same word matching (see [`WORDS_FUNCTION`](super::fold::WORDS_FUNCTION)).
    /// PostgreSQL ignores it: its search expression is the same with or without its index.
    pub full_text: bool,
    /// The engine the SQL is written for.
    pub dialect: Dialect,
}

impl<'a> Table<'a> {
    /// The column a user-written name designates, or an error naming it with close matches.
    pub fn column(&self, field: &Field) -> Result<&'a ColumnInfo<'a>, CompileError> {
        self.columns
            .iter()
            .find(|c| c.name == field.as_str())
            .ok_or_else(|| CompileError::UnknownField {
                name: field.as_str().to_string(),
                suggestions: close_matches(field.as_str(), self.columns.iter().map(|c| c.name)),
            })
    }

    pub(crate) fn fts_sql_name(&self) -> String {
        format!("{}_fts", self.sql_name)
    }

    pub(crate) fn text_columns(&self) -> impl Iterator<Item = &'a ColumnInfo<'a>> {
        self.columns.iter().filter(|c| c.ty == ColumnKind::Text)
    }

    /// Refuses descriptions that would make the generated SQL ambiguous: these names come from
    /// our own loader, but checking costs nothing and keeps the compiler safe on its own.
    pub(crate) fn check(&self) -> Result<(), CompileError> {
        let invalid = |reason: String| Err(CompileError::InvalidTable { reason });
        if self.sql_name.is_empty() || self.sql_name.contains('\0') {
            return invalid(format!("nom de table SQL invalide {:?}", self.sql_name));
        }
        for column in self.columns {
            if column.sql_name.is_empty() || column.sql_name.contains('\0') {
                return invalid(format!("nom de colonne SQL invalide {:?}", column.sql_name));
            }
            if ["rowid", "oid", "_rowid_"]
                .iter()
                .any(|r| r.eq_ignore_ascii_case(column.sql_name))
            {
                return invalid(format!(
                    "la colonne SQL {:?} masquerait le rowid",
                    column.sql_name
                ));
            }
        }
        Ok(())
    }
}

/// Quotes an SQL identifier: `"` around, inner `"` doubled.
pub(crate) fn quote_ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// Up to three names close to `wanted`: same letters ignoring case and accents, a small edit
/// distance, or one containing the other; closest first.
pub(crate) fn close_matches<'n>(wanted: &str, names: impl Iterator<Item = &'n str>) -> Vec<String> {
    let wanted_folded = fold_text(wanted);
    let wanted_len = wanted_folded.chars().count();
    let mut scored: Vec<(usize, &str)> = names
        .filter_map(|name| {
            let folded = fold_text(name);
            let distance = edit_distance(&wanted_folded, &folded);
            let contains = wanted_len >= 3
                && (folded.contains(&wanted_folded) || wanted_folded.contains(&folded));
            let close = distance <= (wanted_len / 3).max(1) || contains;
            close.then_some((distance, name))
        })
        .collect();
    scored.sort();
    scored
        .into_iter()
        .take(3)
        .map(|(_, n)| n.to_string())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggestions_for_unknown_fields() {
        let names = ["commune", "code_commune", "date", "montant", "libellé"];
        assert_eq!(
            close_matches("comune", names.iter().copied()),
            vec!["commune"]
        );
        assert_eq!(
            close_matches("commun", names.iter().copied()),
            vec!["commune", "code_commune"]
        );
        assert_eq!(
            close_matches("Libelle", names.iter().copied()),
            vec!["libellé"]
        );
        assert_eq!(close_matches("dat", names.iter().copied()), vec!["date"]);
        assert!(close_matches("zzzzzz", names.iter().copied()).is_empty());
        assert_eq!(edit_distance("chat", "chats"), 1);
        assert_eq!(edit_distance("", "abc"), 3);
    }

    #[test]
    fn identifiers_are_quoted() {
        assert_eq!(quote_ident("a\"b"), "\"a\"\"b\"");
        assert_eq!(quote_ident("x"), "\"x\"");
    }
}
