//! Versions: immutable snapshots of a resource's content, with their provenance, their validation
//! report, and the period during which each was served.

use jiff::Timestamp;

use crate::codes::code_enum;
use crate::{OrganisationId, ResourceId, SchemaRef, Sha256, UserId, VersionId};

code_enum!(
    /// How a version's bytes reached the platform.
    VersionOrigin, "origine de la version" {
        /// Sent through the web form or the JSON API.
        Upload = "upload",
        /// Sent with the command-line tool.
        Cli = "cli",
        /// Fetched from the resource's remote URL.
        Url = "url",
        /// Brought in by harvesting a remote catalogue.
        Harvest = "harvest",
        /// Produced by consolidating other resources.
        Consolidation = "consolidation",
    }
);

code_enum!(
    /// Where a version is in its life. Versions that are still loading are never shown.
    VersionStatus, "statut de la version" {
        /// Currently served (the resource's live version).
        Published = "published",
        /// Refused (its report says why); never served.
        Rejected = "rejected",
        /// Was served, then replaced by a newer version; its rows are kept.
        Superseded = "superseded",
    }
);

code_enum!(
    /// Whether a published version's secondary indexes and full-text index are built. Rows are
    /// queryable as soon as a version is published; the indexes follow in a background job, and
    /// queries give the same answers meanwhile, only slower.
    IndexState, "état des index" {
        /// The indexes are being built (queries scan the table).
        Building = "building",
        /// Every index is built.
        Ready = "ready",
    }
);

/// What the caller knows about a version before loading it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewVersion {
    pub resource: ResourceId,
    /// The blob holding the original bytes (see `Store::put_blob`).
    pub sha256: Sha256,
    pub size: u64,
    pub media_type: String,
    /// The file name as received, if any (for downloads).
    pub filename: Option<String>,
    pub origin: VersionOrigin,
    pub received_by: Option<UserId>,
    pub received_at: Timestamp,
}

/// A stored version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Version {
    pub id: VersionId,
    pub resource: ResourceId,
    pub sha256: Sha256,
    pub size: u64,
    pub media_type: String,
    pub filename: Option<String>,
    pub origin: VersionOrigin,
    pub received_by: Option<UserId>,
    pub received_at: Timestamp,
    /// The validation report, as JSON text (its format belongs to `tableschema`).
    pub report: Option<String>,
    /// Rows loaded into the version's table (absent for rejected versions).
    pub row_count: Option<u64>,
    pub status: VersionStatus,
    /// Start of the latest period during which this version was live.
    pub live_from: Option<Timestamp>,
    /// End of that period (absent while live).
    pub live_until: Option<Timestamp>,
    /// Whether the file conforms to the declared schema.
    pub conformant: bool,
    /// The resource's declared schema when this version was published (copied, since the
    /// resource's declaration may change later).
    pub schema: Option<SchemaRef>,
    /// The producer of the dataset when this version was published (copied, for consolidation).
    pub producer: OrganisationId,
    /// Whether the version's indexes are built (`Ready` for rejected versions: nothing to build).
    pub indexes: IndexState,
}

/// One period during which a version was a resource's live version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LivePeriod {
    pub resource: ResourceId,
    pub version: VersionId,
    pub from: Timestamp,
    /// Absent while still live.
    pub until: Option<Timestamp>,
}
