//! Records queries compiled to parameterised SQL, for SQLite or PostgreSQL.
//!
//! Input: a [`Query`](model::query::Query) parsed by `model::query`, and the [`Table`] it reads
//! (SQL names and [`ColumnKind`]s of its columns, and the [`Dialect`] to write). Output: SQL
//! text and its parameters.
//!
//! Safety: every literal of the query becomes a parameter; every name is looked up in the
//! table description (an unknown one is an error naming it with close matches) and the SQL
//! carries the description's quoted `sql_name`, never text from the query. Nothing a reuser
//! writes can change the structure of the statement.
//!
//! - `dialect`: [`Dialect`], what differs between the SQL of the two engines.
//! - `table`: [`ColumnKind`], [`ColumnInfo`], [`Table`], name suggestions.
//! - `filter`: `where` → SQL condition; the semantics of NULL, dates, `LIKE` and `search()` are
//!   documented there.
//! - `fold`: French case and accent folding for `LIKE` and `startswith()` ([`register_functions`]
//!   must be called on each connection).
//! - `cursor`: keyset pagination tokens ([`next_cursor`]).
//! - `described`: the descriptions of version tables kept in memory once their indexes are
//!   ready (they never change).
//! - `counts`: the total counts of filtered pages kept in memory (bounded), per version whose
//!   indexes are ready and per filter: a version never changes, so neither do they.
//! - `exec`: running queries on a published version: [`Store::records`](crate::Store::records)
//!   (a page, its count and facets; [`Store::records_each_row`](crate::Store::records_each_row)
//!   hands the page's rows to a visitor, text borrowed from the engine) and
//!   [`Store::stream_records`](crate::Store::stream_records) (every row, constant memory, for
//!   exports; `stream_raw_records` lends the cells whose text is their value, [`RawCell`]);
//!   [`RecordsError`]; both over either engine's read
//!   snapshot (`RecordsReader`; PostgreSQL's is in `postgres/records.rs`).
//! - `compile`: [`compile`] (rows or aggregates), [`count_sql`], [`facet_sql`], and the FTS5
//!   table `search()` expects ([`fts_create_sql`], [`fts_rebuild_sql`]).
//!
//! ```
//! use model::query::{Query, parse_order_by, parse_where};
//! use store::records::{ColumnInfo, ColumnKind, Dialect, Table, compile, register_functions};
//!
//! let columns = [
//!     ColumnInfo { name: "commune", sql_name: "c1", ty: ColumnKind::Text },
//!     ColumnInfo { name: "date", sql_name: "c2", ty: ColumnKind::Date },
//! ];
//! let table = Table { sql_name: "r_menus", columns: &columns, full_text: true, dialect: Dialect::Sqlite };
//! let conn = rusqlite::Connection::open_in_memory()?;
//! register_functions(&conn)?;
//! conn.execute_batch(
//!     "CREATE TABLE r_menus (c1 TEXT, c2 TEXT);
//!      INSERT INTO r_menus VALUES ('Toulouse', '2024-09-02'), ('Béziers', '2024-09-03');",
//! )?;
//! let query = Query {
//!     filter: Some(parse_where("commune LIKE 'BEZ%' AND date >= date'2024-09-01'")?),
//!     order_by: parse_order_by("date DESC")?,
//!     limit: Some(100),
//!     ..Query::default()
//! };
//! let compiled = compile(&table, &query)?;
//! let mut statement = conn.prepare(&compiled.sql)?;
//! let mut rows = statement.query(rusqlite::params_from_iter(&compiled.params))?;
//! let row = rows.next()?.expect("one row");
//! assert_eq!(row.get::<_, String>(0)?, "Béziers");
//! let _next_page = compiled.next_cursor(row)?; // Some(opaque token) for `cursor=`
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod compile;
mod counts;
mod cursor;
mod described;
mod dialect;
mod error;
mod exec;
mod filter;
mod fold;
mod stored_facets;
mod table;

pub use compile::{
    CompiledQuery, MAX_ORDER_KEYS, OutputColumn, compile, count_sql, facet_sql, fts_create_sql,
    fts_rebuild_sql,
};
pub(crate) use counts::KeptCounts;
pub use cursor::next_cursor;
pub(crate) use described::DescribedVersions;
pub use dialect::Dialect;
pub use error::{CompileError, CursorProblem};
pub use exec::{
    DEFAULT_FACET_LIMIT, DEFAULT_LIMIT, EXACT_COUNT_LIMIT, Facet, MAX_LIMIT, OutputField,
    PageSummary, RawCell, RecordsError, RecordsOptions, RecordsPage,
};
pub(crate) use exec::{RecordsReader, column_kind};
pub use fold::{FOLD_FUNCTION, fold_text, register_functions};
pub use stored_facets::MAX_STORED_VALUES;
pub(crate) use stored_facets::{ColumnCounts, facet_rows};
pub use table::{ColumnInfo, ColumnKind, Table};

#[cfg(test)]
mod exec_tests;
#[cfg(test)]
mod tests;
