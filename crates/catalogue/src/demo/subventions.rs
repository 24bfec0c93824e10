//! Grants (`scdl-subventions` 2.1.1): about a hundred grants of the year to local associations
//! (a few thousand for the Région and the Métropole at the large size), with Luhn-valid
//! beneficiary SIRETs, RNA numbers, payment periods and split grants.

use super::calendar::Day;
use super::deliberations;
use super::places::{self, METROPOLE_PLACES, PREFECTURE_PLACES, Place};
use super::random::Rng;
use super::table::CsvWriter;
use super::{DemoDataset, DemoOrganisation, DemoSize, OrganisationKind, luhn, stream};

pub(crate) const HEADER: &[&str] = &[
    "nomAttribuant",
    "idAttribuant",
    "dateConvention",
    "referenceDecision",
    "nomBeneficiaire",
    "idBeneficiaire",
    "rnaBeneficiaire",
    "objet",
    "montant",
    "nature",
    "conditionsVersement",
    "datesPeriodeVersement",
    "idRAE",
    "notificationUE",
    "pourcentageSubvention",
    "dispositifAide",
];

const YEAR: i32 = 2026;

/// A family of beneficiaries: name patterns and what their grants pay for.
struct Sector {
    names: &'static [&'static str],
    objects: &'static [&'static str],
    /// Typical amount range in euros for a commune; larger authorities multiply it.
    amount: (u64, u64),
}

const SECTORS: &[Sector] = &[
    Sector {
        names: &[
            "Union sportive {place}",
            "Rugby club {place}",
            "Tennis club {place}",
            "Judo club {place}",
            "Handball {place}",
            "Cercle d'escrime de {place}",
            "Athlétic club {place}",
            "Vélo club {place}",
        ],
        objects: &[
            "Fonctionnement de la saison {season}",
            "Organisation d'un tournoi régional des jeunes",
            "Achat de matériel sportif",
            "Déplacements des équipes en championnat",
            "Développement de la pratique féminine",
        ],
        amount: (300, 25_000),
    },
    Sector {
        names: &[
            "Harmonie de {place}",
            "Chorale {place} en chœur",
            "Compagnie théâtrale Les Tréteaux de {place}",
            "Festival des cultures occitanes de {place}",
            "Ciné-club de {place}",
            "Atelier d'arts plastiques de {place}",
        ],
        objects: &[
            "Fonctionnement {year}",
            "Organisation du festival d'été",
            "Saison culturelle {season}",
            "Ateliers d'éducation artistique dans les écoles",
            "Création d'un spectacle en occitan",
        ],
        amount: (500, 40_000),
    },
    Sector {
        names: &[
            "Comité des fêtes de {place}",
            "Amicale laïque de {place}",
            "Association des parents d'élèves de {place}",
            "Maison des jeunes et de la culture de {place}",
            "Foyer rural de {place}",
        ],
        objects: &[
            "Fonctionnement {year}",
            "Organisation de la fête locale",
            "Animations de quartier pendant l'été",
            "Accueil de loisirs du mercredi",
        ],
        amount: (200, 15_000),
    },
    Sector {
        names: &[
            "Épicerie solidaire de {place}",
            "Secours populaire comité de {place}",
            "Aide à domicile en milieu rural de {place}",
            "Association d'insertion {place} emploi",
            "Accueil des familles de {place}",
        ],
        objects: &[
            "Aide alimentaire aux familles",
            "Fonctionnement {year}",
            "Accompagnement vers l'emploi",
            "Lutte contre l'isolement des personnes âgées",
        ],
        amount: (1_000, 60_000),
    },
    Sector {
        names: &[
            "Jardins partagés de {place}",
            "Les amis de la nature de {place}",
            "Association pour la sauvegarde du patrimoine de {place}",
            "Société de chasse de {place}",
        ],
        objects: &[
            "Entretien des sentiers de randonnée",
            "Sensibilisation au tri des déchets",
            "Restauration du petit patrimoine",
            "Fonctionnement {year}",
        ],
        amount: (150, 8_000),
    },
];

pub(crate) fn dataset(org: &DemoOrganisation, seed: u64, size: DemoSize) -> DemoDataset {
    let mut rng = Rng::new(seed, &stream(org, "subventions"));
    let count = grant_count(org, size);
    let beneficiaries = beneficiaries(org, count, &mut rng);
    let scale = match org.kind {
        OrganisationKind::Commune if org.population < 50_000 => 1,
        OrganisationKind::Commune => 2,
        OrganisationKind::Epci => 3,
        OrganisationKind::Region => 5,
    };
    let mut csv = CsvWriter::new(HEADER);
    let mut written = 0;
    while written < count {
        let beneficiary = &beneficiaries[rng.below(beneficiaries.len() as u64) as usize];
        let sector = &SECTORS[beneficiary.sector];
        let grant = Grant::draw(sector, scale, &mut rng);
        // A few grants fund a project carried jointly by two associations.
        let shares: &[&str] = if rng.chance(4) && written + 1 < count {
            &["0.60", "0.40"]
        } else {
            &["1.00"]
        };
        for (index, share) in shares.iter().enumerate() {
            let recipient = if index == 0 {
                beneficiary
            } else {
                partner(&beneficiaries, beneficiary, &mut rng)
            };
            write_grant(&mut csv, org, recipient, &grant, share, &mut rng);
            written += 1;
        }
    }
    DemoDataset {
        slug: format!("subventions-{YEAR}"),
        title: format!("Subventions attribuées par {} en {YEAR}", attributor(org)),
        description: format!(
            "Subventions attribuées en {YEAR} par {} aux associations et autres organismes de \
             son territoire : bénéficiaire (SIRET, numéro RNA), objet, montant, nature et \
             modalités de versement.\n\n\
             Publication prévue par la loi pour une République numérique (décret n° 2017-779) \
             pour les subventions de plus de 23 000 euros ; {} publie toutes ses subventions.\n\n\
             Fichier conforme au schéma *Subventions* (SCDL).",
            attributor(org),
            org.official_name,
        ),
        schema: "scdl-subventions",
        themes: vec!["ECON".to_owned(), "SOCI".to_owned(), "GOVE".to_owned()],
        keywords: ["subventions", "associations", "vie associative", org.name]
            .map(str::to_owned)
            .to_vec(),
        frequency: "ANNUAL",
        file_name: format!("subventions-{}-{YEAR}.csv", org.slug),
        csv: csv.finish(),
        expected_valid: true,
    }
}

fn attributor(org: &DemoOrganisation) -> String {
    match org.kind {
        OrganisationKind::Commune => format!("la commune {}", places::of(org.name)),
        OrganisationKind::Epci => org.name.to_owned(),
        OrganisationKind::Region => "la Région Occitanie".to_owned(),
    }
}

fn grant_count(org: &DemoOrganisation, size: DemoSize) -> usize {
    match (org.kind, size) {
        (OrganisationKind::Region, DemoSize::Large) => 3_000,
        (OrganisationKind::Epci, DemoSize::Large) => 2_000,
        (OrganisationKind::Commune, _) if org.population < 20_000 => 45,
        _ => 100,
    }
}

/// An organisation receiving grants.
struct Beneficiary {
    name: String,
    siret: Option<String>,
    rna: Option<String>,
    sector: usize,
}

/// A pool of associations located where the authority acts (its commune, the métropole's
/// members, the région's chefs-lieux), about two grants each.
fn beneficiaries(org: &DemoOrganisation, grants: usize, rng: &mut Rng) -> Vec<Beneficiary> {
    let homes: Vec<&'static Place> = match org.kind {
        OrganisationKind::Commune => vec![places::find(org.territory_code)],
        OrganisationKind::Epci => METROPOLE_PLACES
            .iter()
            .map(|code| places::find(code))
            .collect(),
        OrganisationKind::Region => PREFECTURE_PLACES
            .iter()
            .map(|code| places::find(code))
            .collect(),
    };
    let wanted = (grants / 2).max(10);
    let mut pool: Vec<Beneficiary> = Vec::with_capacity(wanted);
    let mut attempts = 0;
    while pool.len() < wanted && attempts < wanted * 20 {
        attempts += 1;
        let home = rng.pick(&homes);
        let sector = rng.below(SECTORS.len() as u64) as usize;
        let name = rng
            .pick(SECTORS[sector].names)
            .replace("de {place}", &places::of(home.name))
            .replace("{place}", home.name);
        if pool.iter().any(|known| known.name == name) {
            continue;
        }
        // Every association has an RNA number; most also have a SIRET (needed to be paid).
        let first_digit = rng.pick(&[3u8, 4, 5, 7, 8]);
        let siret = rng.chance(85).then(|| luhn::random_siret(rng, first_digit));
        let rna = (siret.is_none() || rng.chance(90))
            .then(|| format!("W{}{:06}", home.arrondissement, rng.below(1_000_000)));
        pool.push(Beneficiary {
            name,
            siret,
            rna,
            sector,
        });
    }
    pool
}

/// Another association of the same sector, to share a joint project's grant.
fn partner<'a>(pool: &'a [Beneficiary], first: &'a Beneficiary, rng: &mut Rng) -> &'a Beneficiary {
    let same_sector: Vec<&Beneficiary> = pool
        .iter()
        .filter(|other| other.sector == first.sector && other.name != first.name)
        .collect();
    if same_sector.is_empty() {
        first
    } else {
        rng.pick(&same_sector)
    }
}

/// What one grant is, before it is shared between beneficiaries.
struct Grant {
    object: String,
    amount: u64,
    in_kind: bool,
    convention: Day,
    staged: bool,
}

impl Grant {
    fn draw(sector: &Sector, scale: u64, rng: &mut Rng) -> Grant {
        let (low, high) = sector.amount;
        // Log-uniform: many small grants, few large ones; rounded like real decisions.
        let amount = (low as f64 * ((high as f64 / low as f64).powf(rng.unit()))) as u64 * scale;
        let rounding = if amount >= 10_000 { 500 } else { 50 };
        let amount = (amount / rounding).max(1) * rounding;
        let convention = Day::new(YEAR, 1, 15).plus_days(rng.below(300) as i64);
        Grant {
            object: rng
                .pick(sector.objects)
                .replace("{year}", &YEAR.to_string())
                .replace("{season}", &format!("{YEAR}-{}", YEAR + 1)),
            amount,
            in_kind: rng.chance(5),
            convention,
            staged: amount >= 10_000 && rng.chance(70),
        }
    }

    fn payment_period(&self, rng: &mut Rng) -> String {
        let first = self.convention.plus_days(rng.between(10, 45) as i64);
        if self.staged {
            format!("{}/{}", first.iso(), Day::new(YEAR, 12, 31).iso())
        } else {
            first.iso()
        }
    }
}

fn write_grant(
    csv: &mut CsvWriter,
    org: &DemoOrganisation,
    beneficiary: &Beneficiary,
    grant: &Grant,
    share: &str,
    rng: &mut Rng,
) {
    let in_kind = grant.in_kind || beneficiary.siret.is_none();
    let nature = if in_kind {
        "aide en nature"
    } else if rng.chance(6) {
        "aide en numéraire;aide en nature"
    } else {
        "aide en numéraire"
    };
    // The council decision granting it, numbered as in the deliberations file.
    let reference = deliberations::decision_id(org, rng.between(2, 30) as usize);
    csv.row(&[
        org.official_name.to_owned(),
        org.siret(),
        grant.convention.iso(),
        reference,
        beneficiary.name.clone(),
        beneficiary.siret.clone().unwrap_or_default(),
        beneficiary.rna.clone().unwrap_or_default(),
        grant.object.clone(),
        grant.amount.to_string(),
        nature.to_owned(),
        if grant.staged {
            "échelonné"
        } else {
            "unique"
        }
        .to_owned(),
        grant.payment_period(rng),
        String::new(),
        "non".to_owned(),
        share.to_owned(),
        String::new(),
    ]);
}
