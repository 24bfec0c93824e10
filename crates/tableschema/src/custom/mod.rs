//! Validata's custom checks (the `custom_checks` key of French schemas).
//!
//! Interface contract between the validator and the checks (keep it stable):
//! - [`build`] turns one entry of the descriptor's `custom_checks` array into a [`CustomCheck`],
//!   resolving column names to schema field indexes through `field_index`.
//! - The validator calls [`CustomCheck::check_row`] once per data row with `cells[i]` = the raw
//!   text of schema field `i`, or `None` when that column is absent, the cell is a missing value,
//!   or the cell failed its type check (Frictionless would give `None` for such a cell).
//! - Findings are pushed to `out`; `field_index: None` marks a row-level finding.

use std::fmt::Debug;

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
    let _ = field_index;
    let name = entry
        .get("name")
        .and_then(|name| name.as_str())
        .unwrap_or_default();
    Err(BuildError::Unknown(name.to_owned()))
}
