//! The store's integration tests: one binary (see the house style, 3.5).

/// Shared helpers: a store in a temporary directory.
mod common;
/// The conformance suite, run against the SQLite and PostgreSQL engines.
mod conformance;
/// Publishing in a child process killed at random moments, then checking invariants.
mod crash;
/// Bundled referentials imported into a real store, plus the load benchmark (ignored).
mod load;
/// What only the PostgreSQL engine has: tokio's blocking pool, several processes on one database.
#[cfg(feature = "postgres")]
mod postgres;
