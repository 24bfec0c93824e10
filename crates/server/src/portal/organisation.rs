//! `/organisations` and `/organisations/{siren}`: who publishes, where, and on behalf of whom.

use std::collections::BTreeMap;

use axum::extract::{Path, State};
use axum::response::Html;
use model::Siren;
use serde::Serialize;

use super::index::{DatasetCard, OrganisationLink, Snapshot, Territory};
use super::{Nav, PortalError, PortalResult};
use crate::state::AppState;

#[derive(Serialize)]
struct ListView {
    organisations: Vec<OrganisationRow>,
}

#[derive(Serialize)]
struct OrganisationRow {
    name: String,
    siren: String,
    kind: &'static str,
    territory: Option<Territory>,
    n_datasets: usize,
}

pub(crate) async fn list(State(state): State<AppState>) -> PortalResult<Html<String>> {
    let view = state
        .blocking(|catalogue| {
            let snapshot = Snapshot::load(catalogue.store())?;
            let mut organisations: Vec<OrganisationRow> = snapshot
                .organisations
                .values()
                .map(|organisation| OrganisationRow {
                    name: organisation.name.clone(),
                    siren: organisation.siren.to_string(),
                    kind: organisation.kind.label(),
                    territory: snapshot.territories.get(&organisation.id).cloned(),
                    n_datasets: snapshot
                        .entries
                        .iter()
                        .filter(|entry| {
                            entry.dataset.producer == organisation.id
                                || entry.dataset.publisher == organisation.id
                        })
                        .count(),
                })
                .collect();
            organisations.sort_by(|a, b| a.name.cmp(&b.name));
            Ok(ListView { organisations })
        })
        .await?;
    state
        .portal
        .render("organisations.html", Nav::Organisations, &view)
}

#[derive(Serialize)]
struct OrganisationView {
    name: String,
    siren: String,
    kind: &'static str,
    territory: Option<Territory>,
    contact_email: Option<String>,
    /// Datasets it produces (whoever publishes them).
    produced: Vec<DatasetCard>,
    /// Organisations it publishes for, with how many datasets.
    publishes_for: Vec<(OrganisationLink, usize)>,
    /// Organisations that publish its data, with how many datasets.
    published_by: Vec<(OrganisationLink, usize)>,
    /// Datasets it publishes for others.
    published_for_others: Vec<DatasetCard>,
}

pub(crate) async fn page(
    State(state): State<AppState>,
    Path(siren): Path<String>,
) -> PortalResult<Html<String>> {
    let not_found = || PortalError::not_found(format!("Aucune organisation de SIREN « {siren} »."));
    let parsed = Siren::parse(&siren).map_err(|_| not_found())?;
    let view = state
        .blocking(move |catalogue| {
            let snapshot = Snapshot::load(catalogue.store())?;
            Ok(organisation_view(&snapshot, &parsed))
        })
        .await?
        .ok_or_else(not_found)?;
    state
        .portal
        .render("organisation.html", Nav::Organisations, &view)
}

fn organisation_view(snapshot: &Snapshot, siren: &Siren) -> Option<OrganisationView> {
    let organisation = snapshot
        .organisations
        .values()
        .find(|organisation| &organisation.siren == siren)?;
    let link = |id| OrganisationLink {
        name: snapshot.organisation_name(id),
        siren: snapshot
            .organisations
            .get(&id)
            .map(|organisation| organisation.siren.to_string())
            .unwrap_or_default(),
    };
    let mut produced = Vec::new();
    let mut published_for_others = Vec::new();
    let mut publishes_for: BTreeMap<String, (OrganisationLink, usize)> = BTreeMap::new();
    let mut published_by: BTreeMap<String, (OrganisationLink, usize)> = BTreeMap::new();
    for entry in &snapshot.entries {
        let dataset = &entry.dataset;
        let on_behalf = dataset.producer != dataset.publisher;
        if dataset.producer == organisation.id {
            produced.push(snapshot.card(entry));
            if on_behalf {
                let publisher = link(dataset.publisher);
                published_by
                    .entry(publisher.siren.clone())
                    .or_insert((publisher, 0))
                    .1 += 1;
            }
        } else if dataset.publisher == organisation.id {
            published_for_others.push(snapshot.card(entry));
            let producer = link(dataset.producer);
            publishes_for
                .entry(producer.siren.clone())
                .or_insert((producer, 0))
                .1 += 1;
        }
    }
    Some(OrganisationView {
        name: organisation.name.clone(),
        siren: organisation.siren.to_string(),
        kind: organisation.kind.label(),
        territory: snapshot.territories.get(&organisation.id).cloned(),
        contact_email: organisation.contact_email.clone(),
        produced,
        publishes_for: publishes_for.into_values().collect(),
        published_by: published_by.into_values().collect(),
        published_for_others,
    })
}
