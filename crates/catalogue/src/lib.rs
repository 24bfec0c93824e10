//! Socle's use cases: the one service every writer goes through.
//!
//! - `bundled`: the Table Schemas shipped in the binary (SCDL and related), with provenance.
//! - `validation`: reading and checking a file, in parallel blocks for CSV.
//! - `demo`: real Occitanie organisations and realistic generated SCDL files for `socle demo`.
//!
//! Architecture invariant: every write to the catalogue (web form, API, CLI, harvesting,
//! consolidation) goes through this crate, so permissions and history live in one place.

pub mod bundled;
pub mod demo;
pub mod validation;
