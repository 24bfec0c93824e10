//! `/embed/datasets/{slug}/table` and `/embed/datasets/{slug}/chart`: minimal pages meant for an
//! `<iframe>` on another site (the only portal pages that may be framed), with the same
//! parameters as the dataset page's table and chart, and a link back to the dataset.

use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::response::Html;
use serde::Serialize;

use super::dataset;
use super::explore::{self, ChartView, ExploreParams, Preview};
use super::{Nav, PortalError, PortalResult};
use crate::state::AppState;

#[derive(Serialize)]
struct EmbedView {
    slug: String,
    title: String,
    resource_title: String,
    table: Option<Preview>,
    chart: Option<ChartView>,
}

#[derive(Clone, Copy)]
enum What {
    Table,
    Chart,
}

pub(crate) async fn table(
    state: State<AppState>,
    slug: Path<String>,
    params: Result<Query<ExploreParams>, QueryRejection>,
) -> PortalResult<Html<String>> {
    embed(state, slug, params, What::Table).await
}

pub(crate) async fn chart(
    state: State<AppState>,
    slug: Path<String>,
    params: Result<Query<ExploreParams>, QueryRejection>,
) -> PortalResult<Html<String>> {
    embed(state, slug, params, What::Chart).await
}

async fn embed(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    params: Result<Query<ExploreParams>, QueryRejection>,
    what: What,
) -> PortalResult<Html<String>> {
    let Query(params) = params.map_err(|_| PortalError::bad_request("Paramètres invalides."))?;
    let view = state
        .blocking(move |catalogue| Ok(embed_view(catalogue.store(), &slug, &params, what)))
        .await??;
    let template = match what {
        What::Table => "embed_tableau.html",
        What::Chart => "embed_graphique.html",
    };
    state.portal.render(template, Nav::None, &view)
}

fn embed_view(
    store: &store::Store,
    slug: &str,
    params: &ExploreParams,
    what: What,
) -> PortalResult<EmbedView> {
    let loaded = dataset::load(store, slug)?;
    let (resource, version) = loaded
        .explored(params.ressource)?
        .ok_or_else(|| PortalError::not_found("Ce jeu de données n'a pas de version publiée."))?;
    let (columns, params) = explore::columns_and_params(store, resource, version, params)?;
    let path = format!("/embed/datasets/{slug}/table");
    let (table, chart) = match what {
        What::Table => (
            Some(explore::preview(store, version, &columns, &params, &path)),
            None,
        ),
        What::Chart => (
            None,
            Some(explore::chart(store, version, &columns, &params)),
        ),
    };
    Ok(EmbedView {
        slug: loaded.dataset.slug.to_string(),
        title: loaded.dataset.title.clone(),
        resource_title: resource.title.clone(),
        table,
        chart,
    })
}
