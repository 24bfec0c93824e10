//! SIREN numbers: the 9-digit identifiers INSEE gives every legal entity, communes included.
//!
//! The ninth digit is a Luhn check digit over the first eight, so a typo in one digit is always caught.

use std::fmt;
use std::str::FromStr;

use crate::ParseError;

/// Whether `text` is exactly nine ASCII digits whose Luhn checksum is valid.
pub fn is_valid(text: &str) -> bool {
    text.len() == 9 && is_luhn_valid(text)
}

/// Whether a non-empty string of ASCII digits passes the Luhn check, whatever its length
/// (SIREN: 9 digits, SIRET: 14).
pub fn is_luhn_valid(digits: &str) -> bool {
    !digits.is_empty()
        && digits.bytes().all(|b| b.is_ascii_digit())
        && luhn_sum(digits).is_multiple_of(10)
}

/// The Luhn sum: from the right, every second digit is doubled (minus 9 when above 9).
fn luhn_sum(digits: &str) -> u32 {
    digits
        .bytes()
        .rev()
        .enumerate()
        .map(|(idx_from_right, byte)| {
            let digit = u32::from(byte - b'0');
            if idx_from_right % 2 == 1 {
                let doubled = digit * 2;
                if doubled > 9 { doubled - 9 } else { doubled }
            } else {
                digit
            }
        })
        .sum()
}

/// A checked SIREN number.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Siren(String);

impl Siren {
    /// Checks `text` (surrounding spaces and inner spaces, as in "210 100 012", are tolerated).
    pub fn parse(text: &str) -> Result<Siren, ParseError> {
        let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
        if is_valid(&compact) {
            Ok(Siren(compact))
        } else {
            Err(ParseError::with_hint(
                "SIREN",
                text,
                "9 chiffres dont une clé de Luhn",
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Siren {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for Siren {
    type Err = ParseError;
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Siren::parse(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn real_sirens_are_valid() {
        // Montpellier (commune), Montpellier Méditerranée Métropole, Région Occitanie, La Poste.
        for siren in [
            "213401722",
            "243400017",
            "200053791",
            "356000000",
            "210100012",
        ] {
            assert!(is_valid(siren), "{siren}");
        }
    }

    #[test]
    fn one_wrong_digit_is_caught() {
        let good = "213401722";
        for position in 0..9 {
            for replacement in b'0'..=b'9' {
                let mut bytes = good.as_bytes().to_vec();
                if bytes[position] == replacement {
                    continue;
                }
                bytes[position] = replacement;
                let text = String::from_utf8(bytes).unwrap();
                assert!(!is_valid(&text), "{text}");
            }
        }
    }

    #[test]
    fn shape_is_checked() {
        for bad in ["", "21340172", "2134017220", "21340172a", "２13401722"] {
            assert!(!is_valid(bad), "{bad}");
        }
        assert_eq!(Siren::parse(" 213 401 722 ").unwrap().as_str(), "213401722");
        let err = Siren::parse("123").unwrap_err();
        assert_eq!(
            err.to_string(),
            "SIREN invalide : « 123 » (9 chiffres dont une clé de Luhn)"
        );
    }
}
