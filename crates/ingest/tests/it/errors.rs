//! Bad input gives clear errors, in French and English, never a panic.

use ingest::{Encoding, IngestError, Options, ReadError, Row};

use crate::fixture;

fn open_err(bytes: &[u8]) -> IngestError {
    match ingest::open(bytes, &Options::default()) {
        Ok(_) => panic!("opened"),
        Err(err) => err,
    }
}

#[test]
fn empty_file() {
    let err = open_err(b"");
    assert!(matches!(err, IngestError::Empty));
    assert_eq!(err.message_fr(), "Le fichier est vide.");
    assert_eq!(err.to_string(), "the file is empty");
}

#[test]
fn png_and_elf_are_refused() {
    let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01";
    let err = open_err(png);
    assert!(matches!(err, IngestError::Binary { kind: "image PNG" }));
    assert!(
        err.message_fr().contains("image PNG"),
        "{}",
        err.message_fr()
    );
    let elf = b"\x7FELF\x02\x01\x01\0\0\0\0\0\0\0\0\0\x03\0>\0";
    assert!(matches!(open_err(elf), IngestError::Binary { .. }));
}

#[test]
fn truncated_gzip_is_a_clear_error() {
    let gz = fixture("utf8.csv.gz");
    // Cut inside the deflate data: no row can be decoded at all.
    let err = open_err(&gz[..gz.len() / 2]);
    assert!(matches!(err, IngestError::Decompression(_)), "{err:?}");
    assert!(err.message_fr().contains("gzip"));
}

#[test]
fn gzip_truncated_far_into_the_stream_fails_while_reading() {
    // Big enough that detection only reads a prefix of it.
    let mut csv = String::from("id,texte\n");
    for i in 0..200_000 {
        csv.push_str(&format!("{i},ligne numéro {i} avec du texte\n"));
    }
    let mut encoder = flate2_encode(csv.as_bytes());
    encoder.truncate(encoder.len() - 100);
    let mut reader = ingest::open(encoder.as_slice(), &Options::default()).unwrap();
    let mut row = Row::new();
    let err = loop {
        match reader.next_row(&mut row) {
            Ok(true) => continue,
            Ok(false) => panic!("truncation not detected"),
            Err(err) => break err,
        }
    };
    assert!(matches!(err, ReadError::Decompression(_)), "{err:?}");
    assert!(err.message_fr().contains("tronquée"));
    assert!(!reader.next_row(&mut row).unwrap(), "the stream is over");
}

fn flate2_encode(bytes: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    encoder.write_all(bytes).unwrap();
    encoder.finish().unwrap()
}

#[test]
fn invalid_utf8_further_down_is_an_error_for_that_row_only() {
    // The first megabyte is valid UTF-8, so the file is detected as UTF-8.
    let mut csv = String::from("id;nom\n");
    while csv.len() < 1_100_000 {
        csv.push_str("1;Café\n");
    }
    let valid_rows = csv.lines().count() as u64;
    let mut bytes = csv.into_bytes();
    bytes.extend_from_slice(b"2;Caf\xe9 cr\xe8me\n3;ok\n");
    let mut reader = ingest::open(bytes.as_slice(), &Options::default()).unwrap();
    assert_eq!(reader.info().encoding, Some(Encoding::Utf8));
    let mut row = Row::new();
    for _ in 0..valid_rows {
        assert!(reader.next_row(&mut row).unwrap());
    }
    let err = reader.next_row(&mut row).unwrap_err();
    match &err {
        ReadError::Encoding {
            row,
            column,
            bytes,
            context,
            ..
        } => {
            assert_eq!(*row, valid_rows + 1);
            assert_eq!(*column, 2);
            assert_eq!(bytes, &[0xE9]);
            assert_eq!(context, "Caf");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(err.row(), Some(valid_rows + 1));
    assert!(err.message_fr().starts_with(&format!(
        "Ligne {}, colonne 2, après « Caf »",
        valid_rows + 1
    )));
    // Reading goes on with the next row.
    assert!(reader.next_row(&mut row).unwrap());
    assert_eq!(row.number(), valid_rows + 2);
    assert_eq!(row.cells().collect::<Vec<_>>(), ["3", "ok"]);
}

#[test]
fn c1_control_byte_in_latin1_is_an_encoding_error() {
    let options = Options {
        encoding: Some(Encoding::Iso8859_1),
        ..Options::default()
    };
    let mut reader = ingest::open(&b"a;b\nx;co\x9cur\n"[..], &options).unwrap();
    let mut row = Row::new();
    assert!(reader.next_row(&mut row).unwrap());
    let err = reader.next_row(&mut row).unwrap_err();
    assert!(
        matches!(
            &err,
            ReadError::Encoding {
                row: 2,
                column: 2,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(
        err.message_fr().contains("Windows-1252"),
        "{}",
        err.message_fr()
    );
}

#[test]
fn unknown_sheet_lists_the_available_ones() {
    let options = Options {
        sheet: Some("Budget".to_owned()),
        ..Options::default()
    };
    let err = match ingest::open(fixture("simple.xlsx").as_slice(), &options) {
        Ok(_) => panic!("opened"),
        Err(err) => err,
    };
    assert_eq!(
        err.message_fr(),
        "La feuille « Budget » n’existe pas. Feuilles disponibles : « Données », « Autre feuille »."
    );
}

#[test]
fn a_zip_that_is_not_a_workbook() {
    // A minimal empty ZIP archive (end of central directory only).
    let mut zip = b"PK\x05\x06".to_vec();
    zip.extend_from_slice(&[0; 18]);
    assert!(matches!(open_err(&zip), IngestError::Unsupported { .. }));
}

#[test]
fn block_reader_refuses_spreadsheets() {
    let result = ingest::BlockReader::open(
        std::io::Cursor::new(fixture("simple.ods")),
        &Options::default(),
    );
    assert!(matches!(result, Err(IngestError::NotCsv(_))));
}

#[test]
fn empty_gzip_is_an_empty_file() {
    let gz = flate2_encode(b"");
    assert!(matches!(open_err(&gz), IngestError::Empty));
}

#[test]
fn a_quote_cannot_be_the_delimiter() {
    let options = Options {
        delimiter: Some(b'"'),
        ..Options::default()
    };
    let err = ingest::open(&b"a,b"[..], &options).err().expect("refused");
    assert!(matches!(err, IngestError::InvalidDelimiter('"')));
    assert!(err.message_fr().starts_with("Séparateur invalide"));
}

#[test]
fn undefined_windows_1252_byte_is_an_encoding_error() {
    // 0x80 (€) makes it Windows-1252; 0x81 is undefined there.
    let mut reader = ingest::open(&b"a;b\n12 \x80;x\ny;\x81\n"[..], &Options::default()).unwrap();
    assert_eq!(reader.info().encoding, Some(Encoding::Windows1252));
    let mut row = Row::new();
    assert!(reader.next_row(&mut row).unwrap());
    assert!(reader.next_row(&mut row).unwrap());
    assert_eq!(row.get(0), Some("12 €"));
    let err = reader.next_row(&mut row).unwrap_err();
    assert!(
        matches!(&err, ReadError::Encoding { row: 3, column: 2, bytes, .. } if bytes == &[0x81])
    );
    assert!(
        err.message_fr().contains("0x81 non défini en Windows-1252"),
        "{}",
        err.message_fr()
    );
}
