//! The wire types of `/api/v1`: what clients send and receive.
//!
//! They are written out here, field by field, rather than derived from `model` types, so that a
//! change of the domain model cannot silently change the API (see ARCHITECTURE.md). Codes
//! (kinds, licences, states...) are the model's stable text codes; dates are ISO 8601 text;
//! timestamps RFC 3339 in UTC.

use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

// ---- Lists ----

/// One page of a list.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Page<T> {
    pub data: Vec<T>,
    /// Page number, from 1.
    pub page: usize,
    pub page_size: usize,
    /// Items matching the filters, over all pages.
    pub total: usize,
}

// ---- Organisations ----

/// An organisation (collectivité, EPCI, State service...).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Organisation {
    pub id: i64,
    /// SIREN (9 digits): the organisation's identifier in addresses.
    pub siren: String,
    pub name: String,
    /// `commune`, `epci`, `departement`, `region`, `etat`, `syndicat-mixte` or `autre`.
    pub kind: String,
    /// The kind, in French, for display.
    pub kind_label: String,
    /// `commune:<INSEE>`, `epci:<SIREN>`, `departement:<code>`, `region:<code>` or `pays:FR`.
    pub territory: Option<String>,
    pub contact_email: Option<String>,
    pub logo_url: Option<String>,
    pub created_at: String,
    pub modified_at: String,
    /// Set when archived: still readable, but no new dataset is created for it.
    pub archived_at: Option<String>,
}

/// A short reference to an organisation, inside other objects.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct OrganisationRef {
    pub id: i64,
    pub siren: String,
    pub name: String,
}

/// Filters of the organisation list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OrganisationFilters {
    /// Words to find in the name (accents and case ignored).
    pub q: Option<String>,
    /// Only this kind (`commune`, `epci`...).
    pub kind: Option<String>,
    /// Page number, from 1 (default 1).
    pub page: Option<usize>,
    /// Items per page, 1 to 100 (default 20).
    pub page_size: Option<usize>,
}

/// What is needed to create an organisation (instance administrators only).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewOrganisation {
    pub siren: String,
    pub name: String,
    /// `commune`, `epci`, `departement`, `region`, `etat`, `syndicat-mixte` or `autre`.
    pub kind: String,
    pub territory: Option<String>,
    pub contact_email: Option<String>,
    pub logo_url: Option<String>,
}

/// Changes to an organisation: only the fields present change; an empty string clears an
/// optional field. The SIREN never changes.
#[derive(Debug, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OrganisationChanges {
    pub name: Option<String>,
    /// `commune`, `epci`, `departement`, `region`, `etat`, `syndicat-mixte` or `autre`.
    pub kind: Option<String>,
    pub territory: Option<String>,
    pub contact_email: Option<String>,
    pub logo_url: Option<String>,
}

// ---- Datasets ----

/// A dataset, as listed.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Dataset {
    pub id: i64,
    /// The dataset's identifier in addresses.
    pub slug: String,
    pub title: String,
    /// Markdown.
    pub description: String,
    /// `etalab-2.0` or `odbl-1.0`.
    pub licence: String,
    pub licence_label: String,
    pub themes: Vec<String>,
    pub keywords: Vec<String>,
    /// EU frequency code (`MONTHLY`, `ANNUAL`...).
    pub frequency: Option<String>,
    pub temporal_start: Option<String>,
    pub temporal_end: Option<String>,
    /// Territory covered (`commune:<INSEE>`...).
    pub spatial: Option<String>,
    /// Who produced the data.
    pub producer: OrganisationRef,
    /// Who publishes it (differs from the producer when publishing on behalf of another body).
    pub publisher: OrganisationRef,
    /// `draft`, `published` or `archived`.
    pub state: String,
    pub remote_id: Option<String>,
    pub source_url: Option<String>,
    pub created_at: String,
    pub modified_at: String,
}

/// A dataset with its resources.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct DatasetDetail {
    #[serde(flatten)]
    pub dataset: Dataset,
    pub resources: Vec<Resource>,
}

/// Filters of the dataset list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DatasetFilters {
    /// Words to find in the title, description and keywords (accents and case ignored; every
    /// word must appear).
    pub q: Option<String>,
    /// Only datasets this organisation (SIREN) produces or publishes.
    pub organisation: Option<String>,
    /// `published` (default), `archived`, `draft` (members only) or `all`.
    pub state: Option<String>,
    /// Only datasets with a resource declaring this schema (name, as in `/api/v1/schemas`).
    pub schema: Option<String>,
    /// Only datasets with this theme.
    pub theme: Option<String>,
    /// Only datasets with this keyword.
    pub keyword: Option<String>,
    /// Page number, from 1 (default 1).
    pub page: Option<usize>,
    /// Items per page, 1 to 100 (default 20).
    pub page_size: Option<usize>,
}

/// What is needed to create a dataset.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewDataset {
    /// Identifier in addresses; derived from the title when absent.
    pub slug: Option<String>,
    pub title: String,
    #[serde(default)]
    pub description: String,
    /// `etalab-2.0` (default) or `odbl-1.0`.
    pub licence: Option<String>,
    #[serde(default)]
    pub themes: Vec<String>,
    #[serde(default)]
    pub keywords: Vec<String>,
    pub frequency: Option<String>,
    pub temporal_start: Option<String>,
    pub temporal_end: Option<String>,
    pub spatial: Option<String>,
    /// SIREN of the publishing organisation (the caller must be one of its editors).
    pub publisher: String,
    /// SIREN of the producer, when publishing on behalf of another body (default: the publisher).
    pub producer: Option<String>,
    /// `published` (default) or `draft`.
    pub state: Option<String>,
}

/// Changes to a dataset: only the fields present change.
#[derive(Debug, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DatasetChanges {
    pub title: Option<String>,
    pub description: Option<String>,
    pub licence: Option<String>,
    pub themes: Option<Vec<String>>,
    pub keywords: Option<Vec<String>>,
    pub frequency: Option<String>,
    pub temporal_start: Option<String>,
    pub temporal_end: Option<String>,
    pub spatial: Option<String>,
    pub publisher: Option<String>,
    pub producer: Option<String>,
    /// `draft`, `published` or `archived`.
    pub state: Option<String>,
}

// ---- Resources ----

/// A declared Table Schema, at an exact version.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SchemaRef {
    pub name: String,
    pub version: String,
}

/// A resource: a file slot of a dataset, whose successive contents are versions.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Resource {
    pub id: i64,
    pub dataset_id: i64,
    pub title: String,
    pub description: String,
    /// `csv`, `xlsx`, `ods`...
    pub format: String,
    pub schema: Option<SchemaRef>,
    pub remote_url: Option<String>,
    /// `strict` (a non-conformant file is rejected) or `lenient` (published with its report).
    pub policy: String,
    /// The version served to readers, if any.
    pub live_version: Option<i64>,
    pub created_at: String,
    pub modified_at: String,
    /// Set when archived: its versions stay readable, but it takes no new publication.
    pub archived_at: Option<String>,
}

/// What is needed to add a resource to a dataset.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewResource {
    pub title: String,
    #[serde(default)]
    pub description: String,
    /// `csv` (default), `xlsx`, `ods`...
    pub format: Option<String>,
    /// A bundled schema: `name` (its bundled version) or `name@version`.
    pub schema: Option<String>,
    /// `strict` (default) or `lenient`.
    pub policy: Option<String>,
}

/// Changes to a resource: only the fields present change; an empty string clears `schema` or
/// `remote_url`. A new schema applies to the next publication.
#[derive(Debug, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResourceChanges {
    pub title: Option<String>,
    pub description: Option<String>,
    pub format: Option<String>,
    /// A bundled schema: `name` (its bundled version) or `name@version`; `""` declares none.
    pub schema: Option<String>,
    /// Where the resource's files come from (`POST …/versions` with `{}` fetches it).
    pub remote_url: Option<String>,
    /// `strict` or `lenient`.
    pub policy: Option<String>,
}

// ---- Versions ----

/// An immutable version of a resource's content.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Version {
    pub id: i64,
    pub resource_id: i64,
    /// SHA-256 of the original file (hexadecimal).
    pub sha256: String,
    /// Size of the original file, in bytes.
    pub size: u64,
    pub media_type: String,
    pub filename: Option<String>,
    /// `upload`, `cli`, `url`, `harvest` or `consolidation`.
    pub origin: String,
    pub received_at: String,
    /// `published` (live), `superseded` or `rejected`.
    pub status: String,
    /// Whether the file conforms to its declared schema.
    pub conformant: bool,
    /// Rows loaded (absent for rejected versions).
    pub row_count: Option<u64>,
    /// `building` while the indexes of a freshly published version are being built (its rows
    /// are queryable already and answers are the same, only slower), then `ready`.
    pub indexes: String,
    pub schema: Option<SchemaRef>,
    pub live_from: Option<String>,
    pub live_until: Option<String>,
    /// Where to get the validation report.
    pub report_url: String,
    /// Where to download the original file, unchanged.
    pub original_url: String,
}

/// The result of a publication.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Publication {
    /// `published` (the file is live), `rejected` (kept with its report, not served: the
    /// resource is strict and the file breaks its schema, or it could not be read) or
    /// `already_published` (these exact bytes were already sent: nothing changed).
    pub outcome: String,
    pub version: Version,
    /// The validation report (same document as `GET /api/v1/versions/{id}/report`).
    #[schema(value_type = Option<Object>)]
    pub report: Option<serde_json::Value>,
}

/// Reading options of a publication (all optional: detected by default).
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UploadOptions {
    /// The file's name (for a raw body; a multipart upload carries its own). Also accepted
    /// in a `Content-Disposition: attachment; filename="…"` header.
    pub filename: Option<String>,
    /// Text encoding of a CSV: `utf-8`, `windows-1252`, `iso-8859-1`, `iso-8859-15`...
    pub encoding: Option<String>,
    /// CSV delimiter (one ASCII character).
    pub delimiter: Option<String>,
    /// Sheet of a workbook (default: the first).
    pub sheet: Option<String>,
    /// `true`: publish in the background (answer 202 with a job to follow, like the header
    /// `Prefer: respond-async`); `false`: publish within the request whatever the size. By
    /// default, files of at least `async_publication_bytes` are published in the background.
    #[serde(rename = "async")]
    #[param(rename = "async")]
    pub in_background: Option<bool>,
}

/// A background job (`GET /api/v1/jobs/{id}`): a publication sent with `?async=true`, or an
/// index build.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Job {
    pub id: i64,
    /// `publish` or `build-indexes`.
    pub kind: String,
    /// `queued`, `running`, `done` or `failed`.
    pub state: String,
    /// Claims so far (a job whose server died is claimed again by another after its lease).
    pub attempts: u32,
    /// Data rows read so far by a publication (reported by its heartbeats).
    pub rows_read: Option<u64>,
    /// The process running (or that last ran) the job, `pid <n>`.
    pub worker: Option<String>,
    /// The last step reported by a job of another kind.
    pub step: Option<String>,
    /// Once a publication is done: its outcome, as the synchronous answer would have said.
    pub publication: Option<Publication>,
    /// Why the last attempt failed (in French).
    pub error: Option<String>,
}

/// Body of a publication by URL: the server downloads the file itself.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PublishByUrl {
    /// `http://` or `https://` address of the file; absent: the resource's `remote_url`.
    pub url: Option<String>,
}

// ---- Schemas ----

/// A bundled Table Schema.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Schema {
    pub name: String,
    pub version: String,
    pub title: String,
    /// Where the descriptor was copied from.
    pub provenance: String,
}

/// One field of a schema.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct SchemaField {
    pub name: String,
    /// Table Schema type (`string`, `integer`, `date`...).
    #[serde(rename = "type")]
    pub kind: String,
    pub title: Option<String>,
    pub description: Option<String>,
    pub required: bool,
}

/// A resource declaring a schema, with its dataset.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct SchemaUse {
    pub resource_id: i64,
    pub resource_title: String,
    pub dataset_slug: String,
    pub dataset_title: String,
    /// The version of the schema the resource declares.
    pub schema_version: String,
}

/// A bundled schema with its fields and the resources that declare it.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct SchemaDetail {
    #[serde(flatten)]
    pub schema: Schema,
    pub fields: Vec<SchemaField>,
    /// Resources of visible datasets declaring this schema (any version).
    pub resources: Vec<SchemaUse>,
    /// The descriptor, exactly as published.
    #[schema(value_type = Object)]
    pub descriptor: serde_json::Value,
}

// ---- Tokens ----

/// What is needed to create an API token for oneself.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewToken {
    /// What the token is for (shown in lists).
    #[serde(default)]
    pub label: String,
    /// Days until the token expires (default: never).
    pub expires_in_days: Option<u32>,
}

/// An API token (its secret is never shown again after creation).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Token {
    pub id: i64,
    pub label: String,
    pub created_at: String,
    pub expires_at: Option<String>,
}

/// A token just created, with its secret: shown this once.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct CreatedToken {
    #[serde(flatten)]
    pub token: Token,
    /// Send it as `Authorization: Bearer <secret>`.
    pub secret: String,
}
