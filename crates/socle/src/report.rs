//! Rendering a validation report for people (grouped, in French or English) and for machines
//! (JSON). Both start from the JSON report (`catalogue::validation::report_json`), which is also
//! what versions keep, so a stored report prints exactly like a fresh one.

use serde_json::Value as Json;
use tableschema::Lang;

/// How many errors of one group the human report shows before summarising the rest.
const SHOWN_PER_GROUP: usize = 20;

/// The machine report: the format `docs/cli.md` documents.
pub fn render_json(report: &Json) -> String {
    serde_json::to_string_pretty(report).unwrap_or_default()
}

/// The human report: what was read, a verdict, then errors grouped by kind and column.
pub fn render_human(report: &Json, lang: Lang) -> String {
    let mut out = String::new();
    let schema = &report["schema"];
    if let Some(name) = schema["name"].as_str() {
        let version = schema["version"]
            .as_str()
            .map(|v| format!(" {v}"))
            .unwrap_or_default();
        out += &format!("{} : {name}{version}\n", pick(lang, "Schéma", "Schema"));
    }
    if let Some(detection) = schema["detection"].as_str() {
        out += &format!("  {detection}\n");
    }
    if let Some(source) = describe_source(&report["source"], lang) {
        out += &format!("{} : {source}\n", pick(lang, "Lecture", "Read as"));
    }
    for warning in strings(&report["warnings"]) {
        out += &format!("{} : {warning}\n", pick(lang, "Avertissement", "Warning"));
    }
    out += "\n";
    out += &summary(report, lang);
    let errors = report["errors"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default();
    for ((code, field), group) in group(errors) {
        out += &group_title(code, field, group.len(), lang);
        for error in group.iter().take(SHOWN_PER_GROUP) {
            out += &format!(
                "  - {}{}\n",
                place(error, lang),
                error["message"].as_str().unwrap_or_default()
            );
        }
        if group.len() > SHOWN_PER_GROUP {
            let more = group.len() - SHOWN_PER_GROUP;
            out += &match lang {
                Lang::Fr => format!("  … et {more} autres (toutes avec `--format json`)\n"),
                Lang::En => format!("  … and {more} more (all of them with `--format json`)\n"),
            };
        }
    }
    out.trim_end().to_owned()
}

fn strings(list: &Json) -> impl Iterator<Item = &str> {
    list.as_array()
        .into_iter()
        .flatten()
        .filter_map(Json::as_str)
}

/// « ligne 12 : » before a row's error; nothing for header errors.
fn place(error: &Json, lang: Lang) -> String {
    match (error["rowNumber"].as_u64(), lang) {
        (Some(row), Lang::Fr) => format!("ligne {row} : "),
        (Some(row), Lang::En) => format!("row {row}: "),
        (None, _) => String::new(),
    }
}

fn summary(report: &Json, lang: Lang) -> String {
    let rows = report["stats"]["rows"].as_u64().unwrap_or(0);
    let errors = report["stats"]["errors"].as_u64().unwrap_or(0);
    let valid = report["valid"].as_bool().unwrap_or(false);
    match (valid, lang) {
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

/// What errors are grouped by: the error type and the column's name.
type GroupKey<'a> = (&'a str, Option<&'a str>);

/// Errors grouped by (error type, column), groups in order of first appearance.
fn group(errors: &[Json]) -> Vec<(GroupKey<'_>, Vec<&Json>)> {
    let mut groups: Vec<(GroupKey<'_>, Vec<&Json>)> = Vec::new();
    for error in errors {
        let field = error["fieldName"].as_str().filter(|name| !name.is_empty());
        let key = (error["type"].as_str().unwrap_or("?"), field);
        match groups.iter_mut().find(|(existing, _)| *existing == key) {
            Some((_, list)) => list.push(error),
            None => groups.push((key, vec![error])),
        }
    }
    groups
}

fn group_title(code: &str, field: Option<&str>, count: usize, lang: Lang) -> String {
    let what = title_of(code, lang);
    let column = match (field, lang) {
        (Some(field), Lang::Fr) => format!(" — colonne « {field} »"),
        (Some(field), Lang::En) => format!(" — column “{field}”"),
        (None, _) => String::new(),
    };
    let times = match lang {
        Lang::Fr => format!("{count} erreur{}", plural(count as u64)),
        Lang::En => format!("{count} error{}", plural(count as u64)),
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
        "source-error" => ("Fichier illisible", "Unreadable file"),
        "french-siret-value" => ("SIRET invalide", "Invalid SIRET"),
        "french-siren-value" => ("SIREN invalide", "Invalid SIREN"),
        "opening-hours-value" => ("Horaires d'ouverture invalides", "Invalid opening hours"),
        _ => ("Contrôle du schéma non respecté", "Schema check failed"),
    };
    pick(lang, fr, en)
}

fn describe_source(source: &Json, lang: Lang) -> Option<String> {
    let format = source["format"].as_str()?.to_uppercase();
    let gzip = source["compression"].as_str() == Some("gzip");
    let mut parts = vec![match (lang, gzip) {
        (Lang::Fr, true) => format!("format : {format} compressé gzip"),
        (Lang::Fr, false) => format!("format : {format}"),
        (Lang::En, true) => format!("format: gzip-compressed {format}"),
        (Lang::En, false) => format!("format: {format}"),
    }];
    if let Some(encoding) = source["encoding"].as_str() {
        parts.push(format!(
            "{} : {encoding}",
            pick(lang, "encodage", "encoding")
        ));
    }
    if let Some(delimiter) = source["delimiter"].as_str() {
        parts.push(format!(
            "{} : {}",
            pick(lang, "séparateur", "delimiter"),
            delimiter_name(delimiter, lang)
        ));
    }
    if let Some(sheet) = source["sheet"].as_str() {
        parts.push(format!("{} : « {sheet} »", pick(lang, "feuille", "sheet")));
    }
    Some(parts.join(", "))
}

fn delimiter_name(delimiter: &str, lang: Lang) -> String {
    match (delimiter, lang) {
        (",", Lang::Fr) => "virgule".to_owned(),
        (";", Lang::Fr) => "point-virgule".to_owned(),
        ("\t", Lang::Fr) => "tabulation".to_owned(),
        ("|", Lang::Fr) => "barre verticale".to_owned(),
        ("\t", Lang::En) => "tab".to_owned(),
        (other, _) => format!("« {other} »"),
    }
}

fn pick<'a>(lang: Lang, fr: &'a str, en: &'a str) -> &'a str {
    match lang {
        Lang::Fr => fr,
        Lang::En => en,
    }
}

fn plural(count: u64) -> &'static str {
    if count > 1 { "s" } else { "" }
}
