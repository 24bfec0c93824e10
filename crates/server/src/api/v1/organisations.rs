//! `/api/v1/organisations`: the bodies that produce and publish data.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use model::{OrganisationKind, Siren, TerritoryCode};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::common::{
    self, cleared_or_set, non_blank, paginate, parse_optional, search_score, search_terms,
};
use super::types;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::{ApiJson, ApiPath, ApiQuery, Caller};
use crate::state::AppState;

pub(crate) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_organisations, create_organisation))
        .routes(routes!(show_organisation, update_organisation))
        .routes(routes!(archive_organisation))
}

/// Lists organisations, by name.
#[utoipa::path(
    get,
    path = "/api/v1/organisations",
    tag = "organisations",
    params(types::OrganisationFilters),
    responses(
        (status = 200, body = types::Page<types::Organisation>),
        (status = 400, body = ErrorBody, description = "Paramètre invalide"),
    )
)]
pub(crate) async fn list_organisations(
    State(state): State<AppState>,
    ApiQuery(filters): ApiQuery<types::OrganisationFilters>,
) -> ApiResult<Json<types::Page<types::Organisation>>> {
    let kind = parse_optional(filters.kind.as_deref(), OrganisationKind::parse)?;
    let terms = filters.q.as_deref().map(search_terms).unwrap_or_default();
    let organisations = state
        .read(move |catalogue| Ok(catalogue.store().list_organisations()?))
        .await?;
    let mut scored: Vec<(usize, types::Organisation)> = organisations
        .iter()
        .filter(|organisation| kind.is_none_or(|kind| organisation.kind == kind))
        .filter_map(|organisation| {
            let score = search_score(&terms, &organisation.name, "")?;
            Some((score, common::organisation(organisation)))
        })
        .collect();
    // Stable: equal scores keep the store's order (by name).
    scored.sort_by_key(|(score, _)| std::cmp::Reverse(*score));
    let items = scored
        .into_iter()
        .map(|(_, organisation)| organisation)
        .collect();
    Ok(Json(paginate(items, filters.page, filters.page_size)?))
}

/// Shows one organisation, by SIREN.
#[utoipa::path(
    get,
    path = "/api/v1/organisations/{siren}",
    tag = "organisations",
    params(("siren" = String, Path, description = "SIREN (9 chiffres)")),
    responses(
        (status = 200, body = types::Organisation),
        (status = 404, body = ErrorBody),
    )
)]
pub(crate) async fn show_organisation(
    State(state): State<AppState>,
    ApiPath(siren): ApiPath<String>,
) -> ApiResult<Json<types::Organisation>> {
    let not_found = {
        let siren = siren.clone();
        move || {
            ApiError::not_found(
                format!("organisation de SIREN {siren} introuvable"),
                format!("no organisation with SIREN {siren}"),
            )
        }
    };
    let Ok(siren) = Siren::parse(&siren) else {
        return Err(not_found());
    };
    let organisation = state
        .read(move |catalogue| Ok(catalogue.store().organisation_by_siren(&siren)?))
        .await?
        .ok_or_else(not_found)?;
    Ok(Json(common::organisation(&organisation)))
}

/// Changes an organisation: only the fields sent change (its administrators, or an instance
/// administrator). The SIREN never changes.
#[utoipa::path(
    patch,
    path = "/api/v1/organisations/{siren}",
    tag = "organisations",
    params(("siren" = String, Path, description = "SIREN (9 chiffres)")),
    request_body = types::OrganisationChanges,
    security(("token" = [])),
    responses(
        (status = 200, body = types::Organisation),
        (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
    )
)]
pub(crate) async fn update_organisation(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(siren): ApiPath<String>,
    ApiJson(changes): ApiJson<types::OrganisationChanges>,
) -> ApiResult<Json<types::Organisation>> {
    let actor = caller.require()?.clone();
    let siren = Siren::parse(&siren)?;
    let name = changes
        .name
        .as_deref()
        .map(|name| required_text(name, "name"))
        .transpose()?;
    let kind = parse_optional(changes.kind.as_deref(), OrganisationKind::parse)?;
    let territory = cleared_or_set(changes.territory.as_deref(), TerritoryCode::parse)?;
    let updated = state
        .blocking(move |catalogue| {
            let organisation = catalogue.organisation_by_siren(&siren)?;
            let mut new = catalogue::new_organisation_from(&organisation);
            if let Some(name) = name {
                new.name = name;
            }
            if let Some(kind) = kind {
                new.kind = kind;
            }
            if let Some(territory) = territory {
                new.territory = territory;
            }
            if let Some(email) = changes.contact_email {
                new.contact_email = non_blank(email);
            }
            if let Some(logo) = changes.logo_url {
                new.logo_url = non_blank(logo);
            }
            Ok(catalogue.update_organisation(&actor, &organisation, &new)?)
        })
        .await?;
    Ok(Json(common::organisation(&updated)))
}

/// Archives an organisation (its administrators, or an instance administrator): still readable
/// with its datasets, it takes no new dataset.
#[utoipa::path(
    post,
    path = "/api/v1/organisations/{siren}/archive",
    tag = "organisations",
    params(("siren" = String, Path, description = "SIREN (9 chiffres)")),
    security(("token" = [])),
    responses(
        (status = 200, body = types::Organisation),
        (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
    )
)]
pub(crate) async fn archive_organisation(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(siren): ApiPath<String>,
) -> ApiResult<Json<types::Organisation>> {
    let actor = caller.require()?.clone();
    let siren = Siren::parse(&siren)?;
    let archived = state
        .blocking(move |catalogue| {
            let organisation = catalogue.organisation_by_siren(&siren)?;
            Ok(catalogue.archive_organisation(&actor, &organisation)?)
        })
        .await?;
    Ok(Json(common::organisation(&archived)))
}

/// Creates an organisation (instance administrators).
#[utoipa::path(
    post,
    path = "/api/v1/organisations",
    tag = "organisations",
    request_body = types::NewOrganisation,
    security(("token" = [])),
    responses(
        (status = 201, body = types::Organisation),
        (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody),
        (status = 409, body = ErrorBody, description = "SIREN déjà pris"),
    )
)]
pub(crate) async fn create_organisation(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<types::NewOrganisation>,
) -> ApiResult<(StatusCode, Json<types::Organisation>)> {
    let actor = caller.require()?.clone();
    let new = model::NewOrganisation {
        siren: Siren::parse(&body.siren)?,
        name: required_text(&body.name, "name")?,
        kind: OrganisationKind::parse(&body.kind)?,
        territory: parse_optional(body.territory.as_deref(), TerritoryCode::parse)?,
        contact_email: body.contact_email,
        logo_url: body.logo_url,
    };
    let organisation = state
        .blocking(move |catalogue| Ok(catalogue.add_organisation(&actor, &new)?))
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(common::organisation(&organisation)),
    ))
}

/// A text field that must not be blank.
pub(crate) fn required_text(text: &str, field: &str) -> ApiResult<String> {
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return Err(ApiError::bad_request(
            format!("le champ « {field} » ne peut pas être vide"),
            format!("the field `{field}` cannot be empty"),
        ));
    }
    Ok(trimmed.to_owned())
}
