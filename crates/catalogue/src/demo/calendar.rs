//! Just enough civil-calendar arithmetic (proleptic Gregorian) to lay out school days and
//! council sessions, without a date crate.

/// A calendar day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Day {
    pub(crate) year: i32,
    pub(crate) month: u32,
    pub(crate) day: u32,
}

/// Monday = 0 ... Sunday = 6.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Weekday {
    Monday,
    Tuesday,
    Wednesday,
    Thursday,
    Friday,
    Saturday,
    Sunday,
}

impl Day {
    pub(crate) const fn new(year: i32, month: u32, day: u32) -> Day {
        Day { year, month, day }
    }

    /// Days since 1970-01-01 (Howard Hinnant's `days_from_civil`).
    fn ordinal(self) -> i64 {
        let year = i64::from(self.year) - i64::from(self.month <= 2);
        let era = year.div_euclid(400);
        let year_of_era = year - era * 400;
        let month = i64::from(self.month);
        let day_of_year = (153 * (if month > 2 { month - 3 } else { month + 9 }) + 2) / 5
            + i64::from(self.day)
            - 1;
        let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
        era * 146_097 + day_of_era - 719_468
    }

    /// The inverse of `ordinal` (`civil_from_days`).
    fn from_ordinal(days: i64) -> Day {
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let day_of_era = z - era * 146_097;
        let year_of_era =
            (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
        let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
        let mp = (5 * day_of_year + 2) / 153;
        let day = (day_of_year - (153 * mp + 2) / 5 + 1) as u32;
        let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
        let year = (year_of_era + era * 400 + i64::from(month <= 2)) as i32;
        Day { year, month, day }
    }

    pub(crate) fn plus_days(self, days: i64) -> Day {
        Day::from_ordinal(self.ordinal() + days)
    }

    pub(crate) fn weekday(self) -> Weekday {
        // 1970-01-01 was a Thursday.
        match (self.ordinal() + 3).rem_euclid(7) {
            0 => Weekday::Monday,
            1 => Weekday::Tuesday,
            2 => Weekday::Wednesday,
            3 => Weekday::Thursday,
            4 => Weekday::Friday,
            5 => Weekday::Saturday,
            _ => Weekday::Sunday,
        }
    }

    /// `AAAA-MM-JJ`, the form every SCDL schema expects.
    pub(crate) fn iso(self) -> String {
        format!("{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }

    /// `JJ/MM/AAAA`, the French habit the demo's imperfect file reproduces.
    pub(crate) fn french(self) -> String {
        format!("{:02}/{:02}/{:04}", self.day, self.month, self.year)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weekdays_and_arithmetic_match_the_calendar() {
        assert_eq!(Day::new(2026, 11, 2).weekday(), Weekday::Monday);
        assert_eq!(Day::new(2024, 2, 29).weekday(), Weekday::Thursday);
        assert_eq!(Day::new(2026, 12, 31).plus_days(1), Day::new(2027, 1, 1));
        assert_eq!(Day::new(2024, 2, 28).plus_days(1), Day::new(2024, 2, 29));
        assert_eq!(Day::new(2026, 3, 1).plus_days(-1), Day::new(2026, 2, 28));
        assert_eq!(Day::new(2026, 1, 5).iso(), "2026-01-05");
        assert_eq!(Day::new(2026, 1, 5).french(), "05/01/2026");
    }
}
