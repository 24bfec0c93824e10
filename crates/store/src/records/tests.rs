//! Compiled queries run on a real in-memory SQLite table (with its FTS5 index), every answer
//! checked against an independent evaluation in Rust over the same rows.

use std::cmp::Ordering;
use std::collections::BTreeMap;

use model::query::{
    CompareOp, Comparison, Direction, Expr, Field, Literal, OrderExpr, OrderKey, Query,
    parse_group_by, parse_order_by, parse_select, parse_where,
};
use rusqlite::Connection;
use rusqlite::types::Value;

use super::*;

// ----- fixture -----

const COLUMNS: &[ColumnInfo<'static>] = &[
    ColumnInfo {
        name: "id",
        sql_name: "c_id",
        ty: ColumnKind::Integer,
    },
    ColumnInfo {
        name: "commune",
        sql_name: "c commune",
        ty: ColumnKind::Text,
    },
    ColumnInfo {
        name: "plat",
        sql_name: "c\"plat",
        ty: ColumnKind::Text,
    },
    ColumnInfo {
        name: "montant total",
        sql_name: "c_montant",
        ty: ColumnKind::Real,
    },
    ColumnInfo {
        name: "bio",
        sql_name: "c_bio",
        ty: ColumnKind::Boolean,
    },
    ColumnInfo {
        name: "date",
        sql_name: "c_date",
        ty: ColumnKind::Date,
    },
    ColumnInfo {
        name: "horodatage",
        sql_name: "c_ts",
        ty: ColumnKind::DateTime,
    },
    ColumnInfo {
        name: "note",
        sql_name: "c_note",
        ty: ColumnKind::Integer,
    },
    ColumnInfo {
        name: "nom \"officiel\"",
        sql_name: "c_meta",
        ty: ColumnKind::Json,
    },
];

const TABLE: Table<'static> = Table {
    sql_name: "menus \"2024\"",
    columns: COLUMNS,
    full_text: true,
    dialect: Dialect::Sqlite,
};

const COMMUNES: &[&str] = &[
    "Toulouse",
    "Béziers",
    "Saint-Étienne",
    "Lyon",
    "Évry",
    "Paris",
    "L'Haÿ-les-Roses",
    "Saint-Denis",
    "Robert'); DROP TABLE x;--",
];
const PLATS: &[&str] = &[
    "Gratin de pâtes",
    "Crème brûlée",
    "Salade niçoise",
    "Poisson pané 100%",
    "Purée de céleri",
    "Tarte aux pommes",
    "Rôti de porc",
    "Pâtes à l'ÉCOLE",
];

/// A small deterministic generator, so failures reproduce (no `rand` dependency needed).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// A cell as the reference evaluator sees it.
#[derive(Debug, Clone, PartialEq)]
enum V {
    Null,
    Int(i64),
    Real(f64),
    Text(String),
}

impl V {
    fn to_sql(&self) -> Value {
        match self {
            V::Null => Value::Null,
            V::Int(i) => Value::Integer(*i),
            V::Real(r) => Value::Real(*r),
            V::Text(s) => Value::Text(s.clone()),
        }
    }

    fn from_sql(value: Value) -> V {
        match value {
            Value::Null => V::Null,
            Value::Integer(i) => V::Int(i),
            Value::Real(r) => V::Real(r),
            Value::Text(s) => V::Text(s),
            Value::Blob(_) => panic!("no blobs in the fixture"),
        }
    }
}

/// SQLite's order: NULL < numbers < text; numbers by value, text by bytes.
fn sql_cmp(a: &V, b: &V) -> Ordering {
    fn rank(v: &V) -> u8 {
        match v {
            V::Null => 0,
            V::Int(_) | V::Real(_) => 1,
            V::Text(_) => 2,
        }
    }
    let num = |v: &V| match v {
        V::Int(i) => *i as f64,
        V::Real(r) => *r,
        _ => 0.0,
    };
    match (a, b) {
        (V::Text(x), V::Text(y)) => x.as_bytes().cmp(y.as_bytes()),
        (V::Int(x), V::Int(y)) => x.cmp(y),
        _ if rank(a) == rank(b) && rank(a) == 1 => num(a).total_cmp(&num(b)),
        _ => rank(a).cmp(&rank(b)),
    }
}

struct Row {
    rowid: i64,
    cells: Vec<V>,
}

impl Row {
    fn get(&self, name: &str) -> &V {
        let i = COLUMNS
            .iter()
            .position(|c| c.name == name)
            .expect("fixture column");
        &self.cells[i]
    }
}

fn generate_rows(count: usize, rng: &mut Rng) -> Vec<Row> {
    (0..count)
        .map(|i| {
            let maybe = |rng: &mut Rng, v: V| if rng.chance(12) { V::Null } else { v };
            let day = format!("2024-{:02}-{:02}", 1 + rng.below(3), 1 + rng.below(28));
            let ts = format!("{day}T{:02}:{:02}:00", rng.below(24), rng.below(4) * 15);
            let values = [
                V::Text(rng.pick(COMMUNES).to_string()),
                V::Text(rng.pick(PLATS).to_string()),
                V::Real(rng.below(40) as f64 / 4.0),
                V::Int(rng.below(2) as i64),
                V::Text(day),
                V::Text(ts),
                V::Int(rng.below(6) as i64),
                V::Text(format!("{{\"n\":{}}}", rng.below(5))),
            ];
            let mut cells = vec![V::Int(i as i64 * 7 % 101)];
            for value in values {
                cells.push(maybe(rng, value));
            }
            Row {
                rowid: i as i64 + 1,
                cells,
            }
        })
        .collect()
}

fn open(rows: &[Row]) -> Connection {
    let conn = Connection::open_in_memory().unwrap();
    register_functions(&conn).unwrap();
    let q = |s: &str| format!("\"{}\"", s.replace('"', "\"\""));
    let columns: Vec<String> = COLUMNS
        .iter()
        .map(|c| {
            let ty = match c.ty {
                ColumnKind::Integer | ColumnKind::Boolean => "INTEGER",
                ColumnKind::Real => "REAL",
                _ => "TEXT",
            };
            format!("{} {ty}", q(c.sql_name))
        })
        .collect();
    conn.execute_batch(&format!(
        "CREATE TABLE {} ({})",
        q(TABLE.sql_name),
        columns.join(", ")
    ))
    .unwrap();
    let placeholders = vec!["?"; COLUMNS.len()].join(", ");
    let insert = format!("INSERT INTO {} VALUES ({placeholders})", q(TABLE.sql_name));
    for row in rows {
        let values: Vec<Value> = row.cells.iter().map(V::to_sql).collect();
        conn.execute(&insert, rusqlite::params_from_iter(values))
            .unwrap();
    }
    conn.execute_batch(&fts_create_sql(&TABLE).unwrap())
        .unwrap();
    conn.execute_batch(&fts_rebuild_sql(&TABLE)).unwrap();
    conn
}

/// The start of long SQL, for failure messages.
fn head(sql: &str) -> String {
    sql.chars().take(400).collect()
}

fn run(conn: &Connection, sql: &str, params: &[Value]) -> Vec<Vec<V>> {
    let mut statement = conn
        .prepare(sql)
        .unwrap_or_else(|e| panic!("{e}: {}", head(sql)));
    let width = statement.column_count();
    statement
        .query_map(rusqlite::params_from_iter(params.iter()), |row| {
            (0..width)
                .map(|i| row.get::<_, Value>(i).map(V::from_sql))
                .collect()
        })
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap_or_else(|e| panic!("{e}: {}", head(sql)))
}

/// Rowids of the rows a query returns (its last SQL column).
fn rowids(conn: &Connection, compiled: &CompiledQuery) -> Vec<i64> {
    run(conn, &compiled.sql, &compiled.params)
        .into_iter()
        .map(|row| match row.last() {
            Some(V::Int(r)) => *r,
            other => panic!("rowid expected, got {other:?}"),
        })
        .collect()
}

// ----- reference evaluation -----

fn kind_of(name: &str) -> ColumnKind {
    COLUMNS
        .iter()
        .find(|c| c.name == name)
        .map(|c| c.ty)
        .expect("fixture column")
}

fn literal_value(kind: ColumnKind, literal: &Literal) -> V {
    match literal {
        Literal::Null => V::Null,
        Literal::Bool(b) => V::Int(i64::from(*b)),
        Literal::Integer(i) if kind == ColumnKind::Text => V::Text(i.to_string()),
        Literal::Integer(i) => V::Int(*i),
        Literal::Decimal(d) => V::Real(*d),
        Literal::Text(s) | Literal::Date(s) | Literal::DateTime(s) => V::Text(s.clone()),
    }
}

fn compare_matches(row: &Row, c: &Comparison) -> bool {
    let cell = row.get(c.field.as_str());
    let kind = kind_of(c.field.as_str());
    if c.value == Literal::Null {
        return match c.op {
            CompareOp::Eq => *cell == V::Null,
            _ => *cell != V::Null,
        };
    }
    if c.op == CompareOp::Ne {
        let eq = Comparison {
            op: CompareOp::Eq,
            ..c.clone()
        };
        return !compare_matches(row, &eq);
    }
    if *cell == V::Null {
        return false;
    }
    // A whole day against a date-time: compare the day part.
    if let (ColumnKind::DateTime, Literal::Date(day), V::Text(ts)) = (kind, &c.value, cell) {
        let ts_day = &ts[..10];
        return match c.op {
            CompareOp::Eq => ts_day == day,
            CompareOp::Lt => ts.as_str() < day.as_str(),
            CompareOp::Le => ts_day <= day.as_str(),
            CompareOp::Gt => ts_day > day.as_str(),
            CompareOp::Ge => ts.as_str() >= day.as_str(),
            CompareOp::Ne => unreachable!(),
        };
    }
    let ordering = sql_cmp(cell, &literal_value(kind, &c.value));
    match c.op {
        CompareOp::Eq => ordering == Ordering::Equal,
        CompareOp::Lt => ordering == Ordering::Less,
        CompareOp::Le => ordering != Ordering::Greater,
        CompareOp::Gt => ordering == Ordering::Greater,
        CompareOp::Ge => ordering != Ordering::Less,
        CompareOp::Ne => unreachable!(),
    }
}

/// `%`/`*` any run, `_` one character, `\x` literal x; both sides folded.
fn like_matches(text: &str, pattern: &str) -> bool {
    enum P {
        Any,
        One,
        Lit(char),
    }
    let mut tokens = Vec::new();
    let mut chars = pattern.chars();
    while let Some(c) = chars.next() {
        tokens.push(match c {
            '%' | '*' => P::Any,
            '_' => P::One,
            '\\' => P::Lit(chars.next().unwrap_or('\\')),
            c => P::Lit(c),
        });
    }
    let tokens: Vec<P> = tokens
        .into_iter()
        .flat_map(|t| match t {
            P::Lit(c) => fold_text(&c.to_string())
                .chars()
                .map(P::Lit)
                .collect::<Vec<_>>(),
            other => vec![other],
        })
        .collect();
    let text: Vec<char> = fold_text(text).chars().collect();
    // matches[i][j]: text[i..] matches tokens[j..]
    let mut matches = vec![vec![false; tokens.len() + 1]; text.len() + 1];
    matches[text.len()][tokens.len()] = true;
    for i in (0..=text.len()).rev() {
        for j in (0..tokens.len()).rev() {
            matches[i][j] = match tokens[j] {
                P::Any => matches[i][j + 1] || (i < text.len() && matches[i + 1][j]),
                P::One => i < text.len() && matches[i + 1][j + 1],
                P::Lit(c) => i < text.len() && text[i] == c && matches[i + 1][j + 1],
            };
        }
    }
    matches[0][0]
}

fn words(text: &str) -> Vec<String> {
    fold_text(text)
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_string)
        .collect()
}

fn text_cell(row: &Row, name: &str) -> Option<String> {
    match row.get(name) {
        V::Text(s) => Some(s.clone()),
        V::Int(i) => Some(i.to_string()),
        V::Real(r) => Some(format!("{r:?}")),
        V::Null => None,
    }
}

fn matches(row: &Row, expr: &Expr) -> bool {
    match expr {
        Expr::Or(operands) => operands.iter().any(|e| matches(row, e)),
        Expr::And(operands) => operands.iter().all(|e| matches(row, e)),
        Expr::Not(inner) => !matches(row, inner),
        Expr::Compare(c) => compare_matches(row, c),
        Expr::In {
            field,
            values,
            negated,
        } => {
            let any = values.iter().any(|value| {
                compare_matches(
                    row,
                    &Comparison {
                        field: field.clone(),
                        op: CompareOp::Eq,
                        value: value.clone(),
                    },
                )
            });
            any != *negated
        }
        Expr::Like {
            field,
            pattern,
            negated,
        } => {
            let found = text_cell(row, field.as_str()).is_some_and(|t| like_matches(&t, pattern));
            found != *negated
        }
        Expr::IsNull { field, negated } => (*row.get(field.as_str()) == V::Null) != *negated,
        Expr::StartsWith { field, prefix } => text_cell(row, field.as_str())
            .is_some_and(|t| fold_text(&t).starts_with(&fold_text(prefix))),
        Expr::Search { field, text } => {
            let wanted = words(text);
            let Some((last, exact)) = wanted.split_last() else {
                return true;
            };
            let fields: Vec<&str> = match field {
                Some(f) => vec![f.as_str()],
                None => vec!["commune", "plat"],
            };
            let have: Vec<String> = fields
                .iter()
                .filter_map(|f| text_cell(row, f))
                .flat_map(|t| words(&t))
                .collect();
            exact.iter().all(|w| have.contains(w))
                && have.iter().any(|h| h.starts_with(last.as_str()))
        }
    }
}

/// Rows matching `filter`, in `order` then rowid, NULL smallest.
fn reference_order<'r>(
    rows: &'r [Row],
    filter: Option<&Expr>,
    order: &[(&str, Direction)],
) -> Vec<&'r Row> {
    let mut selected: Vec<&Row> = rows
        .iter()
        .filter(|r| filter.is_none_or(|f| matches(r, f)))
        .collect();
    selected.sort_by(|a, b| {
        for (name, direction) in order {
            let ordering = sql_cmp(a.get(name), b.get(name));
            let ordering = if *direction == Direction::Desc {
                ordering.reverse()
            } else {
                ordering
            };
            if ordering != Ordering::Equal {
                return ordering;
            }
        }
        a.rowid.cmp(&b.rowid)
    });
    selected
}

// ----- random filters -----

fn random_day(rng: &mut Rng) -> String {
    format!("2024-{:02}-{:02}", 1 + rng.below(3), 1 + rng.below(28))
}

/// A fragment of a domain value, in another case and sometimes without accents.
fn mangle(rng: &mut Rng, text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let start = rng.below(chars.len().min(4));
    let end = (start + 1 + rng.below(chars.len() - start)).min(chars.len());
    let piece: String = chars[start..end].iter().collect();
    match rng.below(3) {
        0 => piece.to_uppercase(),
        1 => fold_text(&piece),
        _ => piece,
    }
}

fn random_literal(rng: &mut Rng, field: &str) -> Literal {
    match kind_of(field) {
        ColumnKind::Integer => Literal::Integer(rng.below(8) as i64),
        ColumnKind::Real => {
            if rng.chance(50) {
                Literal::Integer(rng.below(10) as i64)
            } else {
                Literal::Decimal(
                    rng.below(40) as f64 / 4.0 + if rng.chance(20) { 0.1 } else { 0.0 },
                )
            }
        }
        ColumnKind::Text => {
            let pool = if field == "commune" { COMMUNES } else { PLATS };
            if rng.chance(10) {
                Literal::Text("Nulle part".into())
            } else {
                Literal::Text(rng.pick(pool).to_string())
            }
        }
        ColumnKind::Boolean => Literal::Bool(rng.chance(50)),
        ColumnKind::Date => Literal::Date(random_day(rng)),
        ColumnKind::DateTime => {
            let day = random_day(rng);
            if rng.chance(50) {
                Literal::Date(day)
            } else {
                Literal::DateTime(format!(
                    "{day}T{:02}:{:02}:00",
                    rng.below(24),
                    rng.below(4) * 15
                ))
            }
        }
        ColumnKind::Json => Literal::Text("{\"n\":1}".into()),
    }
}

fn random_leaf(rng: &mut Rng) -> Expr {
    let field = COLUMNS[rng.below(COLUMNS.len())].name;
    let text_field = *rng.pick(&["commune", "plat"]);
    let pool = if text_field == "commune" {
        COMMUNES
    } else {
        PLATS
    };
    match rng.below(9) {
        0..=2 => {
            let ordered = !matches!(kind_of(field), ColumnKind::Boolean | ColumnKind::Json);
            let ops: &[CompareOp] = if ordered {
                &[
                    CompareOp::Eq,
                    CompareOp::Ne,
                    CompareOp::Lt,
                    CompareOp::Le,
                    CompareOp::Gt,
                    CompareOp::Ge,
                ]
            } else {
                &[CompareOp::Eq, CompareOp::Ne]
            };
            let op = *rng.pick(ops);
            let value = if rng.chance(8) && matches!(op, CompareOp::Eq | CompareOp::Ne) {
                Literal::Null
            } else {
                random_literal(rng, field)
            };
            Expr::Compare(Comparison {
                field: Field::new(field),
                op,
                value,
            })
        }
        3 => {
            let field = *rng.pick(&["commune", "note", "date", "horodatage", "montant total"]);
            let mut values: Vec<Literal> = (0..1 + rng.below(3))
                .map(|_| random_literal(rng, field))
                .collect();
            if rng.chance(20) {
                values.push(Literal::Null);
            }
            Expr::In {
                field: Field::new(field),
                values,
                negated: rng.chance(30),
            }
        }
        4 => {
            let source = *rng.pick(pool);
            let piece = mangle(rng, source).replace(['%', '_', '*', '\\'], "");
            let piece: String = piece
                .chars()
                .map(|c| if rng.chance(10) { '_' } else { c })
                .collect();
            let pattern = format!(
                "{}{piece}{}",
                rng.pick(&["%", "*", ""]),
                rng.pick(&["%", "*", ""])
            );
            let pattern = if rng.chance(10) {
                "%100\\%%".to_string()
            } else {
                pattern
            };
            Expr::Like {
                field: Field::new(text_field),
                pattern,
                negated: rng.chance(30),
            }
        }
        5 => Expr::IsNull {
            field: Field::new(field),
            negated: rng.chance(50),
        },
        6 => {
            let value = *rng.pick(pool);
            let prefix: String = value.chars().take(1 + rng.below(6)).collect();
            let prefix = if rng.chance(50) {
                fold_text(&prefix)
            } else {
                prefix.to_uppercase()
            };
            Expr::StartsWith {
                field: Field::new(text_field),
                prefix,
            }
        }
        _ => {
            let value = *rng.pick(pool);
            let all_words: Vec<&str> = value
                .split(|c: char| !c.is_alphanumeric())
                .filter(|w| !w.is_empty())
                .collect();
            let first = *rng.pick(&all_words);
            let mut text = if rng.chance(50) {
                fold_text(first)
            } else {
                first.to_uppercase()
            };
            if rng.chance(50) {
                let other: String = rng
                    .pick(&all_words)
                    .chars()
                    .take(1 + rng.below(4))
                    .collect();
                text = format!("{text} {other}");
            }
            let field = if rng.chance(50) {
                Some(Field::new(text_field))
            } else {
                None
            };
            Expr::Search { field, text }
        }
    }
}

fn random_expr(rng: &mut Rng, depth: usize) -> Expr {
    if depth == 0 || rng.chance(40) {
        return random_leaf(rng);
    }
    match rng.below(3) {
        0 => Expr::And(
            (0..2 + rng.below(2))
                .map(|_| random_expr(rng, depth - 1))
                .collect(),
        ),
        1 => Expr::Or(
            (0..2 + rng.below(2))
                .map(|_| random_expr(rng, depth - 1))
                .collect(),
        ),
        _ => Expr::Not(Box::new(random_expr(rng, depth - 1))),
    }
}

fn random_order(rng: &mut Rng) -> Vec<(&'static str, Direction)> {
    let sortable = [
        "commune",
        "plat",
        "montant total",
        "bio",
        "date",
        "horodatage",
        "note",
        "id",
    ];
    (0..rng.below(4))
        .map(|_| {
            let direction = if rng.chance(50) {
                Direction::Desc
            } else {
                Direction::Asc
            };
            (*rng.pick(&sortable), direction)
        })
        .collect()
}

fn order_keys(order: &[(&str, Direction)]) -> Vec<OrderKey> {
    order
        .iter()
        .map(|(name, direction)| OrderKey {
            expr: OrderExpr::Name(Field::new(*name)),
            direction: *direction,
        })
        .collect()
}

// ----- tests -----

#[test]
fn random_filters_and_orders_match_the_reference() {
    let mut rng = Rng(0x5eed_cafe_f00d_1234);
    let rows = generate_rows(400, &mut rng);
    let conn = open(&rows);
    let mut non_trivial = 0;
    for case in 0..400 {
        let filter = random_expr(&mut rng, 3);
        // The tree goes through its text, as it would from a URL.
        let reparsed = parse_where(&filter.to_string()).unwrap();
        assert_eq!(reparsed, filter);
        let order = random_order(&mut rng);
        let query = Query {
            filter: Some(filter.clone()),
            order_by: order_keys(&order),
            ..Query::default()
        };
        let compiled = compile(&TABLE, &query).unwrap_or_else(|e| panic!("{filter}: {e}"));
        let expected: Vec<i64> = reference_order(&rows, Some(&filter), &order)
            .iter()
            .map(|r| r.rowid)
            .collect();
        assert_eq!(
            rowids(&conn, &compiled),
            expected,
            "case {case}: where {filter}\nsql {}",
            compiled.sql
        );

        let (sql, params) = count_sql(&TABLE, &query).unwrap();
        assert_eq!(
            run(&conn, &sql, &params),
            vec![vec![V::Int(expected.len() as i64)]],
            "{filter}"
        );
        if !expected.is_empty() && expected.len() < rows.len() {
            non_trivial += 1;
        }
    }
    // The generator must produce selective filters, or the comparison proves little.
    assert!(non_trivial > 200, "only {non_trivial} selective filters");
}

#[test]
fn cursor_pages_concatenate_to_the_full_ordered_result() {
    let mut rng = Rng(0xdead_beef_0042_0042);
    let rows = generate_rows(300, &mut rng);
    let conn = open(&rows);
    let orders = [
        "",
        "note",
        "note DESC",
        "commune DESC, note",
        "bio, `montant total` DESC, date",
        "horodatage DESC, commune DESC, plat",
        "plat, note DESC, bio DESC, date",
    ];
    for (i, order_text) in orders.iter().enumerate() {
        let order_by = if order_text.is_empty() {
            vec![]
        } else {
            parse_order_by(order_text).unwrap()
        };
        let filter = if i % 2 == 0 {
            None
        } else {
            Some(parse_where("NOT note = 3 OR commune IS NULL").unwrap())
        };
        let full = compile(
            &TABLE,
            &Query {
                filter: filter.clone(),
                order_by: order_by.clone(),
                ..Query::default()
            },
        )
        .unwrap();
        let all = rowids(&conn, &full);
        assert!(all.len() > 100);

        let mut paged = Vec::new();
        let mut cursor = None;
        for page_number in 0.. {
            assert!(page_number < 100, "pagination does not end");
            let query = Query {
                filter: filter.clone(),
                order_by: order_by.clone(),
                limit: Some(7),
                cursor: cursor.clone(),
                ..Query::default()
            };
            let compiled = compile(&TABLE, &query).unwrap();
            let mut statement = conn.prepare(&compiled.sql).unwrap();
            let mut result = statement
                .query(rusqlite::params_from_iter(compiled.params.iter()))
                .unwrap();
            let mut count = 0;
            while let Some(row) = result.next().unwrap() {
                count += 1;
                let width = row.as_ref().column_count();
                paged.push(row.get::<_, i64>(width - 1).unwrap());
                cursor = compiled.next_cursor(row).unwrap();
            }
            if count < 7 {
                break;
            }
        }
        assert_eq!(paged, all, "order_by {order_text}");
    }
}

#[test]
fn facets_count_values_under_the_filter() {
    let mut rng = Rng(0x0fac_e7ed_0000_0001);
    let rows = generate_rows(300, &mut rng);
    let conn = open(&rows);
    for (field, filter) in [
        ("commune", None),
        ("commune", Some("note >= 2")),
        ("note", Some("search(\"pates\")")),
        ("date", Some("bio = true")),
    ] {
        let filter = filter.map(|f| parse_where(f).unwrap());
        let (sql, params) = facet_sql(&TABLE, &Field::new(field), filter.as_ref(), None).unwrap();
        let mut counts: BTreeMap<String, (V, i64)> = BTreeMap::new();
        for row in rows
            .iter()
            .filter(|r| filter.as_ref().is_none_or(|f| matches(r, f)))
        {
            let value = row.get(field).clone();
            if value != V::Null {
                counts.entry(format!("{value:?}")).or_insert((value, 0)).1 += 1;
            }
        }
        let mut expected: Vec<(V, i64)> = counts.into_values().collect();
        expected.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| sql_cmp(&a.0, &b.0)));
        let expected: Vec<Vec<V>> = expected
            .into_iter()
            .map(|(v, n)| vec![v, V::Int(n)])
            .collect();
        assert_eq!(run(&conn, &sql, &params), expected, "facet {field}");

        let (sql, params) =
            facet_sql(&TABLE, &Field::new(field), filter.as_ref(), Some(2)).unwrap();
        assert_eq!(run(&conn, &sql, &params), expected[..2.min(expected.len())]);
    }
}

#[test]
fn aggregates_with_group_by_match_the_reference() {
    let mut rng = Rng(0xa66e_6a7e_0000_0007);
    let rows = generate_rows(300, &mut rng);
    let conn = open(&rows);
    let query = Query {
        filter: Some(parse_where("date >= date'2024-01-15'").unwrap()),
        select: parse_select(
            "commune, count(*) AS n, count(note), sum(`montant total`) AS total, avg(`montant total`), min(date), max(note)",
        )
        .unwrap(),
        group_by: parse_group_by("commune").unwrap(),
        order_by: parse_order_by("n DESC").unwrap(),
        ..Query::default()
    };
    let compiled = compile(&TABLE, &query).unwrap();
    let names: Vec<&str> = compiled.columns.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "commune",
            "n",
            "count(note)",
            "total",
            "avg(`montant total`)",
            "min(date)",
            "max(note)"
        ]
    );
    assert_eq!(compiled.columns[4].kind, ColumnKind::Real);
    assert_eq!(compiled.cursor_columns, None);

    struct Group {
        n: i64,
        notes: i64,
        montants: Vec<f64>,
        min_date: Option<String>,
        max_note: Option<i64>,
    }
    let mut groups: BTreeMap<String, (V, Group)> = BTreeMap::new();
    for row in rows
        .iter()
        .filter(|r| matches(r, query.filter.as_ref().unwrap()))
    {
        let key = row.get("commune").clone();
        let (_, g) = groups.entry(format!("{key:?}")).or_insert((
            key,
            Group {
                n: 0,
                notes: 0,
                montants: vec![],
                min_date: None,
                max_note: None,
            },
        ));
        g.n += 1;
        if let V::Int(note) = row.get("note") {
            g.notes += 1;
            g.max_note = Some(g.max_note.map_or(*note, |m| m.max(*note)));
        }
        if let V::Real(m) = row.get("montant total") {
            g.montants.push(*m);
        }
        if let V::Text(d) = row.get("date")
            && g.min_date.as_ref().is_none_or(|m| d < m)
        {
            g.min_date = Some(d.clone());
        }
    }
    let mut expected: Vec<(V, Group)> = groups.into_values().collect();
    expected.sort_by(|a, b| b.1.n.cmp(&a.1.n).then_with(|| sql_cmp(&a.0, &b.0)));
    let actual = run(&conn, &compiled.sql, &compiled.params);
    assert_eq!(actual.len(), expected.len());
    for (row, (key, g)) in actual.iter().zip(&expected) {
        let sum: f64 = g.montants.iter().sum();
        let (sum, avg) = if g.montants.is_empty() {
            (V::Null, V::Null)
        } else {
            (V::Real(sum), V::Real(sum / g.montants.len() as f64))
        };
        let opt_text = |o: &Option<String>| o.clone().map_or(V::Null, V::Text);
        let expected_row = vec![
            key.clone(),
            V::Int(g.n),
            V::Int(g.notes),
            sum,
            avg,
            opt_text(&g.min_date),
            g.max_note.map_or(V::Null, V::Int),
        ];
        assert_eq!(row, &expected_row);
    }

    let (sql, params) = count_sql(&TABLE, &query).unwrap();
    assert_eq!(
        run(&conn, &sql, &params),
        vec![vec![V::Int(expected.len() as i64)]]
    );

    // An aggregate without group_by gives one row.
    let query = Query {
        select: parse_select("count(*), max(horodatage)").unwrap(),
        ..Query::default()
    };
    let compiled = compile(&TABLE, &query).unwrap();
    let max_ts = rows
        .iter()
        .filter_map(|r| match r.get("horodatage") {
            V::Text(t) => Some(t.clone()),
            _ => None,
        })
        .max()
        .unwrap();
    assert_eq!(
        run(&conn, &compiled.sql, &compiled.params),
        vec![vec![V::Int(rows.len() as i64), V::Text(max_ts)]]
    );
}

#[test]
fn literals_never_reach_the_sql_text() {
    let hostile = [
        "'; DROP TABLE \"menus \"\"2024\"\"\"; --",
        "\" OR 1=1 --",
        "x' OR '1'='1",
        "/* comment */ UNION SELECT sqlite_version()",
        "Robert'); DROP TABLE x;--",
        "\u{0}nul byte",
        "ＤＲＯＰ\u{202e}reversed",
    ];
    let mut rng = Rng(7);
    let rows = generate_rows(50, &mut rng);
    let conn = open(&rows);
    for text in hostile {
        let filters = [
            Expr::Compare(Comparison {
                field: "commune".into(),
                op: CompareOp::Eq,
                value: Literal::Text(text.into()),
            }),
            Expr::Like {
                field: "plat".into(),
                pattern: text.into(),
                negated: false,
            },
            Expr::Search {
                field: None,
                text: text.into(),
            },
            Expr::Search {
                field: Some("commune".into()),
                text: text.into(),
            },
            Expr::StartsWith {
                field: "commune".into(),
                prefix: text.into(),
            },
            Expr::In {
                field: "commune".into(),
                values: vec![Literal::Text(text.into())],
                negated: true,
            },
        ];
        for filter in filters {
            let query = Query {
                filter: Some(filter.clone()),
                ..Query::default()
            };
            let compiled = compile(&TABLE, &query).unwrap();
            for needle in ["DROP", "UNION", "1=1", "comment", "nul byte"] {
                assert!(
                    !compiled.sql.contains(needle),
                    "{needle} in {}",
                    compiled.sql
                );
            }
            let expected: Vec<i64> = reference_order(&rows, Some(&filter), &[])
                .iter()
                .map(|r| r.rowid)
                .collect();
            assert_eq!(rowids(&conn, &compiled), expected, "{filter}");
        }
    }
    // The row whose commune is an injection attempt is found by plain equality.
    let robert = parse_where("commune = \"Robert'); DROP TABLE x;--\"").unwrap();
    let compiled = compile(
        &TABLE,
        &Query {
            filter: Some(robert.clone()),
            ..Query::default()
        },
    )
    .unwrap();
    let expected: Vec<i64> = reference_order(&rows, Some(&robert), &[])
        .iter()
        .map(|r| r.rowid)
        .collect();
    assert!(!expected.is_empty());
    assert_eq!(rowids(&conn, &compiled), expected);
    let count: i64 = conn
        .query_row("SELECT count(*) FROM \"menus \"\"2024\"\"\"", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(count, 50);
}

#[test]
fn names_are_looked_up_never_pasted() {
    let unknown = |query: Query| match compile(&TABLE, &query) {
        Err(CompileError::UnknownField { name, suggestions }) => (name, suggestions),
        other => panic!("{other:?}"),
    };
    // SQL names are not user names; quotes and backticks are just characters of a name.
    for name in [
        "c commune",
        "c_id",
        "commune\" OR 1=1 --",
        "`commune`",
        "commune; DROP",
        "соmmune",
    ] {
        let filter = Expr::IsNull {
            field: name.into(),
            negated: false,
        };
        let (reported, _) = unknown(Query {
            filter: Some(filter),
            ..Query::default()
        });
        assert_eq!(reported, name);
    }
    let filter = parse_where("`nom \"officiel\"` IS NOT NULL AND `plat` = 'x'").unwrap();
    assert!(
        compile(
            &TABLE,
            &Query {
                filter: Some(filter),
                ..Query::default()
            }
        )
        .is_ok()
    );

    let (_, suggestions) = unknown(Query {
        filter: Some(parse_where("comune = 1").unwrap()),
        ..Query::default()
    });
    assert_eq!(suggestions, ["commune"]);
    let (_, suggestions) = unknown(Query {
        filter: Some(parse_where("`соmmune` = 1").unwrap()),
        ..Query::default()
    });
    assert_eq!(suggestions, ["commune"]);
    let (name, suggestions) = unknown(Query {
        select: parse_select("montant").unwrap(),
        ..Query::default()
    });
    assert_eq!(
        (name.as_str(), suggestions),
        ("montant", vec!["montant total".to_string()])
    );
    let error = CompileError::UnknownField {
        name: "comune".into(),
        suggestions: vec!["commune".into()],
    };
    assert_eq!(
        error.message_fr(),
        "le champ « comune » n'existe pas ; vouliez-vous dire « commune » ?"
    );
    unknown(Query {
        order_by: parse_order_by("nope").unwrap(),
        ..Query::default()
    });
    unknown(Query {
        group_by: parse_group_by("nope").unwrap(),
        ..Query::default()
    });
    unknown(Query {
        facets: vec!["nope".into()],
        ..Query::default()
    });
}

#[test]
fn typed_errors() {
    let compile_where = |text: &str| {
        compile(
            &TABLE,
            &Query {
                filter: Some(parse_where(text).unwrap()),
                ..Query::default()
            },
        )
    };
    assert!(matches!(
        compile_where("date = 12"),
        Err(CompileError::IncompatibleValue { .. })
    ));
    assert!(matches!(
        compile_where("note = 'douze'"),
        Err(CompileError::IncompatibleValue { .. })
    ));
    assert!(matches!(
        compile_where("bio = 2"),
        Err(CompileError::IncompatibleValue { .. })
    ));
    assert!(matches!(
        compile_where("note < null"),
        Err(CompileError::NullOrdering { .. })
    ));
    assert!(matches!(
        compile_where("search(note, 'x')"),
        Err(CompileError::SearchNeedsText { .. })
    ));
    assert!(
        compile_where("note = '3' AND date >= '2024-01-01' AND horodatage = \"2024-01-02\"")
            .is_ok()
    );

    let with = |select: &str, group_by: &str, order_by: &str| {
        compile(
            &TABLE,
            &Query {
                select: if select.is_empty() {
                    vec![]
                } else {
                    parse_select(select).unwrap()
                },
                group_by: if group_by.is_empty() {
                    vec![]
                } else {
                    parse_group_by(group_by).unwrap()
                },
                order_by: if order_by.is_empty() {
                    vec![]
                } else {
                    parse_order_by(order_by).unwrap()
                },
                ..Query::default()
            },
        )
    };
    assert!(matches!(
        with("sum(commune)", "", ""),
        Err(CompileError::NotNumeric { .. })
    ));
    assert!(matches!(
        with("plat, count(*)", "commune", ""),
        Err(CompileError::NotGrouped { .. })
    ));
    assert!(matches!(
        with("count(*)", "commune", "plat"),
        Err(CompileError::NotGrouped { .. })
    ));
    assert!(matches!(
        with("*", "commune", ""),
        Err(CompileError::StarWithGrouping)
    ));
    assert!(matches!(
        with("", "", "count(*)"),
        Err(CompileError::AggregateWithoutGrouping { .. })
    ));
    assert!(matches!(
        with("commune, plat AS commune", "", ""),
        Err(CompileError::DuplicateColumn { .. })
    ));
    let keys = vec!["note"; MAX_ORDER_KEYS + 1].join(", ");
    assert!(matches!(
        with("", "", &keys),
        Err(CompileError::TooManyOrderKeys { .. })
    ));
    assert!(with("commune AS c, count(*) AS n", "commune", "c DESC, n").is_ok());

    let order_by = parse_order_by("note").unwrap();
    let cursor = next_cursor(&order_by, &[Value::Integer(3), Value::Integer(10)]);
    let with_cursor = |order: &str, cursor: &str, offset: u64, group: &str| {
        compile(
            &TABLE,
            &Query {
                order_by: parse_order_by(order).unwrap(),
                cursor: Some(cursor.to_string()),
                offset,
                group_by: if group.is_empty() {
                    vec![]
                } else {
                    parse_group_by(group).unwrap()
                },
                ..Query::default()
            },
        )
    };
    assert!(with_cursor("note", &cursor, 0, "").is_ok());
    assert_eq!(
        with_cursor("note DESC", &cursor, 0, "").err(),
        Some(CompileError::ForeignCursor)
    );
    assert_eq!(
        with_cursor("note", &cursor, 5, "").err(),
        Some(CompileError::CursorWithOffset)
    );
    assert_eq!(
        with_cursor("note", &cursor, 0, "note").err(),
        Some(CompileError::CursorWithGrouping)
    );
    assert!(matches!(
        with_cursor("note", "not-a-cursor!", 0, ""),
        Err(CompileError::InvalidCursor { .. })
    ));
}

#[test]
fn select_aliases_limit_and_offset() {
    let mut rng = Rng(99);
    let rows = generate_rows(60, &mut rng);
    let conn = open(&rows);
    let query = Query {
        select: parse_select("id, commune AS ville, `montant total`").unwrap(),
        order_by: parse_order_by("ville DESC, id").unwrap(),
        limit: Some(10),
        offset: 5,
        ..Query::default()
    };
    let compiled = compile(&TABLE, &query).unwrap();
    let names: Vec<&str> = compiled.columns.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["id", "ville", "montant total"]);
    let expected: Vec<Vec<V>> = reference_order(
        &rows,
        None,
        &[("commune", Direction::Desc), ("id", Direction::Asc)],
    )
    .iter()
    .skip(5)
    .take(10)
    .map(|r| {
        vec![
            r.get("id").clone(),
            r.get("commune").clone(),
            r.get("montant total").clone(),
        ]
    })
    .collect();
    let actual: Vec<Vec<V>> = run(&conn, &compiled.sql, &compiled.params)
        .into_iter()
        .map(|row| row[..3].to_vec())
        .collect();
    assert_eq!(actual, expected);

    // Default select: every column in table order, named as the reuser knows them.
    let compiled = compile(&TABLE, &Query::default()).unwrap();
    let names: Vec<&str> = compiled.columns.iter().map(|c| c.name.as_str()).collect();
    let all: Vec<&str> = COLUMNS.iter().map(|c| c.name).collect();
    assert_eq!(names, all);
}

#[test]
fn french_folding_in_like_startswith_and_search() {
    let mut rng = Rng(3);
    let rows = generate_rows(200, &mut rng);
    let conn = open(&rows);
    let count = |text: &str| {
        let filter = parse_where(text).unwrap();
        let compiled = compile(
            &TABLE,
            &Query {
                filter: Some(filter.clone()),
                ..Query::default()
            },
        )
        .unwrap();
        let n = rowids(&conn, &compiled).len();
        let expected = rows.iter().filter(|r| matches(r, &filter)).count();
        assert_eq!(n, expected, "{text}");
        n
    };
    let etienne = count("commune = 'Saint-Étienne'");
    assert!(etienne > 0);
    assert_eq!(count("commune LIKE 'saint-etienne'"), etienne);
    assert_eq!(count("commune LIKE 'SAINT-ÉTIENNE'"), etienne);
    assert_eq!(count("commune LIKE '*étienne'"), etienne);
    assert_eq!(count("startswith(commune, 'saint-e')"), etienne);
    assert_eq!(count("search(commune, 'ETIENNE')"), etienne);
    assert_eq!(count("search(commune, 'étien')"), etienne);
    assert!(count("search('pates')") > 0);
    assert!(count("plat LIKE '%100\\\\%'") > 0);
    assert_eq!(count("plat LIKE '%100\\\\%'"), count("plat LIKE '%100%'"));
}

#[test]
fn long_flat_chains_stay_within_sqlite_expression_depth() {
    let mut rng = Rng(11);
    let rows = generate_rows(40, &mut rng);
    let conn = open(&rows);
    for separator in [" OR ", " AND NOT "] {
        let text = (0..1_000)
            .map(|i| format!("note={}", i % 7))
            .collect::<Vec<_>>()
            .join(separator);
        let filter = parse_where(&text).unwrap();
        let query = Query {
            filter: Some(filter.clone()),
            ..Query::default()
        };
        let compiled = compile(&TABLE, &query).unwrap();
        let expected: Vec<i64> = reference_order(&rows, Some(&filter), &[])
            .iter()
            .map(|r| r.rowid)
            .collect();
        assert_eq!(rowids(&conn, &compiled), expected);
    }
}

#[test]
fn whatever_compiles_runs() {
    // Token soup through parser and compiler: anything accepted must run without SQL error.
    const PIECES: &[&str] = &[
        "commune",
        "plat",
        "note",
        "date",
        "horodatage",
        "bio",
        "`montant total`",
        "`c_id`",
        "`nom \"officiel\"`",
        " = ",
        " != ",
        " < ",
        " >= ",
        " AND ",
        " OR ",
        " NOT ",
        " IN ",
        " LIKE ",
        " IS ",
        " NULL",
        " null",
        "(",
        ")",
        ", ",
        "'a%'",
        "\"Paris\"",
        "'*é_'",
        "3",
        "-2.5",
        "true",
        "date'2024-02-03'",
        "date'2024-02-03T04:05'",
        "search(",
        "startswith(",
        "\"x' OR 1=1 --\"",
        "'\\\\'",
        "\"\"",
    ];
    let mut rng = Rng(0x5eed_0000_0000_0099);
    let rows = generate_rows(30, &mut rng);
    let conn = open(&rows);
    let mut ran = 0;
    for _ in 0..20_000 {
        let text: String = (0..1 + rng.below(9)).map(|_| *rng.pick(PIECES)).collect();
        let Ok(filter) = parse_where(&text) else {
            continue;
        };
        let query = Query {
            filter: Some(filter.clone()),
            ..Query::default()
        };
        let Ok(compiled) = compile(&TABLE, &query) else {
            continue;
        };
        let expected: Vec<i64> = reference_order(&rows, Some(&filter), &[])
            .iter()
            .map(|r| r.rowid)
            .collect();
        assert_eq!(rowids(&conn, &compiled), expected, "{text}");
        ran += 1;
    }
    assert!(ran > 300, "only {ran} queries ran");
}
