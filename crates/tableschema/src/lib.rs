//! Frictionless Table Schema, checked and fast.
//!
//! Brief overview:
//! - [`Schema::from_json`] turns a descriptor into a checked [`Schema`] of [`Field`]s, with
//!   warnings for what it had to ignore (`schema`).
//! - [`Field::cast`] reads one cell as a typed [`Value`] (`cast`, `temporal`, `value`).
//! - [`Plan::new`] checks a header against a schema; [`Plan::check_row`] checks rows into
//!   [`Part`]s, one per chunk (possibly on several threads); [`Plan::finish`] merges the parts
//!   into a [`Report`] identical to a serial run (`plan`).
//! - [`Report`] and [`ReportError`] carry frictionless's error codes and French/English
//!   messages with suggested fixes (`report`).
//! - [`header_match_score`] guesses which schema a header follows (`detect`).
//! - `fix`: mechanical, safe fixes of cells (dates JJ/MM/AAAA, decimal commas...) for the
//!   publishing wizard.
//! - `custom`: Validata's custom checks (`french-siret-value`, `opening-hours-value`, ...).
//!
//! Behaviour follows frictionless-py 5.21 (the reference) error for error, except where it
//! departs from the Table Schema specification; those cases are tested as
//! `differs_from_frictionless_*`.
//!
//! Architecture invariant: this crate does no I/O of its own. It takes descriptors as JSON
//! values and rows as cell text, and returns values and reports.

mod cast;
pub mod custom;
mod detect;
mod error;
pub mod fix;
mod keyhash;
mod plan;
mod quick;
mod report;
mod schema;
mod simple_pattern;
mod temporal;
mod value;

pub use detect::header_match_score;
pub use error::{CastError, DescriptorError, DescriptorWarning, Lang};
pub use plan::{Options, Part, Plan, ValueSink};
pub use report::{Details, ErrorCode, FieldInfo, Hint, Report, ReportError, Stats, hint_for};
pub use schema::{
    Bound, ConstraintKind, Constraints, Enumeration, Field, FieldType, FieldsMatch, ForeignKey,
    Pattern, Schema,
};
pub use value::{Date, DateTime, Duration, GeoPoint, Scalar, Time, Value};

/// Results of this crate: errors are unusable descriptors.
pub type Result<T, E = DescriptorError> = std::result::Result<T, E>;
