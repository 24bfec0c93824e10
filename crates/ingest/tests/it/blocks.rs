//! BlockReader + parse_block: the same rows as the row reader, however the
//! stream is cut.

use ingest::{
    BlockReader, Options, ReadError, Row, parse_block, parse_block_cells, parse_first_row,
};
use proptest::prelude::*;

type Rows = Vec<(u64, Vec<String>)>;

/// Every row through blocks of `block_size` bytes, with absolute numbers
/// computed by summing the blocks' row counts (and checked against
/// `Block::first_row`).
fn rows_via_blocks(bytes: &[u8], options: &Options, block_size: usize) -> Result<Rows, ReadError> {
    let mut reader = BlockReader::open(bytes, options)
        .expect("open")
        .with_block_size(block_size);
    let dialect = reader.dialect();
    let mut rows = Vec::new();
    let mut before = 0;
    let mut expected_index = 0;
    while let Some(block) = reader.next_block()? {
        assert_eq!(block.index, expected_index);
        assert_eq!(block.first_row, before + 1);
        expected_index += 1;
        let mut error = None;
        let count = parse_block(
            &dialect,
            &block.bytes,
            |row: Result<&Row, ReadError>| match row {
                Ok(row) => rows.push((
                    before + row.number(),
                    row.cells().map(str::to_owned).collect(),
                )),
                Err(mut err) => {
                    err.offset_row(before);
                    error.get_or_insert(err);
                }
            },
        );
        if let Some(err) = error {
            return Err(err);
        }
        before += count;
    }
    Ok(rows)
}

fn rows_via_reader(bytes: &[u8], options: &Options) -> Result<Rows, ReadError> {
    let mut reader = ingest::open(bytes, options).expect("open");
    let mut row = Row::new();
    let mut rows = Vec::new();
    while reader.next_row(&mut row)? {
        rows.push((row.number(), row.cells().map(str::to_owned).collect()));
    }
    Ok(rows)
}

#[test]
fn blocks_cut_only_between_rows() {
    let csv = b"a,b\n1,\"x\ny\"\r\n\n2,\"\"\"q\"\"\"\r3,z";
    let options = Options::default();
    let expected = rows_via_reader(csv, &options).unwrap();
    assert_eq!(expected.len(), 5);
    for size in 1..csv.len() + 2 {
        assert_eq!(
            rows_via_blocks(csv, &options, size).unwrap(),
            expected,
            "block size {size}"
        );
    }
}

#[test]
fn blocks_of_a_windows_1252_file_are_utf8() {
    let csv = b"nom;montant\n\xc9cole;12 \x80\n";
    let mut reader = BlockReader::open(&csv[..], &Options::default()).unwrap();
    assert_eq!(reader.dialect().delimiter, b';');
    let block = reader.next_block().unwrap().unwrap();
    assert_eq!(
        std::str::from_utf8(&block.bytes).unwrap(),
        "nom;montant\nÉcole;12 €\n"
    );
    assert!(reader.next_block().unwrap().is_none());
}

#[test]
fn encoding_errors_in_blocks_name_the_absolute_row() {
    let mut csv = b"a;b\n".to_vec();
    for _ in 0..50 {
        csv.extend_from_slice("x;é\n".as_bytes());
    }
    csv.extend_from_slice(b"y;\xff\n");
    // Declared UTF-8 (detection would pick Latin-1 for so small a file).
    let options = Options {
        encoding: Some(ingest::Encoding::Utf8),
        ..Options::default()
    };
    let err = rows_via_blocks(&csv, &options, 16).unwrap_err();
    assert_eq!(err.row(), Some(52));
}

#[test]
fn a_hand_made_dialect_that_sources_refuse_still_parses() {
    // Sources only accept ASCII delimiters; a non-ASCII one here cuts `é` in two, which
    // makes that row an encoding error (and only that row).
    let dialect = ingest::Dialect {
        delimiter: 0xC3,
        encoding: ingest::Encoding::Utf8,
    };
    let mut rows = Vec::new();
    let count = parse_block(&dialect, "aéb\nc\n".as_bytes(), |row| {
        rows.push(
            row.map(|row| row.cells().map(str::to_owned).collect::<Vec<_>>())
                .map_err(|err| err.row()),
        );
    });
    assert_eq!(count, 2);
    assert_eq!(rows, [Err(Some(1)), Ok(vec!["c".to_owned()])]);
}

/// Cells for random records: any text, with the characters that matter to
/// CSV over-represented (no NUL: a NUL makes the file binary; no U+FEFF at
/// the very start, which is a BOM).
fn cell() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-zé€œ ]{0,6}",
        "[,;\"\r\n\t|a]{0,6}",
        "\\PC{0,8}",
        Just(String::new()),
    ]
    .prop_map(|s| s.replace(['\0', '\u{feff}'], "_"))
}

fn records() -> impl Strategy<Value = Vec<Vec<String>>> {
    prop::collection::vec(prop::collection::vec(cell(), 1..6), 1..25)
}

fn write_csv(records: &[Vec<String>], delimiter: u8, crlf: bool) -> Vec<u8> {
    let terminator = if crlf {
        csv::Terminator::CRLF
    } else {
        csv::Terminator::Any(b'\n')
    };
    let mut writer = csv::WriterBuilder::new()
        .delimiter(delimiter)
        .terminator(terminator)
        .flexible(true)
        .from_writer(Vec::new());
    for record in records {
        writer.write_record(record).unwrap();
    }
    writer.into_inner().unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn blocks_and_reader_give_back_what_csv_wrote(
        records in records(),
        delimiter in prop::sample::select(vec![b',', b';', b'\t', b'|']),
        crlf in any::<bool>(),
        block_size in 1usize..64,
    ) {
        let bytes = write_csv(&records, delimiter, crlf);
        let options = Options { delimiter: Some(delimiter), ..Options::default() };
        let expected: Rows = records
            .iter()
            .enumerate()
            .map(|(i, cells)| (i as u64 + 1, cells.clone()))
            .collect();
        prop_assert_eq!(&rows_via_reader(&bytes, &options).unwrap(), &expected);
        prop_assert_eq!(&rows_via_blocks(&bytes, &options, block_size).unwrap(), &expected);
    }

    /// On CSV-like noise (stray quotes, lone CRs, blank lines), blocks and the
    /// row reader still agree, row numbers included.
    #[test]
    fn blocks_and_reader_agree_on_any_csv_like_bytes(
        bytes in prop::collection::vec(prop::sample::select(b"ab,\"\r\n;".to_vec()), 1..200),
        block_size in 1usize..32,
    ) {
        let options = Options { delimiter: Some(b','), ..Options::default() };
        let via_reader = rows_via_reader(&bytes, &options);
        let via_blocks = rows_via_blocks(&bytes, &options, block_size);
        prop_assert_eq!(format!("{via_reader:?}"), format!("{via_blocks:?}"));
        // Apart from blank lines (rows for frictionless, skipped by the csv
        // crate), the records are exactly those of the csv crate.
        let non_blank: Vec<Vec<String>> = via_reader
            .unwrap()
            .into_iter()
            .filter(|(_, cells)| !cells.is_empty())
            .map(|(_, cells)| cells)
            .collect();
        let reference: Vec<Vec<String>> = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(bytes.as_slice())
            .records()
            .map(|record| record.unwrap().iter().map(str::to_owned).collect())
            .collect();
        prop_assert_eq!(non_blank, reference);
    }

    /// The first row alone is the first row of the whole block, cells or error, whatever the
    /// delimiter (one the fast parser does not take included).
    #[test]
    fn the_first_row_alone_is_the_first_row_of_the_block(
        bytes in prop::collection::vec(prop::sample::select(b"ab,\"\r\n;\xc3\xa9\xff".to_vec()), 0..120),
        delimiter in prop::sample::select(vec![b',', b';', 0xC3]),
    ) {
        let dialect = ingest::Dialect { delimiter, encoding: ingest::Encoding::Utf8 };
        let mut whole = None;
        parse_block_cells(&dialect, &bytes, |_, cells| {
            whole.get_or_insert_with(|| {
                cells
                    .map(|cells| cells.iter().copied().map(str::to_owned).collect::<Vec<_>>())
                    .map_err(|err| err.to_string())
            });
        });
        let alone = parse_first_row(&dialect, &bytes).map(|row| row.map_err(|err| err.to_string()));
        prop_assert_eq!(alone, whole);
    }

    #[test]
    fn never_panics_on_arbitrary_bytes(
        magic in prop::sample::select(vec![
            &b""[..], b"\x1f\x8b\x08\x00", b"PK\x03\x04", b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff",
        ]),
        tail in prop::collection::vec(any::<u8>(), 0..400),
        block_size in 1usize..64,
    ) {
        let mut bytes = magic.to_vec();
        bytes.extend_from_slice(&tail);
        if let Ok(mut reader) = ingest::open(bytes.as_slice(), &Options::default()) {
            let mut row = Row::new();
            for _ in 0..1000 {
                match reader.next_row(&mut row) {
                    Ok(true) | Err(ReadError::Encoding { .. }) => {}
                    Ok(false) | Err(_) => break,
                }
            }
        }
        if let Ok(reader) = BlockReader::open(bytes.as_slice(), &Options::default()) {
            let mut reader = reader.with_block_size(block_size);
            let dialect = reader.dialect();
            while let Ok(Some(block)) = reader.next_block() {
                parse_block(&dialect, &block.bytes, |_| {});
            }
        }
    }
}
