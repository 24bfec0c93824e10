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
