//! Territories: the codes that say where an organisation acts or what a dataset covers, and the
//! referential rows (communes, EPCI, départements, régions) those codes point to.

use std::fmt;
use std::str::FromStr;

use crate::{ParseError, Siren};

/// A territory, written `<level>:<code>` (for example `commune:34172`, `epci:243400017`,
/// `departement:2A`, `region:76`, `pays:FR`).
///
/// The level prefix makes the code unambiguous: `34` alone could be a département or a
/// région-like COM code, and an EPCI is known by its SIREN, which looks like nothing else.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum TerritoryCode {
    /// An INSEE commune code (5 characters, Corsica uses `2A`/`2B`).
    Commune(String),
    /// An EPCI à fiscalité propre, by its SIREN.
    Epci(Siren),
    /// A département (or COM) code: `01`–`95`, `2A`, `2B`, `971`–`989`.
    Departement(String),
    /// A région (or COM) code: two or three digits.
    Region(String),
    /// The whole country (State services).
    France,
}

impl TerritoryCode {
    /// Reads the `<level>:<code>` form.
    pub fn parse(text: &str) -> Result<TerritoryCode, ParseError> {
        let error = || {
            ParseError::with_hint(
                "code de territoire",
                text,
                "attendu : commune:<code INSEE>, epci:<SIREN>, departement:<code>, region:<code> ou pays:FR",
            )
        };
        let (level, code) = text.split_once(':').ok_or_else(error)?;
        let territory = match level {
            "commune" if is_commune_code(code) => TerritoryCode::Commune(code.to_owned()),
            "epci" => TerritoryCode::Epci(Siren::parse(code).map_err(|_| error())?),
            "departement" if is_departement_code(code) => {
                TerritoryCode::Departement(code.to_owned())
            }
            "region" if is_region_code(code) => TerritoryCode::Region(code.to_owned()),
            "pays" if code == "FR" => TerritoryCode::France,
            _ => return Err(error()),
        };
        Ok(territory)
    }

    /// The level prefix (`commune`, `epci`, `departement`, `region`, `pays`).
    pub fn level(&self) -> &'static str {
        match self {
            TerritoryCode::Commune(_) => "commune",
            TerritoryCode::Epci(_) => "epci",
            TerritoryCode::Departement(_) => "departement",
            TerritoryCode::Region(_) => "region",
            TerritoryCode::France => "pays",
        }
    }

    /// The bare official code (`34172`, `243400017`, `FR`...), without the level prefix.
    pub fn code(&self) -> &str {
        match self {
            TerritoryCode::Commune(code)
            | TerritoryCode::Departement(code)
            | TerritoryCode::Region(code) => code,
            TerritoryCode::Epci(siren) => siren.as_str(),
            TerritoryCode::France => "FR",
        }
    }
}

/// `01001`–`95999`, `2A001`, `97101`, `98735`...
fn is_commune_code(code: &str) -> bool {
    let bytes = code.as_bytes();
    bytes.len() == 5
        && (bytes[..2].iter().all(u8::is_ascii_digit)
            || &bytes[..2] == b"2A"
            || &bytes[..2] == b"2B")
        && bytes[2..].iter().all(u8::is_ascii_digit)
}

fn is_departement_code(code: &str) -> bool {
    match code.len() {
        2 => code.bytes().all(|b| b.is_ascii_digit()) || code == "2A" || code == "2B",
        3 => code.starts_with('9') && code.bytes().all(|b| b.is_ascii_digit()),
        _ => false,
    }
}

fn is_region_code(code: &str) -> bool {
    (2..=3).contains(&code.len()) && code.bytes().all(|b| b.is_ascii_digit())
}

impl fmt::Display for TerritoryCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.level(), self.code())
    }
}

impl FromStr for TerritoryCode {
    type Err = ParseError;
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        TerritoryCode::parse(text)
    }
}

/// A current commune (COG), as listed in the bundled referential.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Commune {
    /// INSEE code (`34172`).
    pub code_insee: String,
    pub name: String,
    /// `metro`, `drom` or `com`.
    pub zone: String,
    /// Population municipale (INSEE); absent for uninhabited COM entries.
    pub population: Option<u64>,
    pub departement: String,
    pub region: String,
    pub arrondissement: Option<String>,
    /// The commune's own SIREN (absent for some COM entries).
    pub siren: Option<String>,
    /// The EPCI à fiscalité propre it belongs to, if any.
    pub epci_siren: Option<String>,
    pub postal_codes: Vec<String>,
}

/// An EPCI à fiscalité propre (DGCL list).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Epci {
    pub siren: String,
    pub name: String,
    /// `CC`, `CA`, `CU`, `METRO`, `MET69`.
    pub kind: String,
    /// `FPU` or `FA`.
    pub financing: String,
    pub population_total: Option<u64>,
    pub population_municipal: Option<u64>,
    pub commune_count: Option<u32>,
}

/// A département (or COM).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Departement {
    pub code: String,
    pub name: String,
    pub region: String,
    /// INSEE code of the prefecture's commune.
    pub chef_lieu: String,
    pub zone: String,
}

/// A région (or COM).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Region {
    pub code: String,
    pub name: String,
    pub chef_lieu: String,
    pub zone: String,
}

/// Every referential table at once: what `Store::import_referentials` replaces.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Referentials {
    pub communes: Vec<Commune>,
    pub epci: Vec<Epci>,
    pub departements: Vec<Departement>,
    pub regions: Vec<Region>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn territory_codes_round_trip() {
        for text in [
            "commune:34172",
            "commune:2A004",
            "epci:243400017",
            "departement:2B",
            "departement:974",
            "region:76",
            "pays:FR",
        ] {
            let territory = TerritoryCode::parse(text).unwrap();
            assert_eq!(territory.to_string(), text);
        }
        assert_eq!(
            TerritoryCode::parse("commune:34172").unwrap().code(),
            "34172"
        );
    }

    #[test]
    fn malformed_territory_codes_are_rejected() {
        for text in [
            "34172",
            "commune:3417",
            "commune:2C004",
            "epci:243400018",
            "departement:123",
            "departement:2C",
            "region:7",
            "pays:BE",
            "ville:34172",
        ] {
            assert!(TerritoryCode::parse(text).is_err(), "{text}");
        }
    }
}
