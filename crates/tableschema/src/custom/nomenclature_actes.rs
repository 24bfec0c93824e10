//! `nomenclature-actes-value`: the cell starts with one of the nine top-level subjects of the
//! @CTES nomenclature followed by a slash (`Urbanisme/Permis de construire`).
//!
//! Validata (frformat's `NomenclatureActe`) compares the text before the first `/` with the
//! nine subjects ignoring case and the accents è é ê ë à á â ã ä å ì í î ï ò ó ô õ ö ù ú û ü, and
//! refuses any `/ ` (slash followed by a space) in the value. Anything may follow the slash.
//!
//! One deliberate difference: frformat takes "the text before the slash" as `value[:-1]` when
//! there is no slash, so it accepts `Urbanismex` (a subject plus one character); Socle refuses
//! every value without a slash, as Validata's own documentation and message say.

use super::params::{Column, Params};
use super::{BuildError, CustomCheck, CustomError, cell};
use std::sync::LazyLock;

pub(crate) const NAME: &str = "nomenclature-actes-value";

/// The top-level subjects of the @CTES nomenclature, as written in the SCDL specification.
pub const NOMENCLATURE_ACTES_SUBJECTS: [&str; 9] = [
    "Commande publique",
    "Urbanisme",
    "Domaine et patrimoine",
    "Fonction publique",
    "Institutions et vie politique",
    "Libertés publiques et pouvoirs de police",
    "Finances locales",
    "Domaines de compétences par thèmes",
    "Autres domaines de compétences",
];

/// The subjects as compared: normalised once.
static NORMALIZED_SUBJECTS: LazyLock<Vec<String>> = LazyLock::new(|| {
    NOMENCLATURE_ACTES_SUBJECTS
        .iter()
        .map(|s| normalize(s))
        .collect()
});

/// Why a cell does not follow the nomenclature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NomenclatureProblem {
    /// No `/` at all.
    MissingSlash,
    /// The text before the first `/` is not one of the nine subjects.
    UnknownSubject { subject: String },
    /// The subject is right but surrounded by spaces (`Urbanisme /...`, ` Urbanisme/...`).
    SpaceAroundSubject { subject: String },
    /// A `/` followed by a space somewhere in the value.
    SpaceAfterSlash,
}

/// What is wrong with `text` as a nomenclature value, or `None` when it is valid.
pub fn nomenclature_actes_problem(text: &str) -> Option<NomenclatureProblem> {
    let Some((subject, _)) = text.split_once('/') else {
        return Some(NomenclatureProblem::MissingSlash);
    };
    let trimmed = subject.trim();
    if !NORMALIZED_SUBJECTS.contains(&normalize(trimmed)) {
        return Some(NomenclatureProblem::UnknownSubject {
            subject: trimmed.to_owned(),
        });
    }
    if trimmed != subject {
        return Some(NomenclatureProblem::SpaceAroundSubject {
            subject: trimmed.to_owned(),
        });
    }
    text.contains("/ ")
        .then_some(NomenclatureProblem::SpaceAfterSlash)
}

/// frformat's normalisation: lower case, then the listed accented vowels without accent.
fn normalize(text: &str) -> String {
    text.to_lowercase()
        .chars()
        .map(|c| match c {
            'è' | 'é' | 'ê' | 'ë' => 'e',
            'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' => 'a',
            'ì' | 'í' | 'î' | 'ï' => 'i',
            'ò' | 'ó' | 'ô' | 'õ' | 'ö' => 'o',
            'ù' | 'ú' | 'û' | 'ü' => 'u',
            other => other,
        })
        .collect()
}

fn messages(value: &str, problem: &NomenclatureProblem) -> (String, String) {
    let subjects = NOMENCLATURE_ACTES_SUBJECTS.join(", ");
    match problem {
        NomenclatureProblem::MissingSlash => (
            format!(
                "« {value} » ne suit pas la nomenclature Actes : le signe oblique « / » est \
                 manquant ; la valeur s'écrit « Matière/Sous-matière », la matière étant l'une \
                 de : {subjects}."
            ),
            format!(
                "`{value}` does not follow the Actes nomenclature: the slash `/` is missing; \
                 write `Subject/Sub-subject`, the subject being one of: {subjects}."
            ),
        ),
        NomenclatureProblem::UnknownSubject { subject } => (
            format!(
                "« {value} » ne suit pas la nomenclature Actes : la matière « {subject} » \
                 (avant le « / ») n'est pas reconnue ; elle doit être l'une de : {subjects} \
                 (majuscules et accents indifférents)."
            ),
            format!(
                "`{value}` does not follow the Actes nomenclature: subject `{subject}` (before \
                 the `/`) is unknown; it must be one of: {subjects} (case and accents ignored)."
            ),
        ),
        NomenclatureProblem::SpaceAroundSubject { subject } => (
            format!(
                "« {value} » ne suit pas la nomenclature Actes : retirez les espaces autour de \
                 la matière « {subject} » (le signe oblique ne doit pas être précédé d'espace)."
            ),
            format!(
                "`{value}` does not follow the Actes nomenclature: remove the spaces around \
                 subject `{subject}` (no space before the slash)."
            ),
        ),
        NomenclatureProblem::SpaceAfterSlash => (
            format!(
                "« {value} » ne suit pas la nomenclature Actes : le signe oblique ne doit pas \
                 être suivi d'espace (« Matière/Sous-matière »)."
            ),
            format!(
                "`{value}` does not follow the Actes nomenclature: no space may follow the \
                 slash (`Subject/Sub-subject`)."
            ),
        ),
    }
}

/// The configured `nomenclature-actes-value` check.
#[derive(Debug)]
pub(crate) struct NomenclatureActesValue {
    name: &'static str,
    column: Column,
}

impl NomenclatureActesValue {
    /// `name` is the name the descriptor used (`nomenclature-actes-value` or Validata's newer
    /// `nomenclature-acte`).
    pub fn build(params: &Params, name: &'static str) -> Result<Self, BuildError> {
        Ok(Self {
            name,
            column: params.column("column")?,
        })
    }
}

impl CustomCheck for NomenclatureActesValue {
    fn name(&self) -> &'static str {
        self.name
    }

    fn check_row(&self, cells: &[Option<&str>], out: &mut Vec<CustomError>) {
        let Some(value) = cell(cells, self.column.index) else {
            return;
        };
        if let Some(problem) = nomenclature_actes_problem(value) {
            let (message_fr, message_en) = messages(value, &problem);
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
    fn accepts_subjects_whatever_the_case_and_accents() {
        for value in [
            "Urbanisme/Permis de construire",
            "Urbanisme/",
            "URBANISME/x",
            "Libertes publiques et pouvoirs de police/x",
            "LIBERTÉS PUBLIQUES ET POUVOIRS DE POLICE/x",
            "Autres domaines de compétences/7.1",
        ] {
            assert_eq!(nomenclature_actes_problem(value), None, "{value}");
        }
    }

    #[test]
    fn explains_refusals() {
        assert_eq!(
            nomenclature_actes_problem("Urbanisme"),
            Some(NomenclatureProblem::MissingSlash)
        );
        assert_eq!(
            nomenclature_actes_problem("Urbanismex"),
            Some(NomenclatureProblem::MissingSlash)
        );
        assert_eq!(
            nomenclature_actes_problem("Urbanisme /x"),
            Some(NomenclatureProblem::SpaceAroundSubject {
                subject: "Urbanisme".into()
            })
        );
        assert_eq!(
            nomenclature_actes_problem("Urbanisme/x/ y"),
            Some(NomenclatureProblem::SpaceAfterSlash)
        );
        assert_eq!(
            nomenclature_actes_problem("Finances  locales/x"),
            Some(NomenclatureProblem::UnknownSubject {
                subject: "Finances  locales".into()
            })
        );
    }

    #[test]
    fn unknown_subject_message_lists_the_nine_subjects() {
        let problem = nomenclature_actes_problem("Autre/x").unwrap();
        let (fr, _) = messages("Autre/x", &problem);
        assert!(
            fr.contains("Commande publique") && fr.contains("Finances locales"),
            "{fr}"
        );
    }
}
