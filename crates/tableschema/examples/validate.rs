//! Validates one CSV file against one schema and prints the errors, one JSON array per line:
//! `[type, rowNumber, fieldNumber, cell]` (Validata custom checks excluded with `--no-custom`;
//! `--messages` prints the French messages instead).
//! Used to compare with frictionless by hand:
//! `cargo run -p tableschema --example validate -- schema.json data.csv [--no-custom]`.

use tableschema::{ErrorCode, Options, Plan, Schema};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let schema_text = std::fs::read_to_string(&args[0]).expect("schema file");
    let (schema, warnings) = Schema::from_json(&serde_json::from_str(&schema_text).expect("JSON"))
        .expect("usable schema");
    for warning in warnings {
        eprintln!("warning: {}: {}", warning.path, warning.message_en);
    }
    let data = std::fs::read(&args[1]).expect("data file");
    let data = data.strip_prefix(b"\xef\xbb\xbf").unwrap_or(&data);
    let first_line = data.split(|byte| *byte == b'\n').next().unwrap_or_default();
    let delimiter = if first_line.iter().filter(|byte| **byte == b';').count()
        > first_line.iter().filter(|byte| **byte == b',').count()
    {
        b';'
    } else {
        b','
    };
    // One record per line (no multi-line cells), so that empty lines are rows as frictionless
    // reads them (the csv crate skips them).
    let parse_line = |line: &[u8]| -> Vec<String> {
        if line.is_empty() {
            return Vec::new();
        }
        let mut reader = csv::ReaderBuilder::new()
            .delimiter(delimiter)
            .has_headers(false)
            .from_reader(line);
        reader
            .records()
            .next()
            .and_then(Result::ok)
            .map(|record| record.iter().map(str::to_owned).collect())
            .unwrap_or_default()
    };
    let mut lines = data
        .split(|byte| *byte == b'\n')
        .map(|line| line.strip_suffix(b"\r").unwrap_or(line));
    let header = parse_line(lines.next().unwrap_or_default());
    let labels: Vec<&str> = header.iter().map(String::as_str).collect();
    let (plan, header_errors) = Plan::new(&schema, &labels, &Options::default());
    let mut part = plan.new_part();
    let mut lines: Vec<&[u8]> = lines.collect();
    if lines.last().is_some_and(|line| line.is_empty()) {
        lines.pop();
    }
    for (index, line) in lines.iter().enumerate() {
        let cells = parse_line(line);
        let cells: Vec<&str> = cells.iter().map(String::as_str).collect();
        plan.check_row(&mut part, index as u64 + 2, &cells);
    }
    let report = plan.finish(header_errors, [(0, part)]);
    let skip_custom = args.iter().any(|arg| arg == "--no-custom");
    for error in &report.errors {
        if skip_custom && matches!(error.code, ErrorCode::Custom(_)) {
            continue;
        }
        if args.iter().any(|arg| arg == "--messages") {
            println!(
                "{:?} {:?} {}",
                error.row_number,
                error.field_number,
                error.message(tableschema::Lang::Fr)
            );
            continue;
        }
        println!(
            "{}",
            serde_json::json!([
                error.code.as_str(),
                error.row_number,
                error.field_number,
                error.cell
            ])
        );
    }
    eprintln!("{} rows", report.stats.rows);
}
