//! Request extractors: the caller's language and identity, and JSON/query/path extractors
//! whose rejections use the API's error format (axum's own answer in plain English text).

use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use catalogue::Actor;
use serde::de::DeserializeOwned;

use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::tokens;

/// The language of messages for a request: French unless `Accept-Language` prefers English.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    Fr,
    En,
}

impl Lang {
    /// The validator's and the catalogue's language value for the same choice.
    pub fn messages(self) -> tableschema::Lang {
        match self {
            Lang::Fr => tableschema::Lang::Fr,
            Lang::En => tableschema::Lang::En,
        }
    }

    /// Picks French or English from an `Accept-Language` header (quality values honoured;
    /// other languages ignored; French when nothing decides).
    pub fn from_headers(headers: &HeaderMap) -> Lang {
        let Some(value) = headers
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|value| value.to_str().ok())
        else {
            return Lang::Fr;
        };
        let mut best: Option<(f32, Lang)> = None;
        for entry in value.split(',') {
            let mut parts = entry.split(';');
            let tag = parts.next().unwrap_or_default().trim().to_ascii_lowercase();
            let quality = parts
                .filter_map(|param| param.trim().strip_prefix("q="))
                .find_map(|q| q.trim().parse::<f32>().ok())
                .unwrap_or(1.0);
            let lang = match tag.split('-').next() {
                Some("fr") => Lang::Fr,
                Some("en") => Lang::En,
                _ => continue,
            };
            // Ties keep the first listed, as the header's order expresses preference too.
            if best.is_none_or(|(held, _)| quality > held) {
                best = Some((quality, lang));
            }
        }
        best.map_or(Lang::Fr, |(_, lang)| lang)
    }

    /// The BCP 47 code (`Content-Language`).
    pub fn code(self) -> &'static str {
        match self {
            Lang::Fr => "fr",
            Lang::En => "en",
        }
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Lang {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Ok(Lang::from_headers(&parts.headers))
    }
}

/// Who is calling: anonymous, or the user behind a valid `Authorization: Bearer` token.
///
/// The server only authenticates: whether this user may do what they ask is decided by the
/// catalogue service, which receives [`Caller::actor`]. A request bearing an unknown or expired
/// token is refused (401) even for reads, so a client never mistakes a broken token for
/// anonymous access.
#[derive(Debug, Clone)]
pub struct Caller {
    actor: Option<Actor>,
}

impl Caller {
    /// Nobody signed in.
    pub fn anonymous() -> Caller {
        Caller { actor: None }
    }

    pub fn actor(&self) -> Option<&Actor> {
        self.actor.as_ref()
    }

    /// The user, if signed in.
    pub fn user(&self) -> Option<&model::User> {
        match &self.actor {
            Some(Actor::User(user)) => Some(user),
            _ => None,
        }
    }

    /// The actor of a write: writes need credentials (401 without).
    pub fn require(&self) -> ApiResult<&Actor> {
        self.actor.as_ref().ok_or_else(|| {
            ApiError::unauthorized(
                "authentification requise : envoyez un jeton d'API dans l'en-tête « Authorization: Bearer <jeton> » (créé par `socle token create`)",
                "authentication required: send an API token in the header `Authorization: Bearer <token>` (created by `socle token create`)",
            )
        })
    }
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        if let Some(caller) = parts.extensions.get::<Caller>() {
            return Ok(caller.clone());
        }
        let Some(secret) = bearer_token(&parts.headers)? else {
            return Ok(Caller::anonymous());
        };
        let secret = secret.to_owned();
        let user = state
            .blocking(move |catalogue| tokens::authenticate(catalogue.store(), &secret))
            .await?;
        let caller = Caller {
            actor: Some(Actor::User(user)),
        };
        parts.extensions.insert(caller.clone());
        Ok(caller)
    }
}

/// The token of an `Authorization: Bearer` header; `None` without the header, 401 for another
/// scheme.
pub(crate) fn bearer_token(headers: &HeaderMap) -> ApiResult<Option<&str>> {
    let Some(value) = headers.get(header::AUTHORIZATION) else {
        return Ok(None);
    };
    let text = value.to_str().unwrap_or_default().trim();
    let (scheme, token) = text.split_once(' ').unwrap_or((text, ""));
    if !scheme.eq_ignore_ascii_case("bearer") || token.trim().is_empty() {
        return Err(ApiError::unauthorized(
            "en-tête Authorization invalide : attendu « Bearer <jeton> »",
            "invalid Authorization header: expected `Bearer <token>`",
        ));
    }
    Ok(Some(token.trim()))
}

/// `axum::Json` with the API's error format on rejection.
#[derive(Debug, Clone, Copy, Default)]
pub struct ApiJson<T>(pub T);

impl<T, S> FromRequest<S> for ApiJson<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Json::<T>::from_request(request, state).await {
            Ok(axum::Json(value)) => Ok(ApiJson(value)),
            Err(rejection) => Err(json_rejection(&rejection)),
        }
    }
}

fn json_rejection(rejection: &JsonRejection) -> ApiError {
    let detail = rejection.body_text();
    match rejection {
        JsonRejection::MissingJsonContentType(_) => ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "corps attendu en JSON (en-tête « Content-Type: application/json »)",
            "expected a JSON body (header `Content-Type: application/json`)",
        ),
        _ if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE => ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            "le corps JSON dépasse la taille maximale autorisée",
            "the JSON body exceeds the maximum size allowed",
        ),
        _ => ApiError::bad_request(
            format!("corps JSON invalide : {detail}"),
            format!("invalid JSON body: {detail}"),
        ),
    }
}

/// `axum::extract::Query` with the API's error format on rejection.
#[derive(Debug, Clone, Copy, Default)]
pub struct ApiQuery<T>(pub T);

impl<T, S> FromRequestParts<S> for ApiQuery<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(value)) => Ok(ApiQuery(value)),
            Err(rejection) => Err(query_rejection(&rejection)),
        }
    }
}

fn query_rejection(rejection: &QueryRejection) -> ApiError {
    let detail = rejection.body_text();
    let detail = detail
        .strip_prefix("Failed to deserialize query string: ")
        .unwrap_or(&detail);
    ApiError::bad_request(
        format!("paramètres de requête invalides : {detail}"),
        format!("invalid query parameters: {detail}"),
    )
}

/// `axum::extract::Path` with the API's error format on rejection.
#[derive(Debug, Clone, Copy, Default)]
pub struct ApiPath<T>(pub T);

impl<T, S> FromRequestParts<S> for ApiPath<T>
where
    T: DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Path::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(value)) => Ok(ApiPath(value)),
            Err(rejection) => Err(path_rejection(&rejection)),
        }
    }
}

fn path_rejection(rejection: &PathRejection) -> ApiError {
    let detail = rejection.body_text();
    ApiError::bad_request(
        format!("identifiant invalide dans l'adresse : {detail}"),
        format!("invalid identifier in the path: {detail}"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn lang(value: &str) -> Lang {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::ACCEPT_LANGUAGE,
            HeaderValue::from_str(value).unwrap(),
        );
        Lang::from_headers(&headers)
    }

    #[test]
    fn accept_language() {
        assert_eq!(Lang::from_headers(&HeaderMap::new()), Lang::Fr);
        assert_eq!(lang("en"), Lang::En);
        assert_eq!(lang("en-GB,en;q=0.9"), Lang::En);
        assert_eq!(lang("fr-FR,fr;q=0.9,en;q=0.8"), Lang::Fr);
        assert_eq!(lang("de, en;q=0.5, fr;q=0.7"), Lang::Fr);
        assert_eq!(lang("de, fr;q=0.2, en;q=0.5"), Lang::En);
        assert_eq!(lang("de"), Lang::Fr);
        assert_eq!(lang("*"), Lang::Fr);
    }

    #[test]
    fn bearer_tokens() {
        let mut headers = HeaderMap::new();
        assert_eq!(bearer_token(&headers).unwrap(), None);
        headers.insert(
            header::AUTHORIZATION,
            HeaderValue::from_static("Bearer abc"),
        );
        assert_eq!(bearer_token(&headers).unwrap(), Some("abc"));
        headers.insert(header::AUTHORIZATION, HeaderValue::from_static("Basic abc"));
        assert!(bearer_token(&headers).is_err());
        headers.insert(header::AUTHORIZATION, HeaderValue::from_static("Bearer "));
        assert!(bearer_token(&headers).is_err());
    }
}
