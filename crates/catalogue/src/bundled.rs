//! The Table Schemas bundled into the binary: the SCDL family and related local-data schemas.
//!
//! Each entry is a byte-for-byte copy of a published `schema.json` (see `schemas/SOURCES.md`
//! beside this crate for where each one comes from). The list is data, written out by hand
//! so that adding a schema is a one-line, reviewed change.

use model::text::edit_distance;
/// One schema shipped inside Socle.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BundledSchema {
    /// Short name users type (`--schema scdl-subventions`); also the folder name under `schemas/`.
    pub name: &'static str,
    /// Released version (the upstream git tag, without a leading `v`).
    pub version: &'static str,
    /// Human title, in French, as published.
    pub title: &'static str,
    /// Where the file was copied from (repository, path, version).
    pub provenance: &'static str,
    /// The descriptor, exactly as published.
    pub descriptor: &'static str,
}

/// Why a schema reference did not resolve to a bundled schema.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LookupError {
    #[error("unknown schema `{0}`")]
    UnknownName(String),
    #[error("schema `{name}` is bundled in version {available}, not {requested}")]
    UnknownVersion {
        name: String,
        requested: String,
        available: String,
    },
}

impl LookupError {
    /// The message for a person, in French.
    pub fn message_fr(&self) -> String {
        match self {
            LookupError::UnknownName(name) => format!(
                "schéma inconnu « {name} » : `socle schemas` liste les schémas disponibles{}",
                suggestion(name)
                    .map(|close| format!(" (vouliez-vous dire « {close} » ?)"))
                    .unwrap_or_default()
            ),
            LookupError::UnknownVersion {
                name,
                requested,
                available,
            } => format!(
                "le schéma « {name} » est disponible en version {available}, pas en version {requested}"
            ),
        }
    }
}

macro_rules! bundled {
    ($name:literal, $version:literal, $title:literal, $provenance:literal) => {
        BundledSchema {
            name: $name,
            version: $version,
            title: $title,
            provenance: $provenance,
            descriptor: include_str!(concat!("../schemas/", $name, "/schema.json")),
        }
    };
}

const SDG: &str = "datagouv/schema.data.gouv.fr@0bd884a05d7c64c4143307b22c5e09f2612e3389";

/// Every bundled schema, sorted by name.
pub static SCHEMAS: &[BundledSchema] = &[
    bundled!(
        "bal",
        "1.5.0",
        "Base Adresse Locale v1.5",
        "github.com/etalab/schema-bal, tag v1.5.0, bal_schema_v1.5.json"
    ),
    bundled!(
        "dae",
        "1.0.7",
        "DAE",
        "gitlab.com/arsante/atlasante/schema-dae, tag 1.0.7 (via schema.data.gouv.fr)"
    ),
    bundled!(
        "irve-dynamique",
        "2.3.1",
        "IRVE dynamique",
        "github.com/etalab/schema-irve, tag v2.3.1, dynamique/schema-dynamique.json"
    ),
    bundled!(
        "irve-statique",
        "2.3.1",
        "IRVE statique",
        "github.com/etalab/schema-irve, tag v2.3.1, statique/schema-statique.json"
    ),
    bundled!(
        "lieux-covoiturage",
        "0.3.1",
        "Lieux de covoiturage",
        "github.com/etalab/schema-lieux-covoiturage, tag v0.3.1 (via schema.data.gouv.fr)"
    ),
    bundled!(
        "pei",
        "1.0.1",
        "Point d'Eau Incendie (PEI)",
        "gitlab.com/datakode/schema-pei, tag 1.0.1 (via schema.data.gouv.fr)"
    ),
    bundled!(
        "scdl-budget",
        "0.8.3",
        "Budget des collectivités et établissements publics locaux",
        "gitlab.com/opendatafrance/scdl/budget, tag v0.8.3 (via schema.data.gouv.fr)"
    ),
    bundled!(
        "scdl-catalogue",
        "0.1.3",
        "Catalogue simplifié",
        "gitlab.com/opendatafrance/scdl/catalogue, tag v0.1.3 (via schema.data.gouv.fr)"
    ),
    bundled!(
        "scdl-deliberations",
        "2.1.5",
        "Délibérations",
        "gitlab.com/opendatafrance/scdl/deliberations, tag v2.1.5 (via schema.data.gouv.fr)"
    ),
    bundled!(
        "scdl-equipements",
        "0.1.5",
        "Équipements",
        "gitlab.com/opendatafrance/scdl/equipements, tag v0.1.5 (via schema.data.gouv.fr)"
    ),
    bundled!(
        "scdl-marches-publics",
        "1.0",
        "Spécification SCDL Marchés Publics",
        "github.com/Virgilus/marche_public_SCDL@dbbddff0198e97a2627c4e42a2bea653cb593a24, schemas/marche_public_SCDL.json"
    ),
    bundled!(
        "scdl-menus-collectifs",
        "1.2.3",
        "Menus de la restauration collective",
        "gitlab.com/opendatafrance/scdl/menus-collectifs, tag v1.2.3 (via schema.data.gouv.fr)"
    ),
    bundled!(
        "scdl-plats-menus-collectifs",
        "0.7.2",
        "Composition des plats des menus de la restauration collective",
        "gitlab.com/opendatafrance/scdl/plats-menus-collectifs, tag v0.7.2 (via schema.data.gouv.fr)"
    ),
    bundled!(
        "scdl-prenoms",
        "1.1.6",
        "Prénoms des nouveaux-nés",
        "gitlab.com/opendatafrance/scdl/prenoms, tag v1.1.6 (via schema.data.gouv.fr)"
    ),
    bundled!(
        "scdl-subventions",
        "2.1.1",
        "Subventions",
        "gitlab.com/opendatafrance/scdl/subventions, tag v2.1.1 (via schema.data.gouv.fr)"
    ),
];

/// The schema.data.gouv.fr snapshot most entries were copied from (see `schemas/SOURCES.md`).
pub const SCHEMA_DATA_GOUV_SNAPSHOT: &str = SDG;

/// Finds a bundled schema by `name` or `name@version` (a leading `v` in the version is ignored).
pub fn find(reference: &str) -> Result<&'static BundledSchema, LookupError> {
    let (name, version) = match reference.split_once('@') {
        Some((name, version)) => (name, Some(version.trim_start_matches('v'))),
        None => (reference, None),
    };
    let schema = SCHEMAS
        .iter()
        .find(|schema| schema.name == name)
        .ok_or_else(|| LookupError::UnknownName(name.to_owned()))?;
    match version {
        Some(requested) if requested != schema.version => Err(LookupError::UnknownVersion {
            name: name.to_owned(),
            requested: requested.to_owned(),
            available: schema.version.to_owned(),
        }),
        _ => Ok(schema),
    }
}

/// The bundled name closest to a mistyped one, when one is close enough to be a typo.
fn suggestion(typed: &str) -> Option<&'static str> {
    // One edit per five characters: `scdl-subvention` is a typo, `zzz` is not `bal`.
    let tolerated = (typed.chars().count() / 5).max(1);
    SCHEMAS
        .iter()
        .map(|schema| (edit_distance(typed, schema.name), schema.name))
        .filter(|(distance, _)| *distance <= tolerated)
        .min()
        .map(|(_, name)| name)
        .or_else(|| {
            // `menus-collectifs` for `scdl-menus-collectifs`: a missing family prefix is no typo.
            SCHEMAS
                .iter()
                .find(|schema| schema.name.ends_with(typed) && !typed.is_empty())
                .map(|schema| schema.name)
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_bundled_descriptor_is_json_naming_its_folder_in_the_sources() {
        let sources = include_str!("../schemas/SOURCES.md");
        for schema in SCHEMAS {
            let json: serde_json::Value = serde_json::from_str(schema.descriptor)
                .unwrap_or_else(|error| panic!("{}: {error}", schema.name));
            assert!(
                json.get("fields").is_some(),
                "{} has no fields",
                schema.name
            );
            assert!(
                sources.contains(&format!("| {} |", schema.name)),
                "{} missing from SOURCES.md",
                schema.name
            );
        }
    }

    #[test]
    fn names_are_sorted_and_unique() {
        let names: Vec<_> = SCHEMAS.iter().map(|schema| schema.name).collect();
        let mut sorted = names.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(names, sorted);
    }

    #[test]
    fn finds_by_name_and_exact_version() {
        assert_eq!(find("scdl-menus-collectifs").unwrap().version, "1.2.3");
        assert_eq!(
            find("scdl-menus-collectifs@1.2.3").unwrap().name,
            "scdl-menus-collectifs"
        );
        assert_eq!(find("scdl-prenoms@v1.1.6").unwrap().version, "1.1.6");
    }

    #[test]
    fn unknown_version_names_the_available_one() {
        let error = find("scdl-subventions@1.0").unwrap_err();
        assert!(
            error.message_fr().contains("2.1.1"),
            "{}",
            error.message_fr()
        );
    }

    #[test]
    fn unknown_name_suggests_the_close_one() {
        let typo = find("scdl-subvention").unwrap_err().message_fr();
        assert!(typo.contains("« scdl-subventions »"), "{typo}");
        let no_prefix = find("menus-collectifs").unwrap_err().message_fr();
        assert!(no_prefix.contains("scdl-menus-collectifs"), "{no_prefix}");
        let far = find("zzz").unwrap_err().message_fr();
        assert!(!far.contains("vouliez-vous"), "{far}");
    }
}
