//! Running records queries on a published version: one page ([`Store::records`]) or every row
//! in constant memory ([`Store::stream_records`]).
//!
//! A page and its count and facets are read in one read transaction, so they describe the same
//! snapshot even while a new version is being published. Paging and streaming compile the same
//! query the same way (order keys, then the row number as the final tiebreaker), so the rows of
//! an export are exactly the rows of the pages, in the same order.
//!
//! `total_count` is exact as long as counting stops before [`RecordsOptions::exact_count_limit`]
//! matching rows; beyond, it is estimated from an evenly spaced sample of 10,000 row numbers and
//! flagged ([`RecordsPage::total_is_estimate`]), so that a page never costs a full count of a
//! huge table. Likewise when the filter cannot use an index (SQLite's query plan says it would
//! scan the table) and the table has more rows than the limit. Without a filter the count is
//! the row count recorded at publication.

use model::query::{Aggregate, Field, Query, SelectExpr};
use model::{ColumnDef, ColumnType, Value, VersionId};
use rusqlite::Connection;
use rusqlite::types::Value as SqlValue;

use super::{ColumnInfo, ColumnKind, CompileError, Table, compile, count_sql, facet_sql};
use crate::Store;
use crate::error::Error;
use crate::sqlite::codec::decode_value;
use crate::sqlite::{column_sql_name, rows_table_name};

/// Rows per page when the query gives no `limit`.
pub const DEFAULT_LIMIT: u64 = 100;
/// Most rows one page may hold (exports have no limit).
pub const MAX_LIMIT: u64 = 10_000;
/// Below this many matching rows, `total_count` is exact.
pub const EXACT_COUNT_LIMIT: u64 = 100_000;
/// Values listed per facet, most frequent first.
pub const DEFAULT_FACET_LIMIT: u64 = 50;
/// Row numbers sampled to estimate a count beyond [`EXACT_COUNT_LIMIT`].
const COUNT_SAMPLE: u64 = 10_000;

/// One result column as reusers see it: its name and the type of its values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutputField {
    pub name: String,
    pub ty: ColumnType,
}

/// The values of one facet field among the matching rows, most frequent first.
#[derive(Debug, Clone, PartialEq)]
pub struct Facet {
    pub field: String,
    pub values: Vec<(Value, u64)>,
}

/// One page of a records query.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordsPage {
    pub columns: Vec<OutputField>,
    pub rows: Vec<Vec<Value>>,
    /// Whether rows follow this page.
    pub has_more: bool,
    /// The keyset cursor of the next page (row queries only, and only when `has_more`).
    pub next_cursor: Option<String>,
    /// Matching rows (groups for a grouped query); `None` when not asked for.
    pub total_count: Option<u64>,
    pub total_is_estimate: bool,
    pub facets: Vec<Facet>,
}

/// Tuning of [`Store::records_with`]; [`Default`] is what the API uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecordsOptions {
    /// Compute `total_count` at all.
    pub total_count: bool,
    /// Count exactly up to this many matching rows, estimate beyond.
    pub exact_count_limit: u64,
    pub facet_limit: u64,
}

impl Default for RecordsOptions {
    fn default() -> Self {
        RecordsOptions {
            total_count: true,
            exact_count_limit: EXACT_COUNT_LIMIT,
            facet_limit: DEFAULT_FACET_LIMIT,
        }
    }
}

/// Why a records query failed. `Query`, `LimitTooLarge` and `VersionNotFound` are the caller's
/// (HTTP 400 and 404); `Store` is ours.
#[derive(Debug, thiserror::Error)]
pub enum RecordsError {
    /// The query does not fit the table (unknown field, bad cursor...).
    #[error("{0}")]
    Query(#[from] CompileError),
    #[error("limit trop grand : au plus {max} lignes par page (utilisez les exports au-delà)")]
    LimitTooLarge { max: u64 },
    /// No published or kept version with this id.
    #[error("version {0} introuvable")]
    VersionNotFound(VersionId),
    #[error(transparent)]
    Store(#[from] Error),
}

impl RecordsError {
    pub fn message_fr(&self) -> String {
        match self {
            RecordsError::Query(error) => error.message_fr(),
            other => other.to_string(),
        }
    }

    pub fn message_en(&self) -> String {
        match self {
            RecordsError::Query(error) => error.message_en(),
            RecordsError::LimitTooLarge { max } => {
                format!("limit too large: at most {max} rows per page (use exports beyond)")
            }
            RecordsError::VersionNotFound(version) => format!("version {version} not found"),
            RecordsError::Store(error) => error.to_string(),
        }
    }

    /// Whether the caller is at fault (a 4xx), as opposed to the store.
    pub fn is_client_error(&self) -> bool {
        !matches!(self, RecordsError::Store(_))
    }
}

impl From<rusqlite::Error> for RecordsError {
    fn from(error: rusqlite::Error) -> Self {
        RecordsError::Store(Error::Database(error))
    }
}

/// A version's table as the compiler sees it; owns the names `Table` borrows.
struct VersionTable {
    version: VersionId,
    sql_name: String,
    defs: Vec<ColumnDef>,
    sql_names: Vec<String>,
    /// Recorded when the version was published.
    row_count: Option<u64>,
    /// Whether its full-text index is built (see `model::IndexState`).
    full_text: bool,
}

impl VersionTable {
    fn infos(&self) -> Vec<ColumnInfo<'_>> {
        self.defs
            .iter()
            .zip(&self.sql_names)
            .map(|(def, sql_name)| ColumnInfo {
                name: &def.name,
                sql_name,
                ty: column_kind(def.ty),
            })
            .collect()
    }

    fn def(&self, field: &Field) -> Option<&ColumnDef> {
        self.defs.iter().find(|def| def.name == field.as_str())
    }

    /// The result columns of `query`, with the model types of their values (a `time` field stays
    /// a `time`, `count` is an integer, `avg` a number).
    fn output_fields(&self, query: &Query) -> Result<Vec<OutputField>, RecordsError> {
        let infos = self.infos();
        let table = Table {
            sql_name: &self.sql_name,
            columns: &infos,
            full_text: self.full_text,
        };
        let compiled = compile(&table, query)?;
        let types = self.output_types(query);
        Ok(compiled
            .columns
            .iter()
            .enumerate()
            .map(|(i, column)| OutputField {
                name: column.name.clone(),
                ty: types
                    .as_ref()
                    .filter(|types| types.len() == compiled.columns.len())
                    .and_then(|types| types[i])
                    .unwrap_or_else(|| column_type(column.kind)),
            })
            .collect())
    }

    /// Model types of the outputs, in the order `compile` lists them, where a field decides it.
    fn output_types(&self, query: &Query) -> Option<Vec<Option<ColumnType>>> {
        let field_type = |field: &Field| self.def(field).map(|def| def.ty);
        if query.select.is_empty() {
            if query.group_by.is_empty() {
                return Some(self.defs.iter().map(|def| Some(def.ty)).collect());
            }
            return Some(query.group_by.iter().map(field_type).collect());
        }
        let mut types = Vec::new();
        for item in &query.select {
            match &item.expr {
                SelectExpr::All => types.extend(self.defs.iter().map(|def| Some(def.ty))),
                SelectExpr::Field(field) => types.push(field_type(field)),
                SelectExpr::Aggregate(Aggregate::Min(field) | Aggregate::Max(field)) => {
                    types.push(field_type(field));
                }
                SelectExpr::Aggregate(_) => types.push(None),
            }
        }
        Some(types)
    }
}

fn column_kind(ty: ColumnType) -> ColumnKind {
    match ty {
        ColumnType::Boolean => ColumnKind::Boolean,
        ColumnType::Integer => ColumnKind::Integer,
        ColumnType::Number => ColumnKind::Real,
        // Times are stored as `HH:MM:SS` text: compared and sorted as text, which is correct.
        ColumnType::Text | ColumnType::Time => ColumnKind::Text,
        ColumnType::Date => ColumnKind::Date,
        ColumnType::DateTime => ColumnKind::DateTime,
        ColumnType::Json => ColumnKind::Json,
    }
}

fn column_type(kind: ColumnKind) -> ColumnType {
    match kind {
        ColumnKind::Integer => ColumnType::Integer,
        ColumnKind::Real => ColumnType::Number,
        ColumnKind::Text => ColumnType::Text,
        ColumnKind::Boolean => ColumnType::Boolean,
        ColumnKind::Date => ColumnType::Date,
        ColumnKind::DateTime => ColumnType::DateTime,
        ColumnKind::Json => ColumnType::Json,
    }
}

impl Store {
    /// The result columns `query` would give on `version`, without running it: validates the
    /// query (exports call it before they start streaming, so that errors are still a 400).
    pub fn records_columns(
        &self,
        version: VersionId,
        query: &Query,
    ) -> Result<Vec<OutputField>, RecordsError> {
        self.version_table(version)?.output_fields(query)
    }

    /// One page of `query` over a published (or kept superseded) version, with its count and
    /// facets, using the default [`RecordsOptions`].
    pub fn records(&self, version: VersionId, query: &Query) -> Result<RecordsPage, RecordsError> {
        self.records_with(version, query, RecordsOptions::default())
    }

    /// [`Store::records`] with explicit options. `limit` defaults to [`DEFAULT_LIMIT`]; more
    /// than [`MAX_LIMIT`] is refused.
    pub fn records_with(
        &self,
        version: VersionId,
        query: &Query,
        options: RecordsOptions,
    ) -> Result<RecordsPage, RecordsError> {
        let limit = query.limit.unwrap_or(DEFAULT_LIMIT);
        if limit > MAX_LIMIT {
            return Err(RecordsError::LimitTooLarge { max: MAX_LIMIT });
        }
        let described = self.version_table(version)?;
        let columns = described.output_fields(query)?;
        let infos = described.infos();
        let table = Table {
            sql_name: &described.sql_name,
            columns: &infos,
            full_text: described.full_text,
        };
        // One row more than asked tells whether another page follows.
        let probe = Query {
            limit: Some(limit + 1),
            ..query.clone()
        };
        let compiled = compile(&table, &probe)?;
        let count = if options.total_count {
            Some(count_sql(&table, query)?)
        } else {
            None
        };
        let facets = query
            .facets
            .iter()
            .map(|field| {
                let (sql, params) = facet_sql(
                    &table,
                    field,
                    query.filter.as_ref(),
                    Some(options.facet_limit),
                )?;
                let ty = described.def(field).map_or(ColumnType::Text, |def| def.ty);
                Ok((field.as_str().to_string(), ty, sql, params))
            })
            .collect::<Result<Vec<_>, CompileError>>()?;
        let grouped = compiled.cursor_columns.is_none();

        let run = |connection: &Connection| -> Result<RecordsPage, RecordsError> {
            let snapshot = connection.unchecked_transaction()?;
            ensure_table(connection, &described)?;
            let mut rows = Vec::new();
            let mut next_cursor = None;
            let mut has_more = false;
            {
                let mut statement = connection.prepare(&compiled.sql)?;
                let mut cursor_rows =
                    statement.query(rusqlite::params_from_iter(compiled.params.iter()))?;
                while let Some(row) = cursor_rows.next()? {
                    if rows.len() as u64 == limit {
                        // `limit=0` asks for counts or facets only: no page follows it.
                        has_more = limit > 0;
                        break;
                    }
                    rows.push(decode_row(row, &columns, version)?);
                    if rows.len() as u64 == limit {
                        next_cursor = compiled.next_cursor(row)?;
                    }
                }
            }
            if !has_more {
                next_cursor = None;
            }
            // Rows known to match: those before and on this page, and one after it.
            let seen = query.offset + rows.len() as u64 + u64::from(has_more);
            let (total_count, total_is_estimate) = match &count {
                None => (None, false),
                // A filter without grouping: bounded, since it may match millions of rows.
                Some(_) if query.filter.is_some() && !grouped => {
                    let (total, estimated) =
                        bounded_count(connection, &described, query, options, seen)?;
                    (Some(total), estimated)
                }
                // A published table never changes: its row count was recorded at the flip.
                Some(_) if query.filter.is_none() && !grouped && described.row_count.is_some() => {
                    (described.row_count, false)
                }
                // The whole table (SQLite counts the smallest index) or the groups (as costly
                // as the page itself).
                Some((sql, params)) => {
                    let total: i64 = connection.query_row(
                        sql,
                        rusqlite::params_from_iter(params.iter()),
                        |r| r.get(0),
                    )?;
                    (Some(total.max(0) as u64), false)
                }
            };
            let mut facet_values = Vec::with_capacity(facets.len());
            for (field, ty, sql, params) in &facets {
                let mut statement = connection.prepare(sql)?;
                let mut found = statement.query(rusqlite::params_from_iter(params.iter()))?;
                let mut values = Vec::new();
                while let Some(row) = found.next()? {
                    let value = decode_cell(row.get_ref(0)?, *ty, version)?;
                    let count: i64 = row.get(1)?;
                    values.push((value, count.max(0) as u64));
                }
                facet_values.push(Facet {
                    field: field.clone(),
                    values,
                });
            }
            snapshot.commit()?;
            Ok(RecordsPage {
                columns: columns.clone(),
                rows,
                has_more,
                next_cursor,
                total_count,
                total_is_estimate,
                facets: facet_values,
            })
        };
        self.read_records(run)
    }

    /// Every row `query` selects, in the order pages give them, one at a time to `visit`
    /// (constant memory, whatever the number of rows). `limit: None` means all rows; `offset`
    /// and `cursor` apply as for pages; facets are ignored. `visit` stops the scan by returning
    /// an error, which is passed through. Returns the number of rows visited.
    ///
    /// Holds one read connection (one snapshot) for the whole scan.
    pub fn stream_records<E>(
        &self,
        version: VersionId,
        query: &Query,
        mut visit: impl FnMut(&[Value]) -> Result<(), E>,
    ) -> Result<u64, E>
    where
        E: From<RecordsError>,
    {
        let described = self.version_table(version)?;
        let columns = described.output_fields(query)?;
        if !self.speaks_sqlite() && is_whole_table(query) {
            return self.stream_whole_table(version, query.limit, visit);
        }
        let infos = described.infos();
        let table = Table {
            sql_name: &described.sql_name,
            columns: &infos,
            full_text: described.full_text,
        };
        let compiled = compile(&table, query).map_err(RecordsError::from)?;
        let mut outcome: Result<u64, E> = Ok(0);
        let scanned = self.read_records(|connection| {
            ensure_table(connection, &described)?;
            let mut statement = connection.prepare(&compiled.sql)?;
            let mut rows = statement.query(rusqlite::params_from_iter(compiled.params.iter()))?;
            let mut values = Vec::with_capacity(columns.len());
            let mut visited = 0u64;
            while let Some(row) = rows.next()? {
                values.clear();
                for (i, column) in columns.iter().enumerate() {
                    values.push(decode_cell(row.get_ref(i)?, column.ty, version)?);
                }
                if let Err(error) = visit(&values) {
                    outcome = Err(error);
                    return Ok(());
                }
                visited += 1;
            }
            outcome = Ok(visited);
            Ok(())
        });
        scanned.map_err(E::from)?;
        outcome
    }

    /// Every row of a version in file order, up to `limit`: what an export without any query
    /// reads, served by the engine's own row scan (the only export PostgreSQL has until the
    /// records compiler speaks its dialect).
    fn stream_whole_table<E>(
        &self,
        version: VersionId,
        limit: Option<u64>,
        mut visit: impl FnMut(&[Value]) -> Result<(), E>,
    ) -> Result<u64, E>
    where
        E: From<RecordsError>,
    {
        /// Ends the scan once `limit` rows were visited, or carries the visitor's error.
        enum Stop<E> {
            Limit,
            Visitor(E),
            Store(Error),
        }
        impl<E> From<Error> for Stop<E> {
            fn from(error: Error) -> Self {
                Stop::Store(error)
            }
        }
        let mut visited = 0u64;
        let scanned = self.for_each_row(version, |row| {
            if limit.is_some_and(|limit| visited >= limit) {
                return Err(Stop::Limit);
            }
            visit(row).map_err(Stop::Visitor)?;
            visited += 1;
            Ok(())
        });
        match scanned {
            Ok(()) | Err(Stop::Limit) => Ok(visited),
            Err(Stop::Visitor(error)) => Err(error),
            Err(Stop::Store(Error::NotFound(_))) => {
                Err(RecordsError::VersionNotFound(version).into())
            }
            Err(Stop::Store(error)) => Err(RecordsError::from(error).into()),
        }
    }

    /// The table of a version, if its rows are queryable.
    fn version_table(&self, version: VersionId) -> Result<VersionTable, RecordsError> {
        let defs = self
            .version_columns(version)?
            .ok_or(RecordsError::VersionNotFound(version))?;
        let sql_names = (0..defs.len()).map(column_sql_name).collect();
        let found = self.version(version)?;
        let row_count = found.as_ref().and_then(|v| v.row_count);
        let full_text = found.is_some_and(|v| v.indexes == model::IndexState::Ready);
        Ok(VersionTable {
            version,
            sql_name: rows_table_name(version),
            defs,
            sql_names,
            row_count,
            full_text,
        })
    }

    fn read_records<T>(
        &self,
        f: impl FnOnce(&Connection) -> Result<T, RecordsError>,
    ) -> Result<T, RecordsError> {
        let mut outcome = None;
        self.with_sqlite_reader(|connection| {
            outcome = Some(f(connection));
            Ok(())
        })?;
        outcome.unwrap_or_else(|| Err(Error::Corrupt("lecture interrompue".to_owned()).into()))
    }
}

/// A query that reads every column of every row in file order (an export with no parameters).
fn is_whole_table(query: &Query) -> bool {
    query.filter.is_none()
        && query.select.is_empty()
        && query.group_by.is_empty()
        && query.order_by.is_empty()
        && query.offset == 0
        && query.cursor.is_none()
}

/// A superseded version whose rows were dropped has columns but no table.
fn ensure_table(connection: &Connection, table: &VersionTable) -> Result<(), RecordsError> {
    let exists: i64 = connection.query_row(
        "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = ?1",
        [&table.sql_name],
        |row| row.get(0),
    )?;
    if exists == 0 {
        return Err(RecordsError::VersionNotFound(table.version));
    }
    Ok(())
}

fn decode_row(
    row: &rusqlite::Row<'_>,
    columns: &[OutputField],
    version: VersionId,
) -> Result<Vec<Value>, RecordsError> {
    columns
        .iter()
        .enumerate()
        .map(|(i, column)| decode_cell(row.get_ref(i)?, column.ty, version))
        .collect()
}

fn decode_cell(
    cell: rusqlite::types::ValueRef<'_>,
    ty: ColumnType,
    version: VersionId,
) -> Result<Value, RecordsError> {
    decode_value(cell, ty).map_err(|error| {
        Error::Corrupt(format!(
            "cellule illisible dans la version {version} : {error}"
        ))
        .into()
    })
}

/// Counts the rows matching `query`'s filter, exactly up to `exact_count_limit`; beyond, an
/// estimate from evenly spaced row numbers (rows are numbered 1..=n without gaps), never below
/// `at_least` nor what was actually counted. A filter no index can serve (`LIKE`, `!=`...) on a
/// table larger than the limit is estimated at once: counting it exactly would read every row.
fn bounded_count(
    connection: &Connection,
    described: &VersionTable,
    query: &Query,
    options: RecordsOptions,
    at_least: u64,
) -> Result<(u64, bool), RecordsError> {
    let infos = described.infos();
    let table = Table {
        sql_name: &described.sql_name,
        columns: &infos,
        full_text: described.full_text,
    };
    let quoted = super::table::quote_ident(&described.sql_name);
    let mut filter_sql = super::filter::Sql::default();
    if let Some(filter) = &query.filter {
        filter_sql.push(" WHERE ");
        super::filter::compile_filter(filter, &table, &mut filter_sql)?;
    }
    let last_row: i64 = connection.query_row(
        &format!("SELECT coalesce(max(rowid), 0) FROM {quoted}"),
        [],
        |row| row.get(0),
    )?;
    let matching_sql = format!("SELECT 1 FROM {quoted}{}", filter_sql.text);
    // A filter no index serves would read the whole table to count: beyond the limit, sample.
    let scans_all = last_row as u64 > options.exact_count_limit
        && is_full_scan(
            connection,
            &matching_sql,
            &filter_sql.params,
            &described.sql_name,
        )?;
    let mut at_least = at_least;
    if !scans_all {
        // `SELECT 1 … LIMIT`: counting stops early, and an indexed filter reads only its index.
        let mut params = filter_sql.params.clone();
        params.push(SqlValue::Integer(
            i64::try_from(options.exact_count_limit.saturating_add(1)).unwrap_or(i64::MAX),
        ));
        let counted: i64 = connection.query_row(
            &format!("SELECT count(*) FROM ({matching_sql} LIMIT ?)"),
            rusqlite::params_from_iter(params.iter()),
            |row| row.get(0),
        )?;
        let counted = counted.max(0) as u64;
        if counted <= options.exact_count_limit {
            return Ok((counted, false));
        }
        at_least = at_least.max(counted);
    }
    let step = (last_row as u64 / COUNT_SAMPLE).max(1) as i64;
    // Row numbers are bound first; the filter's own parameters follow, in their order.
    let mut params: Vec<SqlValue> = vec![
        SqlValue::Integer(step),
        SqlValue::Integer(step),
        SqlValue::Integer(last_row),
    ];
    params.extend(filter_sql.params);
    let where_sql = filter_sql
        .text
        .strip_prefix(" WHERE ")
        .map(|condition| format!(" AND {condition}"))
        .unwrap_or_default();
    // CROSS JOIN keeps the sample as the outer loop: point lookups by rowid, whatever indexes
    // the filter could use.
    let sample_sql = format!(
        "WITH RECURSIVE sample(r) AS (SELECT ?1 UNION ALL SELECT r + ?2 FROM sample WHERE r + ?2 <= ?3) \
         SELECT count(*), (SELECT count(*) FROM sample) FROM sample CROSS JOIN {quoted} \
         WHERE {quoted}.rowid = sample.r{where_sql}"
    );
    let (hits, sampled): (i64, i64) = connection.query_row(
        &sample_sql,
        rusqlite::params_from_iter(params.iter()),
        |row| Ok((row.get(0)?, row.get(1)?)),
    )?;
    let estimate = if sampled > 0 {
        (hits as f64 / sampled as f64 * last_row as f64).round() as u64
    } else {
        at_least
    };
    Ok((estimate.max(at_least), true))
}

/// Whether SQLite would read every row (or every entry of an index) to answer `sql`.
fn is_full_scan(
    connection: &Connection,
    sql: &str,
    params: &[SqlValue],
    table: &str,
) -> Result<bool, RecordsError> {
    let mut statement = connection.prepare(&format!("EXPLAIN QUERY PLAN {sql}"))?;
    let mut steps = statement.query(rusqlite::params_from_iter(params.iter()))?;
    let scan = format!("SCAN {table}");
    while let Some(step) = steps.next()? {
        let detail: String = step.get(3)?;
        if detail == scan || detail.starts_with(&format!("{scan} ")) {
            return Ok(true);
        }
    }
    Ok(false)
}
