//! Integration tests of `tableschema`, in one test binary.

/// A tiny CSV reader for test fixtures (quotes, doubled quotes); an empty line is a row
/// without cells, as frictionless reads it.
pub fn parse_csv(text: &str) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    let mut row = Vec::new();
    let mut cell = String::new();
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    let mut row_has_content = false;
    while let Some(char) = chars.next() {
        match (char, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                chars.next();
                cell.push('"');
            }
            ('"', true) => quoted = false,
            ('"', false) => {
                quoted = true;
                row_has_content = true;
            }
            (',', false) => {
                row.push(std::mem::take(&mut cell));
                row_has_content = true;
            }
            ('\n', false) => {
                if row_has_content || !cell.is_empty() {
                    row.push(std::mem::take(&mut cell));
                }
                rows.push(std::mem::take(&mut row));
                row_has_content = false;
            }
            (other, _) => {
                cell.push(other);
                row_has_content = true;
            }
        }
    }
    if row_has_content || !cell.is_empty() {
        row.push(cell);
        rows.push(row);
    }
    rows
}

/// Validates CSV text serially and returns the report.
pub fn validate(
    schema_json: &serde_json::Value,
    csv_text: &str,
    options: &tableschema::Options,
) -> tableschema::Report {
    let (schema, _) = tableschema::Schema::from_json(schema_json).expect("valid schema");
    let rows = parse_csv(csv_text);
    let header: Vec<&str> = rows
        .first()
        .map(|row| row.iter().map(String::as_str).collect())
        .unwrap_or_default();
    let (plan, header_errors) = tableschema::Plan::new(&schema, &header, options);
    let mut part = plan.new_part();
    for (index, row) in rows.iter().enumerate().skip(1) {
        let cells: Vec<&str> = row.iter().map(String::as_str).collect();
        plan.check_row(&mut part, index as u64 + 1, &cells);
    }
    let report = plan.finish(header_errors.clone(), [(0, part)]);
    let shown = header_errors.len().min(report.errors.len());
    assert_eq!(
        &report.errors[..shown],
        &header_errors[..shown],
        "header errors come first"
    );
    report
}

/// The `(type, rowNumber, fieldNumber)` triples of a report.
pub fn triples(report: &tableschema::Report) -> Vec<(String, Option<u64>, Option<usize>)> {
    report
        .errors
        .iter()
        .map(|error| {
            (
                error.code.as_str().to_owned(),
                error.row_number,
                error.field_number,
            )
        })
        .collect()
}

/// Checks a case: `expected` lists `(type, rowNumber, fieldNumber)` in report order.
pub fn check(
    schema_json: &str,
    csv_text: &str,
    expected: &[(&str, Option<u64>, Option<usize>)],
) -> tableschema::Report {
    let schema: serde_json::Value = serde_json::from_str(schema_json).expect("schema JSON");
    let report = validate(&schema, csv_text, &tableschema::Options::default());
    let expected: Vec<(String, Option<u64>, Option<usize>)> = expected
        .iter()
        .map(|(code, row, field)| ((*code).to_owned(), *row, *field))
        .collect();
    assert_eq!(
        triples(&report),
        expected,
        "schema {schema_json}\ncsv {csv_text:?}"
    );
    report
}

// Cases with frictionless's verdicts (tests/data/cases.json).
mod cases;
// Behaviours checked by hand: differences with frictionless, messages and hints, options.
mod behaviour;
// Every real schema under /work/shared/schemas loads.
mod schemas;
// Chunked validation gives the serial report; casting never panics.
mod properties;
