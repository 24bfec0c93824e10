//! [`AppState`]: what every handler can read.

use std::sync::Arc;
use std::time::Duration;

use catalogue::Catalogue;
use tokio::sync::Semaphore;

use crate::config::Config;
use crate::error::{ApiError, ApiResult};
use crate::fetch::Fetcher;
use crate::limits::RateLimiter;
use crate::portal::Portal;

/// Shared by every request: the catalogue service and the settings. Cheap to clone.
#[derive(Clone)]
pub struct AppState {
    /// The one writer (every write goes through it, with the caller as `Actor`); reads go to
    /// its store.
    pub catalogue: Catalogue,
    /// The settings the server was started with.
    pub config: Arc<Config>,
    /// Buckets of the rate limits, shared by every connection.
    pub(crate) limiter: Arc<RateLimiter>,
    /// The HTTP client that downloads files published by URL.
    pub(crate) fetcher: Arc<Fetcher>,
    /// The portal's templates and look.
    pub(crate) portal: Arc<Portal>,
    /// Admission of short store reads ([`AppState::read`]), first come first served.
    reads: Arc<Semaphore>,
}

impl AppState {
    pub fn new(catalogue: Catalogue, config: Config) -> AppState {
        let limiter = RateLimiter::new(&config);
        let fetcher = Fetcher::new(
            Duration::from_secs(config.fetch_timeout_secs),
            config.fetch_private_addresses,
        );
        let portal = Portal::new(&config);
        let reads = Semaphore::new(concurrent_reads());
        AppState {
            catalogue,
            config: Arc::new(config),
            limiter: Arc::new(limiter),
            fetcher: Arc::new(fetcher),
            portal: Arc::new(portal),
            reads: Arc::new(reads),
        }
    }

    /// Runs a short store read (a page of records, a catalogue listing or one of its items)
    /// like [`AppState::blocking`], but at most
    /// [`concurrent_reads`] at a time, the others waiting in arrival order. Without this bound
    /// every connection gets its own blocking thread: dozens of threads time-slice two cores,
    /// each holding its own database connection, and unlucky requests wait many slices (the
    /// latency tail); queued in order, each read runs nearly alone and they end in the order
    /// they came.
    pub async fn read<T, F>(&self, work: F) -> ApiResult<T>
    where
        F: FnOnce(&Catalogue) -> ApiResult<T> + Send + 'static,
        T: Send + 'static,
    {
        let permit = Arc::clone(&self.reads)
            .acquire_owned()
            .await
            .map_err(|closed| ApiError::internal(format!("lectures fermées : {closed}")))?;
        // The permit travels with the work: a request abandoned by its client (or timed out)
        // keeps its place until the blocking work really ends.
        self.blocking(move |catalogue| {
            let _permit = permit;
            work(catalogue)
        })
        .await
    }

    /// Runs blocking catalogue or store work (SQLite, file I/O) on tokio's blocking pool, so
    /// that a slow query never stalls the threads serving other requests.
    pub async fn blocking<T, F>(&self, work: F) -> ApiResult<T>
    where
        F: FnOnce(&Catalogue) -> ApiResult<T> + Send + 'static,
        T: Send + 'static,
    {
        let catalogue = self.catalogue.clone();
        tokio::task::spawn_blocking(move || work(&catalogue))
            .await
            .map_err(|join_error| ApiError::internal(format!("tâche interrompue : {join_error}")))?
    }
}

/// How many short reads run at once: two per core, so that a core never idles while one read
/// waits (for the disk, PostgreSQL, or its response being written) and another is ready. This
/// stays under the store's pool of kept reader connections (8), so reads do not open and
/// close connections under load.
fn concurrent_reads() -> usize {
    let cores = std::thread::available_parallelism().map_or(1, |cores| cores.get());
    (2 * cores).clamp(2, 8)
}
