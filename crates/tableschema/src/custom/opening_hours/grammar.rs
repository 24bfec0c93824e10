//! A PEG parser for the `opening_hours` grammar exactly as opening-hours-syntax 0.6.18 (the Rust
//! library behind opening-hours-py, which Validata calls) accepts it.
//!
//! Each method below is one rule of that library's `grammar.pest`, with pest's semantics:
//! ordered choice (the first alternative that matches wins, no backtracking into it), greedy
//! repetition, literal-only tokens (no implicit whitespace). The grammar is not recursive, so
//! parsing is linear in the input. After parsing, the library refuses a few constructs while
//! building its rules (`Unsupported`); they are recorded during parsing and discarded when
//! the parser backtracks out of them, so only those in the final parse count.

/// What the parser expected where it stopped (one terminal class of the grammar).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Expected {
    Weekday,
    Time,
    Minutes,
    Month,
    DayNumber,
    Year,
    WeekNumber,
    Number,
    Holiday,
    NthWeekday,
    SunEvent,
    Easter,
    AlwaysOpen,
    State,
    Comment,
    Week,
    Day,
    Symbol(&'static str),
    Space,
    End,
}

impl Expected {
    pub fn fr(self) -> String {
        match self {
            Expected::Weekday => "un jour (Mo, Tu, We, Th, Fr, Sa, Su)".into(),
            Expected::Time => "une heure HH:MM (ex. 09:00)".into(),
            Expected::Minutes => "des minutes sur deux chiffres (00 à 59)".into(),
            Expected::Month => "un mois (Jan, Feb, ..., Dec)".into(),
            Expected::DayNumber => "un numéro de jour (1 à 31)".into(),
            Expected::Year => "une année (AAAA)".into(),
            Expected::WeekNumber => "un numéro de semaine (01 à 53)".into(),
            Expected::Number => "un nombre".into(),
            Expected::Holiday => "PH (jour férié) ou SH (vacances scolaires)".into(),
            Expected::NthWeekday => "un rang de 1 à 5".into(),
            Expected::SunEvent => "sunrise, sunset, dawn ou dusk".into(),
            Expected::Easter => "easter".into(),
            Expected::AlwaysOpen => "24/7".into(),
            Expected::State => "open, closed, off ou unknown".into(),
            Expected::Comment => "un commentaire entre guillemets droits \"...\"".into(),
            Expected::Week => "week".into(),
            Expected::Day => "day ou days".into(),
            Expected::Symbol(symbol) => format!("« {symbol} »"),
            Expected::Space => "une espace".into(),
            Expected::End => "la fin de la valeur".into(),
        }
    }

    pub fn en(self) -> String {
        match self {
            Expected::Weekday => "a weekday (Mo, Tu, We, Th, Fr, Sa, Su)".into(),
            Expected::Time => "a time HH:MM (e.g. 09:00)".into(),
            Expected::Minutes => "two-digit minutes (00 to 59)".into(),
            Expected::Month => "a month (Jan, Feb, ..., Dec)".into(),
            Expected::DayNumber => "a day number (1 to 31)".into(),
            Expected::Year => "a year (YYYY)".into(),
            Expected::WeekNumber => "a week number (01 to 53)".into(),
            Expected::Number => "a number".into(),
            Expected::Holiday => "PH (public holiday) or SH (school holiday)".into(),
            Expected::NthWeekday => "a rank from 1 to 5".into(),
            Expected::SunEvent => "sunrise, sunset, dawn or dusk".into(),
            Expected::Easter => "easter".into(),
            Expected::AlwaysOpen => "24/7".into(),
            Expected::State => "open, closed, off or unknown".into(),
            Expected::Comment => "a comment in straight double quotes \"...\"".into(),
            Expected::Week => "week".into(),
            Expected::Day => "day or days".into(),
            Expected::Symbol(symbol) => format!("`{symbol}`"),
            Expected::Space => "a space".into(),
            Expected::End => "the end of the value".into(),
        }
    }
}

/// Constructs the grammar accepts but the library refuses when building its rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unsupported {
    /// A time without an end (`10:00`, `10:00+`): "point in time".
    PointInTime,
    /// A repetition given in minutes only (`10:00-16:00/30`): the library panics on it, which
    /// crashes Validata's whole validation; `/00:30` is the accepted spelling.
    RepeatInMinutes,
    /// `[-1]`: nth weekday counted from the end of the month.
    NthFromEnd,
    /// `easter-12`: a range from Easter ending on a bare day number.
    EasterThenDayNumber,
    /// A day offset, week step or year step too large for the library.
    NumberTooLarge { max: u64 },
}

/// Where and why the parse failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// No parse: `at` is the byte offset of the furthest position reached.
    Syntax { at: usize, expected: Vec<Expected> },
    /// Parsed, but the library refuses the construct at `start..end` (byte offsets).
    Unsupported {
        start: usize,
        end: usize,
        what: Unsupported,
    },
}

/// Parses `text` as the library does.
pub fn parse(text: &str) -> Result<(), Failure> {
    let mut parser = Parser {
        text,
        pos: 0,
        furthest: 0,
        expected: Vec::new(),
        problems: Vec::new(),
    };
    parser.opening_hours();
    if !parser.end() {
        let mut expected = parser.expected;
        expected.sort();
        return Err(Failure::Syntax {
            at: parser.furthest,
            expected,
        });
    }
    match parser.problems.first() {
        Some(problem) => Err(Failure::Unsupported {
            start: problem.start,
            end: problem.end,
            what: problem.what,
        }),
        None => Ok(()),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum DateFrom {
    Fixed,
    Easter,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum DateTo {
    Date,
    DayNumber,
}

#[derive(Debug)]
struct Problem {
    start: usize,
    end: usize,
    what: Unsupported,
}

struct Parser<'a> {
    text: &'a str,
    pos: usize,
    furthest: usize,
    expected: Vec<Expected>,
    problems: Vec<Problem>,
}

const WEEKDAYS: [&str; 7] = ["Su", "Mo", "Tu", "We", "Th", "Fr", "Sa"];
const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

impl Parser<'_> {
    // ---- machinery

    /// Runs `rule`; on failure, puts the position and the recorded problems back.
    fn attempt(&mut self, rule: impl FnOnce(&mut Self) -> bool) -> bool {
        let (pos, problems) = (self.pos, self.problems.len());
        if rule(self) {
            true
        } else {
            self.pos = pos;
            self.problems.truncate(problems);
            false
        }
    }

    /// `attempt` for rules that return what they matched.
    fn attempt_with<T>(&mut self, rule: impl FnOnce(&mut Self) -> Option<T>) -> Option<T> {
        let (pos, problems) = (self.pos, self.problems.len());
        let result = rule(self);
        if result.is_none() {
            self.pos = pos;
            self.problems.truncate(problems);
        }
        result
    }

    /// Records that `what` was expected here; always `false`.
    fn fail(&mut self, what: Expected) -> bool {
        if self.pos > self.furthest {
            self.furthest = self.pos;
            self.expected.clear();
        }
        if self.pos == self.furthest && !self.expected.contains(&what) {
            self.expected.push(what);
        }
        false
    }

    fn literal(&mut self, literal: &str, what: Expected) -> bool {
        if self.text[self.pos..].starts_with(literal) {
            self.pos += literal.len();
            true
        } else {
            self.fail(what)
        }
    }

    fn symbol(&mut self, symbol: &'static str) -> bool {
        self.literal(symbol, Expected::Symbol(symbol))
    }

    fn byte_in(&mut self, low: u8, high: u8, what: Expected) -> bool {
        match self.text.as_bytes().get(self.pos) {
            Some(byte) if (low..=high).contains(byte) => {
                self.pos += 1;
                true
            }
            _ => self.fail(what),
        }
    }

    fn one_of(&mut self, literals: &[&str], what: Expected) -> bool {
        for literal in literals {
            if self.text[self.pos..].starts_with(literal) {
                self.pos += literal.len();
                return true;
            }
        }
        self.fail(what)
    }

    /// Records an unsupported construct spanning `start..pos`; always `true`.
    fn unsupported(&mut self, start: usize, what: Unsupported) -> bool {
        self.problems.push(Problem {
            start,
            end: self.pos,
            what,
        });
        true
    }

    fn end(&mut self) -> bool {
        self.pos == self.text.len() || self.fail(Expected::End)
    }

    fn space(&mut self) -> bool {
        self.literal(" ", Expected::Space)
    }

    // ---- time domain

    fn opening_hours(&mut self) -> bool {
        self.rule_sequence();
        while self.attempt(|p| p.any_rule_separator() && p.rule_sequence()) {}
        true
    }

    fn rule_sequence(&mut self) -> bool {
        if !self.selector_sequence() {
            return false;
        }
        self.attempt(Self::space);
        self.attempt(Self::rules_modifier);
        true
    }

    fn any_rule_separator(&mut self) -> bool {
        self.attempt(|p| p.symbol(";") && p.space())
            || self.attempt(|p| p.symbol(",") && p.space())
            || self.attempt(|p| {
                p.attempt(Self::space);
                p.symbol("||") && p.space()
            })
    }

    fn rules_modifier(&mut self) -> bool {
        self.attempt(Self::comment)
            || self.attempt(|p| {
                if !p.one_of(&["closed", "off", "open", "unknown"], Expected::State) {
                    return false;
                }
                p.attempt(Self::space);
                p.attempt(Self::comment);
                true
            })
    }

    // ---- selectors

    fn selector_sequence(&mut self) -> bool {
        self.attempt(|p| p.literal("24/7", Expected::AlwaysOpen))
            || self.attempt(|p| {
                p.wide_range_selectors() && {
                    p.attempt(Self::small_range_selectors);
                    true
                }
            })
    }

    fn wide_range_selectors(&mut self) -> bool {
        self.attempt(|p| p.comment() && p.symbol(":"))
            || self.attempt(|p| {
                p.monthday_selector() && {
                    p.attempt(Self::week_selector);
                    p.attempt(Self::separator_for_readability);
                    true
                }
            })
            || self.attempt(|p| {
                p.attempt(Self::year_selector);
                p.attempt(Self::monthday_selector);
                p.attempt(Self::week_selector);
                p.attempt(Self::separator_for_readability);
                true
            })
    }

    fn separator_for_readability(&mut self) -> bool {
        self.space() || self.symbol(": ") || self.symbol(":")
    }

    fn small_range_selectors(&mut self) -> bool {
        self.attempt(|p| p.weekday_selector() && p.space() && p.time_selector())
            || self.attempt(Self::weekday_selector)
            || self.attempt(Self::time_selector)
    }

    // ---- time selector

    fn time_selector(&mut self) -> bool {
        if !self.timespan() {
            return false;
        }
        while self.attempt(|p| p.symbol(",") && p.timespan()) {}
        true
    }

    fn timespan(&mut self) -> bool {
        let start = self.pos;
        let range = |p: &mut Self| p.time() && p.symbol("-") && p.extended_time();
        self.attempt(|p| range(p) && p.symbol("/") && p.hour_minutes())
            || self.attempt(|p| {
                range(p)
                    && p.symbol("/")
                    && p.minute()
                    && p.unsupported(start, Unsupported::RepeatInMinutes)
            })
            || self.attempt(|p| range(p) && p.symbol("+"))
            || self.attempt(range)
            || self.attempt(|p| {
                p.time() && p.symbol("+") && p.unsupported(start, Unsupported::PointInTime)
            })
            || self.attempt(|p| p.time() && p.unsupported(start, Unsupported::PointInTime))
    }

    fn time(&mut self) -> bool {
        self.attempt(Self::hour_minutes) || self.attempt(Self::variable_time)
    }

    fn extended_time(&mut self) -> bool {
        self.attempt(Self::extended_hour_minutes) || self.attempt(Self::variable_time)
    }

    fn variable_time(&mut self) -> bool {
        self.attempt(|p| {
            p.symbol("(") && p.event() && p.plus_or_minus() && p.hour_minutes() && p.symbol(")")
        }) || self.attempt(Self::event)
    }

    fn event(&mut self) -> bool {
        self.one_of(&["dawn", "sunrise", "sunset", "dusk"], Expected::SunEvent)
    }

    // ---- weekday selector

    fn weekday_selector(&mut self) -> bool {
        self.attempt(|p| {
            p.holiday_sequence() && {
                p.attempt(|p| p.symbol(",") && p.weekday_sequence());
                true
            }
        }) || self.attempt(|p| {
            p.weekday_sequence() && {
                p.attempt(|p| p.symbol(",") && p.holiday_sequence());
                true
            }
        }) || self.attempt(|p| p.holiday_sequence() && p.space() && p.weekday_sequence())
    }

    fn weekday_sequence(&mut self) -> bool {
        if !self.weekday_range() {
            return false;
        }
        while self.attempt(|p| p.symbol(",") && p.weekday_range()) {}
        true
    }

    fn weekday_range(&mut self) -> bool {
        self.attempt(|p| {
            if !(p.wday() && p.symbol("[") && p.nth_entry()) {
                return false;
            }
            while p.attempt(|p| p.symbol(",") && p.nth_entry()) {}
            p.symbol("]") && {
                p.attempt(Self::day_offset);
                true
            }
        }) || self.attempt(|p| p.wday() && p.symbol("-") && p.wday())
            || self.attempt(Self::wday)
    }

    fn holiday_sequence(&mut self) -> bool {
        if !self.holiday() {
            return false;
        }
        while self.attempt(|p| p.symbol(",") && p.holiday()) {}
        true
    }

    fn holiday(&mut self) -> bool {
        self.attempt(|p| {
            p.literal("PH", Expected::Holiday) && {
                p.attempt(Self::day_offset);
                true
            }
        }) || self.attempt(|p| p.literal("SH", Expected::Holiday))
    }

    fn nth_entry(&mut self) -> bool {
        let start = self.pos;
        self.attempt(|p| p.nth() && p.symbol("-") && p.nth())
            || self.attempt(|p| {
                p.symbol("-") && p.nth() && p.unsupported(start, Unsupported::NthFromEnd)
            })
            || self.attempt(Self::nth)
    }

    fn nth(&mut self) -> bool {
        self.byte_in(b'1', b'5', Expected::NthWeekday)
    }

    fn day_offset(&mut self) -> bool {
        let start = self.pos;
        if !(self.space() && self.plus_or_minus()) {
            return false;
        }
        let Some(value) = self.positive_number() else {
            return false;
        };
        if !(self.space() && self.literal("day", Expected::Day)) {
            return false;
        }
        self.literal("s", Expected::Day);
        // The library reads the number as u64, then needs it in i64.
        self.check_at_most(start, value, i64::MAX as u64)
    }

    // ---- week selector

    fn week_selector(&mut self) -> bool {
        if !(self.literal("week", Expected::Week) && self.week()) {
            return false;
        }
        while self.attempt(|p| p.symbol(",") && p.week()) {}
        true
    }

    fn week(&mut self) -> bool {
        if !self.weeknum() {
            return false;
        }
        self.attempt(|p| {
            p.symbol("-") && p.weeknum() && {
                p.attempt(|p| p.step(u64::from(u8::MAX)));
                true
            }
        });
        true
    }

    /// `"/" ~ positive_number`, the number being at most `max`.
    fn step(&mut self, max: u64) -> bool {
        let start = self.pos;
        self.symbol("/")
            && self
                .positive_number()
                .is_some_and(|value| self.check_at_most(start, value, max))
    }

    fn check_at_most(&mut self, start: usize, value: Option<u64>, max: u64) -> bool {
        if value.is_none_or(|value| value > max) {
            self.unsupported(start, Unsupported::NumberTooLarge { max });
        }
        true
    }

    fn weeknum(&mut self) -> bool {
        let what = Expected::WeekNumber;
        self.attempt(|p| p.literal("0", what) && p.byte_in(b'1', b'9', what))
            || self.attempt(|p| p.byte_in(b'1', b'4', what) && p.byte_in(b'0', b'9', what))
            || self.attempt(|p| p.literal("5", what) && p.byte_in(b'0', b'3', what))
    }

    // ---- month selector

    fn monthday_selector(&mut self) -> bool {
        if !self.monthday_range() {
            return false;
        }
        while self.attempt(|p| p.symbol(",") && p.monthday_range()) {}
        true
    }

    fn monthday_range(&mut self) -> bool {
        let start = self.pos;
        self.attempt(|p| {
            let Some(from) = p.date_from() else {
                return false;
            };
            p.attempt(Self::date_offset);
            p.attempt(Self::space);
            if !p.symbol("-") {
                return false;
            }
            p.attempt(Self::space);
            let Some(to) = p.date_to() else {
                return false;
            };
            if from == DateFrom::Easter && to == DateTo::DayNumber {
                p.unsupported(start, Unsupported::EasterThenDayNumber);
            }
            p.attempt(Self::date_offset);
            true
        }) || self.attempt(|p| {
            p.date_from().is_some() && p.date_offset() && {
                p.symbol("+");
                true
            }
        }) || self.attempt(|p| {
            p.date_from().is_some() && {
                p.symbol("+");
                true
            }
        }) || self.attempt(|p| {
            p.attempt(Self::year);
            p.month() && {
                p.attempt(|p| p.symbol("-") && p.month());
                true
            }
        })
    }

    fn date_offset(&mut self) -> bool {
        self.attempt(|p| p.plus_or_minus() && p.wday() && p.day_offset())
            || self.attempt(|p| p.plus_or_minus() && p.wday())
            || self.attempt(Self::day_offset)
    }

    fn date_from(&mut self) -> Option<DateFrom> {
        let fixed = |p: &mut Self| {
            p.attempt(|p| {
                p.year() && {
                    p.space();
                    true
                }
            });
            let matched = p.month() && {
                p.space();
                p.daynum()
            };
            matched.then_some(DateFrom::Fixed)
        };
        let easter = |p: &mut Self| {
            p.attempt(Self::year);
            p.literal("easter", Expected::Easter)
                .then_some(DateFrom::Easter)
        };
        self.attempt_with(fixed)
            .or_else(|| self.attempt_with(easter))
    }

    fn date_to(&mut self) -> Option<DateTo> {
        self.attempt_with(|p| p.date_from().map(|_| DateTo::Date))
            .or_else(|| self.attempt_with(|p| p.daynum().then_some(DateTo::DayNumber)))
    }

    // ---- year selector

    fn year_selector(&mut self) -> bool {
        if !self.year_range() {
            return false;
        }
        while self.attempt(|p| p.symbol(",") && p.year_range()) {}
        true
    }

    fn year_range(&mut self) -> bool {
        self.attempt(|p| p.year() && p.symbol("+"))
            || self.attempt(|p| {
                p.year() && {
                    p.attempt(|p| {
                        p.symbol("-") && p.year() && {
                            p.attempt(|p| p.step(u64::from(u16::MAX)));
                            true
                        }
                    });
                    true
                }
            })
    }

    // ---- basic elements

    fn plus_or_minus(&mut self) -> bool {
        self.symbol("+") || self.symbol("-")
    }

    fn hour(&mut self) -> bool {
        let what = Expected::Time;
        self.attempt(|p| p.byte_in(b'0', b'1', what) && p.byte_in(b'0', b'9', what))
            || self.attempt(|p| p.literal("2", what) && p.byte_in(b'0', b'4', what))
    }

    fn extended_hour(&mut self) -> bool {
        let what = Expected::Time;
        self.attempt(|p| p.byte_in(b'0', b'3', what) && p.byte_in(b'0', b'9', what))
            || self.attempt(|p| p.literal("4", what) && p.byte_in(b'0', b'8', what))
    }

    fn minute(&mut self) -> bool {
        let what = Expected::Minutes;
        self.attempt(|p| p.byte_in(b'0', b'5', what) && p.byte_in(b'0', b'9', what))
    }

    fn hour_minutes(&mut self) -> bool {
        self.attempt(|p| p.hour() && p.symbol(":") && p.minute())
    }

    fn extended_hour_minutes(&mut self) -> bool {
        self.attempt(|p| p.extended_hour() && p.symbol(":") && p.minute())
    }

    fn wday(&mut self) -> bool {
        self.one_of(&WEEKDAYS, Expected::Weekday)
    }

    fn month(&mut self) -> bool {
        self.one_of(&MONTHS, Expected::Month)
    }

    fn daynum(&mut self) -> bool {
        let what = Expected::DayNumber;
        self.attempt(|p| p.byte_in(b'0', b'2', what) && p.byte_in(b'0', b'9', what))
            || self.attempt(|p| p.literal("3", what) && p.byte_in(b'0', b'1', what))
            || self.byte_in(b'0', b'9', what)
    }

    fn year(&mut self) -> bool {
        let what = Expected::Year;
        let digit = |p: &mut Self| p.byte_in(b'0', b'9', what);
        self.attempt(|p| p.literal("19", what) && digit(p) && digit(p))
            || self.attempt(|p| p.byte_in(b'2', b'9', what) && digit(p) && digit(p) && digit(p))
    }

    /// `"0"* ~ ASCII_NONZERO_DIGIT ~ ASCII_DIGIT*`; `Some(None)` when it does not fit a u64.
    fn positive_number(&mut self) -> Option<Option<u64>> {
        self.attempt_with(|p| {
            while p.literal("0", Expected::Number) {}
            let start = p.pos;
            if !p.byte_in(b'1', b'9', Expected::Number) {
                return None;
            }
            while p.byte_in(b'0', b'9', Expected::Number) {}
            Some(p.text[start..p.pos].parse::<u64>().ok())
        })
    }

    fn comment(&mut self) -> bool {
        self.attempt(|p| {
            if !p.literal("\"", Expected::Comment) {
                return false;
            }
            let inner = p.text[p.pos..].find('"').unwrap_or(p.text.len() - p.pos);
            if inner == 0 {
                return p.fail(Expected::Comment);
            }
            p.pos += inner;
            p.symbol("\"")
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn follows_pest_ordered_choice() {
        // `PH Mo`: the first weekday_selector alternative takes `PH` and never backtracks.
        assert!(parse("PH Mo").is_err());
        assert!(parse("PH,Mo 10:00-12:00").is_ok());
        // daynum `3` then `2` left over.
        assert!(parse("Jan 32").is_err());
    }

    #[test]
    fn empty_rules_are_accepted_like_the_library() {
        assert_eq!(parse(""), Ok(()));
        assert_eq!(parse(" "), Ok(()));
        assert_eq!(parse("Mo-Fr 10:00-12:00; "), Ok(()));
        assert!(parse("Mo-Fr 10:00-12:00;").is_err());
    }

    #[test]
    fn records_unsupported_constructs_only_in_the_final_parse() {
        assert!(matches!(
            parse("10:00"),
            Err(Failure::Unsupported {
                what: Unsupported::PointInTime,
                ..
            })
        ));
        assert!(matches!(
            parse("10:00-16:00/30"),
            Err(Failure::Unsupported {
                what: Unsupported::RepeatInMinutes,
                ..
            })
        ));
        assert_eq!(parse("10:00-16:00/01:30"), Ok(()));
        assert!(matches!(
            parse("PH +9223372036854775808 days"),
            Err(Failure::Unsupported {
                what: Unsupported::NumberTooLarge { .. },
                ..
            })
        ));
        assert_eq!(parse("PH +9223372036854775807 days"), Ok(()));
    }

    #[test]
    fn syntax_errors_point_at_the_furthest_position() {
        let Err(Failure::Syntax { at, expected }) = parse("Mo 9:00-12:00") else {
            panic!("`9:00` has a one-digit hour");
        };
        assert_eq!(at, 3);
        assert!(expected.contains(&Expected::Time), "{expected:?}");
    }
}
