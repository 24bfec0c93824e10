//! Casting cell text to typed values: the hot loop of validation. Common cases (plain
//! integers and decimals, ISO dates) take hand-written paths that do not allocate.

use std::borrow::Cow;

use crate::temporal::{self, Strptime};
use crate::value::{Duration, GeoPoint, Value};

/// Per-type casting rules compiled from a field descriptor.
#[derive(Debug, Clone)]
pub(crate) enum Caster {
    String(StringFormat),
    Number(NumberFormat),
    Integer {
        bare_number: bool,
    },
    Boolean {
        true_values: Vec<String>,
        false_values: Vec<String>,
    },
    Date(Temporal),
    Time(Temporal),
    DateTime(Temporal),
    Year,
    YearMonth,
    Duration,
    GeoPoint(GeoFormat),
    GeoJson,
    Object,
    Array,
    List {
        delimiter: String,
        item: Box<Caster>,
    },
    Any,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum StringFormat {
    Default,
    Email,
    Uri,
    Uuid,
    Binary,
}

#[derive(Debug, Clone)]
pub(crate) struct NumberFormat {
    pub decimal_char: String,
    pub group_char: String,
    pub bare_number: bool,
    /// Frictionless only pre-processes the text when one of the three keys is written.
    pub has_options: bool,
}

#[derive(Debug, Clone)]
pub(crate) enum Temporal {
    Default,
    Any,
    Pattern(Box<Strptime>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum GeoFormat {
    Default,
    Array,
    Object,
}

impl Caster {
    /// Casts non-missing cell text.
    pub(crate) fn cast<'a>(&self, text: &'a str) -> Option<Value<'a>> {
        match self {
            Caster::String(format) => {
                string_format_ok(*format, text).then_some(Value::String(Cow::Borrowed(text)))
            }
            Caster::Any => Some(Value::String(Cow::Borrowed(text))),
            Caster::Integer { bare_number } => cast_integer(text, *bare_number).map(Value::Integer),
            Caster::Number(format) => cast_number(text, format).map(Value::Number),
            Caster::Boolean {
                true_values,
                false_values,
            } => {
                if true_values.iter().any(|value| value == text) {
                    Some(Value::Boolean(true))
                } else if false_values.iter().any(|value| value == text) {
                    Some(Value::Boolean(false))
                } else {
                    None
                }
            }
            Caster::Date(format) => match format {
                Temporal::Default => temporal::parse_iso_date(text),
                Temporal::Any => temporal::parse_any_date(text),
                Temporal::Pattern(pattern) => {
                    // Python's `.date()` of a datetime keeps the date whatever the time.
                    pattern.parse(text).map(|datetime| datetime.date)
                }
            }
            .map(Value::Date),
            Caster::Time(format) => match format {
                Temporal::Default => temporal::parse_iso_time(text),
                Temporal::Any => temporal::parse_any_time(text),
                Temporal::Pattern(pattern) => pattern.parse(text).map(|datetime| datetime.time),
            }
            .map(Value::Time),
            Caster::DateTime(format) => match format {
                Temporal::Default => temporal::parse_iso_datetime(text),
                Temporal::Any => temporal::parse_any_datetime(text),
                Temporal::Pattern(pattern) => pattern.parse(text),
            }
            .map(Value::DateTime),
            Caster::Year => cast_year(text).map(Value::Year),
            Caster::YearMonth => {
                cast_year_month(text).map(|(year, month)| Value::YearMonth { year, month })
            }
            Caster::Duration => {
                cast_duration(text).map(|duration| Value::Duration(Box::new(duration)))
            }
            Caster::GeoPoint(format) => cast_geopoint(text, *format).map(Value::GeoPoint),
            Caster::GeoJson => {
                let value: serde_json::Value = serde_json::from_str(text).ok()?;
                is_geojson(&value).then_some(Value::Json(value))
            }
            Caster::Object => {
                let value: serde_json::Value = serde_json::from_str(text).ok()?;
                value.is_object().then_some(Value::Json(value))
            }
            Caster::Array => {
                let value: serde_json::Value = serde_json::from_str(text).ok()?;
                value.is_array().then_some(Value::Json(value))
            }
            Caster::List { delimiter, item } => text
                .split(delimiter.as_str())
                .map(|piece| item.cast(piece))
                .collect::<Option<Vec<_>>>()
                .map(Value::List),
        }
    }

    /// Casts a JSON value written in a descriptor (`enum`, `minimum`, array items), following
    /// frictionless: text is cast as cell text, other JSON values only where the type accepts them.
    pub(crate) fn cast_json(&self, json: &serde_json::Value) -> Option<Value<'static>> {
        use serde_json::Value as Json;
        match (self, json) {
            (_, Json::String(text)) => self.cast(text).map(Value::into_owned),
            (Caster::Integer { .. }, Json::Number(number)) => number
                .as_i64()
                .or_else(|| {
                    number
                        .as_f64()
                        .filter(|float| float.fract() == 0.0 && float.abs() < 9.2e18)
                        .map(|float| float as i64)
                })
                .map(Value::Integer),
            (Caster::Number(_), Json::Number(number)) => number.as_f64().map(Value::Number),
            (Caster::Year, Json::Number(number)) => number
                .as_i64()
                .filter(|year| (0..=9999).contains(year))
                .map(|year| Value::Year(year as i32)),
            (Caster::Boolean { .. }, Json::Bool(flag)) => Some(Value::Boolean(*flag)),
            (Caster::Object | Caster::GeoJson, Json::Object(_)) => Some(Value::Json(json.clone())),
            (Caster::Array, Json::Array(_)) => Some(Value::Json(json.clone())),
            (Caster::GeoPoint(_), Json::Array(items)) if items.len() == 2 => {
                let lon = items[0].as_f64()?;
                let lat = items[1].as_f64()?;
                valid_geopoint(lon, lat).map(Value::GeoPoint)
            }
            (Caster::Any, other) => Some(Value::Json(other.clone())),
            _ => None,
        }
    }
}

/// Integers: surrounding whitespace allowed, optional sign, ASCII digits (frictionless uses
/// Python's `int(text.strip())`).
pub(crate) fn cast_integer(text: &str, bare_number: bool) -> Option<i64> {
    let text = if bare_number {
        trim(text)
    } else {
        strip_non_numeric(trim(text))
    };
    let bytes = text.as_bytes();
    let (negative, digits) = match bytes.first()? {
        b'-' => (true, &bytes[1..]),
        b'+' => (false, &bytes[1..]),
        _ => (false, bytes),
    };
    if digits.is_empty() {
        return None;
    }
    let mut total: i64 = 0;
    for byte in digits {
        if !byte.is_ascii_digit() {
            return None;
        }
        total = total.checked_mul(10)?.checked_add(i64::from(byte - b'0'))?;
    }
    Some(if negative { -total } else { total })
}

/// `bareNumber: false`: drops leading characters that are neither `-` nor digits, and
/// trailing non-digits (frictionless's `((^[^-\d]*)|(\D*$))`).
fn strip_non_numeric(text: &str) -> &str {
    let start = text
        .find(|char: char| char == '-' || char.is_ascii_digit())
        .unwrap_or(text.len());
    let text = &text[start..];
    let end = text
        .rfind(|char: char| char.is_ascii_digit())
        .map_or(0, |index| index + 1);
    &text[..end]
}

/// Numbers as Python's `Decimal` reads them (sign, digits, point, exponent, NaN/INF), after
/// the `groupChar`/`decimalChar`/`bareNumber` processing frictionless applies.
pub(crate) fn cast_number(text: &str, format: &NumberFormat) -> Option<f64> {
    let text = trim(text);
    if !format.has_options {
        return parse_decimal(text);
    }
    let text = if format.bare_number {
        text
    } else {
        strip_non_numeric(text)
    };
    let mut processed = String::with_capacity(text.len());
    if format.group_char.is_empty() {
        processed.push_str(text);
    } else {
        processed.push_str(&text.replace(format.group_char.as_str(), ""));
    }
    if format.decimal_char != "." {
        if processed.contains('.') {
            return None;
        }
        processed = processed.replace(format.decimal_char.as_str(), ".");
    }
    parse_decimal(processed.trim())
}

/// `text.trim()`, without looking at characters when the text starts and ends with a byte
/// that is printable ASCII (never whitespace): the usual number cell.
#[inline]
fn trim(text: &str) -> &str {
    let printable = |byte: &u8| (b'!'..=b'~').contains(byte);
    let bytes = text.as_bytes();
    match (bytes.first(), bytes.last()) {
        (Some(first), Some(last)) if printable(first) && printable(last) => text,
        _ => text.trim(),
    }
}

/// The lexical forms of Python's `Decimal`, without underscores or non-ASCII digits.
fn parse_decimal(text: &str) -> Option<f64> {
    if let Some(value) = parse_simple_decimal(text.as_bytes()) {
        return Some(value);
    }
    let bytes = text.as_bytes();
    let unsigned = match bytes.first()? {
        b'+' | b'-' => &text[1..],
        _ => text,
    };
    let negative = bytes[0] == b'-';
    if unsigned
        .as_bytes()
        .first()
        .is_some_and(u8::is_ascii_alphabetic)
    {
        let is = |word: &str| unsigned.eq_ignore_ascii_case(word);
        if is("nan") || is("snan") {
            return Some(f64::NAN);
        }
        if is("inf") || is("infinity") {
            return Some(if negative {
                f64::NEG_INFINITY
            } else {
                f64::INFINITY
            });
        }
        return None;
    }
    if !is_decimal_literal(unsigned.as_bytes()) {
        return None;
    }
    text.parse::<f64>().ok()
}

/// Powers of ten that are exact in an `f64`.
const EXACT_POWERS_OF_TEN: [f64; 16] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
];

/// Fast path for the common `[-]digits[.digits]` with at most 15 digits: the mantissa and the
/// power of ten are exact, so one division gives the correctly rounded value (Clinger's fast
/// path). Anything else returns `None` and takes the general path.
fn parse_simple_decimal(bytes: &[u8]) -> Option<f64> {
    let (negative, digits) = match bytes.first()? {
        b'-' => (true, &bytes[1..]),
        b'+' => (false, &bytes[1..]),
        _ => (false, bytes),
    };
    if digits.is_empty() || digits.len() > 16 {
        return None;
    }
    let mut mantissa: u64 = 0;
    let mut fraction_digits: Option<usize> = None;
    let mut digit_count = 0;
    for (index, byte) in digits.iter().enumerate() {
        match byte {
            b'0'..=b'9' => {
                mantissa = mantissa * 10 + u64::from(byte - b'0');
                digit_count += 1;
            }
            b'.' if fraction_digits.is_none() => fraction_digits = Some(digits.len() - index - 1),
            _ => return None,
        }
    }
    if digit_count == 0 || digit_count > 15 {
        return None;
    }
    let value = mantissa as f64 / EXACT_POWERS_OF_TEN[fraction_digits.unwrap_or(0)];
    Some(if negative { -value } else { value })
}

/// digits [. digits] [e [sign] digits], with at least one digit in the mantissa.
fn is_decimal_literal(bytes: &[u8]) -> bool {
    let mut index = 0;
    let integer_digits = bytes
        .iter()
        .take_while(|byte| byte.is_ascii_digit())
        .count();
    index += integer_digits;
    let mut fraction_digits = 0;
    if bytes.get(index) == Some(&b'.') {
        index += 1;
        fraction_digits = bytes[index..]
            .iter()
            .take_while(|byte| byte.is_ascii_digit())
            .count();
        index += fraction_digits;
    }
    if integer_digits + fraction_digits == 0 {
        return false;
    }
    if matches!(bytes.get(index), Some(b'e' | b'E')) {
        index += 1;
        if matches!(bytes.get(index), Some(b'+' | b'-')) {
            index += 1;
        }
        let exponent_digits = bytes[index..]
            .iter()
            .take_while(|byte| byte.is_ascii_digit())
            .count();
        if exponent_digits == 0 {
            return false;
        }
        index += exponent_digits;
    }
    index == bytes.len()
}

/// Exactly four ASCII digits, as the specification's `YYYY`.
fn cast_year(text: &str) -> Option<i32> {
    let bytes = text.as_bytes();
    if bytes.len() != 4 || !bytes.iter().all(u8::is_ascii_digit) {
        return None;
    }
    text.parse().ok()
}

/// `YYYY-MM`.
fn cast_year_month(text: &str) -> Option<(i32, u8)> {
    let (year, month) = text.split_once('-')?;
    let year = cast_year(year)?;
    if month.len() != 2 || !month.bytes().all(|byte| byte.is_ascii_digit()) {
        return None;
    }
    let month: u8 = month.parse().ok()?;
    (1..=12).contains(&month).then_some((year, month))
}

/// ISO 8601 durations as the `isodate` library reads them: `[-]P[nY][nM][nW][nD][T[nH][nM][nS]]`.
pub(crate) fn cast_duration(text: &str) -> Option<Duration> {
    let (negative, rest) = match text.as_bytes().first()? {
        b'-' => (true, &text[1..]),
        b'+' => (false, &text[1..]),
        _ => (false, text),
    };
    let rest = rest.strip_prefix('P')?;
    if rest.is_empty() {
        return None;
    }
    let mut duration = Duration {
        negative,
        years: 0.0,
        months: 0.0,
        weeks: 0.0,
        days: 0.0,
        hours: 0.0,
        minutes: 0.0,
        seconds: 0.0,
    };
    let (date_part, time_part) = match rest.split_once('T') {
        Some((date_part, time_part)) => (date_part, Some(time_part)),
        None => (rest, None),
    };
    read_components(
        date_part,
        &['Y', 'M', 'W', 'D'],
        |unit, amount| match unit {
            'Y' => duration.years = amount,
            'M' => duration.months = amount,
            'W' => duration.weeks = amount,
            _ => duration.days = amount,
        },
    )?;
    if let Some(time_part) = time_part {
        read_components(time_part, &['H', 'M', 'S'], |unit, amount| match unit {
            'H' => duration.hours = amount,
            'M' => duration.minutes = amount,
            _ => duration.seconds = amount,
        })?;
    }
    Some(duration)
}

/// Reads `<number><unit>` pairs whose units appear in `units` order, each at most once.
fn read_components(mut text: &str, units: &[char], mut store: impl FnMut(char, f64)) -> Option<()> {
    let mut next_unit = 0;
    while !text.is_empty() {
        let length =
            text.find(|char: char| !(char.is_ascii_digit() || char == '.' || char == ','))?;
        let number = &text[..length];
        let unit = text[length..].chars().next()?;
        let position = units[next_unit..]
            .iter()
            .position(|candidate| *candidate == unit)?
            + next_unit;
        let number_ok = !number.is_empty()
            && number.as_bytes()[0].is_ascii_digit()
            && number
                .bytes()
                .filter(|byte| matches!(byte, b'.' | b','))
                .count()
                <= 1
            && number.as_bytes()[number.len() - 1].is_ascii_digit();
        if !number_ok {
            return None;
        }
        store(unit, number.replace(',', ".").parse().ok()?);
        next_unit = position + 1;
        text = &text[length + unit.len_utf8()..];
    }
    Some(())
}

fn valid_geopoint(lon: f64, lat: f64) -> Option<GeoPoint> {
    ((-180.0..=180.0).contains(&lon) && (-90.0..=90.0).contains(&lat))
        .then_some(GeoPoint { lon, lat })
}

fn cast_geopoint(text: &str, format: GeoFormat) -> Option<GeoPoint> {
    let (lon, lat) = match format {
        GeoFormat::Default => {
            let (lon, lat) = text.split_once(',')?;
            (parse_decimal(lon.trim())?, parse_decimal(lat.trim())?)
        }
        GeoFormat::Array => {
            let value: serde_json::Value = serde_json::from_str(text).ok()?;
            let items = value.as_array().filter(|items| items.len() == 2)?;
            (json_number(&items[0])?, json_number(&items[1])?)
        }
        GeoFormat::Object => {
            let value: serde_json::Value = serde_json::from_str(text).ok()?;
            let object = value.as_object().filter(|object| object.len() == 2)?;
            (
                json_number(object.get("lon")?)?,
                json_number(object.get("lat")?)?,
            )
        }
    };
    valid_geopoint(lon, lat)
}

/// A JSON number, or a string Python's `Decimal` reads.
fn json_number(value: &serde_json::Value) -> Option<f64> {
    match value {
        serde_json::Value::Number(number) => number.as_f64(),
        serde_json::Value::String(text) => parse_decimal(text.trim()),
        _ => None,
    }
}

/// A structural GeoJSON check: a known `type` with the member it requires.
fn is_geojson(value: &serde_json::Value) -> bool {
    let Some(object) = value.as_object() else {
        return false;
    };
    match object.get("type").and_then(|kind| kind.as_str()) {
        Some(
            "Point" | "MultiPoint" | "LineString" | "MultiLineString" | "Polygon" | "MultiPolygon",
        ) => object
            .get("coordinates")
            .is_some_and(|coordinates| coordinates.is_array()),
        Some("GeometryCollection") => object
            .get("geometries")
            .is_some_and(|items| items.is_array()),
        Some("Feature") => object.contains_key("geometry"),
        Some("FeatureCollection") => object.get("features").is_some_and(|items| items.is_array()),
        _ => false,
    }
}

fn string_format_ok(format: StringFormat, text: &str) -> bool {
    match format {
        StringFormat::Default => true,
        StringFormat::Email => is_email(text),
        StringFormat::Uri => is_uri(text),
        StringFormat::Uuid => is_uuid(text),
        StringFormat::Binary => is_base64(text),
    }
}

/// An absolute URI: frictionless (rfc3986) only requires a scheme.
fn is_uri(text: &str) -> bool {
    let Some((scheme, _)) = text.split_once(':') else {
        return false;
    };
    let mut bytes = scheme.bytes();
    bytes
        .next()
        .is_some_and(|first| first.is_ascii_alphabetic())
        && bytes.all(|byte| byte.is_ascii_alphanumeric() || matches!(byte, b'+' | b'-' | b'.'))
}

/// Python's `uuid.UUID(text)`: optional `urn:uuid:` and braces, hyphens anywhere, 32 hex digits.
fn is_uuid(text: &str) -> bool {
    let text = text.replace("urn:", "").replace("uuid:", "");
    let text = text.trim_matches(|char| char == '{' || char == '}');
    let hex: Vec<u8> = text.bytes().filter(|byte| *byte != b'-').collect();
    hex.len() == 32 && hex.iter().all(u8::is_ascii_hexdigit)
}

/// Python's lenient `base64.b64decode`: other characters are skipped, padding must fit.
fn is_base64(text: &str) -> bool {
    let mut data = 0usize;
    let mut padding = 0usize;
    for byte in text.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'+' | b'/' if padding == 0 => data += 1,
            b'=' => padding += 1,
            _ => {}
        }
    }
    match data % 4 {
        0 => true,
        1 => false,
        remainder => padding >= 4 - remainder,
    }
}

/// The `validators.email` rules frictionless applies: one `@`, a dotted domain whose last
/// label ends with a letter, a local part of allowed characters.
pub(crate) fn is_email(text: &str) -> bool {
    let bytes = text.as_bytes();
    let Some(at) = memchr::memchr(b'@', bytes) else {
        return false;
    };
    if memchr::memchr(b'@', &bytes[at + 1..]).is_some() {
        return false;
    }
    let (local, domain) = (&text[..at], &text[at + 1..]);
    if text.is_ascii() {
        return is_ascii_email(local.as_bytes(), domain.as_bytes());
    }
    is_email_general(local, domain)
}

/// The rules for any text (non-ASCII local parts and domains).
fn is_email_general(local: &str, domain: &str) -> bool {
    if local.is_empty() || local.chars().count() > 64 || domain.len() > 253 {
        return false;
    }
    is_email_domain(domain) && is_email_local(local)
}

/// The same rules as the general path, byte by byte, for the usual all-ASCII address.
fn is_ascii_email(local: &[u8], domain: &[u8]) -> bool {
    let atom_byte =
        |byte: &u8| byte.is_ascii_alphanumeric() || b"!#$%&'*+/=?^_`{}|~-".contains(byte);
    let local_ok = !local.is_empty()
        && local.len() <= 64
        && local
            .split(|byte| *byte == b'.')
            .all(|atom| !atom.is_empty() && atom.iter().all(atom_byte));
    if !local_ok || domain.len() > 253 {
        return false;
    }
    let Some(last_dot) = memchr::memrchr(b'.', domain) else {
        return false;
    };
    let label_ok = |label: &[u8]| {
        !label.is_empty()
            && label.len() <= 63
            && label[0].is_ascii_alphanumeric()
            && label[label.len() - 1].is_ascii_alphanumeric()
            && label
                .iter()
                .all(|byte| byte.is_ascii_alphanumeric() || *byte == b'-')
    };
    let tld = &domain[last_dot + 1..];
    tld.len() >= 2
        && label_ok(tld)
        && tld[tld.len() - 1].is_ascii_alphabetic()
        && domain[..last_dot].split(|byte| *byte == b'.').all(label_ok)
}

fn is_latin_extended(char: char) -> bool {
    matches!(char, '\u{00A0}'..='\u{00FF}' | '\u{0100}'..='\u{024F}')
}

fn is_email_local(local: &str) -> bool {
    if local.chars().next().is_some_and(is_latin_extended) {
        return true;
    }
    let atom_char = |char: char| {
        char.is_ascii_alphanumeric()
            || is_latin_extended(char)
            || "!#$%&'*+/=?^_`{}|~-".contains(char)
    };
    local
        .split('.')
        .all(|atom| !atom.is_empty() && atom.chars().all(atom_char))
}

fn is_email_domain(domain: &str) -> bool {
    if domain.chars().any(char::is_whitespace) || domain.contains("__") {
        return false;
    }
    let Some((subdomains, tld)) = domain.rsplit_once('.') else {
        return false;
    };
    let tld_ok = if tld.is_ascii() {
        let bytes = tld.as_bytes();
        bytes.len() >= 2 && is_domain_label(tld) && bytes[bytes.len() - 1].is_ascii_alphabetic()
    } else {
        is_domain_label(tld)
    };
    tld_ok && subdomains.split('.').all(is_domain_label)
}

/// One label of a domain name; non-ASCII labels become `xn--...` punycode, which the ASCII
/// rule accepts.
fn is_domain_label(label: &str) -> bool {
    if !label.is_ascii() {
        return !label.is_empty()
            && label
                .chars()
                .all(|char| char.is_alphanumeric() || char == '-');
    }
    let bytes = label.as_bytes();
    !bytes.is_empty()
        && bytes.len() <= 63
        && bytes[0].is_ascii_alphanumeric()
        && bytes[bytes.len() - 1].is_ascii_alphanumeric()
        && bytes
            .iter()
            .all(|byte| byte.is_ascii_alphanumeric() || *byte == b'-')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plain() -> NumberFormat {
        NumberFormat {
            decimal_char: ".".into(),
            group_char: String::new(),
            bare_number: true,
            has_options: false,
        }
    }

    #[test]
    fn the_quick_trim_is_str_trim() {
        for text in [
            "",
            " ",
            "1",
            "12",
            " 1",
            "1 ",
            "\t1\n",
            "1\u{a0}",
            "\u{2003}1",
            "é",
            "1é",
            "~x!",
            "\u{1f}1",
        ] {
            assert_eq!(trim(text), text.trim(), "{text:?}");
        }
    }

    #[test]
    fn numbers_follow_python_decimal() {
        for text in ["1", "1.5", " 2.5 ", "1e3", "+3", ".5", "5.", "-0", "1.5e+3"] {
            assert!(cast_number(text, &plain()).is_some(), "{text}");
        }
        for text in ["1,5", "1 000", "0x10", "-", "1.5.2", "1e", "", "."] {
            assert!(cast_number(text, &plain()).is_none(), "{text}");
        }
        assert!(cast_number("NaN", &plain()).unwrap().is_nan());
        assert_eq!(cast_number("-INF", &plain()), Some(f64::NEG_INFINITY));
        let french = NumberFormat {
            decimal_char: ",".into(),
            group_char: " ".into(),
            bare_number: true,
            has_options: true,
        };
        assert_eq!(cast_number(" 1 000,5 ", &french), Some(1000.5));
        assert_eq!(cast_number("1.5", &french), None);
        let currency = NumberFormat {
            decimal_char: ".".into(),
            group_char: String::new(),
            bare_number: false,
            has_options: true,
        };
        assert_eq!(cast_number("€ 12.5", &currency), Some(12.5));
        assert_eq!(cast_number("-3$", &currency), Some(-3.0));
        assert_eq!(cast_number("12.5abc3", &currency), None);
    }

    #[test]
    fn fast_decimal_path_is_exact() {
        for text in [
            "0",
            "-0",
            "1.5",
            "123456789012345",
            "0.1",
            "99.99",
            "-12.5",
            ".5",
            "5.",
            "+3",
            "0.00000000000001",
            "123456.789012345",
        ] {
            assert_eq!(
                parse_simple_decimal(text.as_bytes()),
                Some(text.parse::<f64>().unwrap()),
                "{text}"
            );
        }
        for text in [
            "1e3",
            "1234567890123456",
            "0.000000000000001",
            "1.2.3",
            ".",
            "-",
            "",
            "nan",
        ] {
            assert_eq!(parse_simple_decimal(text.as_bytes()), None, "{text}");
        }
    }

    #[test]
    fn integers() {
        assert_eq!(cast_integer(" 1 ", true), Some(1));
        assert_eq!(cast_integer("+1", true), Some(1));
        assert_eq!(cast_integer("01", true), Some(1));
        assert_eq!(cast_integer("1.0", true), None);
        assert_eq!(cast_integer("12 €", false), Some(12));
        assert_eq!(cast_integer("99999999999999999999", true), None);
    }

    #[test]
    fn string_formats() {
        assert!(is_email("jean.dupont@mairie-paris.fr"));
        assert!(is_email("a@é.fr"));
        for bad in [
            "a@b",
            "a b@c.fr",
            "@b.fr",
            "a@b..fr",
            "a@localhost",
            " a@b.fr",
        ] {
            assert!(!is_email(bad), "{bad}");
        }
        assert!(is_uri("x:") && is_uri("https://a b.fr") && !is_uri("a.fr"));
        assert!(is_uuid("{123e4567-e89b-12d3-a456-426614174000}") && !is_uuid("not"));
        assert!(
            is_base64("aGVsbG8=") && is_base64("!!!") && !is_base64("aGVsbG8") && !is_base64("a")
        );
    }

    #[test]
    fn ascii_email_path_agrees_with_the_general_one() {
        let parts = [
            "", "a", "a.b", ".a", "a.", "a..b", "a-b", "-a", "a-", "a_b", "a b", "ab1", "1a", "é",
            "a+b", "x9",
        ];
        for local in parts {
            for label in parts {
                for tld in ["fr", "f", "f1", "1f", "", "com-", "c-om"] {
                    let domain = format!("{label}.{tld}");
                    if local.is_ascii() && domain.is_ascii() {
                        assert_eq!(
                            is_ascii_email(local.as_bytes(), domain.as_bytes()),
                            is_email_general(local, &domain),
                            "{local}@{domain}"
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn durations() {
        for text in [
            "P1Y",
            "PT1H",
            "P1Y2M3DT4H5M6S",
            "P1.5Y",
            "PT0.5S",
            "PT",
            "-P1D",
            "P1W",
            "P1DT",
            "P1M1W",
        ] {
            assert!(cast_duration(text).is_some(), "{text}");
        }
        for text in ["P", "1D", "P1H", "PT1D", "P1D1Y", "P.5Y"] {
            assert!(cast_duration(text).is_none(), "{text}");
        }
    }
}
