//! Persistence.
//!
//! - `records`: compiling record queries (model::query syntax trees) to parameterised SQL.

pub mod records;
