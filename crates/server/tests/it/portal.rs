//! The portal's pages on the demo data (`catalogue::demo`), in-process: real content of each
//! page, well-formed HTML, escaping, French errors, static assets.

use std::sync::OnceLock;

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode, header};
use catalogue::Catalogue;
use http_body_util::BodyExt;
use server::{AppState, Config};
use tower::ServiceExt;

use super::support::quiet_config;

/// One demo catalogue for every test of this module (publishing it takes a few seconds).
fn demo() -> &'static Catalogue {
    static DEMO: OnceLock<(tempfile::TempDir, Catalogue)> = OnceLock::new();
    &DEMO
        .get_or_init(|| {
            let dir = tempfile::tempdir().unwrap();
            let catalogue = Catalogue::open(dir.path()).unwrap();
            catalogue::demo::load(&catalogue).unwrap();
            (dir, catalogue)
        })
        .1
}

fn app_with(config: Config) -> Router {
    server::app(AppState::new(demo().clone(), config))
}

fn app() -> Router {
    app_with(quiet_config())
}

pub struct Page {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
}

pub async fn get_page(app: &Router, uri: &str) -> Page {
    get_with(app, uri, &[]).await
}

async fn get_with(app: &Router, uri: &str, headers: &[(&str, &str)]) -> Page {
    let mut request = Request::get(uri);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let response = app
        .clone()
        .oneshot(request.body(Body::empty()).unwrap())
        .await
        .unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    Page {
        status,
        headers,
        body: String::from_utf8(bytes.to_vec()).unwrap(),
    }
}

/// A page that must render: 200, HTML, well-formed, in French.
pub async fn html(app: &Router, uri: &str) -> String {
    let page = get_page(app, uri).await;
    assert_eq!(page.status, StatusCode::OK, "{uri}: {}", page.body);
    let content_type = page.headers[header::CONTENT_TYPE].to_str().unwrap();
    assert!(
        content_type.starts_with("text/html"),
        "{uri}: {content_type}"
    );
    assert_well_formed(uri, &page.body);
    page.body
}

/// Elements that have no end tag in HTML.
const VOID: &[&str] = &[
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track",
    "wbr",
];

/// Every start tag has its end tag, properly nested (void elements apart); `<script>` and
/// `<style>` contents are skipped; attributes' quotes are closed.
pub fn assert_well_formed(uri: &str, html: &str) {
    let mut open: Vec<String> = Vec::new();
    let mut rest = html;
    while let Some(start) = rest.find('<') {
        rest = &rest[start..];
        if let Some(comment) = rest.strip_prefix("<!--") {
            let end = comment
                .find("-->")
                .unwrap_or_else(|| panic!("{uri}: open comment"));
            rest = &comment[end + 3..];
            continue;
        }
        let end = tag_end(rest).unwrap_or_else(|| panic!("{uri}: unclosed tag {}", head(rest)));
        let tag = &rest[1..end];
        rest = &rest[end + 1..];
        if tag.starts_with('!') || tag.starts_with('?') {
            continue;
        }
        let closing = tag.starts_with('/');
        let name: String = tag
            .trim_start_matches('/')
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '-')
            .collect::<String>()
            .to_ascii_lowercase();
        assert!(!name.is_empty(), "{uri}: bad tag <{tag}>");
        if closing {
            let expected = open.pop();
            assert_eq!(
                expected.as_deref(),
                Some(name.as_str()),
                "{uri}: </{name}> closes {expected:?}; near {}",
                head(rest)
            );
        } else if !VOID.contains(&name.as_str()) && !tag.ends_with('/') {
            if name == "script" || name == "style" {
                let close = format!("</{name}>");
                let end = rest
                    .find(&close)
                    .unwrap_or_else(|| panic!("{uri}: <{name}> never closed"));
                rest = &rest[end + close.len()..];
                continue;
            }
            open.push(name);
        }
    }
    assert!(open.is_empty(), "{uri}: never closed: {open:?}");
}

/// The `>` that ends the tag at the start of `text`, outside quoted attribute values.
fn tag_end(text: &str) -> Option<usize> {
    let mut quote = None;
    for (index, c) in text.char_indices().skip(1) {
        match (quote, c) {
            (None, '"' | '\'') => quote = Some(c),
            (Some(q), c) if c == q => quote = None,
            (None, '>') => return Some(index),
            (None, '<') => return None,
            _ => {}
        }
    }
    None
}

fn head(text: &str) -> String {
    text.chars().take(80).collect()
}

#[tokio::test]
async fn home_shows_key_figures_in_french() {
    let body = html(&app(), "/").await;
    assert!(body.contains("<html lang=\"fr\">"));
    assert!(body.contains("id=\"contenu\""), "main landmark");
    assert!(body.contains("Aller au contenu"), "skip link");
    assert!(body.contains("aria-current=\"page\">Accueil"));
    let organisations = demo().store().list_organisations().unwrap().len();
    assert!(organisations >= 8);
    assert!(
        body.contains(&format!("{organisations}</span> organisations")),
        "{body}"
    );
}

#[tokio::test]
async fn unknown_pages_answer_a_french_404_page() {
    let page = get_page(&app(), "/pas-de-page-ici").await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
    assert!(
        page.headers[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    assert!(page.body.contains("Page introuvable"), "{}", page.body);
    assert!(page.body.contains("pas-de-page-ici »"), "{}", page.body);
    assert_well_formed("404", &page.body);
    // The API keeps its JSON errors.
    let api = get_page(&app(), "/api/v1/rien").await;
    assert_eq!(api.status, StatusCode::NOT_FOUND);
    assert!(api.body.starts_with("{\"error\""), "{}", api.body);
}

#[tokio::test]
async fn static_assets_are_cached_and_revalidated() {
    let app = app();
    let css = get_page(&app, "/static/socle.css").await;
    assert_eq!(css.status, StatusCode::OK);
    assert!(
        css.headers[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/css")
    );
    assert!(
        css.headers[header::CACHE_CONTROL]
            .to_str()
            .unwrap()
            .contains("max-age")
    );
    assert!(css.body.contains("--primary"));
    let etag = css.headers[header::ETAG].to_str().unwrap().to_owned();
    let again = get_with(&app, "/static/socle.css", &[("if-none-match", &etag)]).await;
    assert_eq!(again.status, StatusCode::NOT_MODIFIED);
    assert!(again.body.is_empty());
    let missing = get_page(&app, "/static/absent.js").await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert!(missing.body.contains("Page introuvable"));
}

#[tokio::test]
async fn the_instance_brings_its_name_colour_and_templates() {
    let templates = tempfile::tempdir().unwrap();
    std::fs::write(
        templates.path().join("accueil.html"),
        "{% extends \"base.html\" %}{% block main %}<p>Accueil de {{ site.name }}</p>{% endblock %}",
    )
    .unwrap();
    let app = app_with(Config {
        portal_instance_name: "Données d'Occitanie".to_owned(),
        portal_primary_colour: "#8a1b4f".to_owned(),
        portal_templates_dir: templates.path().display().to_string(),
        ..quiet_config()
    });
    let body = html(&app, "/").await;
    assert!(
        body.contains("<p>Accueil de Données d&#x27;Occitanie</p>"),
        "{body}"
    );
    assert!(body.contains("--primary: #8a1b4f"));
    // A colour that is not #rrggbb cannot inject CSS.
    let app = app_with(Config {
        portal_primary_colour: "red;}body{display:none".to_owned(),
        ..quiet_config()
    });
    let body = html(&app, "/").await;
    assert!(!body.contains("display:none"));
    assert!(body.contains("--primary: #1b4f8a"));
}

#[test]
fn the_checker_catches_bad_html() {
    assert!(std::panic::catch_unwind(|| assert_well_formed("t", "<div><p></div>")).is_err());
    assert!(std::panic::catch_unwind(|| assert_well_formed("t", "<main>")).is_err());
    assert_well_formed(
        "t",
        "<p>a<br><img src=\"x>y\"></p><script>if (a<b) {}</script>",
    );
}

#[tokio::test]
async fn home_has_entries_latest_and_conformity_share() {
    let body = html(&app(), "/").await;
    assert!(body.contains("id=\"dernieres-publications\""));
    assert!(
        body.contains("href=\"/datasets?schema=scdl-subventions\""),
        "{body}"
    );
    assert!(body.contains("href=\"/datasets?theme=EDUC\""), "{body}");
    assert!(
        body.contains("href=\"/datasets?territoire=commune%3A"),
        "{body}"
    );
    assert!(body.contains("Toulouse (commune)"));
    // Marvejols' menus are the one non-conformant file: the share is below 100 %.
    assert!(body.contains("des "), "{body}");
    assert!(!body.contains(">100\u{a0}%</span>"), "{body}");
    assert!(body.contains("Non conforme au schéma") || body.contains("Conforme au schéma"));
}

#[tokio::test]
async fn search_folds_accents_and_filters_by_facets() {
    let app = app();
    let body = html(&app, "/datasets?q=deliberations").await;
    assert!(body.contains("Délibérations"), "{body}");
    assert!(!body.contains("Menus"), "only délibérations match: {body}");
    let all = html(&app, "/datasets").await;
    assert!(all.contains("id=\"facette-organisation\""));
    assert!(all.contains("<label for=\"facette-theme\">Thème</label>"));
    let toulouse = html(&app, "/datasets?territoire=commune%3A31555").await;
    assert!(toulouse.contains("Toulouse (commune)"));
    assert!(!toulouse.contains("Marvejols (commune)</p>"), "{toulouse}");
    assert!(toulouse.contains("(retirer ce filtre)"));
    let menus = html(&app, "/datasets?schema=scdl-menus-collectifs&tri=titre").await;
    assert!(
        menus.contains("Non conforme au schéma"),
        "Marvejols' menus: {menus}"
    );
    let recent = html(&app, "/datasets?tri=recent").await;
    let times: Vec<model::jiff::Timestamp> = recent
        .split("<time datetime=\"")
        .skip(1)
        .map(|rest| rest[..rest.find('"').unwrap()].parse().unwrap())
        .collect();
    assert_eq!(times.len(), 20, "first page of 20");
    assert!(times.windows(2).all(|pair| pair[0] >= pair[1]), "{times:?}");
    assert!(
        recent.contains("rel=\"next\""),
        "more than 20 demo datasets"
    );
    let none = html(&app, "/datasets?q=zzzzzz").await;
    assert!(none.contains("Aucun jeu de données ne correspond"));
    let bad = get_page(&app, "/datasets?page=abc").await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(bad.body.contains("Demande incorrecte"));
}

#[tokio::test]
async fn dataset_page_shows_metadata_resources_versions_and_downloads() {
    let app = app();
    let body = html(&app, "/datasets/toulouse-subventions-2026").await;
    assert!(body.contains("<h1 id=\"titre-jeu\">"), "{body}");
    assert!(body.contains("Licence Ouverte / Open Licence version 2.0"));
    assert!(body.contains("href=\"/organisations/"));
    assert!(body.contains("Conforme au schéma"));
    assert!(body.contains("href=\"/schemas/scdl-subventions\""));
    assert!(body.contains("Historique des versions (1)"));
    assert!(body.contains("Aucune erreur."));
    for format in ["csv", "xlsx", "json", "ndjson"] {
        assert!(body.contains(&format!("/exports/{format}\"")), "{format}");
    }
    // No coordinates: no GeoJSON link (the export would be refused).
    assert!(!body.contains("/exports/geojson"));
    assert!(body.contains("/original\""));
    // The preview: 20 rows by default, headers with sort links, and the API's curl command.
    assert!(body.contains("id=\"tableau-apercu\""));
    assert!(body.contains("<th scope=\"col\">nomBeneficiaire"));
    assert!(body.contains("lignes 1 à 20"), "{body}");
    assert!(
        body.contains("curl &#x27;http://127.0.0.1:8080/api/v1/resources/"),
        "{body}"
    );
    assert!(body.contains("&lt;iframe src=&quot;http://127.0.0.1:8080/embed/datasets/toulouse-subventions-2026/table?"), "{body}");
}

#[tokio::test]
async fn preview_filters_sorts_and_pages_like_the_records_api() {
    let app = app();
    let base = "/datasets/toulouse-subventions-2026";
    let sorted = html(&app, &format!("{base}?order_by=montant%20DESC&limit=10")).await;
    assert!(sorted.contains("aria-sort=\"descending\""), "{sorted}");
    assert!(sorted.contains("lignes 1 à 10"));
    let amounts = numbers_in_column(&sorted, "montant");
    assert_eq!(amounts.len(), 10);
    assert!(
        amounts.windows(2).all(|pair| pair[0] >= pair[1]),
        "{amounts:?}"
    );
    assert!(sorted.contains("rel=\"next\""));
    let second = html(
        &app,
        &format!("{base}?order_by=montant%20DESC&limit=10&offset=10"),
    )
    .await;
    let next_amounts = numbers_in_column(&second, "montant");
    assert!(next_amounts[0] <= amounts[9]);
    assert!(second.contains("lignes 11 à 20"));
    let filtered = html(
        &app,
        &format!("{base}?where=montant%20%3E%3D%2010000&limit=100"),
    )
    .await;
    let big = numbers_in_column(&filtered, "montant");
    assert!(
        !big.is_empty() && big.iter().all(|amount| *amount >= 10000.0),
        "{big:?}"
    );
    assert!(
        filtered.contains("where=montant%20%3E%3D%2010000"),
        "curl keeps the filter"
    );
    // A broken filter is explained in French, on the page.
    let broken = html(&app, &format!("{base}?where=montant%20%3E%3D")).await;
    assert!(broken.contains("Requête impossible"), "{broken}");
    assert!(broken.contains("role=\"alert\""));
}

/// The numbers of one column of the preview table (French formatting undone).
fn numbers_in_column(body: &str, column: &str) -> Vec<f64> {
    let table = &body[body.find("id=\"tableau-apercu\"").unwrap()..];
    let table = &table[..table.find("</table>").unwrap()];
    let header = &table[..table.find("</thead>").unwrap()];
    let index = header
        .split("<th ")
        .skip(1)
        .position(|th| th.contains(&format!(">{column}")))
        .unwrap();
    table
        .split("<tr>")
        .skip(2)
        .filter_map(|row| {
            let cell = row.split("<td").nth(index + 1)?;
            let text = &cell[cell.find('>')? + 1..cell.find("</td>")?];
            text.replace('\u{202f}', "").replace(',', ".").parse().ok()
        })
        .collect()
}

#[tokio::test]
async fn charts_are_svg_with_a_data_table() {
    let app = app();
    let body = html(
        &app,
        "/datasets/toulouse-subventions-2026?groupe=nature&calcul=sum&valeur=montant&type=barres",
    )
    .await;
    assert!(body.contains("<svg"), "{body}");
    assert!(body.contains("class=\"chart-bar\""));
    assert!(body.contains("Somme de montant par nature"));
    assert!(body.contains("id=\"tableau-graphique\""));
    assert!(body.contains("/embed/datasets/toulouse-subventions-2026/chart?"));
    let line = html(
        &app,
        "/datasets/toulouse-subventions-2026?groupe=dateConvention&type=courbe",
    )
    .await;
    assert!(line.contains("<polyline"));
    assert!(line.contains("Nombre de lignes par dateConvention"));
    let unknown = html(&app, "/datasets/toulouse-subventions-2026?groupe=inconnue").await;
    assert!(unknown.contains("Graphique impossible : colonne inconnue « inconnue »"));
}

#[tokio::test]
async fn rows_with_coordinates_get_a_map_over_the_departements() {
    let body = html(&app(), "/datasets/toulouse-equipements-publics").await;
    assert!(body.contains("id=\"carte\""), "{body}");
    assert!(body.contains("class=\"map-marker\""));
    assert!(body.contains("<title>Haute-Garonne</title>"));
    assert!(body.contains("id=\"tableau-carte\""));
    let link_end = body.find("/exports/geojson\"").expect("a GeoJSON link");
    let link_start = body[..link_end].rfind("href=\"").unwrap() + 6;
    let export = get_page(
        &app(),
        &format!("{}/exports/geojson", &body[link_start..link_end]),
    )
    .await;
    assert_eq!(
        export.status,
        StatusCode::OK,
        "EQUIP_LAT/EQUIP_LONG are coordinates: {}",
        export.body
    );
    assert!(export.body.contains("\"type\":\"Point\""));
    assert!(!body.contains("data-tiles"), "no tiles unless configured");
    let tiled = app_with(Config {
        portal_map_tiles_url: "https://tuiles.example.fr/{z}/{x}/{y}.png".to_owned(),
        ..quiet_config()
    });
    let body = html(&tiled, "/datasets/toulouse-equipements-publics").await;
    assert!(body.contains("data-tiles=\"https://tuiles.example.fr/{z}/{x}/{y}.png\""));
    assert!(body.contains("data-scale=\""));
    // No coordinates, no map.
    let none = html(&app(), "/datasets/toulouse-subventions-2026").await;
    assert!(!none.contains("id=\"carte\""));
}

#[tokio::test]
async fn a_non_conformant_version_shows_its_report() {
    let body = html(&app(), "/datasets/marvejols-menus-cantines-2026-11").await;
    assert!(body.contains("Non conforme au schéma"));
    assert!(body.contains("erreurs"), "{body}");
    assert!(
        body.contains("menuDate"),
        "the report names the column: {body}"
    );
    assert!(body.contains("/report\">Rapport complet (JSON)"));
}

#[tokio::test]
async fn missing_datasets_are_a_french_404() {
    let page = get_page(&app(), "/datasets/nexiste-pas").await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
    assert!(page.body.contains("Aucun jeu de données « nexiste-pas »"));
    let page = get_page(
        &app(),
        "/datasets/toulouse-subventions-2026?ressource=99999",
    )
    .await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn titles_and_filters_are_escaped() {
    let dir = tempfile::tempdir().unwrap();
    let catalogue = Catalogue::open(dir.path()).unwrap();
    let operator = catalogue::Actor::Operator;
    let organisation = catalogue
        .add_organisation(
            &operator,
            &model::NewOrganisation {
                siren: model::Siren::parse(store::conformance::SIREN_MONTPELLIER).unwrap(),
                name: "Ville <b>de</b> Montpellier".to_owned(),
                kind: model::OrganisationKind::Commune,
                territory: None,
                contact_email: None,
                logo_url: None,
            },
        )
        .unwrap();
    let mut new = store::conformance::new_dataset("piege", &organisation, &organisation);
    new.title = "<script>alert('x')</script> Piège".to_owned();
    new.description = "<img src=x onerror=alert(1)>".to_owned();
    catalogue.create_dataset(&operator, &new).unwrap();
    let app = server::app(AppState::new(catalogue, quiet_config()));
    let body = html(&app, "/datasets/piege").await;
    assert!(!body.contains("<script>alert"), "{body}");
    assert!(body.contains("&lt;script&gt;alert("));
    assert!(!body.contains("<img src=x"));
    assert!(!body.contains("<b>de</b>"));
    let search = html(&app, "/datasets?q=%3Cscript%3E").await;
    assert!(!search.contains("<script>alert"));
    assert!(search.contains("« &lt;script&gt; »"), "{search}");
}

#[tokio::test]
async fn organisations_say_where_and_on_behalf_of_whom_they_publish() {
    let app = app();
    let list = html(&app, "/organisations").await;
    assert!(list.contains("Toulouse Métropole"), "{list}");
    let metropole = catalogue::demo::TOULOUSE_METROPOLE_SIREN;
    let page = html(&app, &format!("/organisations/{metropole}")).await;
    assert!(page.contains("Publie pour le compte de"), "{page}");
    assert!(page.contains("Jeux publiés pour d'autres organisations"));
    assert!(page.contains("(intercommunalité)"), "{page}");
    // Toulouse's own page names its publisher.
    let toulouse = demo()
        .store()
        .list_organisations()
        .unwrap()
        .into_iter()
        .find(|organisation| {
            organisation.name.contains("Toulouse")
                && organisation.kind == model::OrganisationKind::Commune
        })
        .unwrap();
    let page = html(&app, &format!("/organisations/{}", toulouse.siren)).await;
    assert!(page.contains("Ses données sont publiées par"), "{page}");
    assert!(page.contains("Toulouse (commune)"));
    assert!(page.contains("id=\"jeux-produits\""));
    let missing = get_page(&app, "/organisations/123").await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert!(
        missing
            .body
            .contains("Aucune organisation de SIREN « 123 »")
    );
}

#[tokio::test]
async fn schemas_are_documented_with_templates_and_publishers() {
    let app = app();
    let list = html(&app, "/schemas").await;
    assert!(list.contains("href=\"/schemas/scdl-subventions\""));
    let page = html(&app, "/schemas/scdl-subventions").await;
    assert!(page.contains("<code>montant</code>"), "{page}");
    assert!(page.contains("nombre"));
    assert!(page.contains("Région Bretagne"), "examples shown");
    assert!(page.contains("id=\"publicateurs\""));
    assert!(page.contains("/datasets/toulouse-subventions-2026"));
    let csv = get_page(&app, "/schemas/scdl-subventions/modele.csv").await;
    assert_eq!(csv.status, StatusCode::OK);
    assert!(
        csv.headers[header::CONTENT_DISPOSITION]
            .to_str()
            .unwrap()
            .contains("scdl-subventions-modele.csv")
    );
    let mut lines = csv.body.lines();
    assert!(
        lines
            .next()
            .unwrap()
            .starts_with("nomAttribuant,idAttribuant,dateConvention")
    );
    assert!(
        lines
            .next()
            .unwrap()
            .starts_with("Région Bretagne,23350001600040")
    );
    // The spreadsheet version is an XLSX (zip) file.
    let xlsx = app
        .clone()
        .oneshot(
            Request::get("/schemas/scdl-subventions/modele.xlsx")
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(xlsx.status(), StatusCode::OK);
    let bytes = xlsx.into_body().collect().await.unwrap().to_bytes();
    assert!(bytes.starts_with(b"PK"), "a zip (XLSX) file");
    let missing = get_page(&app, "/schemas/inconnu").await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert!(missing.body.contains("Aucun schéma « inconnu »"));
}

#[tokio::test]
async fn embeds_are_minimal_and_may_be_framed() {
    let app = app();
    let table = get_page(
        &app,
        "/embed/datasets/toulouse-subventions-2026/table?limit=5&order_by=montant",
    )
    .await;
    assert_eq!(table.status, StatusCode::OK);
    assert_well_formed("embed table", &table.body);
    assert!(table.body.contains("id=\"tableau-apercu\""));
    assert!(!table.body.contains("id=\"navigation\""), "no site chrome");
    assert!(!table.headers.contains_key(header::X_FRAME_OPTIONS));
    assert!(table.body.contains("lignes 1 à 5"));
    let chart = html(
        &app,
        "/embed/datasets/toulouse-subventions-2026/chart?groupe=nature",
    )
    .await;
    assert!(chart.contains("<svg"));
    assert!(chart.contains("Nombre de lignes par nature"));
    let page = get_page(&app, "/datasets/toulouse-subventions-2026").await;
    assert_eq!(page.headers[header::X_FRAME_OPTIONS], "SAMEORIGIN");
}

/// The demo loaded on PostgreSQL renders the same pages as on SQLite: catalogue search,
/// dataset pages with their preview (filters, sorts, pages), charts (aggregates), maps,
/// organisations, schemas, embeds.
#[tokio::test(flavor = "multi_thread")]
async fn pages_are_the_same_on_postgresql() {
    use store::conformance::TestEngine;
    let Some(backend) = super::support::blocking(|| TestEngine::Postgres.backend()) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let on_postgres = super::support::blocking(|| {
        let store = store::Store::open_with(dir.path(), backend.options.clone()).unwrap();
        let catalogue = Catalogue::new(store);
        catalogue::demo::load(&catalogue).unwrap();
        server::app(AppState::new(catalogue, quiet_config()))
    });
    let on_sqlite = app();
    let base = "/datasets/toulouse-subventions-2026";
    let uris = [
        "/".to_owned(),
        "/datasets".to_owned(),
        "/datasets?q=deliberations".to_owned(),
        "/datasets?territoire=commune%3A31555".to_owned(),
        "/datasets?schema=scdl-menus-collectifs&tri=titre".to_owned(),
        base.to_owned(),
        format!("{base}?order_by=montant%20DESC&limit=10"),
        format!("{base}?order_by=montant%20DESC&limit=10&offset=10"),
        format!("{base}?where=montant%20%3E%3D%2010000&limit=100"),
        format!("{base}?where=montant%20%3E%3D"),
        format!("{base}?where=search(%22association%22)"),
        format!("{base}?groupe=nature&calcul=sum&valeur=montant&type=barres"),
        format!("{base}?groupe=dateConvention&type=courbe"),
        "/datasets/toulouse-equipements-publics".to_owned(),
        "/datasets/marvejols-menus-cantines-2026-11".to_owned(),
        "/organisations".to_owned(),
        "/schemas".to_owned(),
        "/schemas/scdl-subventions".to_owned(),
        "/embed/datasets/toulouse-subventions-2026/chart?groupe=nature".to_owned(),
    ];
    for uri in &uris {
        let expected = get_page(&on_sqlite, uri).await;
        let got = get_page(&on_postgres, uri).await;
        assert_eq!(got.status, expected.status, "{uri}");
        let (got, expected) = (without_times(&got.body), without_times(&expected.body));
        if let Some((a, b)) = got.lines().zip(expected.lines()).find(|(a, b)| a != b) {
            panic!("{uri}: PostgreSQL\n{a}\nSQLite\n{b}");
        }
        assert_eq!(got.len(), expected.len(), "{uri}");
    }
}

/// A page without its clock times (`12:34`, `12:34:56.789`, and the French `6 h 35`), which
/// differ between two loads of the demo that straddle a minute.
fn without_times(body: &str) -> String {
    let body = body.replace(" h ", ":");
    let mut out = String::with_capacity(body.len());
    let mut run = String::new();
    let flush = |run: &mut String, out: &mut String| {
        out.push_str(if run.contains(':') { "t" } else { run });
        run.clear();
    };
    for c in body.chars() {
        if c.is_ascii_digit() || c == ':' || c == '.' {
            run.push(c);
        } else {
            flush(&mut run, &mut out);
            out.push(c);
        }
    }
    flush(&mut run, &mut out);
    out
}
