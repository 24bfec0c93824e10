//! The fast path of [`Plan::check_row`](crate::Plan::check_row): tells, without building a
//! [`Value`](crate::Value), that a cell is valid (or an allowed missing value).
//!
//! Building a typed value for every cell, handing it back through two calls and dropping it
//! was a third of validation time, although almost every cell is valid and its value is not
//! needed (no key, no `values` wanted). [`QuickCheck`] is planned once per column from the
//! field's type and constraints; for each cell it answers [`Quick::Value`] (valid, not
//! missing), [`Quick::Null`] (a missing value the field allows) or [`Quick::Unsure`]. It only
//! answers when it is sure, with the very casting functions the full path uses; anything else
//! (a failed cast, a violated or unusual constraint, an uncommon type) is `Unsure`, and the
//! caller then reads the cell the full way, which also phrases the errors. So the fast path
//! never changes a verdict. [`Plan::check_row_values`](crate::Plan::check_row_values) (a
//! publication's load, which needs every cast value) takes it too: a valid cell's value is then
//! only its cast, without the constraint checks and error bookkeeping of the full path (a
//! proptest compares both the errors and the values with the full path's).

use crate::cast::{self, Caster, StringFormat, Temporal};
use crate::schema::{Field, Pattern};
use crate::temporal;
use crate::value::{Scalar, Value};

/// What the fast path knows about one cell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Quick {
    /// A valid, non-missing value.
    Value,
    /// A missing value (or absent cell) on a field that does not require one.
    Null,
    /// Not known here: read the cell the full way.
    Unsure,
}

/// What the fast path read of one cell ([`QuickCheck::read`]): [`Quick`] with the value.
#[derive(Debug)]
pub(crate) enum QuickRead<'a> {
    /// A valid, non-missing value of a common type: its cast, owning nothing.
    Scalar(Scalar<'a>),
    /// A valid, non-missing value of another type: its cast.
    Value(Value<'a>),
    /// A missing value (or absent cell) on a field that does not require one.
    Null,
    /// Not known here: read the cell the full way.
    Unsure,
}

/// How one column's cells are checked on the fast path.
#[derive(Debug, Clone)]
pub(crate) struct QuickCheck {
    required: bool,
    /// The field's missing values are just `""` (the usual case): told by the cell's length,
    /// without reading the field's list.
    only_empty_is_missing: bool,
    kind: Kind,
}

#[derive(Debug, Clone)]
enum Kind {
    /// No fast path for this field.
    None,
    /// Text (`string` in the default format, or `any`) with its length, pattern and enum rules.
    Text(TextRules),
    /// A `number` without options, between optional bounds (as `f64`, as the full path compares).
    Number(NumberRules),
    /// An `integer` without constraints besides `required`.
    Integer {
        bare_number: bool,
    },
    /// An ISO `date`, `time` or `datetime` without constraints besides `required`.
    IsoDate,
    IsoTime,
    IsoDateTime,
    /// A `boolean` without constraints besides `required`: its true values, then its false ones.
    Boolean {
        words: TextSet,
        n_true: usize,
    },
    /// Any other type without constraints besides `required` (a date with a `%Y-%m-%d`
    /// pattern, a year...): valid when the full path's cast succeeds.
    Cast,
    /// An `array` without constraints besides `required`, whose `arrayItem` has a fast path:
    /// a JSON array of strings written without escapes, each item checked as a cell of the
    /// item field (what the full path does with a string item).
    StringArray(Box<QuickCheck>),
}

#[derive(Debug, Clone)]
struct TextRules {
    /// Only plain strings (`format: default`) and `any` take this path.
    min_length: Option<usize>,
    max_length: Option<usize>,
    pattern: Option<Pattern>,
    /// The `enum` texts (a string field's enum values are strings).
    allowed: Option<TextSet>,
}

#[derive(Debug, Clone)]
struct NumberRules {
    minimum: Option<f64>,
    maximum: Option<f64>,
    exclusive_minimum: Option<f64>,
    exclusive_maximum: Option<f64>,
}

impl QuickCheck {
    /// Plans the fast path of `field`'s cells.
    pub(crate) fn new(field: &Field) -> QuickCheck {
        QuickCheck {
            required: field.constraints.required,
            only_empty_is_missing: matches!(field.missing_values.as_slice(), [only] if only.is_empty()),
            kind: plan_kind(field),
        }
    }

    /// Checks one cell (`None`: the row has no such cell). `field` is the one given to `new`.
    #[inline]
    pub(crate) fn check(&self, field: &Field, source: Option<&str>) -> Quick {
        self.classify(field, source)
    }

    /// [`QuickCheck::check`], with a valid cell's cast value: the one the field's caster gives,
    /// made from the very parse that found the cell valid (a publication's load wants every
    /// value; casting again after the check parsed numbers and dates twice).
    #[inline]
    pub(crate) fn read<'a>(&self, field: &Field, source: Option<&'a str>) -> QuickRead<'a> {
        self.classify(field, source)
    }

    /// The fast path, shared by `check` and `read`: `O` says whether a valid cell's value is
    /// made at all (a plain check builds and drops none).
    #[inline(always)]
    fn classify<'a, O: Outcome<'a>>(&self, field: &Field, source: Option<&'a str>) -> O {
        let missing = |text: &str| match self.only_empty_is_missing {
            true => text.is_empty(),
            false => field.is_missing(text),
        };
        let Some(text) = source.filter(|text| !missing(text)) else {
            return if self.required { O::UNSURE } else { O::NULL };
        };
        // The cell is valid when `parsed` is: its value is then `value(parsed)`.
        fn valid<'a, T, O: Outcome<'a>>(
            parsed: Option<T>,
            value: impl FnOnce(T) -> Scalar<'a>,
        ) -> O {
            match parsed {
                Some(parsed) => O::scalar(|| value(parsed)),
                None => O::UNSURE,
            }
        }
        match &self.kind {
            Kind::None => O::UNSURE,
            Kind::Text(rules) => valid(rules.accepts(text).then_some(text), Scalar::String),
            Kind::Number(rules) => match &field.caster {
                Caster::Number(format) => valid(
                    cast::cast_number(text, format).filter(|number| rules.accepts(*number)),
                    Scalar::Number,
                ),
                _ => O::UNSURE,
            },
            Kind::Integer { bare_number } => {
                valid(cast::cast_integer(text, *bare_number), Scalar::Integer)
            }
            Kind::IsoDate => valid(temporal::parse_iso_date(text), Scalar::Date),
            Kind::IsoTime => valid(temporal::parse_iso_time(text), Scalar::Time),
            Kind::IsoDateTime => valid(temporal::parse_iso_datetime(text), Scalar::DateTime),
            Kind::Boolean { words, n_true } => {
                valid(words.position(text), |at| Scalar::Boolean(at < *n_true))
            }
            Kind::Cast => match field.caster.cast(text) {
                Some(value) => O::valid(|| Some(value)),
                None => O::UNSURE,
            },
            Kind::StringArray(item) => {
                let items_valid = field.array_item.as_deref().is_some_and(|item_field| {
                    simple_string_array(text, |text| {
                        item.check(item_field, Some(text)) != Quick::Unsure
                    })
                });
                match items_valid {
                    // The array's value is its JSON, parsed only when wanted.
                    true => O::valid(|| field.caster.cast(text)),
                    false => O::UNSURE,
                }
            }
        }
    }
}

/// What [`QuickCheck::classify`] answers: a bare verdict ([`Quick`]) or one with the value
/// ([`QuickRead`]).
trait Outcome<'a> {
    const NULL: Self;
    const UNSURE: Self;
    /// A valid cell, whose value `value` makes (`None` if the caster, unexpectedly, does not).
    fn valid(value: impl FnOnce() -> Option<Value<'a>>) -> Self;
    /// A valid cell of a common type, whose value `value` makes.
    fn scalar(value: impl FnOnce() -> Scalar<'a>) -> Self;
}

impl<'a> Outcome<'a> for Quick {
    const NULL: Self = Quick::Null;
    const UNSURE: Self = Quick::Unsure;

    #[inline(always)]
    fn valid(_value: impl FnOnce() -> Option<Value<'a>>) -> Self {
        Quick::Value
    }

    #[inline(always)]
    fn scalar(_value: impl FnOnce() -> Scalar<'a>) -> Self {
        Quick::Value
    }
}

impl<'a> Outcome<'a> for QuickRead<'a> {
    const NULL: Self = QuickRead::Null;
    const UNSURE: Self = QuickRead::Unsure;

    #[inline(always)]
    fn valid(value: impl FnOnce() -> Option<Value<'a>>) -> Self {
        value().map_or(QuickRead::Unsure, QuickRead::Value)
    }

    #[inline(always)]
    fn scalar(value: impl FnOnce() -> Scalar<'a>) -> Self {
        QuickRead::Scalar(value())
    }
}

fn plan_kind(field: &Field) -> Kind {
    let constraints = &field.constraints;
    let no_bounds = constraints.minimum.is_none()
        && constraints.maximum.is_none()
        && constraints.exclusive_minimum.is_none()
        && constraints.exclusive_maximum.is_none();
    // `required` and `unique` aside (unique columns never take the fast path: their values
    // are hashed), the constraints that a non-text value could break.
    let only_required = no_bounds
        && constraints.min_length.is_none()
        && constraints.max_length.is_none()
        && constraints.pattern.is_none()
        && constraints.enumeration.is_none();
    let plain_text = matches!(
        field.caster,
        Caster::String(StringFormat::Default) | Caster::Any
    );
    if let Some(item_field) = &field.array_item {
        let item = QuickCheck::new(item_field);
        return match (&field.caster, &item.kind) {
            (_, Kind::None) => Kind::None,
            (Caster::Array, _) if only_required => Kind::StringArray(Box::new(item)),
            _ => Kind::None,
        };
    }
    match &field.caster {
        _ if plain_text && no_bounds => Kind::Text(TextRules {
            min_length: constraints.min_length.filter(|min| *min > 0),
            max_length: constraints.max_length,
            pattern: constraints.pattern.clone(),
            allowed: constraints.enumeration.as_ref().map(|enumeration| {
                TextSet::new(enumeration.values.iter().filter_map(|value| match value {
                    Value::String(text) => Some(&**text),
                    _ => None,
                }))
            }),
        }),
        Caster::Number(format) if !format.has_options => {
            let length_rules = constraints.min_length.is_some()
                || constraints.max_length.is_some()
                || constraints.pattern.is_some()
                || constraints.enumeration.is_some();
            match number_rules(field) {
                Some(rules) if !length_rules => Kind::Number(rules),
                _ => Kind::None,
            }
        }
        Caster::Integer { bare_number } if only_required => Kind::Integer {
            bare_number: *bare_number,
        },
        Caster::Date(Temporal::Default) if only_required => Kind::IsoDate,
        Caster::Time(Temporal::Default) if only_required => Kind::IsoTime,
        Caster::DateTime(Temporal::Default) if only_required => Kind::IsoDateTime,
        Caster::Boolean {
            true_values,
            false_values,
        } if only_required => Kind::Boolean {
            words: TextSet::new(true_values.iter().chain(false_values).map(String::as_str)),
            n_true: true_values.len(),
        },
        _ if only_required => Kind::Cast,
        _ => Kind::None,
    }
}

/// A number field's bounds as `f64`, when they are all numbers (integer bounds are compared
/// as `f64` by the full path too).
fn number_rules(field: &Field) -> Option<NumberRules> {
    let as_float = |bound: &Option<crate::schema::Bound>| -> Option<Option<f64>> {
        match bound.as_ref().map(|bound| &bound.value) {
            None => Some(None),
            Some(Value::Number(number)) => Some(Some(*number)),
            Some(Value::Integer(number)) => Some(Some(*number as f64)),
            Some(_) => None,
        }
    };
    let constraints = &field.constraints;
    Some(NumberRules {
        minimum: as_float(&constraints.minimum)?,
        maximum: as_float(&constraints.maximum)?,
        exclusive_minimum: as_float(&constraints.exclusive_minimum)?,
        exclusive_maximum: as_float(&constraints.exclusive_maximum)?,
    })
}

/// Calls `item` on each item of `text` when `text` is a JSON array of strings without escapes
/// or control characters (`["a", "b"]`, `[]`), whitespace as JSON allows it; an item's text is
/// then exactly the string serde_json would read. Returns false when `item` refuses an item or
/// when the text is anything else (other JSON, escapes, not JSON at all): the full path decides.
fn simple_string_array(text: &str, mut item: impl FnMut(&str) -> bool) -> bool {
    let bytes = text.as_bytes();
    let skip_space = |mut at: usize| {
        while matches!(bytes.get(at), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            at += 1;
        }
        at
    };
    let mut at = skip_space(0);
    if bytes.get(at) != Some(&b'[') {
        return false;
    }
    at = skip_space(at + 1);
    if bytes.get(at) == Some(&b']') {
        return skip_space(at + 1) == bytes.len();
    }
    loop {
        if bytes.get(at) != Some(&b'"') {
            return false;
        }
        let start = at + 1;
        let Some(length) = bytes[start..]
            .iter()
            .position(|&byte| byte == b'"' || byte == b'\\' || byte < 0x20)
        else {
            return false;
        };
        let end = start + length;
        // Quotes are ASCII: `start..end` lies on character boundaries.
        if bytes[end] != b'"' || !item(&text[start..end]) {
            return false;
        }
        at = skip_space(end + 1);
        match bytes.get(at) {
            Some(b',') => at = skip_space(at + 1),
            Some(b']') => return skip_space(at + 1) == bytes.len(),
            _ => return false,
        }
    }
}

/// A few texts (`enum` values, boolean words), each with its length and first 8 bytes as an
/// integer: a cell is compared by two integer tests, and its bytes compared only beyond the
/// eighth and only when those agree (rather than a `memcmp` call per value of its length).
#[derive(Debug, Clone)]
struct TextSet {
    texts: Vec<(usize, u64, Box<str>)>,
}

impl TextSet {
    fn new<'t>(texts: impl Iterator<Item = &'t str>) -> TextSet {
        TextSet {
            texts: texts
                .map(|text| (text.len(), head(text), text.into()))
                .collect(),
        }
    }

    #[inline]
    fn contains(&self, text: &str) -> bool {
        self.position(text).is_some()
    }

    /// The index of `text` among the texts (the first, if given twice).
    #[inline]
    fn position(&self, text: &str) -> Option<usize> {
        let (length, head) = (text.len(), head(text));
        self.texts
            .iter()
            .position(|(known_length, known_head, known)| {
                *known_length == length
                    && *known_head == head
                    && (length <= 8 || known.as_bytes()[8..] == text.as_bytes()[8..])
            })
    }
}

/// The first 8 bytes of `text` (fewer padded with zeros) as one integer.
#[inline]
fn head(text: &str) -> u64 {
    let bytes = text.as_bytes();
    let mut head = [0u8; 8];
    let length = bytes.len().min(8);
    head[..length].copy_from_slice(&bytes[..length]);
    u64::from_le_bytes(head)
}

impl TextRules {
    // Always inlined: the commonest cell of all, checked in `classify`, which both `check`
    // and `read` instantiate; left to the compiler, it became a call in both.
    #[inline(always)]
    fn accepts(&self, text: &str) -> bool {
        // A text has at most as many characters as bytes: short texts need no counting.
        let length_ok =
            |limit: usize, within: fn(usize, usize) -> bool| within(text.chars().count(), limit);
        if let Some(min) = self.min_length
            && !length_ok(min, |length, min| length >= min)
        {
            return false;
        }
        if let Some(max) = self.max_length
            && text.len() > max
            && !length_ok(max, |length, max| length <= max)
        {
            return false;
        }
        if let Some(pattern) = &self.pattern
            && !pattern.matches(text)
        {
            return false;
        }
        self.allowed
            .as_ref()
            .is_none_or(|allowed| allowed.contains(text))
    }
}

impl NumberRules {
    /// The bounds as the full path checks them: a NaN is outside every bound.
    #[inline]
    fn accepts(&self, number: f64) -> bool {
        self.minimum.is_none_or(|bound| number >= bound)
            && self.maximum.is_none_or(|bound| number <= bound)
            && self.exclusive_minimum.is_none_or(|bound| number > bound)
            && self.exclusive_maximum.is_none_or(|bound| number < bound)
    }
}

#[cfg(test)]
mod tests {
    use crate::{Options, Plan, Schema};
    use proptest::prelude::*;
    use serde_json::json;

    /// Fields of every kind the fast path knows, with the constraints it handles or gives up on.
    fn schema() -> Schema {
        let descriptor = json!({
            "missingValues": ["", "NA"],
            "fields": [
                {"name": "siret", "constraints": {"required": true, "pattern": "^\\d{4}$"}},
                {"name": "nature", "constraints": {"enum": ["a", "é b"]}},
                {"name": "court", "constraints": {"minLength": 2, "maxLength": 3}},
                {"name": "part", "type": "number", "constraints": {"minimum": 0.01, "maximum": 1}},
                {"name": "strict", "type": "number",
                 "constraints": {"exclusiveMinimum": 0, "exclusiveMaximum": 10}},
                {"name": "n", "type": "integer", "constraints": {"required": true}},
                {"name": "jour", "type": "date"},
                {"name": "heure", "type": "time"},
                {"name": "moment", "type": "datetime"},
                {"name": "ok", "type": "boolean", "trueValues": ["oui"], "falseValues": ["non"]},
                {"name": "vrai", "type": "boolean"},
                {"name": "libre", "type": "any"},
                {"name": "courriel", "format": "email"},
                {"name": "annee", "type": "integer", "constraints": {"minimum": 2000}},
                {"name": "jour_fr", "type": "date", "format": "%d/%m/%Y",
                 "constraints": {"required": true}},
                {"name": "millesime", "type": "year"},
                {"name": "aide", "constraints": {"enum": [
                    "aide en nature", "aide en numéraire",
                    "aide en nature;aide en numéraire", "aide en numéraire;aide en nature"
                ]}}
            ]
        });
        Schema::from_json(&descriptor).expect("valid schema").0
    }

    fn cell() -> impl Strategy<Value = &'static str> {
        prop::sample::select(vec![
            "",
            "NA",
            "1",
            "12",
            "123",
            "1234",
            "0.5",
            "1.5",
            "0.01",
            "-3",
            " 7 ",
            "1e-1",
            "NaN",
            "10",
            "2021-05-30",
            "2021-13-01",
            "12:30:00",
            "2021-05-30T12:30:00Z",
            "oui",
            "non",
            "true",
            "TRUE",
            "false",
            "0",
            "a",
            "é b",
            "éé",
            "ééé",
            "éééé",
            "a@b.fr",
            "1999",
            "2024",
            "30/05/2021",
            "31/02/2021",
            "aide en nature",
            "aide en natura",
            "aide en numéraire;aide en nature",
            "aide en numéraire;aide en naturé",
            "aide en",
        ])
    }

    /// `check_row` and `check_row_values` (fast path) and a run that always takes the full
    /// path must find exactly the same errors, and the last two give the same values.
    fn same_errors_both_ways(schema: &Schema, rows: &[Vec<&str>]) -> Result<(), TestCaseError> {
        let labels: Vec<&str> = schema
            .fields()
            .iter()
            .map(|field| field.name.as_str())
            .collect();
        let (plan, _) = Plan::new(schema, &labels, &Options::default());
        let (mut fast, mut fast_values, mut full) =
            (plan.new_part(), plan.new_part(), plan.new_part());
        let (mut values, mut full_values) = (Vec::new(), Vec::new());
        for (index, row) in rows.iter().enumerate() {
            let number = index as u64 + 1;
            plan.check_row(&mut fast, number, row);
            plan.check_row_values(&mut fast_values, number, row, &mut values);
            full_values.clear();
            plan.check_row_inner(&mut full, number, row, &mut full_values, false);
            // Debug text: a NaN equals itself there.
            prop_assert_eq!(format!("{values:?}"), format!("{full_values:?}"));
        }
        let fast = plan.finish(Vec::new(), [(0, fast)]);
        let fast_values = plan.finish(Vec::new(), [(0, fast_values)]);
        let full = plan.finish(Vec::new(), [(0, full)]);
        prop_assert_eq!(format!("{:?}", fast.errors), format!("{:?}", full.errors));
        prop_assert_eq!(
            format!("{:?}", fast_values.errors),
            format!("{:?}", full.errors)
        );
        Ok(())
    }

    /// `array` fields whose items take the fast path, and one whose constraints keep it off.
    fn array_schema() -> Schema {
        let descriptor = json!({
            "fields": [
                {"name": "allergenes", "type": "array",
                 "arrayItem": {"type": "string", "constraints": {"enum": ["lait", "é b", ""]}}},
                {"name": "requis", "type": "array", "constraints": {"required": true},
                 "arrayItem": {"constraints": {"required": true, "maxLength": 3}}},
                {"name": "nombres", "type": "array", "arrayItem": {"type": "integer"}},
                {"name": "borne", "type": "array", "constraints": {"maxLength": 1},
                 "arrayItem": {"type": "string"}}
            ]
        });
        Schema::from_json(&descriptor).expect("valid schema").0
    }

    /// JSON arrays of strings as the fast path reads them, and texts it must leave to serde_json.
    fn array_cell() -> impl Strategy<Value = &'static str> {
        prop::sample::select(vec![
            "",
            "[]",
            " [ ] ",
            "[\"lait\"]",
            "[\"lait\",\"é b\"]",
            "[ \"lait\" ,\n\"é b\" ]\t",
            "[\"\"]",
            "[\"lai\"]",
            "[\"12\"]",
            "[\"1234\"]",
            "[\"x\"]",
            "[\"lait\",]",
            "[\"lait\" \"lait\"]",
            "[\"l\\u0061it\"]",
            "[\"la\\\"it\"]",
            "[\"la\tit\"]",
            "[\"lait\"]x",
            "[\"lait\"",
            "[lait]",
            "[1]",
            "[null]",
            "[[\"lait\"]]",
            "{\"a\": \"lait\"}",
            "\"lait\"",
            "lait",
        ])
    }

    #[test]
    fn plain_string_arrays_take_the_fast_path_and_others_do_not() {
        use super::{Quick, QuickCheck};
        let schema = array_schema();
        let field = &schema.fields()[0];
        let quick = QuickCheck::new(field);
        for text in ["[]", "[\"lait\"]", " [\"lait\", \"é b\", \"\"] "] {
            assert_eq!(quick.check(field, Some(text)), Quick::Value, "{text}");
        }
        assert_eq!(quick.check(field, Some("")), Quick::Null);
        for text in [
            "[\"x\"]",
            "[\"l\\u0061it\"]",
            "[\"lait\",]",
            "[null]",
            "lait",
        ] {
            assert_eq!(quick.check(field, Some(text)), Quick::Unsure, "{text}");
        }
        let bounded = &schema.fields()[3];
        let quick = QuickCheck::new(bounded);
        assert_eq!(quick.check(bounded, Some("[\"a\"]")), Quick::Unsure);
    }

    proptest! {
        /// Array cells: the fast path agrees with the full path (serde_json, item by item).
        #[test]
        fn array_fast_path_finds_what_the_full_path_finds(
            rows in prop::collection::vec(prop::collection::vec(array_cell(), 0..5), 1..12),
        ) {
            same_errors_both_ways(&array_schema(), &rows)?;
        }

        /// The fast path (with and without values) and the full path find exactly the same
        /// errors and values.
        #[test]
        fn fast_path_finds_what_the_full_path_finds(
            rows in prop::collection::vec(prop::collection::vec(cell(), 0..18), 1..12),
        ) {
            same_errors_both_ways(&schema(), &rows)?;
        }
    }
}
