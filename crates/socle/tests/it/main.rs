//! The binary's integration tests: they run the compiled `socle` in scratch directories.
//! One test binary for the crate (see ARCHITECTURE.md, "Testing").

mod catalogue;
mod corpus;
mod docs;
mod servers;
mod support;
mod validate;
