//! The records executor's view of PostgreSQL (see `records::exec`): one `REPEATABLE READ`,
//! read-only transaction per page or export, so that a page, its count and its facets describe
//! the same snapshot; rows fetched through a portal in batches, so that an export of any size
//! holds one batch at a time.

use model::ColumnDef;
use postgres::types::{ToSql, Type};
use postgres::{IsolationLevel, Row, Transaction};
use rusqlite::types::{Value as SqlValue, ValueRef};

use super::statements::{Cached, Queries};
use super::versions::{column_types, table_exists};
use super::{Connection, PgEngine};
use crate::error::{Error, Result};
use crate::records::{Dialect, RecordsError, RecordsReader};
use crate::sqlite::rows_table_name;

/// Rows fetched per round trip.
const ROWS_PER_FETCH: i32 = 2_000;

impl PgEngine {
    /// Runs `f` on a read-only snapshot.
    pub(crate) fn read_records<T>(
        &self,
        f: impl FnOnce(&mut dyn RecordsReader) -> Result<T, RecordsError>,
    ) -> Result<T, RecordsError> {
        let mut pooled = self.connection()?;
        let Connection { client, statements } = pooled.connection();
        let mut transaction = client
            .build_transaction()
            .isolation_level(IsolationLevel::RepeatableRead)
            .read_only(true)
            .start()?;
        let value = f(&mut PgReader(Cached {
            db: &mut transaction,
            statements,
        }))?;
        transaction.commit()?;
        Ok(value)
    }

    /// For each column of a version's table, whether it is stored as text although its type is
    /// not (a lenient publication kept cells of another type in it). Empty without a table.
    pub(crate) fn columns_stored_as_text(
        &self,
        version: model::VersionId,
        columns: &[ColumnDef],
    ) -> Result<Vec<bool>> {
        self.read(|db| {
            let table = rows_table_name(version);
            if !table_exists(db, &table)? {
                return Ok(Vec::new());
            }
            let types = column_types(db, &table, columns.len())?;
            Ok(columns
                .iter()
                .zip(types)
                .map(|(column, stored)| {
                    stored == "text" && super::codec::column_type(column.ty) != "text"
                })
                .collect())
        })
    }
}

/// A records snapshot, with the connection's prepared statements: pages of one shape, their
/// counts and plans are prepared once per connection.
struct PgReader<'t, 'c>(Cached<'t, Transaction<'c>>);

impl RecordsReader for PgReader<'_, '_> {
    fn dialect(&self) -> Dialect {
        Dialect::Postgres
    }

    fn table_exists(&mut self, name: &str) -> Result<bool, RecordsError> {
        Ok(table_exists(&mut self.0, name)?)
    }

    fn each_row(
        &mut self,
        sql: &str,
        params: &[SqlValue],
        visit: &mut dyn FnMut(&[ValueRef<'_>]) -> Result<bool, RecordsError>,
    ) -> Result<(), RecordsError> {
        let bound = bind_values(params)?;
        let refs: Vec<&(dyn ToSql + Sync)> = bound.iter().map(|value| value.as_ref()).collect();
        let portal = self
            .0
            .with_statement(sql, |db, statement| db.bind(statement, &refs))?;
        let db = &mut *self.0.db;
        let mut values = Vec::new();
        loop {
            let rows = db.query_portal(&portal, ROWS_PER_FETCH)?;
            for row in &rows {
                values.clear();
                for idx in 0..row.len() {
                    values.push(cell(row, idx)?);
                }
                let cells: Vec<ValueRef<'_>> = values.iter().map(ValueRef::from).collect();
                if !visit(&cells)? {
                    return Ok(());
                }
            }
            if rows.len() < ROWS_PER_FETCH as usize {
                return Ok(());
            }
        }
    }

    /// From the plan: a (possibly parallel) sequential scan of the table somewhere in it.
    fn scans_whole_table(
        &mut self,
        sql: &str,
        params: &[SqlValue],
        table: &str,
    ) -> Result<bool, RecordsError> {
        let bound = bind_values(params)?;
        let refs: Vec<&(dyn ToSql + Sync)> = bound.iter().map(|value| value.as_ref()).collect();
        let scan = format!("Seq Scan on {table}");
        for line in self.0.rows(&format!("EXPLAIN {sql}"), &refs)? {
            let line: &str = line.try_get(0)?;
            if line
                .split_once(scan.as_str())
                .is_some_and(|(_, after)| after.is_empty() || after.starts_with(' '))
            {
                return Ok(true);
            }
        }
        Ok(false)
    }
}

/// The compiler's parameters as values the client binds: each placeholder is cast to the type
/// of its value (see `records::Dialect::placeholder`), so the client's type check passes.
fn bind_values(params: &[SqlValue]) -> Result<Vec<Box<dyn ToSql + Sync>>> {
    params
        .iter()
        .map(|value| -> Result<Box<dyn ToSql + Sync>> {
            Ok(match value {
                SqlValue::Integer(number) => Box::new(*number),
                SqlValue::Real(number) => Box::new(*number),
                SqlValue::Text(text) => Box::new(text.clone()),
                SqlValue::Blob(bytes) => Box::new(bytes.clone()),
                SqlValue::Null => Box::new(None::<String>),
            })
        })
        .collect()
}

/// A cell as the engine-independent value the executor decodes: booleans as 0/1 like SQLite,
/// integers and floats as such, everything else as its text.
fn cell(row: &Row, idx: usize) -> Result<SqlValue> {
    let ty = row.columns()[idx].type_().clone();
    let value = if ty == Type::BOOL {
        row.try_get::<_, Option<bool>>(idx)?
            .map(|flag| SqlValue::Integer(i64::from(flag)))
    } else if ty == Type::INT8 {
        row.try_get::<_, Option<i64>>(idx)?.map(SqlValue::Integer)
    } else if ty == Type::INT4 {
        row.try_get::<_, Option<i32>>(idx)?
            .map(|number| SqlValue::Integer(number.into()))
    } else if ty == Type::INT2 {
        row.try_get::<_, Option<i16>>(idx)?
            .map(|number| SqlValue::Integer(number.into()))
    } else if ty == Type::FLOAT8 {
        row.try_get::<_, Option<f64>>(idx)?.map(SqlValue::Real)
    } else if ty == Type::FLOAT4 {
        row.try_get::<_, Option<f32>>(idx)?
            .map(|number| SqlValue::Real(number.into()))
    } else if ty == Type::BYTEA {
        row.try_get::<_, Option<Vec<u8>>>(idx)?.map(SqlValue::Blob)
    } else if ty == Type::TEXT || ty == Type::VARCHAR || ty == Type::BPCHAR || ty == Type::NAME {
        row.try_get::<_, Option<String>>(idx)?.map(SqlValue::Text)
    } else {
        return Err(Error::Corrupt(format!(
            "type PostgreSQL inattendu dans un résultat : {ty}"
        )));
    };
    Ok(value.unwrap_or(SqlValue::Null))
}
