//! The referential tables on PostgreSQL: import (replace all, with `COPY`) and lookups.

use model::{Commune, Departement, Epci, Referentials, Region, Value};
use postgres::{Row, Transaction};

use super::PgEngine;
use super::catalogue::query_one;
use super::codec::{get, write_copy_value};
use crate::ReferentialCounts;
use crate::error::{Error, Result};

const COMMUNE_COLUMNS: &str = "code_insee, name, zone, population, departement_code, region_code, arrondissement_code, siren, epci_siren, postal_codes";

fn unsigned(number: Option<i64>) -> Option<u64> {
    number.and_then(|number| u64::try_from(number).ok())
}

fn count(number: Option<u64>) -> Value {
    number.map_or(Value::Null, |number| {
        Value::Int(i64::try_from(number).unwrap_or(i64::MAX))
    })
}

fn text(value: &str) -> Value {
    Value::Text(value.to_owned())
}

fn optional_text(value: &Option<String>) -> Value {
    value.as_deref().map_or(Value::Null, text)
}

fn commune_from_row(row: &Row) -> Result<Commune> {
    let postal_codes: String = get(row, 9)?;
    Ok(Commune {
        code_insee: get(row, 0)?,
        name: get(row, 1)?,
        zone: get(row, 2)?,
        population: unsigned(get(row, 3)?),
        departement: get(row, 4)?,
        region: get(row, 5)?,
        arrondissement: get(row, 6)?,
        siren: get(row, 7)?,
        epci_siren: get(row, 8)?,
        postal_codes: postal_codes.split_whitespace().map(str::to_owned).collect(),
    })
}

/// Streams `rows` into `table` with one `COPY`.
fn copy_rows(
    tx: &mut Transaction<'_>,
    table: &str,
    columns: &str,
    rows: impl Iterator<Item = Vec<Value>>,
) -> Result<()> {
    let mut writer = tx.copy_in(&format!(
        "COPY {table} ({columns}) FROM STDIN (FORMAT text)"
    ))?;
    let mut line = String::new();
    for row in rows {
        line.clear();
        for (position, value) in row.iter().enumerate() {
            if position > 0 {
                line.push('\t');
            }
            write_copy_value(&mut line, value);
        }
        line.push('\n');
        std::io::Write::write_all(&mut writer, line.as_bytes()).map_err(|source| Error::Io {
            context: format!("envoi du référentiel {table} à PostgreSQL"),
            source,
        })?;
    }
    writer.finish()?;
    Ok(())
}

fn insert_all(tx: &mut Transaction<'_>, referentials: &Referentials) -> Result<()> {
    copy_rows(
        tx,
        "ref_region",
        "code, name, chef_lieu, zone",
        referentials.regions.iter().map(|region| {
            vec![
                text(&region.code),
                text(&region.name),
                text(&region.chef_lieu),
                text(&region.zone),
            ]
        }),
    )?;
    copy_rows(
        tx,
        "ref_departement",
        "code, name, region_code, chef_lieu, zone",
        referentials.departements.iter().map(|departement| {
            vec![
                text(&departement.code),
                text(&departement.name),
                text(&departement.region),
                text(&departement.chef_lieu),
                text(&departement.zone),
            ]
        }),
    )?;
    copy_rows(
        tx,
        "ref_epci",
        "siren, name, kind, financing, population_total, population_municipal, commune_count",
        referentials.epci.iter().map(|epci| {
            vec![
                text(&epci.siren),
                text(&epci.name),
                text(&epci.kind),
                text(&epci.financing),
                count(epci.population_total),
                count(epci.population_municipal),
                count(epci.commune_count.map(u64::from)),
            ]
        }),
    )?;
    copy_rows(
        tx,
        "ref_commune",
        COMMUNE_COLUMNS,
        referentials.communes.iter().map(|commune| {
            vec![
                text(&commune.code_insee),
                text(&commune.name),
                text(&commune.zone),
                count(commune.population),
                text(&commune.departement),
                text(&commune.region),
                optional_text(&commune.arrondissement),
                optional_text(&commune.siren),
                optional_text(&commune.epci_siren),
                text(&commune.postal_codes.join(" ")),
            ]
        }),
    )
}

impl PgEngine {
    pub(crate) fn import_referentials(
        &self,
        referentials: &Referentials,
    ) -> Result<ReferentialCounts> {
        self.transaction(|tx| {
            tx.batch_execute(
                "DELETE FROM ref_commune; DELETE FROM ref_epci; DELETE FROM ref_departement; DELETE FROM ref_region;",
            )?;
            insert_all(tx, referentials).map_err(|error| match error {
                Error::Postgres(error) => {
                    super::on_constraint(error, &[("UNIQUE", "référentiel : un code apparaît deux fois")])
                }
                other => other,
            })?;
            Ok(ReferentialCounts {
                communes: referentials.communes.len(),
                epci: referentials.epci.len(),
                departements: referentials.departements.len(),
                regions: referentials.regions.len(),
            })
        })
    }

    pub(crate) fn commune(&self, code_insee: &str) -> Result<Option<Commune>> {
        self.read_cached(|db| {
            query_one(
                db,
                &format!("SELECT {COMMUNE_COLUMNS} FROM ref_commune WHERE code_insee = $1"),
                &[&code_insee],
                commune_from_row,
            )
        })
    }

    pub(crate) fn communes_of_epci(&self, epci_siren: &str) -> Result<Vec<Commune>> {
        self.read_cached(|db| {
            super::catalogue::query_all(
                db,
                &format!("SELECT {COMMUNE_COLUMNS} FROM ref_commune WHERE epci_siren = $1 ORDER BY code_insee COLLATE \"C\""),
                &[&epci_siren],
                commune_from_row,
            )
        })
    }

    pub(crate) fn epci(&self, siren: &str) -> Result<Option<Epci>> {
        self.read_cached(|db| {
            query_one(
                db,
                "SELECT siren, name, kind, financing, population_total, population_municipal, commune_count FROM ref_epci WHERE siren = $1",
                &[&siren],
                |row| {
                    Ok(Epci {
                        siren: get(row, 0)?,
                        name: get(row, 1)?,
                        kind: get(row, 2)?,
                        financing: get(row, 3)?,
                        population_total: unsigned(get(row, 4)?),
                        population_municipal: unsigned(get(row, 5)?),
                        commune_count: get::<Option<i64>>(row, 6)?.and_then(|n| u32::try_from(n).ok()),
                    })
                },
            )
        })
    }

    pub(crate) fn departement(&self, code: &str) -> Result<Option<Departement>> {
        self.read_cached(|db| {
            query_one(
                db,
                "SELECT code, name, region_code, chef_lieu, zone FROM ref_departement WHERE code = $1",
                &[&code],
                |row| {
                    Ok(Departement {
                        code: get(row, 0)?,
                        name: get(row, 1)?,
                        region: get(row, 2)?,
                        chef_lieu: get(row, 3)?,
                        zone: get(row, 4)?,
                    })
                },
            )
        })
    }

    pub(crate) fn region(&self, code: &str) -> Result<Option<Region>> {
        self.read_cached(|db| {
            query_one(
                db,
                "SELECT code, name, chef_lieu, zone FROM ref_region WHERE code = $1",
                &[&code],
                |row| {
                    Ok(Region {
                        code: get(row, 0)?,
                        name: get(row, 1)?,
                        chef_lieu: get(row, 2)?,
                        zone: get(row, 3)?,
                    })
                },
            )
        })
    }
}
