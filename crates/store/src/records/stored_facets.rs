//! Value counts of a published version's columns, kept once its indexes are built, so that a
//! facet over the whole table (no filter) reads at most a thousand stored rows instead of
//! grouping every row of the version at each request.
//!
//! A published version never changes, so its counts never go stale. The build-indexes job
//! ([`Store::store_facet_values`]) groups each scalar column as the facet query does without a
//! filter (`facet_sql`'s own grouping) and has the engine rank the groups as that query ranks
//! them (count descending, then value); for a column with at most [`MAX_STORED_VALUES`]
//! distinct values it keeps them all in `version_facet_value` in that order, each value as the
//! SQL value it was.
//! A page's unfiltered facet then takes the first `facet_limit` of them: the same values, counts
//! and order of ties as the query, on either engine. A column with more distinct values, a
//! filtered facet, or a version whose job has not run yet takes the query itself.
//! Likewise the count of a page filtered by one `field = "text"` on a text column is the kept
//! count of that text ([`kept_text_count_sql`]; 0 when the column keeps its values but not this
//! one), instead of reading every matching entry of the column's index.

use model::VersionId;
use model::query::Field;
use rusqlite::types::{Value as SqlValue, ValueRef};

use super::RecordsError;
use super::dialect::Dialect;
use super::exec::{RecordsReader, integer, owned};
use super::filter::Sql;
use crate::error::Error;
use crate::{Engine, Store};

/// Columns with more distinct values than this get no stored counts (their facet is grouped at
/// each request). Checked by reading at most this many values plus one from the column's index.
pub const MAX_STORED_VALUES: u64 = 1_000;

/// The stored counts of one column, in facet order: (value, count).
pub(crate) type ColumnCounts = (usize, Vec<(SqlValue, i64)>);

/// The first `limit` stored counts of column `position` of `version`, in facet order: rows of
/// `value_integer, value_real, value_text, count` (read the value with [`stored_value`]). No
/// rows when the column's counts are not stored.
pub(crate) fn stored_facet_sql(
    dialect: Dialect,
    version: VersionId,
    position: usize,
    limit: u64,
) -> Sql {
    let mut sql = Sql::new(dialect);
    sql.push(
        "SELECT \"value_integer\", \"value_real\", \"value_text\", \"count\" \
         FROM \"version_facet_value\" WHERE \"version_id\" = ",
    );
    sql.param(SqlValue::Integer(version.0));
    sql.push(" AND \"position\" = ");
    sql.param(SqlValue::Integer(
        i64::try_from(position).unwrap_or(i64::MAX),
    ));
    sql.push(" ORDER BY \"rank\" LIMIT ");
    sql.param(SqlValue::Integer(i64::try_from(limit).unwrap_or(i64::MAX)));
    sql
}

/// The kept count of the rows of `version` whose column `position` holds exactly `text`: one row
/// of two integers, that count (0 for a value not kept) and how many values the column keeps (0
/// when its counts are not kept, and then the first says nothing). A column's kept values are
/// all of its values, so a value it does not keep matches no row.
pub(crate) fn kept_text_count_sql(
    dialect: Dialect,
    version: VersionId,
    position: usize,
    text: &str,
) -> Sql {
    let mut sql = Sql::new(dialect);
    sql.push("SELECT coalesce(max(CASE WHEN \"value_text\" = ");
    sql.param(SqlValue::Text(text.to_owned()));
    sql.push(
        " THEN \"count\" END), 0), count(*) FROM \"version_facet_value\" \
         WHERE \"version_id\" = ",
    );
    sql.param(SqlValue::Integer(version.0));
    sql.push(" AND \"position\" = ");
    sql.param(SqlValue::Integer(
        i64::try_from(position).unwrap_or(i64::MAX),
    ));
    sql
}

/// The value of a row of [`stored_facet_sql`]: its one non-NULL value column.
pub(crate) fn stored_value<'a>(cells: &[ValueRef<'a>]) -> ValueRef<'a> {
    cells[..3]
        .iter()
        .copied()
        .find(|cell| *cell != ValueRef::Null)
        .unwrap_or(ValueRef::Null)
}

/// A value as the three typed columns of `version_facet_value`; `None` for a value those
/// columns cannot hold as it is (a blob), whose column is then not stored.
fn split_value(value: &SqlValue) -> Option<(Option<i64>, Option<f64>, Option<&str>)> {
    match value {
        SqlValue::Integer(number) => Some((Some(*number), None, None)),
        SqlValue::Real(number) => Some((None, Some(*number), None)),
        SqlValue::Text(text) => Some((None, None, Some(text))),
        SqlValue::Null | SqlValue::Blob(_) => None,
    }
}

/// One row of `version_facet_value` (besides `version_id`).
pub(crate) struct FacetRow<'a> {
    pub position: i32,
    pub rank: i32,
    pub integer: Option<i64>,
    pub real: Option<f64>,
    pub text: Option<&'a str>,
    pub count: i64,
}

/// The rows that keep `columns`' counts, ranked in their order.
pub(crate) fn facet_rows(columns: &[ColumnCounts]) -> impl Iterator<Item = FacetRow<'_>> {
    columns.iter().flat_map(|(position, counts)| {
        counts
            .iter()
            .enumerate()
            .filter_map(move |(rank, (value, count))| {
                let (integer, real, text) = split_value(value)?;
                Some(FacetRow {
                    position: i32::try_from(*position).unwrap_or(i32::MAX),
                    rank: i32::try_from(rank).unwrap_or(i32::MAX),
                    integer,
                    real,
                    text,
                    count: *count,
                })
            })
    })
}

impl Store {
    /// Computes and keeps the value counts of `version`'s columns that have at most
    /// [`MAX_STORED_VALUES`] distinct values (replacing any kept before). Does nothing when the
    /// version or its rows are gone. Run by the build-indexes job once the indexes exist, which
    /// make both the distinct-value probe and the grouping read an index only.
    pub(crate) fn store_facet_values(&self, version: VersionId) -> Result<(), Error> {
        let described = match self.version_table(version) {
            Ok(described) => described,
            Err(RecordsError::VersionNotFound(_)) => return Ok(()),
            Err(error) => return Err(store_error(error)),
        };
        let infos = described.infos();
        let table = described.table(&infos);
        // One pass over every index of the version: on a connection whose memory does not
        // grow with them.
        let counted = self.read_records_unmapped(|reader| {
            if !reader.table_exists(&described.sql_name)? {
                return Ok(None);
            }
            let mut columns = Vec::new();
            for (position, def) in described.defs.iter().enumerate() {
                if !def.ty.is_scalar() {
                    continue;
                }
                let field = Field::new(def.name.as_str());
                if let Some(counts) = column_counts(reader, &table, &field)? {
                    columns.push((position, counts));
                }
            }
            Ok(Some(columns))
        });
        match counted.map_err(store_error)? {
            Some(columns) => match &self.inner.engine {
                Engine::Sqlite(engine) => engine.replace_facet_values(version, &columns),
                #[cfg(feature = "postgres")]
                Engine::Postgres(engine) => engine.replace_facet_values(version, &columns),
            },
            None => Ok(()),
        }
    }
}

#[cfg(test)]
impl Store {
    /// Removes the counts kept for `version`, as if its job had kept none: what a records
    /// query answers then is what the fast paths over kept counts must answer.
    pub(crate) fn forget_facet_values(&self, version: VersionId) -> Result<(), Error> {
        match &self.inner.engine {
            Engine::Sqlite(engine) => engine.replace_facet_values(version, &[]),
            #[cfg(feature = "postgres")]
            Engine::Postgres(engine) => engine.replace_facet_values(version, &[]),
        }
    }

    /// The positions of `version`'s columns whose counts are kept.
    pub(crate) fn kept_facet_columns(&self, version: VersionId) -> Result<Vec<usize>, Error> {
        let mut sql = Sql::new(self.version_table(version).map_err(store_error)?.dialect);
        sql.push(
            "SELECT DISTINCT \"position\" FROM \"version_facet_value\" WHERE \"version_id\" = ",
        );
        sql.param(SqlValue::Integer(version.0));
        sql.push(" ORDER BY \"position\"");
        let mut positions = Vec::new();
        self.read_records(|reader| {
            reader.each_row(&sql.text, &sql.params, &mut |cells| {
                positions.push(integer(cells[0]) as usize);
                Ok(true)
            })
        })
        .map_err(store_error)?;
        Ok(positions)
    }
}

/// Every (value, count) of the column in facet order, or `None` when it has more than
/// [`MAX_STORED_VALUES`] distinct values or a value the stored columns cannot hold.
fn column_counts(
    reader: &mut dyn RecordsReader,
    table: &super::Table,
    field: &Field,
) -> Result<Option<Vec<(SqlValue, i64)>>, RecordsError> {
    let (sql, params) = ranked_values_sql(table, field, MAX_STORED_VALUES + 1)?;
    let mut counts = Vec::new();
    let mut storable = true;
    reader.each_row(&sql, &params, &mut |cells| {
        let value = owned(cells[0]);
        storable = split_value(&value).is_some() && counts.len() < MAX_STORED_VALUES as usize;
        counts.push((value, integer(cells[1])));
        Ok(storable)
    })?;
    Ok(storable.then_some(counts))
}

/// The facet query's groups (at most `at_most` of them), ranked as the facet query ranks them
/// (`count` descending, then `value`): one pass over the column's index, which stops early
/// for a column with many values, instead of a count of the groups and then the facet query.
fn ranked_values_sql(
    table: &super::Table,
    field: &Field,
    at_most: u64,
) -> Result<(String, Vec<SqlValue>), RecordsError> {
    let (grouped, mut params) = super::compile::group_values_sql(table, field)?;
    let mut sql = Sql::new(table.dialect);
    sql.push(&format!("SELECT \"value\", \"count\" FROM ({grouped}"));
    sql.params.append(&mut params);
    sql.push(" LIMIT ");
    sql.param(SqlValue::Integer(
        i64::try_from(at_most).unwrap_or(i64::MAX),
    ));
    sql.push(") AS \"grouped\" ORDER BY \"count\" DESC, \"value\" ASC");
    Ok((sql.text, sql.params))
}

fn store_error(error: RecordsError) -> Error {
    match error {
        RecordsError::Store(error) => error,
        other => Error::Corrupt(other.message_fr()),
    }
}
