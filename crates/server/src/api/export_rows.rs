//! The rows of CSV and JSON exports, written straight from the cells the store lends
//! ([`RawCell`]) into the outgoing buffer: no string per cell, no CSV or JSON serializer per
//! field. The bytes are those the csv crate and serde_json write for the same values (the
//! tests of `api::exports` compare them with the serializers over every column type).

use std::fmt::Write as _;

use model::Value;
use store::records::RawCell;

use super::records::CellRef;

/// CSV as the csv crate writes it with its defaults and a chosen delimiter: a field is quoted
/// only when it holds the delimiter, a double quote, CR or LF, quotes inside doubled; `\n`
/// ends each record; a record whose only field is empty is written `""` (so that it is not
/// read as a blank line).
pub(crate) struct CsvRows {
    delimiter: u8,
    /// A non-text cell's text, reused from cell to cell.
    cell: String,
}

impl CsvRows {
    pub(crate) fn new(delimiter: u8) -> CsvRows {
        CsvRows {
            delimiter,
            cell: String::new(),
        }
    }

    pub(crate) fn header(&self, out: &mut Vec<u8>, names: &[String]) {
        self.record(out, names.iter().map(|name| name.as_bytes()));
    }

    pub(crate) fn row(&mut self, out: &mut Vec<u8>, cells: &[RawCell<'_>]) {
        let start = out.len();
        for (i, cell) in cells.iter().enumerate() {
            if i > 0 {
                out.push(self.delimiter);
            }
            match cell {
                RawCell::Text(text, _) => self.field(out, text.as_bytes()),
                RawCell::Value(value) => {
                    self.cell.clear();
                    text_of(value, &mut self.cell);
                    self.field(out, self.cell.as_bytes());
                }
            }
        }
        self.end_record(out, start);
    }

    fn record<'a>(&self, out: &mut Vec<u8>, fields: impl Iterator<Item = &'a [u8]>) {
        let start = out.len();
        for (i, field) in fields.enumerate() {
            if i > 0 {
                out.push(self.delimiter);
            }
            self.field(out, field);
        }
        self.end_record(out, start);
    }

    fn end_record(&self, out: &mut Vec<u8>, start: usize) {
        if out.len() == start {
            out.extend_from_slice(b"\"\"");
        }
        out.push(b'\n');
    }

    fn field(&self, out: &mut Vec<u8>, bytes: &[u8]) {
        if !needs_quotes(bytes, self.delimiter) {
            out.extend_from_slice(bytes);
            return;
        }
        out.push(b'"');
        for piece in bytes.split_inclusive(|byte| *byte == b'"') {
            out.extend_from_slice(piece);
            if piece.ends_with(b"\"") {
                out.push(b'"');
            }
        }
        out.push(b'"');
    }
}

/// Whether a field holds the delimiter, a double quote, CR or LF: eight bytes at a time (most
/// fields hold none, and looking byte by byte was a tenth of an export's time).
fn needs_quotes(bytes: &[u8], delimiter: u8) -> bool {
    let mut words = bytes.chunks_exact(8);
    for word in &mut words {
        let word = u64::from_le_bytes([
            word[0], word[1], word[2], word[3], word[4], word[5], word[6], word[7],
        ]);
        if has_byte(word, b'"')
            || has_byte(word, b'\n')
            || has_byte(word, b'\r')
            || has_byte(word, delimiter)
        {
            return true;
        }
    }
    words
        .remainder()
        .iter()
        .any(|&byte| matches!(byte, b'"' | b'\n' | b'\r') || byte == delimiter)
}

/// Whether one of the eight bytes of `word` is `byte` (the classic test for a zero byte,
/// applied to `word` XOR `byte` repeated: exact, no false positive).
fn has_byte(word: u64, byte: u8) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    let zero_where_equal = word ^ (ONES * u64::from(byte));
    zero_where_equal.wrapping_sub(ONES) & !zero_where_equal & HIGHS != 0
}

/// A value as CSV or spreadsheet text: empty for missing, ISO 8601 for dates, JSON for JSON.
pub(crate) fn text_of(value: &Value, out: &mut String) {
    let _ = match value {
        Value::Null => Ok(()),
        Value::Bool(flag) => write!(out, "{flag}"),
        Value::Int(number) => write!(out, "{number}"),
        Value::Float(number) => {
            write_float(out, *number);
            Ok(())
        }
        Value::Text(text) => {
            out.push_str(text);
            Ok(())
        }
        Value::Date(date) => write!(out, "{date}"),
        Value::Time(time) => write!(out, "{time}"),
        Value::DateTime(datetime) => write!(out, "{datetime}"),
        Value::Json(json) => write!(out, "{json}"),
    };
}

/// Significant digits from which [`write_float`] leaves the printing to core.
const MAX_SAME_DIGITS: usize = 16;

/// `number` as `{number}` prints it (all its digits, no exponent, no `.0`), from the shortest
/// digits serde_json's formatter (ryu) gives: the same digits up to 15 of them, at a third of
/// the cost of core's formatting, which was a tenth of an export with two number columns.
fn write_float(out: &mut String, number: f64) {
    if !number.is_finite() {
        let _ = write!(out, "{number}");
        return;
    }
    let mut shortest = [0u8; 32];
    let written = {
        let mut cursor = &mut shortest[..];
        // 32 bytes hold any f64 (`-2.2250738585072014e-308` is the longest).
        let _ = serde_json::ser::Formatter::write_f64(
            &mut serde_json::ser::CompactFormatter,
            &mut cursor,
            number,
        );
        32 - cursor.len()
    };
    let shortest = &shortest[..written];
    let (negative, shortest) = match shortest.split_first() {
        Some((b'-', rest)) => (true, rest),
        _ => (false, shortest),
    };
    let (mantissa, exponent) = match shortest.iter().position(|&byte| byte == b'e') {
        Some(e) => (&shortest[..e], parse_exponent(&shortest[e + 1..])),
        None => (shortest, 0),
    };
    let (whole, fraction) = match mantissa.iter().position(|&byte| byte == b'.') {
        Some(point) => (&mantissa[..point], &mantissa[point + 1..]),
        None => (mantissa, &mantissa[..0]),
    };
    // The significant digits, and how many of them come before the decimal point (none or
    // fewer than none for 0.00…, more than there are for …000).
    let mut all = [0u8; 32];
    let count = whole.len() + fraction.len();
    all[..whole.len()].copy_from_slice(whole);
    all[whole.len()..count].copy_from_slice(fraction);
    let leading_zeros = all[..count]
        .iter()
        .take_while(|&&digit| digit == b'0')
        .count();
    let trailing_zeros = all[leading_zeros..count]
        .iter()
        .rev()
        .take_while(|&&digit| digit == b'0')
        .count();
    let digits = std::str::from_utf8(&all[leading_zeros..count - trailing_zeros]).unwrap_or("");
    if digits.len() >= MAX_SAME_DIGITS {
        // Near the 17 digits of a double, several shortest forms can read back as the same
        // number, and ryu and core do not always pick the same one.
        let _ = write!(out, "{number}");
        return;
    }
    let before_point = whole.len() as i32 + exponent - leading_zeros as i32;
    if negative {
        out.push('-');
    }
    if digits.is_empty() {
        out.push('0');
    } else if before_point <= 0 {
        out.push_str("0.");
        out.extend(std::iter::repeat_n(
            '0',
            before_point.unsigned_abs() as usize,
        ));
        out.push_str(digits);
    } else if (before_point as usize) < digits.len() {
        let (whole, fraction) = digits.split_at(before_point as usize);
        out.push_str(whole);
        out.push('.');
        out.push_str(fraction);
    } else {
        out.push_str(digits);
        out.extend(std::iter::repeat_n(
            '0',
            before_point as usize - digits.len(),
        ));
    }
}

/// The exponent after ryu's `e` (`21`, `-7`).
fn parse_exponent(text: &[u8]) -> i32 {
    std::str::from_utf8(text)
        .ok()
        .and_then(|text| text.parse().ok())
        .unwrap_or(0)
}

/// A row as one JSON object (`{"name":value,...}`, compact), as serde_json writes the
/// records API's object for the same values; the keys are escaped once, not once a row.
pub(crate) struct JsonRows {
    /// `{"name":` for the first column, `,"name":` for the others.
    keys: Vec<Vec<u8>>,
}

impl JsonRows {
    pub(crate) fn new<'n>(names: impl IntoIterator<Item = &'n str>) -> JsonRows {
        let keys = names
            .into_iter()
            .enumerate()
            .map(|(i, name)| {
                let mut key = vec![if i == 0 { b'{' } else { b',' }];
                json_string(&mut key, name);
                key.push(b':');
                key
            })
            .collect();
        JsonRows { keys }
    }

    pub(crate) fn row(&self, out: &mut Vec<u8>, cells: &[RawCell<'_>]) {
        if self.keys.is_empty() {
            out.push(b'{');
        }
        for (key, cell) in self.keys.iter().zip(cells) {
            out.extend_from_slice(key);
            match cell {
                RawCell::Text(text, _) => json_string(out, text),
                // Writing into a `Vec` cannot fail, nor can serializing a value.
                RawCell::Value(value) => {
                    let _ = serde_json::to_writer(&mut *out, &CellRef(value));
                }
            }
        }
        out.push(b'}');
    }
}

/// `text` as a JSON string, escaped as serde_json escapes it: copied between quotes when
/// nothing in it needs escaping (nearly always), else written by serde_json.
fn json_string(out: &mut Vec<u8>, text: &str) {
    if needs_json_escape(text.as_bytes()) {
        // Writing into a `Vec` cannot fail.
        let _ = serde::Serializer::serialize_str(&mut serde_json::Serializer::new(out), text);
        return;
    }
    out.reserve(text.len() + 2);
    out.push(b'"');
    out.extend_from_slice(text.as_bytes());
    out.push(b'"');
}

/// Whether serde_json escapes anything in `bytes`: it escapes control characters, the quote and
/// the backslash, nothing else (neither `/`, nor DEL, nor non-ASCII). Folded without an early
/// exit, so that the compiler checks many bytes at once.
fn needs_json_escape(bytes: &[u8]) -> bool {
    bytes.iter().fold(false, |found, &byte| {
        found | (byte < 0x20) | (byte == b'"') | (byte == b'\\')
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_printed_like_display(number: f64) {
        let mut written = String::new();
        write_float(&mut written, number);
        assert_eq!(written, format!("{number}"), "{number:e}");
    }

    #[test]
    fn floats_are_printed_as_display_prints_them() {
        for number in [
            0.0,
            -0.0,
            0.1,
            -0.1,
            1.0,
            3.0,
            1284.68,
            0.98,
            1e15,
            1e16,
            1e21,
            1e22,
            123456789.125,
            1e-5,
            1e-6,
            1e-7,
            1.5e-7,
            0.000123,
            f64::MAX,
            f64::MIN,
            f64::MIN_POSITIVE,
            f64::EPSILON,
            5e-324,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::NAN,
            9007199254740993.0,
        ] {
            assert_printed_like_display(number);
        }
        for exponent in -324..=308 {
            assert_printed_like_display(format!("1e{exponent}").parse().unwrap());
            assert_printed_like_display(format!("-4.5e{exponent}").parse().unwrap());
        }
        for cents in 0..20_000 {
            assert_printed_like_display(cents as f64 / 100.0);
            assert_printed_like_display(cents as f64 * 1.1);
        }
        // Every kind of bit pattern (a fixed-seed xorshift walks them).
        let mut state = 0x9e37_79b9_7f4a_7c15_u64;
        for _ in 0..300_000 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            assert_printed_like_display(f64::from_bits(state));
            // Decimal numbers of 1 to 16 digits, as amounts and rates are.
            let digits = 1 + (state >> 60) as u32;
            let mantissa = (state >> 4) % 10_u64.pow(digits);
            let exponent = (state % 41) as i32 - 20;
            assert_printed_like_display(format!("{mantissa}e{exponent}").parse().unwrap());
        }
    }

    #[test]
    fn quotes_are_needed_exactly_when_a_special_byte_is_there() {
        let specials = [b'"', b'\n', b'\r', b';'];
        let others = [
            b'a',
            b' ',
            0x80,
            0xff,
            0x00,
            b'\'',
            0x22 ^ 0x80,
            0x0a + 1,
            b':',
        ];
        for len in 0..20 {
            for position in 0..len {
                for &special in &specials {
                    for &other in &others {
                        let mut bytes = vec![other; len];
                        assert!(!needs_quotes(&bytes, b';'), "{bytes:?}");
                        bytes[position] = special;
                        assert!(needs_quotes(&bytes, b';'), "{bytes:?}");
                    }
                }
            }
        }
        for byte in 0..=255u8 {
            let bytes = [b'x', b'x', b'x', b'x', b'x', b'x', b'x', byte, b'x'];
            let expected = matches!(byte, b'"' | b'\n' | b'\r' | b',');
            assert_eq!(needs_quotes(&bytes, b','), expected, "{byte}");
            assert_eq!(needs_quotes(&bytes[..8], b','), expected, "{byte}");
        }
    }
}
