//! What the listing pages (home, search, organisation) know about the public datasets: each
//! published dataset with its resources' live versions, producer, publisher and territory,
//! read in one pass, and the page-view pieces made from it ([`DatasetCard`], [`Badge`]).

use std::collections::HashMap;

use model::{
    Dataset, DatasetState, Organisation, OrganisationId, Resource, TerritoryCode, Version,
};
use serde::Serialize;
use store::Store;

use crate::error::ApiResult;

/// A published dataset with everything the listings show.
pub(crate) struct Entry {
    pub dataset: Dataset,
    pub resources: Vec<(Resource, Option<Version>)>,
}

/// The public catalogue at one moment.
pub(crate) struct Snapshot {
    /// Most recently modified first.
    pub entries: Vec<Entry>,
    pub organisations: HashMap<OrganisationId, Organisation>,
    /// Territory labels by organisation (« Toulouse (commune) »…).
    pub territories: HashMap<OrganisationId, Territory>,
}

/// Where an organisation acts, for people.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) struct Territory {
    /// `commune:31555`: the value of the `territoire` search parameter.
    pub code: String,
    pub label: String,
}

impl Snapshot {
    pub(crate) fn load(store: &Store) -> ApiResult<Snapshot> {
        let organisations: HashMap<OrganisationId, Organisation> = store
            .list_organisations()?
            .into_iter()
            .map(|organisation| (organisation.id, organisation))
            .collect();
        let mut territories = HashMap::new();
        for organisation in organisations.values() {
            if let Some(code) = &organisation.territory {
                territories.insert(organisation.id, territory(store, code)?);
            }
        }
        let datasets = store.list_datasets(&store::DatasetFilter {
            organisation: None,
            state: Some(DatasetState::Published),
        })?;
        let mut entries = Vec::with_capacity(datasets.len());
        for dataset in datasets {
            let mut resources = Vec::new();
            for resource in store.resources_of_dataset(dataset.id)? {
                let live = store.live_version(resource.id)?;
                resources.push((resource, live));
            }
            entries.push(Entry { dataset, resources });
        }
        Ok(Snapshot {
            entries,
            organisations,
            territories,
        })
    }

    pub(crate) fn organisation_name(&self, id: OrganisationId) -> String {
        self.organisations
            .get(&id)
            .map(|organisation| organisation.name.clone())
            .unwrap_or_default()
    }

    pub(crate) fn card(&self, entry: &Entry) -> DatasetCard {
        let dataset = &entry.dataset;
        let organisation_ref = |id: OrganisationId| OrganisationLink {
            name: self.organisation_name(id),
            siren: self
                .organisations
                .get(&id)
                .map(|organisation| organisation.siren.to_string())
                .unwrap_or_default(),
        };
        let updated = entry
            .resources
            .iter()
            .filter_map(|(_, live)| live.as_ref().and_then(|version| version.live_from))
            .max()
            .unwrap_or(dataset.modified_at);
        DatasetCard {
            slug: dataset.slug.to_string(),
            title: dataset.title.clone(),
            summary: summary(&dataset.description, 220),
            producer: organisation_ref(dataset.producer),
            publisher: (dataset.publisher != dataset.producer)
                .then(|| organisation_ref(dataset.publisher)),
            territory: self.territories.get(&dataset.producer).cloned(),
            licence: dataset.licence.label().to_owned(),
            themes: dataset
                .themes
                .iter()
                .map(|code| theme_label(code))
                .collect(),
            schemas: entry.schemas(),
            formats: entry.formats(),
            badge: entry.badge(),
            updated: french_date(updated),
            updated_iso: updated.to_string(),
        }
    }
}

impl Entry {
    /// Declared schema names, without duplicates.
    pub(crate) fn schemas(&self) -> Vec<String> {
        let mut names: Vec<String> = self
            .resources
            .iter()
            .filter_map(|(resource, _)| resource.schema.as_ref().map(|s| s.name.clone()))
            .collect();
        names.sort();
        names.dedup();
        names
    }

    pub(crate) fn formats(&self) -> Vec<String> {
        let mut formats: Vec<String> = self
            .resources
            .iter()
            .map(|(resource, _)| resource.format.to_ascii_lowercase())
            .collect();
        formats.sort();
        formats.dedup();
        formats
    }

    /// Conformity of the live versions of resources that declare a schema.
    pub(crate) fn badge(&self) -> Badge {
        let checked: Vec<&Version> = self
            .resources
            .iter()
            .filter(|(resource, _)| resource.schema.is_some())
            .filter_map(|(_, live)| live.as_ref())
            .collect();
        if checked.is_empty() {
            if self.resources.iter().all(|(_, live)| live.is_none()) {
                return Badge::new("none", "Aucune version publiée");
            }
            return Badge::new("none", "Sans schéma");
        }
        if checked.iter().all(|version| version.conformant) {
            Badge::new("ok", "Conforme au schéma")
        } else {
            Badge::new("warn", "Non conforme au schéma")
        }
    }
}

/// A dataset in a list.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct DatasetCard {
    pub slug: String,
    pub title: String,
    pub summary: String,
    pub producer: OrganisationLink,
    /// Set only when another organisation publishes on the producer's behalf.
    pub publisher: Option<OrganisationLink>,
    pub territory: Option<Territory>,
    pub licence: String,
    pub themes: Vec<String>,
    pub schemas: Vec<String>,
    pub formats: Vec<String>,
    pub badge: Badge,
    /// « 28 novembre 2026 ».
    pub updated: String,
    /// For `<time datetime>`.
    pub updated_iso: String,
}

#[derive(Debug, Clone, Serialize)]
pub(crate) struct OrganisationLink {
    pub name: String,
    pub siren: String,
}

/// A conformity badge: `kind` is `ok`, `warn`, `ko` or `none` (its CSS class), `label` the
/// French words (the colour is never the only signal).
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Badge {
    pub kind: &'static str,
    pub label: &'static str,
}

impl Badge {
    pub(crate) fn new(kind: &'static str, label: &'static str) -> Badge {
        Badge { kind, label }
    }

    pub(crate) fn of_version(version: &Version, has_schema: bool) -> Badge {
        match (version.status, has_schema, version.conformant) {
            (model::VersionStatus::Rejected, _, _) => Badge::new("ko", "Refusée"),
            (_, false, _) => Badge::new("none", "Sans schéma"),
            (_, true, true) => Badge::new("ok", "Conforme au schéma"),
            (_, true, false) => Badge::new("warn", "Non conforme au schéma"),
        }
    }
}

/// The territory of a code, named from the referentials.
pub(crate) fn territory(store: &Store, code: &TerritoryCode) -> ApiResult<Territory> {
    let label = match code {
        TerritoryCode::Commune(insee) => store
            .commune(insee)?
            .map(|commune| format!("{} (commune)", commune.name)),
        TerritoryCode::Epci(siren) => store
            .epci(siren.as_str())?
            .map(|epci| format!("{} (intercommunalité)", epci.name)),
        TerritoryCode::Departement(code) => store
            .departement(code)?
            .map(|departement| format!("{} (département)", departement.name)),
        TerritoryCode::Region(code) => store
            .region(code)?
            .map(|region| format!("{} (région)", region.name)),
        TerritoryCode::France => Some("France".to_owned()),
    };
    Ok(Territory {
        code: code.to_string(),
        label: label.unwrap_or_else(|| code.to_string()),
    })
}

/// The French label of an EU data theme code (DCAT-AP `data-theme`).
pub(crate) fn theme_label(code: &str) -> String {
    let label = match code {
        "AGRI" => "Agriculture, pêche, sylviculture et alimentation",
        "ECON" => "Économie et finances",
        "EDUC" => "Éducation, culture et sport",
        "ENER" => "Énergie",
        "ENVI" => "Environnement",
        "GOVE" => "Gouvernement et secteur public",
        "HEAL" => "Santé",
        "INTR" => "Questions internationales",
        "JUST" => "Justice, système juridique et sécurité publique",
        "REGI" => "Régions et villes",
        "SOCI" => "Population et société",
        "TECH" => "Science et technologie",
        "TRAN" => "Transports",
        other => other,
    };
    label.to_owned()
}

/// The first `max` characters of a Markdown description, as plain text, cut at a word.
pub(crate) fn summary(description: &str, max: usize) -> String {
    let plain: String = description
        .chars()
        .filter(|c| !matches!(c, '#' | '*' | '_' | '`'))
        .map(|c| if c.is_whitespace() { ' ' } else { c })
        .collect();
    let plain = plain.split_whitespace().collect::<Vec<_>>().join(" ");
    if plain.chars().count() <= max {
        return plain;
    }
    let cut: String = plain.chars().take(max).collect();
    let cut = cut.rsplit_once(' ').map_or(cut.as_str(), |(head, _)| head);
    format!("{cut}…")
}

const MONTHS: [&str; 12] = [
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
];

/// « 28 novembre 2026 » (UTC).
pub(crate) fn french_date(at: model::jiff::Timestamp) -> String {
    let date = at.to_zoned_datetime(model::jiff::tz::TimeZone::UTC).date();
    let day = if date.day() == 1 {
        "1er".to_owned()
    } else {
        date.day().to_string()
    };
    format!(
        "{day} {} {}",
        MONTHS[usize::from(date.month().unsigned_abs()) - 1],
        date.year()
    )
}

/// « 28 novembre 2026 à 14 h 05 » (UTC).
pub(crate) fn french_datetime(at: model::jiff::Timestamp) -> String {
    let time = at.to_zoned_datetime(model::jiff::tz::TimeZone::UTC).time();
    format!(
        "{} à {} h {:02} (UTC)",
        french_date(at),
        time.hour(),
        time.minute()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summaries_cut_at_a_word() {
        assert_eq!(
            summary("**Menus** des\ncantines", 100),
            "Menus des cantines"
        );
        assert_eq!(summary("un deux trois quatre", 10), "un deux…");
    }

    #[test]
    fn dates_are_french() {
        let at: model::jiff::Timestamp = "2026-11-01T14:05:00Z".parse().unwrap();
        assert_eq!(french_date(at), "1er novembre 2026");
        assert_eq!(french_datetime(at), "1er novembre 2026 à 14 h 05 (UTC)");
    }
}
