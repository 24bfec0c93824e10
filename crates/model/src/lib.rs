//! Socle's domain vocabulary.
//!
//! Brief overview:
//! - [`Organisation`]s (identified by a checked [`Siren`]) produce and publish [`Dataset`]s; a
//!   dataset records both its producer and its publisher, which differ when one body publishes on
//!   behalf of another.
//! - A dataset holds [`Resource`]s; each resource's content is a history of immutable
//!   [`Version`]s, one of them live. A version's bytes live in a content-addressed blob store
//!   (addressed by [`Sha256`]) and its rows, typed as [`Value`]s, in a table of [`ColumnDef`]s.
//! - [`User`]s hold [`Role`]s in organisations and may own [`ApiToken`]s.
//! - [`TerritoryCode`]s point into the referentials ([`Commune`], [`Epci`], [`Departement`], [`Region`]).
//! - [`query`]: the records query language (an ODSQL subset): parsing into a syntax tree, and formatting it back.
//!
//! Small enums stored as text ([`Licence`], [`Frequency`], [`DatasetState`]...) share one shape:
//! `as_str()` gives the stable code, `parse()` reads it back, `ALL` lists the variants.
//!
//! Architecture invariant: no I/O, no SQL, no HTTP. Wire formats are not derived from these types.

mod codes;
mod dataset;
mod error;
mod ids;
mod organisation;
pub mod query;
mod resource;
pub mod siren;
mod territory;
pub mod text;
mod user;
mod value;
mod version;

pub use dataset::{Dataset, DatasetState, Frequency, Licence, NewDataset};
pub use error::ParseError;
pub use ids::{ApiTokenId, DatasetId, OrganisationId, ResourceId, Sha256, Slug, UserId, VersionId};
pub use organisation::{NewOrganisation, Organisation, OrganisationKind};
pub use resource::{NewResource, PublicationPolicy, Resource, SchemaRef};
pub use siren::Siren;
pub use territory::{Commune, Departement, Epci, Referentials, Region, TerritoryCode};
pub use user::{ApiToken, Membership, NewApiToken, NewUser, Role, Session, User};
pub use value::{ColumnDef, ColumnType, Value};
pub use version::{IndexState, LivePeriod, NewVersion, Version, VersionOrigin, VersionStatus};

/// Re-exported so that callers name the same date and time types as the model.
pub use jiff;
