//! The public portal: server-rendered HTML pages in French, for people (the API is for programs).
//!
//! # How a page is made
//!
//! A handler reads what it needs through [`AppState::blocking`], builds a **page-view** (a
//! `#[derive(Serialize)]` struct of this module, never a `model` type: templates only see what
//! the page shows, already formatted in French) and calls [`Portal::render`] with a template
//! name. Failures are [`PortalError`]s, rendered as a French error page by the portal's error
//! layer. `docs/portal.md` ("Adding a page") walks through it.
//!
//! - `render`: [`Portal`], the MiniJinja environment (embedded templates under
//!   `crates/server/templates/`, overridable by the operator's `portal_templates_dir`), the
//!   instance's look ([`Site`]) and French formatting filters.
//! - `assets`: the embedded static files under `/static/`, with cache headers.
//! - `error`: [`PortalError`] and the layer that turns it into an HTML page.
//!
//! - `auth`, `admin`, `wizard`: sign-in and the account, the instance administrators' pages, the
//!   publishing wizard; every form carries the session's CSRF token.
//!
//! Pages work without JavaScript; `static/socle.js` only enhances them.

mod admin;
mod assets;
mod auth;
mod chart;
mod dataset;
mod embed;
mod error;
mod explore;
mod home;
mod index;
mod map;
mod organisation;
mod render;
mod schemas;
mod search;
mod wizard;

use std::time::Duration;

use axum::Router;
use axum::middleware::{from_fn, from_fn_with_state};
use axum::routing::get;

pub(crate) use error::not_found_page;
pub use error::{PortalError, PortalResult};
pub use render::Nav;
pub(crate) use render::Portal;

use crate::limits::timeout;
use crate::state::AppState;

/// Every portal route, with the layer that renders errors as HTML pages.
pub fn router(state: &AppState) -> Router<AppState> {
    let ordinary = Duration::from_secs(state.config.request_timeout_secs);
    Router::new()
        .route("/", get(home::page))
        .route("/datasets", get(search::page))
        .route("/datasets/{slug}", get(dataset::page))
        .route("/organisations", get(organisation::list))
        .route("/organisations/{siren}", get(organisation::page))
        .route("/schemas", get(schemas::list))
        .route("/schemas/{name}", get(schemas::page))
        .route("/schemas/{name}/modele.csv", get(schemas::template_csv))
        .route("/schemas/{name}/modele.xlsx", get(schemas::template_xlsx))
        .route("/embed/datasets/{slug}/table", get(embed::table))
        .route("/embed/datasets/{slug}/chart", get(embed::chart))
        .route("/static/{file}", get(assets::serve))
        // Signing in, the account, administration and the publishing wizard (sessions: see
        // `crate::sessions`).
        .merge(auth::router())
        .merge(admin::router())
        .merge(wizard::router())
        .layer(from_fn_with_state(ordinary, timeout))
        // The wizard's upload and publication: the upload time limit, no body limit but ours.
        .merge(wizard::upload_router(&state.config))
        .layer(from_fn_with_state(state.clone(), error::render_errors))
        .layer(from_fn(error::security_headers))
}
