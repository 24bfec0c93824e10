//! Validation reports: error codes spelled as frictionless spells them, and plain messages in
//! French and English that say what was found, what was expected and, when possible, how to fix it.

use std::sync::Arc;

use serde_json::json;

use crate::error::Lang;
use crate::schema::{ConstraintKind, Field, FieldType};

/// The kind of a validation error; [`ErrorCode::as_str`] is frictionless's spelling.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorCode {
    BlankHeader,
    UnmatchedHeader,
    ExtraLabel,
    MissingLabel,
    BlankLabel,
    DuplicateLabel,
    IncorrectLabel,
    BlankRow,
    ExtraCell,
    MissingCell,
    TypeError,
    ConstraintError,
    UniqueError,
    PrimaryKey,
    ForeignKey,
    /// A Validata custom check (`french-siret-value`...).
    Custom(&'static str),
}

impl ErrorCode {
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::BlankHeader => "blank-header",
            ErrorCode::UnmatchedHeader => "unmatched-header",
            ErrorCode::ExtraLabel => "extra-label",
            ErrorCode::MissingLabel => "missing-label",
            ErrorCode::BlankLabel => "blank-label",
            ErrorCode::DuplicateLabel => "duplicate-label",
            ErrorCode::IncorrectLabel => "incorrect-label",
            ErrorCode::BlankRow => "blank-row",
            ErrorCode::ExtraCell => "extra-cell",
            ErrorCode::MissingCell => "missing-cell",
            ErrorCode::TypeError => "type-error",
            ErrorCode::ConstraintError => "constraint-error",
            ErrorCode::UniqueError => "unique-error",
            ErrorCode::PrimaryKey => "primary-key",
            ErrorCode::ForeignKey => "foreign-key",
            ErrorCode::Custom(code) => code,
        }
    }
}

/// What a message needs to know about the field of a cell error.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldInfo {
    pub kind: FieldType,
    pub format: String,
    /// The constraint's value as written (pattern, bound, length...).
    pub constraint_text: Option<String>,
    /// Allowed values of an `enum`, or true/false values of a boolean.
    pub allowed: Option<Arc<[String]>>,
}

/// Extra facts about one error.
#[derive(Debug, Clone, PartialEq)]
pub enum Details {
    None,
    /// A label error: the label found (header errors).
    Label {
        label: String,
        first_position: Option<usize>,
    },
    Type {
        field: FieldInfo,
    },
    Constraint {
        constraint: ConstraintKind,
        in_array_item: bool,
        field: FieldInfo,
    },
    /// `unique-error` or `primary-key`: the row where the value first appeared.
    Duplicate {
        first_row: u64,
        fields: Vec<String>,
    },
    /// `primary-key` when every key cell is empty.
    NullPrimaryKey {
        fields: Vec<String>,
    },
    ForeignKey {
        fields: Vec<String>,
        reference_fields: Vec<String>,
        values: Vec<String>,
    },
    Custom {
        message_fr: String,
        message_en: String,
    },
}

/// A suggested fix inferred from the faulty cell.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Hint {
    /// Write the date as ISO `AAAA-MM-JJ`.
    IsoDate { suggestion: String },
    /// Use a point as decimal separator.
    DecimalPoint { suggestion: String },
    /// Remove the spaces inside the value (numbers, SIRET...).
    RemoveSpaces { suggestion: String },
    /// Remove spaces at the start or end.
    Trim { suggestion: String },
    /// Use the field's boolean values.
    BooleanValues { suggestion: String },
    /// An allowed value differing only by case or accents.
    ClosestValue { suggestion: String },
    /// Write the number alone, without its unit or currency (`12 €`, `15 %`).
    RemoveUnit { suggestion: String },
    /// Write the time as `hh:mm:ss` (`10h30` → `10:30:00`).
    IsoTime { suggestion: String },
}

/// One problem found by validation.
#[derive(Debug, Clone, PartialEq)]
pub struct ReportError {
    pub code: ErrorCode,
    /// Row number in the file (header = 1); `None` for header errors.
    pub row_number: Option<u64>,
    /// 1-based column position, as frictionless reports it.
    pub field_number: Option<usize>,
    pub field_name: Option<String>,
    pub cell: Option<String>,
    pub details: Details,
    pub hint: Option<Hint>,
}

/// Counts shown at the top of a report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Stats {
    pub rows: u64,
    pub fields: usize,
    pub errors: usize,
    pub warnings: usize,
}

/// The outcome of validating one table.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Report {
    pub valid: bool,
    pub stats: Stats,
    pub errors: Vec<ReportError>,
    /// Report-level warnings (e.g. the error limit was reached), French then English.
    pub warnings: Vec<(String, String)>,
}

impl Report {
    /// The `valid`, `stats`, `errors` and `warnings` members of the JSON report, with the key
    /// names of the published format (`type`, `rowNumber`, `fieldNumber`, `fieldName`, `cell`, `message`).
    pub fn to_json(&self, lang: Lang) -> serde_json::Value {
        let errors: Vec<serde_json::Value> = self
            .errors
            .iter()
            .map(|error| {
                json!({
                    "type": error.code.as_str(),
                    "rowNumber": error.row_number,
                    "fieldNumber": error.field_number,
                    "fieldName": error.field_name,
                    "cell": error.cell,
                    "message": error.message(lang),
                })
            })
            .collect();
        let warnings: Vec<&str> = self
            .warnings
            .iter()
            .map(|(fr, en)| {
                if lang == Lang::Fr {
                    fr.as_str()
                } else {
                    en.as_str()
                }
            })
            .collect();
        json!({
            "valid": self.valid,
            "stats": {
                "rows": self.stats.rows,
                "fields": self.stats.fields,
                "errors": self.stats.errors,
                "warnings": self.stats.warnings,
            },
            "errors": errors,
            "warnings": warnings,
        })
    }
}

fn pick(lang: Lang, fr: String, en: String) -> String {
    if lang == Lang::Fr { fr } else { en }
}

fn type_name(kind: FieldType, lang: Lang) -> &'static str {
    let (fr, en) = match kind {
        FieldType::String => ("un texte", "a string"),
        FieldType::Number => ("un nombre", "a number"),
        FieldType::Integer => ("un nombre entier", "an integer"),
        FieldType::Boolean => ("un booléen", "a boolean"),
        FieldType::Object => ("un objet JSON", "a JSON object"),
        FieldType::Array => ("une liste JSON", "a JSON array"),
        FieldType::List => ("une liste de valeurs", "a list of values"),
        FieldType::Date => ("une date", "a date"),
        FieldType::Time => ("une heure", "a time"),
        FieldType::DateTime => ("une date et heure", "a datetime"),
        FieldType::Year => ("une année", "a year"),
        FieldType::YearMonth => ("un mois (année-mois)", "a year and month"),
        FieldType::Duration => ("une durée", "a duration"),
        FieldType::GeoPoint => ("un point géographique", "a geographic point"),
        FieldType::GeoJson => ("un objet GeoJSON", "a GeoJSON object"),
        FieldType::Any => ("une valeur", "a value"),
    };
    if lang == Lang::Fr { fr } else { en }
}

/// What the field expects, in words.
fn expected_form(field: &FieldInfo, lang: Lang) -> String {
    let format = field.format.as_str();
    let (fr, en): (String, String) = match (field.kind, format) {
        (FieldType::Date, "default") => (
            "date au format AAAA-MM-JJ".into(),
            "date in YYYY-MM-DD format".into(),
        ),
        (FieldType::DateTime, "default") => (
            "date et heure au format AAAA-MM-JJThh:mm:ss".into(),
            "datetime in YYYY-MM-DDThh:mm:ss format".into(),
        ),
        (FieldType::Time, "default") => (
            "heure au format hh:mm:ss".into(),
            "time in hh:mm:ss format".into(),
        ),
        (FieldType::Date | FieldType::DateTime | FieldType::Time, "any") => (
            format!("{} lisible", type_name(field.kind, Lang::Fr)),
            format!("{} readable", type_name(field.kind, Lang::En)),
        ),
        (FieldType::Date | FieldType::DateTime | FieldType::Time, pattern) => {
            let shown = pattern
                .replace("%Y", "AAAA")
                .replace("%m", "MM")
                .replace("%d", "JJ")
                .replace("%H", "hh")
                .replace("%M", "mm")
                .replace("%S", "ss");
            let shown_en = pattern
                .replace("%Y", "YYYY")
                .replace("%m", "MM")
                .replace("%d", "DD")
                .replace("%H", "hh")
                .replace("%M", "mm")
                .replace("%S", "ss");
            (
                format!("{} au format {shown}", type_name(field.kind, Lang::Fr)),
                format!("{} in {shown_en} format", type_name(field.kind, Lang::En)),
            )
        }
        (FieldType::Year, _) => (
            "année sur 4 chiffres (AAAA)".into(),
            "4-digit year (YYYY)".into(),
        ),
        (FieldType::YearMonth, _) => (
            "mois au format AAAA-MM".into(),
            "month in YYYY-MM format".into(),
        ),
        (FieldType::Duration, _) => (
            "durée ISO 8601 (ex. P1DT2H)".into(),
            "ISO 8601 duration (e.g. P1DT2H)".into(),
        ),
        (FieldType::GeoPoint, "array") => (
            "point « [lon, lat] »".into(),
            "point as `[lon, lat]`".into(),
        ),
        (FieldType::GeoPoint, "object") => (
            "point « {\"lon\": …, \"lat\": …} »".into(),
            "point as `{\"lon\": …, \"lat\": …}`".into(),
        ),
        (FieldType::GeoPoint, _) => ("point « lon, lat »".into(), "point as `lon, lat`".into()),
        (FieldType::String, "email") => ("adresse électronique".into(), "email address".into()),
        (FieldType::String, "uri") => (
            "adresse web (URI, ex. https://…)".into(),
            "URI (e.g. https://…)".into(),
        ),
        (FieldType::String, "uuid") => ("identifiant UUID".into(), "UUID".into()),
        (FieldType::String, "binary") => ("données base64".into(), "base64 data".into()),
        (FieldType::Boolean, _) => {
            let allowed = field
                .allowed
                .as_deref()
                .map(|values| values.join(", "))
                .unwrap_or_default();
            (
                format!("booléen ({allowed})"),
                format!("boolean ({allowed})"),
            )
        }
        (kind, _) => (
            type_name(kind, Lang::Fr).to_owned(),
            type_name(kind, Lang::En).to_owned(),
        ),
    };
    pick(lang, fr, en)
}

impl ReportError {
    /// The message for a person, with the fix when one can be inferred.
    pub fn message(&self, lang: Lang) -> String {
        let base = self.base_message(lang);
        match &self.hint {
            Some(hint) => format!("{base} ; {}", hint.message(lang)),
            None => base,
        }
    }

    fn base_message(&self, lang: Lang) -> String {
        let cell = self.cell.as_deref().unwrap_or("");
        let name = self.field_name.as_deref().unwrap_or("");
        let number = self
            .field_number
            .map(|number| number.to_string())
            .unwrap_or_default();
        match (&self.code, &self.details) {
            (ErrorCode::BlankHeader, _) => pick(
                lang,
                "l'en-tête est vide".into(),
                "the header is blank".into(),
            ),
            (ErrorCode::UnmatchedHeader, _) => pick(
                lang,
                "aucune colonne de l'en-tête ne correspond à un champ du schéma".into(),
                "no header column matches a schema field".into(),
            ),
            (ErrorCode::ExtraLabel, Details::Label { label, .. }) => pick(
                lang,
                format!("la colonne {number} « {label} » n'est pas prévue par le schéma"),
                format!("column {number} `{label}` is not in the schema"),
            ),
            (ErrorCode::MissingLabel, _) => pick(
                lang,
                format!("la colonne « {name} » attendue par le schéma est absente"),
                format!("column `{name}` required by the schema is missing"),
            ),
            (ErrorCode::BlankLabel, _) => pick(
                lang,
                format!("la colonne {number} n'a pas de nom (« {name} » attendu)"),
                format!("column {number} has no label (`{name}` expected)"),
            ),
            (
                ErrorCode::DuplicateLabel,
                Details::Label {
                    label,
                    first_position,
                },
            ) => pick(
                lang,
                format!(
                    "la colonne {number} « {label} » répète le nom de la colonne {}",
                    first_position.unwrap_or(0)
                ),
                format!(
                    "column {number} `{label}` repeats the label of column {}",
                    first_position.unwrap_or(0)
                ),
            ),
            (ErrorCode::IncorrectLabel, Details::Label { label, .. }) => pick(
                lang,
                format!("la colonne {number} s'appelle « {label} » au lieu de « {name} »"),
                format!("column {number} is labelled `{label}` instead of `{name}`"),
            ),
            (ErrorCode::BlankRow, _) => {
                pick(lang, "la ligne est vide".into(), "the row is blank".into())
            }
            (ErrorCode::ExtraCell, _) => pick(
                lang,
                format!("la ligne a une cellule de trop en colonne {number} (« {cell} »)"),
                format!("the row has an extra cell in column {number} (`{cell}`)"),
            ),
            (ErrorCode::MissingCell, _) => pick(
                lang,
                format!("la ligne n'a pas de cellule pour la colonne « {name} »"),
                format!("the row has no cell for column `{name}`"),
            ),
            (ErrorCode::TypeError, Details::Type { field }) => pick(
                lang,
                format!(
                    "« {cell} » n'est pas valide pour « {name} » (attendu : {})",
                    expected_form(field, Lang::Fr)
                ),
                format!(
                    "`{cell}` is not valid for `{name}` (expected: {})",
                    expected_form(field, Lang::En)
                ),
            ),
            (
                ErrorCode::ConstraintError,
                Details::Constraint {
                    constraint,
                    in_array_item,
                    field,
                },
            ) => {
                let (fr, en) = constraint_message(*constraint, field, cell, name);
                if *in_array_item {
                    pick(
                        lang,
                        format!("élément de liste : {fr}"),
                        format!("array item: {en}"),
                    )
                } else {
                    pick(lang, fr, en)
                }
            }
            (ErrorCode::UniqueError, Details::Duplicate { first_row, .. }) => pick(
                lang,
                format!(
                    "la valeur « {cell} » de « {name} » doit être unique, elle apparaît déjà ligne {first_row}"
                ),
                format!(
                    "value `{cell}` of `{name}` must be unique; it already appears in row {first_row}"
                ),
            ),
            (ErrorCode::PrimaryKey, Details::Duplicate { first_row, fields }) => pick(
                lang,
                format!(
                    "la clé primaire ({}) répète celle de la ligne {first_row}",
                    fields.join(", ")
                ),
                format!(
                    "the primary key ({}) repeats the one of row {first_row}",
                    fields.join(", ")
                ),
            ),
            (ErrorCode::PrimaryKey, Details::NullPrimaryKey { fields }) => pick(
                lang,
                format!("la clé primaire ({}) est vide", fields.join(", ")),
                format!("the primary key ({}) is empty", fields.join(", ")),
            ),
            (
                ErrorCode::ForeignKey,
                Details::ForeignKey {
                    fields,
                    reference_fields,
                    values,
                },
            ) => pick(
                lang,
                format!(
                    "la valeur « {} » de « {} » ne figure pas dans « {} » de ce fichier",
                    values.join(", "),
                    fields.join(", "),
                    reference_fields.join(", ")
                ),
                format!(
                    "value `{}` of `{}` is not found in `{}` of this file",
                    values.join(", "),
                    fields.join(", "),
                    reference_fields.join(", ")
                ),
            ),
            (
                _,
                Details::Custom {
                    message_fr,
                    message_en,
                },
            ) => pick(lang, message_fr.clone(), message_en.clone()),
            (code, _) => pick(
                lang,
                format!("erreur {}", code.as_str()),
                format!("{} error", code.as_str()),
            ),
        }
    }
}

fn constraint_message(
    kind: ConstraintKind,
    field: &FieldInfo,
    cell: &str,
    name: &str,
) -> (String, String) {
    let limit = field.constraint_text.as_deref().unwrap_or("");
    match kind {
        ConstraintKind::Required => (
            format!("« {name} » est obligatoire mais la cellule est vide"),
            format!("`{name}` is required but the cell is empty"),
        ),
        ConstraintKind::MinLength => (
            format!(
                "« {cell} » est trop court pour « {name} » : au moins {limit} caractères (ou éléments) attendus"
            ),
            format!(
                "`{cell}` is too short for `{name}`: at least {limit} characters (or items) expected"
            ),
        ),
        ConstraintKind::MaxLength => (
            format!(
                "« {cell} » est trop long pour « {name} » : au plus {limit} caractères (ou éléments) attendus"
            ),
            format!(
                "`{cell}` is too long for `{name}`: at most {limit} characters (or items) expected"
            ),
        ),
        ConstraintKind::Minimum => (
            format!("« {cell} » est inférieur au minimum {limit} de « {name} »"),
            format!("`{cell}` is below the minimum {limit} of `{name}`"),
        ),
        ConstraintKind::Maximum => (
            format!("« {cell} » dépasse le maximum {limit} de « {name} »"),
            format!("`{cell}` is above the maximum {limit} of `{name}`"),
        ),
        ConstraintKind::ExclusiveMinimum => (
            format!("« {cell} » doit être strictement supérieur à {limit} pour « {name} »"),
            format!("`{cell}` must be greater than {limit} for `{name}`"),
        ),
        ConstraintKind::ExclusiveMaximum => (
            format!("« {cell} » doit être strictement inférieur à {limit} pour « {name} »"),
            format!("`{cell}` must be less than {limit} for `{name}`"),
        ),
        ConstraintKind::Pattern => (
            format!("« {cell} » n'a pas la forme attendue pour « {name} » (motif {limit})"),
            format!("`{cell}` does not have the expected form for `{name}` (pattern {limit})"),
        ),
        ConstraintKind::Enum => {
            let allowed = field
                .allowed
                .as_deref()
                .map(|values| {
                    values
                        .iter()
                        .map(|value| format!("« {value} »"))
                        .collect::<Vec<_>>()
                        .join(", ")
                })
                .unwrap_or_default();
            let allowed_en = field
                .allowed
                .as_deref()
                .map(|values| {
                    values
                        .iter()
                        .map(|value| format!("`{value}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                })
                .unwrap_or_default();
            (
                format!(
                    "« {cell} » n'est pas une valeur autorisée pour « {name} » ; valeurs possibles : {allowed}"
                ),
                format!(
                    "`{cell}` is not an allowed value for `{name}`; allowed values: {allowed_en}"
                ),
            )
        }
    }
}

impl Hint {
    /// The fix, in words.
    pub fn message(&self, lang: Lang) -> String {
        match self {
            Hint::IsoDate { suggestion } => pick(
                lang,
                format!("écrire {suggestion}"),
                format!("write {suggestion}"),
            ),
            Hint::DecimalPoint { suggestion } => pick(
                lang,
                format!("utiliser le point comme séparateur décimal : {suggestion}"),
                format!("use a point as decimal separator: {suggestion}"),
            ),
            Hint::RemoveSpaces { suggestion } => pick(
                lang,
                format!("retirer les espaces : {suggestion}"),
                format!("remove the spaces: {suggestion}"),
            ),
            Hint::Trim { suggestion } => pick(
                lang,
                format!("retirer les espaces au début ou à la fin : « {suggestion} »"),
                format!("remove leading or trailing spaces: `{suggestion}`"),
            ),
            Hint::BooleanValues { suggestion } => pick(
                lang,
                format!("écrire {suggestion}"),
                format!("write {suggestion}"),
            ),
            Hint::ClosestValue { suggestion } => pick(
                lang,
                format!("vouliez-vous dire « {suggestion} » ?"),
                format!("did you mean `{suggestion}`?"),
            ),
            Hint::RemoveUnit { suggestion } => pick(
                lang,
                format!("écrire le nombre seul, sans unité ni symbole : {suggestion}"),
                format!("write the number alone, without unit or symbol: {suggestion}"),
            ),
            Hint::IsoTime { suggestion } => pick(
                lang,
                format!("écrire {suggestion}"),
                format!("write {suggestion}"),
            ),
        }
    }
}

/// Infers a fix for a faulty cell of `field`: a type error when `constraint` is `None`.
pub fn hint_for(field: &Field, constraint: Option<ConstraintKind>, cell: &str) -> Option<Hint> {
    let trimmed = cell.trim();
    let fixed_by = |candidate: &str| -> bool {
        let mut violations = Vec::new();
        let (value, type_error) = field.read_cell(Some(candidate), &mut violations);
        !type_error && violations.is_empty() && !value.is_null()
    };
    if trimmed != cell && !trimmed.is_empty() && fixed_by(trimmed) {
        return Some(Hint::Trim {
            suggestion: trimmed.to_owned(),
        });
    }
    match (field.kind, constraint) {
        (FieldType::Date | FieldType::DateTime, None) => {
            let date = french_date_to_iso(trimmed)?;
            let suggestion = if field.kind == FieldType::Date {
                date
            } else {
                format!("{date}T00:00:00")
            };
            fixed_by(&suggestion).then_some(Hint::IsoDate { suggestion })
        }
        (FieldType::Number, None) if field.decimal_char() == "." => {
            let without_spaces: String = trimmed
                .chars()
                .filter(|char| !char.is_whitespace() && *char != '\u{a0}' && *char != '\u{202f}')
                .collect();
            let number_only = without_number_decorations(&without_spaces);
            if number_only.matches(',').count() == 1 {
                let suggestion = number_only.replace(',', ".");
                return fixed_by(&suggestion).then_some(Hint::DecimalPoint { suggestion });
            }
            if number_only != without_spaces && fixed_by(number_only) {
                return Some(Hint::RemoveUnit {
                    suggestion: number_only.to_owned(),
                });
            }
            (without_spaces != trimmed && fixed_by(&without_spaces)).then_some(Hint::RemoveSpaces {
                suggestion: without_spaces,
            })
        }
        (FieldType::Time, None) => {
            let (hours, minutes) = trimmed.split_once(['h', 'H'])?;
            let hours: u8 = hours.trim().parse().ok()?;
            let minutes: u8 = if minutes.trim().is_empty() {
                0
            } else {
                minutes.trim().parse().ok()?
            };
            let suggestion = format!("{hours:02}:{minutes:02}:00");
            fixed_by(&suggestion).then_some(Hint::IsoTime { suggestion })
        }
        (FieldType::Integer, None)
        | (FieldType::String, Some(ConstraintKind::Pattern | ConstraintKind::MaxLength)) => {
            let without_spaces: String = trimmed
                .chars()
                .filter(|char| !char.is_whitespace() && *char != '\u{a0}' && *char != '\u{202f}')
                .collect();
            if without_spaces != trimmed && fixed_by(&without_spaces) {
                return Some(Hint::RemoveSpaces {
                    suggestion: without_spaces,
                });
            }
            let pattern = field
                .constraints
                .pattern
                .as_ref()
                .filter(|_| constraint == Some(ConstraintKind::Pattern))?;
            closest_value(
                pattern_literals(&pattern.source)?
                    .iter()
                    .map(String::as_str),
                cell,
            )
        }
        (FieldType::Boolean, None) => {
            let (true_values, false_values) = field.boolean_values()?;
            let folded = fold(trimmed);
            let is_true = ["oui", "o", "vrai", "yes", "y", "true", "x"].contains(&folded.as_str());
            let is_false = ["non", "n", "faux", "no", "false"].contains(&folded.as_str());
            let suggestion = if is_true {
                true_values.first()?
            } else if is_false {
                false_values.first()?
            } else {
                return None;
            };
            Some(Hint::BooleanValues {
                suggestion: suggestion.clone(),
            })
        }
        (_, Some(ConstraintKind::Enum)) => {
            let allowed = field.constraints.enumeration.as_ref()?;
            closest_value(allowed.texts.iter().map(String::as_str), cell)
        }
        _ => None,
    }
}

/// The number inside `12 €`, `€12`, `15%`, `3 m²`: the text from the first digit or sign to
/// the last digit.
fn without_number_decorations(text: &str) -> &str {
    let start = text
        .find(|char: char| char.is_ascii_digit() || char == '-' || char == '+')
        .unwrap_or(0);
    let end = text
        .rfind(|char: char| char.is_ascii_digit())
        .map_or(text.len(), |index| index + 1);
    if start < end { &text[start..end] } else { text }
}

/// An allowed value equal to the cell but for case, accents or surrounding spaces.
fn closest_value<'a>(allowed: impl Iterator<Item = &'a str>, cell: &str) -> Option<Hint> {
    let folded = fold(cell);
    allowed
        .into_iter()
        .find(|text| fold(text) == folded && *text != cell)
        .map(|text| Hint::ClosestValue {
            suggestion: text.to_owned(),
        })
}

/// The values of a pattern that is only a list of literal alternatives, as some schemas
/// write their enumerations: `(^Marché$)|(^Accord-cadre$)` → `["Marché", "Accord-cadre"]`.
pub(crate) fn pattern_literals(source: &str) -> Option<Vec<String>> {
    let mut literals = Vec::new();
    for alternative in source.split('|') {
        let text = alternative
            .trim_start_matches(['(', '^'])
            .trim_end_matches([')', '$']);
        let mut literal = String::new();
        let mut chars = text.chars();
        while let Some(char) = chars.next() {
            match char {
                '\\' => literal.push(chars.next().filter(|escaped| !escaped.is_alphanumeric())?),
                '(' | ')' | '[' | ']' | '{' | '}' | '.' | '*' | '+' | '?' | '^' | '$' | '|' => {
                    return None;
                }
                other => literal.push(other),
            }
        }
        if literal.is_empty() {
            return None;
        }
        literals.push(literal);
    }
    (literals.len() > 1).then_some(literals)
}

/// `05/03/2024` or `5-3-2024` (day first, as in France) → `2024-03-05`.
fn french_date_to_iso(text: &str) -> Option<String> {
    let parts: Vec<&str> = text.split(['/', '-', '.']).collect();
    let [day, month, year] = parts.as_slice() else {
        return None;
    };
    let all_digits =
        |part: &str| !part.is_empty() && part.bytes().all(|byte| byte.is_ascii_digit());
    if !(all_digits(day) && all_digits(month) && all_digits(year))
        || day.len() > 2
        || month.len() > 2
        || year.len() != 4
    {
        return None;
    }
    Some(format!("{year}-{month:0>2}-{day:0>2}"))
}

/// Lower case without accents, to compare values the way people do.
pub(crate) fn fold(text: &str) -> String {
    text.trim()
        .chars()
        .flat_map(char::to_lowercase)
        .map(|char| match char {
            'à' | 'â' | 'ä' | 'á' | 'ã' => 'a',
            'é' | 'è' | 'ê' | 'ë' => 'e',
            'î' | 'ï' | 'í' => 'i',
            'ô' | 'ö' | 'ó' => 'o',
            'ù' | 'û' | 'ü' | 'ú' => 'u',
            'ç' => 'c',
            'ÿ' => 'y',
            'œ' => 'o',
            other => other,
        })
        .collect()
}

/// What a message needs from the field for a type or constraint error.
pub(crate) fn field_info(field: &Field, constraint: Option<ConstraintKind>) -> FieldInfo {
    let constraints = &field.constraints;
    let constraint_text = constraint.and_then(|kind| match kind {
        ConstraintKind::MinLength => constraints.min_length.map(|value| value.to_string()),
        ConstraintKind::MaxLength => constraints.max_length.map(|value| value.to_string()),
        ConstraintKind::Minimum => constraints.minimum.as_ref().map(|bound| bound.text.clone()),
        ConstraintKind::Maximum => constraints.maximum.as_ref().map(|bound| bound.text.clone()),
        ConstraintKind::ExclusiveMinimum => constraints
            .exclusive_minimum
            .as_ref()
            .map(|bound| bound.text.clone()),
        ConstraintKind::ExclusiveMaximum => constraints
            .exclusive_maximum
            .as_ref()
            .map(|bound| bound.text.clone()),
        ConstraintKind::Pattern => constraints
            .pattern
            .as_ref()
            .map(|pattern| pattern.source.clone()),
        ConstraintKind::Required | ConstraintKind::Enum => None,
    });
    let allowed = match constraint {
        Some(ConstraintKind::Enum) => constraints
            .enumeration
            .as_ref()
            .map(|enumeration| enumeration.texts.clone()),
        None => field.boolean_values().map(|(true_values, false_values)| {
            true_values
                .iter()
                .chain(false_values)
                .cloned()
                .collect::<Vec<_>>()
                .into()
        }),
        _ => None,
    };
    FieldInfo {
        kind: field.kind,
        format: field.format.clone(),
        constraint_text,
        allowed,
    }
}
