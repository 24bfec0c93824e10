//! `french-siret-value`: the cell is a valid SIRET (French establishment number, 14 digits).
//!
//! Validata delegates to python-stdnum's `stdnum.fr.siret.is_valid`: same compaction as the
//! SIREN (spaces and dots removed), 14 digits, then
//! - La Poste's establishments (numbers starting with its SIREN 356000000, except its head
//!   office 35600000000048) do not use the Luhn key: the sum of the 14 digits must be a
//!   multiple of 5;
//! - every other SIRET must pass the Luhn key;
//! - and in both cases the first 9 digits must be a valid SIREN.

use super::siren::{
    IdentifierProblem, ascii_digits, ascii_luhn_is_valid, compact_digits, luhn_is_valid,
};

pub(crate) const NAME: &str = "french-siret-value";

/// La Poste's SIREN: its establishments' SIRETs follow a different key rule.
const LA_POSTE_SIREN: &[u8] = &[3, 5, 6, 0, 0, 0, 0, 0, 0];
/// La Poste's head office, the one La Poste SIRET that uses the ordinary Luhn key.
const LA_POSTE_HEAD_OFFICE: &[u8] = &[3, 5, 6, 0, 0, 0, 0, 0, 0, 0, 0, 0, 4, 8];

/// Whether `text` is a valid SIRET, exactly as Validata (python-stdnum) decides.
pub fn is_valid_siret(text: &str) -> bool {
    siret_problem(text).is_none()
}

/// What is wrong with `text` as a SIRET, or `None` when it is valid.
pub fn siret_problem(text: &str) -> Option<IdentifierProblem> {
    // Fast path, by far the usual case: 14 ASCII digits outside La Poste, both keys right.
    if let Some(ascii) = ascii_digits::<14>(text)
        && !ascii.starts_with(b"356000000")
        && ascii_luhn_is_valid(ascii)
        && ascii[..9].try_into().is_ok_and(ascii_luhn_is_valid::<9>)
    {
        return None;
    }
    let digits = match compact_digits(text, 14) {
        Ok(digits) => digits,
        Err(problem) => return Some(problem),
    };
    if digits.starts_with(LA_POSTE_SIREN) && digits[..] != *LA_POSTE_HEAD_OFFICE {
        let digit_sum: u32 = digits.iter().map(|&digit| u32::from(digit)).sum();
        if !digit_sum.is_multiple_of(5) {
            return Some(IdentifierProblem::LaPosteChecksum { digit_sum });
        }
    } else if !luhn_is_valid(&digits) {
        return Some(IdentifierProblem::Checksum);
    }
    (!luhn_is_valid(&digits[..9])).then_some(IdentifierProblem::SirenChecksum)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::custom::siren::{Identifier, identifier_messages};

    #[test]
    fn accepts_real_sirets() {
        assert!(is_valid_siret("73282932000074"));
        assert!(is_valid_siret("732 829 320 00074"));
        assert!(is_valid_siret("732.829.320.00074"));
        assert!(is_valid_siret("00000000000000"));
    }

    #[test]
    fn la_poste_uses_the_digit_sum_rule() {
        // 3+5+6+1 = 15: a multiple of 5, although the Luhn key fails.
        assert!(is_valid_siret("35600000000001"));
        assert!(!luhn_is_valid(&[3, 5, 6, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]));
        assert_eq!(
            siret_problem("35600000000002"),
            Some(IdentifierProblem::LaPosteChecksum { digit_sum: 16 })
        );
        // The head office uses the ordinary Luhn key; its neighbours follow the La Poste rule.
        assert!(is_valid_siret("35600000000048"));
        assert_eq!(
            siret_problem("35600000000049"),
            Some(IdentifierProblem::LaPosteChecksum { digit_sum: 27 })
        );
        // Outside La Poste, a digit sum multiple of 5 is no excuse for a wrong Luhn key.
        assert_eq!(
            siret_problem("73282932000079"),
            Some(IdentifierProblem::Checksum)
        );
    }

    #[test]
    fn explains_each_problem() {
        assert_eq!(
            siret_problem("73282932000079"),
            Some(IdentifierProblem::Checksum)
        );
        assert_eq!(
            siret_problem("732829320"),
            Some(IdentifierProblem::WrongLength {
                digits: 9,
                expected: 14
            })
        );
        // Luhn-valid over 14 digits, but 111111111 is not a valid SIREN.
        assert_eq!(
            siret_problem("11111111100006"),
            Some(IdentifierProblem::SirenChecksum)
        );
        assert_eq!(
            siret_problem("732-829-320-00074"),
            Some(IdentifierProblem::NotDigits { found: '-' })
        );
    }

    #[test]
    fn la_poste_message_gives_the_rule_and_the_sum() {
        let problem = siret_problem("35600000000002").unwrap();
        let (fr, _) = identifier_messages(Identifier::Siret, "35600000000002", problem);
        assert!(fr.contains("multiple de 5"), "{fr}");
        assert!(fr.contains("16"), "{fr}");
    }
}
