//! Records queries compiled to parameterised SQL (SQLite dialect).
//!
//! Input: a [`Query`](model::query::Query) parsed by `model::query`, and the [`Table`] it reads
//! (SQLite names and [`ColumnKind`]s of its columns). Output: SQL text and its parameters.
//!
//! Safety: every literal of the query becomes a `?` parameter; every name is looked up in the
//! table description (an unknown one is an error naming it with close matches) and the SQL
//! carries the description's quoted `sql_name`, never text from the query. Nothing a reuser
//! writes can change the structure of the statement.
//!
//! - `table`: [`ColumnKind`], [`ColumnInfo`], [`Table`], name suggestions.
//! - `filter`: `where` → SQL condition; the semantics of NULL, dates, `LIKE` and `search()` are
//!   documented there.
//! - `fold`: French case and accent folding for `LIKE` and `startswith()` ([`register_functions`]
//!   must be called on each connection).
//! - `cursor`: keyset pagination tokens ([`next_cursor`]).
//! - `compile`: [`compile`] (rows or aggregates), [`count_sql`], [`facet_sql`], and the FTS5
//!   table `search()` expects ([`fts_create_sql`], [`fts_rebuild_sql`]).

mod compile;
mod cursor;
mod error;
mod filter;
mod fold;
mod table;

pub use compile::{
    CompiledQuery, MAX_ORDER_KEYS, OutputColumn, compile, count_sql, facet_sql, fts_create_sql,
    fts_rebuild_sql,
};
pub use cursor::next_cursor;
pub use error::{CompileError, CursorProblem};
pub use fold::{FOLD_FUNCTION, fold_text, register_functions};
pub use table::{ColumnInfo, ColumnKind, Table};

#[cfg(test)]
mod tests;
