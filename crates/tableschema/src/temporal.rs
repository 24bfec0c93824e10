//! Dates, times and datetimes: the ISO 8601 forms Table Schema asks for by default, and
//! strftime-style patterns (`%d/%m/%Y`) read the way Python's `strptime` reads them, since
//! that is what schema authors test their patterns with.

use regex::Regex;

use crate::value::{Date, DateTime, Time};

/// Reads `YYYY-MM-DD` exactly (the `default` date format).
pub(crate) fn parse_iso_date(text: &str) -> Option<Date> {
    let bytes = text.as_bytes();
    if bytes.len() != 10 || bytes[4] != b'-' || bytes[7] != b'-' {
        return None;
    }
    let year = digits(&bytes[0..4])?;
    let month = digits(&bytes[5..7])?;
    let day = digits(&bytes[8..10])?;
    Date::new(year as i32, month as u8, day as u8)
}

/// Reads `hh:mm:ss[.fraction][Z|±hh:mm|±hhmm|±hh]` (the `default` time format).
/// `24:00:00` is midnight, as XML Schema allows.
pub(crate) fn parse_iso_time(text: &str) -> Option<Time> {
    let bytes = text.as_bytes();
    if bytes.len() < 8 || bytes[2] != b':' || bytes[5] != b':' {
        return None;
    }
    let hour = digits(&bytes[0..2])? as u8;
    let minute = digits(&bytes[3..5])? as u8;
    let second = digits(&bytes[6..8])? as u8;
    let mut rest = &bytes[8..];
    let mut nanosecond = 0u32;
    if let Some(after_dot) = rest.strip_prefix(b".") {
        let count = after_dot
            .iter()
            .take_while(|byte| byte.is_ascii_digit())
            .count();
        if count == 0 {
            return None;
        }
        for (index, byte) in after_dot[..count].iter().take(9).enumerate() {
            nanosecond += u32::from(byte - b'0') * 10u32.pow(8 - index as u32);
        }
        rest = &after_dot[count..];
    }
    let offset_seconds = parse_offset(rest)?;
    let is_midnight_24 = hour == 24 && minute == 0 && second == 0 && nanosecond == 0;
    if (hour > 23 && !is_midnight_24) || minute > 59 || second > 59 {
        return None;
    }
    Some(Time {
        hour: hour % 24,
        minute,
        second,
        nanosecond,
        offset_seconds,
    })
}

/// Reads `YYYY-MM-DDThh:mm:ss[.fraction][zone]` (the `default` datetime format).
pub(crate) fn parse_iso_datetime(text: &str) -> Option<DateTime> {
    if text.len() < 19 || text.as_bytes()[10] != b'T' || !text.is_char_boundary(10) {
        return None;
    }
    let date = parse_iso_date(&text[..10])?;
    let time = parse_iso_time(&text[11..])?;
    Some(DateTime { date, time })
}

/// An empty slice is a local time (`Some(None)`); `None` means unreadable.
fn parse_offset(bytes: &[u8]) -> Option<Option<i32>> {
    match bytes {
        [] => Some(None),
        [b'Z'] | [b'z'] => Some(Some(0)),
        [sign @ (b'+' | b'-'), rest @ ..] => {
            let (hours, minutes) = match rest {
                [h1, h2] => (digits(&[*h1, *h2])?, 0),
                [h1, h2, m1, m2] => (digits(&[*h1, *h2])?, digits(&[*m1, *m2])?),
                [h1, h2, b':', m1, m2] => (digits(&[*h1, *h2])?, digits(&[*m1, *m2])?),
                _ => return None,
            };
            if hours > 23 || minutes > 59 {
                return None;
            }
            let seconds = (hours * 3600 + minutes * 60) as i32;
            Some(Some(if *sign == b'-' { -seconds } else { seconds }))
        }
        _ => None,
    }
}

/// Parses ASCII digits only (no sign, no spaces).
fn digits(bytes: &[u8]) -> Option<u32> {
    if bytes.is_empty() {
        return None;
    }
    bytes.iter().try_fold(0u32, |total, byte| {
        byte.is_ascii_digit()
            .then(|| total * 10 + u32::from(byte - b'0'))
    })
}

/// The `any` format: a few unambiguous forms (ISO date, ISO datetime's date, `YYYY/MM/DD`).
pub(crate) fn parse_any_date(text: &str) -> Option<Date> {
    let text = text.trim();
    if let Some(date) = parse_iso_date(text) {
        return Some(date);
    }
    if let Some(datetime) = parse_any_datetime(text) {
        return Some(datetime.date);
    }
    if text.len() == 10 && text.as_bytes()[4] == b'/' && text.as_bytes()[7] == b'/' {
        return parse_iso_date(&text.replace('/', "-"));
    }
    None
}

/// The `any` format for datetimes: ISO with `T` or a space, minutes or seconds.
pub(crate) fn parse_any_datetime(text: &str) -> Option<DateTime> {
    let text = text.trim();
    if text.len() < 16 || !text.is_char_boundary(10) || !text.is_char_boundary(11) {
        return None;
    }
    let date = parse_iso_date(&text[..10])?;
    if !matches!(text.as_bytes()[10], b'T' | b' ') {
        return None;
    }
    let time = parse_any_time(&text[11..])?;
    Some(DateTime { date, time })
}

/// The `any` format for times: `hh:mm` or `hh:mm:ss...`.
pub(crate) fn parse_any_time(text: &str) -> Option<Time> {
    let text = text.trim();
    if text.len() == 5 {
        return parse_iso_time(&format!("{text}:00"));
    }
    parse_iso_time(text)
}

/// A pattern of `%Y`, `%m`, `%d`, `%H`, `%M`, `%S`, each followed by one ASCII punctuation
/// character (or ending the pattern), as fixed-width pieces; `None` for any other pattern.
fn fixed_pieces(pattern: &str) -> Option<Vec<FixedPiece>> {
    let mut pieces = Vec::new();
    let mut chars = pattern.chars();
    while let Some(char) = chars.next() {
        let piece = match char {
            '%' => match chars.next()? {
                'Y' => FixedPiece::Number {
                    directive: 'Y',
                    width: 4,
                },
                directive @ ('m' | 'd' | 'H' | 'M' | 'S') => FixedPiece::Number {
                    directive,
                    width: 2,
                },
                _ => return None,
            },
            char if char.is_ascii_punctuation() => FixedPiece::Literal(char as u8),
            _ => return None,
        };
        let follows_number = matches!(pieces.last(), Some(FixedPiece::Number { .. }));
        if follows_number && matches!(piece, FixedPiece::Number { .. }) {
            return None;
        }
        pieces.push(piece);
    }
    Some(pieces)
}

/// A compiled strftime-style pattern, matched like Python's `time.strptime`.
#[derive(Debug, Clone)]
pub(crate) struct Strptime {
    regex: Regex,
    /// Capture group index of each directive of [`DIRECTIVES`], resolved once: looking groups
    /// up by name hashes the name on every cell.
    groups: [Option<usize>; DIRECTIVES.len()],
    /// The pattern as fixed-width pieces, when it is made of numeric directives each followed
    /// by punctuation (`%Y-%m-%d`, `%d/%m/%Y %H:%M` is not: it has a space).
    fixed: Option<Vec<FixedPiece>>,
}

/// A piece of a fixed-width pattern: a numeric directive written with all its digits, or
/// one ASCII punctuation byte.
#[derive(Debug, Clone, Copy)]
enum FixedPiece {
    Number { directive: char, width: usize },
    Literal(u8),
}

/// The directives whose text is read back, each captured by a group named after it.
const DIRECTIVES: [char; 14] = [
    'Y', 'y', 'm', 'b', 'B', 'd', 'j', 'H', 'I', 'p', 'M', 'S', 'f', 'z',
];

impl Strptime {
    /// Translates the pattern into a regex the way CPython's `_strptime` does; `Err` names
    /// the first unsupported directive.
    pub(crate) fn compile(pattern: &str) -> Result<Strptime, String> {
        let mut source = String::from("(?i)^");
        let mut chars = pattern.chars().peekable();
        let mut in_space = false;
        while let Some(char) = chars.next() {
            if char.is_whitespace() {
                if !in_space {
                    source.push_str(r"\s+");
                }
                in_space = true;
                continue;
            }
            in_space = false;
            if char != '%' {
                source.push_str(&regex::escape(&char.to_string()));
                continue;
            }
            let directive = chars.next().ok_or_else(|| "%".to_owned())?;
            let piece = match directive {
                'd' => r"(?P<d>3[0-1]|[1-2]\d|0[1-9]|[1-9]| [1-9])",
                'f' => r"(?P<f>[0-9]{1,6})",
                'H' => r"(?P<H>2[0-3]|[0-1]\d|\d)",
                'I' => r"(?P<I>1[0-2]|0[1-9]|[1-9])",
                'j' => r"(?P<j>36[0-6]|3[0-5]\d|[1-2]\d\d|0[1-9]\d|00[1-9]|[1-9]\d|0[1-9]|[1-9])",
                'm' => r"(?P<m>1[0-2]|0[1-9]|[1-9])",
                'M' => r"(?P<M>[0-5]\d|\d)",
                'S' => r"(?P<S>6[0-1]|[0-5]\d|\d)",
                'y' => r"(?P<y>\d\d)",
                'Y' => r"(?P<Y>\d\d\d\d)",
                'z' => r"(?P<z>[+-]\d\d:?[0-5]\d(?::?[0-5]\d(?:\.\d{1,6})?)?|Z)",
                'p' => r"(?P<p>am|pm)",
                'b' | 'h' => r"(?P<b>jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)",
                'B' => {
                    r"(?P<B>january|february|march|april|may|june|july|august|september|october|november|december)"
                }
                'a' => r"(?:mon|tue|wed|thu|fri|sat|sun)",
                'A' => r"(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)",
                '%' => "%",
                other => return Err(format!("%{other}")),
            };
            if piece.starts_with("(?P<") && source.contains(&piece[..6]) {
                // Python rejects a directive used twice ("redefinition of group name").
                return Err(format!("%{directive}"));
            }
            source.push_str(piece);
        }
        // Python's `match` then "unconverted data remains": the match must cover the text.
        source.push('$');
        let regex = Regex::new(&source).map_err(|error| error.to_string())?;
        let mut groups = [None; DIRECTIVES.len()];
        for (index, name) in regex.capture_names().enumerate() {
            let slot = name.and_then(|name| {
                let mut chars = name.chars();
                let letter = chars.next().filter(|_| chars.next().is_none())?;
                DIRECTIVES.iter().position(|known| *known == letter)
            });
            if let Some(slot) = slot {
                groups[slot] = Some(index);
            }
        }
        Ok(Strptime {
            regex,
            groups,
            fixed: fixed_pieces(pattern),
        })
    }

    /// Reads a datetime; fields absent from the pattern default as in Python (1900-01-01 00:00).
    pub(crate) fn parse(&self, text: &str) -> Option<DateTime> {
        match self.parse_fixed(text) {
            Some(decided) => decided,
            None => self.parse_with_regex(text),
        }
    }

    /// The general path: the regex, then Python's defaults for absent fields.
    fn parse_with_regex(&self, text: &str) -> Option<DateTime> {
        let captures = self.regex.captures(text)?;
        let group = |name: char| {
            let slot = DIRECTIVES.iter().position(|known| *known == name)?;
            captures.get(self.groups[slot]?)
        };
        let number =
            |name: char| group(name).and_then(|found| found.as_str().trim().parse::<u32>().ok());
        let mut year = number('Y').map(|year| year as i32).unwrap_or(1900);
        if let Some(short) = number('y') {
            year = if short < 69 {
                2000 + short as i32
            } else {
                1900 + short as i32
            };
        }
        let month = match (number('m'), group('b').or(group('B'))) {
            (Some(month), _) => month as u8,
            (None, Some(name)) => month_from_name(name.as_str())?,
            (None, None) => 1,
        };
        let mut day = number('d').unwrap_or(1) as u8;
        let mut month = month;
        if let Some(day_of_year) = number('j')
            && number('d').is_none()
            && number('m').is_none()
        {
            let (found_month, found_day) = month_day_from_ordinal(year, day_of_year)?;
            month = found_month;
            day = found_day;
        }
        let mut hour = number('H').unwrap_or(0) as u8;
        if let Some(hour12) = number('I') {
            let is_pm = group('p').is_some_and(|found| found.as_str().eq_ignore_ascii_case("pm"));
            hour = (hour12 % 12) as u8 + if is_pm { 12 } else { 0 };
        }
        let minute = number('M').unwrap_or(0) as u8;
        let second = (number('S').unwrap_or(0)).min(59) as u8;
        let nanosecond = group('f').map_or(0, |found| {
            let digits = found.as_str();
            digits.parse::<u32>().unwrap_or(0) * 10u32.pow(9 - digits.len() as u32)
        });
        let offset_seconds = match group('z') {
            None => None,
            Some(found) => Some(parse_strptime_offset(found.as_str())?),
        };
        let date = Date::new(year, month, day)?;
        Some(DateTime {
            date,
            time: Time {
                hour,
                minute,
                second,
                nanosecond,
                offset_seconds,
            },
        })
    }

    /// The fast path for a text written with every digit (`2024-03-05` for `%Y-%m-%d`):
    /// `Some` with the answer the regex would give, `None` when the text has another shape.
    /// With each directive followed by punctuation, a shorter reading of a directive (`5`
    /// for `%m`) would leave a digit where the punctuation is due, so the full-width reading
    /// is the only possible match.
    fn parse_fixed(&self, text: &str) -> Option<Option<DateTime>> {
        let pieces = self.fixed.as_ref()?;
        let bytes = text.as_bytes();
        let mut values = [None; DIRECTIVES.len()];
        let mut position = 0;
        for piece in pieces {
            match *piece {
                FixedPiece::Literal(byte) => {
                    if bytes.get(position) != Some(&byte) {
                        return None;
                    }
                    position += 1;
                }
                FixedPiece::Number { directive, width } => {
                    let digits = bytes.get(position..position + width)?;
                    if !digits.iter().all(u8::is_ascii_digit) {
                        return None;
                    }
                    let value = digits
                        .iter()
                        .fold(0u32, |value, digit| value * 10 + u32::from(digit - b'0'));
                    let slot = DIRECTIVES.iter().position(|known| *known == directive)?;
                    values[slot] = Some(value);
                    position += width;
                }
            }
        }
        if position != bytes.len() {
            return None;
        }
        let value = |directive: char| {
            let slot = DIRECTIVES.iter().position(|known| *known == directive)?;
            values[slot]
        };
        let in_range = |directive: char, low: u32, high: u32| {
            value(directive).is_none_or(|found| (low..=high).contains(&found))
        };
        // The ranges the regex's alternatives accept for two digits.
        let valid = in_range('m', 1, 12)
            && in_range('d', 1, 31)
            && in_range('H', 0, 23)
            && in_range('M', 0, 59)
            && in_range('S', 0, 61);
        if !valid {
            return Some(None);
        }
        let date = Date::new(
            value('Y').map_or(1900, |year| year as i32),
            value('m').unwrap_or(1) as u8,
            value('d').unwrap_or(1) as u8,
        );
        Some(date.map(|date| DateTime {
            date,
            time: Time {
                hour: value('H').unwrap_or(0) as u8,
                minute: value('M').unwrap_or(0) as u8,
                second: value('S').unwrap_or(0).min(59) as u8,
                nanosecond: 0,
                offset_seconds: None,
            },
        }))
    }
}

fn parse_strptime_offset(text: &str) -> Option<i32> {
    if text.eq_ignore_ascii_case("z") {
        return Some(0);
    }
    let sign = if text.starts_with('-') { -1 } else { 1 };
    let digits_only: String = text[1..]
        .chars()
        .filter(|char| char.is_ascii_digit())
        .collect();
    let hours: i32 = digits_only.get(0..2)?.parse().ok()?;
    let minutes: i32 = digits_only.get(2..4)?.parse().ok()?;
    let seconds: i32 = digits_only
        .get(4..6)
        .and_then(|text| text.parse().ok())
        .unwrap_or(0);
    Some(sign * (hours * 3600 + minutes * 60 + seconds))
}

fn month_from_name(name: &str) -> Option<u8> {
    const NAMES: [&str; 12] = [
        "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
    ];
    let prefix = name.get(..3)?.to_ascii_lowercase();
    NAMES
        .iter()
        .position(|candidate| *candidate == prefix)
        .map(|index| index as u8 + 1)
}

fn month_day_from_ordinal(year: i32, ordinal: u32) -> Option<(u8, u8)> {
    let mut remaining = ordinal;
    for month in 1..=12u8 {
        let length = u32::from(crate::value::days_in_month(year, month));
        if remaining <= length {
            return Some((month, remaining as u8));
        }
        remaining -= length;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso_forms_are_strict() {
        assert!(parse_iso_date("2024-03-05").is_some());
        assert!(parse_iso_date("2024-3-5").is_none());
        assert!(parse_iso_date("2023-02-29").is_none());
        assert!(parse_iso_date("2024-02-29").is_some());
        assert!(parse_iso_time("10:00:00+02:00").is_some());
        assert!(parse_iso_time("10:00:00.5Z").is_some());
        assert!(parse_iso_time("24:00:00").is_some());
        assert!(parse_iso_time("10:60:00").is_none());
        assert!(parse_iso_time("10:00").is_none());
        assert!(parse_iso_datetime("2024-03-05T10:00:00Z").is_some());
        assert!(parse_iso_datetime("2024-03-05T10:00:00é").is_none());
    }

    proptest::proptest! {
        #[test]
        fn fixed_width_fast_path_agrees_with_the_regex(
            pattern in proptest::sample::select(vec![
                "%Y-%m-%d", "%d/%m/%Y", "%Y-%m-%dT%H:%M:%S", "%d.%m.%Y-%H:%M", "%Y%m%d", "%H:%M",
            ]),
            // Few digits, so that borderline values (00, 12, 13, 24, 31, 32, 60...) are frequent.
            digits in proptest::collection::vec(
                proptest::sample::select(vec![0u8, 1, 2, 3, 4, 6, 9]),
                14,
            ),
            shape_noise in proptest::option::of(0usize..20),
        ) {
            let compiled = Strptime::compile(pattern).unwrap();
            // The pattern written out with random digits (some out of range), sometimes damaged.
            let mut digits = digits.into_iter().cycle();
            let mut text = String::new();
            let mut chars = pattern.chars();
            while let Some(char) = chars.next() {
                if char != '%' {
                    text.push(char);
                    continue;
                }
                let width = if chars.next() == Some('Y') { 4 } else { 2 };
                for _ in 0..width {
                    text.push(char::from(b'0' + digits.next().unwrap_or(0)));
                }
            }
            if let Some(cut) = shape_noise.filter(|cut| *cut < text.len()) {
                text.remove(cut);
            }
            proptest::prop_assert_eq!(
                compiled.parse(&text),
                compiled.parse_with_regex(&text),
                "{} on {}", pattern, text
            );
        }
    }

    #[test]
    fn strptime_is_lenient_like_python() {
        let pattern = Strptime::compile("%d/%m/%Y").unwrap();
        assert!(pattern.parse("05/03/2024").is_some());
        assert!(pattern.parse("5/3/2024").is_some());
        assert!(pattern.parse("05/03/24").is_none());
        assert!(pattern.parse("31/02/2024").is_none());
        assert!(pattern.parse("05/03/2024 ").is_none());
        let with_time = Strptime::compile("%d/%m/%Y %H:%M").unwrap();
        assert_eq!(
            with_time.parse("05/03/2024   10:07").unwrap().time.minute,
            7
        );
        assert!(Strptime::compile("%Q").is_err());
    }
}
