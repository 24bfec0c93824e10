//! The catalogue service's integration tests: publishing and permissions, on a real store in a
//! scratch directory. One test binary for the crate.

mod accounts;
mod moving;
mod permissions;
mod publishing;
mod support;
