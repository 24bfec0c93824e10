//! SIREN/SIRET check keys (Luhn), to hard-code real identifiers safely and to generate fake
//! but well-formed establishment numbers.

use super::random::Rng;

pub use model::siren::is_luhn_valid;

/// Appends the digit that makes `prefix` + digit Luhn-valid.
pub(crate) fn with_check_digit(prefix: &str) -> String {
    (0..=9)
        .map(|digit| format!("{prefix}{digit}"))
        .find(|candidate| is_luhn_valid(candidate))
        .unwrap_or_else(|| unreachable!("one of ten check digits always completes a Luhn sum"))
}

/// A SIRET for establishment number `order` (1, 2, ...) of `siren`: NIC = 4-digit order + key.
///
/// Real NICs are assigned by INSEE; this one is only well formed (Luhn-valid), which is what
/// validators check.
pub(crate) fn siret(siren: &str, order: u32) -> String {
    with_check_digit(&format!("{siren}{:04}", order % 10_000))
}

/// A random Luhn-valid SIREN starting with `first_digit`, and the SIRET of its first establishment.
pub(crate) fn random_siret(rng: &mut Rng, first_digit: u8) -> String {
    let body = format!("{first_digit}{:07}", rng.below(10_000_000));
    let siren = with_check_digit(&body);
    siret(&siren, rng.between(1, 4) as u32)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_identifiers_pass_and_typos_fail() {
        // SIREN of the Région Occitanie and of Toulouse Métropole.
        assert!(is_luhn_valid("200053791"));
        assert!(is_luhn_valid("243100518"));
        assert!(!is_luhn_valid("200053792"));
        assert!(!is_luhn_valid("2000537a1"));
        assert!(!is_luhn_valid(""));
    }

    #[test]
    fn generated_sirets_are_well_formed() {
        let mut rng = Rng::new(1, "luhn");
        for _ in 0..200 {
            let siret = random_siret(&mut rng, 4);
            assert_eq!(siret.len(), 14);
            assert!(is_luhn_valid(&siret), "{siret}");
            assert!(is_luhn_valid(&siret[..9]), "SIREN of {siret}");
        }
        assert_eq!(siret("213105554", 1), "21310555400017");
    }
}
