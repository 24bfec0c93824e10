//! The job queue on PostgreSQL (see `crate::jobs`): table `jobs` (migration 0003), the same
//! states and rules as `sqlite/jobs.rs`.
//!
//! A claim is atomic because the job's row is locked by `SELECT … FOR UPDATE SKIP LOCKED` in
//! the statement that marks it running: workers of any process claiming at once each lock a
//! different row (the others skip it rather than wait), and a row another worker claimed and
//! committed meanwhile is checked again against the waiting condition before it is taken.

use std::time::Duration;

use postgres::{GenericClient, Transaction};

use super::PgEngine;
use super::catalogue::query_one;
use super::codec::get;
use crate::error::{Error, Result};
use crate::jobs::{Job, JobId, JobState, JobStatus, MAX_JOB_ATTEMPTS, lease_end, lost_claim};
use crate::sqlite::codec::{now, timestamp_text};

/// Queues a job inside the caller's transaction (publication enqueues its index build in the
/// transaction that flips the live pointer).
pub(crate) fn enqueue(tx: &mut Transaction<'_>, kind: &str, payload: &str) -> Result<JobId> {
    let row = tx.query_one(
        "INSERT INTO jobs (kind, payload, created_at) VALUES ($1, $2, $3) RETURNING job_id",
        &[&kind, &payload, &timestamp_text(now())],
    )?;
    Ok(JobId(get(&row, 0)?))
}

/// Queued, or running under an expired lease (`$1` is now).
const WAITING: &str = "(state = 'queued' OR (state = 'running' AND lease_until < $1))";

/// Waiting jobs whose claims are used up are given up (their workers died, or crashed the
/// process, each time: trying again is unlikely to do better). Rows another worker is claiming
/// are skipped, not waited for.
fn give_up_exhausted(tx: &mut Transaction<'_>, now: &str) -> Result<()> {
    tx.execute(
        &format!(
            "UPDATE jobs SET state = 'failed', lease_until = NULL, finished_at = $1,
                 error = coalesce(error || ' ; ', '') || 'abandonnée après ' || attempts || ' tentatives interrompues'
             WHERE job_id IN (SELECT job_id FROM jobs WHERE {WAITING} AND attempts >= $2 FOR UPDATE SKIP LOCKED)"
        ),
        &[&now, &i64::from(MAX_JOB_ATTEMPTS)],
    )?;
    Ok(())
}

fn attempt_of(job: &Job) -> i64 {
    i64::from(job.attempt)
}

/// A stored attempt count as the API's type (the column is never negative nor huge).
fn attempts_from(stored: i64) -> u32 {
    u32::try_from(stored).unwrap_or(u32::MAX)
}

impl PgEngine {
    pub(crate) fn enqueue_job(&self, kind: &str, payload: &str) -> Result<JobId> {
        self.transaction(|tx| enqueue(tx, kind, payload))
    }

    pub(crate) fn claim_job(&self, lease: Duration) -> Result<Option<Job>> {
        self.transaction(|tx| {
            let now = timestamp_text(now());
            give_up_exhausted(tx, &now)?;
            query_one(
                tx,
                &format!(
                    "UPDATE jobs SET state = 'running', attempts = attempts + 1, lease_until = $2
                     WHERE job_id = (SELECT job_id FROM jobs WHERE {WAITING} ORDER BY job_id LIMIT 1 FOR UPDATE SKIP LOCKED)
                     RETURNING job_id, kind, payload, attempts"
                ),
                &[&now, &lease_end(lease)],
                |row| {
                    Ok(Job {
                        id: JobId(get(row, 0)?),
                        kind: get(row, 1)?,
                        payload: get(row, 2)?,
                        attempt: attempts_from(get(row, 3)?),
                    })
                },
            )
        })
    }

    pub(crate) fn heartbeat_job(&self, job: &Job, lease: Duration, progress: &str) -> Result<()> {
        self.transaction(|tx| {
            let changed = tx.execute(
                "UPDATE jobs SET lease_until = $3, progress = $4
                 WHERE job_id = $1 AND attempts = $2 AND state = 'running'",
                &[&job.id.0, &attempt_of(job), &lease_end(lease), &progress],
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
                "UPDATE jobs SET state = 'done', lease_until = NULL, finished_at = $3
                 WHERE job_id = $1 AND attempts = $2 AND state = 'running'",
                &[&job.id.0, &attempt_of(job), &timestamp_text(now())],
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
                "UPDATE jobs SET state = $3, lease_until = NULL, error = $4, finished_at = $5
                 WHERE job_id = $1 AND attempts = $2 AND state = 'running'",
                &[
                    &job.id.0,
                    &attempt_of(job),
                    &state.as_str(),
                    &error,
                    &finished,
                ],
            )?;
            if changed == 0 {
                return Err(lost_claim(job));
            }
            Ok(state)
        })
    }

    pub(crate) fn job_status(&self, id: JobId) -> Result<Option<JobStatus>> {
        self.read_cached(|db| {
            query_one(
                db,
                "SELECT job_id, kind, payload, state, attempts, progress, error FROM jobs WHERE job_id = $1",
                &[&id.0],
                |row| {
                    let id = JobId(get(row, 0)?);
                    let state: String = get(row, 3)?;
                    let state = JobState::parse(&state).ok_or_else(|| {
                        Error::Corrupt(format!("tâche {id} : état inconnu « {state} »"))
                    })?;
                    Ok(JobStatus {
                        id,
                        kind: get(row, 1)?,
                        payload: get(row, 2)?,
                        state,
                        attempts: attempts_from(get(row, 4)?),
                        progress: get(row, 5)?,
                        error: get(row, 6)?,
                    })
                },
            )
        })
    }

    pub(crate) fn has_waiting_jobs(&self) -> Result<bool> {
        self.read_cached(|db| {
            let waiting = query_one(
                db,
                &format!("SELECT EXISTS (SELECT 1 FROM jobs WHERE {WAITING})"),
                &[&timestamp_text(now())],
                |row| get(row, 0),
            )?;
            Ok(waiting.unwrap_or(false))
        })
    }
}

/// At an exclusive open, the claims of running jobs belong to dead processes: the jobs are
/// queued again at once rather than after their lease (the claim still counts as an attempt).
pub(crate) fn requeue_orphaned(db: &mut impl GenericClient) -> Result<u64> {
    Ok(db.execute(
        "UPDATE jobs SET state = 'queued', lease_until = NULL WHERE state = 'running'",
        &[],
    )?)
}
