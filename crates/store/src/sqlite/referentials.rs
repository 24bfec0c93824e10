//! The referential tables: import (replace all) and lookups.

use model::{Commune, Departement, Epci, Referentials, Region};
use rusqlite::{Connection, Row, params};

use super::SqliteEngine;
use super::catalogue::{query_all, query_one};
use crate::ReferentialCounts;
use crate::error::Result;

const COMMUNE_COLUMNS: &str = "code_insee, name, zone, population, departement_code, region_code, arrondissement_code, siren, epci_siren, postal_codes";

/// SQLite integers are signed; populations never come near the limit.
fn unsigned(number: Option<i64>) -> Option<u64> {
    number.and_then(|number| u64::try_from(number).ok())
}

fn signed(number: u64) -> i64 {
    i64::try_from(number).unwrap_or(i64::MAX)
}

fn commune_from_row(row: &Row<'_>) -> rusqlite::Result<Commune> {
    let postal_codes: String = row.get(9)?;
    Ok(Commune {
        code_insee: row.get(0)?,
        name: row.get(1)?,
        zone: row.get(2)?,
        population: unsigned(row.get(3)?),
        departement: row.get(4)?,
        region: row.get(5)?,
        arrondissement: row.get(6)?,
        siren: row.get(7)?,
        epci_siren: row.get(8)?,
        postal_codes: postal_codes.split_whitespace().map(str::to_owned).collect(),
    })
}

fn epci_from_row(row: &Row<'_>) -> rusqlite::Result<Epci> {
    Ok(Epci {
        siren: row.get(0)?,
        name: row.get(1)?,
        kind: row.get(2)?,
        financing: row.get(3)?,
        population_total: unsigned(row.get(4)?),
        population_municipal: unsigned(row.get(5)?),
        commune_count: row
            .get::<_, Option<i64>>(6)?
            .and_then(|n| u32::try_from(n).ok()),
    })
}

fn insert_all(connection: &Connection, referentials: &Referentials) -> Result<()> {
    let mut insert_region = connection
        .prepare("INSERT INTO ref_region (code, name, chef_lieu, zone) VALUES (?1, ?2, ?3, ?4)")?;
    for region in &referentials.regions {
        insert_region.execute(params![
            region.code,
            region.name,
            region.chef_lieu,
            region.zone
        ])?;
    }
    let mut insert_departement =
        connection.prepare("INSERT INTO ref_departement (code, name, region_code, chef_lieu, zone) VALUES (?1, ?2, ?3, ?4, ?5)")?;
    for departement in &referentials.departements {
        insert_departement.execute(params![
            departement.code,
            departement.name,
            departement.region,
            departement.chef_lieu,
            departement.zone
        ])?;
    }
    let mut insert_epci = connection.prepare(
        "INSERT INTO ref_epci (siren, name, kind, financing, population_total, population_municipal, commune_count)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?;
    for epci in &referentials.epci {
        insert_epci.execute(params![
            epci.siren,
            epci.name,
            epci.kind,
            epci.financing,
            epci.population_total.map(signed),
            epci.population_municipal.map(signed),
            epci.commune_count
        ])?;
    }
    let mut insert_commune = connection.prepare(&format!("INSERT INTO ref_commune ({COMMUNE_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)"))?;
    for commune in &referentials.communes {
        insert_commune.execute(params![
            commune.code_insee,
            commune.name,
            commune.zone,
            commune.population.map(signed),
            commune.departement,
            commune.region,
            commune.arrondissement,
            commune.siren,
            commune.epci_siren,
            commune.postal_codes.join(" ")
        ])?;
    }
    Ok(())
}

impl SqliteEngine {
    pub(crate) fn import_referentials(
        &self,
        referentials: &Referentials,
    ) -> Result<ReferentialCounts> {
        self.transaction(|tx| {
            tx.execute_batch("DELETE FROM ref_commune; DELETE FROM ref_epci; DELETE FROM ref_departement; DELETE FROM ref_region;")?;
            insert_all(tx, referentials).map_err(|error| match error {
                crate::Error::Database(error) => super::on_constraint(error, &[("UNIQUE", "référentiel : un code apparaît deux fois")]),
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
        self.read(|connection| {
            query_one(
                connection,
                &format!("SELECT {COMMUNE_COLUMNS} FROM ref_commune WHERE code_insee = ?1"),
                [code_insee],
                commune_from_row,
            )
        })
    }

    pub(crate) fn communes_of_epci(&self, epci_siren: &str) -> Result<Vec<Commune>> {
        self.read(|connection| {
            query_all(
                connection,
                &format!("SELECT {COMMUNE_COLUMNS} FROM ref_commune WHERE epci_siren = ?1 ORDER BY code_insee"),
                [epci_siren],
                commune_from_row,
            )
        })
    }

    pub(crate) fn epci(&self, siren: &str) -> Result<Option<Epci>> {
        self.read(|connection| {
            query_one(
                connection,
                "SELECT siren, name, kind, financing, population_total, population_municipal, commune_count FROM ref_epci WHERE siren = ?1",
                [siren],
                epci_from_row,
            )
        })
    }

    pub(crate) fn departement(&self, code: &str) -> Result<Option<Departement>> {
        self.read(|connection| {
            query_one(connection, "SELECT code, name, region_code, chef_lieu, zone FROM ref_departement WHERE code = ?1", [code], |row| {
                Ok(Departement { code: row.get(0)?, name: row.get(1)?, region: row.get(2)?, chef_lieu: row.get(3)?, zone: row.get(4)? })
            })
        })
    }

    pub(crate) fn region(&self, code: &str) -> Result<Option<Region>> {
        self.read(|connection| {
            query_one(
                connection,
                "SELECT code, name, chef_lieu, zone FROM ref_region WHERE code = ?1",
                [code],
                |row| {
                    Ok(Region {
                        code: row.get(0)?,
                        name: row.get(1)?,
                        chef_lieu: row.get(2)?,
                        zone: row.get(3)?,
                    })
                },
            )
        })
    }
}
