//! `socle validate FILE --schema …`: checks a file and prints the report.

use std::fs::File;
use std::io::BufReader;
use std::path::Path;

use anyhow::Context;
use catalogue::bundled::{self, SCHEMAS};
use catalogue::validation::{
    SchemaChooser, SchemaLabel, ValidateOptions, Validation, report_json, validate,
};
use tableschema::{DescriptorWarning, FieldsMatch, Lang, Schema, header_match_score};

use super::Outcome;
use crate::cli::{self, ReportFormat, ValidateArgs};
use crate::report::{render_human, render_json};

pub fn run(args: &ValidateArgs) -> anyhow::Result<Outcome> {
    let lang = lang(args.lang);
    let mut chooser = Chooser::from_argument(&args.schema, lang)?;
    let file = File::open(&args.file).map_err(|error| {
        anyhow::anyhow!(
            "impossible d'ouvrir le fichier « {} » : {}",
            args.file.display(),
            io_error_fr(&error)
        )
    })?;
    let options = options(args)?;
    let validation = validate(BufReader::new(file), &mut chooser, &options)
        .map_err(|error| anyhow::anyhow!("{}", error.message_fr()))?;
    let (label, warnings) = chooser.into_parts();
    let report = report_json(&validation, &label, &warnings, lang);
    let rendered = match args.format {
        ReportFormat::Human => render_human(&report, lang),
        ReportFormat::Json => render_json(&report),
    };
    println!("{rendered}");
    Ok(outcome(&validation))
}

fn outcome(validation: &Validation) -> Outcome {
    if validation.report.valid {
        Outcome::Success
    } else {
        Outcome::Invalid
    }
}

pub fn lang(lang: cli::Lang) -> Lang {
    match lang {
        cli::Lang::Fr => Lang::Fr,
        cli::Lang::En => Lang::En,
    }
}

fn options(args: &ValidateArgs) -> anyhow::Result<ValidateOptions> {
    let encoding = match &args.encoding {
        Some(label) => Some(ingest::Encoding::from_label(label).with_context(|| {
            format!("encodage inconnu « {label} » : utf-8, windows-1252, iso-8859-1, iso-8859-15, utf-16le ou utf-16be")
        })?),
        None => None,
    };
    let delimiter = match args.delimiter {
        Some(delimiter) if delimiter.is_ascii() => Some(delimiter as u8),
        Some(delimiter) => anyhow::bail!(
            "séparateur « {delimiter} » non pris en charge : choisir un caractère ASCII comme « ; » ou « , »"
        ),
        None => None,
    };
    let threads = args
        .threads
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, usize::from));
    Ok(ValidateOptions {
        read: ingest::Options {
            encoding,
            delimiter,
            sheet: args.sheet.clone(),
            file_name: args
                .file
                .file_name()
                .map(|name| name.to_string_lossy().into_owned()),
        },
        check: tableschema::Options {
            max_errors: args.max_errors,
            fields_match: args.fields_match.map(fields_match),
        },
        threads,
    })
}

fn fields_match(mode: cli::FieldsMatch) -> FieldsMatch {
    match mode {
        cli::FieldsMatch::Exact => FieldsMatch::Exact,
        cli::FieldsMatch::Equal => FieldsMatch::Equal,
        cli::FieldsMatch::Subset => FieldsMatch::Subset,
        cli::FieldsMatch::Superset => FieldsMatch::Superset,
        cli::FieldsMatch::Partial => FieldsMatch::Partial,
    }
}

/// The schema to validate against: given, or picked from the header (`--schema auto`).
enum Chooser {
    Given {
        schema: Box<Schema>,
        label: SchemaLabel,
        warnings: Vec<DescriptorWarning>,
    },
    Auto {
        lang: Lang,
        candidates: Vec<(SchemaLabel, Schema, Vec<DescriptorWarning>)>,
        chosen: Option<usize>,
        confidence: f64,
    },
}

impl Chooser {
    fn from_argument(argument: &str, lang: Lang) -> anyhow::Result<Chooser> {
        if argument == "auto" {
            return Ok(Chooser::Auto {
                lang,
                candidates: bundled_candidates(),
                chosen: None,
                confidence: 0.0,
            });
        }
        let (descriptor, mut label) = read_descriptor(argument)?;
        let json: serde_json::Value = serde_json::from_str(&descriptor)
            .with_context(|| format!("le schéma « {argument} » n'est pas un JSON valide"))?;
        if label.version.is_none() {
            label.version = json
                .get("version")
                .and_then(|v| v.as_str())
                .map(str::to_owned);
        }
        let (schema, warnings) = Schema::from_json(&json).map_err(|error| {
            anyhow::anyhow!(
                "schéma « {argument} » inutilisable : {} (clé `{}`)",
                error.message(lang),
                error.path
            )
        })?;
        Ok(Chooser::Given {
            schema: Box::new(schema),
            label,
            warnings,
        })
    }

    fn into_parts(self) -> (SchemaLabel, Vec<DescriptorWarning>) {
        match self {
            Chooser::Given {
                label, warnings, ..
            } => (label, warnings),
            Chooser::Auto {
                lang,
                mut candidates,
                chosen,
                confidence,
            } => {
                let Some(index) = chosen else {
                    return (SchemaLabel::default(), Vec::new());
                };
                let (mut label, _, warnings) = candidates.swap_remove(index);
                label.detection = Some(detection_note(lang, confidence));
                (label, warnings)
            }
        }
    }
}

impl SchemaChooser for Chooser {
    fn choose(&mut self, header: &[&str]) -> &Schema {
        match self {
            Chooser::Given { schema, .. } => schema,
            Chooser::Auto {
                candidates,
                chosen,
                confidence,
                ..
            } => {
                let (best, score) = candidates
                    .iter()
                    .enumerate()
                    .map(|(index, (_, schema, _))| (index, header_match_score(schema, header)))
                    .fold(
                        (0, -1.0),
                        |best, next| if next.1 > best.1 { next } else { best },
                    );
                *chosen = Some(best);
                *confidence = score.max(0.0);
                &candidates[best].1
            }
        }
    }
}

/// Every bundled schema, parsed (they all parse: a test in `tableschema` loads each one).
fn bundled_candidates() -> Vec<(SchemaLabel, Schema, Vec<DescriptorWarning>)> {
    SCHEMAS
        .iter()
        .filter_map(|bundled| {
            let json = serde_json::from_str(bundled.descriptor).ok()?;
            let (schema, warnings) = Schema::from_json(&json).ok()?;
            let label = SchemaLabel {
                name: Some(bundled.name.to_owned()),
                version: Some(bundled.version.to_owned()),
                detection: None,
            };
            Some((label, schema, warnings))
        })
        .collect()
}

fn detection_note(lang: Lang, confidence: f64) -> String {
    let percent = (confidence * 100.0).round();
    let sure = match confidence {
        c if c >= 0.9 => ("très probable", "very likely"),
        c if c >= 0.6 => ("probable", "likely"),
        _ => (
            "incertain : vérifiez le schéma choisi",
            "uncertain: check the chosen schema",
        ),
    };
    match lang {
        Lang::Fr => format!(
            "schéma choisi d'après les en-têtes : {percent} % de colonnes en commun ({})",
            sure.0
        ),
        Lang::En => format!(
            "schema chosen from the header: {percent}% of columns in common ({})",
            sure.1
        ),
    }
}

/// A bundled schema by name (`name@version`), or a `schema.json` on disk.
fn read_descriptor(argument: &str) -> anyhow::Result<(String, SchemaLabel)> {
    let path = Path::new(argument);
    let looks_like_path =
        argument.ends_with(".json") || argument.contains(std::path::MAIN_SEPARATOR);
    if looks_like_path || path.is_file() {
        let text = std::fs::read_to_string(path).map_err(|error| {
            anyhow::anyhow!(
                "impossible de lire le schéma « {argument} » : {}",
                io_error_fr(&error)
            )
        })?;
        let label = SchemaLabel {
            name: path
                .parent()
                .and_then(Path::file_name)
                .map(|name| name.to_string_lossy().into_owned()),
            version: None,
            detection: None,
        };
        return Ok((text, label));
    }
    let bundled =
        bundled::find(argument).map_err(|error| anyhow::anyhow!("{}", error.message_fr()))?;
    let label = SchemaLabel {
        name: Some(bundled.name.to_owned()),
        version: Some(bundled.version.to_owned()),
        detection: None,
    };
    Ok((bundled.descriptor.to_owned(), label))
}

pub fn io_error_fr(error: &std::io::Error) -> &'static str {
    match error.kind() {
        std::io::ErrorKind::NotFound => "fichier introuvable",
        std::io::ErrorKind::PermissionDenied => "accès refusé",
        std::io::ErrorKind::IsADirectory => "c'est un dossier, pas un fichier",
        _ => "erreur de lecture",
    }
}
