//! Validata's custom checks (the `custom_checks` key of French schemas).
//!
//! Interface contract between the validator and the checks (keep it stable):
//! - [`build`] turns one entry of the descriptor's `custom_checks` array into a [`CustomCheck`],
//!   resolving column names to schema field indexes through `field_index`.
//! - The validator may call [`CustomCheck::check_columns`] once per file, before the rows, with
//!   which schema fields are columns of the file; when it returns `false` the check is not run
//!   on that file's rows (Validata stops `one-of-required` and `cohesive-columns-value` there).
//! - The validator calls [`CustomCheck::check_row`] once per data row with `cells[i]` = the raw
//!   text of schema field `i`, or `None` when that column is absent, the cell is a missing value,
//!   or the cell failed its type check (Frictionless would give `None` for such a cell).
//! - Findings are pushed to `out`; `field_index: None` marks a row-level finding.
//!
//! Semantics follow validata-table 0.12.5 (see `testdata/regenerate.py`, whose reference
//! verdicts the tests compare against). Checks work on the raw text of a cell; where Validata
//! works on the cast value, the raw text is read the way Frictionless casts it by default
//! (numbers and ISO dates), which is exact for every schema bundled with Socle.

use std::fmt::Debug;

mod cohesive_columns;
mod compare_columns;
mod nomenclature_actes;
mod number;
mod one_of_required;
mod opening_hours;
mod params;
mod siren;
mod siret;
mod sum_columns;
mod year_interval;

#[cfg(test)]
mod conformance;

pub use compare_columns::{Comparable, CompareOp};
pub use nomenclature_actes::{
    NOMENCLATURE_ACTES_SUBJECTS, NomenclatureProblem, nomenclature_actes_problem,
};
pub use opening_hours::{Expected, OpeningHoursError, Unsupported, parse_opening_hours};
pub use siren::{IdentifierProblem, is_valid_siren, siren_problem};
pub use siret::{is_valid_siret, siret_problem};
pub use year_interval::{YearIntervalProblem, year_interval_problem};

/// One problem found by a custom check in one row.
#[derive(Debug, Clone, PartialEq)]
pub struct CustomError {
    /// The error type, spelled as Validata spells it (e.g. `french-siret-value`).
    pub code: &'static str,
    /// Schema field index of the faulty cell; `None` for a row-level error.
    pub field_index: Option<usize>,
    /// The faulty cell's text (empty for a row-level error).
    pub cell: String,
    /// Message for a person, in French.
    pub message_fr: String,
    /// The same message in English.
    pub message_en: String,
}

/// A configured custom check, ready to run on rows. Shared between threads.
pub trait CustomCheck: Send + Sync + Debug {
    /// The check's name as written in the descriptor (e.g. `french-siret-value`).
    fn name(&self) -> &'static str;
    /// Checks one row; see the module docs for what `cells` holds.
    fn check_row(&self, cells: &[Option<&str>], out: &mut Vec<CustomError>);
    /// Checks which columns the file has (`present[i]`: schema field `i` is a column of the
    /// file), once, before the rows. Returns `false` when the rows must not be checked.
    ///
    /// Findings pushed here concern the header: Validata reports them on row 1 (and only if the
    /// file has at least one data row, since it runs this on the first row).
    fn check_columns(&self, present: &[bool], out: &mut Vec<CustomError>) -> bool {
        let _ = (present, out);
        true
    }
}

/// Why a `custom_checks` entry could not be turned into a check.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum BuildError {
    /// The check's name is not one Socle knows: the caller reports a warning and goes on.
    #[error("unknown custom check `{0}`")]
    Unknown(String),
    /// The check is known but its parameters are unusable (missing column, bad operator...).
    #[error("custom check `{check}`: {reason_en}")]
    Invalid {
        check: String,
        reason_fr: String,
        reason_en: String,
    },
}

/// Builds the check described by one `custom_checks` entry
/// (`{"name": "...", "params": {...}}`).
pub fn build(
    entry: &serde_json::Value,
    field_index: &dyn Fn(&str) -> Option<usize>,
) -> Result<Box<dyn CustomCheck>, BuildError> {
    let name = entry
        .get("name")
        .and_then(|name| name.as_str())
        .unwrap_or_default();
    let params = || params::Params::new(name, entry, field_index);
    let check: Box<dyn CustomCheck> = match name {
        // `siret`, `siren` and `nomenclature-acte` are the names Validata now prefers.
        siret::NAME | "siret" => Box::new(siren::FrenchIdentifierValue::build(
            &params()?,
            static_name(name, siret::NAME, "siret"),
            siren::Identifier::Siret,
        )?),
        siren::NAME | "siren" => Box::new(siren::FrenchIdentifierValue::build(
            &params()?,
            static_name(name, siren::NAME, "siren"),
            siren::Identifier::Siren,
        )?),
        nomenclature_actes::NAME | "nomenclature-acte" => {
            Box::new(nomenclature_actes::NomenclatureActesValue::build(
                &params()?,
                static_name(name, nomenclature_actes::NAME, "nomenclature-acte"),
            )?)
        }
        compare_columns::NAME => Box::new(compare_columns::CompareColumnsValue::build(&params()?)?),
        sum_columns::NAME => Box::new(sum_columns::SumColumnsValue::build(&params()?)?),
        year_interval::NAME => Box::new(year_interval::YearIntervalValue::build(&params()?)?),
        cohesive_columns::NAME => {
            Box::new(cohesive_columns::CohesiveColumnsValue::build(&params()?)?)
        }
        opening_hours::NAME => Box::new(opening_hours::OpeningHoursValue::build(&params()?)?),
        one_of_required::NAME => Box::new(one_of_required::OneOfRequired::build(&params()?)?),
        _ => return Err(BuildError::Unknown(name.to_owned())),
    };
    Ok(check)
}

/// The `type` validata-table 0.12.5 writes in its report for an error of this `code`.
///
/// Validata renamed `french-siret-value`, `french-siren-value` and `nomenclature-actes-value`
/// to `siret`, `siren` and `nomenclature-acte` (with a deprecation warning) and reports their
/// errors as the generic `custom-check-error`; Socle keeps the descriptive code and gives the
/// generic one here for reports that must match Validata's byte for byte.
pub fn validata_error_type(code: &str) -> &str {
    match code {
        siret::NAME | siren::NAME | nomenclature_actes::NAME => "custom-check-error",
        other => other,
    }
}

/// The deprecation warning validata-table 0.12.5 gives for a check name, if any (in French).
pub fn validata_deprecation_warning(name: &str) -> Option<String> {
    let replacement = match name {
        siret::NAME => "siret",
        siren::NAME => "siren",
        nomenclature_actes::NAME => "nomenclature-acte",
        _ => return None,
    };
    Some(format!(
        "Le custom check '{name}' est déprécié, veuillez utiliser '{replacement}' à la place dans le schéma."
    ))
}

/// `name` as a `&'static str`: `legacy` unless it is the `modern` spelling.
fn static_name(name: &str, legacy: &'static str, modern: &'static str) -> &'static str {
    if name == modern { modern } else { legacy }
}

/// The cell of `index` in `cells`, or `None` when absent (a short row counts as absent cells).
fn cell<'a>(cells: &[Option<&'a str>], index: usize) -> Option<&'a str> {
    cells.get(index).copied().flatten()
}
