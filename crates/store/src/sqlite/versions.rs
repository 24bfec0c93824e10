//! Versions and their tables: loading, the atomic flip, history, reading rows back.
//!
//! Table naming (never derived from user input):
//! - `staging_v<id>` (+ `staging_v<id>_fts`): a version being loaded. No committed version points
//!   to it, so no reader can reach it.
//! - `rows_v<id>` (+ `rows_v<id>_fts`): a committed version's rows. The staging tables are renamed
//!   in the very transaction that flips the resource's live pointer.
//! - `idx_v<id>_<position>`: one index per scalar column.
//!
//! A version is published as soon as its rows are loaded: the flip renames `staging_v<id>` to
//! `rows_v<id>`, marks the version's indexes `building` and enqueues a `build-indexes` job, all in
//! one transaction. The job ([`SqliteEngine::build_version_indexes`]) then creates the indexes on
//! the live table, one transaction each, and fills `staging_v<id>_fts`, renamed `rows_v<id>_fts`
//! in the transaction that marks the indexes `ready`. Until then queries answer the same, by
//! scanning (records use the full-text index only once it is ready).
//!
//! Every version table has an explicit `"_row" INTEGER PRIMARY KEY` (an alias of `rowid`): the
//! row's position in the file (1-based), stable across reads, used by pagination, diffs and
//! full-text search (the FTS table's rowid).
//!
//! Column `i` of the file is stored as `c<i>` (see [`column_sql_name`]); declared names live in
//! `version.columns`. Generated names mean no user-chosen name can collide with `rowid`, FTS5's
//! reserved `rank`, or another name differing only by case (SQLite compares names
//! case-insensitively), and SQL never contains a user-chosen identifier.
//! The FTS table `rows_v<id>_fts` is contentless and keeps no column sizes, has one column per
//! text column under the same `c<i>` name, and its rowid is `_row`:
//! `rowid IN (SELECT rowid FROM fts WHERE fts MATCH ?)`.

use model::{
    ColumnDef, DatasetId, IndexState, LivePeriod, NewVersion, OrganisationId, ResourceId,
    SchemaRef, Sha256, Siren, TerritoryCode, UserId, Value, Version, VersionId, VersionOrigin,
    VersionStatus,
};
use rusqlite::{Connection, OptionalExtension, Row, Transaction, params};

use super::block_insert::BlockInsert;
use super::catalogue::{dataset_by_id, query_all, query_one, resource_by_id};
use super::codec::{
    affinity, bind_value, columns_json, decode_value, now, parse_columns_json, parse_timestamp,
    parsed, parsed_opt, timestamp_text,
};
use super::{SqliteEngine, quote_identifier};
use crate::error::{Error, Result};
use crate::jobs::{BUILD_INDEXES, build_indexes_payload};
use crate::{BlobInfo, LiveSource, ReadTarget, Retention, RowBlock};

/// The reserved name of the row-number column of every version table.
pub(crate) const ROW_COLUMN: &str = "_row";

/// Beyond this many scalar columns, the extra ones are not indexed (wide files are rare and an
/// index per column would then dominate the load time).
pub(crate) const MAX_INDEXED_COLUMNS: usize = 64;

/// Rows added to the full-text index per transaction while publishing.
const FTS_ROWS_PER_TRANSACTION: i64 = 100_000;

/// At most this many rows per multi-row INSERT statement during loads.
const ROWS_PER_STATEMENT: usize = 64;

/// About this many `?` parameters per multi-row INSERT during loads (8 rows of 16 columns).
/// Fewer rows per statement than the 64 of narrow tables: when texts were bound with a copy,
/// 8 rows per statement took 10 % less CPU than 64 on the subventions file (the copies came
/// from SQLite's few hundred lookaside slots, then from `malloc`). Bound without a copy
/// (`block_insert.rs`), 32 rows per statement run 2 % fewer instructions of the inserting
/// thread, but publications were no faster (512 and 2,048 parameters, measured side by side):
/// small statements keep their parameters in the processor's nearest cache.
const PARAMETERS_PER_STATEMENT: usize = 128;

/// `INSERT INTO "table" (c0, c1...) VALUES (?, ?...), (?, ?...)...` for `n_rows` rows.
fn insert_sql(table: &str, n_columns: usize, n_rows: usize) -> String {
    let names: Vec<String> = (0..n_columns).map(column_sql_name).collect();
    let one_row = format!("({})", vec!["?"; n_columns].join(", "));
    format!(
        "INSERT INTO {} ({}) VALUES {}",
        quote_identifier(table),
        names.join(", "),
        vec![one_row; n_rows].join(", ")
    )
}

/// The two INSERT statements of a load: one for a group of rows, one for the rows left over.
/// Several rows per statement: SQLite's per-statement overhead (step, reset) is then paid once
/// per group, which speeds bulk loads up markedly.
struct Inserts {
    group_size: usize,
    group_sql: String,
    single_sql: String,
}

impl Inserts {
    fn new(table: &str, n_columns: usize) -> Inserts {
        let group_size = (PARAMETERS_PER_STATEMENT / n_columns).clamp(1, ROWS_PER_STATEMENT);
        Inserts {
            group_size,
            group_sql: insert_sql(table, n_columns, group_size),
            single_sql: insert_sql(table, n_columns, 1),
        }
    }

    fn prepare<'c>(
        &self,
        tx: &'c Transaction<'_>,
    ) -> Result<(rusqlite::CachedStatement<'c>, rusqlite::CachedStatement<'c>)> {
        Ok((
            tx.prepare_cached(&self.group_sql)?,
            tx.prepare_cached(&self.single_sql)?,
        ))
    }
}

pub(crate) fn check_row_width(row: &[Value], columns: &[ColumnDef]) -> Result<()> {
    if row.len() == columns.len() {
        return Ok(());
    }
    Err(Error::Invalid(format!(
        "ligne de {} valeurs pour une table de {} colonnes",
        row.len(),
        columns.len()
    )))
}

/// SQLite's default limit is 2000 columns per table, one of which is `_row`.
const MAX_COLUMNS: usize = 1999;

pub(crate) fn rows_table_name(version: VersionId) -> String {
    format!("rows_v{}", version.0)
}

pub(crate) fn fts_table_name(version: VersionId) -> String {
    format!("rows_v{}_fts", version.0)
}

pub(crate) fn staging_table_name(version: VersionId) -> String {
    format!("staging_v{}", version.0)
}

fn staging_fts_table_name(version: VersionId) -> String {
    format!("staging_v{}_fts", version.0)
}

/// The SQL name of the column at `position` (0-based) in a version's table and its FTS table.
pub(crate) fn column_sql_name(position: usize) -> String {
    format!("c{position}")
}

/// Drops every table a version may own, whatever its state.
pub(crate) fn drop_version_tables(connection: &Connection, version: VersionId) -> Result<()> {
    for name in [
        fts_table_name(version),
        rows_table_name(version),
        staging_fts_table_name(version),
        staging_table_name(version),
    ] {
        connection.execute_batch(&format!("DROP TABLE IF EXISTS {}", quote_identifier(&name)))?;
    }
    Ok(())
}

pub(crate) fn table_exists(connection: &Connection, name: &str) -> Result<bool> {
    let found: Option<i64> = connection
        .query_row(
            "SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = ?1",
            [name],
            |row| row.get(0),
        )
        .optional()?;
    Ok(found.is_some())
}

/// Declared names must be distinct: queries and exports designate columns by name.
pub(crate) fn check_columns(columns: &[ColumnDef]) -> Result<()> {
    if columns.len() > MAX_COLUMNS {
        return Err(Error::Invalid(format!(
            "trop de colonnes : {} (au plus {MAX_COLUMNS})",
            columns.len()
        )));
    }
    let mut seen = std::collections::HashSet::new();
    for column in columns {
        if !seen.insert(column.name.as_str()) {
            return Err(Error::Invalid(format!(
                "la colonne « {} » apparaît deux fois",
                column.name
            )));
        }
    }
    Ok(())
}

const VERSION_COLUMNS: &str = "v.version_id, v.resource_id, v.sha256, v.size, v.media_type, v.filename, v.origin, \
     v.received_by, v.received_at, v.report, v.row_count, v.status, v.conformant, v.schema_name, v.schema_version, \
     v.producer_id, \
     (SELECT live_from FROM live_period p WHERE p.version_id = v.version_id ORDER BY live_from DESC LIMIT 1), \
     (SELECT live_until FROM live_period p WHERE p.version_id = v.version_id ORDER BY live_from DESC LIMIT 1), \
     v.indexes";

fn version_from_row(row: &Row<'_>) -> rusqlite::Result<Version> {
    let schema_name: Option<String> = row.get(13)?;
    let schema_version: Option<String> = row.get(14)?;
    Ok(Version {
        id: VersionId(row.get(0)?),
        resource: ResourceId(row.get(1)?),
        sha256: parsed(row, 2, Sha256::parse_hex)?,
        size: row.get::<_, i64>(3)?.try_into().unwrap_or(0),
        media_type: row.get(4)?,
        filename: row.get(5)?,
        origin: parsed(row, 6, VersionOrigin::parse)?,
        received_by: row.get::<_, Option<i64>>(7)?.map(UserId),
        received_at: parsed(row, 8, parse_timestamp)?,
        report: row.get(9)?,
        row_count: row
            .get::<_, Option<i64>>(10)?
            .map(|count| count.try_into().unwrap_or(0)),
        status: parsed(row, 11, VersionStatus::parse)?,
        conformant: row.get(12)?,
        schema: schema_name
            .zip(schema_version)
            .map(|(name, version)| SchemaRef { name, version }),
        producer: OrganisationId(row.get(15)?),
        live_from: parsed_opt(row, 16, parse_timestamp)?,
        live_until: parsed_opt(row, 17, parse_timestamp)?,
        indexes: parsed(row, 18, IndexState::parse)?,
    })
}

/// A visible (not pending) version.
fn version_by_id(connection: &Connection, version: VersionId) -> Result<Option<Version>> {
    query_one(
        connection,
        &format!(
            "SELECT {VERSION_COLUMNS} FROM version v WHERE v.version_id = ?1 AND v.status <> 'pending'"
        ),
        [version.0],
        version_from_row,
    )
}

/// The version `resource` serves, if any.
fn live_version_of(connection: &Connection, resource: ResourceId) -> Result<Option<Version>> {
    query_one(
        connection,
        &format!(
            "SELECT {VERSION_COLUMNS} FROM resource r JOIN version v ON v.version_id = r.live_version_id WHERE r.resource_id = ?1"
        ),
        [resource.0],
        version_from_row,
    )
}

fn written_version(connection: &Connection, version: VersionId) -> Result<Version> {
    version_by_id(connection, version)?
        .ok_or_else(|| Error::Corrupt(format!("version {version} écrite mais introuvable")))
}

fn status_of(connection: &Connection, version: VersionId) -> Result<Option<(ResourceId, String)>> {
    Ok(connection
        .query_row(
            "SELECT resource_id, status FROM version WHERE version_id = ?1",
            [version.0],
            |row| Ok((ResourceId(row.get(0)?), row.get(1)?)),
        )
        .optional()?)
}

fn existing_version(
    connection: &Connection,
    resource: ResourceId,
    sha256: &Sha256,
) -> Result<Option<(VersionId, String)>> {
    Ok(connection
        .query_row(
            "SELECT version_id, status FROM version WHERE resource_id = ?1 AND sha256 = ?2",
            params![resource.0, sha256.to_hex()],
            |row| Ok((VersionId(row.get(0)?), row.get(1)?)),
        )
        .optional()?)
}

/// Inserts a version row and returns its id. `status` is `pending` or `rejected`.
fn insert_version(
    tx: &Transaction<'_>,
    new: &NewVersion,
    status: &str,
    columns: Option<&[ColumnDef]>,
    report: Option<&str>,
) -> Result<VersionId> {
    let context: Option<(i64, Option<String>, Option<String>)> = tx
        .query_row(
            "SELECT d.producer_id, r.schema_name, r.schema_version
             FROM resource r JOIN dataset d USING (dataset_id) WHERE r.resource_id = ?1",
            [new.resource.0],
            |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
        )
        .optional()?;
    let Some((producer, schema_name, schema_version)) = context else {
        return Err(Error::NotFound(format!("ressource {}", new.resource)));
    };
    tx.execute(
        "INSERT INTO version (resource_id, sha256, size, media_type, filename, origin, received_by, received_at,
             report, status, conformant, schema_name, schema_version, producer_id, columns)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, 0, ?11, ?12, ?13, ?14)",
        params![
            new.resource.0,
            new.sha256.to_hex(),
            i64::try_from(new.size).unwrap_or(i64::MAX),
            new.media_type,
            new.filename,
            new.origin.as_str(),
            new.received_by.map(|user| user.0),
            timestamp_text(super::codec::truncate_to_micros(new.received_at)),
            report,
            status,
            schema_name,
            schema_version,
            producer,
            columns.map(columns_json)
        ],
    )
    .map_err(|error| super::on_constraint(error, &[("FOREIGN KEY", "le compte indiqué n'existe pas")]))?;
    Ok(VersionId(tx.last_insert_rowid()))
}

/// Fails unless `version` is still pending; returns its resource.
pub(crate) fn expect_pending(connection: &Connection, version: VersionId) -> Result<ResourceId> {
    match status_of(connection, version)? {
        None => Err(Error::NotFound(format!("version {version}"))),
        Some((resource, status)) if status == "pending" => Ok(resource),
        Some(_) => Err(Error::Conflict(format!(
            "la version {version} n'est plus en cours de chargement"
        ))),
    }
}

/// What `begin_version` found.
#[allow(clippy::large_enum_variant)] // Built once per publication, consumed at once.
pub(crate) enum Begun {
    /// The same bytes were already published (or rejected) for this resource.
    Existing(Version),
    /// A pending version and its staging table were created.
    Started(VersionId),
}

/// Makes `version` the live version of `resource` (the version must already be `published` or
/// about to be): closes the previous live period, supersedes the previous version.
fn flip_live(
    tx: &Transaction<'_>,
    resource: ResourceId,
    version: VersionId,
    retention: Retention,
) -> Result<()> {
    let now = timestamp_text(now());
    let previous: Option<i64> = tx.query_row(
        "SELECT live_version_id FROM resource WHERE resource_id = ?1",
        [resource.0],
        |row| row.get(0),
    )?;
    if let Some(previous) = previous
        .map(VersionId)
        .filter(|previous| *previous != version)
    {
        tx.execute(
            "UPDATE version SET status = 'superseded' WHERE version_id = ?1",
            [previous.0],
        )?;
        if retention == Retention::DropSuperseded {
            drop_version_tables(tx, previous)?;
        }
    }
    tx.execute(
        "UPDATE live_period SET live_until = ?2 WHERE resource_id = ?1 AND live_until IS NULL",
        params![resource.0, now],
    )?;
    tx.execute(
        "INSERT INTO live_period (resource_id, version_id, live_from) VALUES (?1, ?2, ?3)",
        params![resource.0, version.0, now],
    )?;
    tx.execute(
        "UPDATE resource SET live_version_id = ?2, modified_at = ?3 WHERE resource_id = ?1",
        params![resource.0, version.0, now],
    )?;
    Ok(())
}

/// Creates the empty staging table of a pending version (publications, and imports rebuilding
/// a version's rows).
pub(crate) fn create_staging_table(
    tx: &Transaction<'_>,
    version: VersionId,
    columns: &[ColumnDef],
) -> Result<()> {
    let mut definition = format!(
        "CREATE TABLE {} ({} INTEGER PRIMARY KEY",
        quote_identifier(&staging_table_name(version)),
        quote_identifier(ROW_COLUMN)
    );
    for (position, column) in columns.iter().enumerate() {
        definition.push_str(&format!(
            ", {} {}",
            column_sql_name(position),
            affinity(column.ty)
        ));
    }
    definition.push(')');
    tx.execute_batch(&definition)?;
    Ok(())
}

impl SqliteEngine {
    /// Registers a pending version and creates its staging table, unless the same bytes were
    /// already recorded for the resource.
    pub(crate) fn begin_version(&self, new: &NewVersion, columns: &[ColumnDef]) -> Result<Begun> {
        check_columns(columns)?;
        self.transaction(|tx| {
            if let Some((existing, status)) = existing_version(tx, new.resource, &new.sha256)? {
                if status == "pending" {
                    return Err(Error::Conflict(
                        "ce fichier est déjà en cours de publication pour cette ressource"
                            .to_owned(),
                    ));
                }
                return Ok(Begun::Existing(written_version(tx, existing)?));
            }
            let version = insert_version(tx, new, "pending", Some(columns), None)?;
            create_staging_table(tx, version, columns)?;
            Ok(Begun::Started(version))
        })
    }

    /// Gives a pending version loaded before its bytes were stored its real address, unless
    /// the same bytes are already recorded for the resource (that version is then returned and
    /// the pending one is left as it is, for the caller to abort).
    pub(crate) fn attach_blob(
        &self,
        version: VersionId,
        resource: ResourceId,
        blob: &BlobInfo,
    ) -> Result<Option<Version>> {
        self.transaction(|tx| {
            if let Some((existing, status)) = existing_version(tx, resource, &blob.sha256)? {
                if status == "pending" {
                    return Err(Error::Conflict(
                        "ce fichier est déjà en cours de publication pour cette ressource"
                            .to_owned(),
                    ));
                }
                return Ok(Some(written_version(tx, existing)?));
            }
            let changed = tx.execute(
                "UPDATE version SET sha256 = ?2, size = ?3 WHERE version_id = ?1 AND status = 'pending'",
                params![
                    version.0,
                    blob.sha256.to_hex(),
                    i64::try_from(blob.size).unwrap_or(i64::MAX)
                ],
            )?;
            if changed == 0 {
                return Err(Error::Conflict(format!(
                    "la version {version} n'est plus en cours de chargement"
                )));
            }
            Ok(None)
        })
    }

    /// Appends rows to a pending version's staging table, in one transaction with one prepared
    /// statement. Returns how many rows were inserted.
    pub(crate) fn append_rows<I>(
        &self,
        version: VersionId,
        columns: &[ColumnDef],
        rows: I,
    ) -> Result<u64>
    where
        I: IntoIterator,
        I::Item: AsRef<[Value]>,
    {
        let table = staging_table_name(version);
        if columns.is_empty() {
            return self.append_empty_rows(&table, rows);
        }
        let inserts = Inserts::new(&table, columns.len());
        let group_size = inserts.group_size;
        self.transaction(|tx| {
            let (mut group_statement, mut single_statement) = inserts.prepare(tx)?;
            let mut scratch = String::new();
            let mut group = Vec::with_capacity(group_size);
            let mut n_rows = 0u64;
            let mut rows = rows.into_iter();
            loop {
                group.clear();
                group.extend(rows.by_ref().take(group_size));
                if group.is_empty() {
                    break;
                }
                let statement = if group.len() == group_size {
                    &mut group_statement
                } else {
                    &mut single_statement
                };
                for row in &group {
                    let row = row.as_ref();
                    check_row_width(row, columns)?;
                }
                if group.len() == group_size {
                    let mut parameter = 1;
                    for row in &group {
                        for value in row.as_ref() {
                            bind_value(statement, parameter, value, &mut scratch)?;
                            parameter += 1;
                        }
                    }
                    statement.raw_execute()?;
                } else {
                    for row in &group {
                        for (idx, value) in row.as_ref().iter().enumerate() {
                            bind_value(statement, idx + 1, value, &mut scratch)?;
                        }
                        statement.raw_execute()?;
                    }
                }
                n_rows += group.len() as u64;
            }
            Ok(n_rows)
        })
    }

    /// Appends a block of rows to a pending version's staging table, in one transaction: the
    /// same statements as [`SqliteEngine::append_rows`], each cell bound straight from the
    /// block's buffers, texts without a copy ([`BlockInsert`]).
    pub(crate) fn append_block(
        &self,
        version: VersionId,
        columns: &[ColumnDef],
        block: &RowBlock,
    ) -> Result<u64> {
        block.check_width(columns)?;
        let table = staging_table_name(version);
        if columns.is_empty() {
            return self.append_empty_rows(&table, (0..block.len()).map(|_| [] as [Value; 0]));
        }
        let inserts = Inserts::new(&table, columns.len());
        let group_size = inserts.group_size;
        self.transaction(|tx| {
            let mut group_statement = BlockInsert::prepare(tx, &inserts.group_sql, block)?;
            let mut single_statement = BlockInsert::prepare(tx, &inserts.single_sql, block)?;
            let grouped = block.len() - block.len() % group_size;
            for first in (0..grouped).step_by(group_size) {
                group_statement.insert(first..first + group_size)?;
            }
            for row in grouped..block.len() {
                single_statement.insert(row..row + 1)?;
            }
            Ok(block.len() as u64)
        })
    }

    /// Rows of a table without columns (a file with a header and no fields is still a count).
    fn append_empty_rows<I>(&self, table: &str, rows: I) -> Result<u64>
    where
        I: IntoIterator,
        I::Item: AsRef<[Value]>,
    {
        let sql = format!("INSERT INTO {} DEFAULT VALUES", quote_identifier(table));
        self.transaction(|tx| {
            let mut statement = tx.prepare_cached(&sql)?;
            let mut n_rows = 0u64;
            for row in rows {
                check_row_width(row.as_ref(), &[])?;
                statement.raw_execute()?;
                n_rows += 1;
            }
            Ok(n_rows)
        })
    }

    /// In one transaction: renames the staging table into view, marks the version published
    /// (its indexes `building`), flips the resource's live pointer and enqueues the job that
    /// builds the indexes ([`SqliteEngine::build_version_indexes`]).
    pub(crate) fn commit_version(
        &self,
        version: VersionId,
        report: Option<&str>,
        conformant: bool,
        retention: Retention,
    ) -> Result<Version> {
        let staging = quote_identifier(&staging_table_name(version));
        let rows = quote_identifier(&rows_table_name(version));
        self.transaction(|tx| {
            let resource = expect_pending(tx, version)?;
            tx.execute_batch(&format!("ALTER TABLE {staging} RENAME TO {rows}"))?;
            // Rows are only ever appended to a staging table, so their rowids are 1..=n and the
            // count is the largest one (read from the b-tree's edge instead of a full scan).
            let row_count: i64 = tx.query_row(
                &format!("SELECT coalesce(max({}), 0) FROM {rows}", quote_identifier(ROW_COLUMN)),
                [],
                |row| row.get(0),
            )?;
            tx.execute(
                "UPDATE version SET status = 'published', report = ?2, conformant = ?3, row_count = ?4, indexes = 'building'
                 WHERE version_id = ?1",
                params![version.0, report, conformant, row_count],
            )?;
            flip_live(tx, resource, version, retention)?;
            super::jobs::enqueue(tx, BUILD_INDEXES, &build_indexes_payload(version))?;
            written_version(tx, version)
        })
    }

    /// Builds a published version's indexes (the work of a `build-indexes` job): one index per
    /// scalar column (up to [`MAX_INDEXED_COLUMNS`]) and the full-text index, each step in
    /// transactions of its own so that other writers get the writer in between; `progress` hears
    /// each step (and may stop the build with an error). Idempotent: an interrupted build starts
    /// again where the indexes are missing. Does nothing when the version's indexes are ready,
    /// or its table is gone (deleted, or dropped when superseded).
    pub(crate) fn build_version_indexes(
        &self,
        version: VersionId,
        progress: &mut dyn FnMut(&str) -> Result<()>,
    ) -> Result<()> {
        let Some(columns) = self.read(|connection| columns_to_index(connection, version))? else {
            return Ok(());
        };
        let rows = rows_table_name(version);
        let indexed: Vec<usize> = columns
            .iter()
            .enumerate()
            .filter(|(_, column)| column.ty.is_scalar())
            .map(|(position, _)| position)
            .take(MAX_INDEXED_COLUMNS)
            .collect();
        for (done, position) in indexed.iter().enumerate() {
            let sql = format!(
                "CREATE INDEX IF NOT EXISTS {} ON {} ({})",
                quote_identifier(&format!("idx_v{}_{position}", version.0)),
                quote_identifier(&rows),
                column_sql_name(*position)
            );
            if !self.while_table_exists(&rows, |tx| Ok(tx.execute_batch(&sql)?))? {
                return Ok(());
            }
            progress(&format!("index {} sur {}", done + 1, indexed.len()))?;
        }
        let has_fts = match self.build_full_text_index(version, &columns, progress)? {
            Some(has_fts) => has_fts,
            None => return Ok(()),
        };
        let staging_fts = quote_identifier(&staging_fts_table_name(version));
        let fts = quote_identifier(&fts_table_name(version));
        self.transaction(|tx| {
            if !table_exists(tx, &rows)? {
                tx.execute_batch(&format!("DROP TABLE IF EXISTS {staging_fts}"))?;
                return Ok(());
            }
            if has_fts {
                tx.execute_batch(&format!(
                    "DROP TABLE IF EXISTS {fts}; ALTER TABLE {staging_fts} RENAME TO {fts}"
                ))?;
            }
            tx.execute(
                "UPDATE version SET indexes = 'ready' WHERE version_id = ?1",
                [version.0],
            )?;
            Ok(())
        })
    }

    /// Keeps the value counts of `version`'s columns (see `records::stored_facets`), replacing
    /// any kept before, in one transaction; nothing when the version is gone.
    pub(crate) fn replace_facet_values(
        &self,
        version: VersionId,
        columns: &[crate::records::ColumnCounts],
    ) -> Result<()> {
        self.transaction(|tx| {
            tx.execute(
                "DELETE FROM version_facet_value WHERE version_id = ?1",
                [version.0],
            )?;
            let exists: i64 = tx.query_row(
                "SELECT count(*) FROM version WHERE version_id = ?1",
                [version.0],
                |row| row.get(0),
            )?;
            if exists == 0 {
                return Ok(());
            }
            let mut insert = tx.prepare(
                "INSERT INTO version_facet_value (version_id, position, rank, value_integer, \
                 value_real, value_text, count) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )?;
            for row in crate::records::facet_rows(columns) {
                insert.execute(params![
                    version.0,
                    row.position,
                    row.rank,
                    row.integer,
                    row.real,
                    row.text,
                    row.count
                ])?;
            }
            Ok(())
        })
    }

    /// Runs `f` in a write transaction if `table` still exists; returns whether it did.
    fn while_table_exists(
        &self,
        table: &str,
        f: impl FnOnce(&Transaction<'_>) -> Result<()>,
    ) -> Result<bool> {
        self.transaction(|tx| {
            if !table_exists(tx, table)? {
                return Ok(false);
            }
            f(tx)?;
            Ok(true)
        })
    }

    /// Creates and fills a contentless FTS5 table over the text columns, under its staging name,
    /// in chunks of rows (one transaction each). Returns whether there was any text column, or
    /// `None` when the version's table disappeared meanwhile.
    /// Contentless (`content=''`): the text already lives in the rows table, the FTS table only
    /// keeps the index and returns `_row` values as rowids. Without column sizes
    /// (`columnsize=0`): they only serve `bm25` ranking, which record queries never use (they
    /// filter by `rowid IN (… MATCH …)`), and writing them costs a fifth of the fill.
    /// Positions are kept (`detail=full`): a search word the tokenizer cuts in two is a phrase.
    fn build_full_text_index(
        &self,
        version: VersionId,
        columns: &[ColumnDef],
        progress: &mut dyn FnMut(&str) -> Result<()>,
    ) -> Result<Option<bool>> {
        let searchable: Vec<String> = columns
            .iter()
            .enumerate()
            .filter(|(_, column)| column.ty.is_searchable())
            .map(|(position, _)| column_sql_name(position))
            .collect();
        if searchable.is_empty() {
            return Ok(Some(false));
        }
        let rows = rows_table_name(version);
        let table = quote_identifier(&rows);
        let fts = quote_identifier(&staging_fts_table_name(version));
        let names = searchable.join(", ");
        let row = quote_identifier(ROW_COLUMN);
        let mut last_row = 0;
        // A previous attempt's partial index is dropped: chunks are not idempotent.
        let created = self.while_table_exists(&rows, |tx| {
            tx.execute_batch(&format!(
                "DROP TABLE IF EXISTS {fts};
                 CREATE VIRTUAL TABLE {fts} USING fts5({names}, content = '', columnsize = 0, tokenize = 'unicode61 remove_diacritics 2')"
            ))?;
            last_row = tx.query_row(&format!("SELECT coalesce(max({row}), 0) FROM {table}"), [], |found| found.get(0))?;
            Ok(())
        })?;
        if !created {
            return Ok(None);
        }
        let fill = format!(
            "INSERT INTO {fts} (rowid, {names}) SELECT {row}, {names} FROM {table} WHERE {row} > ?1 AND {row} <= ?2"
        );
        let mut chunk_start: i64 = 0;
        while chunk_start < last_row {
            let chunk_end = chunk_start.saturating_add(FTS_ROWS_PER_TRANSACTION);
            let filled = self.while_table_exists(&rows, |tx| {
                tx.execute(&fill, params![chunk_start, chunk_end])?;
                Ok(())
            })?;
            if !filled {
                return Ok(None);
            }
            chunk_start = chunk_end;
            progress(&format!(
                "index plein texte : {} lignes sur {last_row}",
                chunk_start.min(last_row)
            ))?;
        }
        Ok(Some(true))
    }

    /// Turns a pending version into a rejected one: its staging table goes, its row and report stay.
    pub(crate) fn reject_pending_version(
        &self,
        version: VersionId,
        report: &str,
    ) -> Result<Version> {
        self.transaction(|tx| {
            drop_version_tables(tx, version)?;
            let changed = tx.execute(
                "UPDATE version SET status = 'rejected', report = ?2, conformant = 0, row_count = NULL, columns = NULL
                 WHERE version_id = ?1 AND status = 'pending'",
                params![version.0, report],
            )?;
            if changed == 0 {
                return Err(Error::Conflict(format!("la version {version} n'est plus en cours de chargement")));
            }
            written_version(tx, version)
        })
    }

    /// Forgets a pending version entirely (table and row).
    pub(crate) fn abort_version(&self, version: VersionId) -> Result<()> {
        self.transaction(|tx| {
            drop_version_tables(tx, version)?;
            tx.execute(
                "DELETE FROM version WHERE version_id = ?1 AND status = 'pending'",
                [version.0],
            )?;
            Ok(())
        })
    }

    /// Records a version rejected before any table was made (unreadable file...), unless the same
    /// bytes are already recorded for the resource, in which case that version is returned.
    pub(crate) fn record_rejected_version(
        &self,
        new: &NewVersion,
        report: &str,
    ) -> Result<Version> {
        self.transaction(|tx| {
            if let Some((existing, status)) = existing_version(tx, new.resource, &new.sha256)? {
                if status == "pending" {
                    return Err(Error::Conflict(
                        "ce fichier est déjà en cours de publication pour cette ressource"
                            .to_owned(),
                    ));
                }
                return written_version(tx, existing);
            }
            let version = insert_version(tx, new, "rejected", None, Some(report))?;
            written_version(tx, version)
        })
    }

    /// Makes a superseded version live again (a rollback), provided its table was kept.
    pub(crate) fn restore_version(
        &self,
        version: VersionId,
        retention: Retention,
    ) -> Result<Version> {
        self.transaction(|tx| {
            let Some((resource, status)) = status_of(tx, version)? else {
                return Err(Error::NotFound(format!("version {version}")));
            };
            match status.as_str() {
                "published" => return written_version(tx, version),
                "superseded" => {}
                _ => {
                    return Err(Error::Conflict(format!(
                        "la version {version} n'a jamais été publiée"
                    )));
                }
            }
            if !table_exists(tx, &rows_table_name(version))? {
                return Err(Error::Conflict(format!(
                    "les lignes de la version {version} n'ont pas été conservées"
                )));
            }
            flip_live(tx, resource, version, retention)?;
            tx.execute(
                "UPDATE version SET status = 'published' WHERE version_id = ?1",
                [version.0],
            )?;
            written_version(tx, version)
        })
    }

    pub(crate) fn version(&self, version: VersionId) -> Result<Option<Version>> {
        self.read(|connection| version_by_id(connection, version))
    }

    pub(crate) fn version_by_sha256(
        &self,
        resource: ResourceId,
        sha256: &Sha256,
    ) -> Result<Option<Version>> {
        self.read(|connection| {
            query_one(
                connection,
                &format!("SELECT {VERSION_COLUMNS} FROM version v WHERE v.resource_id = ?1 AND v.sha256 = ?2 AND v.status <> 'pending'"),
                params![resource.0, sha256.to_hex()],
                version_from_row,
            )
        })
    }

    /// Newest first.
    pub(crate) fn versions_of_resource(&self, resource: ResourceId) -> Result<Vec<Version>> {
        self.read(|connection| {
            query_all(
                connection,
                &format!("SELECT {VERSION_COLUMNS} FROM version v WHERE v.resource_id = ?1 AND v.status <> 'pending' ORDER BY v.version_id DESC"),
                [resource.0],
                version_from_row,
            )
        })
    }

    pub(crate) fn live_version(&self, resource: ResourceId) -> Result<Option<Version>> {
        self.read(|connection| live_version_of(connection, resource))
    }

    pub(crate) fn read_target(
        &self,
        resource: ResourceId,
        version: Option<VersionId>,
    ) -> Result<Option<ReadTarget>> {
        self.read(|connection| {
            let Some(found) = resource_by_id(connection, resource)? else {
                return Ok(None);
            };
            let Some(dataset) = dataset_by_id(connection, found.dataset)? else {
                return Ok(None);
            };
            let version = match version {
                None => live_version_of(connection, resource)?,
                Some(id) => version_by_id(connection, id)?.filter(|v| v.resource == resource),
            };
            Ok(Some(ReadTarget {
                resource: found,
                dataset,
                version,
            }))
        })
    }

    /// Oldest first.
    pub(crate) fn live_history(&self, resource: ResourceId) -> Result<Vec<LivePeriod>> {
        self.read(|connection| {
            query_all(
                connection,
                "SELECT resource_id, version_id, live_from, live_until FROM live_period WHERE resource_id = ?1
                 ORDER BY live_from, version_id",
                [resource.0],
                |row| {
                    Ok(LivePeriod {
                        resource: ResourceId(row.get(0)?),
                        version: VersionId(row.get(1)?),
                        from: parsed(row, 2, parse_timestamp)?,
                        until: parsed_opt(row, 3, parse_timestamp)?,
                    })
                },
            )
        })
    }

    /// The columns of a visible version's table (`None` for unknown or rejected versions).
    pub(crate) fn version_columns(&self, version: VersionId) -> Result<Option<Vec<ColumnDef>>> {
        self.read(|connection| columns_of(connection, version))
    }

    /// Streams a version's rows, in file order, to `visit`.
    pub(crate) fn for_each_row<E>(
        &self,
        version: VersionId,
        visit: &mut dyn FnMut(&[Value]) -> Result<(), E>,
    ) -> Result<(), E>
    where
        E: From<Error>,
    {
        self.read(|connection| Ok(scan_rows(connection, version, visit)))
            .map_err(E::from)?
    }

    /// Live, conformant versions of resources declaring `schema_name`, in published datasets.
    pub(crate) fn live_sources(&self, schema_name: &str) -> Result<Vec<LiveSource>> {
        self.read(|connection| {
            query_all(
                connection,
                "SELECT r.resource_id, r.dataset_id, v.version_id, v.schema_name, v.schema_version, o.organisation_id,
                        o.siren, o.territory, v.row_count
                 FROM resource r
                 JOIN version v ON v.version_id = r.live_version_id
                 JOIN dataset d ON d.dataset_id = r.dataset_id
                 JOIN organisation o ON o.organisation_id = v.producer_id
                 WHERE v.schema_name = ?1 AND v.conformant = 1 AND d.state = 'published'
                 ORDER BY r.resource_id",
                [schema_name],
                |row| {
                    Ok(LiveSource {
                        resource: ResourceId(row.get(0)?),
                        dataset: DatasetId(row.get(1)?),
                        version: VersionId(row.get(2)?),
                        schema: SchemaRef { name: row.get(3)?, version: row.get(4)? },
                        producer: OrganisationId(row.get(5)?),
                        producer_siren: parsed(row, 6, Siren::parse)?,
                        territory: parsed_opt(row, 7, TerritoryCode::parse)?,
                        row_count: row.get::<_, Option<i64>>(8)?.map_or(0, |count| count.try_into().unwrap_or(0)),
                    })
                },
            )
        })
    }
}

pub(crate) fn columns_of(
    connection: &Connection,
    version: VersionId,
) -> Result<Option<Vec<ColumnDef>>> {
    let text: Option<Option<String>> = connection
        .query_row(
            "SELECT columns FROM version WHERE version_id = ?1 AND status IN ('published', 'superseded')",
            [version.0],
            |row| row.get(0),
        )
        .optional()?;
    text.flatten()
        .map(|text| parse_columns_json(&text))
        .transpose()
}

/// The columns of a committed version whose indexes are still to build and whose table exists.
fn columns_to_index(connection: &Connection, version: VersionId) -> Result<Option<Vec<ColumnDef>>> {
    let building: Option<String> = connection
        .query_row(
            "SELECT indexes FROM version WHERE version_id = ?1 AND status IN ('published', 'superseded')",
            [version.0],
            |row| row.get(0),
        )
        .optional()?;
    if building.as_deref() != Some("building")
        || !table_exists(connection, &rows_table_name(version))?
    {
        return Ok(None);
    }
    columns_of(connection, version)
}

fn scan_rows<E: From<Error>>(
    connection: &Connection,
    version: VersionId,
    visit: &mut dyn FnMut(&[Value]) -> Result<(), E>,
) -> Result<(), E> {
    let columns = columns_of(connection, version)?
        .ok_or_else(|| Error::NotFound(format!("lignes de la version {version}")))?;
    let table = rows_table_name(version);
    if !table_exists(connection, &table)? {
        return Err(
            Error::NotFound(format!("lignes de la version {version} (non conservées)")).into(),
        );
    }
    let selected: Vec<String> = std::iter::once(quote_identifier(ROW_COLUMN))
        .chain((0..columns.len()).map(column_sql_name))
        .collect();
    let sql = format!(
        "SELECT {} FROM {} ORDER BY {}",
        selected.join(", "),
        quote_identifier(&table),
        quote_identifier(ROW_COLUMN)
    );
    let mut statement = connection.prepare(&sql).map_err(Error::from)?;
    let mut rows = statement.query([]).map_err(Error::from)?;
    let mut values = Vec::with_capacity(columns.len());
    while let Some(row) = rows.next().map_err(Error::from)? {
        values.clear();
        for (idx, column) in columns.iter().enumerate() {
            let cell = row.get_ref(idx + 1).map_err(Error::from)?;
            let value = decode_value(cell, column.ty).map_err(|error| {
                Error::Corrupt(format!(
                    "cellule illisible dans la version {version} : {error}"
                ))
            })?;
            values.push(value);
        }
        visit(&values)?;
    }
    Ok(())
}
