//! `french-siren-value`: the cell is a valid SIREN (French company number, 9 digits, Luhn key).
//!
//! Validata delegates to python-stdnum's `stdnum.fr.siren.is_valid`, which first "compacts"
//! the number: some Unicode look-alikes become ASCII (full-width digits, non-breaking spaces,
//! middle dots...), then spaces and dots are removed and surrounding whitespace is stripped.
//! So `552 008 443` and `552.008.443` are valid SIRENs for Validata (the schemas' `pattern`
//! constraints usually reject them separately). The SIREN check has no La Poste exception:
//! La Poste's SIREN 356000000 passes the Luhn key.

use super::params::{Column, Params};
use super::{CustomCheck, CustomError, cell};

pub(crate) const NAME: &str = "french-siren-value";

/// Why a text is not a valid SIREN or SIRET.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdentifierProblem {
    /// A character other than a digit, a space or a dot.
    NotDigits { found: char },
    /// Not the expected number of digits.
    WrongLength { digits: usize, expected: usize },
    /// The Luhn key is wrong.
    Checksum,
    /// A La Poste SIRET (SIREN 356000000) whose digit sum is not a multiple of 5.
    LaPosteChecksum { digit_sum: u32 },
    /// A SIRET whose own key is right but whose first 9 digits are not a valid SIREN.
    SirenChecksum,
}

/// Whether `text` is a valid SIREN, exactly as Validata (python-stdnum) decides.
pub fn is_valid_siren(text: &str) -> bool {
    siren_problem(text).is_none()
}

/// What is wrong with `text` as a SIREN, or `None` when it is valid.
pub fn siren_problem(text: &str) -> Option<IdentifierProblem> {
    // Fast path, by far the usual case: nine ASCII digits with a right key.
    if let Some(ascii) = ascii_digits::<9>(text)
        && ascii_luhn_is_valid(ascii)
    {
        return None;
    }
    let digits = match compact_digits(text, 9) {
        Ok(digits) => digits,
        Err(problem) => return Some(problem),
    };
    (!luhn_is_valid(&digits)).then_some(IdentifierProblem::Checksum)
}

/// The longest identifier checked (a SIRET).
const MAX_DIGITS: usize = 14;

/// The digit values (0-9) of a compacted identifier, kept on the stack: checking a cell must
/// not allocate.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Digits {
    values: [u8; MAX_DIGITS],
    len: usize,
}

impl Digits {
    /// The digit values of ASCII digits (at most [`MAX_DIGITS`] of them).
    fn from_ascii(ascii: &[u8]) -> Digits {
        let mut values = [0; MAX_DIGITS];
        let len = ascii.len().min(MAX_DIGITS);
        for (value, byte) in values.iter_mut().zip(&ascii[..len]) {
            *value = byte - b'0';
        }
        Digits { values, len }
    }
}

impl std::ops::Deref for Digits {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        &self.values[..self.len]
    }
}

/// python-stdnum's `compact` followed by its digit and length checks: the ASCII digits of
/// `text`, or the problem that stops there. `expected` is at most 14.
pub(crate) fn compact_digits(text: &str, expected: usize) -> Result<Digits, IdentifierProblem> {
    // Fast path, by far the usual case: nothing to compact, already the right digits.
    if text.len() == expected && text.bytes().all(|byte| byte.is_ascii_digit()) {
        return Ok(Digits::from_ascii(text.as_bytes()));
    }
    let kept: String = text
        .chars()
        .map(ascii_equivalent)
        .filter(|c| *c != ' ' && *c != '.')
        .collect();
    let trimmed = kept.trim_matches(is_python_whitespace);
    if trimmed.is_empty() {
        return Err(IdentifierProblem::WrongLength {
            digits: 0,
            expected,
        });
    }
    if let Some(found) = trimmed.chars().find(|c| !c.is_ascii_digit()) {
        return Err(IdentifierProblem::NotDigits { found });
    }
    if trimmed.len() != expected || expected > MAX_DIGITS {
        return Err(IdentifierProblem::WrongLength {
            digits: trimmed.len(),
            expected,
        });
    }
    Ok(Digits::from_ascii(trimmed.as_bytes()))
}

/// `text` as exactly `N` ASCII digits, if it is that.
#[inline]
pub(crate) fn ascii_digits<const N: usize>(text: &str) -> Option<&[u8; N]> {
    let ascii: &[u8; N] = text.as_bytes().try_into().ok()?;
    ascii.iter().all(u8::is_ascii_digit).then_some(ascii)
}

/// [`luhn_is_valid`] on ASCII digits of a known count (which lets the loop unroll): the
/// fast path of the usual, well-formed cells.
#[inline]
pub(crate) fn ascii_luhn_is_valid<const N: usize>(ascii: &[u8; N]) -> bool {
    const DOUBLED: [u32; 10] = [0, 2, 4, 6, 8, 1, 3, 5, 7, 9];
    let mut sum = 0u32;
    for (position, byte) in ascii.iter().rev().enumerate() {
        let digit = usize::from(byte.wrapping_sub(b'0')).min(9);
        sum += if position % 2 == 0 {
            digit as u32
        } else {
            DOUBLED[digit]
        };
    }
    sum.is_multiple_of(10)
}

/// The Luhn check on decimal digits (values 0-9).
pub(crate) fn luhn_is_valid(digits: &[u8]) -> bool {
    // Every second digit from the right is doubled, and the digits of the double summed.
    const DOUBLED: [u32; 10] = [0, 2, 4, 6, 8, 1, 3, 5, 7, 9];
    let mut sum = 0u32;
    for (position, &digit) in digits.iter().rev().enumerate() {
        let digit = u32::from(digit);
        sum += if position % 2 == 0 {
            digit
        } else {
            DOUBLED.get(digit as usize).copied().unwrap_or_else(|| {
                let doubled = digit * 2;
                doubled / 10 + doubled % 10
            })
        };
    }
    sum.is_multiple_of(10)
}

/// The subset of python-stdnum's look-alike table that can turn a character into a digit, a
/// space or a dot (the only ones that change a verdict).
fn ascii_equivalent(c: char) -> char {
    let code = u32::from(c);
    match code {
        // Full-width digits.
        0xFF10..=0xFF19 => char::from(b'0' + (code - 0xFF10) as u8),
        // Mathematical bold, double-struck, sans-serif, sans-serif bold and monospace digits.
        0x1D7CE..=0x1D7FF => char::from(b'0' + ((code - 0x1D7CE) % 10) as u8),
        0xA0 | 0x2000..=0x200A | 0x202F | 0x205F | 0x3000 => ' ',
        0xB7 | 0x2D9 | 0x387 | 0x6D4 | 0x701 | 0x702 | 0x830 | 0xF0B | 0xF0C | 0x16EB | 0x2022
        | 0x2024 | 0x2027 | 0x2219 | 0x22C5 | 0x2E31 | 0x2E33 | 0x3002 | 0x30FB | 0xFBB2
        | 0xFBB3 | 0xFE52 | 0xFF0E | 0xFF65 | 0x10101 | 0x1091F | 0x10A50 => '.',
        _ => c,
    }
}

/// Python's `str.isspace` (Rust's `char::is_whitespace` plus the ASCII separators 0x1C-0x1F).
fn is_python_whitespace(c: char) -> bool {
    c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c)
}

/// Which identifier a message is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Identifier {
    Siren,
    Siret,
}

/// French and English messages explaining `problem` for the cell `value`.
pub(crate) fn identifier_messages(
    identifier: Identifier,
    value: &str,
    problem: IdentifierProblem,
) -> (String, String) {
    let (label, other_hint_fr, other_hint_en) = match identifier {
        Identifier::Siren => (
            "SIREN",
            " C'est peut-être un SIRET : le SIREN en est les 9 premiers chiffres.",
            " It may be a SIRET: the SIREN is its first 9 digits.",
        ),
        Identifier::Siret => (
            "SIRET",
            " C'est peut-être un SIREN : le SIRET y ajoute les 5 chiffres (NIC) de l'établissement.",
            " It may be a SIREN: a SIRET adds the establishment's 5 digits (NIC).",
        ),
    };
    let lookup_fr = "Retrouvez le bon numéro sur https://annuaire-entreprises.data.gouv.fr.";
    let lookup_en = "Look the right number up on https://annuaire-entreprises.data.gouv.fr.";
    match problem {
        IdentifierProblem::NotDigits { found } => (
            format!(
                "« {value} » n'est pas un numéro {label} valide : il contient « {found} » ; \
                 un {label} ne contient que des chiffres (espaces et points tolérés)."
            ),
            format!(
                "`{value}` is not a valid {label}: it contains `{found}`; \
                 a {label} only has digits (spaces and dots are tolerated)."
            ),
        ),
        IdentifierProblem::WrongLength { digits, expected } => {
            let looks_like_other = matches!(
                (identifier, digits),
                (Identifier::Siren, 14) | (Identifier::Siret, 9)
            );
            let (hint_fr, hint_en) = if looks_like_other {
                (other_hint_fr, other_hint_en)
            } else {
                ("", "")
            };
            (
                format!(
                    "« {value} » n'est pas un numéro {label} valide : {digits} chiffre(s) au \
                     lieu de {expected}.{hint_fr}"
                ),
                format!(
                    "`{value}` is not a valid {label}: {digits} digit(s) instead of \
                     {expected}.{hint_en}"
                ),
            )
        }
        IdentifierProblem::Checksum => (
            format!(
                "Le numéro {label} « {value} » n'est pas valide : sa clé de contrôle (formule \
                 de Luhn) est fausse, un chiffre a sans doute été mal recopié ou inversé. {lookup_fr}"
            ),
            format!(
                "{label} `{value}` is not valid: its check digit (Luhn formula) is wrong, \
                 a digit was probably mistyped or swapped. {lookup_en}"
            ),
        ),
        IdentifierProblem::LaPosteChecksum { digit_sum } => (
            format!(
                "Le numéro SIRET « {value} » (établissement de La Poste, SIREN 356 000 000) \
                 n'est pas valide : pour La Poste, la somme des 14 chiffres doit être un \
                 multiple de 5 (elle vaut ici {digit_sum}). {lookup_fr}"
            ),
            format!(
                "SIRET `{value}` (a La Poste establishment, SIREN 356 000 000) is not valid: \
                 for La Poste the sum of the 14 digits must be a multiple of 5 (here \
                 {digit_sum}). {lookup_en}"
            ),
        ),
        IdentifierProblem::SirenChecksum => (
            format!(
                "Le numéro SIRET « {value} » n'est pas valide : sa clé est juste mais ses 9 \
                 premiers chiffres ne forment pas un SIREN valide (clé de Luhn fausse). {lookup_fr}"
            ),
            format!(
                "SIRET `{value}` is not valid: its own key is right but its first 9 digits \
                 are not a valid SIREN (wrong Luhn key). {lookup_en}"
            ),
        ),
    }
}

impl Identifier {
    /// The check's error type, as Validata spells it.
    fn code(self) -> &'static str {
        match self {
            Identifier::Siren => NAME,
            Identifier::Siret => super::siret::NAME,
        }
    }

    fn problem(self, value: &str) -> Option<IdentifierProblem> {
        match self {
            Identifier::Siren => siren_problem(value),
            Identifier::Siret => super::siret::siret_problem(value),
        }
    }
}

/// The configured `french-siren-value` or `french-siret-value` check: one column holding an
/// identifier whose digits and Luhn key are checked.
#[derive(Debug)]
pub(crate) struct FrenchIdentifierValue {
    name: &'static str,
    identifier: Identifier,
    column: Column,
}

impl FrenchIdentifierValue {
    /// `name` is the name the descriptor used (`french-siren-value`, or Validata's newer `siren`;
    /// likewise for SIRET).
    pub fn build(
        params: &Params,
        name: &'static str,
        identifier: Identifier,
    ) -> Result<Self, super::BuildError> {
        Ok(Self {
            name,
            identifier,
            column: params.column("column")?,
        })
    }
}

impl CustomCheck for FrenchIdentifierValue {
    fn name(&self) -> &'static str {
        self.name
    }

    fn check_row(&self, cells: &[Option<&str>], out: &mut Vec<CustomError>) {
        let Some(value) = cell(cells, self.column.index) else {
            return;
        };
        if let Some(problem) = self.identifier.problem(value) {
            let (message_fr, message_en) = identifier_messages(self.identifier, value, problem);
            out.push(CustomError {
                code: self.identifier.code(),
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
    fn accepts_real_sirens() {
        for siren in [
            "732829320",
            "404833048",
            "552008443",
            "356000000",
            "000000000",
        ] {
            assert!(is_valid_siren(siren), "{siren}");
        }
    }

    #[test]
    fn tolerates_the_separators_stdnum_removes() {
        assert!(is_valid_siren("552 008 443"));
        assert!(is_valid_siren("552.008.443"));
        assert!(is_valid_siren("552\u{a0}008\u{202f}443"));
        assert!(is_valid_siren(" 552008443\t"));
        assert!(is_valid_siren("５５２００８４４３"));
    }

    #[test]
    fn explains_each_problem() {
        assert_eq!(
            siren_problem("732829321"),
            Some(IdentifierProblem::Checksum)
        );
        assert_eq!(
            siren_problem("73282932"),
            Some(IdentifierProblem::WrongLength {
                digits: 8,
                expected: 9
            })
        );
        assert_eq!(
            siren_problem("73282932O"),
            Some(IdentifierProblem::NotDigits { found: 'O' })
        );
        assert_eq!(
            siren_problem("552-008-443"),
            Some(IdentifierProblem::NotDigits { found: '-' })
        );
        assert!(siren_problem("").is_some());
    }

    #[test]
    fn luhn_matches_known_values() {
        assert!(luhn_is_valid(&[7, 8, 9, 4, 9]));
        assert!(!luhn_is_valid(&[7, 8, 9, 4]));
    }

    proptest::proptest! {
        /// The fast path on ASCII digits decides as the general check does.
        #[test]
        fn ascii_luhn_agrees_with_the_digit_luhn(text in "[0-9]{14}") {
            let ascii: &[u8; 14] = text.as_bytes().try_into().unwrap();
            let values: Vec<u8> = text.bytes().map(|byte| byte - b'0').collect();
            proptest::prop_assert_eq!(ascii_luhn_is_valid(ascii), luhn_is_valid(&values));
            let prefix: &[u8; 9] = ascii[..9].try_into().unwrap();
            proptest::prop_assert_eq!(ascii_luhn_is_valid(prefix), luhn_is_valid(&values[..9]));
        }
    }

    #[test]
    fn messages_suggest_the_siret_confusion() {
        let problem = siren_problem("73282932000074").unwrap();
        let (fr, en) = identifier_messages(Identifier::Siren, "73282932000074", problem);
        assert!(fr.contains("14 chiffre(s) au lieu de 9"), "{fr}");
        assert!(fr.contains("peut-être un SIRET"), "{fr}");
        assert!(en.contains("SIRET"), "{en}");
    }
}
