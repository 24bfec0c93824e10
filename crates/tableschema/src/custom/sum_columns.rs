//! `sum-columns-value`: `column` must equal the sum of `columns` on every row where all are
//! filled.
//!
//! Validata sums the cast values exactly (Python `int`/`Decimal`) and skips the row when any
//! cell is empty or failed its type check. For text that is not a number (only possible in a
//! string column) Validata crashes; Socle reports that the sum cannot be checked instead.

use super::number::Decimal;
use super::params::{Column, Params};
use super::{BuildError, CustomCheck, CustomError, cell};

pub(crate) const NAME: &str = "sum-columns-value";

/// The configured `sum-columns-value` check.
#[derive(Debug)]
pub(crate) struct SumColumnsValue {
    total: Column,
    terms: Vec<Column>,
}

impl SumColumnsValue {
    pub fn build(params: &Params) -> Result<Self, BuildError> {
        Ok(Self {
            total: params.column("column")?,
            terms: params.columns("columns")?,
        })
    }

    fn terms_names(&self) -> String {
        let names: Vec<&str> = self.terms.iter().map(|c| c.name.as_str()).collect();
        names.join(", ")
    }

    fn formula(&self) -> String {
        let names: Vec<&str> = self.terms.iter().map(|c| c.name.as_str()).collect();
        format!("{} = {}", self.total.name, names.join(" + "))
    }

    fn not_a_number(&self, column: &Column, value: &str) -> CustomError {
        let formula = self.formula();
        CustomError {
            code: NAME,
            field_index: Some(self.total.index),
            cell: value.to_owned(),
            message_fr: format!(
                "La valeur de la colonne {} « {value} » n'est pas un nombre : impossible de \
                 vérifier que {formula}.",
                column.name
            ),
            message_en: format!(
                "The value of column {} `{value}` is not a number: cannot check that {formula}.",
                column.name
            ),
        }
    }
}

impl CustomCheck for SumColumnsValue {
    fn name(&self) -> &'static str {
        NAME
    }

    fn check_row(&self, cells: &[Option<&str>], out: &mut Vec<CustomError>) {
        let Some(total_text) = cell(cells, self.total.index) else {
            return;
        };
        let mut term_texts = Vec::with_capacity(self.terms.len());
        for term in &self.terms {
            match cell(cells, term.index) {
                Some(text) => term_texts.push((term, text)),
                None => return,
            }
        }
        let Some(total) = Decimal::parse(total_text) else {
            out.push(self.not_a_number(&self.total, total_text));
            return;
        };
        let mut sum = Decimal::zero();
        for (term, text) in &term_texts {
            let Some(value) = Decimal::parse(text) else {
                out.push(self.not_a_number(term, text));
                return;
            };
            let Some(new_sum) = sum.checked_add(value) else {
                return; // Beyond 38 digits: nothing sensible to say.
            };
            sum = new_sum;
        }
        if sum.compare(total).is_none_or(|ordering| ordering.is_eq()) {
            return;
        }
        let terms_values: Vec<&str> = term_texts.iter().map(|(_, text)| text.trim()).collect();
        let (names, formula) = (self.terms_names(), self.formula());
        let total_name = &self.total.name;
        out.push(CustomError {
            code: NAME,
            field_index: Some(self.total.index),
            cell: total_text.to_owned(),
            message_fr: format!(
                "La somme des colonnes {names} vaut {sum} ({}), mais la colonne {total_name} \
                 contient {total_text} : on attend {formula}. Corrigez le total ou l'un des \
                 termes.",
                terms_values.join(" + ")
            ),
            message_en: format!(
                "The sum of columns {names} is {sum} ({}), but column {total_name} holds \
                 {total_text}: expected {formula}. Fix the total or one of the terms.",
                terms_values.join(" + ")
            ),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn check() -> SumColumnsValue {
        let entry = json!({"name": NAME, "params": {"column": "t", "columns": ["a", "b", "c"]}});
        let lookup = |name: &str| ["t", "a", "b", "c"].iter().position(|f| *f == name);
        SumColumnsValue::build(&Params::new(NAME, &entry, &lookup).unwrap()).unwrap()
    }

    fn errors(cells: [Option<&str>; 4]) -> Vec<CustomError> {
        let mut out = Vec::new();
        check().check_row(&cells, &mut out);
        out
    }

    #[test]
    fn checks_the_sum() {
        assert!(errors([Some("10"), Some("5"), Some("3"), Some("2")]).is_empty());
        let found = errors([Some("10"), Some("5"), Some("3"), Some("1")]);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].field_index, Some(0));
        assert!(
            found[0].message_fr.contains("vaut 9 (5 + 3 + 1)"),
            "{}",
            found[0].message_fr
        );
        assert!(found[0].message_fr.contains("t = a + b + c"));
    }

    #[test]
    fn decimals_sum_exactly() {
        assert!(errors([Some("0.3"), Some("0.1"), Some("0.2"), Some("0")]).is_empty());
        assert_eq!(
            errors([Some("1.0"), Some("0.5"), Some("0.4"), Some("0")]).len(),
            1
        );
    }

    #[test]
    fn any_empty_cell_skips_the_row() {
        assert!(errors([Some("10"), None, Some("3"), Some("2")]).is_empty());
        assert!(errors([None, Some("5"), Some("3"), Some("2")]).is_empty());
    }

    #[test]
    fn text_is_reported_not_summed() {
        let found = errors([Some("10"), Some("cinq"), Some("3"), Some("2")]);
        assert_eq!(found.len(), 1);
        assert!(found[0].message_fr.contains("n'est pas un nombre"));
    }
}
