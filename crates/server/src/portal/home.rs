//! `/`: the home page.

use axum::extract::State;
use axum::response::Html;
use serde::Serialize;

use super::{Nav, PortalResult};
use crate::state::AppState;

#[derive(Serialize)]
struct HomeView {
    n_organisations: usize,
    n_datasets: usize,
}

pub(crate) async fn page(State(state): State<AppState>) -> PortalResult<Html<String>> {
    let view = state
        .blocking(|catalogue| {
            let store = catalogue.store();
            Ok(HomeView {
                n_organisations: store.list_organisations()?.len(),
                n_datasets: store
                    .list_datasets(&store::DatasetFilter {
                        organisation: None,
                        state: Some(model::DatasetState::Published),
                    })?
                    .len(),
            })
        })
        .await?;
    state.portal.render("accueil.html", Nav::Home, &view)
}
