//! `one-of-required`: on each row, at least one of `column1` and `column2` is filled.
//!
//! Validata's test is Python truthiness of the cast values: an empty cell fails it (and so
//! would an integer `0` or a boolean `false`; the bundled schema uses it on two string columns,
//! where only empty cells count). The error is row-level. When one column is absent, every
//! empty cell of the other is an error (Validata then attaches it to `column1`'s name); when
//! both are absent, Validata reports it once (on the header) and stops the check.

use super::params::{Column, Params};
use super::{BuildError, CustomCheck, CustomError, cell};

pub(crate) const NAME: &str = "one-of-required";

/// The configured `one-of-required` check.
#[derive(Debug)]
pub(crate) struct OneOfRequired {
    column1: Column,
    column2: Column,
}

impl OneOfRequired {
    pub fn build(params: &Params) -> Result<Self, BuildError> {
        Ok(Self {
            column1: params.column("column1")?,
            column2: params.column("column2")?,
        })
    }
}

impl CustomCheck for OneOfRequired {
    fn name(&self) -> &'static str {
        NAME
    }

    fn check_row(&self, cells: &[Option<&str>], out: &mut Vec<CustomError>) {
        if cell(cells, self.column1.index).is_some() || cell(cells, self.column2.index).is_some() {
            return;
        }
        let (a, b) = (&self.column1.name, &self.column2.name);
        out.push(CustomError {
            code: NAME,
            field_index: None,
            cell: String::new(),
            message_fr: format!(
                "Au moins l'une des colonnes '{a}' ou '{b}' doit comporter une valeur : \
                 renseignez-en au moins une sur cette ligne."
            ),
            message_en: format!(
                "At least one of columns '{a}' or '{b}' must have a value: fill at least one \
                 on this row."
            ),
        });
    }

    fn check_columns(&self, present: &[bool], out: &mut Vec<CustomError>) -> bool {
        let is_present = |c: &Column| present.get(c.index).copied().unwrap_or(false);
        if is_present(&self.column1) || is_present(&self.column2) {
            return true;
        }
        let mut names = [&self.column1.name, &self.column2.name];
        names.sort();
        let [a, b] = names;
        out.push(CustomError {
            code: NAME,
            field_index: None,
            cell: String::new(),
            message_fr: format!(
                "Une des deux colonnes '{a}' et '{b}' est requise, mais les deux sont \
                 manquantes : ajoutez au moins l'une d'elles."
            ),
            message_en: format!(
                "One of columns '{a}' and '{b}' is required, but both are missing: add at \
                 least one of them."
            ),
        });
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn check() -> OneOfRequired {
        let entry = json!({"name": NAME, "params": {"column1": "siret", "column2": "rna"}});
        let lookup = |name: &str| ["siret", "rna", "x"].iter().position(|f| *f == name);
        OneOfRequired::build(&Params::new(NAME, &entry, &lookup).unwrap()).unwrap()
    }

    #[test]
    fn one_filled_cell_is_enough() {
        let mut out = Vec::new();
        check().check_row(&[Some("1"), None, None], &mut out);
        check().check_row(&[None, Some("W1"), None], &mut out);
        check().check_row(&[Some("1"), Some("W1"), None], &mut out);
        assert!(out.is_empty());
        check().check_row(&[None, None, Some("x")], &mut out);
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].field_index, None);
    }

    #[test]
    fn both_columns_absent_is_reported_once() {
        let mut out = Vec::new();
        assert!(check().check_columns(&[true, false, true], &mut out));
        assert!(!check().check_columns(&[false, false, true], &mut out));
        assert_eq!(out.len(), 1);
        assert!(out[0].message_fr.contains("'rna' et 'siret'"));
    }
}
