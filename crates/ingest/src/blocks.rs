//! Parallel-ready CSV: [`BlockReader`] cuts the (decoded) stream into large
//! blocks that end on row boundaries; [`parse_block`] parses one block on its
//! own, on any thread.
//!
//! The cut is exact because the reader follows the quoting state from the
//! first byte of the stream (see `scan.rs`): a newline inside quotes never
//! ends a block. That scan only looks at quotes and line ends, and also counts
//! rows so that [`Block::first_row`] is known when the block is handed out.
//! Rows are numbered from 1 inside each block; the caller gets absolute
//! numbers by adding `first_row - 1` (or the row counts of the blocks before).
//!
//! [`parse_block`] reads each byte once: UTF-8 is checked on the whole block
//! up front (a row is examined closely only when the check fails inside it),
//! each row is copied once into the reused [`Row`], and cells are found with
//! `memchr`, unquoted cells being spans of that copy.

use std::io::Read;

use crate::block_rows::{self, BlockRows};
use crate::csv_rows::{MAX_ROW_BYTES, stream_error};
use crate::scan::CutScanner;
use crate::source::{Source, TextSource, open_source};
use crate::split::{RecordParser, Splitter};
use crate::{Encoding, IngestError, Options, ReadError, Row, SourceInfo};

/// Default block size: large enough to amortise thread hand-offs (a few
/// thousand rows each), small enough that the blocks in flight stay a few MB
/// and that the first block, checked before the workers start, and the last
/// ones, on which some workers wait for others, are short.
pub const DEFAULT_BLOCK_SIZE: usize = 1024 * 1024;

/// How to parse the bytes of a block.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Dialect {
    /// The cell delimiter.
    pub delimiter: u8,
    /// The source's encoding. Block bytes are always UTF-8 already; this only
    /// phrases encoding errors (e.g. a stray control byte in ISO-8859-1).
    pub encoding: Encoding,
}

/// A run of whole rows, in UTF-8.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Block {
    /// Position of the block in the stream (0, 1, 2...).
    pub index: u64,
    /// Byte offset of the block in the decoded stream.
    pub offset: u64,
    /// Absolute number (as [`Row::number`] counts) of the block's first row:
    /// add it minus 1 to the in-block numbers of [`parse_block`].
    pub first_row: u64,
    /// The rows' bytes, the last row's terminator included when it has one.
    pub bytes: Vec<u8>,
}

/// Reads a CSV source as a sequence of [`Block`]s.
pub struct BlockReader<'a> {
    stream: Box<dyn Read + Send + 'a>,
    info: SourceInfo,
    dialect: Dialect,
    /// `buf[..filled]` is read and not yet handed out; the rest of `buf` is
    /// initialised space to read into (see [`BlockReader::fill`]).
    buf: Vec<u8>,
    filled: usize,
    eof: bool,
    scanner: CutScanner,
    block_size: usize,
    next_index: u64,
    offset: u64,
    /// Rows in the blocks already returned.
    rows_returned: u64,
    /// A consumed block's buffer given back by [`BlockReader::recycle`], reused for the next
    /// block: fresh buffers cost page faults and zeroing on every block. Its
    /// bytes are kept (only its length marks the block's end), so that reading
    /// into it again needs no zeroing.
    spare: Vec<u8>,
}

impl<'a> BlockReader<'a> {
    /// Opens a CSV source (plain or gzip; any `Read + Send`), detecting encoding and delimiter as
    /// [`crate::open`] does. Spreadsheets are refused ([`IngestError::NotCsv`]).
    pub fn open<R: Read + Send + 'a>(input: R, options: &Options) -> Result<Self, IngestError> {
        match open_source(input, options)? {
            Source::Text(text) => Ok(Self::new(text)),
            Source::Zip(_) => Err(IngestError::NotCsv("un classeur (XLSX ou ODS)")),
        }
    }

    fn new(source: TextSource<'a>) -> Self {
        let dialect = Dialect {
            delimiter: source.info.delimiter.unwrap_or(b','),
            encoding: source.info.encoding.unwrap_or(Encoding::Utf8),
        };
        Self {
            stream: source.stream,
            info: source.info,
            dialect,
            buf: Vec::new(),
            filled: 0,
            eof: false,
            scanner: CutScanner::new(dialect.delimiter),
            block_size: DEFAULT_BLOCK_SIZE,
            next_index: 0,
            offset: 0,
            rows_returned: 0,
            spare: Vec::new(),
        }
    }

    /// Gives back the bytes of a block that has been parsed, so that a later block reuses
    /// their allocation. Optional; the reader keeps at most one such buffer.
    pub fn recycle(&mut self, bytes: Vec<u8>) {
        if bytes.capacity() > self.spare.capacity() {
            self.spare = bytes;
        }
    }

    /// Sets the target block size in bytes (at least 1). A block is longer
    /// when a single row is.
    pub fn with_block_size(mut self, bytes: usize) -> Self {
        self.block_size = bytes.max(1);
        self
    }

    /// What was detected.
    pub fn info(&self) -> &SourceInfo {
        &self.info
    }

    /// The dialect to give [`parse_block`].
    pub fn dialect(&self) -> Dialect {
        self.dialect
    }

    /// The next block, or `None` at the end of the stream.
    pub fn next_block(&mut self) -> Result<Option<Block>, ReadError> {
        let mut wanted = self.block_size;
        loop {
            self.fill(wanted)
                .map_err(|err| stream_error(err, self.info.compression))?;
            self.scanner.scan(&self.buf[..self.filled], self.eof);
            if self.eof {
                let rows = self.scanner.rows_at_eof(self.filled);
                return Ok(self.take_block(self.filled, rows));
            }
            match self.scanner.cut() {
                (cut, rows) if cut > 0 => return Ok(self.take_block(cut, rows)),
                _ if self.filled >= MAX_ROW_BYTES => {
                    return Err(ReadError::RecordTooLarge {
                        row: self.rows_returned + self.scanner.rows_seen() + 1,
                        limit: MAX_ROW_BYTES,
                    });
                }
                // One row longer than the block so far: read on.
                _ => wanted = self.filled + self.block_size,
            }
        }
    }

    /// Reads until `wanted` bytes are filled or the stream ends. Reads go
    /// straight into `buf`, whose bytes are initialised once and then reused:
    /// `read_to_end` would zero the space of every read first.
    fn fill(&mut self, wanted: usize) -> std::io::Result<()> {
        if self.buf.len() < wanted {
            self.buf.resize(wanted, 0);
        }
        while self.filled < wanted && !self.eof {
            match self.stream.read(&mut self.buf[self.filled..wanted]) {
                Ok(0) => self.eof = true,
                Ok(read) => self.filled += read,
                Err(err) if err.kind() == std::io::ErrorKind::Interrupted => {}
                Err(err) => return Err(err),
            }
        }
        Ok(())
    }

    /// Splits off `buf[..cut]`, made of `rows` rows, as the next block.
    fn take_block(&mut self, cut: usize, rows: u64) -> Option<Block> {
        if cut == 0 {
            return None;
        }
        // The bytes after the cut start the next block, in the spare buffer
        // (whose old bytes are overwritten, not cleared: see `fill`).
        let tail = self.filled - cut;
        let mut rest = std::mem::take(&mut self.spare);
        if rest.len() < tail {
            rest.resize(tail, 0);
        }
        rest[..tail].copy_from_slice(&self.buf[cut..self.filled]);
        let mut bytes = std::mem::replace(&mut self.buf, rest);
        bytes.truncate(cut);
        self.filled = tail;
        self.scanner.shift(cut);
        let block = Block {
            index: self.next_index,
            offset: self.offset,
            first_row: self.rows_returned + 1,
            bytes,
        };
        self.rows_returned += rows;
        self.next_index += 1;
        self.offset += cut as u64;
        Some(block)
    }
}

impl Iterator for BlockReader<'_> {
    type Item = Result<Block, ReadError>;

    fn next(&mut self) -> Option<Self::Item> {
        self.next_block().transpose()
    }
}

/// Parses one block, calling `on_row` for each row in order, and returns the
/// number of rows (blank lines included).
///
/// ```
/// use ingest::{BlockReader, Options, parse_block};
///
/// let csv: &[u8] = b"id;nom\n1;\"a\nb\"\n\n2;c\n";
/// let mut blocks = BlockReader::open(csv, &Options::default())?.with_block_size(8);
/// let dialect = blocks.dialect();
/// let mut seen = Vec::new();
/// while let Some(block) = blocks.next_block()? {
///     // Typically sent to a worker thread; numbers are made absolute here.
///     let offset = block.first_row - 1;
///     parse_block(&dialect, &block.bytes, |row| {
///         let row = row.expect("valid UTF-8");
///         seen.push((offset + row.number(), row.len()));
///     });
/// }
/// assert_eq!(seen, [(1, 2), (2, 2), (3, 0), (4, 2)]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// Row numbers ([`Row::number`], [`ReadError::row`]) start at 1 within the
/// block: add the number of rows of the previous blocks (and see
/// [`ReadError::offset_row`]). An encoding error concerns its row only; the
/// following rows are still parsed.
pub fn parse_block<F>(dialect: &Dialect, block: &[u8], mut on_row: F) -> u64
where
    F: FnMut(Result<&Row, ReadError>),
{
    if !block_rows::supports(dialect.delimiter) {
        return parse_block_exactly(dialect, block, on_row);
    }
    let mut rows = BlockRows::new(dialect, block);
    let mut row = Row::new();
    let mut count = 0;
    while let Some(result) = rows.next_row(count + 1, &mut row) {
        count += 1;
        on_row(result.map(|()| &row));
    }
    count
}

/// [`parse_block`] handing each row out as its number (from 1 in the block)
/// and its cells as text, for callers that want `&[&str]` (the validator):
/// the cells are usually slices of `block` itself, so the row is neither
/// copied nor its cells collected a second time.
///
/// ```
/// use ingest::{BlockReader, Options, parse_block_cells};
///
/// let csv: &[u8] = b"id;nom\n1;\"a\"\"b\"\n";
/// let mut blocks = BlockReader::open(csv, &Options::default())?;
/// let dialect = blocks.dialect();
/// let block = blocks.next_block()?.expect("one block");
/// let mut seen = Vec::new();
/// parse_block_cells(&dialect, &block.bytes, |number, cells| {
///     seen.push((number, cells.expect("valid UTF-8").join("|")));
/// });
/// assert_eq!(seen, [(1, "id|nom".to_owned()), (2, "1|a\"b".to_owned())]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn parse_block_cells<F>(dialect: &Dialect, block: &[u8], mut on_row: F) -> u64
where
    F: FnMut(u64, Result<&[&str], ReadError>),
{
    if !block_rows::supports(dialect.delimiter) {
        let mut cells: Vec<&str> = Vec::new();
        return parse_block_exactly(dialect, block, |row| match row {
            Ok(row) => {
                let mut row_cells = reuse_cells(std::mem::take(&mut cells));
                row_cells.extend(row.cells());
                on_row(row.number(), Ok(&row_cells));
                cells = reuse_cells(row_cells);
            }
            Err(err) => on_row(err.row().unwrap_or_default(), Err(err)),
        });
    }
    let mut rows = BlockRows::new(dialect, block);
    let mut row = Row::new();
    let mut cells: Vec<&str> = Vec::new();
    let mut count = 0;
    loop {
        let mut row_cells = reuse_cells(std::mem::take(&mut cells));
        let Some(result) = rows.next_cells(count + 1, &mut row, &mut row_cells) else {
            break;
        };
        count += 1;
        on_row(count, result.map(|()| row_cells.as_slice()));
        cells = reuse_cells(row_cells);
    }
    count
}

/// The first row of a block as text cells (a header): the cells [`parse_block_cells`] gives
/// that row, or its error; `None` for an empty block. The rows after it are not parsed, except
/// with a delimiter the fast parser does not take, whose exact parser reads the whole block.
///
/// ```
/// use ingest::{BlockReader, Options, parse_first_row};
///
/// let csv: &[u8] = b"\"nom\nlong\";code\nAlbi;81004\n";
/// let mut blocks = BlockReader::open(csv, &Options::default())?;
/// let block = blocks.next_block()?.expect("one block");
/// let header = parse_first_row(&blocks.dialect(), &block.bytes).expect("a row")?;
/// assert_eq!(header, ["nom\nlong", "code"]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn parse_first_row(dialect: &Dialect, block: &[u8]) -> Option<Result<Vec<String>, ReadError>> {
    let owned =
        |cells: &[&str]| -> Vec<String> { cells.iter().copied().map(str::to_owned).collect() };
    if !block_rows::supports(dialect.delimiter) {
        let mut first = None;
        parse_block_cells(dialect, block, |_, cells| {
            first.get_or_insert_with(|| cells.map(owned));
        });
        return first;
    }
    let mut row = Row::new();
    let mut cells = Vec::new();
    let first = BlockRows::new(dialect, block).next_cells(1, &mut row, &mut cells)?;
    Some(first.map(|()| owned(&cells)))
}

/// Empties a vector of cells to reuse its allocation for cells of another
/// lifetime (nothing borrowed crosses over; the in-place `collect` keeps the
/// buffer).
pub fn reuse_cells<'c>(mut cells: Vec<&str>) -> Vec<&'c str> {
    cells.clear();
    cells.into_iter().map(|_| "").collect()
}

/// [`parse_block`] for delimiters that only the splitter handles (a
/// [`Dialect`] made by hand: sources refuse them).
fn parse_block_exactly<F>(dialect: &Dialect, block: &[u8], mut on_row: F) -> u64
where
    F: FnMut(Result<&Row, ReadError>),
{
    let mut splitter = Splitter::new(dialect.delimiter);
    let mut parser = RecordParser::new(dialect.delimiter, dialect.encoding);
    let mut row = Row::new();
    let mut count = 0;
    while let Some(range) = splitter
        .next_row(block)
        .or_else(|| splitter.finish(block.len()))
    {
        count += 1;
        match parser.parse(&block[range], count, &mut row) {
            Ok(()) => on_row(Ok(&row)),
            Err(err) => on_row(Err(err)),
        }
    }
    count
}
