//! Checking and normalising the text of `date'…'` literals (no calendar library needed for this).

use super::lexer::TokenKind;

/// `YYYY-MM-DD` → `Date`; `YYYY-MM-DD[T ]HH:MM[:SS[.fff]][Z|±HH:MM]` → `DateTime` normalised to
/// `YYYY-MM-DDTHH:MM:SS[.fff][Z|±HH:MM]` (upper-case `T` and `Z`, seconds always present).
pub(crate) fn parse_date_literal(text: &str) -> Option<TokenKind> {
    if !text.is_ascii() || text.len() < 10 {
        return None;
    }
    let (date, rest) = text.split_at(10);
    if !is_valid_date(date) {
        return None;
    }
    if rest.is_empty() {
        return Some(TokenKind::Date(date.to_string()));
    }
    let rest = rest.strip_prefix(['T', 't', ' '])?;
    let time = normalise_time(rest)?;
    Some(TokenKind::DateTime(format!("{date}T{time}")))
}

/// The meaning of `text` as the inside of a `date'…'` literal: `Literal::Date` or a normalised
/// `Literal::DateTime`, or `None` when it is not a valid date. Lets the compiler accept dates
/// written as plain strings (`date >= "2024-03-05"`).
pub fn parse_date_text(text: &str) -> Option<super::Literal> {
    match parse_date_literal(text)? {
        TokenKind::Date(d) => Some(super::Literal::Date(d)),
        TokenKind::DateTime(d) => Some(super::Literal::DateTime(d)),
        _ => None,
    }
}

/// `YYYY-MM-DD` with a real month and day (leap years included).
pub fn is_valid_date(date: &str) -> bool {
    let b = date.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return false;
    }
    let (Some(year), Some(month), Some(day)) = (
        digits(&date[0..4]),
        digits(&date[5..7]),
        digits(&date[8..10]),
    ) else {
        return false;
    };
    (1..=12).contains(&month) && day >= 1 && day <= days_in_month(year, month)
}

pub fn days_in_month(year: u32, month: u32) -> u32 {
    match month {
        4 | 6 | 9 | 11 => 30,
        2 if year.is_multiple_of(4) && (!year.is_multiple_of(100) || year.is_multiple_of(400)) => {
            29
        }
        2 => 28,
        _ => 31,
    }
}

fn digits(s: &str) -> Option<u32> {
    if s.bytes().all(|b| b.is_ascii_digit()) {
        s.parse().ok()
    } else {
        None
    }
}

fn normalise_time(rest: &str) -> Option<String> {
    let (clock, offset) = split_offset(rest)?;
    let (hms, fraction) = match clock.split_once('.') {
        Some((hms, fraction))
            if !fraction.is_empty() && fraction.bytes().all(|b| b.is_ascii_digit()) =>
        {
            (hms, Some(fraction))
        }
        Some(_) => return None,
        None => (clock, None),
    };
    let parts: Vec<&str> = hms.split(':').collect();
    let (h, m, s) = match parts.as_slice() {
        [h, m] if fraction.is_none() => (*h, *m, "00"),
        [h, m, s] => (*h, *m, *s),
        _ => return None,
    };
    let in_range = |t: &str, max: u32| t.len() == 2 && digits(t).is_some_and(|v| v <= max);
    if !(in_range(h, 23) && in_range(m, 59) && in_range(s, 59)) {
        return None;
    }
    let mut out = format!("{h}:{m}:{s}");
    if let Some(fraction) = fraction {
        out.push('.');
        out.push_str(fraction);
    }
    out.push_str(&offset);
    Some(out)
}

/// Splits `10:00:00+02:00` into (`10:00:00`, `+02:00`); `Z`/`z` becomes `Z`.
fn split_offset(rest: &str) -> Option<(&str, String)> {
    if let Some(clock) = rest.strip_suffix(['Z', 'z']) {
        return Some((clock, "Z".to_string()));
    }
    match rest.rfind(['+', '-']) {
        Some(at) => {
            let offset = &rest[at..];
            let b = offset.as_bytes();
            let valid = b.len() == 6
                && b[3] == b':'
                && digits(&offset[1..3]).is_some_and(|h| h <= 23)
                && digits(&offset[4..6]).is_some_and(|m| m <= 59);
            valid.then(|| (&rest[..at], offset.to_string()))
        }
        None => Some((rest, String::new())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_checked_against_the_calendar() {
        assert!(is_valid_date("2024-02-29"));
        assert!(!is_valid_date("2023-02-29"));
        assert!(!is_valid_date("1900-02-29"));
        assert!(is_valid_date("2000-02-29"));
        assert!(!is_valid_date("2024-13-01"));
        assert!(!is_valid_date("2024-04-31"));
        assert!(!is_valid_date("2024-4-01"));
    }

    #[test]
    fn date_times_are_normalised() {
        let dt = |s: &str| match parse_date_literal(s) {
            Some(TokenKind::DateTime(t)) => Some(t),
            _ => None,
        };
        assert_eq!(
            dt("2024-03-05t10:00").as_deref(),
            Some("2024-03-05T10:00:00")
        );
        assert_eq!(
            dt("2024-03-05 10:00:07.25z").as_deref(),
            Some("2024-03-05T10:00:07.25Z")
        );
        assert_eq!(
            dt("2024-03-05T10:00:00+02:00").as_deref(),
            Some("2024-03-05T10:00:00+02:00")
        );
        assert_eq!(dt("2024-03-05T24:00:00"), None);
        assert_eq!(dt("2024-03-05T10"), None);
        assert_eq!(dt("2024-03-05T10:00:00+2"), None);
        assert_eq!(
            parse_date_literal("2024-03-05"),
            Some(TokenKind::Date("2024-03-05".into()))
        );
    }
}
