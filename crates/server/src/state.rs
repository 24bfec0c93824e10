//! [`AppState`]: what every handler can read.

use std::sync::Arc;
use std::time::Duration;

use catalogue::Catalogue;

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
}

impl AppState {
    pub fn new(catalogue: Catalogue, config: Config) -> AppState {
        let limiter = RateLimiter::new(&config);
        let fetcher = Fetcher::new(
            Duration::from_secs(config.fetch_timeout_secs),
            config.fetch_private_addresses,
        );
        let portal = Portal::new(&config);
        AppState {
            catalogue,
            config: Arc::new(config),
            limiter: Arc::new(limiter),
            fetcher: Arc::new(fetcher),
            portal: Arc::new(portal),
        }
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
