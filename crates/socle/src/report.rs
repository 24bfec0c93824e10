//! Rendering a validation for people (grouped, in French or English) and for machines (JSON).

use std::collections::BTreeMap;

use catalogue::validation::{SchemaLabel, Validation, report_json};
use ingest::SourceInfo;
use tableschema::{DescriptorWarning, Lang, ReportError};

/// How many errors of one group the human report shows before summarising the rest.
const SHOWN_PER_GROUP: usize = 20;

/// The machine report: the format `docs/cli.md` documents.
pub fn render_json(
    validation: &Validation,
    schema: &SchemaLabel,
    warnings: &[DescriptorWarning],
    lang: Lang,
) -> String {
    let report = report_json(validation, schema, warnings, lang);
    serde_json::to_string_pretty(&report).unwrap_or_default()
}

/// The human report: a summary, then errors grouped by kind and column, with fixes.
pub fn render_human(
    validation: &Validation,
    schema: &SchemaLabel,
    warnings: &[DescriptorWarning],
    lang: Lang,
) -> String {
    let report = &validation.report;
    let mut out = String::new();
    let name = schema.name.as_deref().unwrap_or("?");
    let version = schema
        .version
        .as_deref()
        .map(|v| format!(" {v}"))
        .unwrap_or_default();
    out += &format!("{} : {name}{version}\n", pick(lang, "Schéma", "Schema"));
    if let Some(detection) = &schema.detection {
        out += &format!("  {detection}\n");
    }
    out += &format!(
        "{} : {}\n",
        pick(lang, "Lecture", "Read as"),
        describe_source(&validation.source, lang)
    );
    for warning in warnings {
        out += &format!(
            "{} : {} ({})\n",
            pick(lang, "Avertissement", "Warning"),
            warning.message(lang),
            warning.path
        );
    }
    for (fr, en) in &report.warnings {
        out += &format!(
            "{} : {}\n",
            pick(lang, "Avertissement", "Warning"),
            pick(lang, fr, en)
        );
    }
    out += "\n";
    out += &summary(validation, lang);
    for ((code, field), errors) in group(&report.errors) {
        out += &group_title(code, field, errors.len(), lang);
        for error in errors.iter().take(SHOWN_PER_GROUP) {
            out += &format!("  - {}{}\n", place(error, lang), error.message(lang));
        }
        if errors.len() > SHOWN_PER_GROUP {
            let more = errors.len() - SHOWN_PER_GROUP;
            out += &match lang {
                Lang::Fr => format!("  … et {more} autres (toutes avec `--format json`)\n"),
                Lang::En => format!("  … and {more} more (all of them with `--format json`)\n"),
            };
        }
    }
    out.trim_end().to_owned()
}

/// « ligne 12 : » before a row's error; nothing for header errors.
fn place(error: &ReportError, lang: Lang) -> String {
    match (error.row_number, lang) {
        (Some(row), Lang::Fr) => format!("ligne {row} : "),
        (Some(row), Lang::En) => format!("row {row}: "),
        (None, _) => String::new(),
    }
}

fn summary(validation: &Validation, lang: Lang) -> String {
    let report = &validation.report;
    let rows = report.stats.rows;
    let errors = report.stats.errors;
    match (report.valid, lang) {
        (true, Lang::Fr) => {
            format!("✔ Fichier valide : {rows} lignes de données conformes au schéma.\n")
        }
        (true, Lang::En) => format!("✔ Valid file: {rows} data rows conform to the schema.\n"),
        (false, Lang::Fr) => format!(
            "✘ Fichier non valide : {errors} erreur{} sur {rows} lignes de données.\n",
            plural(errors)
        ),
        (false, Lang::En) => format!(
            "✘ Invalid file: {errors} error{} in {rows} data rows.\n",
            plural(errors)
        ),
    }
}

/// Errors grouped by (error type, column), groups in order of first appearance.
fn group(errors: &[ReportError]) -> Vec<((&'static str, Option<&str>), Vec<&ReportError>)> {
    let mut order: BTreeMap<(&'static str, Option<&str>), (usize, Vec<&ReportError>)> =
        BTreeMap::new();
    for (position, error) in errors.iter().enumerate() {
        let key = (error.code.as_str(), error.field_name.as_deref());
        order
            .entry(key)
            .or_insert_with(|| (position, Vec::new()))
            .1
            .push(error);
    }
    let mut groups: Vec<_> = order
        .into_iter()
        .map(|(key, (first, list))| (first, key, list))
        .collect();
    groups.sort_by_key(|(first, _, _)| *first);
    groups
        .into_iter()
        .map(|(_, key, list)| (key, list))
        .collect()
}

fn group_title(code: &str, field: Option<&str>, count: usize, lang: Lang) -> String {
    let what = title_of(code, lang);
    let column = match (field, lang) {
        (Some(field), Lang::Fr) => format!(" — colonne « {field} »"),
        (Some(field), Lang::En) => format!(" — column “{field}”"),
        (None, _) => String::new(),
    };
    let times = match lang {
        Lang::Fr => format!("{count} erreur{}", plural(count)),
        Lang::En => format!("{count} error{}", plural(count)),
    };
    format!("\n{what}{column} ({times}, `{code}`)\n")
}

/// A short title per error type, for group headings.
fn title_of(code: &str, lang: Lang) -> &'static str {
    let (fr, en) = match code {
        "blank-header" => ("En-tête vide", "Blank header"),
        "duplicate-label" => ("Nom de colonne en double", "Duplicate column name"),
        "missing-label" => ("Colonne manquante", "Missing column"),
        "extra-label" => ("Colonne en trop", "Extra column"),
        "incorrect-label" => ("Nom de colonne inattendu", "Unexpected column name"),
        "blank-label" => ("Nom de colonne vide", "Blank column name"),
        "blank-row" => ("Ligne vide", "Blank row"),
        "extra-cell" => ("Cellule en trop", "Extra cell"),
        "missing-cell" => ("Cellule manquante", "Missing cell"),
        "type-error" => (
            "Valeur du mauvais type ou format",
            "Value of the wrong type or format",
        ),
        "constraint-error" => (
            "Valeur hors des règles du schéma",
            "Value breaking a schema rule",
        ),
        "unique-error" => ("Valeur en double", "Duplicate value"),
        "primary-key" => (
            "Clé primaire en double ou vide",
            "Duplicate or empty primary key",
        ),
        "foreign-key" => ("Référence introuvable", "Missing reference"),
        "encoding-error" => (
            "Caractères illisibles (encodage)",
            "Unreadable characters (encoding)",
        ),
        "french-siret-value" => ("SIRET invalide", "Invalid SIRET"),
        "french-siren-value" => ("SIREN invalide", "Invalid SIREN"),
        "opening-hours-value" => ("Horaires d'ouverture invalides", "Invalid opening hours"),
        _ => ("Contrôle du schéma non respecté", "Schema check failed"),
    };
    pick(lang, fr, en)
}

fn describe_source(source: &SourceInfo, lang: Lang) -> String {
    match lang {
        Lang::Fr => source.describe_fr(),
        Lang::En => {
            let mut parts = vec![format!("format: {}", source.format.name())];
            if let Some(encoding) = source.encoding {
                parts.push(format!("encoding: {}", encoding.name()));
            }
            if let Some(delimiter) = source.delimiter {
                parts.push(format!("delimiter: {:?}", char::from(delimiter)));
            }
            if let Some(sheet) = &source.sheet {
                parts.push(format!("sheet: {sheet}"));
            }
            parts.join(", ")
        }
    }
}

fn pick<'a>(lang: Lang, fr: &'a str, en: &'a str) -> &'a str {
    match lang {
        Lang::Fr => fr,
        Lang::En => en,
    }
}

fn plural(count: usize) -> &'static str {
    if count > 1 { "s" } else { "" }
}
