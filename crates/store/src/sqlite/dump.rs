//! Moving an instance, SQLite side (see `crate::dump`): tables read and written row by row.

use model::{ColumnDef, VersionId, VersionStatus};
use rusqlite::types::{ToSqlOutput, Value as SqlValue};
use rusqlite::{Connection, OptionalExtension, ToSql, params};

use super::versions::{
    check_columns, create_staging_table, expect_pending, rows_table_name, staging_table_name,
};
use super::{SqliteEngine, quote_identifier};
use crate::dump::{
    ColumnKind, DumpRow, DumpTable, ImportValue, NON_EMPTY_SQL, SEQUENCES, TABLES, not_empty,
};
use crate::error::{Error, Result};
use crate::jobs::{BUILD_INDEXES, build_indexes_payload};

/// `version.has_table`: whether the version's rows table exists.
fn computed(column: &str) -> String {
    debug_assert_eq!(column, "has_table");
    "EXISTS (SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = 'rows_v' || version_id)"
        .to_owned()
}

impl ToSql for ImportValue {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::Owned(match self {
            ImportValue::Null => SqlValue::Null,
            ImportValue::Integer(value) => SqlValue::Integer(*value),
            ImportValue::Text(text) => SqlValue::Text(text.clone()),
            ImportValue::Boolean(flag) => SqlValue::Integer(i64::from(*flag)),
        }))
    }
}

fn scan_table<E: From<Error>>(
    connection: &Connection,
    table: &'static DumpTable,
    visit: &mut dyn FnMut(&'static DumpTable, Option<DumpRow>) -> Result<(), E>,
) -> Result<(), E> {
    let mut statement = connection
        .prepare(&table.select_sql(computed, ""))
        .map_err(Error::from)?;
    let mut rows = statement.query([]).map_err(Error::from)?;
    while let Some(row) = rows.next().map_err(Error::from)? {
        let mut object = DumpRow::new();
        for (idx, (name, kind)) in table.columns.iter().enumerate() {
            let value = match kind {
                ColumnKind::Integer => {
                    serde_json::json!(row.get::<_, Option<i64>>(idx).map_err(Error::from)?)
                }
                ColumnKind::Text => {
                    serde_json::json!(row.get::<_, Option<String>>(idx).map_err(Error::from)?)
                }
                ColumnKind::Boolean | ColumnKind::Computed => {
                    serde_json::json!(row.get::<_, Option<bool>>(idx).map_err(Error::from)?)
                }
            };
            object.insert((*name).to_owned(), value);
        }
        visit(table, Some(object))?;
    }
    visit(table, None)
}

impl SqliteEngine {
    pub(crate) fn dump_rows<E: From<Error>>(
        &self,
        visit: &mut dyn FnMut(&'static DumpTable, Option<DumpRow>) -> Result<(), E>,
    ) -> Result<(), E> {
        // One read transaction: every table from one snapshot.
        self.read(|connection| {
            connection.execute_batch("BEGIN")?;
            let scanned = TABLES
                .iter()
                .try_for_each(|table| scan_table(connection, table, visit));
            connection.execute_batch("COMMIT")?;
            Ok(scanned)
        })
        .map_err(E::from)?
    }

    pub(crate) fn id_sequences(&self) -> Result<Vec<(String, i64)>> {
        self.read(|connection| {
            SEQUENCES
                .iter()
                .map(|(table, _)| {
                    let last: Option<i64> = connection
                        .query_row(
                            "SELECT seq FROM sqlite_sequence WHERE name = ?1",
                            [table],
                            |row| row.get(0),
                        )
                        .optional()?;
                    Ok(((*table).to_owned(), last.unwrap_or(0)))
                })
                .collect()
        })
    }

    pub(crate) fn set_id_sequences(&self, sequences: &[(String, i64)]) -> Result<()> {
        self.transaction(|tx| {
            for (table, last) in sequences {
                tx.execute("DELETE FROM sqlite_sequence WHERE name = ?1", [table])?;
                if *last > 0 {
                    tx.execute(
                        "INSERT INTO sqlite_sequence (name, seq) VALUES (?1, ?2)",
                        params![table, last],
                    )?;
                }
            }
            Ok(())
        })
    }

    pub(crate) fn prepare_import(&self) -> Result<()> {
        self.transaction(|tx| {
            not_empty(tx.query_row(NON_EMPTY_SQL, [], |row| row.get(0))?)?;
            for table in TABLES.iter().filter(|table| table.replaces) {
                tx.execute_batch(&format!("DELETE FROM {}", table.name))?;
            }
            Ok(())
        })
    }

    pub(crate) fn import_rows(&self, table: &DumpTable, rows: &[DumpRow]) -> Result<()> {
        let sql = table.insert_sql(|position| format!("?{position}"));
        self.transaction(|tx| {
            let mut statement = tx.prepare(&sql)?;
            for row in rows {
                let values: Vec<ImportValue> = table
                    .import_values(row)?
                    .into_iter()
                    .map(|(_, value)| value)
                    .collect();
                statement.execute(rusqlite::params_from_iter(values))?;
            }
            Ok(())
        })
    }

    pub(crate) fn import_deferred(&self, table: &DumpTable, rows: &[DumpRow]) -> Result<()> {
        let (key, key_kind) = table.columns[0];
        self.transaction(|tx| {
            for column in table.deferred {
                let kind = table.kind_of(column);
                let mut statement =
                    tx.prepare(&table.deferred_sql(column, |position| format!("?{position}")))?;
                for row in rows {
                    let value = table.cell(row, column, kind)?;
                    if value != ImportValue::Null {
                        statement.execute(params![value, table.cell(row, key, key_kind)?])?;
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
            tx.execute_batch(&format!("ALTER TABLE {staging} RENAME TO {rows}"))?;
            tx.execute(
                "UPDATE version SET status = ?2, indexes = 'building' WHERE version_id = ?1",
                params![version.0, status.as_str()],
            )?;
            super::jobs::enqueue(tx, BUILD_INDEXES, &build_indexes_payload(version))?;
            Ok(())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A column added by a migration but forgotten in `TABLES` would silently not move.
    #[test]
    fn every_column_of_every_moved_table_is_dumped() {
        let mut connection = Connection::open_in_memory().unwrap();
        super::super::migrate::run(&mut connection).unwrap();
        for table in TABLES {
            let mut statement = connection
                .prepare(&format!(
                    "SELECT name FROM pragma_table_info('{}')",
                    table.name
                ))
                .unwrap();
            let mut in_database: Vec<String> = statement
                .query_map([], |row| row.get(0))
                .unwrap()
                .collect::<rusqlite::Result<_>>()
                .unwrap();
            let mut dumped: Vec<String> = table
                .columns
                .iter()
                .filter(|(_, kind)| *kind != ColumnKind::Computed)
                .map(|(name, _)| (*name).to_owned())
                .collect();
            in_database.sort();
            dumped.sort();
            assert_eq!(dumped, in_database, "table {}", table.name);
        }
    }
}
