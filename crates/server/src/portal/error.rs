//! [`PortalError`]: what a page handler answers when it cannot show its page, rendered by
//! [`render_errors`] as the French error page (`templates/erreur.html`) with the right status.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use super::render::Nav;
use crate::error::ApiError;
use crate::state::AppState;

/// A page that cannot be shown: its status and a French sentence for the visitor.
#[derive(Debug, Clone)]
pub struct PortalError {
    status: StatusCode,
    message: String,
}

pub type PortalResult<T> = Result<T, PortalError>;

impl PortalError {
    pub fn not_found(message: impl Into<String>) -> PortalError {
        PortalError {
            status: StatusCode::NOT_FOUND,
            message: message.into(),
        }
    }

    pub fn bad_request(message: impl Into<String>) -> PortalError {
        PortalError {
            status: StatusCode::BAD_REQUEST,
            message: message.into(),
        }
    }

    /// Our failure: logged with its cause, shown to the visitor as a generic sentence.
    pub fn internal(cause: impl std::fmt::Display) -> PortalError {
        tracing::error!(%cause, "portal page failed");
        PortalError {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            message: "Une erreur interne empêche d'afficher cette page. Réessayez plus tard."
                .to_owned(),
        }
    }
}

impl From<ApiError> for PortalError {
    fn from(error: ApiError) -> PortalError {
        PortalError {
            status: error.status(),
            message: error.message_fr().to_owned(),
        }
    }
}

impl From<store::Error> for PortalError {
    fn from(error: store::Error) -> PortalError {
        PortalError::from(ApiError::from(error))
    }
}

impl From<catalogue::Error> for PortalError {
    fn from(error: catalogue::Error) -> PortalError {
        PortalError::from(ApiError::from(error))
    }
}

impl IntoResponse for PortalError {
    /// An empty response carrying the error; [`render_errors`] writes the page (it has the
    /// templates, a bare error does not).
    fn into_response(self) -> Response {
        let mut response = self.status.into_response();
        response.extensions_mut().insert(Arc::new(self));
        response
    }
}

/// The error page's view.
#[derive(Serialize)]
struct ErrorView<'a> {
    status: u16,
    heading: &'static str,
    message: &'a str,
}

/// Renders responses carrying a [`PortalError`] as the French error page.
pub(crate) async fn render_errors(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let response = next.run(request).await;
    match response.extensions().get::<Arc<PortalError>>() {
        Some(error) => error_page(&state, error),
        None => response,
    }
}

/// The page for any address the site does not serve.
pub(crate) fn not_found_page(state: &AppState, path: &str) -> Response {
    let error = PortalError::not_found(format!(
        "Aucune page à l'adresse « {path} ». Elle a peut-être été déplacée ou supprimée."
    ));
    error_page(state, &error)
}

fn error_page(state: &AppState, error: &PortalError) -> Response {
    let heading = match error.status {
        StatusCode::NOT_FOUND => "Page introuvable",
        StatusCode::BAD_REQUEST => "Demande incorrecte",
        StatusCode::FORBIDDEN => "Accès refusé",
        status if status.is_server_error() => "Erreur du serveur",
        _ => "Impossible d'afficher la page",
    };
    let view = ErrorView {
        status: error.status.as_u16(),
        heading,
        message: &error.message,
    };
    match state.portal.render("erreur.html", Nav::None, &view) {
        Ok(page) => (error.status, page).into_response(),
        // The error page itself failed (a broken operator template): plain text still says it.
        Err(_) => (
            error.status,
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            format!("{heading} : {}", error.message),
        )
            .into_response(),
    }
}

/// Headers every portal response carries: no sniffing, no framing by other sites except the
/// embeds (meant for `<iframe>`s), no referrer leak to other sites.
pub(crate) async fn security_headers(request: Request, next: Next) -> Response {
    let embeddable = request.uri().path().starts_with("/embed/");
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("strict-origin-when-cross-origin"),
    );
    if !embeddable {
        headers.insert(
            header::X_FRAME_OPTIONS,
            HeaderValue::from_static("SAMEORIGIN"),
        );
    }
    response
}
