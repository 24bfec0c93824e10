//! [`Portal`]: the template environment and the instance's look.

use std::path::{Component, Path, PathBuf};

use axum::response::Html;
use minijinja::value::{Serde, Value};
use minijinja::{Environment, UndefinedBehavior, context};
use serde::Serialize;

use super::assets;
use super::error::PortalError;
use crate::config::Config;

/// The templates compiled into the binary, by name (`crates/server/templates/`).
const EMBEDDED: &[(&str, &str)] = &[
    ("base.html", include_str!("../../templates/base.html")),
    (
        "embed_base.html",
        include_str!("../../templates/embed_base.html"),
    ),
    ("erreur.html", include_str!("../../templates/erreur.html")),
    ("accueil.html", include_str!("../../templates/accueil.html")),
    ("macros.html", include_str!("../../templates/macros.html")),
    (
        "recherche.html",
        include_str!("../../templates/recherche.html"),
    ),
    ("jeu.html", include_str!("../../templates/jeu.html")),
    (
        "organisations.html",
        include_str!("../../templates/organisations.html"),
    ),
    (
        "organisation.html",
        include_str!("../../templates/organisation.html"),
    ),
    ("schemas.html", include_str!("../../templates/schemas.html")),
    ("schema.html", include_str!("../../templates/schema.html")),
    (
        "embed_tableau.html",
        include_str!("../../templates/embed_tableau.html"),
    ),
    (
        "embed_graphique.html",
        include_str!("../../templates/embed_graphique.html"),
    ),
    // Accounts, administration and the publishing wizard (portal/auth.rs, admin.rs, wizard.rs).
    (
        "compte_entete.html",
        include_str!("../../templates/compte_entete.html"),
    ),
    (
        "compte_style.html",
        include_str!("../../templates/compte_style.html"),
    ),
    (
        "connexion.html",
        include_str!("../../templates/connexion.html"),
    ),
    ("compte.html", include_str!("../../templates/compte.html")),
    ("admin.html", include_str!("../../templates/admin.html")),
    ("publier.html", include_str!("../../templates/publier.html")),
    (
        "publier_depot.html",
        include_str!("../../templates/publier_depot.html"),
    ),
    (
        "publier_rapport.html",
        include_str!("../../templates/publier_rapport.html"),
    ),
    (
        "publier_fait.html",
        include_str!("../../templates/publier_fait.html"),
    ),
];

/// Which main navigation entry a page belongs to (marked `aria-current="page"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Nav {
    None,
    Home,
    Datasets,
    Organisations,
    Schemas,
}

/// The instance's identity and look, from the settings; every template sees it as `site`.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Site {
    pub name: String,
    pub tagline: String,
    /// Empty: no logo.
    pub logo_url: String,
    /// `#rrggbb`, checked (it is written into a `<style>` element).
    pub primary_colour: String,
    pub map_tiles_url: String,
    /// Changes whenever an embedded asset does: `/static/x.css?v=…` busts caches.
    pub assets_version: &'static str,
}

const DEFAULT_COLOUR: &str = "#1b4f8a";

impl Site {
    fn from_config(config: &Config) -> Site {
        let colour = config.portal_primary_colour.trim();
        let primary_colour = if is_hex_colour(colour) {
            colour.to_owned()
        } else {
            tracing::warn!(colour, "portal_primary_colour is not #rrggbb: default used");
            DEFAULT_COLOUR.to_owned()
        };
        Site {
            name: config.portal_instance_name.clone(),
            tagline: config.portal_tagline.clone(),
            logo_url: config.portal_logo_url.clone(),
            primary_colour,
            map_tiles_url: config.portal_map_tiles_url.clone(),
            assets_version: assets::version(),
        }
    }
}

fn is_hex_colour(text: &str) -> bool {
    text.len() == 7
        && text.starts_with('#')
        && text[1..].bytes().all(|byte| byte.is_ascii_hexdigit())
}

/// The portal's templates and look. Built once at start-up, shared by every request.
pub(crate) struct Portal {
    env: Environment<'static>,
    site: Site,
}

impl Portal {
    pub(crate) fn new(config: &Config) -> Portal {
        let operator_dir = Some(config.portal_templates_dir.trim())
            .filter(|dir| !dir.is_empty())
            .map(PathBuf::from);
        if let Some(dir) = &operator_dir
            && !dir.is_dir()
        {
            tracing::warn!(dir = %dir.display(), "portal_templates_dir is not a folder: embedded templates used");
        }
        let mut env = Environment::new();
        // Printing or iterating a missing value is a template bug: fail loudly (tests render
        // every page), but `{% if x %}` on a missing value stays allowed.
        env.set_undefined_behavior(UndefinedBehavior::SemiStrict);
        env.set_loader(move |name| load_template(operator_dir.as_deref(), name));
        env.set_formatter(escape_without_slashes);
        env.add_filter("nombre", format_number);
        env.add_filter("pourcent", format_percent);
        Portal {
            env,
            site: Site::from_config(config),
        }
    }

    /// Renders `template` with `view` as `page`, `site` and the current `nav` entry.
    pub(crate) fn render<V: Serialize>(
        &self,
        template: &str,
        nav: Nav,
        view: &V,
    ) -> Result<Html<String>, PortalError> {
        self.render_text(template, nav, view).map(Html)
    }

    /// Like [`Portal::render`], as text (SVG, snippets).
    pub(crate) fn render_text<V: Serialize>(
        &self,
        template: &str,
        nav: Nav,
        view: &V,
    ) -> Result<String, PortalError> {
        let template = self
            .env
            .get_template(template)
            .map_err(|error| PortalError::internal(describe(&error)))?;
        let context = context! {
            site => Value::from(Serde(&self.site)),
            nav => Value::from(Serde(nav)),
            page => Value::from(Serde(view)),
        };
        template
            .render(context)
            .map_err(|error| PortalError::internal(describe(&error)))
    }

    /// Every embedded template.
    #[cfg(test)]
    pub(crate) fn template_names() -> impl Iterator<Item = &'static str> {
        EMBEDDED.iter().map(|(name, _)| *name)
    }
}

/// MiniJinja's HTML escaping, except that `/` stays as is: it needs no escaping in HTML text
/// or quoted attributes, and addresses stay readable in the page source (and in tests).
fn escape_without_slashes(
    out: &mut minijinja::Output,
    state: &mut minijinja::State,
    value: &Value,
) -> Result<(), minijinja::Error> {
    match value.as_str() {
        Some(text) if *state.auto_escape() == minijinja::AutoEscape::Html && !value.is_safe() => {
            let mut escaped = String::with_capacity(text.len() + 16);
            for c in text.chars() {
                match c {
                    '&' => escaped.push_str("&amp;"),
                    '<' => escaped.push_str("&lt;"),
                    '>' => escaped.push_str("&gt;"),
                    '"' => escaped.push_str("&quot;"),
                    '\'' => escaped.push_str("&#x27;"),
                    c => escaped.push(c),
                }
            }
            out.write_str(&escaped)
                .map_err(|_| minijinja::Error::new(minijinja::ErrorKind::WriteFailure, "write"))
        }
        _ => minijinja::escape_formatter(out, state, value),
    }
}

/// A template error with its chain of causes (an included template's error is a cause).
fn describe(error: &minijinja::Error) -> String {
    let mut text = format!("{error:#}");
    let mut cause = std::error::Error::source(error);
    while let Some(inner) = cause {
        text.push_str(&format!("\ncaused by: {inner:#}"));
        cause = inner.source();
    }
    text
}

/// The operator's file of that name when there is one, else the embedded template.
fn load_template(
    operator_dir: Option<&Path>,
    name: &str,
) -> Result<Option<String>, minijinja::Error> {
    if let Some(dir) = operator_dir
        && is_plain_relative(name)
    {
        let path = dir.join(name);
        match std::fs::read_to_string(&path) {
            Ok(text) => return Ok(Some(text)),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {}
            Err(error) => {
                return Err(minijinja::Error::new(
                    minijinja::ErrorKind::TemplateNotFound,
                    format!("cannot read {}: {error}", path.display()),
                ));
            }
        }
    }
    Ok(EMBEDDED
        .iter()
        .find(|(embedded, _)| *embedded == name)
        .map(|(_, source)| (*source).to_owned()))
}

/// A template name cannot climb out of the operator's folder.
fn is_plain_relative(name: &str) -> bool {
    Path::new(name)
        .components()
        .all(|component| matches!(component, Component::Normal(_)))
}

/// `12345.5` → `12 345,5` (French digit grouping with a narrow no-break space).
fn format_number(value: Value) -> String {
    if let Some(integer) = value.as_i64() {
        return group_digits(&integer.unsigned_abs().to_string(), integer < 0);
    }
    match f64::try_from(value.clone()) {
        Ok(number) if number.is_finite() => french_number(number),
        _ => value.to_string(),
    }
}

/// A number in French, at most two decimals: `-1234.5` → `-1 234,5`.
pub(crate) fn french_number(number: f64) -> String {
    let text = format!("{:.2}", number.abs());
    let (whole, fraction) = text.split_once('.').unwrap_or((&text, ""));
    let fraction = fraction.trim_end_matches('0');
    let mut out = group_digits(whole, number < 0.0 && text != "0.00");
    if !fraction.is_empty() {
        out.push(',');
        out.push_str(fraction);
    }
    out
}

fn group_digits(digits: &str, negative: bool) -> String {
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 * 3 + 1);
    if negative {
        out.push('-');
    }
    for (index, digit) in digits.chars().enumerate() {
        if index > 0 && (digits.len() - index).is_multiple_of(3) {
            out.push('\u{202f}');
        }
        out.push(digit);
    }
    out
}

/// `0.875` → `87,5 %`.
fn format_percent(value: Value) -> String {
    match f64::try_from(value) {
        Ok(ratio) if ratio.is_finite() => {
            let percent = (ratio * 1000.0).round() / 10.0;
            format!("{}\u{a0}%", format_number(Value::from(percent)))
        }
        _ => "—".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_french() {
        assert_eq!(
            format_number(Value::from(1234567)),
            "1\u{202f}234\u{202f}567"
        );
        assert_eq!(format_number(Value::from(-1200)), "-1\u{202f}200");
        assert_eq!(format_number(Value::from(12.5)), "12,5");
        assert_eq!(format_number(Value::from(999)), "999");
        assert_eq!(french_number(1234567.891), "1\u{202f}234\u{202f}567,89");
        assert_eq!(french_number(-12.0), "-12");
        assert_eq!(format_percent(Value::from(0.875)), "87,5\u{a0}%");
        assert_eq!(format_percent(Value::from(1.0)), "100\u{a0}%");
    }

    #[test]
    fn every_embedded_template_compiles() {
        let portal = Portal::new(&Config::default());
        for name in Portal::template_names() {
            if let Err(error) = portal.env.get_template(name) {
                panic!("{name}: {}", describe(&error));
            }
        }
    }

    #[test]
    fn colours_are_checked() {
        assert!(is_hex_colour("#1b4f8a"));
        assert!(!is_hex_colour("red;}body{display:none"));
        assert!(!is_hex_colour("#12345"));
    }

    #[test]
    fn template_names_stay_inside_the_folder() {
        assert!(is_plain_relative("base.html"));
        assert!(is_plain_relative("pages/x.html"));
        assert!(!is_plain_relative("../secret"));
        assert!(!is_plain_relative("/etc/passwd"));
    }

    #[test]
    fn operator_templates_win() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("erreur.html"), "à moi").unwrap();
        let loaded = load_template(Some(dir.path()), "erreur.html").unwrap();
        assert_eq!(loaded.as_deref(), Some("à moi"));
        let embedded = load_template(Some(dir.path()), "base.html")
            .unwrap()
            .unwrap();
        assert!(embedded.contains("lang=\"fr\""));
        assert!(load_template(None, "absent.html").unwrap().is_none());
    }
}
