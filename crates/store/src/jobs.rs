//! A durable job queue in the database, and the runner that drains it.
//!
//! Publishing makes a version's rows queryable as soon as they are loaded; what takes long and
//! is not needed for correct answers (the per-column indexes and the full-text index) is a job,
//! enqueued in the very transaction that makes the version live, so that a crash can never lose
//! it. Workers (the CLI after `socle publish`, a thread of `socle serve`) claim jobs:
//!
//! - [`Store::claim_job`] takes the oldest queued job, or a running one whose lease expired (its
//!   worker died), atomically across threads and processes, and leases it for a while;
//! - the worker reports progress and extends its lease with [`Store::heartbeat_job`]; a worker
//!   whose lease was taken over gets [`Error::Conflict`] and stops;
//! - [`Store::complete_job`] or [`Store::fail_job`] end the attempt (a failed job is retried up to
//!   [`MAX_JOB_ATTEMPTS`] claims, then kept as `failed` with its error).
//!
//! Every engine implements the same methods (`enqueue_job`, `claim_job`, `heartbeat_job`,
//! `complete_job`, `fail_job`, `job_status`, `has_waiting_jobs`, `build_version_indexes`); the
//! conformance suite checks them. SQLite claims in an immediate transaction (one writer at a
//! time); PostgreSQL claims with `SELECT … FOR UPDATE SKIP LOCKED` (concurrent workers skip each
//! other's rows instead of waiting).
//!
//! Jobs must be idempotent: an attempt may be interrupted anywhere and started again.
//!
//! The store runs its own kinds ([`Store::run_job`]: [`BUILD_INDEXES`]); kinds that need the
//! catalogue's rules (`publish`, a publication in the background) are run by
//! `catalogue::Catalogue::run_waiting_jobs`, which claims every kind and hands the store's
//! back to it.

use std::time::Duration;

use model::VersionId;

use crate::error::{Error, Result};
use crate::sqlite::codec::{now, timestamp_text};
use crate::{Engine, Store};

/// The kind of job that builds a published version's indexes (payload `{"version": id}`).
pub const BUILD_INDEXES: &str = "build-indexes";

/// Claims of one job before it is given up as `failed`.
pub const MAX_JOB_ATTEMPTS: u32 = 3;

/// How long a claim lasts without a heartbeat, by default (`socle serve` takes its
/// `job_lease_secs` setting). Index builds beat after every index and every chunk of the
/// full-text index (seconds apart), so only a dead worker lets it expire.
pub const JOB_LEASE: Duration = Duration::from_secs(120);

/// A job's id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct JobId(pub i64);

impl std::fmt::Display for JobId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

/// A claimed job: what to do, and the claim (`attempt`) that proves it is still ours.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Job {
    pub id: JobId,
    pub kind: String,
    /// JSON object text.
    pub payload: String,
    /// 1 for the first claim; the token checked by heartbeats and completion.
    pub attempt: u32,
}

impl Job {
    /// Where a failed attempt leaves the job: queued again, or failed for good after the last
    /// allowed attempt. One rule for both engines.
    pub(crate) fn state_after_failure(&self) -> JobState {
        if self.attempt >= MAX_JOB_ATTEMPTS {
            JobState::Failed
        } else {
            JobState::Queued
        }
    }
}

/// Where a job is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobState {
    Queued,
    Running,
    Done,
    Failed,
}

impl JobState {
    pub fn as_str(self) -> &'static str {
        match self {
            JobState::Queued => "queued",
            JobState::Running => "running",
            JobState::Done => "done",
            JobState::Failed => "failed",
        }
    }

    pub fn parse(text: &str) -> Option<JobState> {
        [
            JobState::Queued,
            JobState::Running,
            JobState::Done,
            JobState::Failed,
        ]
        .into_iter()
        .find(|state| state.as_str() == text)
    }
}

/// What [`Store::job_status`] tells about a job.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobStatus {
    pub id: JobId,
    pub kind: String,
    pub payload: String,
    pub state: JobState,
    pub attempts: u32,
    pub progress: Option<String>,
    pub error: Option<String>,
}

/// The payload of a [`BUILD_INDEXES`] job.
pub(crate) fn build_indexes_payload(version: VersionId) -> String {
    serde_json::json!({ "version": version.0 }).to_string()
}

/// When a claim made now for `lease` runs out, as stored timestamp text.
pub(crate) fn lease_end(lease: Duration) -> String {
    let lease = jiff::SignedDuration::try_from(lease).unwrap_or(jiff::SignedDuration::MAX);
    timestamp_text(now().checked_add(lease).unwrap_or(jiff::Timestamp::MAX))
}

/// The error of a heartbeat or an end whose claim was taken over or already ended.
pub(crate) fn lost_claim(job: &Job) -> Error {
    Error::Conflict(format!(
        "la tâche {} n'est plus confiée à ce processus (reprise ailleurs ou terminée)",
        job.id
    ))
}

fn payload_version(job: &Job) -> Result<VersionId> {
    let payload: serde_json::Value = serde_json::from_str(&job.payload).map_err(|error| {
        Error::Corrupt(format!(
            "tâche {} : paramètres illisibles ({error})",
            job.id
        ))
    })?;
    payload["version"]
        .as_i64()
        .map(VersionId)
        .ok_or_else(|| Error::Corrupt(format!("tâche {} : version absente", job.id)))
}

impl Store {
    /// Queues a job; any worker may run it from now on.
    pub fn enqueue_job(&self, kind: &str, payload: &str) -> Result<JobId> {
        dispatch!(self, engine => engine.enqueue_job(kind, payload))
    }

    /// Claims the oldest job that is queued, or running under an expired lease, for `lease`.
    /// Jobs whose expired claims already reached [`MAX_JOB_ATTEMPTS`] become `failed` instead.
    pub fn claim_job(&self, lease: Duration) -> Result<Option<Job>> {
        dispatch!(self, engine => engine.claim_job(lease))
    }

    /// Extends the claim by `lease` and records `progress`. Fails with [`Error::Conflict`] when
    /// the claim is no longer ours (expired and taken over, or the job ended).
    pub fn heartbeat_job(&self, job: &Job, lease: Duration, progress: &str) -> Result<()> {
        dispatch!(self, engine => engine.heartbeat_job(job, lease, progress))
    }

    /// Marks the job done. Fails with [`Error::Conflict`] when the claim is no longer ours.
    pub fn complete_job(&self, job: &Job) -> Result<()> {
        dispatch!(self, engine => engine.complete_job(job))
    }

    /// Ends a failed attempt: queued again, or `failed` for good once it was claimed
    /// [`MAX_JOB_ATTEMPTS`] times. Returns the job's new state.
    pub fn fail_job(&self, job: &Job, error: &str) -> Result<JobState> {
        dispatch!(self, engine => engine.fail_job(job, error))
    }

    pub fn job_status(&self, id: JobId) -> Result<Option<JobStatus>> {
        dispatch!(self, engine => engine.job_status(id))
    }

    /// Whether some job is queued, or running under an expired lease (a cheap read: workers
    /// poll it before trying to claim, which needs the write lock).
    pub fn has_waiting_jobs(&self) -> Result<bool> {
        dispatch!(self, engine => engine.has_waiting_jobs())
    }

    /// Runs one claimed job of the store's own kinds ([`BUILD_INDEXES`]) to its end: completes
    /// it, or records its failure (the error is returned too). Each step extends the claim by
    /// `lease`; `progress` hears it afterwards.
    pub fn run_job(
        &self,
        job: &Job,
        lease: Duration,
        progress: &mut dyn FnMut(&str),
    ) -> Result<()> {
        let outcome = self.execute_job(job, lease, progress);
        match outcome {
            Ok(()) => self.complete_job(job),
            // Taken over by another worker: that one finishes it.
            Err(Error::Conflict(message)) => Err(Error::Conflict(message)),
            Err(error) => {
                self.fail_job(job, &error.to_string())?;
                Err(error)
            }
        }
    }

    fn execute_job(
        &self,
        job: &Job,
        lease: Duration,
        progress: &mut dyn FnMut(&str),
    ) -> Result<()> {
        match job.kind.as_str() {
            BUILD_INDEXES => {
                let version = payload_version(job)?;
                let mut beat = |step: &str| -> Result<()> {
                    self.heartbeat_job(job, lease, step)?;
                    progress(step);
                    Ok(())
                };
                dispatch!(self, engine => engine.build_version_indexes(version, &mut beat))?;
                // Once the indexes exist, which make counting each column's values cheap.
                self.store_facet_values(version)?;
                beat("valeurs des facettes")
            }
            other => Err(Error::Invalid(format!(
                "tâche {} de type inconnu « {other} »",
                job.id
            ))),
        }
    }

    /// Claims and runs jobs until none is waiting (jobs running under another worker's live
    /// lease are left to it); returns how many completed. A failing job is retried up to
    /// [`MAX_JOB_ATTEMPTS`] claims while the others still run; the first error is returned at
    /// the end.
    pub fn run_waiting_jobs(&self, progress: &mut dyn FnMut(&Job, &str)) -> Result<usize> {
        self.drain_jobs(JOB_LEASE, &mut |job| {
            self.run_job(job, JOB_LEASE, &mut |step| progress(job, step))
        })
    }

    /// The claim loop of [`Store::run_waiting_jobs`], each claim lasting `lease`, with the
    /// caller's `run` for each claimed job (the catalogue runs kinds the store cannot).
    pub fn drain_jobs<E: From<Error>>(
        &self,
        lease: Duration,
        run: &mut dyn FnMut(&Job) -> std::result::Result<(), E>,
    ) -> std::result::Result<usize, E> {
        let mut completed = 0;
        let mut first_error = None;
        while self.has_waiting_jobs()? {
            let Some(job) = self.claim_job(lease)? else {
                break;
            };
            match run(&job) {
                Ok(()) => completed += 1,
                Err(error) => {
                    first_error.get_or_insert(error);
                }
            }
        }
        match first_error {
            Some(error) => Err(error),
            None => Ok(completed),
        }
    }
}
