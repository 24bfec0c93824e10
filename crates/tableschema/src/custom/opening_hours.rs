//! `opening-hours-value`: the cell is an OpenStreetMap `opening_hours` expression.
//!
//! Validata calls `opening_hours.validate` from opening-hours-py 0.6.18, a binding of the Rust
//! crate opening-hours-syntax 0.6.18; [`parse_opening_hours`] accepts exactly what that
//! library accepts (see `opening_hours/grammar.rs`), which differs from the OSM wiki in places:
//! - `true`, `oui`, French day names, `9h-12h`, one-digit hours (`9:00`) are refused;
//! - a bare time (`10:00`) or `10:00+` is refused ("point in time" unsupported);
//! - an empty value, a lone space and a trailing `"; "` are accepted (empty rules);
//! - `10:00-16:00/30` makes the library panic, which crashes Validata's validation: Socle
//!   reports it as invalid and suggests `/00:30`.

mod grammar;

pub use grammar::{Expected, Unsupported};

use super::params::{Column, Params};
use super::{BuildError, CustomCheck, CustomError, cell};

pub(crate) const NAME: &str = "opening-hours-value";

const SPEC_URL: &str = "https://wiki.openstreetmap.org/wiki/Key:opening_hours";

/// Why a text is not an `opening_hours` expression Validata accepts.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OpeningHoursError {
    /// The text does not follow the grammar; `column` is the 1-based character position where
    /// the parser stopped, `found` the text from there (a few characters).
    #[error("syntax error at character {column}, expected {}", list_en(expected))]
    Syntax {
        column: usize,
        found: String,
        expected: Vec<Expected>,
    },
    /// The text follows the grammar, but the construct `text` is refused by the library.
    #[error("unsupported construct `{text}`: {what:?}")]
    Unsupported { text: String, what: Unsupported },
}

/// Parses `text` as Validata's opening_hours library does.
pub fn parse_opening_hours(text: &str) -> Result<(), OpeningHoursError> {
    grammar::parse(text).map_err(|failure| match failure {
        grammar::Failure::Syntax { at, expected } => OpeningHoursError::Syntax {
            column: text[..at].chars().count() + 1,
            found: text[at..].chars().take(12).collect(),
            expected,
        },
        grammar::Failure::Unsupported { start, end, what } => OpeningHoursError::Unsupported {
            text: text[start..end].to_owned(),
            what,
        },
    })
}

/// The most useful expectations first (at most six), as `A` or `one of: A; B; C`.
fn list(expected: &[Expected], describe: fn(Expected) -> String, one_of: &str) -> String {
    let shown: Vec<String> = expected.iter().take(6).map(|e| describe(*e)).collect();
    match shown.as_slice() {
        [single] => single.clone(),
        several => format!("{one_of} {}", several.join(" ; ")),
    }
}

fn list_fr(expected: &[Expected]) -> String {
    list(expected, Expected::fr, "l'un de :")
}

fn list_en(expected: &[Expected]) -> String {
    list(expected, Expected::en, "one of:").replace(" ; ", "; ")
}

impl OpeningHoursError {
    /// What is wrong, in French (without the general advice the check adds).
    pub fn detail_fr(&self) -> String {
        match self {
            OpeningHoursError::Syntax {
                column,
                found,
                expected,
            } => {
                let found = if found.is_empty() {
                    "à la fin de la valeur".to_owned()
                } else {
                    format!("devant « {found} »")
                };
                format!(
                    "au caractère {column} ({found}), attendu {}",
                    list_fr(expected)
                )
            }
            OpeningHoursError::Unsupported { text, what } => match what {
                Unsupported::PointInTime => format!(
                    "« {text} » est une heure seule, pas une plage horaire ; écrivez une plage \
                     comme « 10:00-12:00 »"
                ),
                Unsupported::RepeatInMinutes => format!(
                    "dans « {text} », la périodicité doit s'écrire en HH:MM (« /00:30 » et non \
                     « /30 ») ; sous cette forme, la bibliothèque de Validata s'arrête en erreur"
                ),
                Unsupported::NthFromEnd => format!(
                    "« {text} » (n-ième jour compté depuis la fin du mois) n'est pas pris en \
                     charge par la bibliothèque utilisée par Validata"
                ),
                Unsupported::EasterThenDayNumber => format!(
                    "« {text} » : une plage partant de « easter » doit finir par une date \
                     complète (ex. « easter-Apr 30 »), pas par un simple numéro de jour"
                ),
                Unsupported::NumberTooLarge { max } => {
                    format!("dans « {text} », le nombre dépasse le maximum accepté ({max})")
                }
            },
        }
    }

    /// What is wrong, in English.
    pub fn detail_en(&self) -> String {
        match self {
            OpeningHoursError::Syntax {
                column,
                found,
                expected,
            } => {
                let found = if found.is_empty() {
                    "at the end of the value".to_owned()
                } else {
                    format!("before `{found}`")
                };
                format!(
                    "at character {column} ({found}), expected {}",
                    list_en(expected)
                )
            }
            OpeningHoursError::Unsupported { text, what } => match what {
                Unsupported::PointInTime => format!(
                    "`{text}` is a single time, not a time range; write a range such as \
                     `10:00-12:00`"
                ),
                Unsupported::RepeatInMinutes => format!(
                    "in `{text}`, the repetition must be written HH:MM (`/00:30`, not `/30`); \
                     Validata's library crashes on this form"
                ),
                Unsupported::NthFromEnd => format!(
                    "`{text}` (nth day counted from the end of the month) is not supported by \
                     Validata's library"
                ),
                Unsupported::EasterThenDayNumber => format!(
                    "`{text}`: a range starting at `easter` must end with a full date (e.g. \
                     `easter-Apr 30`), not a bare day number"
                ),
                Unsupported::NumberTooLarge { max } => {
                    format!("in `{text}`, the number exceeds the accepted maximum ({max})")
                }
            },
        }
    }
}

/// Advice for the mistakes most often seen in French files, if `value` shows one.
fn hint(value: &str) -> Option<(&'static str, &'static str)> {
    let lower = value.trim().to_lowercase();
    if ["true", "false", "oui", "non", "vrai", "faux", "1", "0"].contains(&lower.as_str()) {
        return Some((
            "Un booléen n'est pas un horaire : pour un lieu toujours ouvert, écrivez « 24/7 ».",
            "A boolean is not an opening time: for a place always open, write `24/7`.",
        ));
    }
    let french_day = lower.split(|c: char| !c.is_alphabetic()).any(|word| {
        ["lu", "ma", "me", "je", "ve", "di"].contains(&word)
            || ["lun", "mard", "merc", "jeud", "vend", "sam", "dim"]
                .iter()
                .any(|day| word.starts_with(day))
    });
    let lowercase_day = ["mo", "tu", "we", "th", "fr", "sa", "su"]
        .iter()
        .any(|day| {
            value
                .split(|c: char| !c.is_alphabetic())
                .any(|word| word == *day || word == day.to_uppercase())
        });
    if french_day || lowercase_day {
        return Some((
            "Les jours s'écrivent en anglais sur deux lettres : Mo, Tu, We, Th, Fr, Sa, Su \
             (ex. « Mo-Fr 09:00-18:00 »).",
            "Weekdays are written as two English letters: Mo, Tu, We, Th, Fr, Sa, Su \
             (e.g. `Mo-Fr 09:00-18:00`).",
        ));
    }
    let has_h_hours = value
        .char_indices()
        .any(|(i, c)| c == 'h' && i > 0 && value.as_bytes()[i - 1].is_ascii_digit());
    if has_h_hours {
        return Some((
            "Les heures s'écrivent HH:MM sur 24 heures (« 09:00-12:00 » et non « 9h-12h »).",
            "Times are written HH:MM on 24 hours (`09:00-12:00`, not `9h-12h`).",
        ));
    }
    if value.contains(['–', '—']) {
        return Some((
            "Utilisez le tiret simple « - » entre deux jours ou deux heures.",
            "Use a plain hyphen `-` between two days or two times.",
        ));
    }
    if value.contains(';') && !value.contains("; ") {
        return Some((
            "Séparez les règles par « ; » suivi d'une espace (« Mo 09:00-12:00; Tu 10:00-11:00 »).",
            "Separate rules with `;` followed by a space (`Mo 09:00-12:00; Tu 10:00-11:00`).",
        ));
    }
    None
}

/// The configured `opening-hours-value` check.
#[derive(Debug)]
pub(crate) struct OpeningHoursValue {
    column: Column,
}

impl OpeningHoursValue {
    pub fn build(params: &Params) -> Result<Self, BuildError> {
        Ok(Self {
            column: params.column("column")?,
        })
    }
}

impl CustomCheck for OpeningHoursValue {
    fn name(&self) -> &'static str {
        NAME
    }

    fn check_row(&self, cells: &[Option<&str>], out: &mut Vec<CustomError>) {
        let Some(value) = cell(cells, self.column.index) else {
            return;
        };
        let Err(error) = parse_opening_hours(value) else {
            return;
        };
        let (hint_fr, hint_en) = hint(value)
            .map(|(fr, en)| (format!(" {fr}"), format!(" {en}")))
            .unwrap_or_default();
        out.push(CustomError {
            code: NAME,
            field_index: Some(self.column.index),
            cell: value.to_owned(),
            message_fr: format!(
                "Horaires d'ouverture incorrects : {}.{hint_fr} La valeur doit respecter la \
                 spécification OpenStreetMap de description d'horaires d'ouverture ({SPEC_URL}).",
                error.detail_fr()
            ),
            message_en: format!(
                "Incorrect opening hours: {}.{hint_en} The value must follow OpenStreetMap's \
                 opening_hours specification ({SPEC_URL}).",
                error.detail_en()
            ),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn common_values() {
        for valid in [
            "24/7",
            "Mo-Fr 08:00-12:00,14:00-18:00; Sa 09:00-12:00; PH off",
            "Mo-Su 00:00-24:00",
            "sunrise-sunset",
            "Apr-Oct: Mo-Fr 08:00-19:00",
            "Mo 10:00-12:00 || \"sur rendez-vous\"",
        ] {
            assert_eq!(parse_opening_hours(valid), Ok(()), "{valid}");
        }
        for invalid in [
            "true",
            "lundi 9h-12h",
            "Mo 9:00-12:00",
            "10:00",
            "mo 10:00-12:00",
        ] {
            assert!(parse_opening_hours(invalid).is_err(), "{invalid}");
        }
    }

    #[test]
    fn syntax_error_says_where_and_what() {
        let error = parse_opening_hours("Mo-Fr 9:00-12:00").unwrap_err();
        let OpeningHoursError::Syntax { column, found, .. } = &error else {
            panic!("{error:?}");
        };
        assert_eq!((*column, found.as_str()), (7, "9:00-12:00"));
        assert!(error.detail_fr().contains("HH:MM"), "{}", error.detail_fr());
    }

    #[test]
    fn the_covoiturage_example_true_is_invalid_with_a_hint() {
        let mut out = Vec::new();
        let check = OpeningHoursValue {
            column: Column {
                name: "horaires".into(),
                index: 0,
            },
        };
        check.check_row(&[Some("true")], &mut out);
        assert_eq!(out.len(), 1);
        assert!(out[0].message_fr.contains("24/7"), "{}", out[0].message_fr);
        assert!(
            out[0]
                .message_fr
                .starts_with("Horaires d'ouverture incorrects")
        );
    }

    #[test]
    fn hints_for_french_habits() {
        assert!(hint("Lu-Ve 9h-12h").unwrap().0.contains("Mo, Tu"));
        assert!(hint("Mo-Fr 9h-12h").unwrap().0.contains("HH:MM"));
        assert!(hint("Mo–Fr 09:00-12:00").unwrap().0.contains("tiret"));
        assert!(hint("Mo-Fr 09:00-12:00").is_none());
        assert!(hint("Mar-May Mo 09:00-12:00").is_none(), "Mar is a month");
    }
}
