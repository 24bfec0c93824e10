//! Integration tests of the ingest crate: one test binary, one module per surface.

mod blocks; // BlockReader + parse_block, incl. the round-trip property against the row reader
mod csv; // encodings, delimiters, gzip, row numbering, big rows
mod errors; // bad input: empty, binary, truncated gzip, encoding errors
mod spreadsheets; // XLSX and ODS: sheets, dates, numbers

use ingest::{Options, Row, RowReader};

/// Bytes of a fixture under tests/data.
pub fn fixture(name: &str) -> Vec<u8> {
    let path = format!("{}/tests/data/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|err| panic!("{path}: {err}"))
}

/// All rows as (number, cells); panics on a read error.
pub fn all_rows(reader: &mut RowReader<'_>) -> Vec<(u64, Vec<String>)> {
    let mut row = Row::new();
    let mut rows = Vec::new();
    while reader.next_row(&mut row).expect("row") {
        rows.push((row.number(), row.cells().map(str::to_owned).collect()));
    }
    rows
}

/// Opens bytes with default options and reads every row.
pub fn read_all(bytes: &[u8]) -> Vec<(u64, Vec<String>)> {
    let mut reader = ingest::open(bytes, &Options::default()).expect("open");
    all_rows(&mut reader)
}

/// Shorthand for expected rows.
pub fn rows(expected: &[(u64, &[&str])]) -> Vec<(u64, Vec<String>)> {
    expected
        .iter()
        .map(|(n, cells)| (*n, cells.iter().map(|c| (*c).to_owned()).collect()))
        .collect()
}

/// Readers can move to a worker thread (e.g. tokio's `spawn_blocking`).
#[test]
fn readers_and_blocks_are_send() {
    fn assert_send<T: Send>() {}
    assert_send::<RowReader<'static>>();
    assert_send::<ingest::BlockReader<'static>>();
    assert_send::<ingest::Block>();
    assert_send::<ingest::Dialect>();
    assert_send::<ingest::ReadError>();
    assert_send::<ingest::IngestError>();
}
