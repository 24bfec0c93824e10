//! `where` trees → SQL conditions with `?` parameters.
//!
//! Semantics (two-valued, documented for reusers): a missing value (NULL) never satisfies a
//! comparison, `IN`, `LIKE`, `startswith()` or `search()`; `NOT`, `!=`, `NOT IN` and `NOT LIKE`
//! are the exact complements of their positive forms, so they do include rows where the value is
//! missing (as Opendatasoft does). SQL's three-valued logic is mapped onto this by compiling every
//! negation as `(…) IS NOT TRUE`. `= null` and `!= null` mean `IS NULL` and `IS NOT NULL`.
//!
//! Dates: a `date'YYYY-MM-DD'` compared with a date-time field compares whole days
//! (`dt = date'2024-03-05'` is any time that day; `dt <= date'2024-03-05'` includes that day).

use model::query::{CompareOp, Comparison, Expr, Field, Literal, days_in_month, is_valid_date};
use rusqlite::types::Value;

use super::dialect::Dialect;
use super::error::CompileError;
use super::fold::{WORDS_FUNCTION, contained_text, like_pattern, prefix_pattern, split_words};
use super::table::{ColumnInfo, ColumnKind, Table, quote_ident};

/// SQL text being built in one dialect, with its parameters in the order of their placeholders.
#[derive(Debug, Default)]
pub(crate) struct Sql {
    pub text: String,
    pub params: Vec<Value>,
    pub dialect: Dialect,
}

impl Sql {
    pub fn new(dialect: Dialect) -> Sql {
        Sql {
            dialect,
            ..Sql::default()
        }
    }

    pub fn push(&mut self, text: &str) {
        self.text.push_str(text);
    }

    pub fn param(&mut self, value: Value) {
        let placeholder = self.bind(value);
        self.text.push_str(&placeholder);
    }

    /// Records `value` as the next parameter and returns its placeholder, for the caller to
    /// place in the text before any other parameter.
    pub fn bind(&mut self, value: Value) -> String {
        if value == Value::Null && self.dialect.inlines_null() {
            return "NULL".to_owned();
        }
        let placeholder = self.dialect.placeholder(self.params.len() + 1, &value);
        self.params.push(value);
        placeholder
    }
}

/// `"table"."column"`, as the compiler handles its values (see [`Dialect::boolean`]).
pub(crate) fn column_sql(table: &Table, column: &ColumnInfo) -> String {
    let sql = format!(
        "{}.{}",
        quote_ident(table.sql_name),
        quote_ident(column.sql_name)
    );
    if column.ty == ColumnKind::Boolean {
        table.dialect.boolean(sql)
    } else {
        sql
    }
}

pub(crate) fn rowid_sql(table: &Table) -> String {
    table.dialect.row_number(&quote_ident(table.sql_name))
}

/// Appends the condition for `expr` (parenthesised, safe to combine with AND).
pub(crate) fn compile_filter(
    expr: &Expr,
    table: &Table,
    sql: &mut Sql,
) -> Result<(), CompileError> {
    match expr {
        Expr::Or(operands) => join(operands, " OR ", table, sql),
        Expr::And(operands) => join(operands, " AND ", table, sql),
        Expr::Not(inner) => negate(sql, |sql| compile_filter(inner, table, sql)),
        Expr::Compare(comparison) => compare(comparison, table, sql),
        Expr::In {
            field,
            values,
            negated,
        } => negate_if(*negated, sql, |sql| in_list(field, values, table, sql)),
        Expr::Like {
            field,
            pattern,
            negated,
        } => {
            let column = table.column(field)?;
            negate_if(*negated, sql, |sql| {
                folded_like(table, column, like_pattern(pattern), sql)
            })
        }
        Expr::IsNull { field, negated } => {
            let column = table.column(field)?;
            let test = if *negated { "IS NOT NULL" } else { "IS NULL" };
            sql.push(&format!("({} {test})", column_sql(table, column)));
            Ok(())
        }
        Expr::Search { field, text } => search(field.as_ref(), text, table, sql),
        Expr::StartsWith { field, prefix } => {
            let column = table.column(field)?;
            folded_like(table, column, prefix_pattern(prefix), sql)
        }
    }
}

/// `(a OR b OR …)`. Long chains are split into halves, each parenthesised: SQLite parses
/// `a OR b OR c` as a left-deep tree and refuses trees deeper than 1000, while the query
/// language accepts thousands of operands in one chain.
fn join(
    operands: &[Expr],
    separator: &str,
    table: &Table,
    sql: &mut Sql,
) -> Result<(), CompileError> {
    const FLAT_MAX: usize = 8;
    sql.push("(");
    if operands.len() > FLAT_MAX {
        let (left, right) = operands.split_at(operands.len() / 2);
        join(left, separator, table, sql)?;
        sql.push(separator);
        join(right, separator, table, sql)?;
    } else {
        for (i, operand) in operands.iter().enumerate() {
            if i > 0 {
                sql.push(separator);
            }
            compile_filter(operand, table, sql)?;
        }
    }
    sql.push(")");
    Ok(())
}

/// `((inner) IS NOT TRUE)`: true where `inner` is false or NULL.
fn negate(
    sql: &mut Sql,
    inner: impl FnOnce(&mut Sql) -> Result<(), CompileError>,
) -> Result<(), CompileError> {
    sql.push("(");
    inner(sql)?;
    sql.push(" IS NOT TRUE)");
    Ok(())
}

fn negate_if(
    negated: bool,
    sql: &mut Sql,
    inner: impl FnOnce(&mut Sql) -> Result<(), CompileError>,
) -> Result<(), CompileError> {
    if negated {
        negate(sql, inner)
    } else {
        inner(sql)
    }
}

/// SQLite's default `SQLITE_MAX_LIKE_PATTERN_LENGTH`: longer patterns fail at run time.
const MAX_LIKE_PATTERN_BYTES: usize = 50_000;

fn folded_like(
    table: &Table,
    column: &ColumnInfo,
    pattern: String,
    sql: &mut Sql,
) -> Result<(), CompileError> {
    if pattern.len() > MAX_LIKE_PATTERN_BYTES {
        return Err(CompileError::PatternTooLong {
            max_bytes: MAX_LIKE_PATTERN_BYTES,
        });
    }
    let column = column_sql(table, column);
    if let (Some(text), Some(contains)) =
        (contained_text(&pattern), table.dialect.contains_function())
    {
        let placeholder = sql.bind(Value::Text(text));
        sql.push(&format!("({contains}({column}, {placeholder}))"));
        return Ok(());
    }
    let value = table.dialect.fold(&column);
    let placeholder = sql.bind(Value::Text(pattern));
    sql.push(&format!(
        "({value} LIKE {} ESCAPE '\\')",
        table.dialect.fold_pattern(&placeholder)
    ));
    Ok(())
}

fn compare(comparison: &Comparison, table: &Table, sql: &mut Sql) -> Result<(), CompileError> {
    let Comparison { field, op, value } = comparison;
    let column = table.column(field)?;
    let col = column_sql(table, column);
    if *value == Literal::Null {
        return match op {
            CompareOp::Eq => {
                sql.push(&format!("({col} IS NULL)"));
                Ok(())
            }
            CompareOp::Ne => {
                sql.push(&format!("({col} IS NOT NULL)"));
                Ok(())
            }
            _ => Err(CompileError::NullOrdering {
                field: field.as_str().to_string(),
                op: *op,
            }),
        };
    }
    match bind(column, value)? {
        Bound::Value(v) => {
            if *op == CompareOp::Ne {
                negate(sql, |sql| {
                    compare_value(&col, CompareOp::Eq, v, sql);
                    Ok(())
                })
            } else {
                compare_value(&col, *op, v, sql);
                Ok(())
            }
        }
        Bound::Day(day) => {
            compare_day(&col, *op, &day, sql);
            Ok(())
        }
    }
}

/// For a filter that is one `field = "text"` on a text column: the column's position in the
/// table and the text [`compare`] binds for it (the rows it keeps are exactly those whose value
/// is that text, byte for byte, on either engine). `None` for any other filter.
pub(crate) fn text_equality(expr: &Expr, table: &Table) -> Option<(usize, String)> {
    let Expr::Compare(Comparison {
        field,
        op: CompareOp::Eq,
        value,
    }) = expr
    else {
        return None;
    };
    let position = table
        .columns
        .iter()
        .position(|column| column.name == field.as_str())?;
    let column = &table.columns[position];
    if column.ty != ColumnKind::Text || *value == Literal::Null {
        return None;
    }
    match bind(column, value).ok()? {
        Bound::Value(Value::Text(text)) => Some((position, text)),
        _ => None,
    }
}

fn compare_value(col: &str, op: CompareOp, value: Value, sql: &mut Sql) {
    sql.push(&format!("({col} {} ", op.symbol()));
    sql.param(value);
    sql.push(")");
}

/// A date-time column against a whole day `[day, next day)`.
fn compare_day(col: &str, op: CompareOp, day: &str, sql: &mut Sql) {
    let start = || Value::Text(day.to_string());
    let end = || Value::Text(next_day(day));
    let in_day = |sql: &mut Sql| {
        sql.push(&format!("({col} >= "));
        sql.param(start());
        sql.push(&format!(" AND {col} < "));
        sql.param(end());
        sql.push(")");
    };
    match op {
        CompareOp::Eq => in_day(sql),
        CompareOp::Ne => {
            sql.push("(");
            in_day(sql);
            sql.push(" IS NOT TRUE)");
        }
        CompareOp::Lt => compare_value(col, CompareOp::Lt, start(), sql),
        CompareOp::Le => compare_value(col, CompareOp::Lt, end(), sql),
        CompareOp::Gt => compare_value(col, CompareOp::Ge, end(), sql),
        CompareOp::Ge => compare_value(col, CompareOp::Ge, start(), sql),
    }
}

fn in_list(
    field: &Field,
    values: &[Literal],
    table: &Table,
    sql: &mut Sql,
) -> Result<(), CompileError> {
    let column = table.column(field)?;
    let col = column_sql(table, column);
    let mut plain = Vec::new();
    let mut days = Vec::new();
    let mut has_null = false;
    for value in values {
        if *value == Literal::Null {
            has_null = true;
            continue;
        }
        match bind(column, value)? {
            Bound::Value(v) => plain.push(v),
            Bound::Day(day) => days.push(day),
        }
    }
    sql.push("(");
    let mut first = true;
    let mut or = |sql: &mut Sql| {
        if !std::mem::take(&mut first) {
            sql.push(" OR ");
        }
    };
    if !plain.is_empty() {
        or(sql);
        sql.push(&format!("{col} IN ("));
        for (i, v) in plain.into_iter().enumerate() {
            if i > 0 {
                sql.push(", ");
            }
            sql.param(v);
        }
        sql.push(")");
    }
    for day in days {
        or(sql);
        compare_day(&col, CompareOp::Eq, &day, sql);
    }
    if has_null {
        or(sql);
        sql.push(&format!("{col} IS NULL"));
    }
    sql.push(")");
    Ok(())
}

fn search(
    field: Option<&Field>,
    text: &str,
    table: &Table,
    sql: &mut Sql,
) -> Result<(), CompileError> {
    let column = searched_column(field, table)?;
    if table.dialect == Dialect::Postgres {
        search_document_matches(column, text, table, sql);
        return Ok(());
    }
    if !table.full_text {
        return search_without_index(column, text, table, sql);
    }
    let fts = quote_ident(&table.fts_sql_name());
    let target = match column {
        Some(column) => format!("{fts}.{}", quote_ident(column.sql_name)),
        None => fts.clone(),
    };
    let Some(query) = fts_query(text) else {
        // Nothing to look for: the condition filters nothing out.
        sql.push("(TRUE)");
        return Ok(());
    };
    sql.push(&format!(
        "({} IN (SELECT rowid FROM {fts} WHERE {target} MATCH ",
        rowid_sql(table)
    ));
    sql.param(Value::Text(query));
    sql.push("))");
    Ok(())
}

/// PostgreSQL's search: the row's search document (its text columns, accents folded, French
/// stemming) matches every word, the last as a prefix. The document of all text columns is the
/// expression the version's GIN index is built on (`postgres::versions::search_document`), so
/// the index serves it; a search in one field adds that field's own document, checked on the
/// rows the index found. Words are quoted lexemes (letters and digits only), so no tsquery
/// operator can come from the user; `socle_unaccent` folds them like the document.
fn search_document_matches(column: Option<&ColumnInfo>, text: &str, table: &Table, sql: &mut Sql) {
    let words: Vec<String> = split_words(text).map(|word| format!("'{word}'")).collect();
    if words.is_empty() {
        sql.push("(TRUE)");
        return;
    }
    let query = format!("{}:*", words.join(" & "));
    let placeholder = sql.bind(Value::Text(query));
    let tsquery = format!("to_tsquery('french'::regconfig, socle_unaccent({placeholder}))");
    let document = |columns: &mut dyn Iterator<Item = &ColumnInfo>| {
        let cells: Vec<String> = columns
            .map(|column| format!("{}::text", column_sql(table, column)))
            .collect();
        format!("socle_search_document({}) @@ {tsquery}", cells.join(", "))
    };
    sql.push("(");
    sql.push(&document(&mut table.text_columns()));
    if let Some(column) = column {
        sql.push(" AND ");
        sql.push(&document(&mut std::iter::once(column)));
    }
    sql.push(")");
}

/// The text column a search names (`None`: every text column, of which there must be one).
fn searched_column<'a>(
    field: Option<&Field>,
    table: &Table<'a>,
) -> Result<Option<&'a ColumnInfo<'a>>, CompileError> {
    let Some(field) = field else {
        if table.text_columns().next().is_none() {
            return Err(CompileError::NoTextField);
        }
        return Ok(None);
    };
    let column = table.column(field)?;
    if column.ty != ColumnKind::Text {
        return Err(CompileError::SearchNeedsText {
            field: field.as_str().to_string(),
            kind: column.ty,
        });
    }
    Ok(Some(column))
}

/// The same search as [`search`] without the full-text index (still being built): the text
/// columns (`column`, or all) go through [`WORDS_FUNCTION`], which cuts and folds words like
/// the tokenizer.
fn search_without_index(
    column: Option<&ColumnInfo>,
    text: &str,
    table: &Table,
    sql: &mut Sql,
) -> Result<(), CompileError> {
    let words: Vec<&str> = split_words(text).collect();
    if words.is_empty() {
        sql.push("(TRUE)");
        return Ok(());
    }
    sql.push(&format!("({WORDS_FUNCTION}("));
    sql.param(Value::Text(words.join(" ")));
    let columns: Vec<&ColumnInfo> = match column {
        Some(column) => vec![column],
        None => table.text_columns().collect(),
    };
    for column in columns {
        sql.push(&format!(", {}", column_sql(table, column)));
    }
    sql.push("))");
    Ok(())
}

/// The FTS5 query for a reuser's search text: every word must appear, the last one as a prefix
/// (search as you type). Words are cut at every character that is not a letter or digit and
/// each is written as an FTS5 string, so no FTS5 operator can come from the user. Case and
/// accents are folded by FTS5 itself, with the very tokenizer that indexed the rows.
pub(crate) fn fts_query(text: &str) -> Option<String> {
    let words: Vec<&str> = text
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    let last = words.len().checked_sub(1)?;
    let mut query = String::new();
    for (i, word) in words.iter().enumerate() {
        if i > 0 {
            query.push(' ');
        }
        query.push('"');
        query.push_str(word);
        query.push('"');
        if i == last {
            query.push('*');
        }
    }
    Some(query)
}

/// A literal ready to compare with a column.
enum Bound {
    Value(Value),
    /// A whole day, for a date compared with a date-time column.
    Day(String),
}

/// Converts a literal to the column's storage, or says why it cannot be compared.
fn bind(column: &ColumnInfo, literal: &Literal) -> Result<Bound, CompileError> {
    let incompatible = || CompileError::IncompatibleValue {
        field: column.name.to_string(),
        kind: column.ty,
        value: literal.to_string(),
    };
    let value = match (column.ty, literal) {
        (_, Literal::Null) => Value::Null,
        (ColumnKind::Integer | ColumnKind::Real, Literal::Integer(i)) => Value::Integer(*i),
        (ColumnKind::Integer | ColumnKind::Real, Literal::Decimal(d)) => Value::Real(*d),
        (ColumnKind::Integer | ColumnKind::Real, Literal::Text(s)) => {
            let s = s.trim();
            match (s.parse::<i64>(), s.parse::<f64>()) {
                (Ok(i), _) => Value::Integer(i),
                (_, Ok(d)) if d.is_finite() => Value::Real(d),
                _ => return Err(incompatible()),
            }
        }
        (ColumnKind::Boolean, Literal::Bool(b)) => Value::Integer(i64::from(*b)),
        (ColumnKind::Boolean, Literal::Integer(i @ (0 | 1))) => Value::Integer(*i),
        (ColumnKind::Boolean, Literal::Text(s)) => match s.to_lowercase().as_str() {
            "true" | "vrai" | "1" => Value::Integer(1),
            "false" | "faux" | "0" => Value::Integer(0),
            _ => return Err(incompatible()),
        },
        (ColumnKind::Text | ColumnKind::Json, Literal::Text(s)) => Value::Text(s.clone()),
        (ColumnKind::Text | ColumnKind::Json, Literal::Integer(i)) => Value::Text(i.to_string()),
        (ColumnKind::Text | ColumnKind::Json, Literal::Date(d) | Literal::DateTime(d)) => {
            Value::Text(d.clone())
        }
        (ColumnKind::Date, Literal::Date(d) | Literal::DateTime(d)) => Value::Text(d.clone()),
        (ColumnKind::DateTime, Literal::DateTime(d)) => Value::Text(d.clone()),
        (ColumnKind::DateTime, Literal::Date(d)) => return Ok(Bound::Day(d.clone())),
        (ColumnKind::Date | ColumnKind::DateTime, Literal::Text(s)) => {
            return match model::query::parse_date_text(s) {
                Some(Literal::Date(d)) if column.ty == ColumnKind::DateTime => Ok(Bound::Day(d)),
                Some(Literal::Date(d) | Literal::DateTime(d)) => Ok(Bound::Value(Value::Text(d))),
                _ => Err(incompatible()),
            };
        }
        _ => return Err(incompatible()),
    };
    Ok(Bound::Value(value))
}

/// `YYYY-MM-DD` of the day after a valid date.
pub(crate) fn next_day(day: &str) -> String {
    debug_assert!(is_valid_date(day));
    let number = |range: std::ops::Range<usize>| day.get(range).and_then(|s| s.parse::<u32>().ok());
    let (Some(mut y), Some(mut m), Some(mut d)) = (number(0..4), number(5..7), number(8..10))
    else {
        return day.to_string();
    };
    d += 1;
    if d > days_in_month(y, m) {
        d = 1;
        m += 1;
        if m > 12 {
            m = 1;
            y += 1;
        }
    }
    format!("{y:04}-{m:02}-{d:02}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_day_rolls_over_months_and_years() {
        assert_eq!(next_day("2024-02-28"), "2024-02-29");
        assert_eq!(next_day("2023-02-28"), "2023-03-01");
        assert_eq!(next_day("2024-12-31"), "2025-01-01");
        assert_eq!(next_day("2024-04-30"), "2024-05-01");
    }

    #[test]
    fn fts_queries_cannot_carry_operators() {
        assert_eq!(
            fts_query("École Jules-Ferry").as_deref(),
            Some("\"École\" \"Jules\" \"Ferry\"*")
        );
        assert_eq!(
            fts_query("a\" OR NEAR(b) col:* ^x").as_deref(),
            Some("\"a\" \"OR\" \"NEAR\" \"b\" \"col\" \"x\"*")
        );
        assert_eq!(fts_query(" -- ; "), None);
    }
}
