//! Versions and their tables on PostgreSQL: loading with `COPY`, the atomic flip, history,
//! reading rows back.
//!
//! Same naming as the SQLite engine (`staging_v<id>`, `rows_v<id>`, columns `c<i>`, `_row`, see
//! `sqlite/versions.rs`), with PostgreSQL's means:
//! - rows arrive by `COPY … FROM STDIN` in text format, streamed batch by batch; `_row` is an
//!   identity column, so rows are numbered in file order;
//! - the version is published as soon as its rows are loaded: the flip renames `staging_v<id>`
//!   to `rows_v<id>`, marks the version's indexes `building` and enqueues a `build-indexes` job,
//!   in one transaction; the job ([`PgEngine::build_version_indexes`]) then builds the primary
//!   key, one B-tree index per scalar column and the full-text index on the live table, each in
//!   its own transaction, and marks the indexes `ready`. Queries answer the same meanwhile, only
//!   slower (the full-text expression is evaluated row by row without its GIN index);
//! - full-text search needs no second table: a GIN index on
//!   `socle_search_document(<text columns>)` (French configuration, accents folded; see
//!   migrations/postgres/0001_catalogue.sql), which queries repeat to use it;
//! - DDL is transactional: the rename and the live-pointer flip commit together or not at all.
//!
//! Lenient publications keep cells that do not have their column's type (as text): before such a
//! batch is copied, the staging column is turned into text (only ever on the invisible table).

use model::{
    ColumnDef, DatasetId, IndexState, LivePeriod, NewVersion, OrganisationId, ResourceId,
    SchemaRef, Sha256, Siren, TerritoryCode, UserId, Value, Version, VersionId, VersionOrigin,
    VersionStatus,
};
use postgres::error::SqlState;
use postgres::{GenericClient, Row, Transaction};

use super::PgEngine;
use super::catalogue::{dataset_by_id, query_all, query_one, resource_by_id};
use super::codec::{column_type, decode_cell, fits, get, parsed, parsed_opt, write_copy_value};
use super::statements::Queries;
use crate::error::{Error, Result};
use crate::jobs::{BUILD_INDEXES, build_indexes_payload};
use crate::records::{ColumnKind, column_kind};
use crate::sqlite::codec::{
    columns_json, now, parse_columns_json, parse_timestamp, timestamp_text, truncate_to_micros,
};
use crate::sqlite::{
    Begun, MAX_INDEXED_COLUMNS, ROW_COLUMN, check_columns, check_row_width, column_sql_name,
    quote_identifier, rows_table_name,
};
use crate::{BlobInfo, LiveSource, ReadTarget, Retention};

/// PostgreSQL's limit is 1600 columns per table, one of which is `_row`.
const MAX_COLUMNS: usize = 1599;

/// `maintenance_work_mem` while building a version's indexes.
const INDEX_BUILD_MEMORY: &str = "256MB";

/// Text columns compare and sort byte by byte (code point order), as SQLite's do, whatever the
/// database's default collation: records queries give the same rows in the same order.
const TEXT_COLLATION: &str = " COLLATE \"C\"";

/// Bytes of `COPY` text buffered before they are sent.
const COPY_BUFFER: usize = 1 << 20;

pub(crate) fn staging_table_name(version: VersionId) -> String {
    format!("staging_v{}", version.0)
}

/// Drops every table a version may own, whatever its state.
pub(crate) fn drop_version_tables(db: &mut impl GenericClient, version: VersionId) -> Result<()> {
    db.batch_execute(&format!(
        "DROP TABLE IF EXISTS {}; DROP TABLE IF EXISTS {}",
        quote_identifier(&rows_table_name(version)),
        quote_identifier(&staging_table_name(version))
    ))?;
    Ok(())
}

/// Whether a table of this name exists in the current schema.
pub(crate) fn table_exists(db: &mut impl Queries, name: &str) -> Result<bool> {
    Ok(!db
        .rows(
            "SELECT 1 FROM pg_catalog.pg_tables WHERE schemaname = current_schema() AND tablename = $1",
            &[&name],
        )?
        .is_empty())
}

const VERSION_COLUMNS: &str = "v.version_id, v.resource_id, v.sha256, v.size, v.media_type, v.filename, v.origin, \
     v.received_by, v.received_at, v.report, v.row_count, v.status, v.conformant, v.schema_name, v.schema_version, \
     v.producer_id, \
     (SELECT live_from FROM live_period p WHERE p.version_id = v.version_id ORDER BY live_from DESC LIMIT 1), \
     (SELECT live_until FROM live_period p WHERE p.version_id = v.version_id ORDER BY live_from DESC LIMIT 1), \
     v.indexes";

fn version_from_row(row: &Row) -> Result<Version> {
    let schema_name: Option<String> = get(row, 13)?;
    let schema_version: Option<String> = get(row, 14)?;
    Ok(Version {
        id: VersionId(get(row, 0)?),
        resource: ResourceId(get(row, 1)?),
        sha256: parsed(row, 2, Sha256::parse_hex)?,
        size: get::<i64>(row, 3)?.try_into().unwrap_or(0),
        media_type: get(row, 4)?,
        filename: get(row, 5)?,
        origin: parsed(row, 6, VersionOrigin::parse)?,
        received_by: get::<Option<i64>>(row, 7)?.map(UserId),
        received_at: parsed(row, 8, parse_timestamp)?,
        report: get(row, 9)?,
        row_count: get::<Option<i64>>(row, 10)?.map(|count| count.try_into().unwrap_or(0)),
        status: parsed(row, 11, VersionStatus::parse)?,
        conformant: get(row, 12)?,
        schema: schema_name
            .zip(schema_version)
            .map(|(name, version)| SchemaRef { name, version }),
        producer: OrganisationId(get(row, 15)?),
        live_from: parsed_opt(row, 16, parse_timestamp)?,
        live_until: parsed_opt(row, 17, parse_timestamp)?,
        indexes: parsed(row, 18, IndexState::parse)?,
    })
}

/// A visible (not pending) version.
fn version_by_id(db: &mut impl Queries, version: VersionId) -> Result<Option<Version>> {
    query_one(
        db,
        &format!(
            "SELECT {VERSION_COLUMNS} FROM version v WHERE v.version_id = $1 AND v.status <> 'pending'"
        ),
        &[&version.0],
        version_from_row,
    )
}

/// The version `resource` serves, if any.
fn live_version_of(db: &mut impl Queries, resource: ResourceId) -> Result<Option<Version>> {
    query_one(
        db,
        &format!(
            "SELECT {VERSION_COLUMNS} FROM resource r JOIN version v ON v.version_id = r.live_version_id WHERE r.resource_id = $1"
        ),
        &[&resource.0],
        version_from_row,
    )
}

fn written_version(db: &mut impl Queries, version: VersionId) -> Result<Version> {
    version_by_id(db, version)?
        .ok_or_else(|| Error::Corrupt(format!("version {version} écrite mais introuvable")))
}

fn status_of(db: &mut impl Queries, version: VersionId) -> Result<Option<(ResourceId, String)>> {
    query_one(
        db,
        "SELECT resource_id, status FROM version WHERE version_id = $1",
        &[&version.0],
        |row| Ok((ResourceId(get(row, 0)?), get(row, 1)?)),
    )
}

fn existing_version(
    db: &mut impl Queries,
    resource: ResourceId,
    sha256: &Sha256,
) -> Result<Option<(VersionId, String)>> {
    query_one(
        db,
        "SELECT version_id, status FROM version WHERE resource_id = $1 AND sha256 = $2",
        &[&resource.0, &sha256.to_hex()],
        |row| Ok((VersionId(get(row, 0)?), get(row, 1)?)),
    )
}

/// Locks the resource's row for the rest of the transaction: publications of one resource by
/// several processes are serialised here (the flip reads and moves its live pointer).
fn lock_resource(tx: &mut Transaction<'_>, resource: ResourceId) -> Result<()> {
    let found = tx.query_opt(
        "SELECT 1 FROM resource WHERE resource_id = $1 FOR UPDATE",
        &[&resource.0],
    )?;
    if found.is_none() {
        return Err(Error::NotFound(format!("ressource {resource}")));
    }
    Ok(())
}

/// Inserts a version row and returns its id. `status` is `pending` or `rejected`.
fn insert_version(
    tx: &mut Transaction<'_>,
    new: &NewVersion,
    status: &str,
    columns: Option<&[ColumnDef]>,
    report: Option<&str>,
) -> Result<VersionId> {
    let context = query_one(
        tx,
        "SELECT d.producer_id, r.schema_name, r.schema_version
         FROM resource r JOIN dataset d USING (dataset_id) WHERE r.resource_id = $1",
        &[&new.resource.0],
        |row| {
            Ok((
                get::<i64>(row, 0)?,
                get::<Option<String>>(row, 1)?,
                get::<Option<String>>(row, 2)?,
            ))
        },
    )?;
    let Some((producer, schema_name, schema_version)) = context else {
        return Err(Error::NotFound(format!("ressource {}", new.resource)));
    };
    let row = tx
        .query_one(
            "INSERT INTO version (resource_id, sha256, size, media_type, filename, origin, received_by, received_at,
                 report, status, conformant, schema_name, schema_version, producer_id, columns)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, FALSE, $11, $12, $13, $14)
             RETURNING version_id",
            &[
                &new.resource.0,
                &new.sha256.to_hex(),
                &i64::try_from(new.size).unwrap_or(i64::MAX),
                &new.media_type,
                &new.filename,
                &new.origin.as_str(),
                &new.received_by.map(|user| user.0),
                &timestamp_text(truncate_to_micros(new.received_at)),
                &report,
                &status,
                &schema_name,
                &schema_version,
                &producer,
                &columns.map(columns_json),
            ],
        )
        .map_err(|error| {
            super::on_constraint(error, &[("FOREIGN KEY", "le compte indiqué n'existe pas")])
        })?;
    Ok(VersionId(get(&row, 0)?))
}

/// Fails unless `version` is still pending; returns its resource.
pub(crate) fn expect_pending(db: &mut impl Queries, version: VersionId) -> Result<ResourceId> {
    match status_of(db, version)? {
        None => Err(Error::NotFound(format!("version {version}"))),
        Some((resource, status)) if status == "pending" => Ok(resource),
        Some(_) => Err(Error::Conflict(format!(
            "la version {version} n'est plus en cours de chargement"
        ))),
    }
}

/// Makes `version` the live version of `resource`: closes the previous live period,
/// supersedes the previous version. The resource row must be locked by the caller.
fn flip_live(
    tx: &mut Transaction<'_>,
    resource: ResourceId,
    version: VersionId,
    retention: Retention,
) -> Result<()> {
    let now = timestamp_text(now());
    let previous: Option<i64> = get(
        &tx.query_one(
            "SELECT live_version_id FROM resource WHERE resource_id = $1",
            &[&resource.0],
        )?,
        0,
    )?;
    if let Some(previous) = previous
        .map(VersionId)
        .filter(|previous| *previous != version)
    {
        tx.execute(
            "UPDATE version SET status = 'superseded' WHERE version_id = $1",
            &[&previous.0],
        )?;
        if retention == Retention::DropSuperseded {
            drop_version_tables(tx, previous)?;
        }
    }
    tx.execute(
        "UPDATE live_period SET live_until = $2 WHERE resource_id = $1 AND live_until IS NULL",
        &[&resource.0, &now],
    )?;
    tx.execute(
        "INSERT INTO live_period (resource_id, version_id, live_from) VALUES ($1, $2, $3)",
        &[&resource.0, &version.0, &now],
    )?;
    tx.execute(
        "UPDATE resource SET live_version_id = $2, modified_at = $3 WHERE resource_id = $1",
        &[&resource.0, &version.0, &now],
    )?;
    Ok(())
}

/// The PostgreSQL types of a version table's data columns, in column order.
pub(crate) fn column_types(
    tx: &mut impl GenericClient,
    table: &str,
    n_columns: usize,
) -> Result<Vec<String>> {
    let rows = tx.query(
        "SELECT attname::text, format_type(atttypid, atttypmod) FROM pg_catalog.pg_attribute
         WHERE attrelid = $1::text::regclass AND attnum > 0 AND NOT attisdropped",
        &[&table],
    )?;
    let mut types = vec![String::from("text"); n_columns];
    for row in &rows {
        let name: &str = get(row, 0)?;
        let position = name
            .strip_prefix('c')
            .and_then(|digits| digits.parse::<usize>().ok());
        if let Some(slot) = position.and_then(|position| types.get_mut(position)) {
            *slot = get(row, 1)?;
        }
    }
    Ok(types)
}

/// Creates the empty staging table of a pending version (publications, and imports rebuilding
/// a version's rows).
pub(crate) fn create_staging_table(
    tx: &mut Transaction<'_>,
    version: VersionId,
    columns: &[ColumnDef],
) -> Result<()> {
    if columns.len() > MAX_COLUMNS {
        return Err(Error::Invalid(format!(
            "trop de colonnes pour PostgreSQL : {} (au plus {MAX_COLUMNS})",
            columns.len()
        )));
    }
    let mut definition = format!(
        "CREATE TABLE {} ({} bigint GENERATED BY DEFAULT AS IDENTITY",
        quote_identifier(&staging_table_name(version)),
        quote_identifier(ROW_COLUMN)
    );
    for (position, column) in columns.iter().enumerate() {
        definition.push_str(&format!(
            ", {} {}",
            column_sql_name(position),
            column_type(column.ty)
        ));
        if column_type(column.ty) == "text" {
            definition.push_str(TEXT_COLLATION);
        }
    }
    definition.push(')');
    tx.batch_execute(&definition)?;
    Ok(())
}

impl PgEngine {
    /// Registers a pending version and creates its staging table, unless the same bytes were
    /// already recorded for the resource.
    pub(crate) fn begin_version(&self, new: &NewVersion, columns: &[ColumnDef]) -> Result<Begun> {
        check_columns(columns)?;
        self.transaction(|tx| {
            lock_resource(tx, new.resource)?;
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
            lock_resource(tx, resource)?;
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
                "UPDATE version SET sha256 = $2, size = $3 WHERE version_id = $1 AND status = 'pending'",
                &[
                    &version.0,
                    &blob.sha256.to_hex(),
                    &i64::try_from(blob.size).unwrap_or(i64::MAX),
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

    /// Appends rows to a pending version's staging table with one `COPY`, in one transaction.
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
        // The batch is held once: its cells are checked against the column types before the
        // copy starts (a column cannot change type in the middle of a COPY).
        let batch: Vec<I::Item> = rows.into_iter().collect();
        for row in &batch {
            check_row_width(row.as_ref(), columns)?;
        }
        self.transaction(|tx| {
            expect_pending(tx, version)?;
            if columns.is_empty() {
                let insert = format!("INSERT INTO {} DEFAULT VALUES", quote_identifier(&table));
                for _ in &batch {
                    tx.execute(&insert, &[])?;
                }
                return Ok(batch.len() as u64);
            }
            widen_misfit_columns(tx, &table, columns.len(), &batch)?;
            let names: Vec<String> = (0..columns.len()).map(column_sql_name).collect();
            let mut writer = tx.copy_in(&format!(
                "COPY {} ({}) FROM STDIN (FORMAT text)",
                quote_identifier(&table),
                names.join(", ")
            ))?;
            let mut buffer = String::with_capacity(COPY_BUFFER + 4096);
            for row in &batch {
                for (position, value) in row.as_ref().iter().enumerate() {
                    if position > 0 {
                        buffer.push('\t');
                    }
                    write_copy_value(&mut buffer, value);
                }
                buffer.push('\n');
                if buffer.len() >= COPY_BUFFER {
                    std::io::Write::write_all(&mut writer, buffer.as_bytes())
                        .map_err(copy_failed)?;
                    buffer.clear();
                }
            }
            std::io::Write::write_all(&mut writer, buffer.as_bytes()).map_err(copy_failed)?;
            writer.finish()?;
            Ok(batch.len() as u64)
        })
    }

    /// In one transaction: renames the staging table into view, marks the version published
    /// (its indexes `building`), flips the resource's live pointer and enqueues the job that
    /// builds the indexes ([`PgEngine::build_version_indexes`]). DDL is transactional: all of it
    /// commits together or not at all.
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
            lock_resource(tx, resource)?;
            tx.batch_execute(&format!("ALTER TABLE {staging} RENAME TO {rows}"))?;
            let row_count: i64 = get(
                &tx.query_one(&format!("SELECT count(*) FROM {rows}"), &[])?,
                0,
            )?;
            tx.execute(
                "UPDATE version SET status = 'published', report = $2, conformant = $3, row_count = $4, indexes = 'building'
                 WHERE version_id = $1",
                &[&version.0, &report, &conformant, &row_count],
            )?;
            flip_live(tx, resource, version, retention)?;
            super::jobs::enqueue(tx, BUILD_INDEXES, &build_indexes_payload(version))?;
            written_version(tx, version)
        })
    }

    /// As on SQLite: keeps `columns`' counts for `version` in place of earlier ones.
    pub(crate) fn replace_facet_values(
        &self,
        version: VersionId,
        columns: &[crate::records::ColumnCounts],
    ) -> Result<()> {
        self.transaction(|tx| {
            // Gone with its resource: its counts went with it (ON DELETE CASCADE).
            let gone = tx
                .query_opt("SELECT 1 FROM version WHERE version_id = $1", &[&version.0])?
                .is_none();
            if gone {
                return Ok(());
            }
            tx.execute(
                "DELETE FROM version_facet_value WHERE version_id = $1",
                &[&version.0],
            )?;
            let insert = tx.prepare(
                "INSERT INTO version_facet_value (version_id, position, rank, value_integer, \
                 value_real, value_text, count) VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )?;
            for row in crate::records::facet_rows(columns) {
                tx.execute(
                    &insert,
                    &[
                        &version.0,
                        &row.position,
                        &row.rank,
                        &row.integer,
                        &row.real,
                        &row.text,
                        &row.count,
                    ],
                )?;
            }
            Ok(())
        })
    }

    /// Builds a published version's indexes (the work of a `build-indexes` job): the primary
    /// key, one B-tree per scalar column (up to [`MAX_INDEXED_COLUMNS`]) and the GIN full-text
    /// index, each in a transaction of its own; `progress` hears each step (and may stop the
    /// build with an error), then the indexes are marked `ready`. Idempotent: an interrupted
    /// build skips the indexes that exist (a build interrupted midway leaves none: DDL is
    /// transactional). Does nothing when the version's indexes are ready, or its table is gone
    /// (deleted, or dropped when superseded), even if it goes meanwhile.
    pub(crate) fn build_version_indexes(
        &self,
        version: VersionId,
        progress: &mut dyn FnMut(&str) -> Result<()>,
    ) -> Result<()> {
        let Some(columns) = self.read_cached(|db| columns_to_index(db, version))? else {
            return Ok(());
        };
        let rows = rows_table_name(version);
        let steps = index_statements(version, &quote_identifier(&rows), &columns);
        for (done, (index, statement)) in steps.iter().enumerate() {
            if !self.build_index(&rows, index, statement)? {
                return Ok(());
            }
            progress(&format!("index {} sur {}", done + 1, steps.len()))?;
        }
        self.transaction(|tx| {
            if table_exists(tx, &rows)? {
                tx.execute(
                    "UPDATE version SET indexes = 'ready' WHERE version_id = $1",
                    &[&version.0],
                )?;
            }
            Ok(())
        })
    }

    /// Runs `statement` in a transaction of its own unless the index it creates exists already.
    /// Returns `false` when `table` is gone, including when it is dropped meanwhile.
    fn build_index(&self, table: &str, index: &str, statement: &str) -> Result<bool> {
        let built = self.transaction(|tx| {
            if !table_exists(tx, table)? {
                return Ok(false);
            }
            let exists: bool = get(
                &tx.query_one(
                    "SELECT to_regclass($1) IS NOT NULL",
                    &[&quote_identifier(index)],
                )?,
                0,
            )?;
            if !exists {
                // Index builds sort in memory up to this much instead of spilling to disk at
                // the 64 MB default; only for this transaction.
                tx.batch_execute(&format!(
                    "SET LOCAL maintenance_work_mem = '{INDEX_BUILD_MEMORY}'; {statement}"
                ))?;
            }
            Ok(true)
        });
        match built {
            Err(Error::Postgres(error)) if error.code() == Some(&SqlState::UNDEFINED_TABLE) => {
                Ok(false)
            }
            other => other,
        }
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
                "UPDATE version SET status = 'rejected', report = $2, conformant = FALSE, row_count = NULL, columns = NULL
                 WHERE version_id = $1 AND status = 'pending'",
                &[&version.0, &report],
            )?;
            if changed == 0 {
                return Err(Error::Conflict(format!(
                    "la version {version} n'est plus en cours de chargement"
                )));
            }
            written_version(tx, version)
        })
    }

    /// Forgets a pending version entirely (table and row).
    pub(crate) fn abort_version(&self, version: VersionId) -> Result<()> {
        self.transaction(|tx| {
            drop_version_tables(tx, version)?;
            tx.execute(
                "DELETE FROM version WHERE version_id = $1 AND status = 'pending'",
                &[&version.0],
            )?;
            Ok(())
        })
    }

    /// Records a version rejected before any table was made, unless the same bytes are already
    /// recorded for the resource, in which case that version is returned.
    pub(crate) fn record_rejected_version(
        &self,
        new: &NewVersion,
        report: &str,
    ) -> Result<Version> {
        self.transaction(|tx| {
            lock_resource(tx, new.resource)?;
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
            let Some((resource, _)) = status_of(tx, version)? else {
                return Err(Error::NotFound(format!("version {version}")));
            };
            lock_resource(tx, resource)?;
            let Some((_, status)) = status_of(tx, version)? else {
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
                "UPDATE version SET status = 'published' WHERE version_id = $1",
                &[&version.0],
            )?;
            written_version(tx, version)
        })
    }

    pub(crate) fn version(&self, version: VersionId) -> Result<Option<Version>> {
        self.read_cached(|db| version_by_id(db, version))
    }

    pub(crate) fn version_by_sha256(
        &self,
        resource: ResourceId,
        sha256: &Sha256,
    ) -> Result<Option<Version>> {
        self.read_cached(|db| {
            query_one(
                db,
                &format!("SELECT {VERSION_COLUMNS} FROM version v WHERE v.resource_id = $1 AND v.sha256 = $2 AND v.status <> 'pending'"),
                &[&resource.0, &sha256.to_hex()],
                version_from_row,
            )
        })
    }

    /// Newest first.
    pub(crate) fn versions_of_resource(&self, resource: ResourceId) -> Result<Vec<Version>> {
        self.read_cached(|db| {
            query_all(
                db,
                &format!("SELECT {VERSION_COLUMNS} FROM version v WHERE v.resource_id = $1 AND v.status <> 'pending' ORDER BY v.version_id DESC"),
                &[&resource.0],
                version_from_row,
            )
        })
    }

    pub(crate) fn live_version(&self, resource: ResourceId) -> Result<Option<Version>> {
        self.read_cached(|db| live_version_of(db, resource))
    }

    pub(crate) fn read_target(
        &self,
        resource: ResourceId,
        version: Option<VersionId>,
    ) -> Result<Option<ReadTarget>> {
        self.read_cached(|db| {
            let Some(found) = resource_by_id(db, resource)? else {
                return Ok(None);
            };
            let Some(dataset) = dataset_by_id(db, found.dataset)? else {
                return Ok(None);
            };
            let version = match version {
                None => live_version_of(db, resource)?,
                Some(id) => version_by_id(db, id)?.filter(|v| v.resource == resource),
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
        self.read_cached(|db| {
            query_all(
                db,
                "SELECT resource_id, version_id, live_from, live_until FROM live_period WHERE resource_id = $1
                 ORDER BY live_from, version_id",
                &[&resource.0],
                |row| {
                    Ok(LivePeriod {
                        resource: ResourceId(get(row, 0)?),
                        version: VersionId(get(row, 1)?),
                        from: parsed(row, 2, parse_timestamp)?,
                        until: parsed_opt(row, 3, parse_timestamp)?,
                    })
                },
            )
        })
    }

    /// The columns of a visible version's table (`None` for unknown or rejected versions).
    pub(crate) fn version_columns(&self, version: VersionId) -> Result<Option<Vec<ColumnDef>>> {
        self.read_cached(|db| columns_of(db, version))
    }

    /// Streams a version's rows, in file order, to `visit` (a server-side portal fetched in
    /// chunks: constant memory whatever the table's size).
    pub(crate) fn for_each_row<E>(
        &self,
        version: VersionId,
        visit: &mut dyn FnMut(&[Value]) -> Result<(), E>,
    ) -> Result<(), E>
    where
        E: From<Error>,
    {
        self.transaction(|tx| Ok(scan_rows(tx, version, visit)))
            .map_err(E::from)?
    }

    /// Live, conformant versions of resources declaring `schema_name`, in published datasets.
    pub(crate) fn live_sources(&self, schema_name: &str) -> Result<Vec<LiveSource>> {
        self.read_cached(|db| {
            query_all(
                db,
                "SELECT r.resource_id, r.dataset_id, v.version_id, v.schema_name, v.schema_version, o.organisation_id,
                        o.siren, o.territory, v.row_count
                 FROM resource r
                 JOIN version v ON v.version_id = r.live_version_id
                 JOIN dataset d ON d.dataset_id = r.dataset_id
                 JOIN organisation o ON o.organisation_id = v.producer_id
                 WHERE v.schema_name = $1 AND v.conformant AND d.state = 'published'
                 ORDER BY r.resource_id",
                &[&schema_name],
                |row| {
                    Ok(LiveSource {
                        resource: ResourceId(get(row, 0)?),
                        dataset: DatasetId(get(row, 1)?),
                        version: VersionId(get(row, 2)?),
                        schema: SchemaRef { name: get(row, 3)?, version: get(row, 4)? },
                        producer: OrganisationId(get(row, 5)?),
                        producer_siren: parsed(row, 6, Siren::parse)?,
                        territory: parsed_opt(row, 7, TerritoryCode::parse)?,
                        row_count: get::<Option<i64>>(row, 8)?.map_or(0, |count| count.try_into().unwrap_or(0)),
                    })
                },
            )
        })
    }
}

fn copy_failed(error: std::io::Error) -> Error {
    Error::Io {
        context: "envoi des lignes à PostgreSQL (COPY)".to_owned(),
        source: error,
    }
}

/// Turns into text the staging columns that cannot take a cell of `batch` as it is.
fn widen_misfit_columns<R: AsRef<[Value]>>(
    tx: &mut Transaction<'_>,
    table: &str,
    n_columns: usize,
    batch: &[R],
) -> Result<()> {
    let types = column_types(tx, table, n_columns)?;
    let mut misfits: Vec<usize> = (0..n_columns)
        .filter(|&position| {
            batch
                .iter()
                .any(|row| !fits(&types[position], &row.as_ref()[position]))
        })
        .collect();
    misfits.dedup();
    for position in misfits {
        let column = column_sql_name(position);
        tx.batch_execute(&format!(
            "ALTER TABLE {} ALTER COLUMN {column} TYPE text{TEXT_COLLATION} USING {column}::text",
            quote_identifier(table)
        ))?;
    }
    Ok(())
}

/// The indexes of a published version's table, as (index name, statement) pairs, each run in
/// its own transaction: the primary key on `_row`, one B-tree per scalar column (up to the same
/// limit as SQLite), and a GIN index over the search document of the text columns.
fn index_statements(
    version: VersionId,
    table: &str,
    columns: &[ColumnDef],
) -> Vec<(String, String)> {
    let primary_key = format!("pk_v{}", version.0);
    let mut statements = vec![(
        primary_key.clone(),
        format!(
            "ALTER TABLE {table} ADD CONSTRAINT {} PRIMARY KEY ({})",
            quote_identifier(&primary_key),
            quote_identifier(ROW_COLUMN)
        ),
    )];
    let indexed = columns
        .iter()
        .enumerate()
        .filter(|(_, column)| column.ty.is_scalar())
        .take(MAX_INDEXED_COLUMNS);
    for (position, _) in indexed {
        let index = format!("idx_v{}_{position}", version.0);
        // NULLS FIRST: the records engine sorts NULL as the smallest value, like SQLite, and
        // this index then serves both directions.
        let statement = format!(
            "CREATE INDEX {} ON {table} ({} NULLS FIRST)",
            quote_identifier(&index),
            column_sql_name(position)
        );
        statements.push((index, statement));
    }
    if let Some(document) = search_document(columns) {
        let index = format!("idx_v{}_fts", version.0);
        let statement = format!(
            "CREATE INDEX {} ON {table} USING gin ({document})",
            quote_identifier(&index),
        );
        statements.push((index, statement));
    }
    statements
}

/// `socle_search_document(c1::text, c4::text)` over the columns the records compiler searches
/// (its text columns, see `records::filter`), or `None` without any. The records engine repeats
/// this exact expression, so the index serves it.
pub(crate) fn search_document(columns: &[ColumnDef]) -> Option<String> {
    let searchable: Vec<String> = columns
        .iter()
        .enumerate()
        .filter(|(_, column)| column_kind(column.ty) == ColumnKind::Text)
        .map(|(position, _)| format!("{}::text", column_sql_name(position)))
        .collect();
    if searchable.is_empty() {
        return None;
    }
    Some(format!("socle_search_document({})", searchable.join(", ")))
}

pub(crate) fn columns_of(
    db: &mut impl Queries,
    version: VersionId,
) -> Result<Option<Vec<ColumnDef>>> {
    let text: Option<Option<String>> = query_one(
        db,
        "SELECT columns FROM version WHERE version_id = $1 AND status IN ('published', 'superseded')",
        &[&version.0],
        |row| get(row, 0),
    )?;
    text.flatten()
        .map(|text| parse_columns_json(&text))
        .transpose()
}

/// The columns of a committed version whose indexes are still to build and whose table exists.
fn columns_to_index(db: &mut impl Queries, version: VersionId) -> Result<Option<Vec<ColumnDef>>> {
    let building: Option<String> = query_one(
        db,
        "SELECT indexes FROM version WHERE version_id = $1 AND status IN ('published', 'superseded')",
        &[&version.0],
        |row| get(row, 0),
    )?;
    if building.as_deref() != Some("building") || !table_exists(db, &rows_table_name(version))? {
        return Ok(None);
    }
    columns_of(db, version)
}

/// Rows fetched per round trip while streaming a table.
const ROWS_PER_FETCH: i32 = 2_000;

fn scan_rows<E: From<Error>>(
    tx: &mut Transaction<'_>,
    version: VersionId,
    visit: &mut dyn FnMut(&[Value]) -> Result<(), E>,
) -> Result<(), E> {
    let columns = columns_of(tx, version)?
        .ok_or_else(|| Error::NotFound(format!("lignes de la version {version}")))?;
    let table = rows_table_name(version);
    if !table_exists(tx, &table)? {
        return Err(
            Error::NotFound(format!("lignes de la version {version} (non conservées)")).into(),
        );
    }
    let selected: Vec<String> = std::iter::once(quote_identifier(ROW_COLUMN))
        .chain((0..columns.len()).map(|position| format!("{}::text", column_sql_name(position))))
        .collect();
    let sql = format!(
        "SELECT {} FROM {} ORDER BY {}",
        selected.join(", "),
        quote_identifier(&table),
        quote_identifier(ROW_COLUMN)
    );
    let statement = tx.prepare(&sql).map_err(Error::from)?;
    let portal = tx.bind(&statement, &[]).map_err(Error::from)?;
    let mut values = Vec::with_capacity(columns.len());
    loop {
        let rows = tx
            .query_portal(&portal, ROWS_PER_FETCH)
            .map_err(Error::from)?;
        for row in &rows {
            values.clear();
            for (idx, column) in columns.iter().enumerate() {
                let cell: Option<&str> = get(row, idx + 1)?;
                values.push(decode_cell(cell, column.ty));
            }
            visit(&values)?;
        }
        if rows.len() < ROWS_PER_FETCH as usize {
            return Ok(());
        }
    }
}
