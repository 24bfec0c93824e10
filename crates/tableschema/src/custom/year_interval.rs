//! `year-interval-value`: the cell is a year interval `AAAA/AAAA` (second year later than the
//! first), or also a single year `AAAA` when `allow-year-only` is `"yes"` or `"true"`.
//!
//! Validata matches `^(\d{4})/(\d{4})$` with Python's `re`, where `$` also matches before a
//! final newline; Socle does the same. Python's `\d` also matches non-ASCII decimal digits
//! (e.g. Arabic-Indic); Socle only takes ASCII digits, which the schemas' patterns require.

use super::params::{Column, Params};
use super::{BuildError, CustomCheck, CustomError, cell};

pub(crate) const NAME: &str = "year-interval-value";

/// Why a cell is not a valid year interval.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum YearIntervalProblem {
    /// Neither `AAAA/AAAA` nor (when allowed) `AAAA`.
    Format { year_only_allowed: bool },
    /// `2017/2017`.
    SameYears,
    /// `2018/2017`.
    Reversed { first: u16, second: u16 },
}

/// What is wrong with `text` as a year interval, or `None` when it is valid.
pub fn year_interval_problem(text: &str, year_only_allowed: bool) -> Option<YearIntervalProblem> {
    // Python's `$` accepts one trailing newline.
    let text = text.strip_suffix('\n').unwrap_or(text);
    let format_problem = YearIntervalProblem::Format { year_only_allowed };
    match text.split_once('/') {
        Some((first, second)) => {
            let (Some(first), Some(second)) = (four_digit_year(first), four_digit_year(second))
            else {
                return Some(format_problem);
            };
            match first.cmp(&second) {
                std::cmp::Ordering::Less => None,
                std::cmp::Ordering::Equal => Some(YearIntervalProblem::SameYears),
                std::cmp::Ordering::Greater => {
                    Some(YearIntervalProblem::Reversed { first, second })
                }
            }
        }
        None if year_only_allowed && four_digit_year(text).is_some() => None,
        None => Some(format_problem),
    }
}

fn four_digit_year(text: &str) -> Option<u16> {
    (text.len() == 4 && text.bytes().all(|b| b.is_ascii_digit()))
        .then(|| text.parse().ok())
        .flatten()
}

/// The configured `year-interval-value` check.
#[derive(Debug)]
pub(crate) struct YearIntervalValue {
    column: Column,
    year_only_allowed: bool,
}

impl YearIntervalValue {
    pub fn build(params: &Params) -> Result<Self, BuildError> {
        // Validata declares the option as a string: anything but "true"/"yes" means no, and a
        // JSON boolean makes the check fail to initialise.
        let year_only_allowed = match params.optional_string("allow-year-only") {
            Ok(value) => matches!(value, Some("true" | "yes")),
            Err(_) => {
                return Err(params.invalid(
                    "le paramètre « allow-year-only » doit être du texte : \"yes\" (ou \"true\") \
                     pour accepter une année seule, sinon \"no\""
                        .to_owned(),
                    "parameter `allow-year-only` must be a string: \"yes\" (or \"true\") to \
                     accept a single year, otherwise \"no\""
                        .to_owned(),
                ));
            }
        };
        Ok(Self {
            column: params.column("column")?,
            year_only_allowed,
        })
    }
}

fn messages(value: &str, problem: YearIntervalProblem) -> (String, String) {
    match problem {
        YearIntervalProblem::Format {
            year_only_allowed: true,
        } => (
            format!(
                "« {value} » n'est ni une année (AAAA, ex. 2024) ni une période d'années \
                 (AAAA/AAAA, ex. 2024/2025)."
            ),
            format!(
                "`{value}` is neither a year (YYYY, e.g. 2024) nor a year interval \
                 (YYYY/YYYY, e.g. 2024/2025)."
            ),
        ),
        YearIntervalProblem::Format {
            year_only_allowed: false,
        } => (
            format!(
                "« {value} » n'est pas une période d'années au format AAAA/AAAA (ex. 2024/2025)."
            ),
            format!("`{value}` is not a year interval in the YYYY/YYYY format (e.g. 2024/2025)."),
        ),
        YearIntervalProblem::SameYears => (
            format!(
                "Période « {value} » invalide : les deux années doivent être différentes \
                 (pour une seule année, écrivez-la seule si le schéma l'autorise)."
            ),
            format!("Interval `{value}` is invalid: the two years must differ."),
        ),
        YearIntervalProblem::Reversed { first, second } => (
            format!(
                "Période « {value} » invalide : la deuxième année ({second}) doit être \
                 postérieure à la première ({first}) ; vouliez-vous écrire {second}/{first} ?"
            ),
            format!(
                "Interval `{value}` is invalid: the second year ({second}) must be later than \
                 the first ({first}); did you mean {second}/{first}?"
            ),
        ),
    }
}

impl CustomCheck for YearIntervalValue {
    fn name(&self) -> &'static str {
        NAME
    }

    fn check_row(&self, cells: &[Option<&str>], out: &mut Vec<CustomError>) {
        let Some(value) = cell(cells, self.column.index) else {
            return;
        };
        if let Some(problem) = year_interval_problem(value, self.year_only_allowed) {
            let (message_fr, message_en) = messages(value, problem);
            out.push(CustomError {
                code: NAME,
                field_index: Some(self.column.index),
                cell: value.to_owned(),
                message_fr,
                message_en,
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_intervals_and_optionally_single_years() {
        assert_eq!(year_interval_problem("2017/2018", false), None);
        assert_eq!(year_interval_problem("2017/2018\n", false), None);
        assert_eq!(year_interval_problem("2017", true), None);
        assert_eq!(
            year_interval_problem("2017", false),
            Some(YearIntervalProblem::Format {
                year_only_allowed: false
            })
        );
    }

    #[test]
    fn refuses_bad_intervals() {
        assert_eq!(
            year_interval_problem("2017/2017", true),
            Some(YearIntervalProblem::SameYears)
        );
        assert_eq!(
            year_interval_problem("2018/2017", true),
            Some(YearIntervalProblem::Reversed {
                first: 2018,
                second: 2017
            })
        );
        for bad in [
            "17/18",
            "2017-2018",
            "2017 / 2018",
            " 2017",
            "2017/2018/2019",
            "٢٠١٧",
        ] {
            assert!(year_interval_problem(bad, true).is_some(), "{bad}");
        }
    }

    #[test]
    fn reversed_message_suggests_the_fix() {
        let (fr, _) = messages(
            "2018/2017",
            year_interval_problem("2018/2017", true).unwrap(),
        );
        assert!(fr.contains("2017/2018"), "{fr}");
    }
}
