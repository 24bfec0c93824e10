//! Crash recovery at open, and the consistency check behind `socle check`.

use model::{Sha256, VersionId};
use rusqlite::Connection;

use super::catalogue::query_all;
use super::versions::{ROW_COLUMN, rows_table_name, table_exists};
use super::{SqliteEngine, quote_identifier};
use crate::error::Result;
use crate::{Problem, ProblemKind, Retention};

/// A table that belongs to a version, recognised by its generated name.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct VersionTable {
    pub(crate) name: String,
    pub(crate) version: VersionId,
    pub(crate) staging: bool,
}

/// `rows_v12`, `rows_v12_fts`, `staging_v12`, `staging_v12_fts`; FTS5's own shadow tables
/// (`rows_v12_fts_data`...) are not matched: they live and die with their virtual table.
pub(crate) fn parse_version_table(name: &str) -> Option<VersionTable> {
    let (staging, rest) = if let Some(rest) = name.strip_prefix("rows_v") {
        (false, rest)
    } else {
        (true, name.strip_prefix("staging_v")?)
    };
    let digits = rest.strip_suffix("_fts").unwrap_or(rest);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some(VersionTable {
        name: name.to_owned(),
        version: VersionId(digits.parse().ok()?),
        staging,
    })
}

fn version_tables(connection: &Connection) -> Result<Vec<VersionTable>> {
    let names: Vec<String> = query_all(
        connection,
        "SELECT name FROM sqlite_schema WHERE type = 'table' AND (name LIKE 'rows_v%' OR name LIKE 'staging_v%')",
        [],
        |row| row.get(0),
    )?;
    Ok(names
        .iter()
        .filter_map(|name| parse_version_table(name))
        .collect())
}

fn versions_with_status(
    connection: &Connection,
    statuses: &str,
) -> Result<std::collections::HashSet<i64>> {
    let ids: Vec<i64> = query_all(
        connection,
        &format!("SELECT version_id FROM version WHERE status IN ({statuses})"),
        [],
        |row| row.get(0),
    )?;
    Ok(ids.into_iter().collect())
}

/// What [`SqliteEngine::clean_orphans`] removed.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Cleanup {
    pub(crate) pending_versions: usize,
    pub(crate) dropped_tables: usize,
}

impl SqliteEngine {
    /// Removes what interrupted publications left: pending versions and every version table that
    /// no committed version owns (and partial full-text indexes, rebuilt by their job, which is
    /// queued again). Only run when this process holds the data directory alone,
    /// since another process's pending version is indistinguishable from a crashed one.
    pub(crate) fn clean_orphans(&self) -> Result<Cleanup> {
        self.transaction(|tx| {
            let pending_versions =
                tx.execute("DELETE FROM version WHERE status = 'pending'", [])?;
            // Index builds interrupted with their process start again (their partial full-text
            // index, a staging table, goes below).
            super::jobs::requeue_orphaned(tx)?;
            let committed = versions_with_status(tx, "'published', 'superseded'")?;
            let mut dropped_tables = 0;
            for table in version_tables(tx)? {
                if table.staging || !committed.contains(&table.version.0) {
                    tx.execute_batch(&format!(
                        "DROP TABLE IF EXISTS {}",
                        quote_identifier(&table.name)
                    ))?;
                    dropped_tables += 1;
                }
            }
            Ok(Cleanup {
                pending_versions,
                dropped_tables,
            })
        })
    }

    /// Every (version, blob) pair, for the blob integrity check.
    pub(crate) fn version_blobs(&self) -> Result<Vec<(VersionId, Sha256)>> {
        self.read(|connection| {
            let pairs: Vec<(i64, String)> =
                query_all(connection, "SELECT version_id, sha256 FROM version WHERE status <> 'pending' ORDER BY version_id", [], |row| {
                    Ok((row.get(0)?, row.get(1)?))
                })?;
            Ok(pairs
                .into_iter()
                .filter_map(|(id, hex): (i64, String)| Some((VersionId(id), Sha256::parse_hex(&hex).ok()?)))
                .collect())
        })
    }

    /// The database's side of `Store::check`.
    pub(crate) fn check_tables(&self, retention: Retention) -> Result<Vec<Problem>> {
        self.read(|connection| {
            let mut problems = Vec::new();
            check_live_versions(connection, &mut problems)?;
            check_kept_versions(connection, retention, &mut problems)?;
            check_orphans(connection, &mut problems)?;
            check_failed_jobs(connection, &mut problems)?;
            Ok(problems)
        })
    }
}

fn problem(kind: ProblemKind, message: String) -> Problem {
    Problem { kind, message }
}

/// Jobs given up after their last attempt: (id, kind, payload, attempts, error).
pub(crate) const FAILED_JOBS_SQL: &str = "SELECT job_id, kind, payload, attempts, error FROM jobs WHERE state = 'failed' ORDER BY job_id";

/// The problem a job given up after its last attempt is.
pub(crate) fn failed_job_problem(
    id: i64,
    kind: &str,
    payload: &str,
    attempts: i64,
    error: Option<&str>,
) -> Problem {
    problem(
        ProblemKind::FailedJob,
        format!(
            "la tâche {id} ({kind} {payload}) a échoué {attempts} fois et n'est plus relancée : {}",
            error.unwrap_or("cause inconnue")
        ),
    )
}

fn check_failed_jobs(connection: &Connection, problems: &mut Vec<Problem>) -> Result<()> {
    let mut statement = connection.prepare(FAILED_JOBS_SQL)?;
    let mut rows = statement.query([])?;
    while let Some(row) = rows.next()? {
        let error: Option<String> = row.get(4)?;
        problems.push(failed_job_problem(
            row.get(0)?,
            &row.get::<_, String>(1)?,
            &row.get::<_, String>(2)?,
            row.get(3)?,
            error.as_deref(),
        ));
    }
    Ok(())
}

/// What the check reads about one live version; both engines judge it with
/// [`live_version_problems`].
pub(crate) struct LiveVersionFacts {
    pub(crate) resource: i64,
    pub(crate) version: i64,
    pub(crate) status: String,
    pub(crate) row_count: Option<i64>,
    /// Open live periods of this version (exactly one expected).
    pub(crate) open_periods: i64,
    /// Rows in its table; `None` when the table is missing.
    pub(crate) actual_rows: Option<i64>,
}

/// The live-pointer query of the check, the same on both engines.
pub(crate) const LIVE_VERSIONS_SQL: &str = "SELECT r.resource_id, v.version_id, v.status, v.row_count,
        (SELECT count(*) FROM live_period p WHERE p.resource_id = r.resource_id AND p.version_id = v.version_id AND p.live_until IS NULL)
 FROM resource r JOIN version v ON v.version_id = r.live_version_id";

/// A live version must be published, have an open live period, its table and its row count.
pub(crate) fn live_version_problems(facts: &LiveVersionFacts, problems: &mut Vec<Problem>) {
    let LiveVersionFacts {
        resource, version, ..
    } = facts;
    if facts.status != "published" {
        problems.push(problem(
            ProblemKind::InconsistentLivePointer,
            format!(
                "ressource {resource} : la version en ligne {version} a le statut « {} »",
                facts.status
            ),
        ));
    }
    if facts.open_periods != 1 {
        problems.push(problem(
            ProblemKind::InconsistentLivePointer,
            format!("ressource {resource} : la période de mise en ligne de la version {version} n'est pas ouverte"),
        ));
    }
    let Some(actual) = facts.actual_rows else {
        problems.push(problem(
            ProblemKind::MissingTable,
            format!("ressource {resource} : la table de la version en ligne {version} manque"),
        ));
        return;
    };
    if Some(actual) != facts.row_count {
        problems.push(problem(
            ProblemKind::RowCountMismatch,
            format!(
                "version {version} : {actual} lignes en table, {} annoncées",
                facts
                    .row_count
                    .map_or("aucune".to_owned(), |n| n.to_string())
            ),
        ));
    }
}

/// A version marked published that its resource does not serve.
pub(crate) fn stray_version_problem(version: i64, resource: i64) -> Problem {
    problem(
        ProblemKind::InconsistentLivePointer,
        format!(
            "version {version} : marquée publiée mais la ressource {resource} en sert une autre"
        ),
    )
}

/// A superseded version whose table should have been kept.
pub(crate) fn missing_superseded_table_problem(version: i64) -> Problem {
    problem(
        ProblemKind::MissingTable,
        format!("version {version} : la table de cette version remplacée manque"),
    )
}

/// Tables no version owns, and versions still pending.
pub(crate) fn orphan_problems(
    tables: &[VersionTable],
    committed: &std::collections::HashSet<i64>,
    pending: &std::collections::HashSet<i64>,
    problems: &mut Vec<Problem>,
) {
    for table in tables {
        let owned = if table.staging {
            pending.contains(&table.version.0)
        } else {
            committed.contains(&table.version.0)
        };
        if !owned {
            problems.push(problem(
                ProblemKind::OrphanTable,
                format!("table orpheline « {} »", table.name),
            ));
        }
    }
    for version in pending {
        problems.push(problem(
            ProblemKind::PendingVersion,
            format!("version {version} : chargement en cours ou interrompu (nettoyée à la prochaine ouverture exclusive)"),
        ));
    }
}

/// Each live version is published, has its table, its declared row count and an open live period.
fn check_live_versions(connection: &Connection, problems: &mut Vec<Problem>) -> Result<()> {
    let live: Vec<(i64, i64, String, Option<i64>, i64)> =
        query_all(connection, LIVE_VERSIONS_SQL, [], |row| {
            Ok((
                row.get(0)?,
                row.get(1)?,
                row.get(2)?,
                row.get(3)?,
                row.get(4)?,
            ))
        })?;
    for (resource, version, status, row_count, open_periods) in live {
        let table = rows_table_name(VersionId(version));
        let actual_rows = if table_exists(connection, &table)? {
            Some(connection.query_row(
                &format!(
                    "SELECT count({}) FROM {}",
                    quote_identifier(ROW_COLUMN),
                    quote_identifier(&table)
                ),
                [],
                |row| row.get(0),
            )?)
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
        connection,
        "SELECT v.version_id, v.resource_id FROM version v JOIN resource r USING (resource_id)
         WHERE v.status = 'published' AND r.live_version_id IS NOT v.version_id",
        [],
        |row| Ok((row.get(0)?, row.get(1)?)),
    )?;
    for (version, resource) in stray {
        problems.push(stray_version_problem(version, resource));
    }
    Ok(())
}

/// With `Retention::KeepAll`, every superseded version keeps its table.
fn check_kept_versions(
    connection: &Connection,
    retention: Retention,
    problems: &mut Vec<Problem>,
) -> Result<()> {
    if retention != Retention::KeepAll {
        return Ok(());
    }
    let superseded: Vec<i64> = query_all(
        connection,
        "SELECT version_id FROM version WHERE status = 'superseded'",
        [],
        |row| row.get(0),
    )?;
    for version in superseded {
        if !table_exists(connection, &rows_table_name(VersionId(version)))? {
            problems.push(missing_superseded_table_problem(version));
        }
    }
    Ok(())
}

fn check_orphans(connection: &Connection, problems: &mut Vec<Problem>) -> Result<()> {
    let committed = versions_with_status(connection, "'published', 'superseded'")?;
    let pending = versions_with_status(connection, "'pending'")?;
    let building: std::collections::HashSet<i64> = query_all(
        connection,
        "SELECT version_id FROM version WHERE indexes = 'building' AND status IN ('published', 'superseded')",
        [],
        |row| row.get(0),
    )?
    .into_iter()
    .collect();
    for table in version_tables(connection)? {
        let owned = if table.staging {
            // A staging table of a committed version is the full-text index its job is filling.
            pending.contains(&table.version.0) || building.contains(&table.version.0)
        } else {
            committed.contains(&table.version.0)
        };
        if !owned {
            problems.push(problem(
                ProblemKind::OrphanTable,
                format!("table orpheline « {} »", table.name),
            ));
        }
    }
    for version in pending {
        problems.push(problem(
            ProblemKind::PendingVersion,
            format!("version {version} : chargement en cours ou interrompu (nettoyée à la prochaine ouverture exclusive)"),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_table_names() {
        let parsed =
            |name: &str| parse_version_table(name).map(|table| (table.version.0, table.staging));
        assert_eq!(parsed("rows_v12"), Some((12, false)));
        assert_eq!(parsed("rows_v12_fts"), Some((12, false)));
        assert_eq!(parsed("staging_v3"), Some((3, true)));
        assert_eq!(parsed("staging_v3_fts"), Some((3, true)));
        for other in [
            "rows_v12_fts_data",
            "rows_v",
            "rows_vx",
            "rowsv1",
            "ref_commune",
            "rows_v1_fts_idx",
        ] {
            assert_eq!(parsed(other), None, "{other}");
        }
    }
}
