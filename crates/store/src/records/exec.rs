//! Running records queries on a published version: one page ([`Store::records`]) or every row
//! in constant memory ([`Store::stream_records`]).
//!
//! A page and its count and facets are read in one read transaction, so they describe the same
//! snapshot even while a new version is being published. Paging and streaming compile the same
//! query the same way (order keys, then the row number as the final tiebreaker), so the rows of
//! an export are exactly the rows of the pages, in the same order.
//!
//! `total_count` is exact as long as counting stops before [`RecordsOptions::exact_count_limit`]
//! matching rows; beyond, it is estimated from 100 evenly spaced runs of 100 row numbers and
//! flagged ([`RecordsPage::total_is_estimate`]), so that a page never costs a full count of a
//! huge table. Likewise when the filter cannot use an index (SQLite's query plan says it would
//! scan the table) and the table has more rows than the limit. Without a filter the count is
//! the row count recorded at publication; with one `field = "text"` on a text column whose value
//! counts the index job kept (`stored_facets`), it is that kept count. Once a version's indexes
//! are ready, the count of each filter is kept in memory (`counts`): the next pages of that
//! filter read it instead of counting again.
//!
//! [`Store::records_each_row`] hands each row of a page to a visitor while the engine holds
//! it, the cells whose text is their value borrowed ([`RawCell`]), so that the API writes its
//! JSON without copying every cell into a [`Value`] first; [`Store::records_with`] is that
//! visitor collecting the values.

use std::fmt::Write as _;
use std::sync::Arc;

use model::query::{Aggregate, Field, Query, SelectExpr};
use model::{ColumnDef, ColumnType, Value, VersionId};
use rusqlite::Connection;
use rusqlite::types::{Value as SqlValue, ValueRef};

use super::counts::{CountKey, KeptCount};
use super::dialect::Dialect;
use super::filter::{Sql, compile_filter, rowid_sql, text_equality};
use super::stored_facets::{kept_text_count_sql, stored_facet_sql, stored_value};
use super::table::quote_ident;
use super::{
    ColumnInfo, ColumnKind, CompileError, CompiledQuery, Table, compile, count_sql, facet_sql,
};
use crate::error::Error;
use crate::sqlite::codec::{decode_text, decode_value};
use crate::sqlite::{column_sql_name, rows_table_name};
use crate::{Engine, Store};

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
/// Consecutive rows per run of the sample. Neighbouring rows share their table pages, so a run
/// of 100 rows costs about what two or three scattered rows cost (one B-tree descent, a few
/// pages): 100 runs spread evenly over the table read as many rows as 10,000 scattered ones
/// with a tenth of the page reads (a sampled count on 1,000,000 rows took 14 ms of a 15 ms
/// page). Evenly spaced runs still cover the whole table, so rows sorted by the filtered value
/// shift the estimate by at most about one run's spacing.
const SAMPLE_RUN: u64 = 100;

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

/// A page without its rows, which [`Store::records_each_row`] hands to its visitor instead.
#[derive(Debug, Clone, PartialEq)]
pub struct PageSummary {
    pub columns: Vec<OutputField>,
    /// Whether rows follow this page.
    pub has_more: bool,
    /// The keyset cursor of the next page (row queries only, and only when `has_more`).
    pub next_cursor: Option<String>,
    /// Matching rows (groups for a grouped query); `None` when not asked for.
    pub total_count: Option<u64>,
    pub total_is_estimate: bool,
    pub facets: Vec<Facet>,
}

impl PageSummary {
    /// The whole page, with the rows the visitor was given.
    pub fn with_rows(self, rows: Vec<Vec<Value>>) -> RecordsPage {
        RecordsPage {
            columns: self.columns,
            rows,
            has_more: self.has_more,
            next_cursor: self.next_cursor,
            total_count: self.total_count,
            total_is_estimate: self.total_is_estimate,
            facets: self.facets,
        }
    }
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

#[cfg(feature = "postgres")]
impl From<postgres::Error> for RecordsError {
    fn from(error: postgres::Error) -> Self {
        RecordsError::Store(Error::Postgres(error))
    }
}

/// One read snapshot of an engine, as the executor uses it: both engines answer through this,
/// so the page, count, facet and stream logic below is written once.
pub(crate) trait RecordsReader {
    fn dialect(&self) -> Dialect;

    /// Whether a table of this name exists (a superseded version may have lost its rows).
    fn table_exists(&mut self, name: &str) -> Result<bool, RecordsError>;

    /// Runs `sql`, giving each row's cells to `visit` until it returns `false` or rows run out.
    /// Rows are fetched as they are visited (constant memory).
    fn each_row(
        &mut self,
        sql: &str,
        params: &[SqlValue],
        visit: &mut dyn FnMut(&[ValueRef<'_>]) -> Result<bool, RecordsError>,
    ) -> Result<(), RecordsError>;

    /// Whether the engine would read every row of `table` to answer `sql`.
    fn scans_whole_table(
        &mut self,
        sql: &str,
        params: &[SqlValue],
        table: &str,
    ) -> Result<bool, RecordsError>;
}

/// A version's table as the compiler sees it; owns the names `Table` borrows.
pub(crate) struct VersionTable {
    pub(super) version: VersionId,
    pub(super) sql_name: String,
    pub(super) defs: Vec<ColumnDef>,
    sql_names: Vec<String>,
    /// Recorded when the version was published.
    row_count: Option<u64>,
    /// The file its rows were loaded from (names them in the kept counts' keys).
    sha256: Option<model::Sha256>,
    /// Whether its indexes are built (see `model::IndexState`), the full-text index among them:
    /// from then on nothing about the table changes, its counts included.
    indexes_ready: bool,
    /// Columns the engine stores as text although their type is not (PostgreSQL turns a
    /// column into text when a lenient publication keeps cells of another type in it).
    stored_as_text: Vec<bool>,
    pub(super) dialect: Dialect,
}

impl VersionTable {
    pub(super) fn infos(&self) -> Vec<ColumnInfo<'_>> {
        self.defs
            .iter()
            .zip(&self.sql_names)
            .enumerate()
            .map(|(position, (def, sql_name))| ColumnInfo {
                name: &def.name,
                sql_name,
                ty: if self.stored_as_text.get(position) == Some(&true) {
                    ColumnKind::Text
                } else {
                    column_kind(def.ty)
                },
            })
            .collect()
    }

    /// The table as the compiler sees it, over `infos` (from [`VersionTable::infos`]).
    pub(super) fn table<'a>(&'a self, infos: &'a [ColumnInfo<'a>]) -> Table<'a> {
        Table {
            sql_name: &self.sql_name,
            columns: infos,
            full_text: self.indexes_ready,
            dialect: self.dialect,
        }
    }

    fn def(&self, field: &Field) -> Option<&ColumnDef> {
        self.defs.iter().find(|def| def.name == field.as_str())
    }

    fn position(&self, field: &Field) -> Option<usize> {
        self.defs.iter().position(|def| def.name == field.as_str())
    }

    /// The result columns of `query`, with the model types of their values (a `time` field stays
    /// a `time`, `count` is an integer, `avg` a number).
    fn output_fields(&self, query: &Query) -> Result<Vec<OutputField>, RecordsError> {
        let infos = self.infos();
        let compiled = compile(&self.table(&infos), query)?;
        Ok(self.fields_of(&compiled, query))
    }

    /// [`VersionTable::output_fields`] of a query already compiled (`compiled` is `query`,
    /// whatever its limit).
    fn fields_of(&self, compiled: &CompiledQuery, query: &Query) -> Vec<OutputField> {
        let types = self.output_types(query);
        compiled
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
            .collect()
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

/// How the records compiler handles the values of a column of type `ty` (the PostgreSQL engine
/// also decides from it which columns make the search document).
pub(crate) fn column_kind(ty: ColumnType) -> ColumnKind {
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
        let mut rows = Vec::new();
        let summary = self.records_each_row(version, query, options, &mut |_, cells| {
            rows.push(cells.iter().map(RawCell::to_value).collect());
        })?;
        Ok(summary.with_rows(rows))
    }

    /// [`Store::records_with`], each row of the page handed to `visit` with the result columns
    /// while the engine still holds it (cells whose text is their value borrowed, as
    /// [`RawCell`]s, not copied), instead of being collected: the API writes its JSON straight
    /// from them.
    pub fn records_each_row(
        &self,
        version: VersionId,
        query: &Query,
        options: RecordsOptions,
        visit: &mut dyn FnMut(&[OutputField], &[RawCell<'_>]),
    ) -> Result<PageSummary, RecordsError> {
        let limit = query.limit.unwrap_or(DEFAULT_LIMIT);
        if limit > MAX_LIMIT {
            return Err(RecordsError::LimitTooLarge { max: MAX_LIMIT });
        }
        let described = self.version_table(version)?;
        let infos = described.infos();
        let table = described.table(&infos);
        // One row more than asked tells whether another page follows.
        let probe = Query {
            limit: Some(limit + 1),
            ..query.clone()
        };
        let compiled = compile(&table, &probe)?;
        let columns = described.fields_of(&compiled, query);
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
                // Without a filter, the counts the index job kept answer (when it kept them).
                let stored = query
                    .filter
                    .is_none()
                    .then(|| described.position(field))
                    .flatten()
                    .map(|position| {
                        stored_facet_sql(described.dialect, version, position, options.facet_limit)
                    });
                Ok((field.as_str().to_string(), ty, sql, params, stored))
            })
            .collect::<Result<Vec<_>, CompileError>>()?;
        let grouped = compiled.cursor_columns.is_none();

        let run = |reader: &mut dyn RecordsReader| -> Result<PageSummary, RecordsError> {
            ensure_table(reader, &described)?;
            let dialect = reader.dialect();
            let mut visited = 0u64;
            let mut next_cursor = None;
            let mut has_more = false;
            reader.each_row(&compiled.sql, &compiled.params, &mut |cells| {
                if visited == limit {
                    // `limit=0` asks for counts or facets only: no page follows it.
                    has_more = limit > 0;
                    return Ok(false);
                }
                visit(&columns, &decode_row(dialect, cells, &columns, version)?);
                visited += 1;
                if visited == limit {
                    let owned: Vec<SqlValue> = cells.iter().map(|cell| owned(*cell)).collect();
                    next_cursor = compiled.cursor_after(&owned);
                }
                Ok(true)
            })?;
            if !has_more {
                next_cursor = None;
            }
            // Rows known to match: those before and on this page, and one after it.
            let seen = query.offset + visited + u64::from(has_more);
            let (total_count, total_is_estimate) = match &count {
                None => (None, false),
                // A filter without grouping: bounded, since it may match millions of rows.
                Some(_) if query.filter.is_some() && !grouped => {
                    let counted =
                        self.kept_or_bounded_count(reader, &described, &table, query, options)?;
                    (Some(counted.with_page(seen)), counted.estimated)
                }
                // A published table never changes: its row count was recorded at the flip.
                Some(_) if query.filter.is_none() && !grouped && described.row_count.is_some() => {
                    (described.row_count, false)
                }
                // The whole table (SQLite counts the smallest index) or the groups (as costly
                // as the page itself).
                Some((sql, params)) => (Some(count_one(reader, sql, params)?), false),
            };
            let mut facet_values = Vec::with_capacity(facets.len());
            for (field, ty, sql, params, stored) in &facets {
                let mut values = Vec::new();
                if let Some(stored) = stored {
                    reader.each_row(&stored.text, &stored.params, &mut |cells| {
                        let value = decode_cell(dialect, stored_value(cells), *ty, version)?;
                        values.push((value, integer(cells[3]).max(0) as u64));
                        Ok(true)
                    })?;
                }
                if values.is_empty() {
                    reader.each_row(sql, params, &mut |cells| {
                        let value = decode_cell(dialect, cells[0], *ty, version)?;
                        values.push((value, integer(cells[1]).max(0) as u64));
                        Ok(true)
                    })?;
                }
                facet_values.push(Facet {
                    field: field.clone(),
                    values,
                });
            }
            Ok(PageSummary {
                columns: columns.clone(),
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
    /// Holds one read snapshot for the whole scan.
    pub fn stream_records<E>(
        &self,
        version: VersionId,
        query: &Query,
        mut visit: impl FnMut(&[Value]) -> Result<(), E>,
    ) -> Result<u64, E>
    where
        E: From<RecordsError>,
    {
        let mut values = Vec::new();
        self.scan_rows(version, query, |dialect, cells, columns| {
            values.clear();
            for (cell, column) in cells.iter().zip(columns) {
                values.push(decode_cell(dialect, *cell, column.ty, version)?);
            }
            Ok(visit(&values))
        })
    }

    /// [`Store::stream_records`] with each cell borrowed from the engine's row when its text
    /// prints as its value ([`RawCell`]): no string is allocated nor date parsed for such cells,
    /// which are most cells of most tables. The same rows in the same order, and each cell the
    /// same value: [`RawCell::to_value`] is what `stream_records` gives.
    pub fn stream_raw_records<E>(
        &self,
        version: VersionId,
        query: &Query,
        mut visit: impl FnMut(&[RawCell<'_>]) -> Result<(), E>,
    ) -> Result<u64, E>
    where
        E: From<RecordsError>,
    {
        self.scan_rows(version, query, |dialect, cells, columns| {
            Ok(visit(&decode_row(dialect, cells, columns, version)?))
        })
    }

    /// The scan behind both streams: each row's cells (and the result columns they fill) to
    /// `on_row`, whose `Err` stops the scan and is returned.
    fn scan_rows<E>(
        &self,
        version: VersionId,
        query: &Query,
        mut on_row: impl FnMut(
            Dialect,
            &[ValueRef<'_>],
            &[OutputField],
        ) -> Result<Result<(), E>, RecordsError>,
    ) -> Result<u64, E>
    where
        E: From<RecordsError>,
    {
        let described = self.version_table(version)?;
        let columns = described.output_fields(query)?;
        let infos = described.infos();
        let compiled = compile(&described.table(&infos), query).map_err(RecordsError::from)?;
        let mut outcome: Result<u64, E> = Ok(0);
        let scanned = self.read_records(|reader| {
            ensure_table(reader, &described)?;
            let dialect = reader.dialect();
            let mut visited = 0u64;
            reader.each_row(&compiled.sql, &compiled.params, &mut |cells| {
                if let Err(error) = on_row(dialect, cells, &columns)? {
                    outcome = Err(error);
                    return Ok(false);
                }
                visited += 1;
                Ok(true)
            })?;
            if outcome.is_ok() {
                outcome = Ok(visited);
            }
            Ok(())
        });
        scanned.map_err(E::from)?;
        outcome
    }

    /// The table of a version, if its rows are queryable: kept in memory once its indexes are
    /// ready (see `described`), read from the catalogue before.
    pub(super) fn version_table(
        &self,
        version: VersionId,
    ) -> Result<Arc<VersionTable>, RecordsError> {
        if let Some(kept) = self.inner.described.get(version) {
            return Ok(kept);
        }
        let defs = self
            .version_columns(version)?
            .ok_or(RecordsError::VersionNotFound(version))?;
        let sql_names = (0..defs.len()).map(column_sql_name).collect();
        let found = self.version(version)?;
        let row_count = found.as_ref().and_then(|v| v.row_count);
        let sha256 = found.as_ref().map(|v| v.sha256);
        // The full-text index is among the indexes; once they are all built, nothing here
        // changes any more.
        let indexes_ready = found.is_some_and(|v| v.indexes == model::IndexState::Ready);
        let (dialect, stored_as_text) = match &self.inner.engine {
            Engine::Sqlite(_) => (Dialect::Sqlite, Vec::new()),
            #[cfg(feature = "postgres")]
            Engine::Postgres(engine) => (
                Dialect::Postgres,
                engine.columns_stored_as_text(version, &defs)?,
            ),
        };
        let described = Arc::new(VersionTable {
            version,
            sql_name: rows_table_name(version),
            defs,
            sql_names,
            row_count,
            sha256,
            indexes_ready,
            stored_as_text,
            dialect,
        });
        if indexes_ready {
            self.inner.described.keep(Arc::clone(&described));
        }
        Ok(described)
    }

    /// Runs `f` on one read snapshot of the engine.
    pub(super) fn read_records<T>(
        &self,
        f: impl FnOnce(&mut dyn RecordsReader) -> Result<T, RecordsError>,
    ) -> Result<T, RecordsError> {
        match &self.inner.engine {
            Engine::Sqlite(engine) => sqlite_snapshot_on(|read| engine.read(read), f),
            #[cfg(feature = "postgres")]
            Engine::Postgres(engine) => engine.read_records(f),
        }
    }

    /// [`Store::read_records`] for a background job that reads a whole version: on SQLite, on
    /// a connection that does not map the database file and has a small page cache
    /// (`SqliteEngine::read_unmapped`), so the job's memory does not grow with the table; on
    /// PostgreSQL rows already come through a portal in batches.
    pub(super) fn read_records_unmapped<T>(
        &self,
        f: impl FnOnce(&mut dyn RecordsReader) -> Result<T, RecordsError>,
    ) -> Result<T, RecordsError> {
        match &self.inner.engine {
            Engine::Sqlite(engine) => sqlite_snapshot_on(|read| engine.read_unmapped(read), f),
            #[cfg(feature = "postgres")]
            Engine::Postgres(engine) => engine.read_records(f),
        }
    }
}

/// Runs `f` in a SQLite read snapshot on the connection that `on` lends.
fn sqlite_snapshot_on<T>(
    on: impl FnOnce(&mut dyn FnMut(&Connection) -> Result<(), Error>) -> Result<(), Error>,
    f: impl FnOnce(&mut dyn RecordsReader) -> Result<T, RecordsError>,
) -> Result<T, RecordsError> {
    let mut f = Some(f);
    let mut outcome = None;
    on(&mut |connection| {
        if let Some(f) = f.take() {
            outcome = Some(read_sqlite_snapshot(connection, f));
        }
        Ok(())
    })?;
    outcome.unwrap_or_else(|| Err(Error::Corrupt("lecture interrompue".to_owned()).into()))
}

/// A SQLite read transaction: every statement of `f` sees the same snapshot.
fn read_sqlite_snapshot<T>(
    connection: &Connection,
    f: impl FnOnce(&mut dyn RecordsReader) -> Result<T, RecordsError>,
) -> Result<T, RecordsError> {
    let snapshot = connection.unchecked_transaction()?;
    let value = f(&mut SqliteReader(connection))?;
    snapshot.commit()?;
    Ok(value)
}

struct SqliteReader<'c>(&'c Connection);

impl RecordsReader for SqliteReader<'_> {
    fn dialect(&self) -> Dialect {
        Dialect::Sqlite
    }

    fn table_exists(&mut self, name: &str) -> Result<bool, RecordsError> {
        let exists: i64 = self
            .0
            .prepare_cached(
                "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = ?1",
            )?
            .query_row([name], |row| row.get(0))?;
        Ok(exists > 0)
    }

    fn each_row(
        &mut self,
        sql: &str,
        params: &[SqlValue],
        visit: &mut dyn FnMut(&[ValueRef<'_>]) -> Result<bool, RecordsError>,
    ) -> Result<(), RecordsError> {
        // Pages of one shape share their SQL text (values are parameters): kept prepared.
        let mut statement = self.0.prepare_cached(sql)?;
        let width = statement.column_count();
        let mut rows = statement.query(rusqlite::params_from_iter(params.iter()))?;
        while let Some(row) = rows.next()? {
            // Sized at once: collecting `Result`s would grow the vector a few times a row.
            let mut cells = Vec::with_capacity(width);
            for i in 0..width {
                cells.push(row.get_ref(i)?);
            }
            if !visit(&cells)? {
                break;
            }
        }
        Ok(())
    }

    /// From `EXPLAIN QUERY PLAN`: a `SCAN` of the table (not a search of an index).
    fn scans_whole_table(
        &mut self,
        sql: &str,
        params: &[SqlValue],
        table: &str,
    ) -> Result<bool, RecordsError> {
        let mut statement = self
            .0
            .prepare_cached(&format!("EXPLAIN QUERY PLAN {sql}"))?;
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
}

/// A superseded version whose rows were dropped has columns but no table.
fn ensure_table(reader: &mut dyn RecordsReader, table: &VersionTable) -> Result<(), RecordsError> {
    if !reader.table_exists(&table.sql_name)? {
        return Err(RecordsError::VersionNotFound(table.version));
    }
    Ok(())
}

fn decode_row<'a>(
    dialect: Dialect,
    cells: &[ValueRef<'a>],
    columns: &[OutputField],
    version: VersionId,
) -> Result<Vec<RawCell<'a>>, RecordsError> {
    // Sized at once: collecting results would grow the vector step by step.
    let mut decoded = Vec::with_capacity(columns.len());
    for (cell, column) in cells.iter().zip(columns) {
        decoded.push(raw_cell(dialect, *cell, column.ty, version)?);
    }
    Ok(decoded)
}

/// A cell of a row handed over while the engine holds it ([`Store::records_each_row`],
/// [`Store::stream_raw_records`]).
#[derive(Debug, Clone, PartialEq)]
pub enum RawCell<'a> {
    /// A cell of a column of type `.1` whose value prints as exactly this text, borrowed from
    /// the engine's row: a text cell, or a date, time or date-time stored in the very form it
    /// prints as (`2024-01-31`, `08:30:00`, `2024-01-31T08:30:00`), which is the stored form
    /// of cast values. Writers copy it as it is.
    Text(&'a str, ColumnType),
    /// Any other cell, decoded as pages decode it (nulls, booleans and numbers cost nothing;
    /// JSON and dates in another form are parsed).
    Value(Value),
}

impl RawCell<'_> {
    /// The value pages and [`Store::stream_records`] give for this cell.
    pub fn to_value(&self) -> Value {
        match self {
            RawCell::Text(text, ty) => decode_text(text, *ty),
            RawCell::Value(value) => value.clone(),
        }
    }
}

/// A cell as a [`RawCell`]: borrowed when decoding it would give back its own text (whether
/// the text parses as its type or not, since a text that does not is kept as text), else
/// decoded by [`decode_cell`].
fn raw_cell<'a>(
    dialect: Dialect,
    cell: ValueRef<'a>,
    ty: ColumnType,
    version: VersionId,
) -> Result<RawCell<'a>, RecordsError> {
    if let ValueRef::Text(bytes) = cell
        && reads_as_itself(bytes, ty)
        && let Ok(text) = std::str::from_utf8(bytes)
    {
        return Ok(RawCell::Text(text, ty));
    }
    decode_cell(dialect, cell, ty, version).map(RawCell::Value)
}

/// Whether stored text in a column of type `ty` decodes to a value that prints as this very
/// text: always for text; for dates and times, when the text has the one form jiff prints
/// (`YYYY-MM-DD`, `HH:MM:SS` without fraction, `YYYY-MM-DDTHH:MM:SS`) with fields in range
/// (an impossible day like 02-30 fails to parse and stays text: the same text again).
/// Seconds stop at 59: jiff reads a leap second `60` as `59`.
fn reads_as_itself(text: &[u8], ty: ColumnType) -> bool {
    match ty {
        ColumnType::Text => true,
        ColumnType::Date => is_canonical_date(text),
        ColumnType::Time => is_canonical_time(text),
        ColumnType::DateTime => {
            text.len() == 19
                && text[10] == b'T'
                && is_canonical_date(&text[..10])
                && is_canonical_time(&text[11..])
        }
        _ => false,
    }
}

/// `YYYY-MM-DD` with a month 01–12 and a day 01–31.
fn is_canonical_date(text: &[u8]) -> bool {
    let [y1, y2, y3, y4, b'-', m1, m2, b'-', d1, d2] = *text else {
        return false;
    };
    [y1, y2, y3, y4].iter().all(u8::is_ascii_digit)
        && two_digits(m1, m2).is_some_and(|month| (1..=12).contains(&month))
        && two_digits(d1, d2).is_some_and(|day| (1..=31).contains(&day))
}

/// `HH:MM:SS` with hours 00–23, minutes and seconds 00–59.
fn is_canonical_time(text: &[u8]) -> bool {
    let [h1, h2, b':', m1, m2, b':', s1, s2] = *text else {
        return false;
    };
    two_digits(h1, h2).is_some_and(|hour| hour <= 23)
        && two_digits(m1, m2).is_some_and(|minute| minute <= 59)
        && two_digits(s1, s2).is_some_and(|second| second <= 59)
}

fn two_digits(tens: u8, units: u8) -> Option<u8> {
    (tens.is_ascii_digit() && units.is_ascii_digit()).then(|| (tens - b'0') * 10 + (units - b'0'))
}

/// A cell of a version column, read back by the rules of the engine that stored it.
fn decode_cell(
    dialect: Dialect,
    cell: ValueRef<'_>,
    ty: ColumnType,
    version: VersionId,
) -> Result<Value, RecordsError> {
    let decoded = match (dialect, cell) {
        // A column PostgreSQL turned into text keeps its well-typed cells as their text.
        #[cfg(feature = "postgres")]
        (Dialect::Postgres, ValueRef::Text(bytes)) => std::str::from_utf8(bytes)
            .map(|text| crate::postgres::decode_cell(Some(text), ty))
            .map_err(|error| error.to_string()),
        _ => decode_value(cell, ty).map_err(|error| error.to_string()),
    };
    decoded.map_err(|error| {
        Error::Corrupt(format!(
            "cellule illisible dans la version {version} : {error}"
        ))
        .into()
    })
}

pub(super) fn owned(cell: ValueRef<'_>) -> SqlValue {
    match cell {
        ValueRef::Null => SqlValue::Null,
        ValueRef::Integer(number) => SqlValue::Integer(number),
        ValueRef::Real(number) => SqlValue::Real(number),
        ValueRef::Text(bytes) => SqlValue::Text(String::from_utf8_lossy(bytes).into_owned()),
        ValueRef::Blob(bytes) => SqlValue::Blob(bytes.to_vec()),
    }
}

/// The integer of a count cell.
pub(super) fn integer(cell: ValueRef<'_>) -> i64 {
    match cell {
        ValueRef::Integer(number) => number,
        _ => 0,
    }
}

/// The integer of the first column of the first row of `sql`.
pub(super) fn count_one(
    reader: &mut dyn RecordsReader,
    sql: &str,
    params: &[SqlValue],
) -> Result<u64, RecordsError> {
    let mut total = 0;
    reader.each_row(sql, params, &mut |cells| {
        total = integer(cells[0]);
        Ok(false)
    })?;
    Ok(total.max(0) as u64)
}

impl Store {
    /// The count of `query`'s filter on a version ([`bounded_count`]), kept in memory once
    /// the version's indexes are ready and read from there by the next pages that ask for it
    /// (`counts`: the key names the version's rows, its file and the whole filter).
    fn kept_or_bounded_count(
        &self,
        reader: &mut dyn RecordsReader,
        described: &VersionTable,
        table: &Table,
        query: &Query,
        options: RecordsOptions,
    ) -> Result<KeptCount, RecordsError> {
        let matching = matching_rows_sql(table, query)?;
        let key = described
            .sha256
            .filter(|_| described.indexes_ready)
            .map(|sha256| CountKey {
                version: described.version,
                sha256,
                exact_count_limit: options.exact_count_limit,
                matching: format!("{}; {:?}", matching.text, matching.params),
            });
        if let Some(kept) = key.as_ref().and_then(|key| self.inner.counts.get(key)) {
            return Ok(kept);
        }
        let counted = bounded_count(reader, described, table, matching, query, options)?;
        if let Some(key) = key {
            self.inner.counts.keep(key, counted);
        }
        Ok(counted)
    }
}

/// `SELECT 1 FROM "table" WHERE TRUE AND (filter)`: the rows `query`'s filter matches.
fn matching_rows_sql(table: &Table, query: &Query) -> Result<Sql, RecordsError> {
    let mut matching = Sql::new(table.dialect);
    matching.push(&format!(
        "SELECT 1 FROM {} WHERE TRUE",
        quote_ident(table.sql_name)
    ));
    and_filter(table, query, &mut matching)?;
    Ok(matching)
}

/// ` AND (filter)` when `query` has a filter.
fn and_filter(table: &Table, query: &Query, sql: &mut Sql) -> Result<(), RecordsError> {
    if let Some(filter) = &query.filter {
        sql.push(" AND ");
        compile_filter(filter, table, sql)?;
    }
    Ok(())
}

/// Counts the rows `matching` selects (`query`'s filter, [`matching_rows_sql`]), exactly up to
/// `exact_count_limit`; beyond, an estimate from evenly spaced row numbers (rows are numbered
/// 1..=n without gaps, on both engines, so both estimate alike), never below what was actually
/// counted (nor, [`KeptCount::with_page`], below the rows a page saw). A filter no index can
/// serve (`LIKE`, `!=`...) on a table larger than the limit is estimated at once: counting it
/// exactly would read every row. The answer depends on the version and the filter only, never
/// on the page asking.
fn bounded_count(
    reader: &mut dyn RecordsReader,
    described: &VersionTable,
    table: &Table,
    matching: Sql,
    query: &Query,
    options: RecordsOptions,
) -> Result<KeptCount, RecordsError> {
    let quoted = quote_ident(&described.sql_name);
    let rowid = rowid_sql(table);
    let last_row = count_one(
        reader,
        &format!("SELECT coalesce(max({rowid}), 0) FROM {quoted}"),
        &[],
    )?;
    // A filter no index serves would read the whole table to count: beyond the limit, sample.
    let scans_all = last_row > options.exact_count_limit
        && reader.scans_whole_table(&matching.text, &matching.params, &described.sql_name)?;
    let mut at_least = 0;
    if !scans_all {
        // What the bounded count below would give, read from the counts the index job kept.
        if let Some(kept) = kept_equality_count(reader, described, table, query)?
            && kept <= options.exact_count_limit
        {
            return Ok(KeptCount {
                total: kept,
                estimated: false,
            });
        }
        // `SELECT 1 … LIMIT`: counting stops early, and an indexed filter reads only its index.
        let mut bounded = Sql::new(table.dialect);
        bounded.push(&format!("SELECT count(*) FROM ({}", matching.text));
        bounded.params = matching.params;
        bounded.push(" LIMIT ");
        bounded.param(SqlValue::Integer(
            i64::try_from(options.exact_count_limit.saturating_add(1)).unwrap_or(i64::MAX),
        ));
        bounded.push(") AS \"matching\"");
        let counted = count_one(reader, &bounded.text, &bounded.params)?;
        if counted <= options.exact_count_limit {
            return Ok(KeptCount {
                total: counted,
                estimated: false,
            });
        }
        at_least = counted;
    }
    let runs = sample_runs(last_row);
    let mut sample = Sql::new(table.dialect);
    sample.push("SELECT count(*) FROM ");
    sample_starts(&mut sample, &runs);
    // CROSS JOIN keeps the sample as the outer loop: one range of row numbers per run,
    // whatever indexes the filter could use.
    sample.push(&format!(
        " CROSS JOIN {quoted} WHERE {rowid} BETWEEN \"sample\".\"r\" AND \"sample\".\"r\" + {}",
        SAMPLE_RUN - 1
    ));
    and_filter(table, query, &mut sample)?;
    let hits = count_one(reader, &sample.text, &sample.params)?;
    let estimate = if runs.covered > 0 {
        (hits as f64 / runs.covered as f64 * last_row as f64).round() as u64
    } else {
        at_least
    };
    Ok(KeptCount {
        total: estimate.max(at_least),
        estimated: true,
    })
}

/// The number of rows matching a `field = "text"` filter, from the value counts the index job
/// kept for that column (exactly what counting the rows gives: a published version never
/// changes); `None` for another filter or a column whose counts are not kept. Reads at most
/// [`MAX_STORED_VALUES`](super::MAX_STORED_VALUES) kept rows instead of every matching entry of
/// the column's index.
fn kept_equality_count(
    reader: &mut dyn RecordsReader,
    described: &VersionTable,
    table: &Table,
    query: &Query,
) -> Result<Option<u64>, RecordsError> {
    let Some((position, text)) = query
        .filter
        .as_ref()
        .and_then(|filter| text_equality(filter, table))
    else {
        return Ok(None);
    };
    let sql = kept_text_count_sql(table.dialect, described.version, position, &text);
    let mut kept = None;
    reader.each_row(&sql.text, &sql.params, &mut |cells| {
        if integer(cells[1]) > 0 {
            kept = Some(integer(cells[0]).max(0) as u64);
        }
        Ok(false)
    })?;
    Ok(kept)
}

/// The runs of a sampled count over rows `1..=last`: [`SAMPLE_RUN`] consecutive rows every
/// `stride` rows from row 1, evenly spread (all rows when there are at most [`COUNT_SAMPLE`]).
#[derive(Debug, PartialEq, Eq)]
struct SampleRuns {
    stride: u64,
    runs: u64,
    /// Rows the runs cover (the last run may stop at the end of the table).
    covered: u64,
}

impl SampleRuns {
    /// The first row number of each run.
    fn starts(&self) -> impl Iterator<Item = u64> + '_ {
        (0..self.runs).map(|run| 1 + run * self.stride)
    }
}

fn sample_runs(last: u64) -> SampleRuns {
    let stride = (last / (COUNT_SAMPLE / SAMPLE_RUN)).max(SAMPLE_RUN);
    let runs = last.div_ceil(stride);
    let covered = (0..runs)
        .map(|run| SAMPLE_RUN.min(last - run * stride))
        .sum();
    SampleRuns {
        stride,
        runs,
        covered,
    }
}

/// `"sample"("r")`: the first row of each run, as one JSON array read by `json_each` on SQLite
/// (a tenth of the cost of a recursive CTE counting them out), as a series on PostgreSQL.
fn sample_starts(sql: &mut Sql, runs: &SampleRuns) {
    match sql.dialect {
        Dialect::Sqlite => {
            let mut numbers = String::from("[");
            for (i, start) in runs.starts().enumerate() {
                if i > 0 {
                    numbers.push(',');
                }
                let _ = write!(numbers, "{start}");
            }
            numbers.push(']');
            sql.push("(SELECT \"value\" AS \"r\" FROM json_each(");
            sql.param(SqlValue::Text(numbers));
            sql.push(")) AS \"sample\"");
        }
        Dialect::Postgres => {
            let clamp = |number: u64| SqlValue::Integer(i64::try_from(number).unwrap_or(i64::MAX));
            // No run: a series from 1 to 0, empty.
            let last_start = runs.starts().last().unwrap_or(0);
            sql.push("generate_series(1, ");
            sql.param(clamp(last_start));
            sql.push(", ");
            sql.param(clamp(runs.stride));
            sql.push(") AS \"sample\"(\"r\")");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sample_runs_cover_small_tables_and_spread_over_big_ones() {
        let starts_and_covered = |last| {
            let runs = sample_runs(last);
            (runs.starts().collect::<Vec<u64>>(), runs.covered)
        };
        assert_eq!(starts_and_covered(0), (vec![], 0));
        assert_eq!(starts_and_covered(1), (vec![1], 1));
        // Up to the sample size every row is read: runs follow each other.
        let (starts, covered) = starts_and_covered(4_050);
        assert_eq!(covered, 4_050);
        assert_eq!(starts.len(), 41);
        assert!(
            starts
                .windows(2)
                .all(|pair| pair[1] - pair[0] == SAMPLE_RUN)
        );
        let (starts, covered) = starts_and_covered(COUNT_SAMPLE);
        assert_eq!(
            (starts.len() as u64, covered),
            (COUNT_SAMPLE / SAMPLE_RUN, COUNT_SAMPLE)
        );
        // Beyond, the sample size is kept and the runs reach the end of the table.
        let (starts, covered) = starts_and_covered(1_000_000);
        assert_eq!((starts.len(), covered), (100, COUNT_SAMPLE));
        assert_eq!((starts[0], starts[99]), (1, 990_001));
        let (starts, covered) = starts_and_covered(1_000_050);
        assert_eq!(starts.last(), Some(&1_000_001));
        assert_eq!(covered, COUNT_SAMPLE + 50);
    }

    /// The text a decoded value prints as in exports (dates by jiff's `Display`).
    fn printed(value: &Value) -> Option<String> {
        match value {
            Value::Text(text) => Some(text.clone()),
            Value::Date(date) => Some(date.to_string()),
            Value::Time(time) => Some(time.to_string()),
            Value::DateTime(datetime) => Some(datetime.to_string()),
            _ => None,
        }
    }

    /// Texts around every boundary of the canonical forms, well-formed or not.
    fn texts() -> Vec<String> {
        let mut texts: Vec<String> = [
            "",
            "texte",
            "2024-02-29",
            "2023-02-29",
            "2024-02-30",
            "2024-04-31",
            "0000-01-01",
            "9999-12-31",
            "2024-1-05",
            "20240105",
            "2024-01-05 ",
            " 2024-01-05",
            "2024-01-05Z",
            "+2024-01-05",
            "2024-01-05T10:00",
            "2024-01-05 10:00:00",
            "2024-01-05t10:00:00",
            "2024-01-05T10:00:00.5",
            "2024-01-05T10:00:00Z",
            "2024-01-05T24:00:00",
            "10:00",
            "10:00:00.000",
            "10:00:00.5",
            "23:59:60",
            "24:00:00",
            "1:00:00",
            "12:3:00",
            "١٢:٣٠:٠٠",
            "[1,2]",
            "{\"a\": 1}",
            "12",
            "true",
        ]
        .iter()
        .map(|text| (*text).to_owned())
        .collect();
        for month in 0..=13 {
            for day in [0, 1, 9, 10, 28, 29, 30, 31, 32] {
                texts.push(format!("2024-{month:02}-{day:02}"));
                texts.push(format!("2023-{month:02}-{day:02}T23:59:59"));
            }
        }
        for hour in [0, 9, 10, 19, 20, 23, 24, 99] {
            for minute_second in [0, 5, 59, 60, 61] {
                texts.push(format!("{hour:02}:{minute_second:02}:{minute_second:02}"));
                texts.push(format!("1999-12-31T{hour:02}:{minute_second:02}:00"));
            }
        }
        texts
    }

    #[test]
    fn raw_cells_are_the_decoded_values_and_print_as_their_text() {
        let version = VersionId(1);
        let types = [
            ColumnType::Text,
            ColumnType::Date,
            ColumnType::Time,
            ColumnType::DateTime,
            ColumnType::Json,
            ColumnType::Integer,
            ColumnType::Number,
            ColumnType::Boolean,
        ];
        let dialects = [
            Dialect::Sqlite,
            #[cfg(feature = "postgres")]
            Dialect::Postgres,
        ];
        let mut borrowed = 0;
        for text in texts() {
            let cells = [
                ValueRef::Text(text.as_bytes()),
                ValueRef::Null,
                ValueRef::Integer(7),
                ValueRef::Real(0.1),
                ValueRef::Blob(text.as_bytes()),
            ];
            for dialect in dialects {
                for ty in types {
                    for cell in cells {
                        let decoded = decode_cell(dialect, cell, ty, version).unwrap();
                        let raw = raw_cell(dialect, cell, ty, version).unwrap();
                        assert_eq!(raw.to_value(), decoded, "{text:?} {ty:?} {dialect:?}");
                        if let RawCell::Text(raw_text, raw_ty) = raw {
                            borrowed += 1;
                            assert_eq!(raw_ty, ty);
                            assert_eq!(
                                printed(&decoded).as_deref(),
                                Some(raw_text),
                                "{text:?} {ty:?} {dialect:?}"
                            );
                        }
                    }
                }
            }
        }
        // Text cells of text columns and well-formed dates and times are lent, not decoded.
        assert!(borrowed > 500, "{borrowed}");
        let date = ValueRef::Text(b"2024-02-29");
        assert!(matches!(
            raw_cell(Dialect::Sqlite, date, ColumnType::Date, version).unwrap(),
            RawCell::Text("2024-02-29", ColumnType::Date)
        ));
        // Invalid UTF-8 is still the error pages give.
        let broken = ValueRef::Text(b"\xff");
        assert!(raw_cell(Dialect::Sqlite, broken, ColumnType::Text, version).is_err());
    }
}
