//! `/datasets/{slug}`: a dataset's metadata, resources, versions and reports, downloads, and the
//! exploration of the live version (preview table, chart, map) with its curl example and
//! embed snippets.

use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::Html;
use model::{Dataset, DatasetState, Resource, Slug, Version, VersionStatus};
use serde::Serialize;
use store::Store;

use super::explore::{self, ChartView, ExploreParams, MapView, Preview, query_string};
use super::index::{
    Badge, OrganisationLink, Territory, french_date, french_datetime, territory, theme_label,
};
use super::{Nav, PortalError, PortalResult};
use crate::state::AppState;

/// A dataset's resources, each with its live version and history.
pub(crate) struct Loaded {
    pub dataset: Dataset,
    pub resources: Vec<(Resource, Option<Version>, Vec<Version>)>,
}

/// The public dataset of that slug (drafts do not exist for the portal's anonymous visitors).
pub(crate) fn load(store: &Store, slug: &str) -> PortalResult<Loaded> {
    let not_found = || PortalError::not_found(format!("Aucun jeu de données « {slug} »."));
    let slug = Slug::parse(slug).map_err(|_| not_found())?;
    let dataset = store
        .dataset_by_slug(&slug)?
        .filter(|dataset| dataset.state != DatasetState::Draft)
        .ok_or_else(not_found)?;
    let mut resources = Vec::new();
    for resource in store.resources_of_dataset(dataset.id)? {
        let live = store.live_version(resource.id)?;
        let versions = store.versions_of_resource(resource.id)?;
        resources.push((resource, live, versions));
    }
    Ok(Loaded { dataset, resources })
}

impl Loaded {
    /// The resource explored: the one asked for, else the first with a live version.
    pub(crate) fn explored(
        &self,
        asked: Option<i64>,
    ) -> PortalResult<Option<(&Resource, &Version)>> {
        if let Some(id) = asked {
            let found = self
                .resources
                .iter()
                .find(|(resource, _, _)| resource.id.0 == id)
                .ok_or_else(|| {
                    PortalError::not_found(format!("Ce jeu de données n'a pas de ressource {id}."))
                })?;
            return Ok(found.1.as_ref().map(|live| (&found.0, live)));
        }
        Ok(self
            .resources
            .iter()
            .find_map(|(resource, live, _)| live.as_ref().map(|live| (resource, live))))
    }
}

#[derive(Serialize)]
struct DatasetView {
    slug: String,
    title: String,
    description: Vec<String>,
    archived: bool,
    licence: String,
    licence_url: &'static str,
    producer: OrganisationLink,
    publisher: Option<OrganisationLink>,
    territory: Option<Territory>,
    themes: Vec<String>,
    keywords: Vec<String>,
    frequency: Option<String>,
    created: String,
    updated: String,
    resources: Vec<ResourceView>,
    explored: Option<Explored>,
}

#[derive(Serialize)]
struct ResourceView {
    id: i64,
    title: String,
    format: String,
    schema: Option<SchemaLink>,
    badge: Badge,
    selected: bool,
    explore_url: String,
    live: Option<LiveView>,
    versions: Vec<VersionView>,
}

#[derive(Serialize)]
struct SchemaLink {
    name: String,
    version: String,
    title: String,
}

#[derive(Serialize)]
struct LiveView {
    id: i64,
    rows: u64,
    since: String,
    downloads: Vec<Download>,
}

#[derive(Serialize)]
struct Download {
    label: &'static str,
    url: String,
}

#[derive(Serialize)]
struct VersionView {
    id: i64,
    status: &'static str,
    badge: Badge,
    received: String,
    filename: String,
    rows: Option<u64>,
    size: String,
    original_url: String,
    report_url: String,
    n_errors: u64,
    errors: Vec<String>,
}

/// The exploration of the selected resource's live version.
#[derive(Serialize)]
struct Explored {
    resource_id: i64,
    resource_title: String,
    version_id: i64,
    preview: Preview,
    chart: ChartView,
    map: Option<MapView>,
    map_tiles_url: String,
    embed_table: String,
    embed_chart: Option<String>,
}

pub(crate) async fn page(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    headers: HeaderMap,
    params: Result<Query<ExploreParams>, QueryRejection>,
) -> PortalResult<Html<String>> {
    let Query(params) = params.map_err(|_| {
        PortalError::bad_request(
            "Paramètres invalides : ressource, limit et offset sont des nombres entiers positifs.",
        )
    })?;
    let base = public_base(&headers);
    let tiles = state.config.portal_map_tiles_url.clone();
    let view = state
        .blocking(move |catalogue| {
            let store = catalogue.store();
            Ok(dataset_view(store, &slug, &params, &base, tiles))
        })
        .await??;
    state.portal.render("jeu.html", Nav::Datasets, &view)
}

/// `http://host` from the request, for copyable commands and snippets.
pub(crate) fn public_base(headers: &HeaderMap) -> String {
    let host = headers
        .get(axum::http::header::HOST)
        .and_then(|value| value.to_str().ok())
        .filter(|host| {
            host.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b".-:[]".contains(&b))
        })
        .unwrap_or("127.0.0.1:8080");
    format!("http://{host}")
}

fn dataset_view(
    store: &Store,
    slug: &str,
    params: &ExploreParams,
    base: &str,
    map_tiles_url: String,
) -> PortalResult<DatasetView> {
    let loaded = load(store, slug)?;
    let dataset = &loaded.dataset;
    let organisation = |id| -> PortalResult<(OrganisationLink, Option<Territory>)> {
        let organisation = store
            .organisation(id)?
            .ok_or_else(|| PortalError::internal(format!("organisation {id} missing")))?;
        let place = match &organisation.territory {
            Some(code) => Some(territory(store, code)?),
            None => None,
        };
        Ok((
            OrganisationLink {
                name: organisation.name,
                siren: organisation.siren.to_string(),
            },
            place,
        ))
    };
    let (producer, place) = organisation(dataset.producer)?;
    let publisher = if dataset.publisher == dataset.producer {
        None
    } else {
        Some(organisation(dataset.publisher)?.0)
    };
    let explored = loaded.explored(params.ressource)?;
    let page_path = format!("/datasets/{}", dataset.slug);
    let resources = loaded
        .resources
        .iter()
        .map(|(resource, live, versions)| {
            resource_view(
                resource,
                live.as_ref(),
                versions,
                explored.map(|(r, _)| r.id) == Some(resource.id),
                &page_path,
            )
        })
        .collect();
    let explored = match explored {
        Some((resource, version)) => Some(explore_view(
            store,
            dataset,
            resource,
            version,
            params,
            base,
            map_tiles_url,
        )?),
        None => None,
    };
    Ok(DatasetView {
        slug: dataset.slug.to_string(),
        title: dataset.title.clone(),
        description: dataset
            .description
            .split("\n\n")
            .map(|paragraph| paragraph.trim().to_owned())
            .filter(|paragraph| !paragraph.is_empty())
            .collect(),
        archived: dataset.state == DatasetState::Archived,
        licence: dataset.licence.label().to_owned(),
        licence_url: match dataset.licence {
            model::Licence::EtalabV2 => "https://www.etalab.gouv.fr/licence-ouverte-open-licence/",
            model::Licence::Odbl => "https://opendatacommons.org/licenses/odbl/1-0/",
        },
        producer,
        publisher,
        territory: place,
        themes: dataset
            .themes
            .iter()
            .map(|code| theme_label(code))
            .collect(),
        keywords: dataset.keywords.clone(),
        frequency: dataset.frequency.map(frequency_label),
        created: french_date(dataset.created_at),
        updated: french_date(dataset.modified_at),
        resources,
        explored,
    })
}

fn frequency_label(frequency: model::Frequency) -> String {
    use model::Frequency as F;
    match frequency {
        F::Daily => "quotidienne",
        F::Weekly => "hebdomadaire",
        F::Monthly => "mensuelle",
        F::Quarterly => "trimestrielle",
        F::Annual => "annuelle",
        F::Semiannual => "semestrielle",
        F::Irregular => "irrégulière",
        F::Continuous | F::UpdateContinuous => "en continu",
        other => return other.as_str().to_lowercase(),
    }
    .to_owned()
}

fn resource_view(
    resource: &Resource,
    live: Option<&Version>,
    versions: &[Version],
    selected: bool,
    page_path: &str,
) -> ResourceView {
    let has_schema = resource.schema.is_some();
    ResourceView {
        id: resource.id.0,
        title: resource.title.clone(),
        format: resource.format.to_uppercase(),
        schema: resource.schema.as_ref().map(|schema| SchemaLink {
            name: schema.name.clone(),
            version: schema.version.clone(),
            title: catalogue::bundled::find(&schema.name)
                .map(|bundled| bundled.title.to_owned())
                .unwrap_or_else(|_| schema.name.clone()),
        }),
        badge: match live {
            Some(version) => Badge::of_version(version, has_schema),
            None => Badge::new("none", "Aucune version publiée"),
        },
        selected,
        explore_url: format!("{page_path}?ressource={}#apercu", resource.id),
        live: live.map(|version| LiveView {
            id: version.id.0,
            rows: version.row_count.unwrap_or(0),
            since: version.live_from.map(french_datetime).unwrap_or_default(),
            downloads: downloads(resource, version),
        }),
        versions: versions
            .iter()
            .map(|version| version_view(version, has_schema))
            .collect(),
    }
}

fn downloads(resource: &Resource, version: &Version) -> Vec<Download> {
    let mut list = vec![Download {
        label: "Fichier d'origine",
        url: format!("/api/v1/versions/{}/original", version.id),
    }];
    for (label, format) in [
        ("CSV", "csv"),
        ("CSV pour Excel (;)", "csv?delimiter=%3B&bom=true"),
        ("Excel (XLSX)", "xlsx"),
        ("JSON", "json"),
        ("NDJSON", "ndjson"),
        ("GeoJSON", "geojson"),
    ] {
        list.push(Download {
            label,
            url: format!("/api/v1/resources/{}/exports/{format}", resource.id),
        });
    }
    list
}

fn version_view(version: &Version, has_schema: bool) -> VersionView {
    let report: serde_json::Value = version
        .report
        .as_deref()
        .and_then(|text| serde_json::from_str(text).ok())
        .unwrap_or_default();
    let errors: Vec<String> = report["errors"]
        .as_array()
        .into_iter()
        .flatten()
        .take(5)
        .filter_map(|error| {
            let message = error["message"].as_str()?;
            Some(match error["rowNumber"].as_u64() {
                Some(row) => format!("Ligne {row} : {message}"),
                None => message.to_owned(),
            })
        })
        .collect();
    VersionView {
        id: version.id.0,
        status: match version.status {
            VersionStatus::Published => "En ligne",
            VersionStatus::Superseded => "Remplacée",
            VersionStatus::Rejected => "Refusée",
        },
        badge: Badge::of_version(version, has_schema),
        received: french_datetime(version.received_at),
        filename: version.filename.clone().unwrap_or_default(),
        rows: version.row_count,
        size: human_size(version.size),
        original_url: format!("/api/v1/versions/{}/original", version.id),
        report_url: format!("/api/v1/versions/{}/report", version.id),
        n_errors: report["stats"]["errors"].as_u64().unwrap_or(0),
        errors,
    }
}

fn human_size(bytes: u64) -> String {
    match bytes {
        0..1_000 => format!("{bytes} octets"),
        1_000..1_000_000 => format!("{} ko", super::render::french_number(bytes as f64 / 1e3)),
        _ => format!("{} Mo", super::render::french_number(bytes as f64 / 1e6)),
    }
}

fn explore_view(
    store: &Store,
    dataset: &Dataset,
    resource: &Resource,
    version: &Version,
    params: &ExploreParams,
    base: &str,
    map_tiles_url: String,
) -> PortalResult<Explored> {
    let (columns, params) = explore::columns_and_params(store, resource, version, params)?;
    let page_path = format!("/datasets/{}", dataset.slug);
    let mut preview = explore::preview(store, version, &columns, &params, &page_path);
    preview.curl = preview.curl.replace("{BASE}", base);
    let chart = explore::chart(store, version, &columns, &params);
    let map = explore::map(store, version, &columns, &params);
    let embed = |kind: &str, query: &str| {
        format!(
            "<iframe src=\"{base}/embed/datasets/{}/{kind}?{query}\" title=\"{} ({})\" width=\"100%\" height=\"480\" loading=\"lazy\"></iframe>",
            dataset.slug,
            dataset.title.replace('"', "&quot;"),
            if kind == "table" {
                "tableau"
            } else {
                "graphique"
            }
        )
    };
    let embed_table = embed("table", &query_string(&params.table_query()));
    let embed_chart = chart
        .result
        .as_ref()
        .map(|result| embed("chart", &result.embed_query));
    Ok(Explored {
        resource_id: resource.id.0,
        resource_title: resource.title.clone(),
        version_id: version.id.0,
        preview,
        chart,
        map,
        map_tiles_url,
        embed_table,
        embed_chart,
    })
}
