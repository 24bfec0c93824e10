//! `/datasets`: search (French-folded, the API's scoring), facets and sorting.

use std::collections::BTreeMap;

use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::response::Html;
use serde::{Deserialize, Serialize};

use super::index::{DatasetCard, Entry, Snapshot, theme_label};
use super::{Nav, PortalError, PortalResult};
use crate::api::records::percent_encode;
use crate::api::v1::common::{search_score, search_terms};
use crate::state::AppState;

const PAGE_SIZE: usize = 20;

/// The search form's parameters (French names: they show in addresses people share).
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default)]
pub(crate) struct SearchParams {
    q: String,
    organisation: String,
    territoire: String,
    theme: String,
    schema: String,
    format: String,
    licence: String,
    /// `pertinence` (default with words), `recent` (default without), `titre`.
    tri: String,
    page: Option<usize>,
}

impl SearchParams {
    /// The facet filters, by parameter name.
    fn filters(&self) -> [(&'static str, &str); 6] {
        [
            ("organisation", self.organisation.as_str()),
            ("territoire", self.territoire.as_str()),
            ("theme", self.theme.as_str()),
            ("schema", self.schema.as_str()),
            ("format", self.format.as_str()),
            ("licence", self.licence.as_str()),
        ]
    }

    /// These parameters as a query string, `without` one of them, and without the page.
    fn query_without(&self, without: &str) -> String {
        let mut pairs: Vec<(&str, &str)> = vec![("q", self.q.as_str())];
        pairs.extend(self.filters());
        pairs.push(("tri", self.tri.as_str()));
        pairs
            .into_iter()
            .filter(|(name, value)| *name != without && !value.is_empty())
            .map(|(name, value)| format!("{name}={}", percent_encode(value)))
            .collect::<Vec<_>>()
            .join("&")
    }
}

#[derive(Serialize)]
struct SearchView {
    q: String,
    total: usize,
    results: Vec<DatasetCard>,
    facets: Vec<FacetView>,
    active: Vec<ActiveFilter>,
    sort: &'static str,
    sorts: Vec<Choice>,
    page: usize,
    n_pages: usize,
    previous: Option<String>,
    next: Option<String>,
}

#[derive(Serialize)]
struct FacetView {
    /// The parameter (`theme`…), also the `<select>`'s name.
    name: &'static str,
    label: &'static str,
    options: Vec<Choice>,
}

#[derive(Serialize)]
struct Choice {
    value: String,
    label: String,
    count: usize,
    selected: bool,
}

/// A filter in force, with the address of the same search without it.
#[derive(Serialize)]
struct ActiveFilter {
    label: String,
    remove: String,
}

pub(crate) async fn page(
    State(state): State<AppState>,
    params: Result<Query<SearchParams>, QueryRejection>,
) -> PortalResult<Html<String>> {
    let Query(params) = params.map_err(|_| {
        PortalError::bad_request(
            "Les paramètres de la recherche sont invalides (page : un nombre entier).",
        )
    })?;
    let view = state
        .blocking(move |catalogue| Ok(search_view(&Snapshot::load(catalogue.store())?, &params)))
        .await?;
    state.portal.render("recherche.html", Nav::Datasets, &view)
}

/// The facet values of one dataset, by parameter: (value, label) pairs.
fn facet_values(snapshot: &Snapshot, entry: &Entry, facet: &str) -> Vec<(String, String)> {
    let dataset = &entry.dataset;
    match facet {
        "organisation" => {
            let mut ids = vec![dataset.producer];
            if dataset.publisher != dataset.producer {
                ids.push(dataset.publisher);
            }
            ids.into_iter()
                .filter_map(|id| snapshot.organisations.get(&id))
                .map(|organisation| (organisation.siren.to_string(), organisation.name.clone()))
                .collect()
        }
        "territoire" => snapshot
            .territories
            .get(&dataset.producer)
            .map(|territory| vec![(territory.code.clone(), territory.label.clone())])
            .unwrap_or_default(),
        "theme" => dataset
            .themes
            .iter()
            .map(|code| (code.clone(), theme_label(code)))
            .collect(),
        "schema" => entry
            .schemas()
            .into_iter()
            .map(|name| (name.clone(), name))
            .collect(),
        "format" => entry
            .formats()
            .into_iter()
            .map(|format| (format.clone(), format.to_uppercase()))
            .collect(),
        "licence" => vec![(
            dataset.licence.as_str().to_owned(),
            dataset.licence.label().to_owned(),
        )],
        _ => Vec::new(),
    }
}

const FACETS: [(&str, &str); 6] = [
    ("organisation", "Organisation"),
    ("territoire", "Territoire"),
    ("theme", "Thème"),
    ("schema", "Schéma"),
    ("format", "Format"),
    ("licence", "Licence"),
];

fn search_view(snapshot: &Snapshot, params: &SearchParams) -> SearchView {
    let terms = search_terms(&params.q);
    let mut matching: Vec<(usize, &Entry)> = snapshot
        .entries
        .iter()
        .filter(|entry| {
            params.filters().iter().all(|(facet, wanted)| {
                wanted.is_empty()
                    || facet_values(snapshot, entry, facet)
                        .iter()
                        .any(|(value, _)| value == wanted)
            })
        })
        .filter_map(|entry| {
            let dataset = &entry.dataset;
            let text = format!("{} {}", dataset.description, dataset.keywords.join(" "));
            search_score(&terms, &dataset.title, &text).map(|score| (score, entry))
        })
        .collect();
    let sort = match params.tri.as_str() {
        "titre" => "titre",
        "recent" => "recent",
        "pertinence" if !terms.is_empty() => "pertinence",
        _ if terms.is_empty() => "recent",
        _ => "pertinence",
    };
    let cards_of = |entries: &[(usize, &Entry)]| -> Vec<DatasetCard> {
        entries
            .iter()
            .map(|(_, entry)| snapshot.card(entry))
            .collect()
    };
    match sort {
        "titre" => {
            matching.sort_by_key(|(_, entry)| crate::api::v1::common::fold(&entry.dataset.title))
        }
        // The list comes most recently modified first: a stable sort keeps that order.
        "pertinence" => matching.sort_by_key(|(score, _)| std::cmp::Reverse(*score)),
        _ => {}
    }
    let mut cards = cards_of(&matching);
    if sort == "recent" {
        cards.sort_by(|a, b| b.updated_iso.cmp(&a.updated_iso));
    }
    let facets = FACETS
        .iter()
        .map(|(name, label)| facet_view(snapshot, &matching, params, name, label))
        .collect();
    let active = FACETS
        .iter()
        .zip(params.filters())
        .filter(|(_, (_, value))| !value.is_empty())
        .map(|((name, label), (_, value))| {
            let shown = snapshot
                .entries
                .iter()
                .flat_map(|entry| facet_values(snapshot, entry, name))
                .find(|(code, _)| code == value)
                .map_or_else(|| value.to_owned(), |(_, label)| label);
            ActiveFilter {
                label: format!("{label} : {shown}"),
                remove: format!("/datasets?{}", params.query_without(name)),
            }
        })
        .collect();
    let total = cards.len();
    let n_pages = total.div_ceil(PAGE_SIZE).max(1);
    let page = params.page.unwrap_or(1).clamp(1, n_pages);
    let base = params.query_without("");
    let link = |page: usize| {
        format!(
            "/datasets?{base}{}page={page}",
            if base.is_empty() { "" } else { "&" }
        )
    };
    let results = cards
        .into_iter()
        .skip((page - 1) * PAGE_SIZE)
        .take(PAGE_SIZE)
        .collect();
    SearchView {
        q: params.q.clone(),
        total,
        results,
        facets,
        active,
        sort,
        sorts: [
            ("pertinence", "Pertinence"),
            ("recent", "Les plus récents"),
            ("titre", "Titre (A → Z)"),
        ]
        .into_iter()
        .map(|(value, label)| Choice {
            value: value.to_owned(),
            label: label.to_owned(),
            count: 0,
            selected: value == sort,
        })
        .collect(),
        page,
        n_pages,
        previous: (page > 1).then(|| link(page - 1)),
        next: (page < n_pages).then(|| link(page + 1)),
    }
}

/// The values of one facet among the matching datasets, most frequent first.
fn facet_view(
    snapshot: &Snapshot,
    matching: &[(usize, &Entry)],
    params: &SearchParams,
    name: &'static str,
    label: &'static str,
) -> FacetView {
    let selected = params
        .filters()
        .iter()
        .find(|(facet, _)| *facet == name)
        .map(|(_, value)| value.to_string())
        .unwrap_or_default();
    let mut counts: BTreeMap<(String, String), usize> = BTreeMap::new();
    for (_, entry) in matching {
        for value in facet_values(snapshot, entry, name) {
            *counts.entry(value).or_default() += 1;
        }
    }
    let mut options: Vec<Choice> = counts
        .into_iter()
        .map(|((value, label), count)| Choice {
            selected: value == selected,
            value,
            label,
            count,
        })
        .collect();
    options.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.label.cmp(&b.label)));
    FacetView {
        name,
        label,
        options,
    }
}
