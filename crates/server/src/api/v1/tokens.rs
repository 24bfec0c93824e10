//! `/api/v1/tokens`: a signed-in user's own API tokens.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use catalogue::Actor;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::common::timestamp;
use super::types;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::{ApiJson, ApiPath, Caller};
use crate::state::AppState;
use crate::tokens;

pub(crate) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_tokens, create_token))
        .routes(routes!(delete_token))
}

fn token(token: &model::ApiToken) -> types::Token {
    types::Token {
        id: token.id.0,
        label: token.label.clone(),
        created_at: timestamp(token.created_at),
        expires_at: token.expires_at.map(timestamp),
    }
}

fn signed_in_user(caller: &Caller) -> ApiResult<model::User> {
    match caller.require()? {
        Actor::User(user) => Ok(user.clone()),
        Actor::Operator => Err(ApiError::unauthorized(
            "un jeton d'utilisateur est requis",
            "a user token is required",
        )),
    }
}

/// The caller's tokens (never their secrets).
#[utoipa::path(
    get,
    path = "/api/v1/tokens",
    tag = "tokens",
    security(("token" = [])),
    responses(
        (status = 200, body = Vec<types::Token>),
        (status = 401, body = ErrorBody),
    )
)]
pub(crate) async fn list_tokens(
    State(state): State<AppState>,
    caller: Caller,
) -> ApiResult<Json<Vec<types::Token>>> {
    let user = signed_in_user(&caller)?;
    let tokens = state
        .blocking(move |catalogue| Ok(catalogue.store().api_tokens_of_user(user.id)?))
        .await?;
    Ok(Json(tokens.iter().map(token).collect()))
}

/// Creates a token for the caller; its secret is in this response only.
#[utoipa::path(
    post,
    path = "/api/v1/tokens",
    tag = "tokens",
    request_body = types::NewToken,
    security(("token" = [])),
    responses(
        (status = 201, body = types::CreatedToken),
        (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody),
    )
)]
pub(crate) async fn create_token(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<types::NewToken>,
) -> ApiResult<(StatusCode, Json<types::CreatedToken>)> {
    let user = signed_in_user(&caller)?;
    let expires_at = match body.expires_in_days {
        None => None,
        Some(0) => {
            return Err(ApiError::bad_request(
                "expires_in_days doit valoir au moins 1",
                "expires_in_days must be at least 1",
            ));
        }
        Some(days) => Some(tokens::expiry_after_days(days).map_err(|_| {
            ApiError::bad_request("durée de validité trop longue", "validity period too long")
        })?),
    };
    let (secret, created) = state
        .blocking(move |catalogue| {
            tokens::create(catalogue.store(), &user, &body.label, expires_at).map_err(|error| {
                match error {
                    tokens::TokenError::Store(error) => ApiError::from(error),
                    other => ApiError::internal(other),
                }
            })
        })
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(types::CreatedToken {
            token: token(&created),
            secret,
        }),
    ))
}

/// Revokes one of the caller's tokens.
#[utoipa::path(
    delete,
    path = "/api/v1/tokens/{id}",
    tag = "tokens",
    params(("id" = i64, Path, description = "Identifiant du jeton")),
    security(("token" = [])),
    responses(
        (status = 204, description = "Jeton révoqué"),
        (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody),
    )
)]
pub(crate) async fn delete_token(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<StatusCode> {
    let user = signed_in_user(&caller)?;
    state
        .blocking(move |catalogue| {
            let owned = catalogue
                .store()
                .api_tokens_of_user(user.id)?
                .into_iter()
                .any(|token| token.id.0 == id);
            if !owned {
                return Err(ApiError::not_found(
                    format!("jeton {id} introuvable"),
                    format!("token {id} not found"),
                ));
            }
            catalogue.store().delete_api_token(model::ApiTokenId(id))?;
            Ok(())
        })
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
