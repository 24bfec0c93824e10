//! Socle's domain vocabulary.
//!
//! - `query`: the records query language (an ODSQL subset): parsing into a syntax tree, and formatting it back.
//!
//! Architecture invariant: no I/O, no SQL, no HTTP. Wire formats are not derived from these types.

pub mod query;
