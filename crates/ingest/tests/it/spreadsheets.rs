//! XLSX and ODS fixtures (see tests/data/README.md): first sheet by default,
//! a named sheet by option, cells as the validator expects their text.

use ingest::{Format, Options, Origin};

use crate::{all_rows, fixture, rows};

/// What both fixtures hold in their first sheet, « Données ». frictionless 5
/// gives the same cells (as typed values) for rows 1-4, then reports the
/// trailing empty rows as blank rows; we drop those.
fn expected_first_sheet() -> Vec<(u64, Vec<String>)> {
    rows(&[
        (
            1,
            &[
                "id",
                "nom",
                "date",
                "montant",
                "actif",
                "horodatage",
                "vide",
            ],
        ),
        (
            2,
            &[
                "1",
                "École",
                "2024-01-15",
                "3",
                "true",
                "2024-01-15T10:30:00",
                "",
            ],
        ),
        (
            3,
            &[
                "2",
                "Café",
                "1999-12-31",
                "2.5",
                "false",
                "2000-02-29T23:59:59",
                "",
            ],
        ),
        (4, &["3", "", "", "0.1", "", "", ""]),
    ])
}

fn read(name: &str, options: &Options) -> (ingest::SourceInfo, Vec<(u64, Vec<String>)>) {
    let bytes = fixture(name);
    let mut reader = ingest::open(bytes.as_slice(), options).expect("open");
    (reader.info().clone(), all_rows(&mut reader))
}

#[test]
fn xlsx_first_sheet() {
    let (info, rows) = read("simple.xlsx", &Options::default());
    assert_eq!(info.format, Format::Xlsx);
    assert_eq!(info.sheet.as_deref(), Some("Données"));
    assert_eq!(info.encoding, None);
    assert_eq!(info.delimiter, None);
    assert_eq!(info.describe_fr(), "format : XLSX, feuille : « Données »");
    assert_eq!(rows, expected_first_sheet());
}

#[test]
fn ods_first_sheet() {
    let (info, rows) = read("simple.ods", &Options::default());
    assert_eq!(info.format, Format::Ods);
    assert_eq!(info.encoding_origin, Origin::Default);
    assert_eq!(rows, expected_first_sheet());
}

#[test]
fn named_sheet() {
    let options = Options {
        sheet: Some("Autre feuille".to_owned()),
        ..Options::default()
    };
    for name in ["simple.xlsx", "simple.ods"] {
        let (info, rows) = read(name, &options);
        assert_eq!(info.sheet.as_deref(), Some("Autre feuille"));
        assert_eq!(
            rows,
            crate::rows(&[(1, &["code", "libellé"]), (2, &["A1", "premier"])]),
            "{name}"
        );
    }
}

#[test]
fn spreadsheet_from_a_reader_that_is_not_seekable() {
    // `open` takes any `Read`: a workbook is buffered whole anyway.
    let bytes = fixture("simple.xlsx");
    let reader = std::io::BufReader::with_capacity(7, bytes.as_slice());
    let mut rows = ingest::open(reader, &Options::default()).unwrap();
    assert_eq!(all_rows(&mut rows).len(), 4);
}
