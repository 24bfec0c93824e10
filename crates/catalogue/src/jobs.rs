//! Background work through the store's job queue (`store::jobs`): publications run in the
//! background ([`PUBLISH`]) next to the store's own index builds.
//!
//! A server that receives a large file (or is asked to answer at once) keeps the bytes in the
//! blob store, which every server shares, and queues a [`PUBLISH`] job naming them; whichever
//! server's worker claims the job publishes the file through [`Catalogue::publish`]'s rules,
//! checking the acting user's rights again at run time. A worker that dies mid-job loses its
//! claim when the lease runs out and another worker starts the job again: that is safe because
//! publishing bytes that are already a version of the resource records nothing new, and the
//! store makes a version visible in one transaction.
//!
//! The job's progress (stored text, a JSON [`PublishProgress`]) says which worker holds it and
//! how many rows it has read, and, once done, which version came out.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{RecvTimeoutError, channel};
use std::time::Duration;

use model::{ResourceId, Sha256, UserId, VersionOrigin};
use serde::{Deserialize, Serialize};
use store::{BlobInfo, Job, JobId};

use crate::access::Actor;
use crate::error::{Error, Result};
use crate::publish::{Outcome, Publication, PublishRequest};
use crate::service::Catalogue;

/// The kind of job that publishes a file kept in the blob store.
pub const PUBLISH: &str = "publish";

/// What a [`PUBLISH`] job needs, as stored in its payload.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublishJob {
    pub resource: i64,
    /// The file, in the blob store (hexadecimal SHA-256).
    pub sha256: String,
    /// Its size in bytes.
    pub size: u64,
    pub file_name: Option<String>,
    /// [`VersionOrigin`] code.
    pub origin: String,
    /// Encoding label ([`ingest::Encoding::from_label`] reads it back).
    pub encoding: Option<String>,
    pub delimiter: Option<u8>,
    pub sheet: Option<String>,
    /// The acting user; `None` for the operator.
    pub user: Option<i64>,
}

/// A [`PUBLISH`] job's progress, as stored by its heartbeats (JSON).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublishProgress {
    /// Which process runs the job (`pid <n>`), so operators can tell servers apart.
    pub worker: String,
    /// Data rows read and loaded so far (counted in whole batches until the end).
    pub rows_read: u64,
    /// Once done: the version recorded (or found, for bytes already published).
    pub version: Option<i64>,
    /// Once done: `published`, `rejected` or `already_published`.
    pub outcome: Option<String>,
}

impl PublishProgress {
    /// Reads stored progress text; `None` for other kinds' text.
    pub fn parse(text: &str) -> Option<PublishProgress> {
        serde_json::from_str(text).ok()
    }
}

/// The wire name of an outcome.
pub fn outcome_code(outcome: Outcome) -> &'static str {
    match outcome {
        Outcome::Published { .. } => "published",
        Outcome::Rejected => "rejected",
        Outcome::AlreadyPublished => "already_published",
    }
}

impl PublishJob {
    fn new(actor: &Actor, request: &PublishRequest, blob: &BlobInfo) -> PublishJob {
        PublishJob {
            resource: request.resource.0,
            sha256: blob.sha256.to_hex(),
            size: blob.size,
            file_name: request.file_name.clone(),
            origin: request.origin.as_str().to_owned(),
            encoding: request
                .read
                .encoding
                .map(|encoding| encoding.name().to_owned()),
            delimiter: request.read.delimiter,
            sheet: request.read.sheet.clone(),
            user: actor.user_id().map(|id| id.0),
        }
    }

    fn parse(job: &Job) -> Result<PublishJob> {
        serde_json::from_str(&job.payload).map_err(|error| {
            Error::Internal(format!(
                "tâche {} : paramètres illisibles ({error})",
                job.id
            ))
        })
    }

    fn request(&self) -> Result<PublishRequest> {
        let invalid = |what: &str| Error::Internal(format!("tâche de publication : {what}"));
        let encoding = match &self.encoding {
            Some(label) => Some(
                ingest::Encoding::from_label(label)
                    .ok_or_else(|| invalid(&format!("encodage « {label} »")))?,
            ),
            None => None,
        };
        Ok(PublishRequest {
            resource: ResourceId(self.resource),
            file_name: self.file_name.clone(),
            origin: VersionOrigin::parse(&self.origin)
                .map_err(|_| invalid(&format!("origine « {} »", self.origin)))?,
            read: ingest::Options {
                encoding,
                delimiter: self.delimiter,
                sheet: self.sheet.clone(),
                file_name: self.file_name.clone(),
            },
        })
    }

    fn blob(&self) -> Result<BlobInfo> {
        let sha256 = Sha256::parse_hex(&self.sha256).map_err(|_| {
            Error::Internal(format!(
                "tâche de publication : empreinte « {} »",
                self.sha256
            ))
        })?;
        Ok(BlobInfo {
            sha256,
            size: self.size,
        })
    }
}

/// Heartbeats per lease: a claim survives two missed beats.
const BEATS_PER_LEASE: u32 = 3;

impl Catalogue {
    /// Queues the publication of a file already in the blob store (`blob`), after checking
    /// that `actor` may publish to the resource (checked again when the job runs).
    pub fn enqueue_publication(
        &self,
        actor: &Actor,
        request: &PublishRequest,
        blob: &BlobInfo,
    ) -> Result<JobId> {
        self.check_can_publish(actor, request.resource)?;
        if !self.store().has_blob(&blob.sha256)? {
            return Err(Error::NotFound(format!("fichier {}", blob.sha256.to_hex())));
        }
        let payload = serde_json::to_string(&PublishJob::new(actor, request, blob))
            .map_err(|error| Error::Internal(error.to_string()))?;
        Ok(self.store().enqueue_job(PUBLISH, &payload)?)
    }

    /// A job's status, for the user who started it (a publication) or an instance
    /// administrator; anyone else is told it does not exist.
    pub fn job(&self, actor: &Actor, id: JobId) -> Result<store::JobStatus> {
        let not_found = || Error::NotFound(format!("tâche {id}"));
        let status = self.store().job_status(id)?.ok_or_else(not_found)?;
        let started_by = (status.kind == PUBLISH)
            .then(|| serde_json::from_str::<PublishJob>(&status.payload).ok())
            .flatten()
            .and_then(|payload| payload.user);
        let allowed = match actor {
            Actor::Operator => true,
            Actor::User(user) => user.is_admin || started_by == Some(user.id.0),
        };
        if !allowed {
            return Err(not_found());
        }
        Ok(status)
    }

    /// The acting user of a publication job, as they are now (a removed account fails).
    fn job_actor(&self, user: Option<i64>) -> Result<Actor> {
        let Some(id) = user else {
            return Ok(Actor::Operator);
        };
        let user = self
            .store()
            .user(UserId(id))?
            .ok_or_else(|| Error::NotFound(format!("compte {id}")))?;
        Ok(Actor::User(user))
    }

    /// Runs the waiting background jobs (publications, and the index builds that follow each
    /// publication) until none is left, each claim lasting `lease` between heartbeats; returns
    /// how many completed. Jobs only finish what a permitted write started (publications check
    /// their user's rights again). `progress` hears each step; the first error is returned
    /// after the other jobs ran.
    pub fn run_waiting_jobs(
        &self,
        lease: Duration,
        progress: &mut dyn FnMut(&Job, &str),
    ) -> Result<usize> {
        let store = self.store();
        store.drain_jobs(lease, &mut |job| {
            if job.kind == PUBLISH {
                self.run_publish_job(job, lease, &mut |step| progress(job, step))
            } else {
                Ok(store.run_job(job, lease, &mut |step| progress(job, step))?)
            }
        })
    }

    /// Publishes a [`PUBLISH`] job's file, beating every `lease / 3` with the rows read, then
    /// completes the job with the outcome in its progress, or records its failure.
    fn run_publish_job(
        &self,
        job: &Job,
        lease: Duration,
        progress: &mut dyn FnMut(&str),
    ) -> Result<()> {
        let store = self.store();
        let mut state = PublishProgress {
            worker: format!("pid {}", std::process::id()),
            ..PublishProgress::default()
        };
        let beat = |state: &PublishProgress| -> Result<String> {
            let text = serde_json::to_string(state).unwrap_or_default();
            store.heartbeat_job(job, lease, &text)?;
            Ok(text)
        };
        // The first beat names the worker before any work.
        progress(&beat(&state)?);
        let published = self.publish_beating(job, lease, &mut state, &beat);
        match published {
            Ok(publication) => {
                state.version = Some(publication.version.id.0);
                state.outcome = Some(outcome_code(publication.outcome).to_owned());
                progress(&beat(&state)?);
                Ok(store.complete_job(job)?)
            }
            Err(error) => {
                // A lost claim fails here too: the worker that took the job over finishes it.
                store.fail_job(job, &error.to_string())?;
                Err(error)
            }
        }
    }

    /// The publication itself, while a scoped thread beats with the rows read so far.
    fn publish_beating(
        &self,
        job: &Job,
        lease: Duration,
        state: &mut PublishProgress,
        beat: &(dyn Fn(&PublishProgress) -> Result<String> + Sync),
    ) -> Result<Publication> {
        let payload = PublishJob::parse(job)?;
        let request = payload.request()?;
        let actor = self.job_actor(payload.user)?;
        let blob = payload.blob()?;
        let rows_read = AtomicU64::new(0);
        let (done, finished) = channel::<()>();
        let interval = lease / BEATS_PER_LEASE;
        let publication = std::thread::scope(|scope| {
            let beating = state.clone();
            let rows = &rows_read;
            scope.spawn(move || {
                let mut beating = beating;
                while let Err(RecvTimeoutError::Timeout) = finished.recv_timeout(interval) {
                    beating.rows_read = rows.load(Ordering::Relaxed);
                    if beat(&beating).is_err() {
                        // The claim is lost (or the database unreachable): the job will be
                        // run again elsewhere (publishing is idempotent), and completing this
                        // attempt will fail with the lost claim.
                        return;
                    }
                }
            });
            let publication = self.publish_stored(&actor, &request, &blob, &rows_read);
            drop(done);
            publication
        });
        state.rows_read = rows_read.load(Ordering::Relaxed);
        publication
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_publish_payload_reads_back_as_its_request() {
        for encoding in [
            ingest::Encoding::Utf8,
            ingest::Encoding::Utf16Le,
            ingest::Encoding::Utf16Be,
            ingest::Encoding::Windows1252,
            ingest::Encoding::Iso8859_1,
            ingest::Encoding::Iso8859_15,
        ] {
            let request = PublishRequest {
                resource: ResourceId(7),
                file_name: Some("menus.csv".to_owned()),
                origin: VersionOrigin::Url,
                read: ingest::Options {
                    encoding: Some(encoding),
                    delimiter: Some(b';'),
                    sheet: Some("Feuil2".to_owned()),
                    file_name: Some("menus.csv".to_owned()),
                },
            };
            let blob = BlobInfo {
                sha256: Sha256::parse_hex(&"ab".repeat(32)).unwrap(),
                size: 1234,
            };
            let payload = PublishJob::new(&Actor::Operator, &request, &blob);
            let text = serde_json::to_string(&payload).unwrap();
            let back: PublishJob = serde_json::from_str(&text).unwrap();
            let read = back.request().unwrap();
            assert_eq!(read.resource, request.resource);
            assert_eq!(read.origin, request.origin);
            assert_eq!(read.read.encoding, Some(encoding));
            assert_eq!(read.read.delimiter, Some(b';'));
            assert_eq!(read.read.sheet.as_deref(), Some("Feuil2"));
            assert_eq!(back.blob().unwrap(), blob);
            assert_eq!(back.user, None);
        }
    }
}
