//! Socle's use cases: the one service every writer goes through.
//!
//! - [`Catalogue`] (`service`): every write, after a permission check (`access`).
//! - `accounts`: passwords (Argon2id) and browser sessions kept in the store.
//! - `jobs`: background publications through the store's job queue, and the loop that runs
//!   every kind of job.
//! - `publish`: keep the bytes, validate, load, flip; `infer` types files without a schema.
//! - `bundled`: the Table Schemas shipped in the binary (SCDL and related), with provenance.
//! - `fixing`: the wizard's mechanical fixes (`tableschema::fix`) applied to a whole file.
//! - `validation`: reading and checking a file, in parallel blocks for CSV.
//! - `moving`: a whole instance exported to a directory and imported into another engine.
//! - `demo`: real Occitanie organisations and realistic generated SCDL files for `socle demo`.
//!
//! Architecture invariant: every write to the catalogue (web form, API, CLI, harvesting,
//! consolidation) goes through this crate, so permissions and history live in one place.

pub mod access;
pub mod accounts;
pub mod bundled;
pub mod demo;
mod error;
pub mod fixing;
mod infer;
pub mod jobs;
pub mod moving;
pub mod publish;
mod service;
pub mod validation;

pub use access::Actor;
pub use accounts::{OpenedSession, SessionPolicy, SignedIn};
pub use error::{Error, Result};
pub use publish::{Outcome, Publication, PublishRequest};
pub use service::{Catalogue, new_dataset_from, new_organisation_from, new_resource_from};
