//! The job queue on SQLite (see `crate::jobs`): table `jobs` (migration 0003).
//!
//! A claim is atomic because it runs in an immediate transaction: SQLite lets one writer at a
//! time, across threads (the engine's one writer connection) and processes (the file lock).

use std::time::Duration;

use rusqlite::{Connection, OptionalExtension, Transaction, params};

use super::SqliteEngine;
use super::codec::{now, timestamp_text};
use crate::error::{Error, Result};
use crate::jobs::{Job, JobId, JobState, JobStatus, MAX_JOB_ATTEMPTS, lease_end, lost_claim};

/// Queues a job inside the caller's transaction (publication enqueues its index build in the
/// transaction that flips the live pointer).
pub(crate) fn enqueue(tx: &Transaction<'_>, kind: &str, payload: &str) -> Result<JobId> {
    tx.execute(
        "INSERT INTO jobs (kind, payload, created_at) VALUES (?1, ?2, ?3)",
        params![kind, payload, timestamp_text(now())],
    )?;
    Ok(JobId(tx.last_insert_rowid()))
}

/// Waiting jobs whose claims are used up are given up (their workers died, or crashed the
/// process, each time: trying again is unlikely to do better).
fn give_up_exhausted(tx: &Transaction<'_>, now: &str) -> Result<()> {
    tx.execute(
        "UPDATE jobs SET state = 'failed', lease_until = NULL, finished_at = ?1,
             error = coalesce(error || ' ; ', '') || 'abandonnée après ' || attempts || ' tentatives interrompues'
         WHERE (state = 'queued' OR (state = 'running' AND lease_until < ?1)) AND attempts >= ?2",
        params![now, MAX_JOB_ATTEMPTS],
    )?;
    Ok(())
}

const WAITING: &str = "state = 'queued' OR (state = 'running' AND lease_until < ?1)";

impl SqliteEngine {
    pub(crate) fn enqueue_job(&self, kind: &str, payload: &str) -> Result<JobId> {
        self.transaction(|tx| enqueue(tx, kind, payload))
    }

    pub(crate) fn claim_job(&self, lease: Duration) -> Result<Option<Job>> {
        self.transaction(|tx| {
            let now = timestamp_text(now());
            give_up_exhausted(tx, &now)?;
            let found: Option<(i64, String, String, u32)> = tx
                .query_row(
                    &format!(
                        "SELECT job_id, kind, payload, attempts FROM jobs WHERE {WAITING} ORDER BY job_id LIMIT 1"
                    ),
                    [&now],
                    |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?)),
                )
                .optional()?;
            let Some((id, kind, payload, attempts)) = found else {
                return Ok(None);
            };
            tx.execute(
                "UPDATE jobs SET state = 'running', attempts = attempts + 1, lease_until = ?2 WHERE job_id = ?1",
                params![id, lease_end(lease)],
            )?;
            Ok(Some(Job {
                id: JobId(id),
                kind,
                payload,
                attempt: attempts + 1,
            }))
        })
    }

    pub(crate) fn heartbeat_job(&self, job: &Job, lease: Duration, progress: &str) -> Result<()> {
        self.transaction(|tx| {
            let changed = tx.execute(
                "UPDATE jobs SET lease_until = ?3, progress = ?4
                 WHERE job_id = ?1 AND attempts = ?2 AND state = 'running'",
                params![job.id.0, job.attempt, lease_end(lease), progress],
            )?;
            if changed == 0 {
                return Err(lost_claim(job));
            }
            Ok(())
        })
    }

    pub(crate) fn complete_job(&self, job: &Job) -> Result<()> {
        self.transaction(|tx| {
            let changed = tx.execute(
                "UPDATE jobs SET state = 'done', lease_until = NULL, finished_at = ?3
                 WHERE job_id = ?1 AND attempts = ?2 AND state = 'running'",
                params![job.id.0, job.attempt, timestamp_text(now())],
            )?;
            if changed == 0 {
                return Err(lost_claim(job));
            }
            Ok(())
        })
    }

    pub(crate) fn fail_job(&self, job: &Job, error: &str) -> Result<JobState> {
        let state = job.state_after_failure();
        self.transaction(|tx| {
            let finished = (state == JobState::Failed).then(|| timestamp_text(now()));
            let changed = tx.execute(
                "UPDATE jobs SET state = ?3, lease_until = NULL, error = ?4, finished_at = ?5
                 WHERE job_id = ?1 AND attempts = ?2 AND state = 'running'",
                params![job.id.0, job.attempt, state.as_str(), error, finished],
            )?;
            if changed == 0 {
                return Err(lost_claim(job));
            }
            Ok(state)
        })
    }

    pub(crate) fn job_status(&self, id: JobId) -> Result<Option<JobStatus>> {
        self.read(|connection| {
            let found = connection
                .query_row(
                    "SELECT job_id, kind, payload, state, attempts, progress, error FROM jobs WHERE job_id = ?1",
                    [id.0],
                    |row| {
                        Ok((
                            JobId(row.get(0)?),
                            row.get::<_, String>(1)?,
                            row.get::<_, String>(2)?,
                            row.get::<_, String>(3)?,
                            row.get::<_, u32>(4)?,
                            row.get::<_, Option<String>>(5)?,
                            row.get::<_, Option<String>>(6)?,
                        ))
                    },
                )
                .optional()?;
            found
                .map(|(id, kind, payload, state, attempts, progress, error)| {
                    let state = JobState::parse(&state).ok_or_else(|| {
                        Error::Corrupt(format!("tâche {id} : état inconnu « {state} »"))
                    })?;
                    Ok(JobStatus {
                        id,
                        kind,
                        payload,
                        state,
                        attempts,
                        progress,
                        error,
                    })
                })
                .transpose()
        })
    }

    pub(crate) fn has_waiting_jobs(&self) -> Result<bool> {
        self.read(|connection| {
            Ok(connection.query_row(
                &format!("SELECT EXISTS (SELECT 1 FROM jobs WHERE {WAITING})"),
                [timestamp_text(now())],
                |row| row.get(0),
            )?)
        })
    }
}

/// At an exclusive open, the claims of running jobs belong to dead processes: the jobs are
/// queued again at once rather than after their lease (the claim still counts as an attempt).
pub(crate) fn requeue_orphaned(connection: &Connection) -> Result<usize> {
    Ok(connection.execute(
        "UPDATE jobs SET state = 'queued', lease_until = NULL WHERE state = 'running'",
        [],
    )?)
}
