//! School lunch menus (`scdl-menus-collectifs` 1.2.3): one month of lunches of a commune's
//! central kitchen, one line per dish, with the regional dishes and products of Occitanie.

use super::calendar::{Day, Weekday};
use super::places;
use super::random::Rng;
use super::table::CsvWriter;
use super::{DemoDataset, DemoOrganisation, luhn, stream};

/// The commune whose menus file is deliberately imperfect (French dates, decimal comma).
pub(crate) const IMPERFECT_PUBLISHER: &str = "marvejols";

pub(crate) const HEADER: &[&str] = &[
    "menuCollNom",
    "menuCollSiret",
    "menuEtablissementNom",
    "menuEtablissementSiret",
    "menuRestaurantNom",
    "menuRestaurantInsee",
    "menuRestaurantId",
    "menuRestaurantIdType",
    "menuRestaurantType",
    "menuRestaurantConvive",
    "menuDate",
    "menuRepasType",
    "menuPlatType",
    "menuPlatNom",
    "menuPlatCode",
    "menuPlatSiqo",
    "menuPlatLabel",
    "menuPlatPrecision",
    "menuPlatRegime",
    "menuPlatAllergene",
    "menuPlatTexture",
    "menuPlatNutriscore",
    "menuPlatPrix",
    "menuPublicationDate",
    "menuModificationDate",
    "menuModificationInfo",
];

/// The month served: November 2026, after the All Saints holidays of zone C.
const FIRST_DAY: Day = Day::new(2026, 11, 2);
const LAST_DAY: Day = Day::new(2026, 11, 30);
const PUBLISHED_AT: &str = "2026-10-23T08:30:00Z";

const BIO: &str = "agriculture biologique";
const AOP: &str = "appellation d'origine protégée";
const IGP: &str = "indication géographique protégée";
const LABEL_ROUGE: &str = "label rouge";

const GLUTEN: &str = "céréales contenant du gluten";
const EGGS: &str = "oeufs";
const FISH: &str = "poissons";
const MILK: &str = "lait";
const CELERY: &str = "céleri";
const MUSTARD: &str = "moutarde";

/// A dish of the kitchen's repertoire.
struct Dish {
    name: &'static str,
    allergens: &'static [&'static str],
    /// A quality sign the dish always carries (AOP cheese...), if any.
    siqo: Option<&'static str>,
    /// Whether a plat principal comes without a separate garniture.
    complete: bool,
}

const fn dish(name: &'static str, allergens: &'static [&'static str]) -> Dish {
    Dish {
        name,
        allergens,
        siqo: None,
        complete: false,
    }
}

const fn signed(
    name: &'static str,
    allergens: &'static [&'static str],
    siqo: &'static str,
) -> Dish {
    Dish {
        name,
        allergens,
        siqo: Some(siqo),
        complete: false,
    }
}

const fn complete(name: &'static str, allergens: &'static [&'static str]) -> Dish {
    Dish {
        name,
        allergens,
        siqo: None,
        complete: true,
    }
}

const STARTERS: &[Dish] = &[
    dish("Carottes râpées vinaigrette", &[MUSTARD]),
    dish("Betteraves en salade", &[MUSTARD]),
    dish("Salade de lentilles vertes", &[MUSTARD]),
    dish("Taboulé à la menthe", &[GLUTEN]),
    dish("Céleri rémoulade", &[CELERY, EGGS, MUSTARD]),
    dish("Potage de légumes", &[CELERY]),
    dish("Velouté de potiron", &[MILK]),
    dish("Salade verte aux croûtons", &[GLUTEN, MUSTARD]),
    dish("Concombres à la crème", &[MILK]),
    dish("Œufs durs mayonnaise", &[EGGS, MUSTARD]),
    dish("Chou rouge vinaigrette", &[MUSTARD]),
    dish("Salade de riz niçoise", &[FISH, EGGS]),
    dish("Radis beurre", &[MILK]),
    dish("Pamplemousse", &[]),
];

const MAINS: &[Dish] = &[
    signed("Poulet rôti", &[], LABEL_ROUGE),
    dish("Sauté de bœuf aux olives", &[]),
    dish("Filet de colin sauce citron", &[FISH, MILK]),
    complete("Hachis parmentier", &[MILK]),
    complete("Lasagnes à la bolognaise", &[GLUTEN, MILK]),
    dish("Boulettes de bœuf sauce tomate", &[GLUTEN]),
    dish("Rôti de dinde au jus", &[]),
    dish("Blanquette de veau", &[GLUTEN, MILK]),
    dish("Poisson pané", &[FISH, GLUTEN]),
    dish("Saucisse de Toulouse", &[]),
    complete("Aligot et saucisse", &[MILK]),
    complete("Brandade de morue", &[FISH, MILK]),
    dish("Axoa de veau", &[]),
];

const VEGETARIAN_MAINS: &[Dish] = &[
    dish("Omelette aux fines herbes", &[EGGS, MILK]),
    complete("Chili sin carne et riz", &[]),
    complete("Lasagnes aux légumes", &[GLUTEN, MILK]),
    complete("Gratin de pâtes au fromage", &[GLUTEN, MILK]),
    dish("Curry de pois chiches", &[]),
    dish("Galette de boulgour et lentilles", &[GLUTEN]),
    complete("Tarte aux poireaux", &[GLUTEN, EGGS, MILK]),
];

const SIDES: &[Dish] = &[
    dish("Haricots verts persillés", &[]),
    dish("Riz pilaf", &[]),
    dish("Purée de pommes de terre", &[MILK]),
    dish("Coquillettes", &[GLUTEN]),
    dish("Semoule", &[GLUTEN]),
    dish("Petits pois carottes", &[]),
    dish("Pommes de terre rissolées", &[]),
    dish("Ratatouille", &[]),
    dish("Épinards à la crème", &[MILK]),
    dish("Lentilles vertes", &[]),
    dish("Brocolis vapeur", &[]),
    dish("Gratin de chou-fleur", &[MILK, GLUTEN]),
];

const DAIRY: &[Dish] = &[
    dish("Yaourt nature", &[MILK]),
    dish("Fromage blanc", &[MILK]),
    signed("Roquefort", &[MILK], AOP),
    signed("Tomme des Pyrénées", &[MILK], IGP),
    signed("Pélardon", &[MILK], AOP),
    signed("Rocamadour", &[MILK], AOP),
    signed("Laguiole", &[MILK], AOP),
    dish("Camembert", &[MILK]),
    dish("Emmental", &[MILK]),
    dish("Petit-suisse", &[MILK]),
];

const DESSERTS: &[Dish] = &[
    dish("Pomme", &[]),
    dish("Poire", &[]),
    dish("Clémentines", &[]),
    dish("Kiwi", &[]),
    dish("Banane", &[]),
    dish("Compote de pommes", &[]),
    dish("Crème dessert à la vanille", &[MILK]),
    dish("Flan pâtissier", &[MILK, EGGS, GLUTEN]),
    dish("Gâteau au chocolat maison", &[GLUTEN, EGGS, MILK]),
    dish("Riz au lait", &[MILK]),
];

/// The Occitan lunch of the month (the precision column tells it).
const OCCITAN_MENU: [&str; 5] = [
    "Salade verte aux croûtons",
    "Cassoulet",
    "",
    "Roquefort",
    "Croustade aux pommes",
];

const SCHOOL_NAMES: &[&str] = &[
    "Jules Ferry",
    "Jean Jaurès",
    "Marie Curie",
    "Louise Michel",
    "Victor Hugo",
    "Jean Moulin",
    "Olympe de Gouges",
    "Pierre de Fermat",
    "Simone Veil",
    "Les Tilleuls",
];

/// One restaurant served by the central kitchen.
struct Restaurant {
    name: String,
    uai: String,
    level: &'static str,
}

/// One line of the file before formatting.
struct Line<'a> {
    kind: &'static str,
    name: &'a str,
    code: String,
    siqo: Vec<&'static str>,
    label: &'static str,
    precision: &'static str,
    vegetarian: bool,
    allergens: &'a [&'static str],
    price_cents: u64,
    modified: Option<(&'static str, &'static str)>,
}

pub(crate) fn dataset(org: &DemoOrganisation, seed: u64) -> DemoDataset {
    let imperfect = org.slug == IMPERFECT_PUBLISHER;
    let mut rng = Rng::new(seed, &stream(org, "menus"));
    let restaurants = restaurants(org, &mut rng);
    let kitchen_siret = luhn::siret(org.siren, 2);
    let mut csv = CsvWriter::new(HEADER);
    for day in school_days() {
        let lines = day_lines(day, &mut rng);
        for restaurant in &restaurants {
            for line in &lines {
                let date = if imperfect { day.french() } else { day.iso() };
                let price = format_price(line.price_cents, imperfect);
                let (modified_at, modification) = line.modified.unwrap_or(("", ""));
                csv.row(&[
                    org.official_name,
                    &org.siret(),
                    &format!("Cuisine centrale {}", places::of(org.name)),
                    &kitchen_siret,
                    &restaurant.name,
                    org.territory_code,
                    &restaurant.uai,
                    "EN",
                    restaurant.level,
                    "tous",
                    &date,
                    "déjeuner",
                    line.kind,
                    line.name,
                    &line.code,
                    &json_list(&line.siqo),
                    line.label,
                    line.precision,
                    &json_list(if line.vegetarian {
                        &["végétarien"]
                    } else {
                        &[]
                    }),
                    &json_list(line.allergens),
                    &json_list(&["sans texture modifiée"]),
                    "",
                    &price,
                    PUBLISHED_AT,
                    modified_at,
                    modification,
                ]);
            }
        }
    }
    let (title, description) = texts(org, imperfect);
    DemoDataset {
        slug: "menus-cantines-2026-11".to_owned(),
        title,
        description,
        schema: "scdl-menus-collectifs",
        themes: vec!["EDUC".to_owned(), "AGRI".to_owned()],
        keywords: [
            "cantine",
            "restauration scolaire",
            "menus",
            "allergènes",
            org.name,
        ]
        .map(str::to_owned)
        .to_vec(),
        frequency: "MONTHLY",
        file_name: if imperfect {
            "Menus cantine novembre 2026.csv".to_owned()
        } else {
            format!("menus-restauration-scolaire-{}-2026-11.csv", org.slug)
        },
        csv: csv.finish(),
        expected_valid: !imperfect,
    }
}

fn texts(org: &DemoOrganisation, imperfect: bool) -> (String, String) {
    let title = format!(
        "Menus des cantines scolaires {} — novembre 2026",
        places::of(org.name)
    );
    let mut description = format!(
        "Menus servis dans les restaurants scolaires {} en novembre 2026, préparés par la \
         cuisine centrale municipale.\n\n\
         - une ligne par plat (entrée, plat principal, garniture, produit laitier, dessert) ;\n\
         - allergènes réglementaires, signes de qualité (agriculture biologique, AOP, IGP, \
         Label rouge) et produits locaux ;\n\
         - un repas végétarien par semaine, conformément à la loi EGalim.\n\n\
         Fichier conforme au schéma *Menus de la restauration collective* (SCDL).",
        places::of(org.name)
    );
    if imperfect {
        description.push_str(
            "\n\n> Fichier exporté d'un tableur : les dates sont au format JJ/MM/AAAA et les prix \
             utilisent la virgule décimale. Le rapport de validation indique comment le corriger.",
        );
    }
    (title, description)
}

/// Two restaurants for a small commune, three for a city: an extract of the school network.
fn restaurants(org: &DemoOrganisation, rng: &mut Rng) -> Vec<Restaurant> {
    let count = if org.population > 40_000 { 3 } else { 2 };
    let first = rng.below(SCHOOL_NAMES.len() as u64) as usize;
    (0..count)
        .map(|index| {
            let person = SCHOOL_NAMES[(first + index * 3) % SCHOOL_NAMES.len()];
            let level = if index % 2 == 0 {
                "élémentaire"
            } else {
                "maternelle"
            };
            Restaurant {
                name: format!("École {level} {person}"),
                uai: uai(org.departement, rng),
                level,
            }
        })
        .collect()
}

/// A well-formed UAI (school code): `0` + département + 4 digits + key letter
/// (the 7-digit number modulo 23, on the alphabet without I, O and Q).
fn uai(departement: &str, rng: &mut Rng) -> String {
    const KEYS: &[u8] = b"ABCDEFGHJKLMNPRSTUVWXYZ";
    let number = format!("0{departement}{:04}", rng.between(1000, 2999));
    let value: u64 = number.parse().unwrap_or(0);
    format!("{number}{}", KEYS[(value % 23) as usize] as char)
}

/// Mondays, Tuesdays, Thursdays and Fridays of the month (no lunch on Wednesdays).
fn school_days() -> Vec<Day> {
    let mut days = Vec::new();
    let mut day = FIRST_DAY;
    while day <= LAST_DAY {
        if matches!(
            day.weekday(),
            Weekday::Monday | Weekday::Tuesday | Weekday::Thursday | Weekday::Friday
        ) {
            days.push(day);
        }
        day = day.plus_days(1);
    }
    days
}

/// The dishes of one day: vegetarian on Tuesdays, the Occitan lunch on the third Thursday.
fn day_lines(day: Day, rng: &mut Rng) -> Vec<Line<'static>> {
    if day.weekday() == Weekday::Thursday && (15..=21).contains(&day.day) {
        return COURSES
            .iter()
            .enumerate()
            .filter_map(|(index, (kind, _))| occitan_line(index, kind, rng))
            .collect();
    }
    let vegetarian = day.weekday() == Weekday::Tuesday;
    let main = rng.pick_ref(if vegetarian { VEGETARIAN_MAINS } else { MAINS });
    let mut lines = Vec::new();
    for (kind, repertoire) in COURSES {
        if kind == "garniture" && main.complete {
            continue;
        }
        let chosen = if kind == "plat principal" {
            main
        } else {
            rng.pick_ref(repertoire)
        };
        lines.push(dish_line(
            kind,
            chosen,
            vegetarian && kind == "plat principal",
            rng,
        ));
    }
    if rng.chance(4) {
        // A delivery problem: the dessert was changed after publication.
        if let Some(last) = lines.last_mut() {
            last.modified = Some((
                "2026-11-02T07:45:00Z",
                "changement dû à un aléa de livraison",
            ));
        }
    }
    lines
}

/// The components of a lunch, in serving order, with their repertoires.
const COURSES: [(&str, &[Dish]); 5] = [
    ("entrée", STARTERS),
    ("plat principal", MAINS),
    ("garniture", SIDES),
    ("produit laitier", DAIRY),
    ("dessert", DESSERTS),
];

fn dish_line(
    kind: &'static str,
    dish: &'static Dish,
    vegetarian: bool,
    rng: &mut Rng,
) -> Line<'static> {
    let mut siqo = Vec::new();
    if let Some(sign) = dish.siqo {
        siqo.push(sign);
    }
    let fresh_produce = matches!(kind, "entrée" | "garniture" | "dessert");
    if fresh_produce && rng.chance(30) {
        siqo.push(BIO);
    }
    let label = if rng.chance(15) { "Sud de France" } else { "" };
    Line {
        kind,
        name: dish.name,
        code: dish_code(dish.name),
        siqo,
        label,
        precision: "",
        vegetarian,
        allergens: dish.allergens,
        price_cents: base_price(kind) + rng.below(40),
        modified: None,
    }
}

fn occitan_line(index: usize, kind: &'static str, rng: &mut Rng) -> Option<Line<'static>> {
    let name = OCCITAN_MENU[index];
    if name.is_empty() {
        return None;
    }
    let (allergens, siqo): (&'static [&'static str], Vec<&'static str>) = match kind {
        "entrée" => (&[GLUTEN, MUSTARD], vec![]),
        "plat principal" => (&[CELERY], vec![]),
        "produit laitier" => (&[MILK], vec![AOP]),
        _ => (&[GLUTEN, EGGS, MILK], vec![]),
    };
    Some(Line {
        kind,
        name,
        code: dish_code(name),
        siqo,
        label: "Sud de France",
        precision: "repas occitan",
        vegetarian: false,
        allergens,
        price_cents: base_price(kind) + 20 + rng.below(30),
        modified: None,
    })
}

/// Typical cost price of a component, in cents.
fn base_price(kind: &str) -> u64 {
    match kind {
        "plat principal" => 140,
        "garniture" => 45,
        "produit laitier" => 35,
        "dessert" => 40,
        _ => 50,
    }
}

/// A stable code per dish name (`P` + 5 digits), as a kitchen management tool would assign.
fn dish_code(name: &str) -> String {
    let hash = name.bytes().fold(0x811C_9DC5_u32, |hash, byte| {
        (hash ^ u32::from(byte)).wrapping_mul(0x0100_0193)
    });
    format!("P{:05}", hash % 100_000)
}

fn format_price(cents: u64, decimal_comma: bool) -> String {
    let separator = if decimal_comma { ',' } else { '.' };
    format!("{}{separator}{:02}", cents / 100, cents % 100)
}

/// The schema's array form: a JSON list of strings, empty cell for no value.
fn json_list(items: &[&str]) -> String {
    if items.is_empty() {
        return String::new();
    }
    let quoted: Vec<String> = items.iter().map(|item| format!("\"{item}\"")).collect();
    format!("[{}]", quoted.join(","))
}
