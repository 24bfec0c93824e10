//! Organisations: the local authorities and public bodies that produce and publish data.

use jiff::Timestamp;

use crate::codes::code_enum;
use crate::{OrganisationId, Siren, TerritoryCode};

code_enum!(
    /// What kind of public body an organisation is.
    OrganisationKind, "type d'organisation" {
        Commune = "commune",
        Epci = "epci",
        Departement = "departement",
        Region = "region",
        /// A State service (ministry, prefecture...).
        Etat = "etat",
        SyndicatMixte = "syndicat-mixte",
        Autre = "autre",
    }
);

impl OrganisationKind {
    /// The French label shown to users.
    pub fn label(self) -> &'static str {
        match self {
            OrganisationKind::Commune => "Commune",
            OrganisationKind::Epci => "EPCI",
            OrganisationKind::Departement => "Département",
            OrganisationKind::Region => "Région",
            OrganisationKind::Etat => "État",
            OrganisationKind::SyndicatMixte => "Syndicat mixte",
            OrganisationKind::Autre => "Autre",
        }
    }
}

/// What is needed to create (or fully update) an organisation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewOrganisation {
    pub siren: Siren,
    pub name: String,
    pub kind: OrganisationKind,
    /// The official territory the organisation acts on (its commune, its own EPCI SIREN...).
    pub territory: Option<TerritoryCode>,
    pub contact_email: Option<String>,
    /// Where its logo can be fetched (absolute URL, or a path served by the platform).
    pub logo_url: Option<String>,
}

/// A stored organisation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Organisation {
    pub id: OrganisationId,
    pub siren: Siren,
    pub name: String,
    pub kind: OrganisationKind,
    pub territory: Option<TerritoryCode>,
    pub contact_email: Option<String>,
    pub logo_url: Option<String>,
    pub created_at: Timestamp,
    pub modified_at: Timestamp,
    /// Set when archived: still readable with its history, but no longer current (no new dataset is created for it).
    pub archived_at: Option<Timestamp>,
}
