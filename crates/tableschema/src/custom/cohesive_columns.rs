//! `cohesive-columns-value`: on each row, `column` and `othercolumns` are all filled or all
//! empty.
//!
//! Validata treats a cell that failed its type check as empty (its cast value is `None`), as
//! the interface does. When some but not all of the columns are absent from the file, Validata
//! reports it once (on the header) and stops the check; when all are absent, it does nothing.

use super::params::{Column, Params};
use super::{BuildError, CustomCheck, CustomError, cell};

pub(crate) const NAME: &str = "cohesive-columns-value";

/// The configured `cohesive-columns-value` check.
#[derive(Debug)]
pub(crate) struct CohesiveColumnsValue {
    /// `column` first, then `othercolumns`.
    columns: Vec<Column>,
}

impl CohesiveColumnsValue {
    pub fn build(params: &Params) -> Result<Self, BuildError> {
        let mut columns = vec![params.column("column")?];
        columns.extend(params.columns("othercolumns")?);
        Ok(Self { columns })
    }

    fn names(&self, keep: impl Fn(usize) -> bool) -> String {
        let names: Vec<&str> = (self.columns.iter().enumerate())
            .filter(|(i, _)| keep(*i))
            .map(|(_, c)| c.name.as_str())
            .collect();
        names.join(", ")
    }
}

impl CustomCheck for CohesiveColumnsValue {
    fn name(&self) -> &'static str {
        NAME
    }

    fn check_row(&self, cells: &[Option<&str>], out: &mut Vec<CustomError>) {
        let filled: Vec<bool> = (self.columns.iter())
            .map(|c| cell(cells, c.index).is_some())
            .collect();
        if filled.iter().all(|f| *f == filled[0]) {
            return;
        }
        let all = self.names(|_| true);
        let (full, empty) = (self.names(|i| filled[i]), self.names(|i| !filled[i]));
        let first = &self.columns[0];
        out.push(CustomError {
            code: NAME,
            field_index: Some(first.index),
            cell: cell(cells, first.index).unwrap_or_default().to_owned(),
            message_fr: format!(
                "Les colonnes {all} doivent toutes comporter une valeur ou toutes être vides : \
                 ici {full} rempli(es) mais {empty} vide(s). Complétez les cellules vides ou \
                 videz les autres."
            ),
            message_en: format!(
                "Columns {all} must all have a value or all be empty: here {full} filled but \
                 {empty} empty. Fill the empty cells or empty the others."
            ),
        });
    }

    fn check_columns(&self, present: &[bool], out: &mut Vec<CustomError>) -> bool {
        let is_present: Vec<bool> = (self.columns.iter())
            .map(|c| present.get(c.index).copied().unwrap_or(false))
            .collect();
        if is_present.iter().all(|p| *p) || is_present.iter().all(|p| !*p) {
            return true;
        }
        let all = self.names(|_| true);
        let missing = self.names(|i| !is_present[i]);
        out.push(CustomError {
            code: NAME,
            field_index: None,
            cell: String::new(),
            message_fr: format!(
                "Les colonnes {all} doivent être soit toutes présentes, soit toutes absentes \
                 (absente(s) : {missing}). Ajoutez la ou les colonnes manquantes."
            ),
            message_en: format!(
                "Columns {all} must be either all present or all absent (absent: {missing}). \
                 Add the missing column(s)."
            ),
        });
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn check() -> CohesiveColumnsValue {
        let entry = json!({"name": NAME, "params": {"column": "a", "othercolumns": ["b", "c"]}});
        let lookup = |name: &str| ["a", "b", "c", "d"].iter().position(|f| *f == name);
        CohesiveColumnsValue::build(&Params::new(NAME, &entry, &lookup).unwrap()).unwrap()
    }

    fn errors(cells: [Option<&str>; 4]) -> Vec<CustomError> {
        let mut out = Vec::new();
        check().check_row(&cells, &mut out);
        out
    }

    #[test]
    fn all_or_nothing() {
        assert!(errors([Some("1"), Some("2"), Some("3"), None]).is_empty());
        assert!(errors([None, None, None, Some("x")]).is_empty());
        let found = errors([Some("1"), None, Some("3"), None]);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].field_index, Some(0));
        assert!(
            found[0]
                .message_fr
                .contains("ici a, c rempli(es) mais b vide(s)")
        );
        let found = errors([None, Some("2"), None, None]);
        assert_eq!(found[0].cell, "");
    }

    #[test]
    fn partly_absent_columns_stop_the_check() {
        let mut out = Vec::new();
        assert!(check().check_columns(&[true, true, true, false], &mut out));
        assert!(check().check_columns(&[false, false, false, true], &mut out));
        assert!(out.is_empty());
        assert!(!check().check_columns(&[true, false, true, true], &mut out));
        assert_eq!(out.len(), 1);
        assert!(out[0].message_fr.contains("absente(s) : b"));
    }
}
