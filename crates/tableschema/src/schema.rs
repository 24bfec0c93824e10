//! Table Schema descriptors (v1 and the v2 additions) turned into checked types.
//!
//! Real schemas are messy, so parsing is forgiving: anything that can be understood is kept,
//! anything else is dropped with a [`DescriptorWarning`]. Only a descriptor that cannot be used
//! at all (no fields, a field without a name, an unknown type...) is a [`DescriptorError`].

use std::sync::Arc;

use regex::Regex;
use serde_json::{Map, Value as Json};

use crate::cast::{Caster, GeoFormat, NumberFormat, StringFormat, Temporal};
use crate::custom::{self, BuildError, CustomCheck};
use crate::error::{CastError, DescriptorError, DescriptorWarning};
use crate::simple_pattern::SimplePattern;
use crate::temporal::Strptime;
use crate::value::Value;

/// The type of a field, as Table Schema names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FieldType {
    String,
    Number,
    Integer,
    Boolean,
    Object,
    Array,
    List,
    Date,
    Time,
    DateTime,
    Year,
    YearMonth,
    Duration,
    GeoPoint,
    GeoJson,
    Any,
}

impl FieldType {
    /// Reads a type name; `None` for an unknown one.
    pub fn parse(name: &str) -> Option<FieldType> {
        Some(match name {
            "string" => FieldType::String,
            "number" => FieldType::Number,
            "integer" => FieldType::Integer,
            "boolean" => FieldType::Boolean,
            "object" => FieldType::Object,
            "array" => FieldType::Array,
            "list" => FieldType::List,
            "date" => FieldType::Date,
            "time" => FieldType::Time,
            "datetime" => FieldType::DateTime,
            "year" => FieldType::Year,
            "yearmonth" => FieldType::YearMonth,
            "duration" => FieldType::Duration,
            "geopoint" => FieldType::GeoPoint,
            "geojson" => FieldType::GeoJson,
            "any" => FieldType::Any,
            _ => return None,
        })
    }

    /// The name as written in descriptors.
    pub fn as_str(self) -> &'static str {
        match self {
            FieldType::String => "string",
            FieldType::Number => "number",
            FieldType::Integer => "integer",
            FieldType::Boolean => "boolean",
            FieldType::Object => "object",
            FieldType::Array => "array",
            FieldType::List => "list",
            FieldType::Date => "date",
            FieldType::Time => "time",
            FieldType::DateTime => "datetime",
            FieldType::Year => "year",
            FieldType::YearMonth => "yearmonth",
            FieldType::Duration => "duration",
            FieldType::GeoPoint => "geopoint",
            FieldType::GeoJson => "geojson",
            FieldType::Any => "any",
        }
    }

    /// The constraints frictionless checks for this type, in the order it checks them
    /// (`unique` is handled at table level).
    fn supported_constraints(self) -> &'static [ConstraintKind] {
        use ConstraintKind::*;
        match self {
            FieldType::String => &[Required, MinLength, MaxLength, Pattern, Enum],
            FieldType::Integer
            | FieldType::Number
            | FieldType::Date
            | FieldType::Time
            | FieldType::DateTime
            | FieldType::Year
            | FieldType::YearMonth => &[
                Required,
                Minimum,
                Maximum,
                ExclusiveMinimum,
                ExclusiveMaximum,
                Enum,
            ],
            FieldType::Array | FieldType::Object => &[Required, MinLength, MaxLength, Enum],
            FieldType::List => &[Required, MinLength, MaxLength],
            FieldType::Boolean
            | FieldType::Duration
            | FieldType::GeoPoint
            | FieldType::GeoJson
            | FieldType::Any => &[Required, Enum],
        }
    }
}

/// One kind of field constraint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ConstraintKind {
    Required,
    MinLength,
    MaxLength,
    Minimum,
    Maximum,
    ExclusiveMinimum,
    ExclusiveMaximum,
    Pattern,
    Enum,
}

impl ConstraintKind {
    /// The key as written in descriptors.
    pub fn as_str(self) -> &'static str {
        match self {
            ConstraintKind::Required => "required",
            ConstraintKind::MinLength => "minLength",
            ConstraintKind::MaxLength => "maxLength",
            ConstraintKind::Minimum => "minimum",
            ConstraintKind::Maximum => "maximum",
            ConstraintKind::ExclusiveMinimum => "exclusiveMinimum",
            ConstraintKind::ExclusiveMaximum => "exclusiveMaximum",
            ConstraintKind::Pattern => "pattern",
            ConstraintKind::Enum => "enum",
        }
    }

    fn parse(key: &str) -> Option<ConstraintKind> {
        use ConstraintKind::*;
        [
            Required,
            MinLength,
            MaxLength,
            Minimum,
            Maximum,
            ExclusiveMinimum,
            ExclusiveMaximum,
            Pattern,
            Enum,
        ]
        .into_iter()
        .find(|kind| kind.as_str() == key)
    }
}

/// A compiled `pattern` constraint (anchored on the whole value, as the specification says).
#[derive(Debug, Clone)]
pub struct Pattern {
    /// The pattern as written in the descriptor.
    pub source: String,
    regex: Regex,
    /// The same pattern as a fast matcher for ASCII cells, when it is simple enough.
    fast: Option<SimplePattern>,
}

impl Pattern {
    /// True when the whole text matches.
    #[inline(always)]
    pub fn matches(&self, text: &str) -> bool {
        match self.fast.as_ref().and_then(|fast| fast.full_match(text)) {
            Some(found) => found,
            None => self.regex.is_match(text),
        }
    }
}

/// A field's checked constraints. Bounds and enum values are already cast to the field's type.
#[derive(Debug, Clone, Default)]
pub struct Constraints {
    pub required: bool,
    pub unique: bool,
    pub min_length: Option<usize>,
    pub max_length: Option<usize>,
    pub minimum: Option<Bound>,
    pub maximum: Option<Bound>,
    pub exclusive_minimum: Option<Bound>,
    pub exclusive_maximum: Option<Bound>,
    pub pattern: Option<Pattern>,
    pub enumeration: Option<Enumeration>,
}

/// A `minimum`/`maximum` bound: the typed value and its text as written.
#[derive(Debug, Clone)]
pub struct Bound {
    pub value: Value<'static>,
    pub text: String,
}

/// An `enum` constraint: typed values plus their text as written (for messages).
#[derive(Debug, Clone)]
pub struct Enumeration {
    pub values: Vec<Value<'static>>,
    pub texts: Arc<[String]>,
}

/// `fieldsMatch` (Table Schema v2): how header labels are paired with schema fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum FieldsMatch {
    /// Same fields in the same order, paired by position (the default).
    #[default]
    Exact,
    /// Same fields, any order, paired by name.
    Equal,
    /// All schema fields present, extra columns allowed.
    Subset,
    /// Only schema fields, some (non-required) may be absent.
    Superset,
    /// At least one schema field present.
    Partial,
}

impl FieldsMatch {
    /// Reads a `fieldsMatch` value.
    pub fn parse(text: &str) -> Option<FieldsMatch> {
        Some(match text {
            "exact" => FieldsMatch::Exact,
            "equal" => FieldsMatch::Equal,
            "subset" => FieldsMatch::Subset,
            "superset" => FieldsMatch::Superset,
            "partial" => FieldsMatch::Partial,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            FieldsMatch::Exact => "exact",
            FieldsMatch::Equal => "equal",
            FieldsMatch::Subset => "subset",
            FieldsMatch::Superset => "superset",
            FieldsMatch::Partial => "partial",
        }
    }
}

/// A same-table foreign key: values of `fields` must appear among the values of
/// `reference_fields` somewhere in the table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ForeignKey {
    pub fields: Vec<String>,
    pub reference_fields: Vec<String>,
}

/// One field of a schema.
#[derive(Debug, Clone)]
pub struct Field {
    pub name: String,
    pub title: Option<String>,
    pub description: Option<String>,
    pub kind: FieldType,
    /// The format as written (`default` when absent; a `fmt:` prefix is removed).
    pub format: String,
    pub constraints: Constraints,
    /// The missing values in force for this field (its own, or the schema's).
    pub missing_values: Vec<String>,
    pub(crate) caster: Caster,
    /// The `arrayItem` of an `array` field, as a field of its own.
    pub(crate) array_item: Option<Box<Field>>,
}

/// A checked Table Schema.
#[derive(Debug, Clone)]
pub struct Schema {
    fields: Vec<Field>,
    pub primary_key: Vec<String>,
    pub foreign_keys: Vec<ForeignKey>,
    pub missing_values: Vec<String>,
    /// `fieldsMatch` when the descriptor declares it.
    pub fields_match: Option<FieldsMatch>,
    /// Validata's custom checks that could be built.
    pub custom_checks: Vec<Arc<dyn CustomCheck>>,
    /// The descriptor's `name`, if any.
    pub name: Option<String>,
    /// The descriptor's `version`, if any.
    pub version: Option<String>,
}

/// Where a cell read went wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Violation {
    pub kind: ConstraintKind,
    /// The violation concerns an item of an `array` field.
    pub in_array_item: bool,
}

impl Field {
    /// Casts one cell: a missing value gives [`Value::Null`]; constraints are not checked.
    pub fn cast<'a>(&self, text: &'a str) -> Result<Value<'a>, CastError> {
        if self.is_missing(text) {
            return Ok(Value::Null);
        }
        self.caster.cast(text).ok_or(CastError)
    }

    /// True when the text is one of the field's missing values.
    pub fn is_missing(&self, text: &str) -> bool {
        match self.missing_values.as_slice() {
            // The usual case, `[""]`: a length test, no `memcmp` call per cell.
            [only] if only.is_empty() => text.is_empty(),
            [only] => only.len() == text.len() && only == text,
            values => values
                .iter()
                .any(|value| value.len() == text.len() && value == text),
        }
    }

    /// The `trueValues`/`falseValues` of a boolean field.
    pub fn boolean_values(&self) -> Option<(&[String], &[String])> {
        match &self.caster {
            Caster::Boolean {
                true_values,
                false_values,
            } => Some((true_values, false_values)),
            _ => None,
        }
    }

    /// The decimal separator of a number field (`.` unless `decimalChar` says otherwise).
    pub fn decimal_char(&self) -> &str {
        match &self.caster {
            Caster::Number(format) => &format.decimal_char,
            _ => ".",
        }
    }

    /// Reads one cell as frictionless does: `None` is an absent cell. Returns the value (Null on
    /// a type error) and whether the type was wrong; constraint violations go to `violations`.
    pub(crate) fn read_cell<'a>(
        &self,
        source: Option<&'a str>,
        violations: &mut Vec<Violation>,
    ) -> (Value<'a>, bool) {
        let value = match source {
            Some(text) if !self.is_missing(text) => match self.caster.cast(text) {
                Some(value) => value,
                None => return (Value::Null, true),
            },
            _ => Value::Null,
        };
        let before = violations.len();
        self.check_constraints(&value, source, violations, false);
        if violations.len() > before {
            return (value, false);
        }
        if let (Some(item_field), Value::Json(Json::Array(items))) = (&self.array_item, &value) {
            let type_error = item_field.check_array_items(items, violations);
            return (value, type_error);
        }
        (value, false)
    }

    /// `arrayItem` checks: returns whether an item has the wrong type.
    fn check_array_items(&self, items: &[Json], violations: &mut Vec<Violation>) -> bool {
        let mut type_error = false;
        let mut item_violations = Vec::new();
        for item in items {
            let value = match item {
                Json::Null => Value::Null,
                Json::String(text) if self.is_missing(text) => Value::Null,
                other => match self.caster.cast_json(other) {
                    Some(value) => value,
                    None => {
                        type_error = true;
                        continue;
                    }
                },
            };
            let text = item.as_str();
            self.check_constraints(&value, text, &mut item_violations, true);
        }
        for violation in item_violations {
            if !violations
                .iter()
                .any(|known| known.kind == violation.kind && known.in_array_item)
            {
                violations.push(violation);
            }
        }
        type_error
    }

    fn check_constraints(
        &self,
        value: &Value<'_>,
        source: Option<&str>,
        violations: &mut Vec<Violation>,
        in_array_item: bool,
    ) {
        let constraints = &self.constraints;
        let mut fail = |kind| {
            violations.push(Violation {
                kind,
                in_array_item,
            })
        };
        if value.is_null() {
            if constraints.required {
                fail(ConstraintKind::Required);
            }
            return;
        }
        if let Some(min) = constraints.min_length
            && min > 0
            && length_of(value, source).is_some_and(|length| length < min)
        {
            fail(ConstraintKind::MinLength);
        }
        // A text has at most as many characters as bytes: short texts need no counting.
        let surely_short = |max: usize| match value {
            Value::String(text) => text.len() <= max,
            _ => false,
        };
        if let Some(max) = constraints.max_length
            && !surely_short(max)
            && length_of(value, source).is_some_and(|length| length > max)
        {
            fail(ConstraintKind::MaxLength);
        }
        let bounds = [
            (&constraints.minimum, ConstraintKind::Minimum),
            (&constraints.maximum, ConstraintKind::Maximum),
            (
                &constraints.exclusive_minimum,
                ConstraintKind::ExclusiveMinimum,
            ),
            (
                &constraints.exclusive_maximum,
                ConstraintKind::ExclusiveMaximum,
            ),
        ];
        for (bound, kind) in bounds {
            let Some(bound) = bound else { continue };
            let ordering = value.compare(&bound.value);
            let ok = match (kind, ordering) {
                (_, None) => false,
                (ConstraintKind::Minimum, Some(ordering)) => ordering.is_ge(),
                (ConstraintKind::Maximum, Some(ordering)) => ordering.is_le(),
                (ConstraintKind::ExclusiveMinimum, Some(ordering)) => ordering.is_gt(),
                (_, Some(ordering)) => ordering.is_lt(),
            };
            if !ok {
                fail(kind);
            }
        }
        if let (Some(pattern), Value::String(text)) = (&constraints.pattern, value)
            && !pattern.matches(text)
        {
            fail(ConstraintKind::Pattern);
        }
        if let Some(enumeration) = &constraints.enumeration
            && !is_enumerated(value, &enumeration.values)
        {
            fail(ConstraintKind::Enum);
        }
    }
}

/// Whether `value` is one of the `enum` values. Text is compared directly (length first):
/// for strings, [`Value::same_as`] is plain text equality.
fn is_enumerated(value: &Value<'_>, allowed: &[Value<'static>]) -> bool {
    match value {
        Value::String(text) => allowed.iter().any(|allowed| match allowed {
            Value::String(allowed) => allowed.len() == text.len() && allowed == text,
            _ => false,
        }),
        value => allowed.iter().any(|allowed| value.same_as(allowed)),
    }
}

/// `len()` as Python sees it: characters of a string, items of an array or list, keys of
/// an object.
fn length_of(value: &Value<'_>, source: Option<&str>) -> Option<usize> {
    match value {
        Value::String(text) => Some(text.chars().count()),
        Value::List(items) => Some(items.len()),
        Value::Json(Json::Array(items)) => Some(items.len()),
        Value::Json(Json::Object(map)) => Some(map.len()),
        _ => source.map(|text| text.chars().count()),
    }
}

impl Schema {
    /// Parses a descriptor. Warnings list what was ignored; errors say which key is unusable.
    pub fn from_json(
        descriptor: &Json,
    ) -> Result<(Schema, Vec<DescriptorWarning>), DescriptorError> {
        let mut warnings = Vec::new();
        let object = descriptor.as_object().ok_or_else(|| {
            DescriptorError::new(
                "",
                "le schéma doit être un objet JSON",
                "the schema must be a JSON object",
            )
        })?;
        let missing_values = match object.get("missingValues") {
            Some(value) => parse_missing_values(value, "missingValues", &mut warnings)
                .unwrap_or_else(|| vec![String::new()]),
            None => vec![String::new()],
        };
        let fields_json = object
            .get("fields")
            .and_then(Json::as_array)
            .ok_or_else(|| {
                DescriptorError::new(
                    "fields",
                    "la clé « fields » est absente ou n'est pas une liste",
                    "the `fields` key is missing or not an array",
                )
            })?;
        let mut fields: Vec<Field> = Vec::with_capacity(fields_json.len());
        for (index, field_json) in fields_json.iter().enumerate() {
            let path = format!("fields/{index}");
            let field = parse_field(field_json, &path, &missing_values, &mut warnings)?;
            if fields.iter().any(|known| known.name == field.name) {
                return Err(DescriptorError::new(
                    format!("{path}/name"),
                    format!("le nom de champ « {} » est utilisé deux fois", field.name),
                    format!("field name `{}` is used twice", field.name),
                ));
            }
            fields.push(field);
        }
        let field_names: Vec<&str> = fields.iter().map(|field| field.name.as_str()).collect();
        let primary_key = match object.get("primaryKey") {
            Some(value) => {
                let names = string_or_strings(value).ok_or_else(|| {
                    DescriptorError::new(
                        "primaryKey",
                        "« primaryKey » doit être un nom ou une liste de noms",
                        "`primaryKey` must be a name or a list of names",
                    )
                })?;
                check_known_fields(&names, &field_names, "primaryKey")?;
                names
            }
            None => Vec::new(),
        };
        let foreign_keys = parse_foreign_keys(object, &field_names, &mut warnings)?;
        let fields_match = match object.get("fieldsMatch") {
            Some(value) => {
                match value.as_str().and_then(FieldsMatch::parse) {
                    Some(mode) => Some(mode),
                    None => {
                        warnings.push(DescriptorWarning::new(
                        "fieldsMatch",
                        format!("valeur de « fieldsMatch » inconnue ({value}) : « exact » est utilisé"),
                        format!("unknown `fieldsMatch` value ({value}): `exact` is used"),
                    ));
                        None
                    }
                }
            }
            None => None,
        };
        let custom_checks = parse_custom_checks(object, &fields, &mut warnings);
        let text = |key: &str| object.get(key).and_then(Json::as_str).map(str::to_owned);
        let schema = Schema {
            fields,
            primary_key,
            foreign_keys,
            missing_values,
            fields_match,
            custom_checks,
            name: text("name"),
            version: text("version"),
        };
        Ok((schema, warnings))
    }

    /// The fields, in schema order.
    pub fn fields(&self) -> &[Field] {
        &self.fields
    }

    /// The index of the field with this exact name.
    pub fn field_index(&self, name: &str) -> Option<usize> {
        self.fields.iter().position(|field| field.name == name)
    }
}

fn check_known_fields(
    names: &[String],
    field_names: &[&str],
    path: &str,
) -> Result<(), DescriptorError> {
    match names
        .iter()
        .find(|name| !field_names.contains(&name.as_str()))
    {
        Some(unknown) => Err(DescriptorError::new(
            path,
            format!("« {path} » cite le champ « {unknown} », qui n'existe pas dans le schéma"),
            format!("`{path}` names field `{unknown}`, which is not in the schema"),
        )),
        None => Ok(()),
    }
}

fn string_or_strings(value: &Json) -> Option<Vec<String>> {
    match value {
        Json::String(name) => Some(vec![name.clone()]),
        Json::Array(items) => items
            .iter()
            .map(|item| item.as_str().map(str::to_owned))
            .collect(),
        _ => None,
    }
}

/// `missingValues`: strings (v1) or `{value, label}` objects (v2).
fn parse_missing_values(
    value: &Json,
    path: &str,
    warnings: &mut Vec<DescriptorWarning>,
) -> Option<Vec<String>> {
    let items = value.as_array();
    let parsed: Option<Vec<String>> = items.and_then(|items| {
        items
            .iter()
            .map(|item| match item {
                Json::String(text) => Some(text.clone()),
                Json::Object(object) => object
                    .get("value")
                    .and_then(Json::as_str)
                    .map(str::to_owned),
                _ => None,
            })
            .collect()
    });
    if parsed.is_none() {
        warnings.push(DescriptorWarning::new(
            path,
            "« missingValues » doit être une liste de textes : valeur ignorée",
            "`missingValues` must be a list of strings: ignored",
        ));
    }
    parsed
}

const KNOWN_FIELD_KEYS: &[&str] = &[
    "name",
    "title",
    "description",
    "type",
    "format",
    "constraints",
    "missingValues",
    "example",
    "examples",
    "trueValues",
    "falseValues",
    "decimalChar",
    "groupChar",
    "bareNumber",
    "floatNumber",
    "arrayItem",
    "delimiter",
    "itemType",
    "rdfType",
    "categories",
    "categoriesOrdered",
    "missingValuesLabels",
];

fn parse_field(
    json: &Json,
    path: &str,
    schema_missing: &[String],
    warnings: &mut Vec<DescriptorWarning>,
) -> Result<Field, DescriptorError> {
    let object = json.as_object().ok_or_else(|| {
        DescriptorError::new(
            path,
            "un champ doit être un objet JSON",
            "a field must be a JSON object",
        )
    })?;
    let name = object.get("name").and_then(Json::as_str).ok_or_else(|| {
        DescriptorError::new(
            format!("{path}/name"),
            "ce champ n'a pas de nom (« name »)",
            "this field has no `name`",
        )
    })?;
    let kind = match object.get("type") {
        None => FieldType::String,
        Some(type_json) => type_json
            .as_str()
            .and_then(FieldType::parse)
            .ok_or_else(|| {
                DescriptorError::new(
                    format!("{path}/type"),
                    format!("type inconnu {type_json} pour le champ « {name} »"),
                    format!("unknown type {type_json} for field `{name}`"),
                )
            })?,
    };
    for key in object.keys() {
        if ConstraintKind::parse(key).is_some() || key == "unique" {
            // Frictionless ignores them there too; the schema's author meant a constraint.
            warnings.push(DescriptorWarning::new(
                format!("{path}/{key}"),
                format!(
                    "« {key} » doit être écrit dans « constraints » (champ « {name} ») : ignoré"
                ),
                format!("`{key}` belongs under `constraints` (field `{name}`): ignored"),
            ));
        } else if !KNOWN_FIELD_KEYS.contains(&key.as_str()) && !key.starts_with("x-") {
            warnings.push(DescriptorWarning::new(
                format!("{path}/{key}"),
                format!("clé inconnue « {key} » dans le champ « {name} » : ignorée"),
                format!("unknown key `{key}` in field `{name}`: ignored"),
            ));
        }
    }
    let format = object
        .get("format")
        .and_then(Json::as_str)
        .unwrap_or("default");
    let format = format.strip_prefix("fmt:").unwrap_or(format).to_owned();
    let missing_values = match object.get("missingValues") {
        Some(value) => parse_missing_values(value, &format!("{path}/missingValues"), warnings)
            .unwrap_or_else(|| schema_missing.to_vec()),
        None => schema_missing.to_vec(),
    };
    let caster = build_caster(kind, &format, object, path, name, warnings)?;
    let array_item = match (kind, object.get("arrayItem")) {
        (FieldType::Array, Some(item_json)) => {
            let mut item = item_json.as_object().cloned().unwrap_or_default();
            item.remove("arrayItem");
            item.entry("name")
                .or_insert_with(|| Json::String(name.to_owned()));
            item.entry("type")
                .or_insert_with(|| Json::String("any".to_owned()));
            let item_path = format!("{path}/arrayItem");
            Some(Box::new(parse_field(
                &Json::Object(item),
                &item_path,
                &[String::new()],
                warnings,
            )?))
        }
        _ => None,
    };
    let mut field = Field {
        name: name.to_owned(),
        title: object
            .get("title")
            .and_then(Json::as_str)
            .map(str::to_owned),
        description: object
            .get("description")
            .and_then(Json::as_str)
            .map(str::to_owned),
        kind,
        format,
        constraints: Constraints::default(),
        missing_values,
        caster,
        array_item,
    };
    if let Some(constraints) = object.get("constraints") {
        match constraints.as_object() {
            Some(map) => {
                field.constraints =
                    parse_constraints(&field, map, &format!("{path}/constraints"), warnings)
            }
            None => warnings.push(DescriptorWarning::new(
                format!("{path}/constraints"),
                format!("« constraints » du champ « {name} » n'est pas un objet : ignoré"),
                format!("`constraints` of field `{name}` is not an object: ignored"),
            )),
        }
    }
    Ok(field)
}

fn unsupported_format(path: &str, name: &str, kind: FieldType, format: &str) -> DescriptorError {
    DescriptorError::new(
        format!("{path}/format"),
        format!(
            "format « {format} » inconnu pour le type {} (champ « {name} »)",
            kind.as_str()
        ),
        format!(
            "unknown format `{format}` for type {} (field `{name}`)",
            kind.as_str()
        ),
    )
}

fn build_caster(
    kind: FieldType,
    format: &str,
    object: &Map<String, Json>,
    path: &str,
    name: &str,
    warnings: &mut Vec<DescriptorWarning>,
) -> Result<Caster, DescriptorError> {
    let temporal = |format: &str| -> Result<Temporal, DescriptorError> {
        Ok(match format {
            "default" => Temporal::Default,
            "any" => Temporal::Any,
            pattern => Temporal::Pattern(Box::new(Strptime::compile(pattern).map_err(|directive| {
                DescriptorError::new(
                    format!("{path}/format"),
                    format!("format de date « {pattern} » illisible (directive {directive}) pour le champ « {name} »"),
                    format!("unreadable date pattern `{pattern}` (directive {directive}) for field `{name}`"),
                )
            })?)),
        })
    };
    let mut strings = |key: &str, default: &[&str]| -> Vec<String> {
        match object.get(key).and_then(string_or_strings) {
            Some(values) => values,
            None => {
                if object.contains_key(key) {
                    warnings.push(DescriptorWarning::new(
                        format!("{path}/{key}"),
                        format!(
                            "« {key} » doit être une liste de textes : valeurs par défaut utilisées"
                        ),
                        format!("`{key}` must be a list of strings: defaults used"),
                    ));
                }
                default.iter().map(|value| (*value).to_owned()).collect()
            }
        }
    };
    Ok(match kind {
        FieldType::String => Caster::String(match format {
            "default" => StringFormat::Default,
            "email" => StringFormat::Email,
            "uri" => StringFormat::Uri,
            "uuid" => StringFormat::Uuid,
            "binary" => StringFormat::Binary,
            other => {
                warnings.push(DescriptorWarning::new(
                    format!("{path}/format"),
                    format!("format « {other} » non vérifié pour le champ texte « {name} »"),
                    format!("format `{other}` is not checked for string field `{name}`"),
                ));
                StringFormat::Default
            }
        }),
        FieldType::Number => {
            let has_options = ["decimalChar", "groupChar", "bareNumber"]
                .iter()
                .any(|key| object.contains_key(*key));
            Caster::Number(NumberFormat {
                decimal_char: object
                    .get("decimalChar")
                    .and_then(Json::as_str)
                    .unwrap_or(".")
                    .to_owned(),
                group_char: object
                    .get("groupChar")
                    .and_then(Json::as_str)
                    .unwrap_or("")
                    .to_owned(),
                bare_number: object
                    .get("bareNumber")
                    .and_then(Json::as_bool)
                    .unwrap_or(true),
                has_options,
            })
        }
        FieldType::Integer => Caster::Integer {
            bare_number: object
                .get("bareNumber")
                .and_then(Json::as_bool)
                .unwrap_or(true),
        },
        FieldType::Boolean => Caster::Boolean {
            true_values: strings("trueValues", &["true", "True", "TRUE", "1"]),
            false_values: strings("falseValues", &["false", "False", "FALSE", "0"]),
        },
        FieldType::Date => Caster::Date(temporal(format)?),
        FieldType::Time => Caster::Time(temporal(format)?),
        FieldType::DateTime => Caster::DateTime(temporal(format)?),
        FieldType::Year => Caster::Year,
        FieldType::YearMonth => Caster::YearMonth,
        FieldType::Duration => Caster::Duration,
        FieldType::GeoPoint => Caster::GeoPoint(match format {
            "default" => GeoFormat::Default,
            "array" => GeoFormat::Array,
            "object" => GeoFormat::Object,
            other => return Err(unsupported_format(path, name, kind, other)),
        }),
        FieldType::GeoJson => Caster::GeoJson,
        FieldType::Object => Caster::Object,
        FieldType::Array => Caster::Array,
        FieldType::List => {
            let item_type = object
                .get("itemType")
                .and_then(Json::as_str)
                .unwrap_or("string");
            let item_kind = FieldType::parse(item_type)
                .filter(|kind| !matches!(kind, FieldType::List | FieldType::Array | FieldType::Object | FieldType::GeoJson))
                .ok_or_else(|| {
                    DescriptorError::new(
                        format!("{path}/itemType"),
                        format!("type d'élément de liste « {item_type} » non pris en charge (champ « {name} »)"),
                        format!("unsupported list item type `{item_type}` (field `{name}`)"),
                    )
                })?;
            let item = build_caster(item_kind, "default", &Map::new(), path, name, warnings)?;
            Caster::List {
                delimiter: object
                    .get("delimiter")
                    .and_then(Json::as_str)
                    .filter(|text| !text.is_empty())
                    .unwrap_or(",")
                    .to_owned(),
                item: Box::new(item),
            }
        }
        FieldType::Any => Caster::Any,
    })
}

fn parse_constraints(
    field: &Field,
    map: &Map<String, Json>,
    path: &str,
    warnings: &mut Vec<DescriptorWarning>,
) -> Constraints {
    let mut constraints = Constraints::default();
    let name = &field.name;
    let mut warn = |key: &str, fr: String, en: String| {
        warnings.push(DescriptorWarning::new(format!("{path}/{key}"), fr, en))
    };
    for (key, value) in map {
        if key == "unique" {
            match value.as_bool() {
                Some(flag) => constraints.unique = flag,
                None => warn(
                    key,
                    format!("« unique » doit valoir true ou false (champ « {name} ») : ignoré"),
                    format!("`unique` must be true or false (field `{name}`): ignored"),
                ),
            }
            continue;
        }
        let Some(kind) = ConstraintKind::parse(key) else {
            let trimmed = key.trim_end_matches([':', ' ']);
            let hint_fr = ConstraintKind::parse(trimmed)
                .map(|kind| format!(" (vouliez-vous dire « {} » ?)", kind.as_str()))
                .unwrap_or_default();
            let hint_en = ConstraintKind::parse(trimmed)
                .map(|kind| format!(" (did you mean `{}`?)", kind.as_str()))
                .unwrap_or_default();
            warn(
                key,
                format!("contrainte inconnue « {key} » (champ « {name} ») : ignorée{hint_fr}"),
                format!("unknown constraint `{key}` (field `{name}`): ignored{hint_en}"),
            );
            continue;
        };
        if !field.kind.supported_constraints().contains(&kind) {
            warn(
                key,
                format!(
                    "la contrainte « {key} » ne s'applique pas au type {} (champ « {name} ») : ignorée",
                    field.kind.as_str()
                ),
                format!(
                    "constraint `{key}` does not apply to type {} (field `{name}`): ignored",
                    field.kind.as_str()
                ),
            );
            continue;
        }
        let unusable = |what_fr: &str, what_en: &str| {
            (
                format!(
                    "contrainte « {key} » du champ « {name} » inutilisable ({what_fr}) : ignorée"
                ),
                format!("constraint `{key}` of field `{name}` is unusable ({what_en}): ignored"),
            )
        };
        match kind {
            ConstraintKind::Required => match value.as_bool() {
                Some(flag) => constraints.required = flag,
                None => {
                    let (fr, en) = unusable("true ou false attendu", "true or false expected");
                    warn(key, fr, en)
                }
            },
            ConstraintKind::MinLength | ConstraintKind::MaxLength => match value.as_u64() {
                Some(length) => {
                    let slot = if kind == ConstraintKind::MinLength {
                        &mut constraints.min_length
                    } else {
                        &mut constraints.max_length
                    };
                    *slot = Some(length as usize);
                }
                None => {
                    let (fr, en) =
                        unusable("entier positif attendu", "non-negative integer expected");
                    warn(key, fr, en)
                }
            },
            ConstraintKind::Minimum
            | ConstraintKind::Maximum
            | ConstraintKind::ExclusiveMinimum
            | ConstraintKind::ExclusiveMaximum => match field.caster.cast_json(value) {
                Some(typed) => {
                    let text = match value {
                        Json::String(text) => text.clone(),
                        other => other.to_string(),
                    };
                    let bound = Some(Bound { value: typed, text });
                    match kind {
                        ConstraintKind::Minimum => constraints.minimum = bound,
                        ConstraintKind::Maximum => constraints.maximum = bound,
                        ConstraintKind::ExclusiveMinimum => constraints.exclusive_minimum = bound,
                        _ => constraints.exclusive_maximum = bound,
                    }
                }
                None => {
                    let (fr, en) = unusable(
                        "valeur illisible pour le type du champ",
                        "value unreadable for the field's type",
                    );
                    warn(key, fr, en)
                }
            },
            ConstraintKind::Pattern => match value.as_str().map(|source| {
                let translated = python_to_rust_regex(source);
                let regex = Regex::new(&format!("^(?:{translated})$"));
                (source, translated, regex)
            }) {
                Some((source, translated, Ok(regex))) => {
                    constraints.pattern = Some(Pattern {
                        source: source.to_owned(),
                        regex,
                        fast: SimplePattern::compile(&translated),
                    })
                }
                Some((_, _, Err(error))) => {
                    let (fr, en) = unusable(
                        &format!("expression régulière non prise en charge : {error}"),
                        &format!("unsupported regular expression: {error}"),
                    );
                    warn(key, fr, en)
                }
                None => {
                    let (fr, en) = unusable("texte attendu", "string expected");
                    warn(key, fr, en)
                }
            },
            ConstraintKind::Enum => match value.as_array() {
                Some(items) => {
                    let values: Vec<Value<'static>> = items
                        .iter()
                        .filter_map(|item| field.caster.cast_json(item))
                        .collect();
                    if values.len() < items.len() {
                        let (fr, en) = unusable(
                            "certaines valeurs ne sont pas du type du champ",
                            "some values are not of the field's type",
                        );
                        warn(key, fr, en);
                    }
                    let texts: Vec<String> = items
                        .iter()
                        .map(|item| {
                            item.as_str()
                                .map_or_else(|| item.to_string(), str::to_owned)
                        })
                        .collect();
                    constraints.enumeration = Some(Enumeration {
                        values,
                        texts: texts.into(),
                    });
                }
                None => {
                    let (fr, en) = unusable("liste attendue", "list expected");
                    warn(key, fr, en)
                }
            },
        }
    }
    constraints
}

/// Python's `re` accepts escaping any character (`\‘`, `\<`) and spells end of text `\Z`;
/// Rust's `regex` does not, so such escapes become the plain character.
fn python_to_rust_regex(source: &str) -> String {
    let mut translated = String::with_capacity(source.len());
    let mut chars = source.chars();
    while let Some(char) = chars.next() {
        if char != '\\' {
            translated.push(char);
            continue;
        }
        match chars.next() {
            Some('Z') => translated.push_str("\\z"),
            Some(escaped @ ('<' | '>')) => translated.push(escaped),
            Some(escaped) if !escaped.is_ascii() => {
                translated.push_str(&regex::escape(&escaped.to_string()))
            }
            Some(escaped) => {
                translated.push('\\');
                translated.push(escaped);
            }
            None => translated.push_str("\\\\"),
        }
    }
    translated
}

fn parse_foreign_keys(
    object: &Map<String, Json>,
    field_names: &[&str],
    warnings: &mut Vec<DescriptorWarning>,
) -> Result<Vec<ForeignKey>, DescriptorError> {
    let Some(value) = object.get("foreignKeys") else {
        return Ok(Vec::new());
    };
    let items = value.as_array().ok_or_else(|| {
        DescriptorError::new(
            "foreignKeys",
            "« foreignKeys » doit être une liste",
            "`foreignKeys` must be a list",
        )
    })?;
    let mut keys = Vec::new();
    for (index, item) in items.iter().enumerate() {
        let path = format!("foreignKeys/{index}");
        let invalid = || {
            DescriptorError::new(
                path.clone(),
                "clé étrangère illisible : « fields » et « reference.fields » attendus",
                "unreadable foreign key: `fields` and `reference.fields` expected",
            )
        };
        let fields = item
            .get("fields")
            .and_then(string_or_strings)
            .ok_or_else(invalid)?;
        let reference = item.get("reference").ok_or_else(invalid)?;
        let reference_fields = reference
            .get("fields")
            .and_then(string_or_strings)
            .ok_or_else(invalid)?;
        let resource = reference
            .get("resource")
            .and_then(Json::as_str)
            .unwrap_or("");
        if !resource.is_empty() {
            warnings.push(DescriptorWarning::new(
                format!("{path}/reference/resource"),
                format!("clé étrangère vers la ressource « {resource} » : seules les références à la même table sont vérifiées"),
                format!("foreign key to resource `{resource}`: only same-table references are checked"),
            ));
            continue;
        }
        if fields.len() != reference_fields.len() {
            return Err(DescriptorError::new(
                path,
                "clé étrangère : « fields » et « reference.fields » n'ont pas le même nombre de champs",
                "foreign key: `fields` and `reference.fields` differ in length",
            ));
        }
        check_known_fields(&fields, field_names, &format!("{path}/fields"))?;
        check_known_fields(
            &reference_fields,
            field_names,
            &format!("{path}/reference/fields"),
        )?;
        keys.push(ForeignKey {
            fields,
            reference_fields,
        });
    }
    Ok(keys)
}

fn parse_custom_checks(
    object: &Map<String, Json>,
    fields: &[Field],
    warnings: &mut Vec<DescriptorWarning>,
) -> Vec<Arc<dyn CustomCheck>> {
    let Some(entries) = object.get("custom_checks").and_then(Json::as_array) else {
        return Vec::new();
    };
    let field_index = |name: &str| fields.iter().position(|field| field.name == name);
    let mut checks: Vec<Arc<dyn CustomCheck>> = Vec::new();
    for (index, entry) in entries.iter().enumerate() {
        let path = format!("custom_checks/{index}");
        match custom::build(entry, &field_index) {
            Ok(check) => checks.push(Arc::from(check)),
            Err(BuildError::Unknown(name)) => warnings.push(DescriptorWarning::new(
                path,
                format!("contrôle personnalisé inconnu « {name} » : non vérifié"),
                format!("unknown custom check `{name}`: not checked"),
            )),
            Err(BuildError::Invalid {
                check,
                reason_fr,
                reason_en,
            }) => warnings.push(DescriptorWarning::new(
                path,
                format!("contrôle personnalisé « {check} » inutilisable : {reason_fr}"),
                format!("custom check `{check}` is unusable: {reason_en}"),
            )),
        }
    }
    checks
}
