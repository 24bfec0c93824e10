//! Keyset pagination: opaque cursors and the condition "rows after this one".
//!
//! A cursor is base64url (no padding) of a small JSON object
//! `{"v":1,"o":"<order fingerprint>","k":[<order key values>],"r":<rowid>}`: the version tag,
//! a fingerprint of the canonical `order_by` text (a cursor used with another order is refused as
//! foreign), the last row's order-key values and its rowid, the final tiebreaker.
//!
//! Row order is always `k1, k2, …, rowid ASC`. NULLs follow SQLite's rule that NULL is the
//! smallest value: first for an ascending key, last for a descending one. "After the last row"
//! expands into an OR-chain, so any mix of ascending and descending keys works:
//! `after(k1) OR (k1 = v1 AND after(k2)) OR … OR (k1 = v1 AND … AND rowid > r)`.

use model::query::{Direction, OrderKey, format_order_by};
use rusqlite::types::Value;
use serde_json::{Value as Json, json};

use super::error::{CompileError, CursorProblem};
use super::filter::Sql;

const VERSION: u64 = 1;

/// The opaque token for the page after a row: `last_row_values` are the row's order-key values in
/// `order_by` order followed by its rowid (exactly the trailing cursor columns of a compiled query).
pub fn next_cursor(order_by: &[OrderKey], last_row_values: &[Value]) -> String {
    let (keys, rowid) = match last_row_values.split_last() {
        Some((Value::Integer(rowid), keys)) => (keys, *rowid),
        // Callers always pass the rowid last; anything else yields a cursor decoding refuses.
        _ => (last_row_values, -1),
    };
    let payload = json!({
        "v": VERSION,
        "o": fingerprint(order_by),
        "k": keys.iter().map(value_to_json).collect::<Vec<_>>(),
        "r": rowid,
    });
    base64url_encode(payload.to_string().as_bytes())
}

/// The last row's order-key values and rowid carried by `cursor`.
pub(crate) struct Position {
    pub keys: Vec<Value>,
    pub rowid: i64,
}

pub(crate) fn decode_cursor(cursor: &str, order_by: &[OrderKey]) -> Result<Position, CompileError> {
    let invalid = |problem| CompileError::InvalidCursor { problem };
    let bytes = base64url_decode(cursor).ok_or(invalid(CursorProblem::Encoding))?;
    let payload: Json =
        serde_json::from_slice(&bytes).map_err(|_| invalid(CursorProblem::Content))?;
    if payload.get("v").and_then(Json::as_u64) != Some(VERSION) {
        return Err(invalid(CursorProblem::Version));
    }
    let rowid = payload
        .get("r")
        .and_then(Json::as_i64)
        .filter(|r| *r >= 0)
        .ok_or(invalid(CursorProblem::Values))?;
    let keys = payload
        .get("k")
        .and_then(Json::as_array)
        .ok_or(invalid(CursorProblem::Values))?
        .iter()
        .map(json_to_value)
        .collect::<Option<Vec<_>>>()
        .ok_or(invalid(CursorProblem::Values))?;
    if payload.get("o").and_then(Json::as_str) != Some(fingerprint(order_by).as_str())
        || keys.len() != order_by.len()
    {
        return Err(CompileError::ForeignCursor);
    }
    Ok(Position { keys, rowid })
}

/// Appends the condition selecting rows strictly after `position` in the order
/// `keys` (SQL expression and direction of each key), then `rowid_sql` ascending.
pub(crate) fn after_condition(
    keys: &[(String, Direction)],
    rowid_sql: &str,
    position: &Position,
    sql: &mut Sql,
) {
    sql.push("(");
    for i in 0..=keys.len() {
        if i > 0 {
            sql.push(" OR ");
        }
        sql.push("(");
        for ((expr, _), value) in keys.iter().zip(&position.keys).take(i) {
            equal(expr, value, sql);
            sql.push(" AND ");
        }
        match keys.get(i) {
            Some((expr, direction)) => after(expr, *direction, &position.keys[i], sql),
            None => {
                sql.push(&format!("{rowid_sql} > "));
                sql.param(Value::Integer(position.rowid));
            }
        }
        sql.push(")");
    }
    sql.push(")");
}

fn equal(expr: &str, value: &Value, sql: &mut Sql) {
    if *value == Value::Null {
        sql.push(&format!("{expr} IS NULL"));
    } else {
        sql.push(&format!("{expr} = "));
        sql.param(value.clone());
    }
}

/// Strictly after `value` for this key, NULL being the smallest value.
fn after(expr: &str, direction: Direction, value: &Value, sql: &mut Sql) {
    match (direction, value) {
        (Direction::Asc, Value::Null) => sql.push(&format!("{expr} IS NOT NULL")),
        (Direction::Asc, v) => {
            sql.push(&format!("{expr} > "));
            sql.param(v.clone());
        }
        (Direction::Desc, Value::Null) => sql.push("FALSE"),
        (Direction::Desc, v) => {
            sql.push(&format!("({expr} < "));
            sql.param(v.clone());
            sql.push(&format!(" OR {expr} IS NULL)"));
        }
    }
}

/// FNV-1a 64 of the canonical order text: enough to tell orders apart, not a secret.
fn fingerprint(order_by: &[OrderKey]) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in format_order_by(order_by).bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{hash:016x}")
}

fn value_to_json(value: &Value) -> Json {
    match value {
        Value::Null => Json::Null,
        Value::Integer(i) => json!(i),
        // serde_json writes `1.0` for a whole f64, so it reads back as a float, not an integer.
        Value::Real(r) => serde_json::Number::from_f64(*r).map_or(Json::Null, Json::Number),
        Value::Text(s) => json!(s),
        Value::Blob(b) => json!({ "b": base64url_encode(b) }),
    }
}

fn json_to_value(json: &Json) -> Option<Value> {
    Some(match json {
        Json::Null => Value::Null,
        Json::Number(n) if n.is_i64() => Value::Integer(n.as_i64()?),
        Json::Number(n) => Value::Real(n.as_f64()?),
        Json::String(s) => Value::Text(s.clone()),
        Json::Object(o) => Value::Blob(base64url_decode(o.get("b")?.as_str()?)?),
        _ => return None,
    })
}

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

fn base64url_encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, b)| n | (u32::from(*b) << (16 - 8 * i)));
        for i in 0..=chunk.len() {
            out.push(char::from(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize]));
        }
    }
    out
}

fn base64url_decode(text: &str) -> Option<Vec<u8>> {
    let sextet = |c: u8| ALPHABET.iter().position(|a| *a == c).map(|p| p as u32);
    let text = text.as_bytes();
    if text.len() % 4 == 1 {
        return None;
    }
    let mut out = Vec::with_capacity(text.len() / 4 * 3 + 2);
    for chunk in text.chunks(4) {
        let mut n = 0u32;
        for (i, c) in chunk.iter().enumerate() {
            n |= sextet(*c)? << (18 - 6 * i);
        }
        for i in 0..chunk.len() - 1 {
            out.push((n >> (16 - 8 * i)) as u8);
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use model::query::parse_order_by;

    #[test]
    fn base64url_round_trips() {
        for len in 0..20 {
            let bytes: Vec<u8> = (0..len).map(|i| (i * 37 + 200) as u8).collect();
            let text = base64url_encode(&bytes);
            assert!(!text.contains(['+', '/', '=']));
            assert_eq!(base64url_decode(&text), Some(bytes));
        }
        assert_eq!(base64url_encode(b"Man"), "TWFu");
        assert_eq!(base64url_encode(b"Ma"), "TWE");
        assert_eq!(base64url_decode("TWE!"), None);
        assert_eq!(base64url_decode("T"), None);
    }

    #[test]
    fn cursors_round_trip_and_refuse_foreign_or_damaged_tokens() {
        let order = parse_order_by("nom DESC, montant").unwrap();
        let values = vec![
            Value::Text("Bé\"zier's".into()),
            Value::Real(3.0),
            Value::Integer(42),
        ];
        let cursor = next_cursor(&order, &values);
        let position = decode_cursor(&cursor, &order).unwrap();
        assert_eq!(position.keys, values[..2]);
        assert_eq!(position.rowid, 42);

        let other = parse_order_by("nom, montant").unwrap();
        assert_eq!(
            decode_cursor(&cursor, &other).err(),
            Some(CompileError::ForeignCursor)
        );
        for garbage in ["", "%%%", "e30", &cursor[1..], "eyJ2IjoyfQ"] {
            assert!(
                matches!(
                    decode_cursor(garbage, &order),
                    Err(CompileError::InvalidCursor { .. })
                ),
                "{garbage}"
            );
        }
    }
}
