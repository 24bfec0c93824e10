//! The administrative referentials bundled in the binary (INSEE / DGCL data under Licence Ouverte,
//! see `referentiels/SOURCES.md`), and a reader for files of the same shape.
//!
//! Columns are found by header name, so a future vintage with reordered or extra columns still reads.

use std::collections::HashMap;
use std::io::Read;

use model::{Commune, Departement, Epci, Referentials, Region};

use crate::error::{Error, Result};

pub const COMMUNES_CSV: &str = include_str!("../referentiels/communes.csv");
pub const EPCI_CSV: &str = include_str!("../referentiels/epci.csv");
pub const DEPARTEMENTS_CSV: &str = include_str!("../referentiels/departements.csv");
pub const REGIONS_CSV: &str = include_str!("../referentiels/regions.csv");

/// The bundled referentials, parsed.
pub fn bundled() -> Result<Referentials> {
    parse(
        COMMUNES_CSV.as_bytes(),
        EPCI_CSV.as_bytes(),
        DEPARTEMENTS_CSV.as_bytes(),
        REGIONS_CSV.as_bytes(),
    )
}

/// Reads the four CSV files (UTF-8, comma-separated, with a header line).
pub fn parse(
    communes: impl Read,
    epci: impl Read,
    departements: impl Read,
    regions: impl Read,
) -> Result<Referentials> {
    Ok(Referentials {
        communes: read_rows("communes.csv", communes, commune_from_record)?,
        epci: read_rows("epci.csv", epci, epci_from_record)?,
        departements: read_rows("departements.csv", departements, |record| {
            Ok(Departement {
                code: record.required("code")?,
                name: record.required("nom")?,
                region: record.required("code_region")?,
                chef_lieu: record.required("chef_lieu")?,
                zone: record.required("zone")?,
            })
        })?,
        regions: read_rows("regions.csv", regions, |record| {
            Ok(Region {
                code: record.required("code")?,
                name: record.required("nom")?,
                chef_lieu: record.required("chef_lieu")?,
                zone: record.required("zone")?,
            })
        })?,
    })
}

fn commune_from_record(record: &Record<'_>) -> Result<Commune, String> {
    Ok(Commune {
        code_insee: record.required("code_insee")?,
        name: record.required("nom")?,
        zone: record.required("zone")?,
        population: record.number("population")?,
        departement: record.required("code_departement")?,
        region: record.required("code_region")?,
        arrondissement: record.optional("code_arrondissement")?,
        siren: record.optional("siren")?,
        epci_siren: record.optional("siren_epci")?,
        postal_codes: record
            .optional("codes_postaux")?
            .unwrap_or_default()
            .split_whitespace()
            .map(str::to_owned)
            .collect(),
    })
}

fn epci_from_record(record: &Record<'_>) -> Result<Epci, String> {
    Ok(Epci {
        siren: record.required("siren")?,
        name: record.required("nom")?,
        kind: record.required("type")?,
        financing: record.required("mode_financement")?,
        population_total: record.number("population_totale")?,
        population_municipal: record.number("population_municipale")?,
        commune_count: record.number("nb_communes")?,
    })
}

/// One CSV record with access by header name.
struct Record<'a> {
    fields: &'a csv::StringRecord,
    positions: &'a HashMap<String, usize>,
}

impl Record<'_> {
    fn optional(&self, name: &str) -> Result<Option<String>, String> {
        let position = self
            .positions
            .get(name)
            .ok_or_else(|| format!("colonne « {name} » absente"))?;
        Ok(self
            .fields
            .get(*position)
            .map(str::trim)
            .filter(|text| !text.is_empty())
            .map(str::to_owned))
    }

    fn required(&self, name: &str) -> Result<String, String> {
        self.optional(name)?
            .ok_or_else(|| format!("valeur manquante dans la colonne « {name} »"))
    }

    fn number<T: std::str::FromStr>(&self, name: &str) -> Result<Option<T>, String> {
        self.optional(name)?
            .map(|text| {
                text.parse()
                    .map_err(|_| format!("nombre invalide « {text} » dans la colonne « {name} »"))
            })
            .transpose()
    }
}

fn read_rows<T>(
    file: &str,
    reader: impl Read,
    mut convert: impl FnMut(&Record<'_>) -> Result<T, String>,
) -> Result<Vec<T>> {
    let mut csv_reader = csv::Reader::from_reader(reader);
    let headers = csv_reader
        .headers()
        .map_err(|error| Error::Referentials(format!("{file} : {error}")))?;
    let positions: HashMap<String, usize> = headers
        .iter()
        .enumerate()
        .map(|(position, name)| (name.trim_start_matches('\u{feff}').to_owned(), position))
        .collect();
    let mut rows = Vec::new();
    let mut fields = csv::StringRecord::new();
    let mut line = 1;
    loop {
        match csv_reader.read_record(&mut fields) {
            Ok(false) => break,
            Ok(true) => {}
            Err(error) => return Err(Error::Referentials(format!("{file} : {error}"))),
        }
        line += 1;
        let record = Record {
            fields: &fields,
            positions: &positions,
        };
        rows.push(
            convert(&record).map_err(|problem| {
                Error::Referentials(format!("{file}, ligne {line} : {problem}"))
            })?,
        );
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bundled_files_parse_completely() {
        let referentials = bundled().unwrap();
        // Row counts documented in referentiels/SOURCES.md.
        assert_eq!(referentials.communes.len(), 34_969);
        assert_eq!(referentials.epci.len(), 1_255);
        assert_eq!(referentials.departements.len(), 109);
        assert_eq!(referentials.regions.len(), 26);
        let montpellier = referentials
            .communes
            .iter()
            .find(|commune| commune.code_insee == "34172")
            .unwrap();
        assert_eq!(montpellier.name, "Montpellier");
        assert_eq!(montpellier.epci_siren.as_deref(), Some("243400017"));
        assert!(montpellier.postal_codes.len() > 1);
        // Every commune and EPCI SIREN in the bundled files passes the Luhn check.
        for commune in &referentials.communes {
            if let Some(siren) = &commune.siren {
                assert!(model::siren::is_valid(siren), "{siren}");
            }
        }
        for epci in &referentials.epci {
            assert!(model::siren::is_valid(&epci.siren), "{}", epci.siren);
        }
    }

    #[test]
    fn errors_name_file_line_and_column() {
        let communes = "code_insee,nom,zone,population,code_departement,code_region,code_arrondissement,siren,siren_epci,codes_postaux\n\
                        01001,A,metro,12x,01,84,,,,\n";
        let error = parse(
            communes.as_bytes(),
            "".as_bytes(),
            "".as_bytes(),
            "".as_bytes(),
        )
        .unwrap_err();
        assert_eq!(
            error.to_string(),
            "référentiels : communes.csv, ligne 2 : nombre invalide « 12x » dans la colonne « population »"
        );
        let missing_column = "code_insee,nom\n01001,A\n";
        let error = parse(
            missing_column.as_bytes(),
            "".as_bytes(),
            "".as_bytes(),
            "".as_bytes(),
        )
        .unwrap_err();
        assert!(
            error.to_string().contains("colonne « zone » absente"),
            "{error}"
        );
    }
}
