//! `/`: the home page: search box, key figures, latest publications, entries by theme, by
//! schema and by territory.

use std::collections::BTreeMap;

use axum::extract::State;
use axum::response::Html;
use serde::Serialize;

use super::index::{DatasetCard, Snapshot, Territory, theme_label};
use super::{Nav, PortalResult};
use crate::state::AppState;

/// Latest publications shown.
const LATEST: usize = 6;

#[derive(Serialize)]
struct HomeView {
    n_organisations: usize,
    n_datasets: usize,
    /// Live versions of resources that declare a schema.
    n_checked: usize,
    /// Share of them that conform (absent when there are none).
    conformant_share: Option<f64>,
    latest: Vec<DatasetCard>,
    themes: Vec<Entry>,
    schemas: Vec<Entry>,
    territories: Vec<Entry>,
}

/// A way into the catalogue: a search filter and how many datasets it finds.
#[derive(Serialize)]
struct Entry {
    label: String,
    /// The search page's query string for it.
    query: String,
    count: usize,
}

pub(crate) async fn page(State(state): State<AppState>) -> PortalResult<Html<String>> {
    let view = state
        .blocking(|catalogue| Ok(home_view(&Snapshot::load(catalogue.store())?)))
        .await?;
    state.portal.render("accueil.html", Nav::Home, &view)
}

fn home_view(snapshot: &Snapshot) -> HomeView {
    let checked: Vec<bool> = snapshot
        .entries
        .iter()
        .flat_map(|entry| &entry.resources)
        .filter(|(resource, _)| resource.schema.is_some())
        .filter_map(|(_, live)| live.as_ref().map(|version| version.conformant))
        .collect();
    let n_conformant = checked.iter().filter(|conformant| **conformant).count();
    let mut themes: BTreeMap<String, usize> = BTreeMap::new();
    let mut schemas: BTreeMap<String, usize> = BTreeMap::new();
    let mut territories: BTreeMap<Territory, usize> = BTreeMap::new();
    for entry in &snapshot.entries {
        for theme in &entry.dataset.themes {
            *themes.entry(theme.clone()).or_default() += 1;
        }
        for schema in entry.schemas() {
            *schemas.entry(schema).or_default() += 1;
        }
        if let Some(territory) = snapshot.territories.get(&entry.dataset.producer) {
            *territories.entry(territory.clone()).or_default() += 1;
        }
    }
    let entries = |parameter: &str, counts: Vec<(String, String, usize)>| -> Vec<Entry> {
        counts
            .into_iter()
            .map(|(value, label, count)| Entry {
                label,
                query: format!(
                    "{parameter}={}",
                    crate::api::records::percent_encode(&value)
                ),
                count,
            })
            .collect()
    };
    HomeView {
        n_organisations: snapshot.organisations.len(),
        n_datasets: snapshot.entries.len(),
        n_checked: checked.len(),
        conformant_share: (!checked.is_empty()).then(|| n_conformant as f64 / checked.len() as f64),
        latest: latest(snapshot),
        themes: entries(
            "theme",
            themes
                .into_iter()
                .map(|(code, count)| (code.clone(), theme_label(&code), count))
                .collect(),
        ),
        schemas: entries(
            "schema",
            schemas
                .into_iter()
                .map(|(name, count)| {
                    let title = catalogue::bundled::find(&name)
                        .map(|schema| schema.title.to_owned())
                        .unwrap_or_else(|_| name.clone());
                    (name, title, count)
                })
                .collect(),
        ),
        territories: entries(
            "territoire",
            territories
                .into_iter()
                .map(|(territory, count)| (territory.code, territory.label, count))
                .collect(),
        ),
    }
}

/// The most recently updated datasets.
fn latest(snapshot: &Snapshot) -> Vec<DatasetCard> {
    let mut cards: Vec<DatasetCard> = snapshot
        .entries
        .iter()
        .map(|entry| snapshot.card(entry))
        .collect();
    cards.sort_by(|a, b| b.updated_iso.cmp(&a.updated_iso));
    cards.truncate(LATEST);
    cards
}
