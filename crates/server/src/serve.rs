//! Building the application ([`app`]) and running it on a socket ([`serve`]).

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::{from_fn, from_fn_with_state};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use tower_http::compression::CompressionLayer;
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::trace::TraceLayer;
use tracing::Span;

use crate::api;
use crate::api::openapi::Document;
use crate::config::Config;
use crate::error::{ApiError, localise};
use crate::health::{healthz, readyz};
use crate::limits::{rate_limit, timeout};
use crate::portal;
use crate::state::AppState;

/// The whole application: `/api/v1`, `/healthz`, `/readyz`, with logging, compression, CORS,
/// rate limits and timeouts. Tests call it directly with `tower::ServiceExt::oneshot`.
pub fn app(state: AppState) -> Router {
    let config = Arc::clone(&state.config);
    let (api_router, document) = api::routes(&config).split_for_parts();
    let document = match serde_json::to_value(&document) {
        Ok(json) => json,
        Err(cause) => {
            tracing::error!(%cause, "OpenAPI document not serialisable");
            serde_json::Value::Null
        }
    };
    let health = Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .layer(from_fn_with_state(
            Duration::from_secs(config.request_timeout_secs),
            timeout,
        ));
    let mut router = api_router
        .merge(health)
        .merge(portal::router(&state))
        .fallback(unknown_route)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(axum::Extension(Document(Arc::new(document))))
        .layer(from_fn_with_state(state.clone(), rate_limit))
        .layer(CompressionLayer::new());
    if let Some(cors) = cors(&config) {
        router = router.layer(cors);
    }
    router
        .layer(from_fn(localise))
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(|request: &Request<Body>| {
                    tracing::info_span!(
                        "request",
                        method = %request.method(),
                        path = %request.uri().path(),
                    )
                })
                .on_request(())
                .on_response(|response: &Response, latency: Duration, _span: &Span| {
                    tracing::info!(
                        status = response.status().as_u16(),
                        duration = ?latency,
                        "request served"
                    );
                })
                .on_failure(()),
        )
        .with_state(state)
}

/// Serves `app(state)` on `listener` until `shutdown` completes, then stops accepting
/// connections and waits for the requests in progress (graceful shutdown).
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let uploads = state.catalogue.store().data_dir().join("uploads");
    if let Ok(Err(cause)) =
        tokio::task::spawn_blocking(move || remove_stale_uploads(&uploads, STALE_UPLOAD)).await
    {
        tracing::warn!(%cause, "cannot clean the upload folder");
    }
    // Dropped when the server stops, which stops the worker (a job it leaves unfinished is
    // resumed at the next start).
    let _stop_worker = start_job_worker(state.catalogue.clone(), state.config.job_lease());
    let service = app(state).into_make_service_with_connect_info::<SocketAddr>();
    axum::serve(listener, service)
        .with_graceful_shutdown(shutdown)
        .await
}

/// How often the job worker looks for waiting jobs (publications in the background, index
/// builds after publications).
const JOB_POLL: Duration = Duration::from_secs(1);

/// Starts the thread that runs background jobs (publications in the background, the index
/// builds that follow publications, and the jobs of a server that died once their lease ran
/// out) until the returned sender is dropped. Every server on one database runs one: the
/// queue gives each job to one of them.
fn start_job_worker(
    catalogue: catalogue::Catalogue,
    lease: Duration,
) -> std::sync::mpsc::Sender<()> {
    let (stop, stopped) = std::sync::mpsc::channel::<()>();
    let spawned = std::thread::Builder::new()
        .name("socle-jobs".to_owned())
        .spawn(move || {
            loop {
                let ran = catalogue.run_waiting_jobs(lease, &mut |job, step| {
                    tracing::debug!(job = job.id.0, kind = %job.kind, step, "job progress");
                });
                match ran {
                    Ok(0) => {}
                    Ok(completed) => tracing::info!(completed, "background jobs done"),
                    Err(cause) => tracing::warn!(%cause, "background job failed"),
                }
                if !matches!(
                    stopped.recv_timeout(JOB_POLL),
                    Err(std::sync::mpsc::RecvTimeoutError::Timeout)
                ) {
                    return;
                }
            }
        });
    if let Err(cause) = spawned {
        tracing::error!(%cause, "cannot start the background job worker");
    }
    stop
}

/// Uploads older than this were left by a crash (a live one ends within its timeout).
const STALE_UPLOAD: Duration = Duration::from_secs(24 * 3600);

/// Removes the temporary files of uploads interrupted by a crash (a normal end removes them).
fn remove_stale_uploads(folder: &std::path::Path, older_than: Duration) -> std::io::Result<usize> {
    let entries = match std::fs::read_dir(folder) {
        Ok(entries) => entries,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(0),
        Err(error) => return Err(error),
    };
    let mut n_removed = 0;
    for entry in entries {
        let entry = entry?;
        let is_upload = entry.file_name().to_string_lossy().starts_with("upload-");
        let age = entry.metadata()?.modified()?.elapsed().unwrap_or_default();
        if is_upload && age >= older_than {
            std::fs::remove_file(entry.path())?;
            n_removed += 1;
        }
    }
    if n_removed > 0 {
        tracing::info!(n_removed, "removed uploads left by an interrupted run");
    }
    Ok(n_removed)
}

/// Completes on Ctrl-C or, on Unix, SIGTERM (what service managers send to stop a process).
pub async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(cause) = tokio::signal::ctrl_c().await {
            tracing::error!(%cause, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(cause) => {
                tracing::error!(%cause, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutdown requested: finishing requests in progress");
}

fn cors(config: &Config) -> Option<CorsLayer> {
    let origins = &config.cors_allowed_origins;
    if origins.is_empty() {
        return None;
    }
    let allow_origin = if origins.iter().any(|origin| origin == "*") {
        AllowOrigin::any()
    } else {
        AllowOrigin::list(
            origins
                .iter()
                .filter_map(|origin| HeaderValue::from_str(origin).ok()),
        )
    };
    Some(
        CorsLayer::new()
            .allow_origin(allow_origin)
            .allow_methods([Method::GET, Method::POST, Method::PATCH, Method::DELETE])
            .allow_headers([
                header::AUTHORIZATION,
                header::CONTENT_TYPE,
                header::ACCEPT_LANGUAGE,
            ])
            .expose_headers([header::RETRY_AFTER, header::CONTENT_DISPOSITION])
            .max_age(Duration::from_secs(3600)),
    )
}

async fn unknown_route(State(state): State<AppState>, request: Request) -> Response {
    let path = request.uri().path().to_owned();
    if !path.starts_with("/api/") {
        return portal::not_found_page(&state, &path);
    }
    ApiError::new(
        StatusCode::NOT_FOUND,
        "unknown_route",
        format!("aucune ressource à l'adresse {path} (voir /api/v1/openapi.json)"),
        format!("nothing at {path} (see /api/v1/openapi.json)"),
    )
    .into_response()
}

async fn method_not_allowed(request: Request) -> ApiError {
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        format!("la méthode {method} n'est pas permise sur {path}"),
        format!("method {method} is not allowed on {path}"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stale_uploads_are_removed_and_others_kept() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(
            remove_stale_uploads(&dir.path().join("absent"), Duration::ZERO).unwrap(),
            0
        );
        std::fs::write(dir.path().join("upload-abc"), "x").unwrap();
        std::fs::write(dir.path().join("autre"), "x").unwrap();
        assert_eq!(
            remove_stale_uploads(dir.path(), STALE_UPLOAD).unwrap(),
            0,
            "too recent"
        );
        assert_eq!(remove_stale_uploads(dir.path(), Duration::ZERO).unwrap(), 1);
        assert!(dir.path().join("autre").exists());
        assert!(!dir.path().join("upload-abc").exists());
    }
}
