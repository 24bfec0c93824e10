//! Exact decimal numbers read from cell text, for comparing and summing columns.
//!
//! Validata compares and sums the values Frictionless cast: Python `int` and `Decimal`, both
//! exact. An `i128` mantissa with a decimal scale keeps that exactness for any realistic cell.

use std::cmp::Ordering;
use std::fmt;

/// `mantissa × 10^-scale`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Decimal {
    mantissa: i128,
    scale: u32,
}

/// Scales beyond this are refused (the value would not fit any realistic cell anyway).
const MAX_SCALE: u32 = 30;

impl Decimal {
    /// Reads `[+-]digits[.digits][(e|E)[+-]digits]` (also `.5` and `5.`), surrounding
    /// whitespace ignored as Frictionless does; `None` for anything else or too large a value.
    pub fn parse(text: &str) -> Option<Self> {
        let text = text.trim();
        let (negative, unsigned) = match text.as_bytes().first()? {
            b'-' => (true, &text[1..]),
            b'+' => (false, &text[1..]),
            _ => (false, text),
        };
        let (number, exponent) = match unsigned.find(['e', 'E']) {
            Some(at) => (&unsigned[..at], parse_exponent(&unsigned[at + 1..])?),
            None => (unsigned, 0),
        };
        let (whole, fraction) = number.split_once('.').unwrap_or((number, ""));
        let all_digits = |part: &str| part.bytes().all(|b| b.is_ascii_digit());
        if whole.is_empty() && fraction.is_empty() || !all_digits(whole) || !all_digits(fraction) {
            return None;
        }
        let mut mantissa: i128 = 0;
        for digit in whole.bytes().chain(fraction.bytes()) {
            mantissa = mantissa
                .checked_mul(10)?
                .checked_add(i128::from(digit - b'0'))?;
        }
        let scale = i64::try_from(fraction.len()).ok()? - exponent;
        let decimal = if scale >= 0 {
            Decimal {
                mantissa,
                scale: u32::try_from(scale).ok().filter(|s| *s <= MAX_SCALE)?,
            }
        } else {
            let factor = 10i128.checked_pow(u32::try_from(-scale).ok()?)?;
            Decimal {
                mantissa: mantissa.checked_mul(factor)?,
                scale: 0,
            }
        };
        Some(if negative { decimal.negate() } else { decimal })
    }

    pub fn zero() -> Self {
        Decimal {
            mantissa: 0,
            scale: 0,
        }
    }

    fn negate(self) -> Self {
        Decimal {
            mantissa: -self.mantissa,
            ..self
        }
    }

    /// Both mantissas at the larger scale, or `None` on overflow.
    fn aligned(self, other: Self) -> Option<(i128, i128, u32)> {
        let scale = self.scale.max(other.scale);
        let lift = |d: Decimal| d.mantissa.checked_mul(10i128.checked_pow(scale - d.scale)?);
        Some((lift(self)?, lift(other)?, scale))
    }

    pub fn checked_add(self, other: Self) -> Option<Self> {
        let (a, b, scale) = self.aligned(other)?;
        Some(Decimal {
            mantissa: a.checked_add(b)?,
            scale,
        })
    }

    /// Exact comparison; `None` only if aligning the scales overflows.
    pub fn compare(self, other: Self) -> Option<Ordering> {
        let (a, b, _) = self.aligned(other)?;
        Some(a.cmp(&b))
    }
}

fn parse_exponent(text: &str) -> Option<i64> {
    let digits = text.strip_prefix(['+', '-']).unwrap_or(text);
    if digits.is_empty() || digits.len() > 6 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

impl fmt::Display for Decimal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let digits = self.mantissa.unsigned_abs().to_string();
        let sign = if self.mantissa < 0 { "-" } else { "" };
        let scale = self.scale as usize;
        if scale == 0 {
            return write!(f, "{sign}{digits}");
        }
        let padded = format!("{digits:0>width$}", width = scale + 1);
        let (whole, fraction) = padded.split_at(padded.len() - scale);
        write!(f, "{sign}{whole}.{fraction}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(text: &str) -> Decimal {
        Decimal::parse(text).unwrap_or_else(|| panic!("{text} should parse"))
    }

    #[test]
    fn parses_the_number_forms_frictionless_casts() {
        assert_eq!(d("12").to_string(), "12");
        assert_eq!(d(" -0.50 ").to_string(), "-0.50");
        assert_eq!(d("1e3").to_string(), "1000");
        assert_eq!(d("1.5E-2").to_string(), "0.015");
        assert_eq!(d(".5").to_string(), "0.5");
        assert_eq!(d("+7").to_string(), "7");
        for bad in [
            "", "-", ".", "1,5", "abc", "1e", "1e+", "1..2", "--1", "1 000",
        ] {
            assert!(Decimal::parse(bad).is_none(), "{bad:?}");
        }
    }

    #[test]
    fn compares_and_adds_exactly() {
        assert_eq!(d("1.5").compare(d("1.50")), Some(Ordering::Equal));
        assert_eq!(d("10").compare(d("9.99")), Some(Ordering::Greater));
        let sum = d("0.1").checked_add(d("0.2")).unwrap();
        assert_eq!(sum.compare(d("0.3")), Some(Ordering::Equal));
        assert_eq!(
            d("100000000000000000000").compare(d("99999999999999999999")),
            Some(Ordering::Greater)
        );
    }
}
