//! Identifiers: database ids, content hashes and slugs.

use std::fmt;
use std::str::FromStr;

use crate::ParseError;

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        ///
        /// Ids are allocated by the store and never reused, even after a deletion, so they are stable
        /// enough to appear in URLs and in harvested metadata.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name(pub i64);

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }
    };
}

id_type!(
    /// Identifies an organisation.
    OrganisationId
);
id_type!(
    /// Identifies a dataset.
    DatasetId
);
id_type!(
    /// Identifies a resource (a file slot of a dataset, whose successive contents are versions).
    ResourceId
);
id_type!(
    /// Identifies one immutable version of a resource.
    VersionId
);
id_type!(
    /// Identifies a user account.
    UserId
);
id_type!(
    /// Identifies an API token.
    ApiTokenId
);

/// A SHA-256 digest: the address of a blob in the content-addressed store.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Sha256(pub [u8; 32]);

impl Sha256 {
    /// Lower-case hexadecimal, 64 characters: the form stored and shown everywhere.
    pub fn to_hex(&self) -> String {
        const DIGITS: &[u8; 16] = b"0123456789abcdef";
        let mut text = String::with_capacity(64);
        for byte in self.0 {
            text.push(char::from(DIGITS[usize::from(byte >> 4)]));
            text.push(char::from(DIGITS[usize::from(byte & 0xf)]));
        }
        text
    }

    /// Reads 64 hexadecimal digits (either case).
    pub fn parse_hex(text: &str) -> Result<Sha256, ParseError> {
        let error = || ParseError::with_hint("empreinte SHA-256", text, "64 chiffres hexadécimaux");
        if text.len() != 64 {
            return Err(error());
        }
        let mut bytes = [0u8; 32];
        for (idx, pair) in text.as_bytes().chunks(2).enumerate() {
            let high = hex_digit(pair[0]).ok_or_else(error)?;
            let low = hex_digit(pair[1]).ok_or_else(error)?;
            bytes[idx] = high << 4 | low;
        }
        Ok(Sha256(bytes))
    }
}

fn hex_digit(byte: u8) -> Option<u8> {
    match byte {
        b'0'..=b'9' => Some(byte - b'0'),
        b'a'..=b'f' => Some(byte - b'a' + 10),
        b'A'..=b'F' => Some(byte - b'A' + 10),
        _ => None,
    }
}

impl fmt::Display for Sha256 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_hex())
    }
}

impl fmt::Debug for Sha256 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Sha256({})", self.to_hex())
    }
}

impl FromStr for Sha256 {
    type Err = ParseError;
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Sha256::parse_hex(text)
    }
}

/// A URL-safe name: lower-case ASCII letters and digits separated by single hyphens, at most
/// [`Slug::MAX_LEN`] characters.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Slug(String);

impl Slug {
    pub const MAX_LEN: usize = 100;

    /// Checks an existing slug (it is not rewritten: see [`Slug::from_title`] for that).
    pub fn parse(text: &str) -> Result<Slug, ParseError> {
        let well_formed = !text.is_empty()
            && text.len() <= Self::MAX_LEN
            && text.split('-').all(|part| {
                !part.is_empty()
                    && part
                        .bytes()
                        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
            });
        if well_formed {
            Ok(Slug(text.to_owned()))
        } else {
            Err(ParseError::with_hint(
                "slug",
                text,
                "lettres minuscules sans accent, chiffres et tirets simples, 100 caractères au plus",
            ))
        }
    }

    /// Derives a slug from a French title: accents folded, everything else turned into hyphens.
    /// Returns `None` when nothing usable remains (a title made only of punctuation).
    pub fn from_title(title: &str) -> Option<Slug> {
        let mut slug = String::with_capacity(title.len());
        for c in title.chars().flat_map(char::to_lowercase) {
            match fold_french_letter(c) {
                Some(folded) => slug.push_str(folded),
                None if c.is_ascii_alphanumeric() => slug.push(c),
                None => {
                    if !slug.is_empty() && !slug.ends_with('-') {
                        slug.push('-');
                    }
                }
            }
        }
        if slug.len() > Self::MAX_LEN {
            // Cut between words, not inside one.
            let cut_inside_word = slug.as_bytes()[Self::MAX_LEN] != b'-';
            slug.truncate(Self::MAX_LEN);
            if cut_inside_word && let Some(last_hyphen) = slug.rfind('-') {
                slug.truncate(last_hyphen);
            }
        }
        let trimmed = slug.trim_matches('-');
        Slug::parse(trimmed).ok()
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The lower-case letters of French (and close neighbours) that are not plain ASCII.
fn fold_french_letter(c: char) -> Option<&'static str> {
    Some(match c {
        'à' | 'â' | 'ä' | 'á' | 'ã' | 'å' => "a",
        'ç' => "c",
        'é' | 'è' | 'ê' | 'ë' => "e",
        'î' | 'ï' | 'í' | 'ì' => "i",
        'ñ' => "n",
        'ô' | 'ö' | 'ó' | 'ò' | 'õ' => "o",
        'ù' | 'û' | 'ü' | 'ú' => "u",
        'ÿ' | 'ý' => "y",
        'œ' => "oe",
        'æ' => "ae",
        _ => return None,
    })
}

impl fmt::Display for Slug {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for Slug {
    type Err = ParseError;
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Slug::parse(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sha256_hex_round_trip() {
        let mut bytes = [0u8; 32];
        for (idx, byte) in bytes.iter_mut().enumerate() {
            *byte = (idx * 37 % 256) as u8;
        }
        let hash = Sha256(bytes);
        assert_eq!(Sha256::parse_hex(&hash.to_hex()).unwrap(), hash);
        assert_eq!(
            Sha256::parse_hex(&hash.to_hex().to_uppercase()).unwrap(),
            hash
        );
        assert!(Sha256::parse_hex("abc").is_err());
        assert!(Sha256::parse_hex(&"g".repeat(64)).is_err());
    }

    #[test]
    fn slugs_from_french_titles() {
        let check = |title: &str, expected: Option<&str>| {
            assert_eq!(
                Slug::from_title(title).as_ref().map(Slug::as_str),
                expected,
                "{title}"
            );
        };
        check(
            "Menus de la cantine — Écoles élémentaires",
            Some("menus-de-la-cantine-ecoles-elementaires"),
        );
        check(
            "  Subventions 2024 (œuvres) ",
            Some("subventions-2024-oeuvres"),
        );
        check(
            "Délibérations du conseil municipal",
            Some("deliberations-du-conseil-municipal"),
        );
        check("!!!", None);
        // Long titles are cut to the maximum length, never leaving a trailing hyphen.
        let long = Slug::from_title(&"ab ".repeat(80)).unwrap();
        assert_eq!(long.as_str().len(), 98);
        assert!(long.as_str().starts_with("ab-ab-") && long.as_str().ends_with("ab"));
    }

    #[test]
    fn slug_parse_rejects_malformed() {
        for bad in ["", "-a", "a-", "a--b", "Abc", "é", "a b", &"a".repeat(101)] {
            assert!(Slug::parse(bad).is_err(), "{bad}");
        }
        assert!(Slug::parse("menus-2024").is_ok());
    }
}
