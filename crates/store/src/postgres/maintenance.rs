//! Crash recovery at open, and the consistency check behind `socle check`, on PostgreSQL.
//! The same checks as `sqlite/maintenance.rs`, judged by its engine-neutral functions.

use std::collections::HashSet;

use model::{Sha256, VersionId};
use postgres::GenericClient;

use super::PgEngine;
use super::catalogue::query_all;
use super::codec::get;
use super::versions::table_exists;
use crate::error::Result;
use crate::sqlite::maintenance::{
    FAILED_JOBS_SQL, LIVE_VERSIONS_SQL, LiveVersionFacts, VersionTable, failed_job_problem,
    live_version_problems, missing_superseded_table_problem, orphan_problems, parse_version_table,
    stray_version_problem,
};
use crate::sqlite::{ROW_COLUMN, quote_identifier, rows_table_name};
use crate::{Problem, Retention};

fn version_tables(db: &mut impl GenericClient) -> Result<Vec<VersionTable>> {
    let names: Vec<String> = query_all(
        db,
        "SELECT tablename::text FROM pg_catalog.pg_tables WHERE schemaname = current_schema()
           AND (tablename LIKE 'rows\\_v%' OR tablename LIKE 'staging\\_v%')",
        &[],
        |row| get(row, 0),
    )?;
    Ok(names
        .iter()
        .filter_map(|name| parse_version_table(name))
        .collect())
}

fn versions_with_status(db: &mut impl GenericClient, statuses: &[&str]) -> Result<HashSet<i64>> {
    let statuses: Vec<String> = statuses.iter().map(|status| (*status).to_owned()).collect();
    let ids: Vec<i64> = query_all(
        db,
        "SELECT version_id FROM version WHERE status = ANY($1)",
        &[&statuses],
        |row| get(row, 0),
    )?;
    Ok(ids.into_iter().collect())
}

impl PgEngine {
    /// Removes what interrupted publications left: pending versions and every version table
    /// that no committed version owns, and queues again the jobs their dead workers had
    /// claimed (index builds resume where their indexes are missing); then shares the instance
    /// lock taken at open.
    pub(crate) fn clean_orphans(&self) -> Result<()> {
        self.transaction(|tx| {
            tx.execute("DELETE FROM version WHERE status = 'pending'", &[])?;
            super::jobs::requeue_orphaned(tx)?;
            let committed = versions_with_status(tx, &["published", "superseded"])?;
            for table in version_tables(tx)? {
                if table.staging || !committed.contains(&table.version.0) {
                    tx.batch_execute(&format!(
                        "DROP TABLE IF EXISTS {}",
                        quote_identifier(&table.name)
                    ))?;
                }
            }
            Ok(())
        })?;
        self.share_instance_lock()
    }

    /// Every (version, blob) pair, for the blob integrity check.
    pub(crate) fn version_blobs(&self) -> Result<Vec<(VersionId, Sha256)>> {
        self.read(|db| {
            let pairs: Vec<(i64, String)> = query_all(
                db,
                "SELECT version_id, sha256 FROM version WHERE status <> 'pending' ORDER BY version_id",
                &[],
                |row| Ok((get(row, 0)?, get(row, 1)?)),
            )?;
            Ok(pairs
                .into_iter()
                .filter_map(|(id, hex)| Some((VersionId(id), Sha256::parse_hex(&hex).ok()?)))
                .collect())
        })
    }

    /// The database's side of `Store::check`.
    pub(crate) fn check_tables(&self, retention: Retention) -> Result<Vec<Problem>> {
        self.read(|db| {
            let mut problems = Vec::new();
            check_live_versions(db, &mut problems)?;
            check_kept_versions(db, retention, &mut problems)?;
            check_orphans(db, &mut problems)?;
            check_failed_jobs(db, &mut problems)?;
            Ok(problems)
        })
    }
}

/// Each live version is published, has its table, its declared row count and an open period.
fn check_live_versions(db: &mut impl GenericClient, problems: &mut Vec<Problem>) -> Result<()> {
    let live: Vec<(i64, i64, String, Option<i64>, i64)> =
        query_all(db, LIVE_VERSIONS_SQL, &[], |row| {
            Ok((
                get(row, 0)?,
                get(row, 1)?,
                get(row, 2)?,
                get(row, 3)?,
                get(row, 4)?,
            ))
        })?;
    for (resource, version, status, row_count, open_periods) in live {
        let table = rows_table_name(VersionId(version));
        let actual_rows = if table_exists(db, &table)? {
            let count_sql = format!(
                "SELECT count({}) FROM {}",
                quote_identifier(ROW_COLUMN),
                quote_identifier(&table)
            );
            Some(get(&db.query_one(&count_sql, &[])?, 0)?)
        } else {
            None
        };
        let facts = LiveVersionFacts {
            resource,
            version,
            status,
            row_count,
            open_periods,
            actual_rows,
        };
        live_version_problems(&facts, problems);
    }
    let stray: Vec<(i64, i64)> = query_all(
        db,
        "SELECT v.version_id, v.resource_id FROM version v JOIN resource r USING (resource_id)
         WHERE v.status = 'published' AND r.live_version_id IS DISTINCT FROM v.version_id",
        &[],
        |row| Ok((get(row, 0)?, get(row, 1)?)),
    )?;
    for (version, resource) in stray {
        problems.push(stray_version_problem(version, resource));
    }
    Ok(())
}

/// With `Retention::KeepAll`, every superseded version keeps its table.
fn check_kept_versions(
    db: &mut impl GenericClient,
    retention: Retention,
    problems: &mut Vec<Problem>,
) -> Result<()> {
    if retention != Retention::KeepAll {
        return Ok(());
    }
    for version in versions_with_status(db, &["superseded"])? {
        if !table_exists(db, &rows_table_name(VersionId(version)))? {
            problems.push(missing_superseded_table_problem(version));
        }
    }
    Ok(())
}

fn check_failed_jobs(db: &mut impl GenericClient, problems: &mut Vec<Problem>) -> Result<()> {
    for row in db.query(FAILED_JOBS_SQL, &[])? {
        let error: Option<String> = get(&row, 4)?;
        problems.push(failed_job_problem(
            get(&row, 0)?,
            &get::<String>(&row, 1)?,
            &get::<String>(&row, 2)?,
            get(&row, 3)?,
            error.as_deref(),
        ));
    }
    Ok(())
}

fn check_orphans(db: &mut impl GenericClient, problems: &mut Vec<Problem>) -> Result<()> {
    let committed = versions_with_status(db, &["published", "superseded"])?;
    let pending = versions_with_status(db, &["pending"])?;
    orphan_problems(&version_tables(db)?, &committed, &pending, problems);
    Ok(())
}
