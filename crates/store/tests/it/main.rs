//! The store's integration tests: one binary (see the house style, 3.5).

/// Shared helpers: a store in a temporary directory.
mod common;
/// The conformance suite, run against the SQLite engine.
mod conformance;
/// Publishing in a child process killed at random moments, then checking invariants.
mod crash;
/// Bundled referentials imported into a real store, plus the load benchmark (ignored).
mod load;
