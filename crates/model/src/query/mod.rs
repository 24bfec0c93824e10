//! The records query language: the subset of Opendatasoft's ODSQL that reusers use.
//!
//! Four texts come from the query string of `GET /api/v1/resources/{id}/records`, each with its
//! parser: `where` ([`parse_where`] → [`Expr`]), `select` ([`parse_select`] → [`SelectItem`]s),
//! `group_by` ([`parse_group_by`] → [`Field`]s) and `order_by` ([`parse_order_by`] →
//! [`OrderKey`]s). Together with paging they make a [`Query`], which `store::records` compiles to
//! parameterised SQL. Nothing here knows the table: unknown fields are found by the compiler.
//!
//! - `ast`: the syntax trees.
//! - `lexer`, `dates`, `parser`: text → tree; errors say at which character offset and what was
//!   expected ([`ParseError`], French and English messages). Input longer than [`MAX_LENGTH`]
//!   characters or nested deeper than [`MAX_DEPTH`] is refused, never overflowing the stack.
//! - `format`: tree → canonical text (`Display`), which parses back to the identical tree.
//!
//! Differences from ODSQL worth knowing: `LIKE` takes SQL wildcards `%` and `_` and also ODSQL's
//! `*` (any run of characters); a backslash makes the next pattern character literal (write
//! `"50\\%"` or `"50\%"`: unknown string escapes keep their backslash). Not supported (yet):
//! `field:value`, range filters `IN [a..b]`, `suggest()`, geographic predicates, computed
//! expressions and date functions such as `year(date)` in `select`/`group_by`, `range()` and
//! `geo_cluster()` groupings.

mod ast;
mod dates;
mod error;
mod format;
mod lexer;
mod parser;

pub use ast::{
    Aggregate, CompareOp, Comparison, Direction, Expr, Field, Literal, OrderExpr, OrderKey, Query,
    SelectExpr, SelectItem,
};
pub use dates::{days_in_month, is_valid_date, parse_date_text};
pub use error::{Expected, Found, ParseError, ParseErrorKind};
pub use format::{format_group_by, format_order_by, format_select};
pub use parser::{
    MAX_DEPTH, MAX_LENGTH, parse_group_by, parse_order_by, parse_select, parse_where,
};

#[cfg(test)]
mod tests;
