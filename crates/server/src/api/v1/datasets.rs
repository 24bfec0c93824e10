//! `/api/v1/datasets`: list (filters, French-aware search), show, create, update, archive.

use std::collections::HashSet;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use catalogue::Catalogue;
use model::{DatasetState, Frequency, Licence, Siren, Slug, TerritoryCode};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::common::{
    self, Directory, Viewer, dataset_by_slug, paginate, parse_optional, search_score, search_terms,
};
use super::organisations::required_text;
use super::types;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::{ApiJson, ApiPath, ApiQuery, Caller};
use crate::state::AppState;

pub(crate) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_datasets, create_dataset))
        .routes(routes!(show_dataset, update_dataset))
        .routes(routes!(archive_dataset))
}

/// Which states a list shows.
enum StateFilter {
    Only(DatasetState),
    All,
}

fn state_filter(text: Option<&str>) -> ApiResult<StateFilter> {
    match text {
        None => Ok(StateFilter::Only(DatasetState::Published)),
        Some("all") => Ok(StateFilter::All),
        Some(text) => Ok(StateFilter::Only(DatasetState::parse(text).map_err(
            |_| {
                ApiError::bad_request(
                    format!("état « {text} » inconnu : published, archived, draft ou all"),
                    format!("unknown state `{text}`: published, archived, draft or all"),
                )
            },
        )?)),
    }
}

/// Lists the datasets the caller may see, most recently modified first (or best match first
/// with `q`). Drafts are listed only to members of their organisations.
#[utoipa::path(
    get,
    path = "/api/v1/datasets",
    tag = "datasets",
    params(types::DatasetFilters),
    responses(
        (status = 200, body = types::Page<types::Dataset>),
        (status = 400, body = ErrorBody, description = "Paramètre invalide"),
    )
)]
pub(crate) async fn list_datasets(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(filters): ApiQuery<types::DatasetFilters>,
) -> ApiResult<Json<types::Page<types::Dataset>>> {
    let wanted_state = state_filter(filters.state.as_deref())?;
    let organisation = filters
        .organisation
        .as_deref()
        .map(|siren| {
            Siren::parse(siren).map_err(|_| {
                ApiError::bad_request(
                    format!("SIREN invalide : « {siren} »"),
                    format!("invalid SIREN: `{siren}`"),
                )
            })
        })
        .transpose()?;
    let page = filters.page;
    let page_size = filters.page_size;
    let items = state
        .read(move |catalogue| {
            let viewer = Viewer::of(&caller, catalogue)?;
            let organisation = match organisation {
                Some(siren) => match catalogue.store().organisation_by_siren(&siren)? {
                    Some(organisation) => Some(organisation.id),
                    // An unknown organisation publishes nothing: an empty list, not an error.
                    None => return Ok(Vec::new()),
                },
                None => None,
            };
            let store_filter = store::DatasetFilter {
                organisation,
                state: match wanted_state {
                    StateFilter::Only(state) => Some(state),
                    StateFilter::All => None,
                },
            };
            let datasets = catalogue.datasets(&store_filter)?;
            let with_schema = match &filters.schema {
                Some(name) => Some(datasets_declaring(catalogue, name)?),
                None => None,
            };
            let terms = filters.q.as_deref().map(search_terms).unwrap_or_default();
            let directory = Directory::load(catalogue)?;
            let mut scored: Vec<(usize, types::Dataset)> = datasets
                .iter()
                .filter(|dataset| viewer.can_see(dataset))
                .filter(|dataset| {
                    with_schema
                        .as_ref()
                        .is_none_or(|ids| ids.contains(&dataset.id))
                })
                .filter(|dataset| has(&dataset.themes, filters.theme.as_deref()))
                .filter(|dataset| has(&dataset.keywords, filters.keyword.as_deref()))
                .filter_map(|dataset| {
                    let text = format!("{} {}", dataset.description, dataset.keywords.join(" "));
                    let score = search_score(&terms, &dataset.title, &text)?;
                    Some((score, common::dataset(dataset, &directory)))
                })
                .collect();
            scored.sort_by_key(|(score, _)| std::cmp::Reverse(*score));
            Ok(scored.into_iter().map(|(_, dataset)| dataset).collect())
        })
        .await?;
    Ok(Json(paginate(items, page, page_size)?))
}

fn has(values: &[String], wanted: Option<&str>) -> bool {
    wanted.is_none_or(|wanted| {
        let wanted = common::fold(wanted);
        values
            .iter()
            .any(|value| common::fold(value).trim() == wanted.trim())
    })
}

fn datasets_declaring(catalogue: &Catalogue, schema: &str) -> ApiResult<HashSet<model::DatasetId>> {
    Ok(catalogue
        .store()
        .resources_by_schema(schema)?
        .into_iter()
        .map(|resource| resource.dataset)
        .collect())
}

/// Shows a dataset with its resources.
#[utoipa::path(
    get,
    path = "/api/v1/datasets/{slug}",
    tag = "datasets",
    params(("slug" = String, Path, description = "Identifiant du jeu de données")),
    responses(
        (status = 200, body = types::DatasetDetail),
        (status = 404, body = ErrorBody),
    )
)]
pub(crate) async fn show_dataset(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(slug): ApiPath<String>,
) -> ApiResult<Json<types::DatasetDetail>> {
    let detail = state
        .read(move |catalogue| {
            let viewer = Viewer::of(&caller, catalogue)?;
            let dataset = dataset_by_slug(catalogue, &viewer, &slug)?;
            detail(catalogue, &dataset)
        })
        .await?;
    Ok(Json(detail))
}

fn detail(catalogue: &Catalogue, dataset: &model::Dataset) -> ApiResult<types::DatasetDetail> {
    let directory = Directory::load(catalogue)?;
    let resources = catalogue.store().resources_of_dataset(dataset.id)?;
    Ok(types::DatasetDetail {
        dataset: common::dataset(dataset, &directory),
        resources: resources.iter().map(common::resource).collect(),
    })
}

/// Creates a dataset; the caller must be an editor of its publisher.
#[utoipa::path(
    post,
    path = "/api/v1/datasets",
    tag = "datasets",
    request_body = types::NewDataset,
    security(("token" = [])),
    responses(
        (status = 201, body = types::DatasetDetail),
        (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody),
        (status = 409, body = ErrorBody, description = "Identifiant déjà pris"),
    )
)]
pub(crate) async fn create_dataset(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<types::NewDataset>,
) -> ApiResult<(StatusCode, Json<types::DatasetDetail>)> {
    let actor = caller.require()?.clone();
    let title = required_text(&body.title, "title")?;
    let slug = match body.slug.as_deref() {
        Some(slug) => Slug::parse(slug)?,
        None => Slug::from_title(&title).ok_or_else(|| {
            ApiError::bad_request(
                "impossible de tirer un identifiant du titre : donnez « slug »",
                "cannot derive an identifier from the title: give `slug`",
            )
        })?,
    };
    let dataset_state = match body.state.as_deref() {
        None | Some("published") => DatasetState::Published,
        Some("draft") => DatasetState::Draft,
        Some(other) => {
            return Err(ApiError::bad_request(
                format!("état « {other} » impossible à la création : published ou draft"),
                format!("state `{other}` not allowed at creation: published or draft"),
            ));
        }
    };
    let licence = parse_optional(body.licence.as_deref(), Licence::parse)?.unwrap_or_default();
    let frequency = parse_optional(body.frequency.as_deref(), Frequency::parse)?;
    let temporal_start = parse_date(body.temporal_start.as_deref(), "temporal_start")?;
    let temporal_end = parse_date(body.temporal_end.as_deref(), "temporal_end")?;
    let spatial = parse_optional(body.spatial.as_deref(), TerritoryCode::parse)?;
    let publisher = Siren::parse(&body.publisher)?;
    let producer = body.producer.as_deref().map(Siren::parse).transpose()?;
    let detail = state
        .blocking(move |catalogue| {
            let publisher = organisation_id(catalogue, &publisher)?;
            let producer = match producer {
                Some(siren) => organisation_id(catalogue, &siren)?,
                None => publisher,
            };
            let new = model::NewDataset {
                slug,
                title,
                description: body.description,
                licence,
                themes: body.themes,
                keywords: body.keywords,
                frequency,
                temporal_start,
                temporal_end,
                spatial,
                producer,
                publisher,
                state: dataset_state,
                remote_id: None,
                source_url: None,
            };
            let dataset = catalogue.create_dataset(&actor, &new)?;
            detail(catalogue, &dataset)
        })
        .await?;
    Ok((StatusCode::CREATED, Json(detail)))
}

/// Changes a dataset's metadata: only the fields sent change. The caller must be an editor of
/// its publisher (and of the new publisher, when it changes).
#[utoipa::path(
    patch,
    path = "/api/v1/datasets/{slug}",
    tag = "datasets",
    params(("slug" = String, Path, description = "Identifiant du jeu de données")),
    request_body = types::DatasetChanges,
    security(("token" = [])),
    responses(
        (status = 200, body = types::DatasetDetail),
        (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
    )
)]
pub(crate) async fn update_dataset(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(slug): ApiPath<String>,
    ApiJson(changes): ApiJson<types::DatasetChanges>,
) -> ApiResult<Json<types::DatasetDetail>> {
    let actor = caller.require()?.clone();
    let licence = parse_optional(changes.licence.as_deref(), Licence::parse)?;
    let frequency = parse_optional(changes.frequency.as_deref(), Frequency::parse)?;
    let temporal_start = parse_date(changes.temporal_start.as_deref(), "temporal_start")?;
    let temporal_end = parse_date(changes.temporal_end.as_deref(), "temporal_end")?;
    let spatial = parse_optional(changes.spatial.as_deref(), TerritoryCode::parse)?;
    let new_state = parse_optional(changes.state.as_deref(), DatasetState::parse)?;
    let publisher = changes.publisher.as_deref().map(Siren::parse).transpose()?;
    let producer = changes.producer.as_deref().map(Siren::parse).transpose()?;
    let title = changes
        .title
        .as_deref()
        .map(|title| required_text(title, "title"))
        .transpose()?;
    let detail = state
        .blocking(move |catalogue| {
            let viewer = Viewer::of(&caller, catalogue)?;
            let dataset = dataset_by_slug(catalogue, &viewer, &slug)?;
            let mut new = catalogue::new_dataset_from(&dataset);
            if let Some(title) = title {
                new.title = title;
            }
            if let Some(description) = changes.description {
                new.description = description;
            }
            if let Some(licence) = licence {
                new.licence = licence;
            }
            if let Some(themes) = changes.themes {
                new.themes = themes;
            }
            if let Some(keywords) = changes.keywords {
                new.keywords = keywords;
            }
            if frequency.is_some() {
                new.frequency = frequency;
            }
            if temporal_start.is_some() {
                new.temporal_start = temporal_start;
            }
            if temporal_end.is_some() {
                new.temporal_end = temporal_end;
            }
            if spatial.is_some() {
                new.spatial = spatial;
            }
            if let Some(state) = new_state {
                new.state = state;
            }
            if let Some(siren) = publisher {
                new.publisher = organisation_id(catalogue, &siren)?;
            }
            if let Some(siren) = producer {
                new.producer = organisation_id(catalogue, &siren)?;
            }
            let updated = catalogue.update_dataset(&actor, &dataset, &new)?;
            detail(catalogue, &updated)
        })
        .await?;
    Ok(Json(detail))
}

/// Archives a dataset: it stays readable but is no longer listed by default.
#[utoipa::path(
    post,
    path = "/api/v1/datasets/{slug}/archive",
    tag = "datasets",
    params(("slug" = String, Path, description = "Identifiant du jeu de données")),
    security(("token" = [])),
    responses(
        (status = 200, body = types::DatasetDetail),
        (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
    )
)]
pub(crate) async fn archive_dataset(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(slug): ApiPath<String>,
) -> ApiResult<Json<types::DatasetDetail>> {
    let actor = caller.require()?.clone();
    let detail = state
        .blocking(move |catalogue| {
            let viewer = Viewer::of(&caller, catalogue)?;
            let dataset = dataset_by_slug(catalogue, &viewer, &slug)?;
            let archived = catalogue.archive_dataset(&actor, &dataset)?;
            detail(catalogue, &archived)
        })
        .await?;
    Ok(Json(detail))
}

/// An organisation named in a request body: unknown is the caller's mistake (400).
fn organisation_id(catalogue: &Catalogue, siren: &Siren) -> ApiResult<model::OrganisationId> {
    Ok(catalogue
        .store()
        .organisation_by_siren(siren)?
        .ok_or_else(|| {
            ApiError::bad_request(
                format!("aucune organisation de SIREN {siren}"),
                format!("no organisation with SIREN {siren}"),
            )
        })?
        .id)
}

fn parse_date(text: Option<&str>, field: &str) -> ApiResult<Option<model::jiff::civil::Date>> {
    text.map(|text| {
        text.parse().map_err(|_| {
            ApiError::bad_request(
                format!("« {field} » : date attendue au format AAAA-MM-JJ, pas « {text} »"),
                format!("`{field}`: expected a date as YYYY-MM-DD, not `{text}`"),
            )
        })
    })
    .transpose()
}
