//! Reading real files as rows of text.
//!
//! Publishers upload what their software exports: CSV in Windows-1252 with
//! semicolons, UTF-8 with a BOM, gzip archives, XLSX or ODS workbooks. This
//! crate turns any of them into a stream of rows of `&str` cells, and says
//! what it detected ([`SourceInfo`]) so the report can tell the publisher
//! « encodage détecté : Windows-1252, séparateur détecté : point-virgule ».
//! It opens no file itself: give it any [`std::io::Read`] (+ `Send`, so that
//! readers can move to a worker thread).
//!
//! # Overview
//!
//! - [`open`] → [`RowReader`]: the row reader for every format.
//!   [`RowReader::next_row`] fills a reused [`Row`]; rows are numbered as
//!   frictionless does (header = 1, a multi-line CSV record is one row, a
//!   blank line is a row with no cells).
//! - [`BlockReader`] + [`parse_block`]: CSV cut into large blocks on row
//!   boundaries, to parse and validate on several threads.
//! - Detection (format from magic bytes, encoding, delimiter) is described in
//!   the [`encoding`] module docs and on [`Options`]; every choice can be
//!   imposed through [`Options`].
//! - Errors: [`IngestError`] when a source cannot be opened (empty, binary,
//!   unsupported...), [`ReadError`] for a row (invalid bytes in the encoding:
//!   that row only) or the rest of the stream (truncated gzip). Both have
//!   `message_fr()`; `Display` is English.
//!
//! # Memory
//!
//! CSV (plain or gzip) is read in constant memory: the current row plus a
//! 256 KiB read-ahead and a 1 MiB detection prefix. A row larger than 64 MiB
//! is refused ([`ReadError::RecordTooLarge`]: typically an unclosed quote).
//! Spreadsheets are loaded whole (file and sheet): memory is proportional to
//! the workbook, as the format requires.
//!
//! # Example
//!
//! ```
//! use ingest::{open, Options, Row};
//!
//! let file: &[u8] = b"nom;montant\n\xC9cole;12,5\n";
//! let mut reader = open(file, &Options::default())?;
//! assert_eq!(
//!     reader.info().describe_fr(),
//!     "format : CSV, encodage détecté : ISO-8859-1, séparateur détecté : point-virgule"
//! );
//! let mut row = Row::new();
//! let mut cells = Vec::new();
//! while reader.next_row(&mut row)? {
//!     cells.push(format!("{}: {}", row.number(), row.cells().collect::<Vec<_>>().join("|")));
//! }
//! assert_eq!(cells, ["1: nom|montant", "2: École|12,5"]);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Behaviours matched with frictionless (v5)
//!
//! - Row numbers: the header is row 1; a record spanning several lines is one
//!   row; every blank line (including trailing ones) is a row with no cells.
//! - Spreadsheets: rows start at A1 and have the sheet's full width (missing
//!   cells are empty strings). Unlike frictionless, trailing rows that are
//!   entirely empty are dropped (frictionless reports each as `blank-row`;
//!   they are usually invisible formatting leftovers).

pub mod encoding;

mod block_rows;
mod blocks;
mod csv_rows;
mod error;
mod row;
mod scan;
mod sheet;
mod sniff;
mod source;
mod split;

use std::io::Read;

pub use blocks::{
    Block, BlockReader, DEFAULT_BLOCK_SIZE, Dialect, parse_block, parse_block_cells,
    parse_first_row, reuse_cells,
};
pub use encoding::{Encoding, Origin};
pub use error::{IngestError, ReadError};
pub use row::Row;
pub use sniff::delimiter_name_fr;
pub use source::{Compression, Format, Options, SourceInfo};

use csv_rows::CsvRows;
use sheet::SheetRows;
use source::{Source, open_source};

/// Reads rows from any supported source; made by [`open`].
pub struct RowReader<'a> {
    inner: Inner<'a>,
}

enum Inner<'a> {
    // Boxed: the CSV reader carries csv-core's transition table (~0.5 KB).
    Csv(Box<CsvRows<'a>>),
    Sheet(SheetRows),
}

/// Opens a source: detects its format (magic bytes: ZIP → XLSX or ODS, gzip →
/// compressed CSV, anything else → CSV), then for CSV its encoding and
/// delimiter, unless `options` impose them.
///
/// A spreadsheet is read whole into memory before its sheet is parsed.
pub fn open<'a, R: Read + Send + 'a>(
    input: R,
    options: &Options,
) -> Result<RowReader<'a>, IngestError> {
    let inner = match open_source(input, options)? {
        Source::Text(text) => Inner::Csv(Box::new(CsvRows::new(text))),
        Source::Zip(zip) => Inner::Sheet(SheetRows::open(zip, options)?),
    };
    Ok(RowReader { inner })
}

impl RowReader<'_> {
    /// What was detected or imposed.
    pub fn info(&self) -> &SourceInfo {
        match &self.inner {
            Inner::Csv(csv) => csv.info(),
            Inner::Sheet(sheet) => sheet.info(),
        }
    }

    /// Reads the next row into `row`; `Ok(false)` at the end.
    ///
    /// After a [`ReadError::Encoding`] the next call reads the following row;
    /// after any other error the stream is over.
    pub fn next_row(&mut self, row: &mut Row) -> Result<bool, ReadError> {
        match &mut self.inner {
            Inner::Csv(csv) => csv.next_row(row),
            Inner::Sheet(sheet) => Ok(sheet.next_row(row)),
        }
    }
}
