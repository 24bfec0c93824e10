//! Whole queries → one parameterised SELECT (rows, aggregates, counts, facets).

use model::query::{
    Aggregate, Direction, Expr, Field, OrderExpr, OrderKey, Query, SelectExpr, SelectItem,
};
use rusqlite::types::Value;

use super::cursor::{after_condition, decode_cursor, next_cursor};
use super::error::CompileError;
use super::filter::{Sql, column_sql, compile_filter, rowid_sql};
use super::table::{ColumnInfo, ColumnKind, Table, quote_ident};

/// Most `order_by` keys accepted (the cursor condition grows with their square).
pub const MAX_ORDER_KEYS: usize = 16;

/// One column of the result, as the reuser sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutputColumn {
    /// The alias, the field name, or the aggregate's canonical text (`count(*)`, `sum(montant)`).
    pub name: String,
    /// Storage kind of the values (`count` is `Integer`, `avg` is `Real`), to render them.
    pub kind: ColumnKind,
}

/// A query ready to run: `sql` with its `params`, in order.
#[derive(Debug, Clone, PartialEq)]
pub struct CompiledQuery {
    pub sql: String,
    pub params: Vec<Value>,
    /// The result columns to show, in order; they are the first `columns.len()` SQL columns.
    pub columns: Vec<OutputColumn>,
    /// For row queries (neither grouped nor aggregated): the index of the first trailing SQL
    /// column holding the cursor values (each `order_by` key, then the rowid), up to the last
    /// column. `None` for grouped or aggregated queries, which page with `offset` only.
    pub cursor_columns: Option<usize>,
    order_by: Vec<OrderKey>,
}

impl CompiledQuery {
    /// The cursor for the page after `row` (a row of this query's result), for row queries.
    pub fn next_cursor(&self, row: &rusqlite::Row<'_>) -> rusqlite::Result<Option<String>> {
        let Some(start) = self.cursor_columns else {
            return Ok(None);
        };
        let values = (start..=start + self.order_by.len())
            .map(|i| row.get::<_, Value>(i))
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(Some(next_cursor(&self.order_by, &values)))
    }

    /// The cursor for the page after a row given as all its SQL columns, for row queries.
    pub(crate) fn cursor_after(&self, row: &[Value]) -> Option<String> {
        let start = self.cursor_columns?;
        let values = row.get(start..=start + self.order_by.len())?;
        Some(next_cursor(&self.order_by, values))
    }
}

/// Compiles `query` against `table`. Every literal becomes a parameter; every name is checked
/// against the table and written from its description, never from the query text.
pub fn compile(table: &Table, query: &Query) -> Result<CompiledQuery, CompileError> {
    table.check()?;
    for facet in &query.facets {
        table.column(facet)?;
    }
    if query.order_by.len() > MAX_ORDER_KEYS {
        return Err(CompileError::TooManyOrderKeys {
            max: MAX_ORDER_KEYS,
        });
    }
    let grouped = !query.group_by.is_empty()
        || query
            .select
            .iter()
            .any(|item| matches!(item.expr, SelectExpr::Aggregate(_)));
    if grouped {
        compile_grouped(table, query)
    } else {
        compile_rows(table, query)
    }
}

/// A resolved result column: its SQL expression and what the reuser sees.
struct Output {
    sql: String,
    column: OutputColumn,
    /// The `select` alias, for `order_by` to refer to.
    alias: Option<String>,
}

fn compile_rows(table: &Table, query: &Query) -> Result<CompiledQuery, CompileError> {
    let outputs = row_outputs(table, &query.select)?;
    let mut order = Vec::with_capacity(query.order_by.len());
    for key in &query.order_by {
        let expr = match &key.expr {
            OrderExpr::Name(name) => match outputs
                .iter()
                .find(|o| o.alias.as_deref() == Some(name.as_str()))
            {
                Some(output) => output.sql.clone(),
                None => column_sql(table, table.column(name)?),
            },
            OrderExpr::Aggregate(aggregate) => {
                return Err(CompileError::AggregateWithoutGrouping {
                    expr: aggregate.to_string(),
                });
            }
        };
        order.push((expr, key.direction));
    }
    let position = match &query.cursor {
        Some(_) if query.offset > 0 => return Err(CompileError::CursorWithOffset),
        Some(cursor) => Some(decode_cursor(cursor, &query.order_by)?),
        None => None,
    };

    let mut sql = Sql::new(table.dialect);
    sql.push("SELECT ");
    let mut select_list: Vec<String> = outputs
        .iter()
        .enumerate()
        .map(|(i, o)| format!("{} AS \"c{i}\"", o.sql))
        .collect();
    let cursor_columns = select_list.len();
    for (i, (expr, _)) in order.iter().enumerate() {
        select_list.push(format!("{expr} AS \"k{i}\""));
    }
    let rowid = rowid_sql(table);
    select_list.push(format!("{rowid} AS \"k_rowid\""));
    sql.push(&select_list.join(", "));
    sql.push(&format!(" FROM {}", quote_ident(table.sql_name)));
    let mut conditions = 0;
    if let Some(filter) = &query.filter {
        where_and(&mut sql, &mut conditions);
        compile_filter(filter, table, &mut sql)?;
    }
    if let Some(position) = &position {
        where_and(&mut sql, &mut conditions);
        after_condition(&order, &rowid, position, &mut sql);
    }
    sql.push(" ORDER BY ");
    for (expr, direction) in &order {
        sql.push(&format!("{expr} {}, ", direction_sql(table, *direction)));
    }
    sql.push(&format!("{rowid} ASC"));
    limit_offset(&mut sql, query.limit, query.offset);
    Ok(CompiledQuery {
        sql: sql.text,
        params: sql.params,
        columns: outputs.into_iter().map(|o| o.column).collect(),
        cursor_columns: Some(cursor_columns),
        order_by: query.order_by.clone(),
    })
}

fn row_outputs(table: &Table, select: &[SelectItem]) -> Result<Vec<Output>, CompileError> {
    let all = [SelectItem {
        expr: SelectExpr::All,
        alias: None,
    }];
    let select = if select.is_empty() { &all[..] } else { select };
    let mut outputs = Vec::new();
    for item in select {
        match &item.expr {
            SelectExpr::All => {
                outputs.extend(table.columns.iter().map(|c| column_output(table, c, None)));
            }
            SelectExpr::Field(field) => {
                let column = table.column(field)?;
                outputs.push(column_output(table, column, item.alias.as_ref()));
            }
            // Aggregates make the query grouped: `compile_grouped` handles them.
            SelectExpr::Aggregate(aggregate) => {
                return Err(CompileError::AggregateWithoutGrouping {
                    expr: aggregate.to_string(),
                });
            }
        }
    }
    check_unique_names(&outputs)?;
    Ok(outputs)
}

fn column_output(table: &Table, column: &ColumnInfo, alias: Option<&Field>) -> Output {
    Output {
        sql: column_sql(table, column),
        column: OutputColumn {
            name: alias.map_or(column.name, Field::as_str).to_string(),
            kind: column.ty,
        },
        alias: alias.map(|a| a.as_str().to_string()),
    }
}

fn check_unique_names(outputs: &[Output]) -> Result<(), CompileError> {
    for (i, output) in outputs.iter().enumerate() {
        if outputs[..i]
            .iter()
            .any(|o| o.column.name == output.column.name)
        {
            return Err(CompileError::DuplicateColumn {
                name: output.column.name.clone(),
            });
        }
    }
    Ok(())
}

fn compile_grouped(table: &Table, query: &Query) -> Result<CompiledQuery, CompileError> {
    if query.cursor.is_some() {
        return Err(CompileError::CursorWithGrouping);
    }
    let groups: Vec<&ColumnInfo> = query
        .group_by
        .iter()
        .map(|f| table.column(f))
        .collect::<Result<_, _>>()?;
    let is_grouped = |column: &ColumnInfo| groups.iter().any(|g| g.sql_name == column.sql_name);
    let mut outputs = Vec::new();
    if query.select.is_empty() {
        outputs.extend(groups.iter().map(|c| column_output(table, c, None)));
    }
    for item in &query.select {
        let output = match &item.expr {
            SelectExpr::All => return Err(CompileError::StarWithGrouping),
            SelectExpr::Field(field) => {
                let column = table.column(field)?;
                if !is_grouped(column) {
                    return Err(CompileError::NotGrouped {
                        field: field.as_str().to_string(),
                    });
                }
                column_output(table, column, item.alias.as_ref())
            }
            SelectExpr::Aggregate(aggregate) => {
                let (sql, kind) = aggregate_sql(table, aggregate)?;
                Output {
                    sql,
                    column: OutputColumn {
                        name: item
                            .alias
                            .as_ref()
                            .map_or_else(|| aggregate.to_string(), |a| a.as_str().to_string()),
                        kind,
                    },
                    alias: item.alias.as_ref().map(|a| a.as_str().to_string()),
                }
            }
        };
        outputs.push(output);
    }
    check_unique_names(&outputs)?;

    // Sort keys, then every group field as a tiebreaker: groups are unique on them, so the
    // order is total and offset paging is stable.
    let mut order: Vec<(String, Direction)> = Vec::new();
    for key in &query.order_by {
        let expr = match &key.expr {
            OrderExpr::Name(name) => match outputs
                .iter()
                .find(|o| o.alias.as_deref() == Some(name.as_str()))
            {
                Some(output) => output.sql.clone(),
                None => {
                    let column = table.column(name)?;
                    if !is_grouped(column) {
                        return Err(CompileError::NotGrouped {
                            field: name.as_str().to_string(),
                        });
                    }
                    column_sql(table, column)
                }
            },
            OrderExpr::Aggregate(aggregate) => aggregate_sql(table, aggregate)?.0,
        };
        order.push((expr, key.direction));
    }
    order.extend(
        groups
            .iter()
            .map(|c| (column_sql(table, c), Direction::Asc)),
    );

    let mut sql = Sql::new(table.dialect);
    sql.push("SELECT ");
    let select_list: Vec<String> = outputs
        .iter()
        .enumerate()
        .map(|(i, o)| format!("{} AS \"c{i}\"", o.sql))
        .collect();
    sql.push(&select_list.join(", "));
    sql.push(&format!(" FROM {}", quote_ident(table.sql_name)));
    if let Some(filter) = &query.filter {
        sql.push(" WHERE ");
        compile_filter(filter, table, &mut sql)?;
    }
    if !groups.is_empty() {
        let group_list: Vec<String> = groups.iter().map(|c| column_sql(table, c)).collect();
        sql.push(&format!(" GROUP BY {}", group_list.join(", ")));
    }
    if !order.is_empty() {
        let order_list: Vec<String> = order
            .iter()
            .map(|(expr, direction)| format!("{expr} {}", direction_sql(table, *direction)))
            .collect();
        sql.push(&format!(" ORDER BY {}", order_list.join(", ")));
    }
    limit_offset(&mut sql, query.limit, query.offset);
    Ok(CompiledQuery {
        sql: sql.text,
        params: sql.params,
        columns: outputs.into_iter().map(|o| o.column).collect(),
        cursor_columns: None,
        order_by: query.order_by.clone(),
    })
}

/// The SQL of an aggregate and the kind of its result.
fn aggregate_sql(
    table: &Table,
    aggregate: &Aggregate,
) -> Result<(String, ColumnKind), CompileError> {
    let Some(field) = aggregate.field() else {
        return Ok(("count(*)".into(), ColumnKind::Integer));
    };
    let column = table.column(field)?;
    let col = column_sql(table, column);
    let numeric = || {
        if column.ty.is_numeric() {
            Ok(())
        } else {
            Err(CompileError::NotNumeric {
                function: aggregate.function_name(),
                field: field.as_str().to_string(),
                kind: column.ty,
            })
        }
    };
    Ok(match aggregate {
        Aggregate::CountAll | Aggregate::Count(_) => (format!("count({col})"), ColumnKind::Integer),
        Aggregate::Sum(_) => {
            numeric()?;
            // total() would give 0.0 for no rows; sum() gives NULL like SQL and ODS.
            let sum = if column.ty == ColumnKind::Integer {
                table.dialect.integer_sum(&col)
            } else {
                format!("sum({col})")
            };
            (sum, column.ty)
        }
        Aggregate::Avg(_) => {
            numeric()?;
            (table.dialect.average(&col), ColumnKind::Real)
        }
        Aggregate::Min(_) => (format!("min({col})"), column.ty),
        Aggregate::Max(_) => (format!("max({col})"), column.ty),
    })
}

fn where_and(sql: &mut Sql, conditions: &mut usize) {
    sql.push(if *conditions == 0 { " WHERE " } else { " AND " });
    *conditions += 1;
}

/// `ASC` or `DESC`, NULL being the smallest value on every engine.
fn direction_sql(table: &Table, direction: Direction) -> String {
    let (keyword, ascending) = match direction {
        Direction::Asc => ("ASC", true),
        Direction::Desc => ("DESC", false),
    };
    format!("{keyword}{}", table.dialect.nulls(ascending))
}

fn limit_offset(sql: &mut Sql, limit: Option<u64>, offset: u64) {
    let clamp = |n: u64| i64::try_from(n).unwrap_or(i64::MAX);
    match limit
        .map(|n| Value::Integer(clamp(n)))
        .or(sql.dialect.no_limit())
    {
        Some(limit) => {
            sql.push(" LIMIT ");
            sql.param(limit);
        }
        None => sql.push(" LIMIT ALL"),
    }
    sql.push(" OFFSET ");
    sql.param(Value::Integer(clamp(offset)));
}

/// Exact `total_count`: the rows matching the filter, or the number of groups when the query
/// groups (1 for an aggregate without `group_by`). Cursor, limit and offset are ignored.
/// One row, one integer column.
pub fn count_sql(table: &Table, query: &Query) -> Result<(String, Vec<Value>), CompileError> {
    table.check()?;
    let has_aggregate = query
        .select
        .iter()
        .any(|item| matches!(item.expr, SelectExpr::Aggregate(_)));
    if query.group_by.is_empty() && has_aggregate {
        if let Some(filter) = &query.filter {
            compile_filter(filter, table, &mut Sql::new(table.dialect))?;
        }
        return Ok(("SELECT 1".into(), Vec::new()));
    }
    let mut sql = Sql::new(table.dialect);
    let from = format!(" FROM {}", quote_ident(table.sql_name));
    if query.group_by.is_empty() {
        sql.push(&format!("SELECT count(*){from}"));
    } else {
        sql.push(&format!("SELECT count(*) FROM (SELECT 1{from}"));
    }
    if let Some(filter) = &query.filter {
        sql.push(" WHERE ");
        compile_filter(filter, table, &mut sql)?;
    }
    if !query.group_by.is_empty() {
        let groups: Vec<String> = query
            .group_by
            .iter()
            .map(|f| table.column(f).map(|c| column_sql(table, c)))
            .collect::<Result<_, _>>()?;
        sql.push(&format!(" GROUP BY {}) AS \"groups\"", groups.join(", ")));
    }
    Ok((sql.text, sql.params))
}

/// The values of `field` among rows matching `filter`, with their counts: columns `value` and
/// `count`, most frequent first, then by value. Missing values are not a facet value.
pub fn facet_sql(
    table: &Table,
    field: &Field,
    filter: Option<&Expr>,
    limit: Option<u64>,
) -> Result<(String, Vec<Value>), CompileError> {
    let (mut sql, col) = values_with_counts(table, field, filter)?;
    sql.push(&format!(" ORDER BY count(*) DESC, {col} ASC"));
    limit_offset(&mut sql, limit, 0);
    Ok((sql.text, sql.params))
}

/// The facet query of `field` over the whole table without its order nor limit: groups in the
/// order of the column's index, so that a `LIMIT` around it stops early.
pub(crate) fn group_values_sql(
    table: &Table,
    field: &Field,
) -> Result<(String, Vec<Value>), CompileError> {
    let (sql, _) = values_with_counts(table, field, None)?;
    Ok((sql.text, sql.params))
}

/// `SELECT value, count … GROUP BY value` over the rows matching `filter`, and the value's SQL.
fn values_with_counts(
    table: &Table,
    field: &Field,
    filter: Option<&Expr>,
) -> Result<(Sql, String), CompileError> {
    table.check()?;
    let column = table.column(field)?;
    let col = column_sql(table, column);
    let mut sql = Sql::new(table.dialect);
    sql.push(&format!(
        "SELECT {col} AS \"value\", count(*) AS \"count\" FROM {} WHERE {col} IS NOT NULL",
        quote_ident(table.sql_name)
    ));
    if let Some(filter) = filter {
        sql.push(" AND ");
        compile_filter(filter, table, &mut sql)?;
    }
    sql.push(&format!(" GROUP BY {col}"));
    Ok((sql, col))
}

/// The FTS5 table `search()` expects, as external content over `table`: `None` when the table
/// has no text column. Fill it with [`fts_rebuild_sql`] after loading the rows.
pub fn fts_create_sql(table: &Table) -> Option<String> {
    let columns: Vec<String> = table
        .text_columns()
        .map(|c| quote_ident(c.sql_name))
        .collect();
    if columns.is_empty() {
        return None;
    }
    Some(format!(
        "CREATE VIRTUAL TABLE {} USING fts5({}, content='{}', content_rowid='rowid', \
         tokenize='unicode61 remove_diacritics 2')",
        quote_ident(&table.fts_sql_name()),
        columns.join(", "),
        table.sql_name.replace('\'', "''"),
    ))
}

/// Rebuilds the FTS5 index from the table's current rows.
pub fn fts_rebuild_sql(table: &Table) -> String {
    let fts = quote_ident(&table.fts_sql_name());
    format!("INSERT INTO {fts}({fts}) VALUES('rebuild')")
}
