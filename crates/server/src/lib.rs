//! Socle's HTTP server: the JSON API under `/api/v1`, health checks, request limits and
//! access tokens.
//!
//! # Layout
//!
//! - [`app`] builds the whole [`axum::Router`] from an [`AppState`]; tests drive it in-process
//!   with `tower::ServiceExt::oneshot`, production wraps it with [`serve`], which takes an
//!   already-bound listener and a shutdown future.
//! - `state`: [`AppState`], what every handler reads (the catalogue service and the settings).
//! - `config`: [`Config`], every setting of `socle serve`, read from a TOML file, `SOCLE_*`
//!   environment variables and flags (the binary does the reading and layering).
//! - `error`: [`ApiError`], the one error body of the API, `{"error": {"code", "message"}}`.
//! - `extract`: request extractors: the caller's [`Lang`], the authenticated [`Caller`], and
//!   JSON/query/path extractors whose rejections speak the API's error format.
//! - `limits`: rate limiting per client address and per token, timeouts.
//! - `tokens`: API tokens (generation, hashing, lookup).
//! - `portal`: the public HTML pages (MiniJinja templates under `templates/`, assets under
//!   `static/`), server-rendered in French; `portal::router` is merged into [`app`].
//! - `sessions`: the portal's session cookie (`HttpOnly`, `SameSite=Lax`, `Secure` behind TLS)
//!   and the [`sessions::Visitor`] extractor; the sessions themselves are the catalogue's.
//! - `api`: the routes. `api::v1` holds the catalogue (organisations, datasets, resources,
//!   versions, schemas) with its wire types (`api::v1::types`), `api::records` and
//!   `api::exports` the rows of published versions, `api::openapi` the OpenAPI document.
//!
//! Architecture invariant: this is the only crate that speaks HTTP. It authenticates callers
//! and translates requests; every permission decision and every write belongs to the catalogue
//! service.
//! Architecture invariant: wire types are defined here, never derived from `model` types, so a
//! change of the domain model cannot silently change the API.

pub mod api;
mod config;
mod error;
mod extract;
mod fetch;
mod health;
mod limits;
pub mod portal;
mod serve;
pub mod sessions;
mod spool;
mod state;
pub mod tokens;

pub use config::{Config, ConfigError};
pub use error::{ApiError, ApiResult};
pub use extract::{ApiJson, ApiPath, ApiQuery, Caller, Lang};
pub use serve::{app, serve, shutdown_signal};
pub use state::AppState;
