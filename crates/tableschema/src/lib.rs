//! Frictionless Table Schema, checked and fast.
//!
//! Brief overview (filled in as the crate grows):
//! - `custom`: Validata's custom checks (`french-siret-value`, `opening-hours-value`, ...).
//!
//! Architecture invariant: this crate does no I/O of its own. It takes descriptors as JSON
//! values and rows as cell text, and returns values and reports.

pub mod custom;
