//! Persistence: the one [`Store`] API through which Socle reaches its database and its files.
//!
//! Brief overview:
//! - [`Store`] is a cheap-to-clone, `Send + Sync` handle. Its methods are the only way to the
//!   database. Behind it sits an engine chosen by [`StoreOptions::database_url`] (SQLite, by
//!   default in `socle.db` under the data directory, or PostgreSQL, see the `postgres` module)
//!   and a content-addressed blob store (`blobs/` in the data directory, or a bucket of an
//!   S3-compatible object store chosen by [`StoreOptions::blobs`]; see [`Store::put_blob`]).
//! - Catalogue entities (organisations, datasets, resources, users, memberships, API tokens) are
//!   plain create / read / update / delete methods taking and returning `model` types. The store
//!   persists; it checks no permissions (the catalogue service does).
//! - Publishing a version is three steps: [`Store::create_version_table`] registers a pending
//!   version and creates a staging table no reader can see; [`LoadHandle::append`] streams rows
//!   into it; [`Store::commit_version`], in one transaction, renames it into view, marks it
//!   published, supersedes the previous version, flips the resource's live pointer and enqueues
//!   the job that builds its indexes (see `jobs`: rows are queryable at once, indexes follow).
//!   A caller that stores the file while loading it (one pass over its input, through a
//!   [`BlobWriter`]) starts with [`Store::create_version_table_before_blob`] and gives the
//!   version its address with [`LoadHandle::attach_blob`] before committing.
//!   A crash at any point leaves the previous version served; [`Store::open`] removes leftovers.
//! - [`Store::check`] lists inconsistencies (`socle check`); `conformance` is the test suite
//!   every engine must pass.
//! - `records`: compiling record queries (model::query syntax trees) to parameterised SQL.
//!
//! Concurrency, as it really behaves with SQLite (PostgreSQL runs concurrent writers itself and
//! serialises publications of one resource across processes by locking its row): publications to one resource are serialised by
//! a per-resource lock held by the [`LoadHandle`]. Publications to different resources proceed in
//! parallel, but every write transaction goes through the single writer connection: each
//! [`LoadHandle::append`] call is one transaction, so parallel loads interleave batch by batch
//! rather than truly write at once, while parsing and validation (done by the caller between
//! calls) do run in parallel. Readers are never blocked (WAL snapshots).
//! Two processes on one data directory (server and CLI) are safe: SQLite serialises their writes
//! and orphan cleanup only runs in a process that holds the directory alone.
//!
//! Architecture invariant: this is the only crate that contains SQL.

mod blobs;
/// Test support (hidden from the docs): the suite every engine must pass, and its fixtures.
#[doc(hidden)]
pub mod conformance;
mod database_url;
mod error;
#[cfg(feature = "postgres")]
mod postgres;
pub mod records;
pub mod referentials;
mod row_block;
mod sqlite;

use std::collections::HashSet;
use std::fs::{self, File, TryLockError};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex};

use jiff::Timestamp;
use model::{
    ApiToken, ApiTokenId, ColumnDef, Commune, Dataset, DatasetId, DatasetState, Departement, Epci,
    LivePeriod, Membership, NewApiToken, NewDataset, NewOrganisation, NewResource, NewUser,
    NewVersion, Organisation, OrganisationId, Referentials, Region, Resource, ResourceId, Role,
    SchemaRef, Session, Sha256, Siren, Slug, TerritoryCode, User, UserId, Value, Version,
    VersionId,
};

pub use blobs::{BlobBackend, BlobInfo, BlobReader, PART_SIZE as S3_PART_SIZE, S3Settings};
pub use database_url::DatabaseUrl;
pub use error::{Error, Result};
pub use row_block::{Cell, RowBlock};

use blobs::{BlobState, BlobStore};
use error::io_context;
use sqlite::SqliteEngine;

/// What to do with the table of a version once a newer one replaces it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Retention {
    /// Keep every published version's rows: versions stay queryable and diffable (the default).
    #[default]
    KeepAll,
    /// Drop a version's table when it is superseded (its blob and metadata stay).
    DropSuperseded,
}

/// Settings of [`Store::open_with`].
#[derive(Debug, Clone)]
pub struct StoreOptions {
    pub retention: Retention,
    /// Idle reader connections kept open for reuse.
    pub max_idle_readers: usize,
    /// Where the catalogue and the rows live; `None`: SQLite in `socle.db` under the data
    /// directory.
    pub database_url: Option<DatabaseUrl>,
    /// Where the blobs (original files) live: the data directory (default) or an S3 bucket.
    /// Writes to object storage are still spooled through the data directory's `blobs/tmp/`.
    pub blobs: BlobBackend,
}

impl Default for StoreOptions {
    fn default() -> Self {
        StoreOptions {
            retention: Retention::KeepAll,
            max_idle_readers: 8,
            database_url: None,
            blobs: BlobBackend::Local,
        }
    }
}

/// Narrows [`Store::list_datasets`]; empty fields do not filter.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DatasetFilter {
    /// Datasets this organisation produces or publishes.
    pub organisation: Option<OrganisationId>,
    pub state: Option<DatasetState>,
}

/// What a request for the rows of a resource reads, found in one read
/// ([`Store::read_target`]): the resource, its dataset (whose state and organisations decide who
/// may see it) and the version chosen.
#[derive(Debug, Clone)]
pub struct ReadTarget {
    pub resource: Resource,
    pub dataset: Dataset,
    /// The live version, or the one asked for if it belongs to the resource; `None` if there
    /// is no such version.
    pub version: Option<Version>,
}

/// One input of a consolidation: a live, conformant version of a resource declaring a schema.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LiveSource {
    pub resource: ResourceId,
    pub dataset: DatasetId,
    pub version: VersionId,
    /// The exact schema version the file was published under.
    pub schema: SchemaRef,
    pub producer: OrganisationId,
    pub producer_siren: Siren,
    /// The producer's territory.
    pub territory: Option<TerritoryCode>,
    pub row_count: u64,
}

/// How many rows [`Store::import_referentials`] stored.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ReferentialCounts {
    pub communes: usize,
    pub epci: usize,
    pub departements: usize,
    pub regions: usize,
}

/// One inconsistency found by [`Store::check`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub kind: ProblemKind,
    /// A French sentence naming the faulty item.
    pub message: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ProblemKind {
    /// A version's rows table is gone.
    MissingTable,
    /// A version's table does not hold its declared number of rows.
    RowCountMismatch,
    /// A version table that no committed version owns.
    OrphanTable,
    /// A version still loading, or left by a crash (removed at the next exclusive open).
    PendingVersion,
    /// Statuses, live pointers and live periods disagree.
    InconsistentLivePointer,
    /// A version's original file is missing from the blob store.
    MissingBlob,
    /// A version's original file no longer has its SHA-256.
    AlteredBlob,
    /// A temporary file left by an interrupted blob write.
    TempFile,
    /// A background job given up after its last attempt (an index build, a publication).
    FailedJob,
}

/// What [`Store::create_version_table`] found.
#[allow(clippy::large_enum_variant)] // Built once per publication, consumed at once.
pub enum VersionStart {
    /// These exact bytes were already recorded for the resource: nothing new is created.
    Existing(Version),
    /// A new pending version, ready to receive rows.
    Loading(LoadHandle),
}

/// Cheap-to-clone handle on a data directory. See the crate documentation.
#[derive(Clone)]
pub struct Store {
    inner: Arc<Inner>,
}

struct Inner {
    engine: Engine,
    blobs: BlobStore,
    publications: Arc<PublicationLocks>,
    data_dir: PathBuf,
    options: StoreOptions,
    /// Descriptions of version tables whose indexes are ready (immutable), for records queries.
    described: records::DescribedVersions,
    /// Total counts of filters on versions whose indexes are ready (immutable), bounded.
    counts: records::KeptCounts,
    /// Held (shared) for the store's lifetime so that another process's exclusive open, and
    /// with it orphan cleanup, cannot happen while this one may be loading.
    _directory_lock: File,
}

/// The database engines. Each variant has the same inherent methods; [`dispatch`] picks one.
enum Engine {
    Sqlite(SqliteEngine),
    #[cfg(feature = "postgres")]
    Postgres(Box<postgres::PgEngine>),
}

/// Calls the same method on whichever engine is in use.
macro_rules! dispatch {
    ($store:expr, $engine:ident => $call:expr) => {
        match &$store.inner.engine {
            Engine::Sqlite($engine) => $call,
            #[cfg(feature = "postgres")]
            Engine::Postgres($engine) => $call,
        }
    };
}

/// Opens the engine `options.database_url` names; says whether this process has the database
/// to itself (then the leftovers of crashed publications may be removed).
fn open_engine(
    data_dir: &Path,
    options: &StoreOptions,
    directory_alone: bool,
) -> Result<(Engine, bool)> {
    let url = options
        .database_url
        .clone()
        .unwrap_or_else(|| DatabaseUrl::Sqlite(data_dir.join("socle.db")));
    match url {
        DatabaseUrl::Sqlite(path) => Ok((
            Engine::Sqlite(SqliteEngine::open(&path, options.max_idle_readers)?),
            directory_alone,
        )),
        #[cfg(feature = "postgres")]
        DatabaseUrl::Postgres(url) => {
            let (engine, alone) = postgres::PgEngine::open(&url, options.max_idle_readers)?;
            Ok((Engine::Postgres(Box::new(engine)), alone))
        }
        #[cfg(not(feature = "postgres"))]
        DatabaseUrl::Postgres(_) => Err(Error::Unsupported(
            "ce programme a été compilé sans PostgreSQL (fonctionnalité cargo « postgres ») : utilisez une base SQLite ou recompilez avec `--features postgres`".to_owned(),
        )),
    }
}
// After `dispatch!`, which they use.
pub mod dump;
mod jobs;
pub use jobs::{BUILD_INDEXES, JOB_LEASE, Job, JobId, JobState, JobStatus, MAX_JOB_ATTEMPTS};

impl Store {
    /// Opens (creating if needed) the store in `data_dir`: `socle.db`, `blobs/`, `socle.lock`.
    pub fn open(data_dir: &Path) -> Result<Store> {
        Store::open_with(data_dir, StoreOptions::default())
    }

    pub fn open_with(data_dir: &Path, options: StoreOptions) -> Result<Store> {
        fs::create_dir_all(data_dir).map_err(io_context(format!(
            "création du dossier {}",
            data_dir.display()
        )))?;
        let lock_path = data_dir.join("socle.lock");
        let directory_lock = File::options()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .map_err(io_context(format!("ouverture de {}", lock_path.display())))?;
        let alone = match directory_lock.try_lock() {
            Ok(()) => true,
            Err(TryLockError::WouldBlock) => false,
            Err(TryLockError::Error(error)) => {
                return Err(io_context(format!(
                    "verrouillage de {}",
                    lock_path.display()
                ))(error));
            }
        };
        let blobs = BlobStore::open(data_dir.join("blobs"), &options.blobs)?;
        let (engine, database_alone) = open_engine(data_dir, &options, alone)?;
        let store = Store {
            inner: Arc::new(Inner {
                engine,
                blobs,
                publications: Arc::new(PublicationLocks::default()),
                data_dir: data_dir.to_path_buf(),
                options,
                described: records::DescribedVersions::default(),
                counts: records::KeptCounts::default(),
                _directory_lock: directory_lock,
            }),
        };
        if database_alone {
            dispatch!(store, engine => engine.clean_orphans().map(|_| ()))?;
        }
        if alone {
            store.inner.blobs.remove_temp_files()?;
            let lock = &store.inner._directory_lock;
            lock.unlock().map_err(io_context(format!(
                "déverrouillage de {}",
                lock_path.display()
            )))?;
        }
        store
            .inner
            ._directory_lock
            .lock_shared()
            .map_err(io_context(format!(
                "verrouillage de {}",
                lock_path.display()
            )))?;
        Ok(store)
    }

    /// The engine's name and the schema version its migrations reached (`socle migrate`).
    pub fn schema_version(&self) -> Result<(&'static str, i64)> {
        match &self.inner.engine {
            Engine::Sqlite(engine) => Ok(("SQLite", engine.schema_version()?)),
            #[cfg(feature = "postgres")]
            Engine::Postgres(engine) => Ok(("PostgreSQL", engine.schema_version()?)),
        }
    }

    pub fn data_dir(&self) -> &Path {
        &self.inner.data_dir
    }

    pub fn options(&self) -> &StoreOptions {
        &self.inner.options
    }

    // ---- Organisations ----

    /// Fails with [`Error::Conflict`] when the SIREN is taken.
    pub fn create_organisation(&self, new: &NewOrganisation) -> Result<Organisation> {
        dispatch!(self, engine => engine.create_organisation(new))
    }

    /// Archives an organisation: readable with its datasets, but no longer current.
    pub fn archive_organisation(&self, id: OrganisationId) -> Result<Organisation> {
        dispatch!(self, engine => engine.archive_organisation(id))
    }

    /// Replaces every field. Fails with [`Error::NotFound`] or [`Error::Conflict`].
    pub fn update_organisation(
        &self,
        id: OrganisationId,
        new: &NewOrganisation,
    ) -> Result<Organisation> {
        dispatch!(self, engine => engine.update_organisation(id, new))
    }

    /// Fails with [`Error::Conflict`] while datasets or versions still name the organisation.
    pub fn delete_organisation(&self, id: OrganisationId) -> Result<()> {
        dispatch!(self, engine => engine.delete_organisation(id))
    }

    pub fn organisation(&self, id: OrganisationId) -> Result<Option<Organisation>> {
        dispatch!(self, engine => engine.organisation(id))
    }

    pub fn organisation_by_siren(&self, siren: &Siren) -> Result<Option<Organisation>> {
        dispatch!(self, engine => engine.organisation_by_siren(siren))
    }

    /// Sorted by name.
    pub fn list_organisations(&self) -> Result<Vec<Organisation>> {
        dispatch!(self, engine => engine.list_organisations())
    }

    // ---- Datasets ----

    /// Fails with [`Error::Conflict`] when the slug is taken or an organisation does not exist.
    pub fn create_dataset(&self, new: &NewDataset) -> Result<Dataset> {
        dispatch!(self, engine => engine.create_dataset(new))
    }

    /// Replaces every field (state included).
    pub fn update_dataset(&self, id: DatasetId, new: &NewDataset) -> Result<Dataset> {
        dispatch!(self, engine => engine.update_dataset(id, new))
    }

    /// Deletes the dataset, its resources, their versions and rows (blobs are kept).
    pub fn delete_dataset(&self, id: DatasetId) -> Result<()> {
        dispatch!(self, engine => engine.delete_dataset(id))
    }

    pub fn dataset(&self, id: DatasetId) -> Result<Option<Dataset>> {
        dispatch!(self, engine => engine.dataset(id))
    }

    pub fn dataset_by_slug(&self, slug: &Slug) -> Result<Option<Dataset>> {
        dispatch!(self, engine => engine.dataset_by_slug(slug))
    }

    /// For harvesting: the dataset recorded with this identifier at its source.
    pub fn dataset_by_remote_id(&self, remote_id: &str) -> Result<Option<Dataset>> {
        dispatch!(self, engine => engine.dataset_by_remote_id(remote_id))
    }

    /// Most recently modified first.
    pub fn list_datasets(&self, filter: &DatasetFilter) -> Result<Vec<Dataset>> {
        dispatch!(self, engine => engine.list_datasets(filter))
    }

    // ---- Resources ----

    pub fn create_resource(&self, new: &NewResource) -> Result<Resource> {
        dispatch!(self, engine => engine.create_resource(new))
    }

    /// Archives a resource: readable with its versions, but no longer current.
    pub fn archive_resource(&self, id: ResourceId) -> Result<Resource> {
        dispatch!(self, engine => engine.archive_resource(id))
    }

    /// Replaces the metadata; the live version only moves by publishing.
    pub fn update_resource(&self, id: ResourceId, new: &NewResource) -> Result<Resource> {
        dispatch!(self, engine => engine.update_resource(id, new))
    }

    /// Deletes the resource, its versions and their rows (blobs are kept).
    pub fn delete_resource(&self, id: ResourceId) -> Result<()> {
        dispatch!(self, engine => engine.delete_resource(id))
    }

    pub fn resource(&self, id: ResourceId) -> Result<Option<Resource>> {
        dispatch!(self, engine => engine.resource(id))
    }

    pub fn resources_of_dataset(&self, dataset: DatasetId) -> Result<Vec<Resource>> {
        dispatch!(self, engine => engine.resources_of_dataset(dataset))
    }

    /// Resources declaring a schema, whatever its version.
    pub fn resources_by_schema(&self, schema_name: &str) -> Result<Vec<Resource>> {
        dispatch!(self, engine => engine.resources_by_schema(schema_name))
    }

    // ---- Blobs ----

    /// Streams bytes into the blob store (constant memory) and returns their address.
    /// Call it before [`Store::create_version_table`], whose [`NewVersion`] names the blob.
    pub fn put_blob(&self, reader: impl Read) -> Result<BlobInfo> {
        self.inner.blobs.put(reader)
    }

    /// A blob written piece by piece, hashed and spooled on a thread of its own while the
    /// caller goes on (a publication loads the rows of the bytes it is reading): the same blob
    /// as [`Store::put_blob`] of the same bytes, kept once [`BlobWriter::finish`] returns.
    pub fn blob_writer(&self) -> Result<BlobWriter> {
        Ok(BlobWriter {
            store: self.clone(),
            spool: Some(self.inner.blobs.spool()?),
        })
    }

    /// The original bytes of a blob, streamed from wherever it lives. Fails with
    /// [`Error::NotFound`] if absent.
    pub fn open_blob(&self, sha256: &Sha256) -> Result<BlobReader> {
        self.inner
            .blobs
            .open_blob(sha256)?
            .ok_or_else(|| Error::NotFound(format!("fichier {sha256}")))
    }

    /// Whether a blob is stored (without reading it).
    pub fn has_blob(&self, sha256: &Sha256) -> Result<bool> {
        self.inner.blobs.contains(sha256)
    }

    /// Where a blob lives on the local disk; `None` when blobs are on object storage.
    pub fn blob_path(&self, sha256: &Sha256) -> Option<PathBuf> {
        self.inner.blobs.local_path(sha256)
    }

    // ---- Versions ----

    /// Starts publishing a version: waits for the resource's publication lock, then either finds
    /// the same bytes already recorded for the resource ([`VersionStart::Existing`], lock
    /// released), or registers a pending version with an empty staging table of `columns` and
    /// returns the handle that loads it (holding the lock until committed, rejected or dropped).
    ///
    /// The lock is per resource and not reentrant: a thread holding a [`LoadHandle`] for a
    /// resource must not start another publication of the same resource.
    pub fn create_version_table(
        &self,
        new: &NewVersion,
        columns: &[ColumnDef],
    ) -> Result<VersionStart> {
        if !self.inner.blobs.contains(&new.sha256)? {
            return Err(Error::NotFound(format!(
                "fichier {} (à déposer avec put_blob)",
                new.sha256
            )));
        }
        let locks = self.load_locks(new.resource)?;
        let begun = dispatch!(self, engine => engine.begin_version(new, columns))?;
        Ok(match begun {
            sqlite::Begun::Existing(version) => VersionStart::Existing(version),
            sqlite::Begun::Started(version) => VersionStart::Loading(LoadHandle::new(
                (version, new.resource),
                columns,
                locks,
                true,
            )),
        })
    }

    /// Like [`Store::create_version_table`] for a file whose bytes are still being stored
    /// while its rows load (see [`Store::blob_writer`]): `new.sha256` and `new.size` are not
    /// known yet and are ignored. The pending version stands under a provisional address, never
    /// visible, until [`LoadHandle::attach_blob`] gives it the real one, which must happen
    /// before it is committed or rejected; the duplicate check (these bytes already recorded
    /// for the resource) happens there.
    pub fn create_version_table_before_blob(
        &self,
        new: &NewVersion,
        columns: &[ColumnDef],
    ) -> Result<LoadHandle> {
        let provisional = NewVersion {
            sha256: provisional_address(),
            size: 0,
            ..new.clone()
        };
        let locks = self.load_locks(new.resource)?;
        match dispatch!(self, engine => engine.begin_version(&provisional, columns))? {
            sqlite::Begun::Existing(_) => Err(Error::Conflict(
                "adresse provisoire déjà prise : recommencez la publication".to_owned(),
            )),
            sqlite::Begun::Started(version) => Ok(LoadHandle::new(
                (version, new.resource),
                columns,
                locks,
                false,
            )),
        }
    }

    /// Publishes a loaded version: in one transaction makes its table visible, marks it
    /// published with its indexes `building`, marks the previous live version superseded
    /// (dropping its table under [`Retention::DropSuperseded`]), flips the live pointer and
    /// enqueues a [`BUILD_INDEXES`] job (run it with [`Store::run_waiting_jobs`]).
    /// `report` is the validation report (JSON text).
    pub fn commit_version(
        &self,
        mut load: LoadHandle,
        report: Option<&str>,
        conformant: bool,
    ) -> Result<Version> {
        load.require_blob()?;
        load.finished = true;
        // The handle's own store: a handle is only ever committed where it was loaded.
        let store = load.store.clone();
        let retention = store.inner.options.retention;
        let committed = dispatch!(store, engine => engine.commit_version(
            load.version,
            report,
            conformant,
            retention
        ));
        if committed.is_err() {
            load.finished = false; // Drop discards the staging table.
        }
        committed
    }

    /// Records a loaded version as rejected (its rows are dropped, its report kept); the
    /// previous live version stays live.
    pub fn reject_version(&self, mut load: LoadHandle, report: &str) -> Result<Version> {
        load.require_blob()?;
        load.finished = true;
        let store = load.store.clone();
        let rejected =
            dispatch!(store, engine => engine.reject_pending_version(load.version, report));
        if rejected.is_err() {
            load.finished = false;
        }
        rejected
    }

    /// Records a version rejected before any table was created (unreadable file...). Returns the
    /// existing version if these bytes were already recorded for the resource.
    pub fn record_rejected_version(&self, new: &NewVersion, report: &str) -> Result<Version> {
        let _guard = PublicationLocks::acquire(&self.inner.publications, new.resource);
        dispatch!(self, engine => engine.record_rejected_version(new, report))
    }

    /// Makes a superseded version live again (rollback), if its rows were kept.
    pub fn restore_version(&self, version: VersionId) -> Result<Version> {
        let resource = self
            .version(version)?
            .ok_or_else(|| Error::NotFound(format!("version {version}")))?
            .resource;
        let _guard = PublicationLocks::acquire(&self.inner.publications, resource);
        let retention = self.inner.options.retention;
        dispatch!(self, engine => engine.restore_version(version, retention))
    }

    /// A version (never a pending one).
    pub fn version(&self, id: VersionId) -> Result<Option<Version>> {
        dispatch!(self, engine => engine.version(id))
    }

    /// The version of `resource` with these bytes, if any (idempotent publication).
    pub fn version_by_sha256(
        &self,
        resource: ResourceId,
        sha256: &Sha256,
    ) -> Result<Option<Version>> {
        dispatch!(self, engine => engine.version_by_sha256(resource, sha256))
    }

    /// Every version of a resource, rejected ones included, newest first.
    pub fn versions_of_resource(&self, resource: ResourceId) -> Result<Vec<Version>> {
        dispatch!(self, engine => engine.versions_of_resource(resource))
    }

    pub fn live_version(&self, resource: ResourceId) -> Result<Option<Version>> {
        dispatch!(self, engine => engine.live_version(resource))
    }

    /// The resource, its dataset and its live version (or `version`, if it is one of the
    /// resource's), read on one connection: every page of records starts with this, and three
    /// separate reads cost three trips through the pool. `None` if the resource does not exist.
    pub fn read_target(
        &self,
        resource: ResourceId,
        version: Option<VersionId>,
    ) -> Result<Option<ReadTarget>> {
        dispatch!(self, engine => engine.read_target(resource, version))
    }

    /// When each version of a resource was live, oldest first.
    pub fn live_history(&self, resource: ResourceId) -> Result<Vec<LivePeriod>> {
        dispatch!(self, engine => engine.live_history(resource))
    }

    /// The columns of a published or superseded version's table.
    pub fn version_columns(&self, version: VersionId) -> Result<Option<Vec<ColumnDef>>> {
        dispatch!(self, engine => engine.version_columns(version))
    }

    /// Streams a version's rows in file order (constant memory). `visit` may stop early by
    /// returning an error, which is passed through.
    pub fn for_each_row<E: From<Error>>(
        &self,
        version: VersionId,
        mut visit: impl FnMut(&[Value]) -> Result<(), E>,
    ) -> Result<(), E> {
        dispatch!(self, engine => engine.for_each_row(version, &mut visit))
    }

    /// Consolidation input: the live, conformant versions of resources declaring `schema_name`,
    /// in published datasets, with their producer's SIREN and territory.
    pub fn live_sources(&self, schema_name: &str) -> Result<Vec<LiveSource>> {
        dispatch!(self, engine => engine.live_sources(schema_name))
    }

    // ---- Users, memberships, API tokens ----

    /// Fails with [`Error::Conflict`] when the e-mail address is taken (case-insensitively).
    pub fn create_user(&self, new: &NewUser) -> Result<User> {
        dispatch!(self, engine => engine.create_user(new))
    }

    /// Replaces every field (password hash and admin flag included).
    pub fn update_user(&self, id: UserId, new: &NewUser) -> Result<User> {
        dispatch!(self, engine => engine.update_user(id, new))
    }

    pub fn delete_user(&self, id: UserId) -> Result<()> {
        dispatch!(self, engine => engine.delete_user(id))
    }

    pub fn user(&self, id: UserId) -> Result<Option<User>> {
        dispatch!(self, engine => engine.user(id))
    }

    /// Case-insensitive on ASCII letters.
    pub fn user_by_email(&self, email: &str) -> Result<Option<User>> {
        dispatch!(self, engine => engine.user_by_email(email))
    }

    pub fn list_users(&self) -> Result<Vec<User>> {
        dispatch!(self, engine => engine.list_users())
    }

    /// Gives `user` a role in `organisation`, changes it, or (`None`) removes it.
    pub fn set_membership(
        &self,
        user: UserId,
        organisation: OrganisationId,
        role: Option<Role>,
    ) -> Result<()> {
        dispatch!(self, engine => engine.set_membership(user, organisation, role))
    }

    pub fn memberships_of_user(&self, user: UserId) -> Result<Vec<Membership>> {
        dispatch!(self, engine => engine.memberships_of_user(user))
    }

    pub fn members_of_organisation(&self, organisation: OrganisationId) -> Result<Vec<Membership>> {
        dispatch!(self, engine => engine.members_of_organisation(organisation))
    }

    pub fn create_api_token(&self, new: &NewApiToken) -> Result<ApiToken> {
        dispatch!(self, engine => engine.create_api_token(new))
    }

    /// Lookup by exact hash; expiry is the caller's to check.
    pub fn api_token_by_hash(&self, token_hash: &str) -> Result<Option<ApiToken>> {
        dispatch!(self, engine => engine.api_token_by_hash(token_hash))
    }

    pub fn api_tokens_of_user(&self, user: UserId) -> Result<Vec<ApiToken>> {
        dispatch!(self, engine => engine.api_tokens_of_user(user))
    }

    pub fn delete_api_token(&self, id: ApiTokenId) -> Result<()> {
        dispatch!(self, engine => engine.delete_api_token(id))
    }

    // ---- Browser sessions (the portal's sign-in; see model::Session) ----

    pub fn create_session(&self, session: &Session) -> Result<()> {
        dispatch!(self, engine => engine.create_session(session))
    }

    /// Lookup by exact hash; expiry is the caller's to check.
    pub fn session_by_hash(&self, token_hash: &str) -> Result<Option<Session>> {
        dispatch!(self, engine => engine.session_by_hash(token_hash))
    }

    /// Records activity: a new last-seen time and expiry.
    pub fn touch_session(
        &self,
        token_hash: &str,
        last_seen_at: Timestamp,
        expires_at: Timestamp,
    ) -> Result<()> {
        dispatch!(self, engine => engine.touch_session(token_hash, last_seen_at, expires_at))
    }

    /// Signs one session out (nothing happens if it is already gone).
    pub fn delete_session(&self, token_hash: &str) -> Result<()> {
        dispatch!(self, engine => engine.delete_session(token_hash))
    }

    /// Revokes every session of a user (password change); returns how many there were.
    pub fn delete_sessions_of_user(&self, user: UserId) -> Result<u64> {
        dispatch!(self, engine => engine.delete_sessions_of_user(user))
    }

    /// Removes the sessions expired at `now`; returns how many.
    pub fn delete_expired_sessions(&self, now: Timestamp) -> Result<u64> {
        dispatch!(self, engine => engine.delete_expired_sessions(now))
    }

    // ---- Referentials ----

    /// Replaces all four referential tables in one transaction.
    /// [`referentials::bundled`] gives the files compiled into the binary.
    pub fn import_referentials(&self, referentials: &Referentials) -> Result<ReferentialCounts> {
        dispatch!(self, engine => engine.import_referentials(referentials))
    }

    pub fn commune(&self, code_insee: &str) -> Result<Option<Commune>> {
        dispatch!(self, engine => engine.commune(code_insee))
    }

    /// The member communes of an EPCI, by INSEE code.
    pub fn communes_of_epci(&self, epci_siren: &str) -> Result<Vec<Commune>> {
        dispatch!(self, engine => engine.communes_of_epci(epci_siren))
    }

    pub fn epci(&self, siren: &str) -> Result<Option<Epci>> {
        dispatch!(self, engine => engine.epci(siren))
    }

    pub fn departement(&self, code: &str) -> Result<Option<Departement>> {
        dispatch!(self, engine => engine.departement(code))
    }

    pub fn region(&self, code: &str) -> Result<Option<Region>> {
        dispatch!(self, engine => engine.region(code))
    }

    // ---- Maintenance ----

    /// Every inconsistency between versions, tables and blobs (empty when all is well):
    /// each live version's table exists and holds its declared row count, statuses and live
    /// pointers agree, no table is orphaned, every version's blob exists and still has its hash.
    /// Re-hashes every blob: slow on large stores, meant for `socle check`.
    pub fn check(&self) -> Result<Vec<Problem>> {
        let retention = self.inner.options.retention;
        let mut problems = dispatch!(self, engine => engine.check_tables(retention))?;
        let mut checked = HashSet::new();
        for (version, sha256) in dispatch!(self, engine => engine.version_blobs())? {
            if !checked.insert(sha256) {
                continue;
            }
            match self.inner.blobs.verify(&sha256)? {
                BlobState::Intact => {}
                BlobState::Missing => problems.push(Problem {
                    kind: ProblemKind::MissingBlob,
                    message: format!("version {version} : le fichier d'origine {sha256} manque"),
                }),
                BlobState::Altered { actual } => problems.push(Problem {
                    kind: ProblemKind::AlteredBlob,
                    message: format!("version {version} : le fichier d'origine {sha256} a été modifié (empreinte actuelle {actual})"),
                }),
            }
        }
        for path in self.inner.blobs.temp_files()? {
            problems.push(Problem {
                kind: ProblemKind::TempFile,
                message: format!("fichier temporaire {}", path.display()),
            });
        }
        Ok(problems)
    }
}

/// A blob being written (see [`Store::blob_writer`]). Dropped without
/// [`BlobWriter::finish`], it leaves nothing behind.
pub struct BlobWriter {
    store: Store,
    /// Always `Some` until finished.
    spool: Option<blobs::Spool>,
}

impl std::io::Write for BlobWriter {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        match &mut self.spool {
            Some(spool) => std::io::Write::write(spool, bytes),
            None => Ok(0),
        }
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl BlobWriter {
    /// Waits for every byte written to be hashed and stored, and returns the blob's address
    /// (storing bytes already present leaves the existing blob untouched, as `put_blob`).
    pub fn finish(mut self) -> Result<BlobInfo> {
        let Some(spool) = self.spool.take() else {
            return Err(Error::Invalid("fichier déjà rangé".to_owned()));
        };
        let (temp_path, written) = spool.finish();
        self.store.inner.blobs.keep(&temp_path, written)
    }
}

/// Loads the rows of one pending version. Holds the resource's publication lock until
/// [`Store::commit_version`], [`Store::reject_version`], [`LoadHandle::abort`] or drop; dropping
/// an unfinished handle discards the staging table and the pending version.
pub struct LoadHandle {
    store: Store,
    version: VersionId,
    resource: ResourceId,
    columns: Vec<ColumnDef>,
    rows_loaded: u64,
    finished: bool,
    /// False while a version begun by [`Store::create_version_table_before_blob`] still has
    /// its provisional address.
    blob_attached: bool,
    _guard: PublicationGuard,
    _bulk: BulkLoad,
}

impl LoadHandle {
    /// The handle of a pending version of `resource` just begun (`blob_attached`: whether the
    /// version already has the address of its bytes).
    fn new(
        (version, resource): (VersionId, ResourceId),
        columns: &[ColumnDef],
        (guard, bulk): (PublicationGuard, BulkLoad),
        blob_attached: bool,
    ) -> LoadHandle {
        LoadHandle {
            store: bulk.store.clone(),
            version,
            resource,
            columns: columns.to_vec(),
            rows_loaded: 0,
            finished: false,
            blob_attached,
            _guard: guard,
            _bulk: bulk,
        }
    }

    /// Gives a version begun by [`Store::create_version_table_before_blob`] the address of its
    /// bytes, now kept in the blob store. Returns the existing version when these bytes were
    /// already recorded for the resource (then nothing changed: [`LoadHandle::abort`] the
    /// load, the publication is a duplicate).
    pub fn attach_blob(&mut self, blob: &BlobInfo) -> Result<Option<Version>> {
        if !self.store.inner.blobs.contains(&blob.sha256)? {
            return Err(Error::NotFound(format!(
                "fichier {} (à déposer avant attach_blob)",
                blob.sha256
            )));
        }
        let store = &self.store;
        let existing =
            dispatch!(store, engine => engine.attach_blob(self.version, self.resource, blob))?;
        if existing.is_none() {
            self.blob_attached = true;
        }
        Ok(existing)
    }

    /// Committing or rejecting a version needs its real address.
    fn require_blob(&self) -> Result<()> {
        if self.blob_attached {
            return Ok(());
        }
        Err(Error::Invalid(format!(
            "la version {} n'a pas encore l'adresse de son fichier d'origine",
            self.version
        )))
    }

    /// Appends rows (each as wide as the columns) in one transaction. Call it with batches of
    /// thousands to hundreds of thousands of rows: the batch is the unit of commit, and other
    /// writers wait for the batch in progress. On error the batch is not applied.
    /// The iterator runs while the store's writer is held: it must not call the store.
    pub fn append<I>(&mut self, rows: I) -> Result<u64>
    where
        I: IntoIterator,
        I::Item: AsRef<[Value]>,
    {
        let store = &self.store;
        let n_rows =
            dispatch!(store, engine => engine.append_rows(self.version, &self.columns, rows))?;
        self.rows_loaded += n_rows;
        Ok(n_rows)
    }

    /// Appends a block of rows (as wide as the columns) in one transaction, like
    /// [`LoadHandle::append`]: the way for bulk loads, which refill the same blocks instead of
    /// allocating every cell (see [`RowBlock`]). The stored values are the same as for
    /// [`LoadHandle::append`] of the values pushed.
    pub fn append_block(&mut self, block: &RowBlock) -> Result<u64> {
        let n_rows = match &self.store.inner.engine {
            Engine::Sqlite(engine) => engine.append_block(self.version, &self.columns, block)?,
            #[cfg(feature = "postgres")]
            Engine::Postgres(engine) => {
                block.check_width(&self.columns)?;
                engine.append_rows(self.version, &self.columns, block.to_values(&self.columns))?
            }
        };
        self.rows_loaded += n_rows;
        Ok(n_rows)
    }

    /// The id the version will keep once committed or rejected.
    pub fn version(&self) -> VersionId {
        self.version
    }

    pub fn resource(&self) -> ResourceId {
        self.resource
    }

    pub fn columns(&self) -> &[ColumnDef] {
        &self.columns
    }

    /// Rows appended so far.
    pub fn rows_loaded(&self) -> u64 {
        self.rows_loaded
    }

    /// Forgets the pending version and its rows, leaving no trace.
    pub fn abort(mut self) -> Result<()> {
        self.finished = true;
        let store = &self.store;
        dispatch!(store, engine => engine.abort_version(self.version))
    }
}

impl Drop for LoadHandle {
    fn drop(&mut self) {
        if !self.finished {
            // Best effort: if this fails, the pending version is removed at the next open.
            let store = &self.store;
            let _ = dispatch!(store, engine => engine.abort_version(self.version));
        }
    }
}

impl Store {
    /// What a [`LoadHandle`] holds while it lives: the resource's publication lock, then the
    /// engine in bulk-load mode.
    fn load_locks(&self, resource: ResourceId) -> Result<(PublicationGuard, BulkLoad)> {
        let guard = PublicationLocks::acquire(&self.inner.publications, resource);
        Ok((guard, BulkLoad::begin(self)?))
    }
}

/// Keeps the engine in bulk-load mode while a [`LoadHandle`] lives: on SQLite, commits leave
/// their pages in the WAL until the last load ends (see `SqliteEngine::begin_bulk_load`);
/// PostgreSQL has nothing to change.
struct BulkLoad {
    store: Store,
}

impl BulkLoad {
    fn begin(store: &Store) -> Result<BulkLoad> {
        match &store.inner.engine {
            Engine::Sqlite(engine) => engine.begin_bulk_load()?,
            #[cfg(feature = "postgres")]
            Engine::Postgres(_) => {}
        }
        Ok(BulkLoad {
            store: store.clone(),
        })
    }
}

impl Drop for BulkLoad {
    fn drop(&mut self) {
        match &self.store.inner.engine {
            // Best effort: if this fails, the WAL is copied back when the connection closes.
            Engine::Sqlite(engine) => {
                let _ = engine.end_bulk_load();
            }
            #[cfg(feature = "postgres")]
            Engine::Postgres(_) => {}
        }
    }
}

/// A unique stand-in for the SHA-256 of a version whose bytes are still being stored: the hash
/// of this process, a counter and the time, so that it matches no real file nor another
/// pending version (`version` rows are unique per resource and address).
fn provisional_address() -> Sha256 {
    use sha2::Digest;
    static COUNTER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let seed = format!(
        "socle provisional address {} {} {}",
        std::process::id(),
        COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
        Timestamp::now().as_nanosecond()
    );
    Sha256(sha2::Sha256::digest(seed.as_bytes()).into())
}

/// Per-resource publication locks (within this process; across processes SQLite's write lock and
/// the (resource, sha256) uniqueness keep publications consistent, last commit winning).
#[derive(Default)]
struct PublicationLocks {
    busy: Mutex<HashSet<ResourceId>>,
    released: Condvar,
}

impl PublicationLocks {
    fn acquire(locks: &Arc<PublicationLocks>, resource: ResourceId) -> PublicationGuard {
        let mut busy = locks
            .busy
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        while busy.contains(&resource) {
            busy = locks
                .released
                .wait(busy)
                .unwrap_or_else(|poisoned| poisoned.into_inner());
        }
        busy.insert(resource);
        PublicationGuard {
            locks: Arc::clone(locks),
            resource,
        }
    }
}

struct PublicationGuard {
    locks: Arc<PublicationLocks>,
    resource: ResourceId,
}

impl Drop for PublicationGuard {
    fn drop(&mut self) {
        let mut busy = self
            .locks
            .busy
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        busy.remove(&self.resource);
        self.locks.released.notify_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn handles_cross_threads() {
        fn send_sync<T: Send + Sync>() {}
        fn send<T: Send>() {}
        send_sync::<Store>();
        send::<LoadHandle>();
    }

    #[test]
    fn publication_locks_serialise_one_resource_only() {
        let locks = Arc::new(PublicationLocks::default());
        let held = PublicationLocks::acquire(&locks, ResourceId(1));
        // Another resource is not blocked.
        drop(PublicationLocks::acquire(&locks, ResourceId(2)));
        let (sender, receiver) = std::sync::mpsc::channel();
        let waiter = {
            let locks = Arc::clone(&locks);
            std::thread::spawn(move || {
                let _guard = PublicationLocks::acquire(&locks, ResourceId(1));
                sender.send(()).unwrap();
            })
        };
        assert!(
            receiver
                .recv_timeout(std::time::Duration::from_millis(100))
                .is_err(),
            "lock not exclusive"
        );
        drop(held);
        receiver
            .recv_timeout(std::time::Duration::from_secs(5))
            .expect("lock never released");
        waiter.join().unwrap();
    }
}
