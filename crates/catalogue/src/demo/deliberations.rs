//! Council decisions (`scdl-deliberations` 2.1.5): about fifty decisions of the year's sessions,
//! indexed with the real ACTES nomenclature (code `8.3` with name
//! `domaines de compétences par thèmes/voirie`, as the schema's custom check expects),
//! with coherent votes (`VOTE_REEL` = pour + contre + abstention ≤ `VOTE_EFFECTIF`).

use super::calendar::{Day, Weekday};
use super::places::{self, METROPOLE_PLACES, PREFECTURE_PLACES};
use super::random::Rng;
use super::table::CsvWriter;
use super::{DemoDataset, DemoOrganisation, OrganisationKind, stream};

pub(crate) const HEADER: &[&str] = &[
    "COLL_NOM",
    "COLL_SIRET",
    "DELIB_ID",
    "DELIB_DATE",
    "DELIB_MATIERE_CODE",
    "DELIB_MATIERE_NOM",
    "DELIB_OBJET",
    "BUDGET_ANNEE",
    "BUDGET_NOM",
    "PREF_ID",
    "PREF_DATE",
    "VOTE_EFFECTIF",
    "VOTE_REEL",
    "VOTE_POUR",
    "VOTE_CONTRE",
    "VOTE_ABSTENTION",
    "DELIB_URL",
];

const YEAR: i32 = 2026;

/// A kind of decision: ACTES code, ACTES name (level 1/level 2, lowercase, no comma),
/// object template, and whether it bears on a budget.
struct Subject {
    code: &'static str,
    matter: &'static str,
    object: &'static str,
    budget: bool,
}

const fn subject(
    code: &'static str,
    matter: &'static str,
    object: &'static str,
    budget: bool,
) -> Subject {
    Subject {
        code,
        matter,
        object,
        budget,
    }
}

const PUBLIC_PROCUREMENT: &str = "commande publique/marchés publics";
const PLANNING_DOCUMENTS: &str = "urbanisme/documents d'urbanisme";
const ACQUISITIONS: &str = "domaine et patrimoine/acquisitions";
const DISPOSALS: &str = "domaine et patrimoine/aliénations";
const LEASES: &str = "domaine et patrimoine/locations";
const TENURED_STAFF: &str = "fonction publique/personnels titulaires et stagiaires de la f.p.t.";
const CONTRACT_STAFF: &str = "fonction publique/personnels contractuels";
const REPRESENTATIVES: &str = "institutions et vie politique/désignation de représentants";
const ASSEMBLIES: &str = "institutions et vie politique/fonctionnement des assemblées";
const INTERCOMMUNALITY: &str = "institutions et vie politique/intercommunalité";
const BUDGET_DECISIONS: &str = "finances locales/décisions budgétaires";
const TAXATION: &str = "finances locales/fiscalité";
const LOANS: &str = "finances locales/emprunts";
const GRANTS: &str = "finances locales/subventions";
const EDUCATION: &str = "domaines de compétences par thèmes/enseignement";
const ROADS: &str = "domaines de compétences par thèmes/voirie";
const PLANNING: &str = "domaines de compétences par thèmes/aménagement du territoire";
const HOUSING: &str = "domaines de compétences par thèmes/politique de la ville-habitat-logement";
const EMPLOYMENT: &str = "domaines de compétences par thèmes/emploi-formation professionnelle";
const TRANSPORT: &str = "domaines de compétences par thèmes/transports";
const ENVIRONMENT: &str = "domaines de compétences par thèmes/environnement";
const CULTURE: &str = "domaines de compétences par thèmes/culture";

/// Decisions every kind of authority takes.
#[rustfmt::skip]
const COMMON: &[Subject] = &[
    subject("1.1", PUBLIC_PROCUREMENT, "Groupement de commandes pour l'achat d'électricité et de gaz naturel", false),
    subject("1.1", PUBLIC_PROCUREMENT, "Attribution de l'accord-cadre de travaux d'entretien des bâtiments", false),
    subject("1.4", "commande publique/autres types de contrats", "Convention de partenariat avec l'office de tourisme", false),
    subject("3.1", ACQUISITIONS, "Acquisition de la parcelle cadastrée section {section} n°{parcel}", true),
    subject("3.2", DISPOSALS, "Cession d'un délaissé de voirie {street}", false),
    subject("3.3", LEASES, "Convention de mise à disposition de locaux au profit d'associations", false),
    subject("4.1", TENURED_STAFF, "Modification du tableau des effectifs", false),
    subject("4.2", CONTRACT_STAFF, "Création d'emplois non permanents pour accroissement saisonnier d'activité", false),
    subject("4.5", "fonction publique/régime indemnitaire", "Mise à jour du régime indemnitaire tenant compte des fonctions (RIFSEEP)", false),
    subject("5.2", ASSEMBLIES, "Approbation du procès-verbal de la séance précédente", false),
    subject("5.3", REPRESENTATIVES, "Désignation d'un représentant au conseil d'administration du collège {person}", false),
    subject("5.8", "institutions et vie politique/décision d'ester en justice", "Autorisation d'ester en justice dans le cadre d'un contentieux d'urbanisme", false),
    subject("7.1", BUDGET_DECISIONS, "Décision modificative n°{n} du budget {year}", true),
    subject("7.5", GRANTS, "Attribution de subventions aux associations sportives", true),
    subject("7.5", GRANTS, "Attribution de subventions aux associations culturelles", true),
    subject("7.10", "finances locales/divers", "Admission en non-valeur de créances irrécouvrables", true),
    subject("8.8", ENVIRONMENT, "Plan de gestion différenciée des espaces verts", false),
];

#[rustfmt::skip]
const COMMUNE_ONLY: &[Subject] = &[
    subject("2.1", PLANNING_DOCUMENTS, "Approbation de la modification simplifiée n°{n} du plan local d'urbanisme", false),
    subject("2.3", "urbanisme/droit de préemption urbain", "Exercice du droit de préemption urbain sur la parcelle cadastrée section {section} n°{parcel}", false),
    subject("3.5", "domaine et patrimoine/actes de gestion du domaine public", "Tarifs d'occupation du domaine public pour {next}", false),
    subject("5.7", INTERCOMMUNALITY, "Approbation du rapport de la commission locale d'évaluation des charges transférées", false),
    subject("6.1", "libertés publiques et pouvoirs de police/police municipale", "Convention de coordination de la police municipale et des forces de sécurité de l'État", false),
    subject("7.2", TAXATION, "Vote des taux d'imposition des taxes foncières pour {year}", true),
    subject("7.3", LOANS, "Garantie d'emprunt pour la construction de {n} logements locatifs sociaux", false),
    subject("8.1", EDUCATION, "Tarifs de la restauration scolaire pour l'année scolaire {year}-{next}", false),
    subject("8.1", EDUCATION, "Participation aux frais de fonctionnement des écoles privées sous contrat", true),
    subject("8.2", "domaines de compétences par thèmes/aide sociale", "Convention territoriale globale avec la caisse d'allocations familiales", false),
    subject("8.3", ROADS, "Dénomination d'une voie nouvelle : {street}", false),
    subject("8.4", PLANNING, "Revitalisation du centre-ville : convention avec l'établissement public foncier", false),
    subject("8.5", HOUSING, "Aide communale à la rénovation des façades du centre ancien", true),
    subject("8.9", CULTURE, "Tarifs de la médiathèque et de l'école municipale de musique", false),
    subject("9.1", "autres domaines de compétences/autres domaines de compétences des communes", "Règlement intérieur des cimetières communaux", false),
    subject("9.4", "autres domaines de compétences/voeux et motions", "Motion pour le maintien des services publics de proximité", false),
];

#[rustfmt::skip]
const EPCI_ONLY: &[Subject] = &[
    subject("1.2", "commande publique/délégation de service public", "Rapport annuel du délégataire du service public de l'eau potable pour {prev}", false),
    subject("2.1", PLANNING_DOCUMENTS, "Plan local d'urbanisme intercommunal : bilan de la concertation", false),
    subject("5.7", INTERCOMMUNALITY, "Pacte financier et fiscal de solidarité avec les communes membres", false),
    subject("7.8", "finances locales/fonds de concours", "Attribution d'un fonds de concours à la commune de {member}", true),
    subject("7.2", TAXATION, "Taux de la taxe d'enlèvement des ordures ménagères pour {year}", true),
    subject("8.3", ROADS, "Programme annuel d'investissement sur la voirie métropolitaine", true),
    subject("8.5", HOUSING, "Programme local de l'habitat : bilan annuel", false),
    subject("8.6", EMPLOYMENT, "Convention d'objectifs avec la mission locale", true),
    subject("8.7", TRANSPORT, "Tarification des transports en commun au 1er janvier {next}", false),
    subject("8.8", ENVIRONMENT, "Plan climat-air-énergie territorial : bilan à mi-parcours", false),
    subject("8.8", ENVIRONMENT, "Redevance spéciale de collecte des déchets non ménagers", false),
];

#[rustfmt::skip]
const REGION_ONLY: &[Subject] = &[
    subject("7.4", "finances locales/interventions économiques", "Contrat d'entreprise régional : aides à l'investissement des PME", true),
    subject("7.5", GRANTS, "Soutien aux clubs sportifs de haut niveau de {city}", true),
    subject("8.1", EDUCATION, "Dotations de fonctionnement des lycées publics pour {next}", true),
    subject("8.1", EDUCATION, "Rénovation énergétique du lycée {person} à {city}", true),
    subject("8.4", PLANNING, "Contrats territoriaux : programmation {year}", true),
    subject("8.6", EMPLOYMENT, "Programme régional de formation professionnelle qualifiante", true),
    subject("8.7", TRANSPORT, "Convention d'exploitation des trains express régionaux", false),
    subject("8.9", CULTURE, "Soutien aux festivals en région", true),
    subject("9.3", "autres domaines de compétences/autres domaines de compétences des régions", "Stratégie régionale pour la biodiversité", false),
];

const PEOPLE: &[&str] = &[
    "Jean Jaurès",
    "Olympe de Gouges",
    "Pierre de Fermat",
    "Marie Curie",
    "Simone Veil",
    "Jean Moulin",
    "Louise Michel",
    "Victor Hugo",
];

const STREETS: &[&str] = &[
    "rue des Lilas",
    "allée des Platanes",
    "chemin du Moulin",
    "impasse des Tilleuls",
    "rue Gisèle Halimi",
    "allée Germaine Tillion",
    "chemin de la Garrigue",
    "rue des Vignes",
];

/// Number of seats of the deciding assembly: article L2121-2 of the CGCT for communes
/// (by population), the real assemblies for the métropole (134) and the région (158).
fn seats(org: &DemoOrganisation) -> u64 {
    match org.kind {
        OrganisationKind::Region => 158,
        OrganisationKind::Epci => 134,
        OrganisationKind::Commune => {
            const SCALE: &[(u32, u64)] = &[
                (300_000, 69),
                (250_000, 65),
                (200_000, 61),
                (150_000, 59),
                (100_000, 55),
                (80_000, 53),
                (60_000, 49),
                (50_000, 45),
                (40_000, 43),
                (30_000, 39),
                (20_000, 35),
                (10_000, 33),
                (5_000, 29),
                (3_500, 27),
            ];
            SCALE
                .iter()
                .find(|(threshold, _)| org.population >= *threshold)
                .map_or(23, |(_, seats)| *seats)
        }
    }
}

pub(crate) fn dataset(org: &DemoOrganisation, seed: u64) -> DemoDataset {
    let mut rng = Rng::new(seed, &stream(org, "deliberations"));
    let subjects: Vec<&Subject> = COMMON
        .iter()
        .chain(match org.kind {
            OrganisationKind::Commune => COMMUNE_ONLY,
            OrganisationKind::Epci => EPCI_ONLY,
            OrganisationKind::Region => REGION_ONLY,
        })
        .collect();
    let total = decision_count(org);
    let sessions = sessions(org);
    let seats = seats(org);
    let mut csv = CsvWriter::new(HEADER);
    for number in 1..=total {
        // Spread the decisions evenly over the sessions, budget first in the first session.
        let session = sessions[(number - 1) * sessions.len() / total];
        let subject = if number == 1 {
            &BUDGET_VOTE
        } else {
            rng.pick(&subjects)
        };
        let id = decision_id(org, number);
        let votes = votes(seats, subject, &mut rng);
        let (budget_year, budget_name) = budget(org, subject, &mut rng);
        let transmitted = session.plus_days(rng.between(1, 9) as i64);
        csv.row(&[
            org.official_name.to_owned(),
            org.siret(),
            id.clone(),
            session.iso(),
            subject.code.to_owned(),
            subject.matter.to_owned(),
            fill(subject.object, &mut rng),
            budget_year,
            budget_name,
            format!("PREF0{}", org.departement),
            transmitted.iso(),
            seats.to_string(),
            votes.present.to_string(),
            votes.for_.to_string(),
            votes.against.to_string(),
            votes.abstained.to_string(),
            format!("https://{}/deliberations/{YEAR}/{id}.pdf", org.domain()),
        ]);
    }
    let assembly = assembly(org);
    DemoDataset {
        slug: format!("deliberations-{YEAR}"),
        title: format!("Délibérations {} {YEAR}", assembly_of(org)),
        description: format!(
            "Délibérations adoptées par {assembly} {} en {YEAR} : objet, matière selon la \
             nomenclature ACTES, votes et lien vers l'acte.\n\n\
             Les délibérations sont transmises au contrôle de légalité puis publiées ici \
             après chaque séance.\n\n\
             Fichier conforme au schéma *Délibérations* (SCDL).",
            places::of(org.name)
        ),
        schema: "scdl-deliberations",
        themes: vec!["GOVE".to_owned()],
        keywords: ["délibérations", "conseil", "actes administratifs", org.name]
            .map(str::to_owned)
            .to_vec(),
        frequency: "MONTHLY",
        file_name: format!("deliberations-{}-{YEAR}.csv", org.slug),
        csv: csv.finish(),
        expected_valid: true,
    }
}

/// The first decision of the year: the budget.
const BUDGET_VOTE: Subject = subject("7.1", BUDGET_DECISIONS, "Budget primitif {year}", true);

fn decision_count(org: &DemoOrganisation) -> usize {
    match org.kind {
        OrganisationKind::Commune if org.population < 20_000 => 36,
        OrganisationKind::Commune if org.population < 100_000 => 48,
        _ => 60,
    }
}

fn assembly(org: &DemoOrganisation) -> &'static str {
    match org.kind {
        OrganisationKind::Commune => "le conseil municipal",
        OrganisationKind::Epci => "le conseil de la métropole",
        OrganisationKind::Region => "l'assemblée plénière et la commission permanente",
    }
}

fn assembly_of(org: &DemoOrganisation) -> String {
    match org.kind {
        OrganisationKind::Commune => format!("du conseil municipal {}", places::of(org.name)),
        OrganisationKind::Epci => format!("du conseil {}", places::of(org.name)),
        OrganisationKind::Region => "de la Région Occitanie".to_owned(),
    }
}

/// Council sessions of the year: one a month except August, on the authority's usual weekday.
fn sessions(org: &DemoOrganisation) -> Vec<Day> {
    let weekday = match org.kind {
        OrganisationKind::Commune => Weekday::Thursday,
        OrganisationKind::Epci => Weekday::Tuesday,
        OrganisationKind::Region => Weekday::Friday,
    };
    [1, 2, 3, 4, 5, 6, 7, 9, 10, 11]
        .into_iter()
        .map(|month| {
            // The second such weekday of the month.
            let mut day = Day::new(YEAR, month, 8);
            while day.weekday() != weekday {
                day = day.plus_days(1);
            }
            day
        })
        .collect()
}

pub(crate) fn decision_id(org: &DemoOrganisation, number: usize) -> String {
    match org.kind {
        OrganisationKind::Commune => format!("DCM{YEAR}-{number:03}"),
        OrganisationKind::Epci => format!("DEL-{}-{number:04}", YEAR % 100),
        OrganisationKind::Region => format!("{YEAR}-CP-{number:03}"),
    }
}

struct Votes {
    present: u64,
    for_: u64,
    against: u64,
    abstained: u64,
}

fn votes(seats: u64, subject: &Subject, rng: &mut Rng) -> Votes {
    let present = seats - rng.below(seats / 6 + 1);
    // Budgets and taxes divide the assembly; most other decisions are unanimous.
    let (against, abstained) = if subject.budget && rng.chance(70) {
        let opposition = present / 5;
        let against = rng.between(opposition / 2, opposition);
        (against, rng.below(opposition - against + 1))
    } else if rng.chance(20) {
        (0, rng.between(1, 3).min(present))
    } else {
        (0, 0)
    };
    Votes {
        present,
        for_: present - against - abstained,
        against,
        abstained,
    }
}

/// `BUDGET_ANNEE` and `BUDGET_NOM`, both filled or both empty (the schema's cohesion check).
fn budget(org: &DemoOrganisation, subject: &Subject, rng: &mut Rng) -> (String, String) {
    if !subject.budget {
        return (String::new(), String::new());
    }
    let name = match org.kind {
        OrganisationKind::Epci => rng.pick(&[
            "Budget principal",
            "Budget annexe eau potable",
            "Budget annexe assainissement",
            "Budget annexe transports",
        ]),
        _ => "Budget principal",
    };
    (YEAR.to_string(), name.to_owned())
}

/// Replaces the template's placeholders with plausible values.
fn fill(template: &str, rng: &mut Rng) -> String {
    let mut text = template
        .replace("{year}", &YEAR.to_string())
        .replace("{next}", &(YEAR + 1).to_string())
        .replace("{prev}", &(YEAR - 1).to_string());
    if text.contains("{n}") {
        text = text.replace("{n}", &rng.between(2, 24).to_string());
    }
    if text.contains("{section}") {
        let section = format!(
            "{}{}",
            (b'A' + rng.below(26) as u8) as char,
            (b'A' + rng.below(26) as u8) as char
        );
        text = text.replace("{section}", &section);
        text = text.replace("{parcel}", &rng.between(12, 980).to_string());
    }
    if text.contains("{street}") {
        text = text.replace("{street}", rng.pick(STREETS));
    }
    if text.contains("{person}") {
        text = text.replace("{person}", rng.pick(PEOPLE));
    }
    if text.contains("{member}") {
        let member = places::find(rng.pick(METROPOLE_PLACES));
        text = text.replace("{member}", member.name);
    }
    if text.contains("{city}") {
        text = text.replace("{city}", places::find(rng.pick(PREFECTURE_PLACES)).name);
    }
    text
}
