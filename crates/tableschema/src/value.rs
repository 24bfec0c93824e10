//! Typed cell values: what a cell's text means once cast by its field.

use std::borrow::Cow;
use std::cmp::Ordering;

/// A calendar date (proleptic Gregorian, years 0..=9999 as Python's `date` allows 1..=9999).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    pub year: i32,
    pub month: u8,
    pub day: u8,
}

/// A time of day, with an optional UTC offset in seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Time {
    pub hour: u8,
    pub minute: u8,
    pub second: u8,
    pub nanosecond: u32,
    /// Offset from UTC in seconds; `None` for a local ("naive") time.
    pub offset_seconds: Option<i32>,
}

/// A date and a time of day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct DateTime {
    pub date: Date,
    pub time: Time,
}

/// An ISO 8601 duration, component by component (months cannot be converted to seconds).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Duration {
    pub negative: bool,
    pub years: f64,
    pub months: f64,
    pub weeks: f64,
    pub days: f64,
    pub hours: f64,
    pub minutes: f64,
    pub seconds: f64,
}

/// A point on Earth: longitude then latitude, in degrees.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GeoPoint {
    pub lon: f64,
    pub lat: f64,
}

/// A cast value that owns nothing, as the fast path of a row's check makes it for the common
/// types: handed to a [`ValueSink`](crate::ValueSink) by copy, with no [`Value`] built and
/// dropped per cell (the drop alone was an out-of-line call for every cell of a load).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Scalar<'a> {
    String(&'a str),
    Boolean(bool),
    Integer(i64),
    Number(f64),
    Date(Date),
    Time(Time),
    DateTime(DateTime),
}

impl<'a> From<Scalar<'a>> for Value<'a> {
    fn from(scalar: Scalar<'a>) -> Value<'a> {
        match scalar {
            Scalar::String(text) => Value::String(Cow::Borrowed(text)),
            Scalar::Boolean(value) => Value::Boolean(value),
            Scalar::Integer(value) => Value::Integer(value),
            Scalar::Number(value) => Value::Number(value),
            Scalar::Date(value) => Value::Date(value),
            Scalar::Time(value) => Value::Time(value),
            Scalar::DateTime(value) => Value::DateTime(value),
        }
    }
}

/// The value of one cell after casting. Borrows the cell text for strings, so casting a
/// string cell does not allocate.
#[derive(Debug, Clone, PartialEq)]
pub enum Value<'a> {
    /// A missing value (one of the field's `missingValues`, or an absent cell).
    Null,
    Boolean(bool),
    Integer(i64),
    /// A number; `NaN` and infinities are allowed, as Table Schema says.
    Number(f64),
    String(Cow<'a, str>),
    Date(Date),
    Time(Time),
    DateTime(DateTime),
    Year(i32),
    YearMonth {
        year: i32,
        month: u8,
    },
    /// Boxed: durations are rare and would double the size of every value.
    Duration(Box<Duration>),
    GeoPoint(GeoPoint),
    /// `object`, `array` and `geojson` values.
    Json(serde_json::Value),
    /// `list` values: the items cast with the list's `itemType`.
    List(Vec<Value<'a>>),
}

impl Value<'_> {
    /// True for [`Value::Null`].
    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    /// Copies borrowed text so the value can outlive the row it came from.
    pub fn into_owned(self) -> Value<'static> {
        match self {
            Value::Null => Value::Null,
            Value::Boolean(value) => Value::Boolean(value),
            Value::Integer(value) => Value::Integer(value),
            Value::Number(value) => Value::Number(value),
            Value::String(text) => Value::String(Cow::Owned(text.into_owned())),
            Value::Date(value) => Value::Date(value),
            Value::Time(value) => Value::Time(value),
            Value::DateTime(value) => Value::DateTime(value),
            Value::Year(value) => Value::Year(value),
            Value::YearMonth { year, month } => Value::YearMonth { year, month },
            Value::Duration(value) => Value::Duration(value),
            Value::GeoPoint(value) => Value::GeoPoint(value),
            Value::Json(value) => Value::Json(value),
            Value::List(items) => Value::List(items.into_iter().map(Value::into_owned).collect()),
        }
    }

    /// Orders two values of the same kind (for `minimum`/`maximum`); `None` when they cannot
    /// be compared (different kinds, NaN).
    pub fn compare(&self, other: &Value<'_>) -> Option<Ordering> {
        match (self, other) {
            (Value::Integer(a), Value::Integer(b)) => Some(a.cmp(b)),
            (Value::Number(a), Value::Number(b)) => a.partial_cmp(b),
            (Value::Integer(a), Value::Number(b)) => (*a as f64).partial_cmp(b),
            (Value::Number(a), Value::Integer(b)) => a.partial_cmp(&(*b as f64)),
            (Value::String(a), Value::String(b)) => Some(a.cmp(b)),
            (Value::Date(a), Value::Date(b)) => Some(a.cmp(b)),
            (Value::Time(a), Value::Time(b)) => Some(time_key(a).cmp(&time_key(b))),
            (Value::DateTime(a), Value::DateTime(b)) => Some(datetime_key(a).cmp(&datetime_key(b))),
            (Value::Year(a), Value::Year(b)) => Some(a.cmp(b)),
            (
                Value::YearMonth {
                    year: ya,
                    month: ma,
                },
                Value::YearMonth {
                    year: yb,
                    month: mb,
                },
            ) => Some((ya, ma).cmp(&(yb, mb))),
            (Value::Boolean(a), Value::Boolean(b)) => Some(a.cmp(b)),
            _ => None,
        }
    }

    /// Equality as Table Schema's `enum` means it: typed, numbers compared by value.
    pub fn same_as(&self, other: &Value<'_>) -> bool {
        match (self, other) {
            (Value::Number(_) | Value::Integer(_), Value::Number(_) | Value::Integer(_)) => {
                self.compare(other) == Some(Ordering::Equal)
            }
            (Value::Time(_), Value::Time(_)) | (Value::DateTime(_), Value::DateTime(_)) => {
                self.compare(other) == Some(Ordering::Equal)
            }
            (Value::List(a), Value::List(b)) => {
                a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.same_as(y))
            }
            _ => self == other,
        }
    }
}

/// Seconds since midnight UTC (local times taken as UTC), with nanoseconds, for ordering.
fn time_key(time: &Time) -> (i64, u32) {
    let seconds =
        i64::from(time.hour) * 3600 + i64::from(time.minute) * 60 + i64::from(time.second)
            - i64::from(time.offset_seconds.unwrap_or(0));
    (seconds, time.nanosecond)
}

fn datetime_key(value: &DateTime) -> (i64, u32) {
    let days = days_from_civil(value.date.year, value.date.month, value.date.day);
    let (seconds, nanos) = time_key(&value.time);
    (days * 86_400 + seconds, nanos)
}

/// Days since 1970-01-01 (Howard Hinnant's algorithm).
pub(crate) fn days_from_civil(year: i32, month: u8, day: u8) -> i64 {
    let year = i64::from(year) - i64::from(month <= 2);
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let month = i64::from(month);
    let day_of_year =
        (153 * (if month > 2 { month - 3 } else { month + 9 }) + 2) / 5 + i64::from(day) - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// Number of days in a month of a year, or 0 for a month outside 1..=12.
pub(crate) fn days_in_month(year: i32, month: u8) -> u8 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        _ => 0,
    }
}

impl Date {
    /// A checked date; `None` when the day does not exist (e.g. 2023-02-29).
    pub fn new(year: i32, month: u8, day: u8) -> Option<Date> {
        let valid = (1..=9999).contains(&year) && day >= 1 && day <= days_in_month(year, month);
        valid.then_some(Date { year, month, day })
    }
}

impl std::fmt::Display for Date {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            formatter,
            "{:04}-{:02}-{:02}",
            self.year, self.month, self.day
        )
    }
}

impl std::fmt::Display for Time {
    /// ISO 8601: `hh:mm:ss[.fraction][Z|±hh:mm]`.
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            formatter,
            "{:02}:{:02}:{:02}",
            self.hour, self.minute, self.second
        )?;
        if self.nanosecond != 0 {
            let fraction = format!("{:09}", self.nanosecond);
            write!(formatter, ".{}", fraction.trim_end_matches('0'))?;
        }
        match self.offset_seconds {
            None => Ok(()),
            Some(0) => write!(formatter, "Z"),
            Some(offset) => {
                let sign = if offset < 0 { '-' } else { '+' };
                let minutes = offset.unsigned_abs() / 60;
                write!(formatter, "{sign}{:02}:{:02}", minutes / 60, minutes % 60)
            }
        }
    }
}

impl std::fmt::Display for DateTime {
    /// ISO 8601: `YYYY-MM-DDThh:mm:ss[.fraction][zone]`.
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(formatter, "{}T{}", self.date, self.time)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn temporal_values_display_as_iso() {
        let time = Time {
            hour: 9,
            minute: 5,
            second: 0,
            nanosecond: 500_000_000,
            offset_seconds: Some(-5400),
        };
        assert_eq!(time.to_string(), "09:05:00.5-01:30");
        let date = Date::new(2024, 2, 29).unwrap();
        let naive = Time {
            offset_seconds: None,
            nanosecond: 0,
            ..time
        };
        assert_eq!(
            DateTime { date, time: naive }.to_string(),
            "2024-02-29T09:05:00"
        );
        assert!(Date::new(2023, 2, 29).is_none());
    }
}
