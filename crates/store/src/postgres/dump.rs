//! Moving an instance, PostgreSQL side (see `crate::dump`): tables read through a portal (a
//! few thousand rows at a time, constant memory) and written row by row.

use model::{ColumnDef, VersionId, VersionStatus};
use postgres::Transaction;
use postgres::types::ToSql;

use super::PgEngine;
use super::codec::get;
use super::versions::{create_staging_table, expect_pending, staging_table_name};
use crate::dump::{
    ColumnKind, DumpRow, DumpTable, ImportValue, NON_EMPTY_SQL, SEQUENCES, TABLES, not_empty,
};
use crate::error::{Error, Result};
use crate::jobs::{BUILD_INDEXES, build_indexes_payload};
use crate::sqlite::{check_columns, quote_identifier, rows_table_name};

/// Rows fetched per round trip while dumping a table.
const ROWS_PER_FETCH: i32 = 2_000;

/// `version.has_table`: whether the version's rows table exists.
fn computed(column: &str) -> String {
    debug_assert_eq!(column, "has_table");
    "EXISTS (SELECT 1 FROM pg_catalog.pg_tables WHERE schemaname = current_schema() AND tablename = 'rows_v' || version_id)"
        .to_owned()
}

/// A value as a typed parameter (a NULL keeps its column's type).
fn parameter(kind: ColumnKind, value: ImportValue) -> Box<dyn ToSql + Sync> {
    match (kind, value) {
        (_, ImportValue::Integer(value)) => Box::new(value),
        (_, ImportValue::Text(text)) => Box::new(text),
        (_, ImportValue::Boolean(flag)) => Box::new(flag),
        (ColumnKind::Integer, ImportValue::Null) => Box::new(None::<i64>),
        (ColumnKind::Boolean, ImportValue::Null) => Box::new(None::<bool>),
        (_, ImportValue::Null) => Box::new(None::<String>),
    }
}

fn scan_table<E: From<Error>>(
    tx: &mut Transaction<'_>,
    table: &'static DumpTable,
    visit: &mut dyn FnMut(&'static DumpTable, Option<DumpRow>) -> Result<(), E>,
) -> Result<(), E> {
    let statement = tx
        .prepare(&table.select_sql(computed, " COLLATE \"C\""))
        .map_err(Error::from)?;
    let portal = tx.bind(&statement, &[]).map_err(Error::from)?;
    loop {
        let rows = tx
            .query_portal(&portal, ROWS_PER_FETCH)
            .map_err(Error::from)?;
        for row in &rows {
            let mut object = DumpRow::new();
            for (idx, (name, kind)) in table.columns.iter().enumerate() {
                let value = match kind {
                    ColumnKind::Integer => serde_json::json!(get::<Option<i64>>(row, idx)?),
                    ColumnKind::Text => serde_json::json!(get::<Option<String>>(row, idx)?),
                    ColumnKind::Boolean | ColumnKind::Computed => {
                        serde_json::json!(get::<Option<bool>>(row, idx)?)
                    }
                };
                object.insert((*name).to_owned(), value);
            }
            visit(table, Some(object))?;
        }
        if rows.len() < ROWS_PER_FETCH as usize {
            return visit(table, None);
        }
    }
}

impl PgEngine {
    pub(crate) fn dump_rows<E: From<Error>>(
        &self,
        visit: &mut dyn FnMut(&'static DumpTable, Option<DumpRow>) -> Result<(), E>,
    ) -> Result<(), E> {
        // One repeatable-read transaction: every table from one snapshot.
        self.transaction(|tx| {
            tx.batch_execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")?;
            Ok(TABLES
                .iter()
                .try_for_each(|table| scan_table(tx, table, visit)))
        })
        .map_err(E::from)?
    }

    pub(crate) fn id_sequences(&self) -> Result<Vec<(String, i64)>> {
        self.read(|db| {
            SEQUENCES
                .iter()
                .map(|(table, id)| {
                    let row = db.query_one(
                        "SELECT coalesce(pg_sequence_last_value(pg_get_serial_sequence($1, $2)::regclass), 0)",
                        &[table, id],
                    )?;
                    Ok(((*table).to_owned(), get(&row, 0)?))
                })
                .collect()
        })
    }

    pub(crate) fn set_id_sequences(&self, sequences: &[(String, i64)]) -> Result<()> {
        self.transaction(|tx| {
            for (table, last) in sequences {
                let id = SEQUENCES
                    .iter()
                    .find(|(name, _)| name == table)
                    .map(|(_, id)| *id)
                    .ok_or_else(|| Error::Invalid(format!("table sans identifiant : {table}")))?;
                // `is_called = false`: the next id is the value itself (1 for a fresh table).
                let (value, called) = if *last > 0 { (*last, true) } else { (1, false) };
                tx.execute(
                    "SELECT setval(pg_get_serial_sequence($1, $2), $3, $4)",
                    &[table, &id, &value, &called],
                )?;
            }
            Ok(())
        })
    }

    pub(crate) fn prepare_import(&self) -> Result<()> {
        self.transaction(|tx| {
            not_empty(get(&tx.query_one(NON_EMPTY_SQL, &[])?, 0)?)?;
            for table in TABLES.iter().filter(|table| table.replaces) {
                tx.batch_execute(&format!("DELETE FROM {}", table.name))?;
            }
            Ok(())
        })
    }

    pub(crate) fn import_rows(&self, table: &DumpTable, rows: &[DumpRow]) -> Result<()> {
        let sql = table.insert_sql(|position| format!("${position}"));
        self.transaction(|tx| {
            let statement = tx.prepare(&sql)?;
            for row in rows {
                let values: Vec<Box<dyn ToSql + Sync>> = table
                    .import_values(row)?
                    .into_iter()
                    .map(|(kind, value)| parameter(kind, value))
                    .collect();
                let references: Vec<&(dyn ToSql + Sync)> =
                    values.iter().map(|value| value.as_ref()).collect();
                tx.execute(&statement, &references)?;
            }
            Ok(())
        })
    }

    pub(crate) fn import_deferred(&self, table: &DumpTable, rows: &[DumpRow]) -> Result<()> {
        let (key, key_kind) = table.columns[0];
        self.transaction(|tx| {
            for column in table.deferred {
                let kind = table.kind_of(column);
                let statement =
                    tx.prepare(&table.deferred_sql(column, |position| format!("${position}")))?;
                for row in rows {
                    let value = table.cell(row, column, kind)?;
                    if value != ImportValue::Null {
                        let key_value = parameter(key_kind, table.cell(row, key, key_kind)?);
                        let value = parameter(kind, value);
                        tx.execute(&statement, &[value.as_ref(), key_value.as_ref()])?;
                    }
                }
            }
            Ok(())
        })
    }

    pub(crate) fn begin_restored_version(
        &self,
        version: VersionId,
        columns: &[ColumnDef],
    ) -> Result<()> {
        check_columns(columns)?;
        self.transaction(|tx| {
            expect_pending(tx, version)?;
            create_staging_table(tx, version, columns)
        })
    }

    pub(crate) fn finish_restored_version(
        &self,
        version: VersionId,
        status: VersionStatus,
    ) -> Result<()> {
        let staging = quote_identifier(&staging_table_name(version));
        let rows = quote_identifier(&rows_table_name(version));
        self.transaction(|tx| {
            expect_pending(tx, version)?;
            tx.batch_execute(&format!("ALTER TABLE {staging} RENAME TO {rows}"))?;
            tx.execute(
                "UPDATE version SET status = $2, indexes = 'building' WHERE version_id = $1",
                &[&version.0, &status.as_str()],
            )?;
            super::jobs::enqueue(tx, BUILD_INDEXES, &build_indexes_payload(version))?;
            Ok(())
        })
    }
}
