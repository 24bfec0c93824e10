//! The publishing wizard (`/publier`): sign in → pick or create the dataset → drop a file →
//! what Socle detected and the report in plain French, faulty cells highlighted → the
//! mechanical fixes, previewed → publish → confirmation with the public links.
//!
//! Stateless between steps, so any server of a cluster serves any step: the dropped file goes
//! straight into the content-addressed blob store and the next form names it by its SHA-256.
//! Every write goes through the catalogue service with the signed-in user as actor, which
//! decides who may publish what. Works without JavaScript (plain forms).

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::io::BufReader;
use std::path::Path;

use axum::extract::{DefaultBodyLimit, FromRequest, Multipart, Path as UrlPath, Request, State};
use axum::http::StatusCode;
use axum::middleware::from_fn_with_state;
use axum::response::{IntoResponse, Redirect};
use axum::routing::{get, post};
use axum::{Form, Router};
use catalogue::fixing::{FixOptions, fix_file};
use catalogue::validation::{ValidateOptions, validate};
use catalogue::{Catalogue, PublishRequest, SignedIn};
use model::{
    DatasetState, Licence, NewDataset, NewResource, PublicationPolicy, Resource, ResourceId,
    Sha256, Slug, VersionOrigin,
};
use serde::Serialize;
use tableschema::fix::FixKind;
use tableschema::{Lang, Schema};

use super::auth::{Answer, Me, Refusal, check_csrf, signed_in_or_redirect};
use super::{Nav, PortalError};
use crate::api::v1::versions::base_name;
use crate::config::Config;
use crate::error::ApiError;
use crate::limits::timeout;
use crate::sessions::Visitor;
use crate::spool::Spool;
use crate::state::AppState;

/// Rows of the file shown in the table view (those with errors first come).
const TABLE_ROWS: usize = 30;
/// Changes listed in the preview of fixes.
const PREVIEW_CHANGES: usize = 50;
/// Errors collected for the report page: beyond that the page says « or more » (a file
/// wrong everywhere needs its first errors fixed, not a million lines of report).
const MAX_ERRORS: usize = 10_000;

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/publier", get(start))
        .route("/publier/jeux", post(create_dataset))
        .route("/publier/ressources/{id}", get(drop_page))
        .route("/publier/versions/{id}", get(done))
}

/// Receiving, checking and publishing a file: they take the upload time limit, and the body is
/// limited by `max_upload_bytes` as it is streamed to disk (not by the framework's 2 MB).
pub(crate) fn upload_router(config: &Config) -> Router<AppState> {
    let upload_timeout = std::time::Duration::from_secs(config.upload_timeout_secs);
    Router::new()
        .route("/publier/ressources/{id}/fichier", post(receive_file))
        .route("/publier/ressources/{id}/publication", post(publish))
        .layer(DefaultBodyLimit::disable())
        .layer(from_fn_with_state(upload_timeout, timeout))
}

// ---- Step 1: pick or create the dataset ----

#[derive(Serialize)]
struct StartView {
    me: Me,
    datasets: Vec<DatasetChoice>,
    organisations: Vec<Choice>,
    schemas: Vec<Choice>,
    error: Option<String>,
}

#[derive(Serialize)]
struct DatasetChoice {
    title: String,
    slug: String,
    publisher: String,
    resources: Vec<ResourceChoice>,
}

#[derive(Serialize)]
struct ResourceChoice {
    id: i64,
    title: String,
    schema: String,
    live: bool,
}

#[derive(Serialize)]
struct Choice {
    value: String,
    label: String,
}

async fn start(State(state): State<AppState>, visitor: Visitor) -> Answer {
    let signed_in = signed_in_or_redirect(&visitor, "/publier")?;
    start_page(&state, &signed_in, StatusCode::OK, None).await
}

async fn start_page(
    state: &AppState,
    signed_in: &SignedIn,
    status: StatusCode,
    error: Option<String>,
) -> Answer {
    let user = signed_in.user.clone();
    let (datasets, organisations) = state
        .blocking(move |catalogue| Ok(publishable(catalogue, &user)?))
        .await?;
    let schemas = catalogue::bundled::SCHEMAS
        .iter()
        .map(|schema| Choice {
            value: schema.name.to_owned(),
            label: format!("{} ({})", schema.title, schema.name),
        })
        .collect();
    let view = StartView {
        me: Me::of(signed_in),
        datasets,
        organisations,
        schemas,
        error,
    };
    let page = state.portal.render("publier.html", Nav::None, &view)?;
    Ok((status, page).into_response())
}

/// The datasets `user` may publish to and the organisations they may create one for: those
/// whose publisher they are an editor or administrator of (every one for an instance
/// administrator). The catalogue checks again on every write; this only chooses what to show.
fn publishable(
    catalogue: &Catalogue,
    user: &model::User,
) -> catalogue::Result<(Vec<DatasetChoice>, Vec<Choice>)> {
    let store = catalogue.store();
    let organisations: Vec<model::Organisation> = if user.is_admin {
        store.list_organisations()?
    } else {
        let mut mine = Vec::new();
        for membership in store.memberships_of_user(user.id)? {
            mine.extend(store.organisation(membership.organisation)?);
        }
        mine
    };
    let mut datasets = Vec::new();
    for organisation in &organisations {
        let filter = store::DatasetFilter {
            organisation: Some(organisation.id),
            state: None,
        };
        for dataset in store.list_datasets(&filter)? {
            if dataset.publisher != organisation.id {
                continue;
            }
            let resources = store
                .resources_of_dataset(dataset.id)?
                .into_iter()
                .map(|resource| ResourceChoice {
                    id: resource.id.0,
                    title: resource.title.clone(),
                    schema: resource
                        .schema
                        .as_ref()
                        .map_or_else(|| "sans schéma".to_owned(), |s| s.name.clone()),
                    live: resource.live_version.is_some(),
                })
                .collect();
            datasets.push(DatasetChoice {
                title: dataset.title,
                slug: dataset.slug.to_string(),
                publisher: organisation.name.clone(),
                resources,
            });
        }
    }
    let choices = organisations
        .into_iter()
        .map(|organisation| Choice {
            value: organisation.siren.to_string(),
            label: organisation.name,
        })
        .collect();
    Ok((datasets, choices))
}

#[derive(serde::Deserialize)]
struct NewDatasetForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    organisation: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    schema: String,
}

async fn create_dataset(
    State(state): State<AppState>,
    visitor: Visitor,
    Form(form): Form<NewDatasetForm>,
) -> Answer {
    let signed_in = signed_in_or_redirect(&visitor, "/publier")?;
    check_csrf(&signed_in, &form.csrf)?;
    let actor = signed_in.actor();
    let created = state
        .blocking(move |catalogue| Ok(create_dataset_and_resource(catalogue, &actor, &form)))
        .await?;
    match created {
        Ok(resource) => {
            Ok(Redirect::to(&format!("/publier/ressources/{}", resource.id)).into_response())
        }
        Err(error @ (catalogue::Error::Invalid(_) | catalogue::Error::Conflict(_))) => {
            start_page(
                &state,
                &signed_in,
                StatusCode::BAD_REQUEST,
                Some(error.to_string()),
            )
            .await
        }
        Err(other) => Err(other.into()),
    }
}

fn create_dataset_and_resource(
    catalogue: &Catalogue,
    actor: &catalogue::Actor,
    form: &NewDatasetForm,
) -> catalogue::Result<Resource> {
    let title = form.title.trim();
    if title.is_empty() {
        return Err(catalogue::Error::Invalid(
            "donnez un titre au jeu de données".to_owned(),
        ));
    }
    let siren = model::Siren::parse(form.organisation.trim())
        .map_err(|error| catalogue::Error::Invalid(error.to_string()))?;
    let organisation = catalogue.organisation_by_siren(&siren)?;
    let schema = match form.schema.trim() {
        "" => None,
        name => Some(
            catalogue::bundled::find(name)
                .map_err(|error| catalogue::Error::Invalid(error.message_fr()))?,
        ),
    };
    // The publisher's SIREN makes the slug unique across communes publishing the same schema.
    let slug = Slug::from_title(&format!("{title} {}", organisation.siren)).ok_or_else(|| {
        catalogue::Error::Invalid("le titre doit contenir des lettres ou des chiffres".to_owned())
    })?;
    let dataset = catalogue.create_dataset(
        actor,
        &NewDataset {
            slug,
            title: title.to_owned(),
            description: String::new(),
            licence: Licence::default(),
            themes: Vec::new(),
            keywords: Vec::new(),
            frequency: None,
            temporal_start: None,
            temporal_end: None,
            spatial: organisation.territory.clone(),
            producer: organisation.id,
            publisher: organisation.id,
            state: DatasetState::Published,
            remote_id: None,
            source_url: None,
        },
    )?;
    catalogue.add_resource(
        actor,
        &NewResource {
            dataset: dataset.id,
            title: title.to_owned(),
            description: String::new(),
            format: String::new(),
            schema: schema.map(catalogue::publish::schema_ref),
            remote_url: None,
            policy: PublicationPolicy::Lenient,
        },
    )
}

// ---- Step 2: drop a file ----

#[derive(Serialize)]
struct DropView {
    me: Me,
    resource: ResourceView,
}

#[derive(Serialize)]
struct ResourceView {
    id: i64,
    title: String,
    dataset_title: String,
    dataset_slug: String,
    schema: Option<String>,
    has_live_version: bool,
}

fn resource_view(
    catalogue: &Catalogue,
    id: ResourceId,
) -> catalogue::Result<(Resource, ResourceView)> {
    let resource = catalogue.resource(id)?;
    let dataset = catalogue
        .store()
        .dataset(resource.dataset)?
        .ok_or_else(|| {
            catalogue::Error::NotFound(format!("jeu de données {}", resource.dataset))
        })?;
    let view = ResourceView {
        id: resource.id.0,
        title: resource.title.clone(),
        dataset_title: dataset.title,
        dataset_slug: dataset.slug.to_string(),
        schema: resource
            .schema
            .as_ref()
            .map(|schema| format!("{}@{}", schema.name, schema.version)),
        has_live_version: resource.live_version.is_some(),
    };
    Ok((resource, view))
}

async fn drop_page(
    State(state): State<AppState>,
    visitor: Visitor,
    UrlPath(id): UrlPath<i64>,
) -> Answer {
    let signed_in = signed_in_or_redirect(&visitor, &format!("/publier/ressources/{id}"))?;
    let (_, resource) = state
        .blocking(move |catalogue| Ok(resource_view(catalogue, ResourceId(id))?))
        .await?;
    let view = DropView {
        me: Me::of(&signed_in),
        resource,
    };
    Ok(state
        .portal
        .render("publier_depot.html", Nav::None, &view)?
        .into_response())
}

// ---- Step 3: what Socle found, and the fixes it offers ----

#[derive(Serialize)]
struct ReportView {
    me: Me,
    resource: ResourceView,
    sha256: String,
    file_name: String,
    detected: String,
    schema: String,
    valid: bool,
    rows: u64,
    error_count: usize,
    /// The count stopped at [`MAX_ERRORS`].
    errors_capped: bool,
    groups: Vec<ErrorGroup>,
    header: Vec<String>,
    table: Vec<TableRow>,
    fixes: Vec<FixOffer>,
    fix_total: u64,
    changes: Vec<ChangeView>,
}

#[derive(Serialize)]
struct ErrorGroup {
    code: String,
    count: usize,
    title: &'static str,
    what_to_do: &'static str,
    examples: Vec<String>,
}

#[derive(Serialize)]
struct TableRow {
    number: u64,
    cells: Vec<TableCell>,
}

#[derive(Serialize)]
struct TableCell {
    text: String,
    problem: Option<String>,
    fix: Option<String>,
}

#[derive(Serialize)]
struct FixOffer {
    code: &'static str,
    description: &'static str,
    count: u64,
}

#[derive(Serialize)]
struct ChangeView {
    row: u64,
    field: String,
    before: String,
    after: String,
}

async fn receive_file(
    State(state): State<AppState>,
    visitor: Visitor,
    UrlPath(id): UrlPath<i64>,
    request: Request,
) -> Answer {
    let signed_in = signed_in_or_redirect(&visitor, &format!("/publier/ressources/{id}"))?;
    let actor = signed_in.actor();
    state
        .blocking(move |catalogue| Ok(catalogue.check_can_publish(&actor, ResourceId(id))?))
        .await?;
    let uploads = state.catalogue.store().data_dir().join("uploads");
    let (csrf, file, file_name) = receive_form(request, &state, &uploads).await?;
    check_csrf(&signed_in, &csrf)?;
    let me = Me::of(&signed_in);
    let view = state
        .blocking(move |catalogue| {
            let (resource, resource_view) = resource_view(catalogue, ResourceId(id))?;
            let input = file.reopen().map_err(ApiError::internal)?;
            let blob = catalogue.store().put_blob(BufReader::new(input))?;
            drop(file);
            Ok(analyse(
                catalogue,
                &resource,
                resource_view,
                &blob.sha256,
                file_name,
                me,
            )?)
        })
        .await?;
    Ok(state
        .portal
        .render("publier_rapport.html", Nav::None, &view)?
        .into_response())
}

/// Reads the upload form: the `csrf` field (before the file, as the form orders them) and the
/// `file` part, streamed to a temporary file.
async fn receive_form(
    request: Request,
    state: &AppState,
    uploads: &Path,
) -> Result<(String, tempfile::NamedTempFile, Option<String>), Refusal> {
    let limit = state.config.max_upload_bytes;
    let unreadable = |detail: String| {
        Refusal::Page(PortalError::bad_request(format!(
            "Le formulaire envoyé est illisible ({detail}). Recommencez le dépôt."
        )))
    };
    let mut multipart = Multipart::from_request(request, state)
        .await
        .map_err(|rejection| unreadable(rejection.body_text()))?;
    let mut csrf = String::new();
    while let Some(mut field) = multipart
        .next_field()
        .await
        .map_err(|error| unreadable(error.body_text()))?
    {
        match field.name() {
            Some("csrf") => {
                csrf = field
                    .text()
                    .await
                    .map_err(|error| unreadable(error.body_text()))?;
            }
            Some("file") => {
                let file_name = field.file_name().and_then(base_name);
                let mut spool = Spool::create(uploads, limit).await?;
                while let Some(chunk) = field
                    .chunk()
                    .await
                    .map_err(|error| unreadable(error.body_text()))?
                {
                    spool.write(&chunk).await?;
                }
                let file = spool.finish().await.map_err(|_| {
                    Refusal::Page(PortalError::bad_request(
                        "Aucun fichier reçu : choisissez un fichier CSV, XLSX ou ODS avant d'envoyer.",
                    ))
                })?;
                return Ok((csrf, file, file_name));
            }
            _ => {}
        }
    }
    Err(Refusal::Page(PortalError::bad_request(
        "Aucun fichier reçu : choisissez un fichier CSV, XLSX ou ODS avant d'envoyer.",
    )))
}

/// Below this share of matching column names, no bundled schema is suggested.
const MIN_DETECTION_SCORE: f64 = 0.5;

/// The schema a file is checked against: the resource's own, or else the bundled schema its
/// header matches best (as `socle validate --schema auto` picks it), said as such.
fn schema_for(
    store: &store::Store,
    resource: &Resource,
    sha256: &Sha256,
    read: &ingest::Options,
) -> catalogue::Result<Option<(Schema, String)>> {
    if let Some(reference) = &resource.schema {
        let bundled =
            catalogue::bundled::find(&format!("{}@{}", reference.name, reference.version))
                .map_err(|error| catalogue::Error::Invalid(error.message_fr()))?;
        let (schema, _) = catalogue::publish::parse_descriptor(bundled.descriptor)?;
        let label = format!("{} ({}@{})", bundled.title, bundled.name, bundled.version);
        return Ok(Some((schema, label)));
    }
    let header = file_header(store, sha256, read)?;
    let labels: Vec<&str> = header.iter().map(String::as_str).collect();
    let mut best: Option<(f64, Schema, &catalogue::bundled::BundledSchema)> = None;
    for bundled in catalogue::bundled::SCHEMAS {
        let (schema, _) = catalogue::publish::parse_descriptor(bundled.descriptor)?;
        let score = tableschema::header_match_score(&schema, &labels);
        if best.as_ref().is_none_or(|(held, _, _)| score > *held) {
            best = Some((score, schema, bundled));
        }
    }
    Ok(best
        .filter(|(score, _, _)| *score >= MIN_DETECTION_SCORE)
        .map(|(score, schema, bundled)| {
            let label = format!(
                "{} ({}@{}), détecté d'après les noms de colonnes (confiance {:.0} %) : la ressource n'en déclare pas",
                bundled.title,
                bundled.name,
                bundled.version,
                score * 100.0
            );
            (schema, label)
        }))
}

/// The first row of a stored file.
fn file_header(
    store: &store::Store,
    sha256: &Sha256,
    read: &ingest::Options,
) -> catalogue::Result<Vec<String>> {
    let input = BufReader::new(store.open_blob(sha256)?);
    let unreadable =
        |message: String| catalogue::Error::Invalid(format!("fichier illisible : {message}"));
    let mut reader = ingest::open(input, read).map_err(|error| unreadable(error.message_fr()))?;
    let mut row = ingest::Row::new();
    reader
        .next_row(&mut row)
        .map_err(|error| unreadable(error.message_fr()))?;
    Ok(row.cells().map(str::to_owned).collect())
}

fn analyse(
    catalogue: &Catalogue,
    resource: &Resource,
    resource_view: ResourceView,
    sha256: &Sha256,
    file_name: Option<String>,
    me: Me,
) -> catalogue::Result<ReportView> {
    let store = catalogue.store();
    let open = || -> catalogue::Result<BufReader<store::BlobReader>> {
        Ok(BufReader::new(store.open_blob(sha256)?))
    };
    let read = ingest::Options {
        file_name: file_name.clone(),
        ..ingest::Options::default()
    };
    let Some((schema, schema_label)) = schema_for(store, resource, sha256, &read)? else {
        return Err(catalogue::Error::Invalid(
            "cette ressource ne déclare pas de schéma et son fichier ne ressemble à aucun schéma connu : publiez-le par l'API, ou créez un jeu de données avec le bon schéma"
                .to_owned(),
        ));
    };
    let options = ValidateOptions {
        read: read.clone(),
        check: tableschema::Options {
            max_errors: Some(MAX_ERRORS),
            ..tableschema::Options::default()
        },
        ..ValidateOptions::default()
    };
    let validation = validate(open()?, &mut &schema, &options).map_err(|error| {
        catalogue::Error::Invalid(format!("fichier illisible : {}", error.message_fr()))
    })?;
    let fix_options = FixOptions {
        read,
        keep_changes: PREVIEW_CHANGES,
        ..FixOptions::default()
    };
    let fixes = fix_file(open()?, &schema, &fix_options, std::io::sink())?;
    let report = &validation.report;
    let mut faulty: BTreeMap<u64, HashMap<usize, String>> = BTreeMap::new();
    for error in &report.errors {
        if let (Some(row), Some(column)) = (error.row_number, error.field_number)
            && (faulty.len() < TABLE_ROWS || faulty.contains_key(&row))
        {
            faulty
                .entry(row)
                .or_default()
                .entry(column)
                .or_insert_with(|| error.message(Lang::Fr));
        }
    }
    let fix_at: HashMap<(u64, usize), String> = fixes
        .changes
        .iter()
        .map(|change| ((change.row, change.column), change.after.clone()))
        .collect();
    let table = table_rows(open()?, &faulty, &fix_at, &fix_options.read)?;
    Ok(ReportView {
        me,
        resource: resource_view,
        sha256: sha256.to_hex(),
        file_name: file_name.unwrap_or_default(),
        detected: validation.source.describe_fr(),
        schema: schema_label,
        valid: report.valid,
        rows: report.stats.rows,
        error_count: report.errors.len(),
        errors_capped: report.errors.len() >= MAX_ERRORS,
        groups: error_groups(report),
        header: validation.header.clone(),
        table,
        fixes: FixKind::ALL
            .iter()
            .filter_map(|kind| {
                fixes.counts.get(kind).map(|count| FixOffer {
                    code: kind.code(),
                    description: kind.describe_fr(),
                    count: *count,
                })
            })
            .collect(),
        fix_total: fixes.total(),
        changes: fixes
            .changes
            .iter()
            .map(|change| ChangeView {
                row: change.row,
                field: change.field.clone(),
                before: visible_spaces(&change.before),
                after: visible_spaces(&change.after),
            })
            .collect(),
    })
}

/// Spaces at either end shown as `␣`, so that removing them shows in the preview.
fn visible_spaces(cell: &str) -> String {
    let trimmed = cell.trim();
    if trimmed.len() == cell.len() {
        return cell.to_owned();
    }
    let start = cell.find(trimmed).unwrap_or(0);
    let leading = cell[..start].chars().count();
    let trailing = cell[start + trimmed.len()..].chars().count();
    format!("{}{trimmed}{}", "␣".repeat(leading), "␣".repeat(trailing))
}

/// The rows with errors (the first [`TABLE_ROWS`] of them), read again from the file.
fn table_rows(
    input: impl std::io::Read + Send,
    faulty: &BTreeMap<u64, HashMap<usize, String>>,
    fix_at: &HashMap<(u64, usize), String>,
    read: &ingest::Options,
) -> catalogue::Result<Vec<TableRow>> {
    let wanted: BTreeSet<u64> = faulty.keys().copied().take(TABLE_ROWS).collect();
    let Some(&last) = wanted.last() else {
        return Ok(Vec::new());
    };
    let mut reader =
        ingest::open(input, read).map_err(|error| catalogue::Error::Invalid(error.message_fr()))?;
    let mut row = ingest::Row::new();
    let mut rows = Vec::new();
    while reader
        .next_row(&mut row)
        .map_err(|error| catalogue::Error::Invalid(error.message_fr()))?
    {
        let number = row.number();
        if number > last {
            break;
        }
        if !wanted.contains(&number) {
            continue;
        }
        let problems = &faulty[&number];
        let cells = row
            .cells()
            .enumerate()
            .map(|(index, text)| TableCell {
                text: text.to_owned(),
                problem: problems.get(&(index + 1)).cloned(),
                fix: fix_at.get(&(number, index + 1)).cloned(),
            })
            .collect();
        rows.push(TableRow { number, cells });
    }
    Ok(rows)
}

fn error_groups(report: &tableschema::Report) -> Vec<ErrorGroup> {
    let mut groups: BTreeMap<&str, ErrorGroup> = BTreeMap::new();
    for error in &report.errors {
        let code = error.code.as_str();
        let group = groups.entry(code).or_insert_with(|| {
            let (title, what_to_do) = explain(code);
            ErrorGroup {
                code: code.to_owned(),
                count: 0,
                title,
                what_to_do,
                examples: Vec::new(),
            }
        });
        group.count += 1;
        if group.examples.len() < 3 {
            group.examples.push(error.message(Lang::Fr));
        }
    }
    let mut groups: Vec<ErrorGroup> = groups.into_values().collect();
    groups.sort_by_key(|group| std::cmp::Reverse(group.count));
    groups
}

/// Each kind of error in plain French, and what to do about it.
fn explain(code: &str) -> (&'static str, &'static str) {
    match code {
        "type-error" => (
            "Valeurs au mauvais format",
            "Écrivez chaque valeur dans le format que le schéma attend : dates AAAA-MM-JJ, nombres avec un point décimal, booléens avec les valeurs du schéma. Socle peut corriger les cas mécaniques ci-dessous.",
        ),
        "constraint-error" => (
            "Valeurs qui ne respectent pas une règle du schéma",
            "Une valeur obligatoire manque, ou une valeur n'est pas dans la liste permise, ou ne suit pas le motif attendu (un SIRET a 14 chiffres sans espace). Corrigez ces cellules dans votre fichier.",
        ),
        "missing-label" | "missing-cell" => (
            "Colonnes ou cellules manquantes",
            "Ajoutez les colonnes que le schéma demande, avec leur nom exact (téléchargez le modèle depuis la page du schéma).",
        ),
        "extra-label" | "extra-cell" => (
            "Colonnes ou cellules en trop",
            "Retirez les colonnes que le schéma ne connaît pas, ou vérifiez l'orthographe de leur nom.",
        ),
        "incorrect-label" | "blank-label" | "duplicate-label" | "blank-header" => (
            "En-tête incorrect",
            "La première ligne doit contenir les noms de colonnes du schéma, chacun une seule fois, sans cellule vide.",
        ),
        "blank-row" => ("Lignes vides", "Supprimez les lignes vides du fichier."),
        "unique-error" | "primary-key" => (
            "Doublons",
            "Une valeur qui doit être unique apparaît plusieurs fois : corrigez ou supprimez les lignes en double.",
        ),
        "french-siret-value" | "french-siren-value" | "siret" | "siren" => (
            "Numéros SIRET ou SIREN invalides",
            "Vérifiez chaque numéro sur l'annuaire des entreprises : sa clé de contrôle ne correspond pas.",
        ),
        _ => (
            "Autres erreurs",
            "Lisez le message de chaque erreur : il dit quelle cellule corriger et comment.",
        ),
    }
}

// ---- Step 4: publish ----

async fn publish(
    State(state): State<AppState>,
    visitor: Visitor,
    UrlPath(id): UrlPath<i64>,
    Form(form): Form<HashMap<String, String>>,
) -> Answer {
    let signed_in = signed_in_or_redirect(&visitor, &format!("/publier/ressources/{id}"))?;
    check_csrf(&signed_in, form.get("csrf").map_or("", String::as_str))?;
    let sha256 = form
        .get("sha256")
        .and_then(|hex| Sha256::parse_hex(hex).ok())
        .ok_or_else(|| {
            PortalError::bad_request("Fichier à publier non précisé : recommencez le dépôt.")
        })?;
    let file_name = form
        .get("file_name")
        .filter(|name| !name.is_empty())
        .cloned();
    let accepted: Vec<FixKind> = FixKind::ALL
        .into_iter()
        .filter(|kind| form.contains_key(&format!("fix-{}", kind.code())))
        .collect();
    let actor = signed_in.actor();
    let uploads = state.catalogue.store().data_dir().join("uploads");
    let publication = state
        .blocking(move |catalogue| {
            let store = catalogue.store();
            if !store.has_blob(&sha256)? {
                return Err(ApiError::bad_request(
                    "Ce fichier n'est plus disponible : recommencez le dépôt.",
                    "This file is no longer available: drop it again.",
                ));
            }
            let request = PublishRequest {
                resource: ResourceId(id),
                file_name: file_name.clone(),
                origin: VersionOrigin::Upload,
                read: ingest::Options {
                    file_name: file_name.clone(),
                    ..ingest::Options::default()
                },
            };
            let original = BufReader::new(store.open_blob(&sha256)?);
            if accepted.is_empty() {
                return Ok(catalogue.publish(&actor, &request, original)?);
            }
            let resource = catalogue.resource(ResourceId(id))?;
            let Some((schema, _)) = schema_for(store, &resource, &sha256, &request.read)? else {
                return Ok(catalogue.publish(&actor, &request, original)?);
            };
            std::fs::create_dir_all(&uploads).map_err(ApiError::internal)?;
            let mut corrected = tempfile::Builder::new()
                .prefix("corrige-")
                .tempfile_in(&uploads)
                .map_err(ApiError::internal)?;
            let options = FixOptions {
                read: request.read.clone(),
                accepted: accepted.clone(),
                keep_changes: 0,
            };
            let summary = fix_file(original, &schema, &options, corrected.as_file_mut())?;
            let corrections = serde_json::json!({
                "original": {"sha256": sha256.to_hex(), "fileName": file_name},
                "applied": summary.counts.iter().map(|(kind, count)| (kind.code().to_owned(), *count)).collect::<BTreeMap<String, u64>>(),
            });
            let corrected_request = PublishRequest {
                file_name: Some(corrected_name(file_name.as_deref())),
                read: ingest::Options::default(),
                ..request
            };
            let input = BufReader::new(corrected.reopen().map_err(ApiError::internal)?);
            Ok(catalogue.publish_corrected(&actor, &corrected_request, input, &corrections)?)
        })
        .await?;
    Ok(Redirect::to(&format!("/publier/versions/{}", publication.version.id)).into_response())
}

/// The corrected file's name: `menus.xlsx` → `menus-corrige.csv` (always CSV).
fn corrected_name(original: Option<&str>) -> String {
    let stem = original
        .map(|name| name.rsplit_once('.').map_or(name, |(stem, _)| stem))
        .filter(|stem| !stem.is_empty())
        .unwrap_or("fichier");
    format!("{stem}-corrige.csv")
}

// ---- Step 5: confirmation ----

#[derive(Serialize)]
struct DoneView {
    me: Me,
    resource: ResourceView,
    version: i64,
    status: &'static str,
    conformant: bool,
    rows: Option<u64>,
    corrected: Option<u64>,
    original_sha256: Option<String>,
}

async fn done(
    State(state): State<AppState>,
    visitor: Visitor,
    UrlPath(id): UrlPath<i64>,
) -> Answer {
    let signed_in = signed_in_or_redirect(&visitor, &format!("/publier/versions/{id}"))?;
    let me = Me::of(&signed_in);
    let view = state
        .blocking(move |catalogue| {
            let version = catalogue
                .store()
                .version(model::VersionId(id))?
                .ok_or_else(|| catalogue::Error::NotFound(format!("version {id}")))?;
            let (_, resource) = resource_view(catalogue, version.resource)?;
            let report: Option<serde_json::Value> = version
                .report
                .as_deref()
                .and_then(|text| serde_json::from_str(text).ok());
            let corrections = report.as_ref().and_then(|report| report.get("corrections"));
            Ok(DoneView {
                me,
                resource,
                version: version.id.0,
                status: match version.status {
                    model::VersionStatus::Published => "publiée",
                    model::VersionStatus::Rejected => "refusée",
                    model::VersionStatus::Superseded => "remplacée depuis",
                },
                conformant: version.conformant,
                rows: version.row_count,
                corrected: corrections
                    .and_then(|c| c.get("applied"))
                    .and_then(|applied| applied.as_object())
                    .map(|applied| applied.values().filter_map(|v| v.as_u64()).sum()),
                original_sha256: corrections
                    .and_then(|c| c.pointer("/original/sha256"))
                    .and_then(|sha| sha.as_str())
                    .map(str::to_owned),
            })
        })
        .await?;
    Ok(state
        .portal
        .render("publier_fait.html", Nav::None, &view)?
        .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn surrounding_spaces_are_shown() {
        assert_eq!(visible_spaces(" aide  "), "␣aide␣␣");
        assert_eq!(visible_spaces("aide en nature"), "aide en nature");
        assert_eq!(visible_spaces("   "), "␣␣␣");
    }

    #[test]
    fn corrected_names() {
        assert_eq!(corrected_name(Some("menus.xlsx")), "menus-corrige.csv");
        assert_eq!(corrected_name(None), "fichier-corrige.csv");
    }
}
