//! Checks of the demo content against the shared referential and the bundled schemas.
//!
//! The referential files are read from `/work/shared` through the crate-relative path CI
//! also provides (`<crate>/../../../shared`).

use std::collections::{HashMap, HashSet};

use serde_json::Value;

use super::places::{METROPOLE_PLACES, PLACES, PREFECTURE_PLACES};
use super::*;
use crate::bundled;

macro_rules! referential {
    ($file:literal) => {
        concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../../shared/referentiels/",
            $file
        )
    };
}

fn read(path: &str) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|error| panic!("cannot read {path}: {error}"))
}

/// Splits one CSV line, honouring double quotes (the referential quotes names with commas).
fn split_csv_line(line: &str) -> Vec<String> {
    let mut cells = vec![String::new()];
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' if quoted && chars.peek() == Some(&'"') => {
                chars.next();
                cells.last_mut().unwrap().push('"');
            }
            '"' => quoted = !quoted,
            ',' if !quoted => cells.push(String::new()),
            _ => cells.last_mut().unwrap().push(c),
        }
    }
    cells
}

/// A CSV file as records keyed by header names.
fn records(text: &str) -> Vec<HashMap<String, String>> {
    let mut lines = text.lines();
    let header = split_csv_line(lines.next().unwrap_or_default());
    lines
        .filter(|line| !line.is_empty())
        .map(|line| header.iter().cloned().zip(split_csv_line(line)).collect())
        .collect()
}

fn by_key(
    rows: Vec<HashMap<String, String>>,
    key: &str,
) -> HashMap<String, HashMap<String, String>> {
    rows.into_iter()
        .map(|row| (row[key].clone(), row))
        .collect()
}

#[test]
fn organisations_carry_their_true_identifiers() {
    let communes = by_key(records(&read(referential!("communes.csv"))), "code_insee");
    let epcis = by_key(records(&read(referential!("epci.csv"))), "siren");
    let regions = by_key(records(&read(referential!("regions.csv"))), "code");
    let members: HashSet<(String, String)> = records(&read(referential!("epci-membres.csv")))
        .into_iter()
        .map(|row| (row["siren_epci"].clone(), row["code_insee"].clone()))
        .collect();
    for org in organisations() {
        assert!(
            is_luhn_valid(org.siren),
            "{}: SIREN {} fails Luhn",
            org.slug,
            org.siren
        );
        assert!(is_luhn_valid(&org.siret()), "{}", org.slug);
        assert!(org.siret().starts_with(org.siren));
        assert!(
            org.contact_email.ends_with(".example"),
            "{}",
            org.contact_email
        );
        match org.kind {
            OrganisationKind::Commune => {
                let row = &communes[org.territory_code];
                assert_eq!(row["nom"], org.name);
                assert_eq!(row["siren"], org.siren, "{}", org.slug);
                assert_eq!(row["code_departement"], org.departement);
                assert_eq!(row["code_region"], "76");
                assert_eq!(row["population"], org.population.to_string());
                assert!(org.population >= 3_500);
                if let Some(publisher) = org.published_by {
                    assert_eq!(row["siren_epci"], publisher);
                    assert!(
                        members.contains(&(publisher.to_owned(), org.territory_code.to_owned()))
                    );
                }
            }
            OrganisationKind::Epci => {
                let row = &epcis[org.siren];
                assert_eq!(org.territory_code, org.siren);
                assert_eq!(row["nom"], org.name);
                assert_eq!(row["type"], "METRO");
                assert_eq!(row["population_municipale"], org.population.to_string());
            }
            OrganisationKind::Region => {
                assert_eq!(regions[org.territory_code]["nom"], org.name);
                let population: u64 = communes
                    .values()
                    .filter(|row| row["code_region"] == org.territory_code)
                    .map(|row| row["population"].parse::<u64>().unwrap_or(0))
                    .sum();
                assert_eq!(population, u64::from(org.population));
            }
        }
    }
}

#[test]
fn the_demo_covers_varied_communes_and_one_publisher_on_behalf() {
    let orgs = organisations();
    let communes: Vec<&DemoOrganisation> = orgs
        .iter()
        .filter(|org| org.kind == OrganisationKind::Commune)
        .collect();
    assert!((5..=6).contains(&communes.len()));
    let departements: HashSet<&str> = communes.iter().map(|org| org.departement).collect();
    assert!(departements.len() >= 4, "{departements:?}");
    assert!(communes.iter().any(|org| org.population < 10_000));
    assert!(communes.iter().any(|org| org.population > 300_000));
    let publishers: Vec<&str> = orgs.iter().filter_map(|org| org.published_by).collect();
    assert!(!publishers.is_empty());
    assert!(
        publishers
            .iter()
            .all(|siren| orgs.iter().any(|org| org.siren == *siren))
    );
    let slugs: HashSet<&str> = orgs.iter().map(|org| org.slug).collect();
    assert_eq!(slugs.len(), orgs.len());
}

/// Polygons (outer and inner rings) of each commune of the 2018 Occitanie boundaries.
fn commune_polygons() -> HashMap<String, Vec<Vec<(f64, f64)>>> {
    let geojson: Value =
        serde_json::from_str(&read(referential!("communes-occitanie-2018.geojson")))
            .expect("valid GeoJSON");
    let mut polygons: HashMap<String, Vec<Vec<(f64, f64)>>> = HashMap::new();
    for feature in geojson["features"].as_array().expect("features") {
        let code = feature["properties"]["code_insee"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        let geometry = &feature["geometry"];
        let parts = match geometry["type"].as_str() {
            Some("Polygon") => vec![&geometry["coordinates"]],
            _ => geometry["coordinates"]
                .as_array()
                .expect("multipolygon")
                .iter()
                .collect(),
        };
        for part in parts {
            for ring in part.as_array().expect("rings") {
                let points = ring
                    .as_array()
                    .expect("points")
                    .iter()
                    .map(|point| {
                        (
                            point[0].as_f64().unwrap_or(0.0),
                            point[1].as_f64().unwrap_or(0.0),
                        )
                    })
                    .collect();
                polygons.entry(code.clone()).or_default().push(points);
            }
        }
    }
    polygons
}

/// Even-odd rule over all rings: holes and multi-part communes come out right.
fn inside(rings: &[Vec<(f64, f64)>], latitude: f64, longitude: f64) -> bool {
    let mut crossings = 0;
    for ring in rings {
        for edge in ring.windows(2) {
            let ((x1, y1), (x2, y2)) = (edge[0], edge[1]);
            if (y1 > latitude) != (y2 > latitude)
                && longitude < x1 + (latitude - y1) * (x2 - x1) / (y2 - y1)
            {
                crossings += 1;
            }
        }
    }
    crossings % 2 == 1
}

#[test]
fn places_match_the_referential_and_every_facility_stands_in_its_commune() {
    let communes = by_key(records(&read(referential!("communes.csv"))), "code_insee");
    let departements = by_key(records(&read(referential!("departements.csv"))), "code");
    let members: HashSet<String> = records(&read(referential!("epci-membres.csv")))
        .into_iter()
        .filter(|row| row["siren_epci"] == TOULOUSE_METROPOLE_SIREN)
        .map(|row| row["code_insee"].clone())
        .collect();
    for place in PLACES {
        let row = &communes[place.insee];
        assert_eq!(row["nom"], place.name);
        assert_eq!(row["code_departement"], place.departement);
        assert_eq!(row["code_arrondissement"], place.arrondissement);
        let postcodes: Vec<&str> = row["codes_postaux"].split(' ').collect();
        assert!(
            place.postcodes.iter().all(|code| postcodes.contains(code)),
            "{}",
            place.name
        );
    }
    assert!(METROPOLE_PLACES.iter().all(|code| members.contains(*code)));
    let chefs_lieux: HashSet<&str> = departements
        .values()
        .filter(|row| row["code_region"] == "76")
        .map(|row| row["chef_lieu"].as_str())
        .collect();
    assert_eq!(chefs_lieux, PREFECTURE_PLACES.iter().copied().collect());

    let polygons = commune_polygons();
    let mut checked = 0;
    for org in organisations() {
        for dataset in datasets(&org, 11) {
            if dataset.schema != "scdl-equipements" {
                continue;
            }
            for row in records(std::str::from_utf8(&dataset.csv).unwrap()) {
                let insee = &row["EQUIP_UID"][..5];
                let latitude: f64 = row["EQUIP_LAT"].parse().unwrap();
                let longitude: f64 = row["EQUIP_LONG"].parse().unwrap();
                assert!(
                    inside(&polygons[insee], latitude, longitude),
                    "{} at {latitude},{longitude} is outside commune {insee}",
                    row["EQUIP_NOM"]
                );
                assert_eq!(communes[insee]["nom"], row["ADR_COMMUNE"]);
                checked += 1;
            }
        }
    }
    assert!(checked > 200, "only {checked} facilities checked");
}

/// Field names of a bundled schema, in order.
fn schema_fields(schema: &str) -> Vec<String> {
    let descriptor: Value =
        serde_json::from_str(bundled::find(schema).expect("bundled schema").descriptor)
            .expect("JSON");
    descriptor["fields"]
        .as_array()
        .expect("fields")
        .iter()
        .map(|field| field["name"].as_str().unwrap_or_default().to_owned())
        .collect()
}

fn all_datasets(seed: u64, size: DemoSize) -> Vec<(DemoOrganisation, DemoDataset)> {
    organisations()
        .into_iter()
        .flat_map(|org| {
            datasets_sized(&org, seed, size)
                .into_iter()
                .map(move |dataset| (org.clone(), dataset))
        })
        .collect()
}

#[test]
fn headers_are_the_schema_fields_in_order() {
    for (org, dataset) in all_datasets(3, DemoSize::Small) {
        let text = std::str::from_utf8(&dataset.csv).expect("UTF-8");
        let header = split_csv_line(text.lines().next().unwrap_or_default());
        assert_eq!(
            header,
            schema_fields(dataset.schema),
            "{} {}",
            org.slug,
            dataset.slug
        );
    }
}

#[test]
fn same_seed_gives_the_same_bytes_and_another_seed_other_bytes() {
    for org in organisations() {
        let first = datasets(&org, 2026);
        assert_eq!(first, datasets(&org, 2026), "{}", org.slug);
        let other = datasets(&org, 2027);
        for (a, b) in first.iter().zip(&other) {
            assert_eq!(a.slug, b.slug);
            assert_ne!(a.csv, b.csv, "{} {} ignores the seed", org.slug, a.slug);
        }
    }
}

fn row_count(dataset: &DemoDataset) -> usize {
    records(std::str::from_utf8(&dataset.csv).unwrap()).len()
}

#[test]
fn row_counts_follow_the_organisation_and_the_size() {
    let counts: HashMap<(String, &str), usize> = all_datasets(5, DemoSize::Small)
        .iter()
        .map(|(org, dataset)| ((org.slug.to_owned(), dataset.schema), row_count(dataset)))
        .collect();
    let count = |slug: &str, schema: &'static str| counts.get(&(slug.to_owned(), schema)).copied();
    assert_eq!(count("toulouse", "scdl-deliberations"), Some(60));
    assert_eq!(count("condom", "scdl-deliberations"), Some(36));
    assert_eq!(count("toulouse", "scdl-subventions"), Some(100));
    assert_eq!(count("condom", "scdl-subventions"), Some(45));
    assert_eq!(count("marvejols", "scdl-subventions"), None);
    assert_eq!(count("region-occitanie", "scdl-menus-collectifs"), None);
    assert_eq!(count("region-occitanie", "scdl-equipements"), Some(52));
    assert_eq!(
        count("toulouse", "scdl-equipements"),
        Some(12 + 514_819 / 5_000)
    );
    // 17 school days (Mondays, Tuesdays, Thursdays, Fridays of November 2026), 4 or 5 dishes,
    // three restaurants in a city.
    let menus = count("toulouse", "scdl-menus-collectifs").unwrap();
    assert!((17 * 3 * 4..=17 * 3 * 5).contains(&menus), "{menus}");
    assert!(
        counts.values().all(|rows| (10..=400).contains(rows)),
        "{counts:?}"
    );

    let large: HashMap<String, usize> = all_datasets(5, DemoSize::Large)
        .iter()
        .filter(|(_, dataset)| dataset.schema == "scdl-subventions")
        .map(|(org, dataset)| (org.slug.to_owned(), row_count(dataset)))
        .collect();
    assert_eq!(large["region-occitanie"], 3_000);
    assert_eq!(large["toulouse-metropole"], 2_000);
    assert_eq!(large["toulouse"], 100);
}

/// Columns the schema declares for its `french-siret-value` custom check.
fn siret_columns(schema: &str) -> Vec<String> {
    let descriptor: Value =
        serde_json::from_str(bundled::find(schema).unwrap().descriptor).unwrap();
    descriptor["custom_checks"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|check| check["name"] == "french-siret-value")
        .filter_map(|check| check["params"]["column"].as_str().map(str::to_owned))
        .collect()
}

#[test]
fn every_siret_is_fourteen_digits_with_a_valid_key() {
    let mut seen = 0;
    for (_, dataset) in all_datasets(9, DemoSize::Large) {
        let columns = siret_columns(dataset.schema);
        assert!(
            !columns.is_empty(),
            "{} declares SIRET columns",
            dataset.schema
        );
        for row in records(std::str::from_utf8(&dataset.csv).unwrap()) {
            for column in &columns {
                let value = &row[column];
                if !value.is_empty() {
                    assert_eq!(value.len(), 14, "{column} = {value}");
                    assert!(is_luhn_valid(value), "{column} = {value}");
                    seen += 1;
                }
            }
        }
    }
    assert!(seen > 5_000, "{seen}");
}

#[test]
fn exactly_one_file_is_imperfect_with_french_dates_and_decimal_commas() {
    let imperfect: Vec<(DemoOrganisation, DemoDataset)> = all_datasets(1, DemoSize::Small)
        .into_iter()
        .filter(|(_, dataset)| !dataset.expected_valid)
        .collect();
    assert_eq!(imperfect.len(), 1);
    let (org, dataset) = &imperfect[0];
    assert_eq!(org.slug, "marvejols");
    assert_eq!(dataset.schema, "scdl-menus-collectifs");
    for row in records(std::str::from_utf8(&dataset.csv).unwrap()) {
        let date = row["menuDate"].as_bytes();
        assert!(
            date.len() == 10 && date[2] == b'/' && date[5] == b'/',
            "{}",
            row["menuDate"]
        );
        assert!(row["menuPlatPrix"].contains(','), "{}", row["menuPlatPrix"]);
    }
}

/// A stand-in for Socle's validator until `socle validate` exists: required cells, enums,
/// lengths, numbers and ISO dates, read from the descriptor. Returns French messages.
fn minimal_validator(dataset: &DemoDataset) -> Result<(), Vec<String>> {
    let descriptor: Value =
        serde_json::from_str(bundled::find(dataset.schema).unwrap().descriptor).unwrap();
    let mut errors = Vec::new();
    let rows = records(std::str::from_utf8(&dataset.csv).map_err(|error| vec![error.to_string()])?);
    for (line, row) in rows.iter().enumerate() {
        for field in descriptor["fields"].as_array().unwrap() {
            let name = field["name"].as_str().unwrap();
            let value = row.get(name).map(String::as_str).unwrap_or_default();
            let constraints = &field["constraints"];
            let at = format!("ligne {}, colonne {name}", line + 2);
            if value.is_empty() {
                if constraints["required"] == true {
                    errors.push(format!("{at} : valeur obligatoire manquante"));
                }
                continue;
            }
            if let Some(allowed) = constraints["enum"].as_array()
                && !allowed.iter().any(|item| item == value)
            {
                errors.push(format!("{at} : « {value} » n'est pas une valeur autorisée"));
            }
            if let Some(max) = constraints["maxLength"].as_u64()
                && value.chars().count() as u64 > max
            {
                errors.push(format!("{at} : plus de {max} caractères"));
            }
            let well_typed = match field["type"].as_str() {
                Some("number") => value.parse::<f64>().is_ok() && !value.contains(','),
                Some("integer") => value.parse::<i64>().is_ok(),
                Some("date") => {
                    let bytes = value.as_bytes();
                    bytes.len() == 10 && bytes[4] == b'-' && bytes[7] == b'-'
                }
                Some("array") => {
                    value.starts_with('[') && serde_json::from_str::<Vec<String>>(value).is_ok()
                }
                _ => true,
            };
            if !well_typed {
                errors.push(format!("{at} : « {value} » n'a pas le type attendu"));
            }
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

/// Runs `validate` on every demo file and checks the outcome matches `expected_valid`.
/// Written against a closure so the lead can plug in Socle's own validator.
fn assert_every_file_meets_expectations(
    validate: impl Fn(&DemoDataset) -> Result<(), Vec<String>>,
) {
    for (org, dataset) in all_datasets(2026, DemoSize::Small) {
        let outcome = validate(&dataset);
        assert_eq!(
            outcome.is_ok(),
            dataset.expected_valid,
            "{} {}: {:?}",
            org.slug,
            dataset.slug,
            outcome
                .err()
                .map(|errors| errors.into_iter().take(5).collect::<Vec<_>>())
        );
    }
}

#[test]
fn every_file_meets_its_expected_validity() {
    assert_every_file_meets_expectations(minimal_validator);
}

/// Parses a bundled schema with Socle's Table Schema implementation.
fn socle_schema(name: &str) -> tableschema::Schema {
    let descriptor: Value = serde_json::from_str(bundled::find(name).unwrap().descriptor).unwrap();
    let (schema, _warnings) = tableschema::Schema::from_json(&descriptor).expect("usable schema");
    schema
}

/// Socle's own validator (`socle validate`), as the catalogue runs it on uploads.
fn socle_validate(dataset: &DemoDataset) -> tableschema::Report {
    let schema = socle_schema(dataset.schema);
    let options = crate::validation::ValidateOptions::default();
    crate::validation::validate(dataset.csv.as_slice(), &mut &schema, &options)
        .unwrap_or_else(|error| panic!("{}: {}", dataset.file_name, error.message_fr()))
        .report
}

#[test]
fn socle_validator_accepts_every_expected_valid_file() {
    assert_every_file_meets_expectations(|dataset| {
        let report = socle_validate(dataset);
        if report.valid {
            Ok(())
        } else {
            Err(report
                .errors
                .iter()
                .map(|error| error.message(tableschema::Lang::Fr))
                .collect())
        }
    });
}

#[test]
fn socle_validator_explains_the_imperfect_file_with_fixes() {
    let marvejols = organisations()
        .into_iter()
        .find(|org| org.slug == "marvejols")
        .unwrap();
    let menus = datasets(&marvejols, 2026)
        .into_iter()
        .find(|dataset| !dataset.expected_valid)
        .unwrap();
    let report = socle_validate(&menus);
    assert!(!report.valid);
    let fields: HashSet<&str> = report
        .errors
        .iter()
        .map(|error| error.field_name.as_deref().unwrap_or_default())
        .collect();
    assert_eq!(fields, HashSet::from(["menuDate", "menuPlatPrix"]));
    for error in &report.errors {
        assert_eq!(error.code, tableschema::ErrorCode::TypeError);
        let message = error.message(tableschema::Lang::Fr);
        match error.field_name.as_deref() {
            // The message names the expected form. (No `IsoDate` hint yet: tableschema only
            // suggests one for `format: default`, and this schema says `%Y-%m-%d`.)
            Some("menuDate") => assert!(message.contains("AAAA-MM-JJ"), "{message}"),
            _ => assert!(
                matches!(error.hint, Some(tableschema::Hint::DecimalPoint { .. })),
                "{message}"
            ),
        }
    }
}

#[test]
fn metadata_is_complete_and_slugs_are_unique_per_organisation() {
    const EU_THEMES: &[&str] = &[
        "AGRI", "ECON", "EDUC", "ENER", "ENVI", "GOVE", "HEAL", "INTR", "JUST", "REGI", "SOCI",
        "TECH", "TRAN",
    ];
    for org in organisations() {
        let list = datasets(&org, 4);
        let slugs: HashSet<&str> = list.iter().map(|dataset| dataset.slug.as_str()).collect();
        assert_eq!(slugs.len(), list.len());
        for dataset in &list {
            assert!(bundled::find(dataset.schema).is_ok());
            assert!(!dataset.title.is_empty() && !dataset.description.is_empty());
            assert!(
                dataset
                    .themes
                    .iter()
                    .all(|theme| EU_THEMES.contains(&theme.as_str()))
            );
            assert!(dataset.keywords.iter().any(|keyword| keyword == org.name));
            assert!(["MONTHLY", "ANNUAL"].contains(&dataset.frequency));
            assert!(dataset.file_name.ends_with(".csv"));
        }
    }
}
