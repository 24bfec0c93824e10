//! The demo's organisations: real Occitanie authorities with their true identifiers, taken from
//! the shared referential (`communes.csv`, `epci.csv`, `regions.csv`; tests re-check each one).

use super::luhn;

/// What kind of authority an organisation is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OrganisationKind {
    Commune,
    /// An EPCI à fiscalité propre (here a métropole).
    Epci,
    Region,
}

impl OrganisationKind {
    /// The lowercase code used in URLs and the database: `commune`, `epci`, `region`.
    pub fn as_str(self) -> &'static str {
        match self {
            OrganisationKind::Commune => "commune",
            OrganisationKind::Epci => "epci",
            OrganisationKind::Region => "region",
        }
    }
}

/// One organisation of the demo portal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoOrganisation {
    /// Short identifier for URLs: `toulouse`, `toulouse-metropole`, `region-occitanie`.
    pub slug: &'static str,
    /// Name as in the referential: `Toulouse`, `Toulouse Métropole`, `Occitanie`.
    pub name: &'static str,
    /// Name as the authority signs its data: `Ville de Toulouse`, `Région Occitanie`.
    pub official_name: &'static str,
    pub kind: OrganisationKind,
    /// The authority's true SIREN (9 digits, Luhn-valid).
    pub siren: &'static str,
    /// INSEE code for a commune, SIREN for an EPCI, region code for a region.
    pub territory_code: &'static str,
    /// Code of the département of the seat.
    pub departement: &'static str,
    /// Population municipale: INSEE 2023 for communes and the region (sum of its communes),
    /// DGCL 2026 file for the EPCI (see the referential's SOURCES.md).
    pub population: u32,
    /// A contact address on a reserved `.example` domain: never a real mailbox.
    pub contact_email: &'static str,
    /// SIREN of the organisation publishing on this one's behalf, if any (member communes of
    /// Toulouse Métropole whose data the métropole publishes).
    pub published_by: Option<&'static str>,
}

impl DemoOrganisation {
    /// SIRET of the head office: the SIREN plus a well-formed NIC. The NIC is computed
    /// (order 1 + Luhn key), not looked up in SIRENE: good enough for demo files.
    pub fn siret(&self) -> String {
        luhn::siret(self.siren, 1)
    }

    /// The reserved domain of the organisation's fake website and mailboxes.
    pub fn domain(&self) -> String {
        format!("{}.example", self.slug)
    }
}

/// SIREN of Toulouse Métropole, publisher on behalf of some of its member communes.
pub const TOULOUSE_METROPOLE_SIREN: &str = "243100518";

/// The organisations of the demo: the Région, Toulouse Métropole and six communes of varied size
/// in five départements; Toulouse and Cornebarrieu are published by Toulouse Métropole.
pub fn organisations() -> Vec<DemoOrganisation> {
    vec![
        DemoOrganisation {
            slug: "region-occitanie",
            name: "Occitanie",
            official_name: "Région Occitanie",
            kind: OrganisationKind::Region,
            siren: "200053791",
            territory_code: "76",
            departement: "31",
            population: 6_124_653,
            contact_email: "opendata@region-occitanie.example",
            published_by: None,
        },
        DemoOrganisation {
            slug: "toulouse-metropole",
            name: "Toulouse Métropole",
            official_name: "Toulouse Métropole",
            kind: OrganisationKind::Epci,
            siren: TOULOUSE_METROPOLE_SIREN,
            territory_code: TOULOUSE_METROPOLE_SIREN,
            departement: "31",
            population: 832_348,
            contact_email: "opendata@toulouse-metropole.example",
            published_by: None,
        },
        DemoOrganisation {
            slug: "toulouse",
            name: "Toulouse",
            official_name: "Ville de Toulouse",
            kind: OrganisationKind::Commune,
            siren: "213105554",
            territory_code: "31555",
            departement: "31",
            population: 514_819,
            contact_email: "opendata@toulouse.example",
            published_by: Some(TOULOUSE_METROPOLE_SIREN),
        },
        DemoOrganisation {
            slug: "montpellier",
            name: "Montpellier",
            official_name: "Ville de Montpellier",
            kind: OrganisationKind::Commune,
            siren: "213401722",
            territory_code: "34172",
            departement: "34",
            population: 310_240,
            contact_email: "opendata@montpellier.example",
            published_by: None,
        },
        DemoOrganisation {
            slug: "albi",
            name: "Albi",
            official_name: "Ville d'Albi",
            kind: OrganisationKind::Commune,
            siren: "218100048",
            territory_code: "81004",
            departement: "81",
            population: 51_290,
            contact_email: "donnees@albi.example",
            published_by: None,
        },
        DemoOrganisation {
            slug: "cornebarrieu",
            name: "Cornebarrieu",
            official_name: "Commune de Cornebarrieu",
            kind: OrganisationKind::Commune,
            siren: "213101504",
            territory_code: "31150",
            departement: "31",
            population: 8_978,
            contact_email: "mairie@cornebarrieu.example",
            published_by: Some(TOULOUSE_METROPOLE_SIREN),
        },
        DemoOrganisation {
            slug: "condom",
            name: "Condom",
            official_name: "Commune de Condom",
            kind: OrganisationKind::Commune,
            siren: "213201072",
            territory_code: "32107",
            departement: "32",
            population: 6_473,
            contact_email: "accueil@condom.example",
            published_by: None,
        },
        DemoOrganisation {
            slug: "marvejols",
            name: "Marvejols",
            official_name: "Commune de Marvejols",
            kind: OrganisationKind::Commune,
            siren: "214800922",
            territory_code: "48092",
            departement: "48",
            population: 4_764,
            contact_email: "mairie@marvejols.example",
            published_by: None,
        },
    ]
}
