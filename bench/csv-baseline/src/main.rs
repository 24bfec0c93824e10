//! Counts the records and fields of a CSV file with the `csv` crate, reusing one `ByteRecord`:
//! the floor under any CSV validator's throughput (`bench/validate.sh` prints it as "csv-baseline").
//!
//! Usage: `csv-baseline FILE [DELIMITER]` (delimiter defaults to `,`).

use std::process::ExitCode;

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let Some(path) = args.next() else {
        eprintln!("usage: csv-baseline FILE [DELIMITER]");
        return ExitCode::from(2);
    };
    let delimiter = args.next().and_then(|d| d.bytes().next()).unwrap_or(b',');
    match count(&path, delimiter) {
        Ok((records, fields)) => {
            println!("{{\"records\": {records}, \"fields\": {fields}}}");
            ExitCode::SUCCESS
        }
        Err(err) => {
            eprintln!("csv-baseline: {path}: {err}");
            ExitCode::from(2)
        }
    }
}

/// Returns (data records, total fields), the header excluded.
fn count(path: &str, delimiter: u8) -> Result<(u64, u64), csv::Error> {
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .flexible(true)
        .from_path(path)?;
    let mut record = csv::ByteRecord::new();
    let (mut records, mut fields) = (0u64, 0u64);
    while reader.read_byte_record(&mut record)? {
        records += 1;
        fields += record.len() as u64;
    }
    Ok((records, fields))
}
