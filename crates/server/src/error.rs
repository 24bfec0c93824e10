//! [`ApiError`]: the one error type of the API, and its JSON body
//! `{"error": {"code": "not_found", "message": "…"}}`.
//!
//! The code is a stable snake_case contract (clients branch on it); the message is for people,
//! in French unless the request's `Accept-Language` prefers English. An error carries both
//! messages: the handler that fails does not know the caller's language, so the response is
//! written in French and rewritten by the [`localise`] middleware when English was asked for.
//! Internal failures are logged with their cause and answered with a generic message.

use std::sync::Arc;

use axum::Json;
use axum::extract::Request;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;

use crate::extract::Lang;

/// An error answered to an API client.
#[derive(Debug, Clone)]
pub struct ApiError {
    status: StatusCode,
    code: &'static str,
    message_fr: String,
    message_en: String,
    retry_after_secs: Option<u64>,
}

/// Shorthand for handlers' results.
pub type ApiResult<T, E = ApiError> = std::result::Result<T, E>;

/// The JSON body of every error response.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorDetail {
    /// Stable machine-readable code: `bad_request`, `unauthorized`, `forbidden`, `not_found`,
    /// `unknown_route`, `method_not_allowed`, `conflict`, `payload_too_large`,
    /// `unsupported_media_type`, `too_many_requests`, `timeout`, `not_implemented`,
    /// `unavailable`, `internal`.
    pub code: String,
    /// For people, in French or (with `Accept-Language: en`) in English.
    pub message: String,
}

impl ApiError {
    /// The French message (the portal shows it on its error page).
    pub fn message_fr(&self) -> &str {
        &self.message_fr
    }

    /// An error with its status, code and both messages.
    pub fn new(
        status: StatusCode,
        code: &'static str,
        message_fr: impl Into<String>,
        message_en: impl Into<String>,
    ) -> ApiError {
        ApiError {
            status,
            code,
            message_fr: message_fr.into(),
            message_en: message_en.into(),
            retry_after_secs: None,
        }
    }

    /// The request is malformed (a parameter, a body field).
    pub fn bad_request(message_fr: impl Into<String>, message_en: impl Into<String>) -> ApiError {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "bad_request",
            message_fr,
            message_en,
        )
    }

    /// The thing named does not exist (or the caller may not know it exists).
    pub fn not_found(message_fr: impl Into<String>, message_en: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, "not_found", message_fr, message_en)
    }

    /// A write without credentials, or with a token that is unknown or expired.
    pub fn unauthorized(message_fr: impl Into<String>, message_en: impl Into<String>) -> ApiError {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            message_fr,
            message_en,
        )
    }

    /// The body is larger than the configured limit.
    pub fn payload_too_large(limit_bytes: u64) -> ApiError {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            format!(
                "le corps de la requête dépasse la taille maximale autorisée ({limit_bytes} octets)"
            ),
            format!("the request body exceeds the maximum size allowed ({limit_bytes} bytes)"),
        )
    }

    /// A rate limit is exhausted; the client may retry after `retry_after_secs`.
    pub fn too_many_requests(retry_after_secs: u64, per: &str, per_en: &str) -> ApiError {
        let mut error = ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "too_many_requests",
            format!("trop de requêtes {per} : réessayez dans {retry_after_secs} s"),
            format!("too many requests {per_en}: retry in {retry_after_secs} s"),
        );
        error.retry_after_secs = Some(retry_after_secs);
        error
    }

    /// Our own failure: the cause is logged, the client gets a generic message.
    pub fn internal(cause: impl std::fmt::Display) -> ApiError {
        tracing::error!(%cause, "internal error");
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "erreur interne du serveur (consignée dans son journal)",
            "internal server error (recorded in the server's log)",
        )
    }

    pub fn status(&self) -> StatusCode {
        self.status
    }

    pub fn code(&self) -> &'static str {
        self.code
    }

    /// The message in the given language.
    pub fn message(&self, lang: Lang) -> &str {
        match lang {
            Lang::Fr => &self.message_fr,
            Lang::En => &self.message_en,
        }
    }

    fn render(&self, lang: Lang) -> Response {
        let body = ErrorBody {
            error: ErrorDetail {
                code: self.code.to_owned(),
                message: self.message(lang).to_owned(),
            },
        };
        let mut response = (self.status, Json(body)).into_response();
        let headers = response.headers_mut();
        headers.insert(
            header::CONTENT_LANGUAGE,
            HeaderValue::from_static(lang.code()),
        );
        if let Some(seconds) = self.retry_after_secs {
            headers.insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        response
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut response = self.render(Lang::Fr);
        response.extensions_mut().insert(Arc::new(self));
        response
    }
}

/// Rewrites error responses in the caller's language. Outermost layer of the router, so that
/// errors from every other layer (limits, timeouts) pass through it.
pub async fn localise(request: Request, next: Next) -> Response {
    let lang = Lang::from_headers(request.headers());
    let response = next.run(request).await;
    if lang == Lang::Fr {
        return response;
    }
    match response.extensions().get::<Arc<ApiError>>() {
        Some(error) => error.render(lang),
        None => response,
    }
}

impl From<catalogue::Error> for ApiError {
    fn from(error: catalogue::Error) -> ApiError {
        use catalogue::Error as E;
        match error {
            E::Forbidden(why) => ApiError::new(
                StatusCode::FORBIDDEN,
                "forbidden",
                format!("action refusée : {why}"),
                format!("forbidden: {why}"),
            ),
            E::NotFound(what) => {
                ApiError::not_found(format!("{what} introuvable"), format!("not found: {what}"))
            }
            E::Invalid(why) => {
                ApiError::bad_request(why.clone(), format!("invalid request: {why}"))
            }
            E::Conflict(why) => ApiError::new(
                StatusCode::CONFLICT,
                "conflict",
                why.clone(),
                format!("conflict: {why}"),
            ),
            E::Unauthenticated(why) => {
                ApiError::unauthorized(why.clone(), format!("not authenticated: {why}"))
            }
            E::Store(cause) => ApiError::internal(cause),
            E::Internal(cause) => ApiError::internal(cause),
        }
    }
}

impl From<store::Error> for ApiError {
    fn from(error: store::Error) -> ApiError {
        ApiError::from(catalogue::Error::from(error))
    }
}

impl From<model::ParseError> for ApiError {
    fn from(error: model::ParseError) -> ApiError {
        let message = error.to_string();
        ApiError::bad_request(message.clone(), format!("invalid value: {message}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalogue_errors_map_to_statuses() {
        let cases = [
            (
                catalogue::Error::Forbidden("x".into()),
                StatusCode::FORBIDDEN,
                "forbidden",
            ),
            (
                catalogue::Error::NotFound("x".into()),
                StatusCode::NOT_FOUND,
                "not_found",
            ),
            (
                catalogue::Error::Invalid("x".into()),
                StatusCode::BAD_REQUEST,
                "bad_request",
            ),
            (
                catalogue::Error::Conflict("x".into()),
                StatusCode::CONFLICT,
                "conflict",
            ),
        ];
        for (error, status, code) in cases {
            let api = ApiError::from(error);
            assert_eq!((api.status(), api.code()), (status, code));
        }
    }

    #[test]
    fn retry_after_header() {
        let response = ApiError::too_many_requests(7, "par adresse", "per address").into_response();
        assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(response.headers()[header::RETRY_AFTER], "7");
    }
}
