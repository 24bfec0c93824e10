//! Row validation, ready for parallel use.
//!
//! [`Plan::new`] checks the header once and maps physical columns to schema fields. Then any
//! number of [`Part`]s (one per chunk of consecutive rows, possibly on several threads) are
//! filled by [`Plan::check_row`], and [`Plan::finish`] merges them in file order into a
//! [`Report`], resolving `unique`, `primaryKey` and same-table `foreignKeys` across parts. The
//! report is the same whatever the chunking.
//!
//! Memory: per `unique` column and per distinct value, one entry of ~40 bytes (128-bit hash,
//! first and last row) plus the cell text; per primary key distinct value ~40 bytes; per row
//! with a foreign key, ~40 bytes plus the key text. Values are compared through 128-bit hashes
//! of a canonical typed encoding: a false duplicate needs a hash collision (probability about
//! n²/2¹²⁹ for n values, negligible).

use std::collections::hash_map::Entry;
use std::collections::{HashMap, HashSet};
use std::hash::{Hash, Hasher};
use std::sync::Arc;

use crate::custom::{CustomCheck, CustomError};
use crate::keyhash::{KeyHasher, Prehashed};
use crate::quick::{Quick, QuickCheck, QuickRead};
use crate::report::{self, Details, ErrorCode, Report, ReportError, Stats};
use crate::schema::{Field, FieldsMatch, Schema, Violation};
use crate::value::{Scalar, Value};

/// Validation options (the CLI's flags).
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Stop after this many errors (frictionless's default is 1000; `None` = no limit).
    pub max_errors: Option<usize>,
    /// Overrides the schema's `fieldsMatch` (a `--fields-match` flag).
    pub fields_match: Option<FieldsMatch>,
}

/// One physical column: the field that reads it.
#[derive(Debug, Clone)]
struct Column {
    /// Schema index, or `None` for a column the schema does not declare (read as `any`).
    schema_index: Option<usize>,
    field: Arc<Field>,
    /// The cell check that builds no value, for the usual valid cells.
    quick: QuickCheck,
}

impl Column {
    fn new(schema_index: Option<usize>, field: Arc<Field>) -> Column {
        Column {
            schema_index,
            quick: QuickCheck::new(&field),
            field,
        }
    }
}

#[derive(Debug, Clone)]
struct PlanForeignKey {
    source_columns: Vec<usize>,
    reference_columns: Vec<usize>,
    fields: Vec<String>,
    reference_fields: Vec<String>,
}

/// The header-checked validation plan. `Plan: Sync`: share it between threads.
#[derive(Debug)]
pub struct Plan {
    columns: Vec<Column>,
    n_schema_fields: usize,
    unique_columns: Vec<usize>,
    primary_key: Option<(Vec<usize>, Vec<String>)>,
    foreign_keys: Vec<PlanForeignKey>,
    /// Columns whose values feed a key (unique, primary key, foreign key).
    key_columns: Vec<bool>,
    custom_checks: Vec<Arc<dyn CustomCheck>>,
    /// Physical column of each schema field, if present.
    column_of_field: Vec<Option<usize>>,
    options: Options,
    header_errors: usize,
}

/// One distinct value of a `unique` column: first row, last row, and where its first cell
/// text lies in [`Part::unique_text`] (start, length). Texts share one buffer so that a
/// million distinct values cost one growing allocation, not a million small ones.
type UniqueEntry = (u64, u64, usize, u32);

/// Findings about one chunk of consecutive rows; row numbers inside are chunk-local.
#[derive(Debug, Default)]
pub struct Part {
    errors: Vec<ReportError>,
    /// Errors not kept because of `max_errors`.
    dropped_errors: usize,
    rows: u64,
    /// Per unique column: hash → (first row, last row, first cell text).
    unique: Vec<HashMap<u128, UniqueEntry, Prehashed>>,
    /// First cell texts of the distinct values of `unique` columns, end to end.
    unique_text: String,
    /// Primary key hash → (first row, last row).
    primary: HashMap<u128, (u64, u64), Prehashed>,
    /// Foreign key values seen in `fields`: (row, key index, hash, values for messages).
    foreign_sources: Vec<(u64, usize, u128, Box<[String]>)>,
    /// Per foreign key, hashes of the values of `reference.fields`.
    foreign_targets: Vec<HashSet<u128, Prehashed>>,
    violations: Vec<Violation>,
    key_hashes: Vec<Option<u128>>,
    row_errors: Vec<ReportError>,
    /// The allocation of the per-row cells given to custom checks, emptied between rows.
    custom_cells: Vec<Option<&'static str>>,
}

impl Options {
    /// Frictionless stops after 1000 errors unless told otherwise.
    pub const FRICTIONLESS_MAX_ERRORS: usize = 1000;

    /// The options under which reports match frictionless's defaults (error limit 1000).
    pub fn frictionless() -> Options {
        Options {
            max_errors: Some(Self::FRICTIONLESS_MAX_ERRORS),
            ..Options::default()
        }
    }
}

impl Part {
    /// Rows checked so far.
    pub fn rows(&self) -> u64 {
        self.rows
    }

    /// Errors found so far (including those dropped beyond `max_errors`).
    pub fn error_count(&self) -> usize {
        self.errors.len() + self.dropped_errors
    }
}

/// Where [`Plan::check_row_into`] hands a row's cast values: one call per physical column, in
/// column order (`position` counts from 0): `value`, or `scalar` for a valid cell of a common
/// type read by the fast path, or `missing` for a missing value or absent cell the fast path
/// allowed; [`Value::Null`] for the other missing values, absent cells and cells with a type
/// error.
pub trait ValueSink<'a> {
    /// False for a sink that keeps nothing: the checker then makes no value it can avoid.
    const WANTS_VALUES: bool = true;

    fn value(&mut self, position: usize, value: Value<'a>);

    /// A value that owns nothing, as the fast path casts the common types: what `value` would
    /// get, without a [`Value`] built and dropped (a sink that stores cells overrides it).
    #[inline]
    fn scalar(&mut self, position: usize, value: Scalar<'a>) {
        self.value(position, value.into());
    }

    /// A missing value (or absent cell) that the fast path found allowed: `value` with
    /// [`Value::Null`] unless overridden. A type error still goes to `value`, with its null.
    #[inline]
    fn missing(&mut self, position: usize) {
        self.value(position, Value::Null);
    }
}

/// The sink of [`Plan::check_row`]: values are not wanted.
struct NoValues;

impl ValueSink<'_> for NoValues {
    const WANTS_VALUES: bool = false;

    fn value(&mut self, _position: usize, _value: Value<'_>) {}
}

/// Collects the values in order.
impl<'a> ValueSink<'a> for Vec<Value<'a>> {
    fn value(&mut self, _position: usize, value: Value<'a>) {
        self.push(value);
    }
}

impl Plan {
    /// Checks the header against the schema and plans the row checks. Returns the header errors.
    pub fn new(schema: &Schema, labels: &[&str], options: &Options) -> (Plan, Vec<ReportError>) {
        let mode = options
            .fields_match
            .or(schema.fields_match)
            .unwrap_or_default();
        let fields = schema.fields();
        let mut errors = Vec::new();
        let shared: Vec<Arc<Field>> = fields.iter().cloned().map(Arc::new).collect();
        let columns: Vec<Column> = if labels.is_empty() {
            errors.push(header_error(
                ErrorCode::BlankHeader,
                None,
                None,
                Details::None,
            ));
            shared
                .iter()
                .enumerate()
                .map(|(index, field)| Column::new(Some(index), field.clone()))
                .collect()
        } else {
            let matched = match_labels(fields, labels, mode);
            check_header(fields, labels, &matched, mode, schema, &mut errors);
            matched
                .iter()
                .zip(labels)
                .map(|(schema_index, label)| match schema_index {
                    Some(index) => Column::new(Some(*index), shared[*index].clone()),
                    None => Column::new(None, Arc::new(extra_field(label))),
                })
                .collect()
        };
        let mut column_of_field = vec![None; fields.len()];
        for (position, column) in columns.iter().enumerate() {
            if let Some(index) = column.schema_index
                && column_of_field[index].is_none()
            {
                column_of_field[index] = Some(position);
            }
        }
        let column_named = |name: &str| {
            schema
                .field_index(name)
                .and_then(|index| column_of_field[index])
        };
        let all_present = |names: &[String]| {
            names
                .iter()
                .map(|name| column_named(name))
                .collect::<Option<Vec<usize>>>()
        };
        let unique_columns: Vec<usize> = (0..columns.len())
            .filter(|position| {
                columns[*position].schema_index.is_some()
                    && columns[*position].field.constraints.unique
            })
            .collect();
        let primary_key = if schema.primary_key.is_empty() {
            None
        } else {
            all_present(&schema.primary_key)
                .map(|positions| (positions, schema.primary_key.clone()))
        };
        let foreign_keys: Vec<PlanForeignKey> = schema
            .foreign_keys
            .iter()
            .filter_map(|key| {
                let source_columns = all_present(&key.fields)?;
                // Reference columns absent from the file read as empty: every value is then unknown.
                let reference_columns = key
                    .reference_fields
                    .iter()
                    .map(|name| column_named(name).unwrap_or(usize::MAX))
                    .collect();
                Some(PlanForeignKey {
                    source_columns,
                    reference_columns,
                    fields: key.fields.clone(),
                    reference_fields: key.reference_fields.clone(),
                })
            })
            .collect();
        let mut key_columns = vec![false; columns.len()];
        let n_columns = key_columns.len();
        let mut mark = |positions: &[usize]| {
            positions
                .iter()
                .filter(|position| **position < n_columns)
                .for_each(|position| key_columns[*position] = true)
        };
        mark(&unique_columns);
        if let Some((positions, _)) = &primary_key {
            mark(positions);
        }
        for key in &foreign_keys {
            mark(&key.source_columns);
            mark(&key.reference_columns);
        }
        let header_errors = errors.len();
        let plan = Plan {
            columns,
            n_schema_fields: fields.len(),
            unique_columns,
            primary_key,
            foreign_keys,
            key_columns,
            custom_checks: schema.custom_checks.clone(),
            column_of_field,
            options: options.clone(),
            header_errors,
        };
        (plan, errors)
    }

    /// A new, empty part.
    pub fn new_part(&self) -> Part {
        Part {
            unique: vec![HashMap::default(); self.unique_columns.len()],
            foreign_targets: vec![HashSet::default(); self.foreign_keys.len()],
            key_hashes: vec![None; self.columns.len()],
            ..Part::default()
        }
    }

    /// Number of physical columns the plan expects (one per header label).
    pub fn column_count(&self) -> usize {
        self.columns.len()
    }

    /// Schema field index read by each physical column (`None` for undeclared columns).
    pub fn column_fields(&self) -> Vec<Option<usize>> {
        self.columns
            .iter()
            .map(|column| column.schema_index)
            .collect()
    }

    /// Checks one row. `row_number` is local to the part (see [`Plan::finish`]).
    pub fn check_row(&self, part: &mut Part, row_number: u64, cells: &[&str]) {
        self.check_row_inner(part, row_number, cells, &mut NoValues, true);
    }

    /// Checks one row and writes the cast value of each physical column into `values`
    /// (cleared first; [`Value::Null`] for missing values, absent cells and type errors).
    /// Cells that feed no key take the fast path too: a cell it finds valid gets its cast value
    /// from the parse that found it valid, which is what the full path gives a cell without
    /// errors.
    pub fn check_row_values<'a>(
        &self,
        part: &mut Part,
        row_number: u64,
        cells: &[&'a str],
        values: &mut Vec<Value<'a>>,
    ) {
        values.clear();
        self.check_row_into(part, row_number, cells, values);
    }

    /// [`Plan::check_row_values`], handing each physical column's value to `sink` as soon as
    /// it is known (in column order, one call per column) instead of collecting them: a load
    /// puts each where it goes, with no vector of values to fill, read and drop per row.
    pub fn check_row_into<'a>(
        &self,
        part: &mut Part,
        row_number: u64,
        cells: &[&'a str],
        sink: &mut impl ValueSink<'a>,
    ) {
        self.check_row_inner(part, row_number, cells, sink, true);
    }

    /// Checks one row, handing its values to `values`; `quick_allowed: false` reads every cell
    /// the full way (what the fast path is compared with in tests). Instantiated once per kind
    /// of sink, so that a plain check carries none of the code that makes values.
    pub(crate) fn check_row_inner<'a, S: ValueSink<'a>>(
        &self,
        part: &mut Part,
        row_number: u64,
        cells: &[&'a str],
        values: &mut S,
        quick_allowed: bool,
    ) {
        part.rows += 1;
        let mut row_errors = std::mem::take(&mut part.row_errors);
        row_errors.clear();
        let mut blank_cells = 0usize;
        // The cells custom checks see, by schema field, in a buffer kept from row to row.
        let mut custom_cells = reuse_cells(std::mem::take(&mut part.custom_cells));
        if !self.custom_checks.is_empty() {
            custom_cells.resize(self.n_schema_fields, None);
        }
        // Cells that feed no key can take the fast path.
        for (position, column) in self.columns.iter().enumerate() {
            let source = cells.get(position).copied();
            let field = &*column.field;
            if quick_allowed && !self.key_columns[position] {
                // A valid cell's value is its cast, as `Field::read_cell` gives it (it finds no
                // error in such a cell): made only when wanted.
                let quick = match S::WANTS_VALUES {
                    false => column.quick.check(field, source),
                    true => match column.quick.read(field, source) {
                        QuickRead::Scalar(value) => {
                            values.scalar(position, value);
                            Quick::Value
                        }
                        QuickRead::Value(value) => {
                            values.value(position, value);
                            Quick::Value
                        }
                        QuickRead::Null => {
                            values.missing(position);
                            Quick::Null
                        }
                        QuickRead::Unsure => Quick::Unsure,
                    },
                };
                match quick {
                    Quick::Null => {
                        blank_cells += 1;
                        continue;
                    }
                    Quick::Value => {
                        if let (Some(index), Some(text)) = (column.schema_index, source)
                            && !custom_cells.is_empty()
                            && custom_cells[index].is_none()
                        {
                            custom_cells[index] = Some(text);
                        }
                        continue;
                    }
                    Quick::Unsure => {}
                }
            }
            part.violations.clear();
            let (value, type_error) = field.read_cell(source, &mut part.violations);
            if value.is_null() && !type_error {
                blank_cells += 1;
            }
            if type_error {
                let cell = source.unwrap_or("");
                row_errors.push(cell_error(
                    ErrorCode::TypeError,
                    row_number,
                    position,
                    field,
                    cell,
                    Details::Type {
                        field: report::field_info(field, None),
                    },
                    report::hint_for(field, None, cell),
                ));
            }
            for violation in &part.violations {
                let cell = source.unwrap_or("");
                let details = Details::Constraint {
                    constraint: violation.kind,
                    in_array_item: violation.in_array_item,
                    field: report::field_info(field, Some(violation.kind)),
                };
                let hint = if violation.in_array_item {
                    None
                } else {
                    report::hint_for(field, Some(violation.kind), cell)
                };
                row_errors.push(cell_error(
                    ErrorCode::ConstraintError,
                    row_number,
                    position,
                    field,
                    cell,
                    details,
                    hint,
                ));
            }
            if self.key_columns[position] {
                part.key_hashes[position] = match &value {
                    Value::Null => None,
                    Value::Number(number) if number.is_nan() => Some(NAN_KEY),
                    value => Some(self.hash_values(std::slice::from_ref(value))),
                };
            }
            if let (Some(index), Some(text)) = (column.schema_index, source)
                && !custom_cells.is_empty()
                && !value.is_null()
                && custom_cells[index].is_none()
            {
                custom_cells[index] = Some(text);
            }
            values.value(position, value);
        }
        for (position, cell) in cells.iter().enumerate().skip(self.columns.len()) {
            row_errors.push(ReportError {
                code: ErrorCode::ExtraCell,
                row_number: Some(row_number),
                field_number: Some(position + 1),
                // No field reads this cell; frictionless reports an empty name, not null.
                field_name: Some(String::new()),
                cell: Some((*cell).to_owned()),
                details: Details::None,
                hint: None,
            });
        }
        for position in cells.len()..self.columns.len() {
            row_errors.push(ReportError {
                code: ErrorCode::MissingCell,
                row_number: Some(row_number),
                field_number: Some(position + 1),
                field_name: Some(self.columns[position].field.name.clone()),
                cell: Some(String::new()),
                details: Details::None,
                hint: None,
            });
        }
        if blank_cells == self.columns.len() {
            row_errors.clear();
            row_errors.push(ReportError {
                code: ErrorCode::BlankRow,
                row_number: Some(row_number),
                field_number: None,
                field_name: None,
                cell: None,
                details: Details::None,
                hint: None,
            });
        }
        self.check_keys(part, row_number, cells, &mut row_errors);
        if !self.custom_checks.is_empty() {
            self.run_custom_checks(row_number, &custom_cells, &mut row_errors);
        }
        part.custom_cells = reuse_cells(custom_cells);
        self.order_row_errors(&mut row_errors);
        // A row's errors are kept or dropped together, so that a part never cuts a row that
        // a serial run would keep whole (the report is cut to `max_errors` in `finish`).
        if self
            .options
            .max_errors
            .is_some_and(|limit| part.errors.len() >= limit)
        {
            part.dropped_errors += row_errors.len();
            row_errors.clear();
        } else {
            part.errors.append(&mut row_errors);
        }
        part.row_errors = row_errors;
    }

    fn check_keys(
        &self,
        part: &mut Part,
        row_number: u64,
        cells: &[&str],
        row_errors: &mut Vec<ReportError>,
    ) {
        for (slot, position) in self.unique_columns.iter().enumerate() {
            let Some(hash) = part.key_hashes[*position].filter(|hash| *hash != NAN_KEY) else {
                continue;
            };
            let cell = cells.get(*position).copied().unwrap_or("");
            match part.unique[slot].entry(hash) {
                Entry::Occupied(mut entry) => {
                    let previous = entry.get().1;
                    entry.get_mut().1 = row_number;
                    let field = &self.columns[*position].field;
                    row_errors.push(cell_error(
                        ErrorCode::UniqueError,
                        row_number,
                        *position,
                        field,
                        cell,
                        Details::Duplicate {
                            first_row: previous,
                            fields: vec![field.name.clone()],
                        },
                        None,
                    ));
                }
                Entry::Vacant(entry) => {
                    let start = part.unique_text.len();
                    part.unique_text.push_str(cell);
                    entry.insert((row_number, row_number, start, cell.len() as u32));
                }
            }
        }
        if let Some((positions, names)) = &self.primary_key {
            let hashes: Vec<Option<u128>> = positions
                .iter()
                .map(|position| part.key_hashes[*position])
                .collect();
            if hashes.iter().all(Option::is_none) {
                row_errors.push(row_error(
                    ErrorCode::PrimaryKey,
                    row_number,
                    Details::NullPrimaryKey {
                        fields: names.clone(),
                    },
                ));
            } else if !hashes.contains(&Some(NAN_KEY)) {
                let hash = self.combine(&hashes);
                match part.primary.entry(hash) {
                    Entry::Occupied(mut entry) => {
                        let previous = entry.get().1;
                        entry.get_mut().1 = row_number;
                        row_errors.push(row_error(
                            ErrorCode::PrimaryKey,
                            row_number,
                            Details::Duplicate {
                                first_row: previous,
                                fields: names.clone(),
                            },
                        ));
                    }
                    Entry::Vacant(entry) => {
                        entry.insert((row_number, row_number));
                    }
                }
            }
        }
        for (index, key) in self.foreign_keys.iter().enumerate() {
            let reference: Vec<Option<u128>> = key
                .reference_columns
                .iter()
                .map(|position| part.key_hashes.get(*position).copied().flatten())
                .collect();
            if reference.iter().any(Option::is_some) && !reference.contains(&Some(NAN_KEY)) {
                let hash = self.combine(&reference);
                part.foreign_targets[index].insert(hash);
            }
            let source: Vec<Option<u128>> = key
                .source_columns
                .iter()
                .map(|position| part.key_hashes[*position])
                .collect();
            if source.iter().any(Option::is_some) {
                let texts: Box<[String]> = key
                    .source_columns
                    .iter()
                    .map(|position| cells.get(*position).copied().unwrap_or("").to_owned())
                    .collect();
                let hash = if source.contains(&Some(NAN_KEY)) {
                    NAN_KEY
                } else {
                    self.combine(&source)
                };
                part.foreign_sources.push((row_number, index, hash, texts));
            }
        }
    }

    fn run_custom_checks(
        &self,
        row_number: u64,
        cells: &[Option<&str>],
        row_errors: &mut Vec<ReportError>,
    ) {
        let mut found: Vec<CustomError> = Vec::new();
        for check in &self.custom_checks {
            check.check_row(cells, &mut found);
        }
        for error in found {
            let position = error
                .field_index
                .and_then(|index| self.column_of_field.get(index).copied().flatten());
            row_errors.push(ReportError {
                code: ErrorCode::Custom(error.code),
                row_number: Some(row_number),
                field_number: position.map(|position| position + 1),
                field_name: position.map(|position| self.columns[position].field.name.clone()),
                cell: error.field_index.map(|_| error.cell.clone()),
                details: Details::Custom {
                    message_fr: error.message_fr,
                    message_en: error.message_en,
                },
                hint: None,
            });
        }
    }

    /// Merges the header errors returned by [`Plan::new`] and the parts, in file order, into
    /// the report. Each part comes with the number to add to its row numbers (0 when they are
    /// already absolute).
    pub fn finish(
        &self,
        header_errors: Vec<ReportError>,
        parts: impl IntoIterator<Item = (u64, Part)>,
    ) -> Report {
        let mut errors = header_errors;
        let mut rows = 0u64;
        let mut unique: Vec<HashMap<u128, u64, Prehashed>> =
            vec![HashMap::default(); self.unique_columns.len()];
        let mut primary: HashMap<u128, u64, Prehashed> = HashMap::default();
        let mut targets: Vec<HashSet<u128, Prehashed>> =
            vec![HashSet::default(); self.foreign_keys.len()];
        let mut sources: Vec<(u64, usize, u128, Box<[String]>)> = Vec::new();
        for (offset, part) in parts {
            rows += part.rows;
            errors.extend(part.errors.into_iter().map(|mut error| {
                error.row_number = error.row_number.map(|row| row + offset);
                if let Details::Duplicate { first_row, .. } = &mut error.details {
                    *first_row += offset;
                }
                error
            }));
            for (slot, map) in part.unique.into_iter().enumerate() {
                let position = self.unique_columns[slot];
                for (hash, (first, last, start, length)) in map {
                    let cell = &part.unique_text[start..start + length as usize];
                    let global = &mut unique[slot];
                    if let Some(previous) = global.get(&hash) {
                        let field = &self.columns[position].field;
                        let details = Details::Duplicate {
                            first_row: *previous,
                            fields: vec![field.name.clone()],
                        };
                        errors.push(cell_error(
                            ErrorCode::UniqueError,
                            first + offset,
                            position,
                            field,
                            cell,
                            details,
                            None,
                        ));
                    }
                    global.insert(hash, last + offset);
                }
            }
            if let Some((_, names)) = &self.primary_key {
                for (hash, (first, last)) in part.primary {
                    if let Some(previous) = primary.get(&hash) {
                        errors.push(row_error(
                            ErrorCode::PrimaryKey,
                            first + offset,
                            Details::Duplicate {
                                first_row: *previous,
                                fields: names.clone(),
                            },
                        ));
                    }
                    primary.insert(hash, last + offset);
                }
            }
            for (index, set) in part.foreign_targets.into_iter().enumerate() {
                targets[index].extend(set);
            }
            sources.extend(
                part.foreign_sources
                    .into_iter()
                    .map(|(row, index, hash, texts)| (row + offset, index, hash, texts)),
            );
        }
        for (row, index, hash, values) in sources {
            if !targets[index].contains(&hash) {
                let key = &self.foreign_keys[index];
                let details = Details::ForeignKey {
                    fields: key.fields.clone(),
                    reference_fields: key.reference_fields.clone(),
                    values: values.into_vec(),
                };
                errors.push(row_error(ErrorCode::ForeignKey, row, details));
            }
        }
        // Serial order: header errors, then by row; within a row, cell errors, then unique
        // (by column), primary key, foreign keys, custom checks, as frictionless emits them.
        // Header errors first, then rows in order; within a row, frictionless's order.
        errors.sort_by_key(|error| (error.row_number.is_some(), error.row_number));
        let mut ordered = Vec::with_capacity(errors.len());
        let mut rest = errors.as_mut_slice();
        while let Some(first) = rest.first() {
            let row = first.row_number;
            let length = rest
                .iter()
                .take_while(|error| error.row_number == row)
                .count();
            let (group, tail) = rest.split_at_mut(length);
            let mut group: Vec<ReportError> = group
                .iter_mut()
                .map(|error| std::mem::replace(error, placeholder_error()))
                .collect();
            if row.is_some() {
                self.order_row_errors(&mut group);
            }
            ordered.append(&mut group);
            rest = tail;
        }
        let mut errors = ordered;
        let mut warnings = Vec::new();
        if let Some(limit) = self.options.max_errors
            && errors.len() >= limit
            && rows > 0
        {
            errors.truncate(limit);
            // Frictionless stops after the row where the limit is reached (after the first row
            // when header errors alone reach it); rows are counted from row 2, after the header.
            rows = match errors.last().and_then(|error| error.row_number) {
                Some(last_row) => rows.min(last_row.saturating_sub(1)).max(1),
                None => 1,
            };
            warnings.push((
                format!("limite de {limit} erreurs atteinte : validation interrompue"),
                format!("reached error limit: {limit}"),
            ));
        }
        Report {
            valid: errors.is_empty(),
            stats: Stats {
                rows,
                fields: self.n_schema_fields,
                errors: errors.len(),
                warnings: warnings.len(),
            },
            errors,
            warnings,
        }
    }

    /// Number of header errors found by [`Plan::new`].
    pub fn header_error_count(&self) -> usize {
        self.header_errors
    }

    /// Puts one row's errors in the order frictionless emits them. Frictionless reads the
    /// cells of key columns first (unique columns, then primary key, then foreign keys) while
    /// checking keys, and reads the whole row when it records a key error; the error list
    /// follows that reading order. The order is a function of the row's errors alone, so
    /// [`Plan::finish`] can apply it again after adding errors found across parts.
    fn order_row_errors(&self, errors: &mut Vec<ReportError>) {
        // One error, or no key column to read first: the natural order is already right.
        let has_keys = !self.unique_columns.is_empty()
            || self.primary_key.is_some()
            || !self.foreign_keys.is_empty();
        if errors.len() < 2 || (!has_keys && self.custom_checks.is_empty()) {
            return;
        }
        let n_columns = self.columns.len();
        let mut cell_errors: Vec<Vec<ReportError>> = vec![Vec::new(); n_columns];
        let mut shape_errors = Vec::new();
        let mut blank_row = None;
        let mut unique_errors: Vec<Option<ReportError>> = vec![None; n_columns];
        let mut primary_key_error = None;
        let mut foreign_key_errors: Vec<Vec<ReportError>> =
            vec![Vec::new(); self.foreign_keys.len()];
        let mut custom_errors = Vec::new();
        for error in errors.drain(..) {
            let column = error
                .field_number
                .map(|number| number - 1)
                .filter(|column| *column < n_columns);
            match (error.code, column) {
                (ErrorCode::TypeError | ErrorCode::ConstraintError, Some(column)) => {
                    cell_errors[column].push(error)
                }
                (ErrorCode::UniqueError, Some(column)) => unique_errors[column] = Some(error),
                (ErrorCode::BlankRow, _) => blank_row = Some(error),
                (ErrorCode::PrimaryKey, _) => primary_key_error = Some(error),
                (ErrorCode::ForeignKey, _) => {
                    let index = match &error.details {
                        Details::ForeignKey { fields, .. } => self
                            .foreign_keys
                            .iter()
                            .position(|key| &key.fields == fields)
                            .unwrap_or(0),
                        _ => 0,
                    };
                    if let Some(slot) = foreign_key_errors.get_mut(index) {
                        slot.push(error);
                    }
                }
                (ErrorCode::Custom(_), _) => custom_errors.push(error),
                _ => shape_errors.push(error),
            }
        }
        let mut state = RowReading {
            out: errors,
            cell_errors,
            shape_errors,
            blank_row,
            whole_row_read: false,
        };
        for column in &self.unique_columns {
            state.read_cell(*column);
            if let Some(error) = unique_errors[*column].take() {
                state.read_whole_row();
                state.out.push(error);
            }
        }
        if let Some((columns, _)) = &self.primary_key {
            columns.iter().for_each(|column| state.read_cell(*column));
            if let Some(error) = primary_key_error {
                state.read_whole_row();
                state.out.push(error);
            }
        }
        for (key, key_errors) in self.foreign_keys.iter().zip(foreign_key_errors) {
            key.source_columns
                .iter()
                .for_each(|column| state.read_cell(*column));
            if !key_errors.is_empty() {
                state.read_whole_row();
                state.out.extend(key_errors);
            }
        }
        state.read_whole_row();
        state.out.extend(custom_errors);
    }

    fn hash_values(&self, values: &[Value<'_>]) -> u128 {
        let mut hasher = KeyHasher::default();
        for value in values {
            feed(value, &mut hasher);
        }
        hasher.finish128()
    }

    fn combine(&self, hashes: &[Option<u128>]) -> u128 {
        let mut hasher = KeyHasher::default();
        for hash in hashes {
            hash.hash(&mut hasher);
        }
        hasher.finish128()
    }
}

/// Replays how frictionless reads a row: one cell at a time, or the whole row at once.
struct RowReading<'a> {
    out: &'a mut Vec<ReportError>,
    cell_errors: Vec<Vec<ReportError>>,
    /// `extra-cell` and `missing-cell` errors, found when the whole row is read.
    shape_errors: Vec<ReportError>,
    blank_row: Option<ReportError>,
    whole_row_read: bool,
}

impl RowReading<'_> {
    fn read_cell(&mut self, column: usize) {
        if let Some(errors) = self.cell_errors.get_mut(column) {
            self.out.append(errors);
        }
    }

    fn read_whole_row(&mut self) {
        if self.whole_row_read {
            return;
        }
        self.whole_row_read = true;
        for column in 0..self.cell_errors.len() {
            self.read_cell(column);
        }
        self.out.append(&mut self.shape_errors);
        if let Some(blank_row) = self.blank_row.take() {
            // Frictionless replaces everything found so far by the one `blank-row` error.
            self.out.clear();
            self.out.push(blank_row);
        }
    }
}

/// Empties a vector of cells and hands its allocation over to borrows of another lifetime
/// (no borrow crosses over; the in-place `collect` keeps the buffer).
fn reuse_cells<'b>(mut cells: Vec<Option<&str>>) -> Vec<Option<&'b str>> {
    cells.clear();
    cells.into_iter().map(|_| None).collect()
}

/// The key of a NaN cell: NaN equals nothing, not even itself (Python's `Decimal('NaN')`), so
/// such keys are never duplicates and never found by a foreign key.
const NAN_KEY: u128 = u128::MAX;

fn placeholder_error() -> ReportError {
    row_error(ErrorCode::BlankRow, 0, Details::None)
}

/// Feeds a canonical encoding of a value: equal values (as Python compares them: `1 == 1.0`,
/// a year equals the same integer) feed the same bytes.
fn feed(value: &Value<'_>, hasher: &mut impl Hasher) {
    match value {
        Value::Null => hasher.write_u8(0),
        Value::Boolean(flag) => {
            // Python: `True == 1` and they hash alike.
            hasher.write_u8(2);
            hasher.write_i64(i64::from(*flag));
        }
        Value::Integer(number) => {
            hasher.write_u8(2);
            hasher.write_i64(*number);
        }
        Value::Year(year) => {
            hasher.write_u8(2);
            hasher.write_i64(i64::from(*year));
        }
        Value::Number(number) => {
            if number.fract() == 0.0 && number.abs() < 9.2e18 {
                hasher.write_u8(2);
                hasher.write_i64(*number as i64);
            } else {
                hasher.write_u8(3);
                hasher.write_u64(number.to_bits());
            }
        }
        Value::String(text) => {
            hasher.write_u8(4);
            hasher.write(text.as_bytes());
            hasher.write_usize(text.len());
        }
        Value::Date(date) => {
            hasher.write_u8(5);
            date.hash(hasher);
        }
        Value::Time(time) => {
            hasher.write_u8(6);
            let offset = i64::from(time.offset_seconds.unwrap_or(0));
            let seconds =
                i64::from(time.hour) * 3600 + i64::from(time.minute) * 60 + i64::from(time.second)
                    - offset;
            (time.offset_seconds.is_some(), seconds, time.nanosecond).hash(hasher);
        }
        Value::DateTime(datetime) => {
            hasher.write_u8(7);
            let days = crate::value::days_from_civil(
                datetime.date.year,
                datetime.date.month,
                datetime.date.day,
            );
            let time = datetime.time;
            let seconds = days * 86_400
                + i64::from(time.hour) * 3600
                + i64::from(time.minute) * 60
                + i64::from(time.second)
                - i64::from(time.offset_seconds.unwrap_or(0));
            (time.offset_seconds.is_some(), seconds, time.nanosecond).hash(hasher);
        }
        Value::YearMonth { year, month } => {
            hasher.write_u8(8);
            (year, month).hash(hasher);
        }
        Value::Duration(duration) => {
            hasher.write_u8(9);
            for component in [
                duration.years,
                duration.months,
                duration.weeks,
                duration.days,
                duration.hours,
                duration.minutes,
                duration.seconds,
            ] {
                hasher.write_u64(component.to_bits());
            }
            hasher.write_u8(u8::from(duration.negative));
        }
        Value::GeoPoint(point) => {
            hasher.write_u8(10);
            hasher.write_u64(point.lon.to_bits());
            hasher.write_u64(point.lat.to_bits());
        }
        Value::Json(json) => {
            hasher.write_u8(11);
            hasher.write(json.to_string().as_bytes());
        }
        Value::List(items) => {
            hasher.write_u8(12);
            hasher.write_usize(items.len());
            for item in items {
                feed(item, hasher);
            }
        }
    }
}

fn extra_field(label: &str) -> Field {
    let descriptor = serde_json::json!({"name": label, "type": "any"});
    match Schema::from_json(&serde_json::json!({"fields": [descriptor]})) {
        Ok((schema, _)) => schema.fields()[0].clone(),
        Err(_) => unreachable!("an `any` field with a string name is always valid"),
    }
}

fn header_error(
    code: ErrorCode,
    field_number: Option<usize>,
    field_name: Option<&str>,
    details: Details,
) -> ReportError {
    ReportError {
        code,
        row_number: None,
        field_number,
        field_name: field_name.map(str::to_owned),
        cell: None,
        details,
        hint: None,
    }
}

fn label_error(
    code: ErrorCode,
    position: usize,
    field_name: Option<&str>,
    label: &str,
    first_position: Option<usize>,
) -> ReportError {
    let mut error = header_error(
        code,
        Some(position + 1),
        field_name,
        Details::Label {
            label: label.to_owned(),
            first_position,
        },
    );
    error.cell = Some(label.to_owned());
    error
}

fn cell_error(
    code: ErrorCode,
    row_number: u64,
    position: usize,
    field: &Field,
    cell: &str,
    details: Details,
    hint: Option<report::Hint>,
) -> ReportError {
    ReportError {
        code,
        row_number: Some(row_number),
        field_number: Some(position + 1),
        field_name: Some(field.name.clone()),
        cell: Some(cell.to_owned()),
        details,
        hint,
    }
}

fn row_error(code: ErrorCode, row_number: u64, details: Details) -> ReportError {
    ReportError {
        code,
        row_number: Some(row_number),
        field_number: None,
        field_name: None,
        cell: None,
        details,
        hint: None,
    }
}

/// Pairs each label with a schema field index: by position under `exact`, by name otherwise.
/// Under name matching a repeated label pairs only once (its first occurrence).
fn match_labels(fields: &[Field], labels: &[&str], mode: FieldsMatch) -> Vec<Option<usize>> {
    if mode == FieldsMatch::Exact {
        return (0..labels.len())
            .map(|position| (position < fields.len()).then_some(position))
            .collect();
    }
    let mut used = vec![false; fields.len()];
    labels
        .iter()
        .map(|label| {
            let index = fields.iter().position(|field| field.name == *label)?;
            if used[index] {
                return None;
            }
            used[index] = true;
            Some(index)
        })
        .collect()
}

/// Header errors, in frictionless's order: extra labels, unmatched header, missing labels,
/// then (by position only) blank, duplicate and incorrect labels.
fn check_header(
    fields: &[Field],
    labels: &[&str],
    matched: &[Option<usize>],
    mode: FieldsMatch,
    schema: &Schema,
    errors: &mut Vec<ReportError>,
) {
    let tolerates_extra = matches!(mode, FieldsMatch::Subset | FieldsMatch::Partial);
    let tolerates_missing = matches!(mode, FieldsMatch::Superset | FieldsMatch::Partial);
    if !tolerates_extra {
        for (position, label) in labels.iter().enumerate() {
            let repeated = mode != FieldsMatch::Exact && labels[..position].contains(label);
            if matched[position].is_none() && !repeated {
                // No field matches this label; frictionless reports an empty field name.
                errors.push(label_error(
                    ErrorCode::ExtraLabel,
                    position,
                    Some(""),
                    label,
                    None,
                ));
            }
        }
    }
    if mode == FieldsMatch::Partial && !fields.is_empty() && matched.iter().all(Option::is_none) {
        errors.push(header_error(
            ErrorCode::UnmatchedHeader,
            None,
            None,
            Details::None,
        ));
    }
    let mut missing: Vec<&Field> = fields
        .iter()
        .enumerate()
        .filter(|(index, _)| !matched.contains(&Some(*index)))
        .map(|(_, field)| field)
        .collect();
    if tolerates_missing {
        missing
            .retain(|field| field.constraints.required || schema.primary_key.contains(&field.name));
    }
    for (offset, field) in missing.iter().enumerate() {
        errors.push(header_error(
            ErrorCode::MissingLabel,
            Some(labels.len() + offset + 1),
            Some(&field.name),
            Details::None,
        ));
    }
    if mode != FieldsMatch::Exact {
        // Frictionless refuses repeated labels under name matching; we report them instead.
        for (position, label) in labels.iter().enumerate() {
            if let Some(first) = labels[..position].iter().position(|seen| seen == label) {
                errors.push(label_error(
                    ErrorCode::DuplicateLabel,
                    position,
                    None,
                    label,
                    Some(first + 1),
                ));
            }
        }
        return;
    }
    for (position, (field, label)) in fields.iter().zip(labels).enumerate() {
        if label.is_empty() {
            errors.push(label_error(
                ErrorCode::BlankLabel,
                position,
                Some(&field.name),
                label,
                None,
            ));
            continue;
        }
        if let Some(first) = labels[..position].iter().position(|seen| seen == label) {
            errors.push(label_error(
                ErrorCode::DuplicateLabel,
                position,
                Some(&field.name),
                label,
                Some(first + 1),
            ));
            continue;
        }
        if field.name != *label {
            errors.push(label_error(
                ErrorCode::IncorrectLabel,
                position,
                Some(&field.name),
                label,
                None,
            ));
        }
    }
}
