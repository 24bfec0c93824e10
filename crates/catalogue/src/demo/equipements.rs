//! Public facilities (`scdl-equipements` 0.1.5): town halls, schools, sports halls, libraries...
//! with addresses, ERP classes, opening hours and coordinates inside the right commune.
//!
//! `EQUIP_CODE` uses the 8-digit codes of the COVADIS public-facility nomenclature (level 4),
//! which the SCDL nomenclature follows; the schema itself only checks the format.

use super::places::{self, METROPOLE_PLACES, PREFECTURE_PLACES, Place};
use super::random::Rng;
use super::table::CsvWriter;
use super::{DemoDataset, DemoOrganisation, OrganisationKind, stream};

pub(crate) const HEADER: &[&str] = &[
    "COLL_NOM",
    "COLL_SIRET",
    "EQUIP_UID",
    "EQUIP_THEME",
    "EQUIP_CODE",
    "EQUIP_TYPE",
    "EQUIP_NOM",
    "ADR_NUMERO",
    "ADR_NOMVOIE",
    "ADR_CODEPOSTAL",
    "ADR_COMMUNE",
    "ADR_CLE_INTEROP",
    "ERP_ID",
    "ERP_TYPE",
    "ERP_CATEGORIE",
    "EQUIP_LAT",
    "EQUIP_LONG",
    "EQUIP_OUVERTURE",
    "EQUIP_TEL",
    "EQUIP_EMAIL",
    "EQUIP_WEB",
];

const ADMINISTRATIVE: &str = "Equipement administratif";
const SOCIAL: &str = "Equipement social et d'animation";
const SPORT: &str = "Equipement sportif et de loisirs";
const TEACHING: &str = "Equipement d'enseignement";
const WORSHIP: &str = "Equipement cultuel";
const CULTURE: &str = "Equipement culturel";

/// A kind of facility.
struct Kind {
    theme: &'static str,
    code: &'static str,
    kind: &'static str,
    /// Name pattern; `{name}` is a person or place name.
    name: &'static str,
    erp: Option<(&'static str, u64)>,
    hours: &'static str,
    mailbox: &'static str,
    /// Relative frequency in a commune.
    weight: u64,
}

const fn kind(
    (theme, code, kind): (&'static str, &'static str, &'static str),
    name: &'static str,
    erp: Option<(&'static str, u64)>,
    hours: &'static str,
    mailbox: &'static str,
    weight: u64,
) -> Kind {
    Kind {
        theme,
        code,
        kind,
        name,
        erp,
        hours,
        mailbox,
        weight,
    }
}

#[rustfmt::skip]
const TOWN_HALL: Kind = kind((ADMINISTRATIVE, "01010404", "Mairie"), "Hôtel de ville", Some(("W", 3)), "Mo-Fr 08:30-12:00,13:30-17:30", "accueil", 0);

#[rustfmt::skip]
const COMMUNE_KINDS: &[Kind] = &[
    kind((ADMINISTRATIVE, "01010404", "Mairie annexe"), "Mairie annexe {name}", Some(("W", 5)), "Mo-Fr 09:00-12:00,14:00-17:00", "accueil", 2),
    kind((ADMINISTRATIVE, "01010302", "Police municipale"), "Poste de police municipale {name}", Some(("W", 5)), "Mo-Sa 08:00-19:00", "police", 1),
    kind((SOCIAL, "01040102", "Crèche"), "Crèche {name}", Some(("R", 5)), "Mo-Fr 07:30-18:30", "petite-enfance", 3),
    kind((SOCIAL, "01040101", "Centre de loisirs"), "Centre de loisirs {name}", Some(("R", 4)), "We 07:30-18:30", "enfance", 2),
    kind((SOCIAL, "01040201", "Centre social"), "Maison de quartier {name}", Some(("L", 4)), "Mo-Fr 09:00-12:00,14:00-18:00", "vie-sociale", 2),
    kind((SPORT, "01050112", "Salle multisports"), "Gymnase {name}", Some(("X", 3)), "Mo-Su 08:00-22:00", "sports", 4),
    kind((SPORT, "01050101", "Bassin de natation"), "Piscine {name}", Some(("X", 2)), "Mo-Fr 12:00-14:00,17:00-20:00; Sa,Su 10:00-18:00", "sports", 1),
    kind((SPORT, "01050117", "Terrain de grands jeux"), "Stade {name}", Some(("PA", 4)), "Mo-Su 08:00-22:00", "sports", 3),
    kind((SPORT, "01050103", "Court de tennis"), "Courts de tennis {name}", Some(("PA", 5)), "Mo-Su 08:00-22:00", "sports", 2),
    kind((SPORT, "01050111", "Salle de combat"), "Dojo {name}", Some(("X", 4)), "Mo-Sa 09:00-22:00", "sports", 1),
    kind((TEACHING, "01060101", "École maternelle"), "École maternelle {name}", Some(("R", 4)), "", "education", 6),
    kind((TEACHING, "01060104", "École élémentaire"), "École élémentaire {name}", Some(("R", 4)), "", "education", 6),
    kind((WORSHIP, "01070301", "Cimetière"), "Cimetière {name}", None, "Mo-Su 08:00-18:00", "cimetieres", 1),
    kind((CULTURE, "01080205", "Bibliothèque"), "Médiathèque {name}", Some(("S", 3)), "Tu,Th,Fr 13:00-18:00; We,Sa 10:00-18:00", "mediatheque", 2),
    kind((CULTURE, "01080302", "Musée"), "Musée {name}", Some(("Y", 3)), "Tu-Su 10:00-18:00", "culture", 1),
    kind((CULTURE, "01080503", "Salle de théâtre"), "Théâtre {name}", Some(("L", 2)), "Tu-Sa 14:00-19:00", "culture", 1),
    kind((CULTURE, "01080513", "Salle polyvalente"), "Salle des fêtes {name}", Some(("L", 3)), "", "reservations", 2),
];

#[rustfmt::skip]
const METROPOLE_KINDS: &[Kind] = &[
    kind((ADMINISTRATIVE, "01011102", "Déchèterie"), "Déchèterie de {place}", None, "Mo-Sa 09:00-18:00; Su 09:00-12:00", "dechets", 3),
    kind((SPORT, "01050101", "Bassin de natation"), "Piscine {name}", Some(("X", 2)), "Mo-Fr 12:00-14:00,17:00-20:00; Sa,Su 10:00-18:00", "piscines", 2),
    kind((CULTURE, "01080205", "Bibliothèque"), "Médiathèque {name}", Some(("S", 3)), "Tu,Th,Fr 13:00-18:00; We,Sa 10:00-18:00", "lecture-publique", 2),
    kind((CULTURE, "01080701", "Conservatoire"), "Conservatoire de musique et de danse de {place}", Some(("R", 3)), "Mo-Sa 09:00-21:00", "conservatoire", 1),
];

#[rustfmt::skip]
const REGION_KINDS: &[Kind] = &[
    kind((TEACHING, "01060203", "Lycée"), "Lycée {name}", Some(("R", 2)), "", "lycees", 5),
    kind((TEACHING, "01060402", "Centre de formation d'apprentis"), "CFA régional de {place}", Some(("R", 3)), "Mo-Fr 08:00-18:00", "apprentissage", 1),
    kind((ADMINISTRATIVE, "01010404", "Maison de ma Région"), "Maison de la Région de {place}", Some(("W", 5)), "Mo-Fr 09:00-12:30,13:30-17:00", "accueil", 1),
];

const NAMES: &[&str] = &[
    "Jean Jaurès",
    "Jules Ferry",
    "Marie Curie",
    "Louise Michel",
    "Victor Hugo",
    "Jean Moulin",
    "Olympe de Gouges",
    "Pierre de Fermat",
    "Simone Veil",
    "Gisèle Halimi",
    "Claude Nougaro",
    "Antoine de Saint-Exupéry",
    "Clément Ader",
    "Germaine Tillion",
    "des Tilleuls",
    "du Parc",
    "des Pins",
    "du Centre",
];

const STREETS: &[&str] = &[
    "Rue Jean Jaurès",
    "Avenue de la République",
    "Boulevard Victor Hugo",
    "Place de la Mairie",
    "Rue des Écoles",
    "Allée des Platanes",
    "Chemin du Moulin",
    "Rue de la Gare",
    "Avenue du Général de Gaulle",
    "Rue Pasteur",
    "Impasse des Tilleuls",
    "Rue du Stade",
    "Avenue des Pyrénées",
    "Rue de l'Église",
    "Allée Paul Sabatier",
    "Chemin de la Garrigue",
];

pub(crate) fn dataset(org: &DemoOrganisation, seed: u64) -> DemoDataset {
    let mut rng = Rng::new(seed, &stream(org, "equipements"));
    let (homes, kinds, count): (Vec<&'static Place>, &[Kind], usize) = match org.kind {
        OrganisationKind::Commune => (
            vec![places::find(org.territory_code)],
            COMMUNE_KINDS,
            12 + (org.population / 5_000) as usize,
        ),
        OrganisationKind::Epci => (
            METROPOLE_PLACES
                .iter()
                .map(|code| places::find(code))
                .collect(),
            METROPOLE_KINDS,
            40,
        ),
        OrganisationKind::Region => (
            PREFECTURE_PLACES
                .iter()
                .map(|code| places::find(code))
                .collect(),
            REGION_KINDS,
            52,
        ),
    };
    let mut csv = CsvWriter::new(HEADER);
    // Order numbers per (commune, code), as the schema's identifier requires.
    let mut orders: Vec<(&str, &str, u32)> = Vec::new();
    for index in 0..count {
        let home = if org.kind == OrganisationKind::Commune {
            homes[0]
        } else {
            homes[index % homes.len()]
        };
        let kind = if index == 0 && org.kind == OrganisationKind::Commune {
            &TOWN_HALL
        } else {
            weighted(kinds, &mut rng)
        };
        let order = next_order(&mut orders, home.insee, kind.code);
        write_facility(&mut csv, org, home, kind, order, &mut rng);
    }
    DemoDataset {
        slug: "equipements-publics".to_owned(),
        title: format!("Équipements publics — {}", org.official_name),
        description: format!(
            "Équipements collectifs publics gérés par {} : localisation, adresse, type d'établissement \
             recevant du public, horaires d'ouverture et contacts.\n\n\
             Fichier conforme au schéma *Équipements* (SCDL).",
            org.official_name
        ),
        schema: "scdl-equipements",
        themes: vec!["REGI".to_owned(), "SOCI".to_owned()],
        keywords: [
            "équipements publics",
            "sport",
            "culture",
            "écoles",
            org.name,
        ]
        .map(str::to_owned)
        .to_vec(),
        frequency: "ANNUAL",
        file_name: format!("equipements-{}.csv", org.slug),
        csv: csv.finish(),
        expected_valid: true,
    }
}

fn weighted<'a>(kinds: &'a [Kind], rng: &mut Rng) -> &'a Kind {
    let total: u64 = kinds.iter().map(|kind| kind.weight).sum();
    let mut draw = rng.below(total);
    for kind in kinds {
        if draw < kind.weight {
            return kind;
        }
        draw -= kind.weight;
    }
    &kinds[0]
}

fn next_order<'a>(orders: &mut Vec<(&'a str, &'a str, u32)>, insee: &'a str, code: &'a str) -> u32 {
    match orders
        .iter_mut()
        .find(|(i, c, _)| *i == insee && *c == code)
    {
        Some((_, _, order)) => {
            *order += 1;
            *order
        }
        None => {
            orders.push((insee, code, 1));
            1
        }
    }
}

fn write_facility(
    csv: &mut CsvWriter,
    org: &DemoOrganisation,
    home: &Place,
    kind: &Kind,
    order: u32,
    rng: &mut Rng,
) {
    let code = format!("{}-{order:03}", kind.code);
    let name = kind
        .name
        .replace("{name}", rng.pick(NAMES))
        .replace("de {place}", &places::of(home.name))
        .replace("{place}", home.name);
    let street_index = rng.below(STREETS.len() as u64);
    let number = rng.between(1, 180);
    let suffix = if rng.chance(8) { " bis" } else { "" };
    let (latitude, longitude) = home.random_point(rng);
    let (erp_type, erp_category) = kind
        .erp
        .map(|(kind, category)| (kind.to_owned(), category.to_string()))
        .unwrap_or_default();
    csv.row(&[
        org.official_name.to_owned(),
        org.siret(),
        format!("{}-{code}", home.insee),
        kind.theme.to_owned(),
        code,
        kind.kind.to_owned(),
        name,
        format!("{number}{suffix}"),
        STREETS[street_index as usize].to_owned(),
        home.postcode(rng).to_owned(),
        home.name.to_owned(),
        // INSEE code + 4-character street code (FANTOIR-like) + 5-digit number + suffix.
        format!(
            "{}_{:04}_{number:05}{}",
            home.insee,
            100 + street_index * 37,
            suffix.replace(' ', "_")
        ),
        String::new(),
        erp_type,
        erp_category,
        format!("{latitude:.6}"),
        format!("{longitude:.6}"),
        kind.hours.to_owned(),
        phone(home, rng),
        format!("{}@{}", kind.mailbox, org.domain()),
        format!("https://www.{}/", org.domain()),
    ]);
}

/// A number in the European drafting form, `+33 561234567` (13 characters, the schema's
/// maximum), with the landline prefixes of Occitanie: 04 66/67/68 in the east, 05 61 to 05 65
/// in the west.
fn phone(home: &Place, rng: &mut Rng) -> String {
    let prefix = if matches!(home.departement, "11" | "30" | "34" | "48" | "66") {
        rng.pick(&["466", "467", "468"])
    } else {
        rng.pick(&["561", "562", "563", "565"])
    };
    format!("+33 {prefix}{:06}", rng.below(1_000_000))
}
