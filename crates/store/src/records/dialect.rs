//! What differs between the SQL the records compiler writes for SQLite and for PostgreSQL.
//!
//! One compiler (`compile`, `filter`, `cursor`) writes both dialects; it asks [`Dialect`] for the
//! few pieces that differ, so that both engines give the same answers:
//! - placeholders: `?` for SQLite; `$n::type` for PostgreSQL, the type being that of the Rust
//!   value bound (the `postgres` client checks it), and NULL written as a literal;
//! - the row number, the final tiebreaker of every order and the cursor's last value: SQLite's
//!   `rowid` (aliased by `_row` in version tables), PostgreSQL's `_row` identity column. Both
//!   number the rows of a version 1..n in file order, so a cursor works on either engine;
//! - booleans: SQLite stores 0/1; PostgreSQL's `boolean` columns are read and compared as
//!   `int` 0/1, so literals, cursor values and facets are the same integers on both;
//! - NULL order: SQLite sorts NULL first; PostgreSQL is told so (`NULLS FIRST` ascending,
//!   `NULLS LAST` descending), and its version indexes are built `NULLS FIRST` to serve it;
//! - folding for `LIKE` and `startswith()`: SQLite's Rust function `socle_fold` (and, for a
//!   `LIKE '%text%'`, `socle_contains`, the same answer without building the folded text);
//!   PostgreSQL's `lower(socle_unaccent(…))` on both the value and the pattern (the `IMMUTABLE`
//!   wrapper of `unaccent` made by the migrations);
//! - `search()`: SQLite's FTS5 table; PostgreSQL's `socle_search_document(…) @@ to_tsquery(…)`,
//!   the very expression its GIN index is built on (see `filter::search`);
//! - `sum` of integers and `avg`, which PostgreSQL computes as `numeric`, are cast back to
//!   `bigint` and `double precision` like SQLite's results;
//! - "no limit" and the evenly spaced row numbers the count estimate samples.

use rusqlite::types::Value;

use super::table::quote_ident;

/// The SQL dialect of a compiled query (the engine that runs it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Dialect {
    #[default]
    Sqlite,
    Postgres,
}

impl Dialect {
    /// The placeholder for the `number`-th parameter (from 1), whose value is `value`.
    pub(crate) fn placeholder(self, number: usize, value: &Value) -> String {
        match self {
            Dialect::Sqlite => "?".to_owned(),
            Dialect::Postgres => {
                let ty = match value {
                    Value::Integer(_) => "bigint",
                    Value::Real(_) => "double precision",
                    Value::Blob(_) => "bytea",
                    Value::Text(_) | Value::Null => "text",
                };
                format!("${number}::{ty}")
            }
        }
    }

    /// Whether a NULL parameter is written as the literal `NULL` (PostgreSQL could not infer
    /// the type of an untyped one; a typed one would not compare with every column).
    pub(crate) fn inlines_null(self) -> bool {
        self == Dialect::Postgres
    }

    /// The row number of `table` (quoted SQL name).
    pub(crate) fn row_number(self, quoted_table: &str) -> String {
        match self {
            Dialect::Sqlite => format!("{quoted_table}.rowid"),
            Dialect::Postgres => {
                format!("{quoted_table}.{}", quote_ident(crate::sqlite::ROW_COLUMN))
            }
        }
    }

    /// A boolean column's value as the compiler handles it (0/1).
    pub(crate) fn boolean(self, column: String) -> String {
        match self {
            Dialect::Sqlite => column,
            Dialect::Postgres => format!("{column}::int"),
        }
    }

    /// `expr` folded for `LIKE` (lower case, accents removed).
    pub(crate) fn fold(self, expr: &str) -> String {
        match self {
            Dialect::Sqlite => format!("{}({expr})", super::fold::FOLD_FUNCTION),
            Dialect::Postgres => format!("lower(socle_unaccent(({expr})::text))"),
        }
    }

    /// The function answering a folded `LIKE '%text%'` as `f(value, folded text)`, where the
    /// engine has one: SQLite's `socle_contains`, which folds and searches without building
    /// the folded text (PostgreSQL's `LIKE` on its own folding is already native code).
    pub(crate) fn contains_function(self) -> Option<&'static str> {
        match self {
            Dialect::Sqlite => Some(super::fold::CONTAINS_FUNCTION),
            Dialect::Postgres => None,
        }
    }

    /// The pattern side of a folded `LIKE`: folded in Rust already; PostgreSQL folds it again
    /// the way it folds values, so that letters `unaccent` expands (œ → oe) match.
    pub(crate) fn fold_pattern(self, placeholder: &str) -> String {
        match self {
            Dialect::Sqlite => placeholder.to_owned(),
            Dialect::Postgres => self.fold(placeholder),
        }
    }

    /// The order of NULLs in a sort key: SQLite's rule (NULL is the smallest value), spelled
    /// out for PostgreSQL.
    pub(crate) fn nulls(self, ascending: bool) -> &'static str {
        match (self, ascending) {
            (Dialect::Sqlite, _) => "",
            (Dialect::Postgres, true) => " NULLS FIRST",
            (Dialect::Postgres, false) => " NULLS LAST",
        }
    }

    /// `sum(…)` of an integer column, an integer on both engines.
    pub(crate) fn integer_sum(self, expr: &str) -> String {
        match self {
            Dialect::Sqlite => format!("sum({expr})"),
            Dialect::Postgres => format!("sum({expr})::bigint"),
        }
    }

    /// `avg(…)`, a double on both engines.
    pub(crate) fn average(self, expr: &str) -> String {
        match self {
            Dialect::Sqlite => format!("avg({expr})"),
            Dialect::Postgres => format!("avg({expr})::double precision"),
        }
    }

    /// `LIMIT` without a bound (SQLite requires one before `OFFSET`).
    pub(crate) fn no_limit(self) -> Option<Value> {
        match self {
            Dialect::Sqlite => Some(Value::Integer(-1)),
            Dialect::Postgres => None,
        }
    }
}
