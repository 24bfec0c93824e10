//! The engine of [`parse_block`](crate::parse_block): a block's rows in one
//! pass over its bytes.
//!
//! The block is checked as UTF-8 64 KiB at a time (`simdutf8`, several times
//! faster than `std::str::from_utf8` on accented text, and than row by row),
//! just ahead of parsing so that the bytes are still in cache.
//! Each row is then found and split (plain cells with a bit mask of the
//! delimiters and line ends of each 64 bytes, quoted ones with `memchr`),
//! copied whole into the reused [`Row`], and its cells recorded as spans of
//! that copy: a plain cell is the bytes between delimiters, a quoted one the
//! bytes inside its quotes. Only a cell that unquoting changes (a doubled
//! quote, or data after the closing quote) is rebuilt, appended after the
//! row's copy.
//!
//! Semantics are `csv-core`'s plus blank lines, as in [`crate::split`]: a
//! quote opens a quoted cell only as the first byte of a cell, a doubled
//! quote inside quotes is one quote, after the closing quote the cell goes on
//! as plain data up to the next delimiter or line end, and a quote that is
//! never closed runs to the end of the block. CR, LF and CRLF end a row; an
//! empty line is a row without cells.
//!
//! A row in which the UTF-8 check failed is handed to the `csv-core` parser,
//! which phrases the encoding error exactly as the row reader does (and
//! accepts the rare row that unquoting makes valid, e.g. `"\xC3"\xA9`).

use std::ops::Range;

use memchr::memchr;

use crate::split::RecordParser;
use crate::{Dialect, ReadError, Row};

const QUOTE: u8 = b'"';

/// Bytes checked as UTF-8 at a time, ahead of parsing.
const UTF8_WINDOW: usize = 64 * 1024;

/// Whether [`BlockRows`] can parse with this delimiter: an ASCII byte that is
/// neither a quote nor a line end (what sources accept).
pub(crate) fn supports(delimiter: u8) -> bool {
    delimiter.is_ascii() && !b"\"\r\n".contains(&delimiter)
}

/// A cell whose text differs from its bytes: its index and its pieces.
#[derive(Debug, Clone)]
struct Rebuilt {
    cell: usize,
    pieces: Range<usize>,
    /// Where [`BlockRows::next_cells`] wrote the cell's text (in `Row::text`).
    text: Range<usize>,
}

/// Reads the rows of one block, in order.
pub(crate) struct BlockRows<'b> {
    block: &'b [u8],
    dialect: Dialect,
    /// Where the next row starts.
    pos: usize,
    /// `block[valid_from..]` starts with `valid`, known to be UTF-8.
    valid: &'b str,
    valid_from: usize,
    /// Whether `valid` stops at invalid bytes (rather than at a window's end).
    broken: bool,
    /// Bytes to check at a time ([`UTF8_WINDOW`]; smaller in tests).
    utf8_window: usize,
    /// Pieces (offsets in the row) of the cells listed in `rebuilt`.
    pieces: Vec<Range<usize>>,
    rebuilt: Vec<Rebuilt>,
    /// Where the delimiters and line ends are.
    marks: Marks,
    /// For rows with invalid bytes; made on first need.
    fallback: Option<RecordParser>,
}

impl<'b> BlockRows<'b> {
    /// Requires [`supports`]`(dialect.delimiter)`.
    pub(crate) fn new(dialect: &Dialect, block: &'b [u8]) -> Self {
        Self {
            block,
            dialect: *dialect,
            pos: 0,
            valid: "",
            valid_from: 0,
            broken: false,
            utf8_window: UTF8_WINDOW,
            pieces: Vec::new(),
            rebuilt: Vec::new(),
            marks: Marks::new(dialect.delimiter),
            fallback: None,
        }
    }

    /// Fills `row` with the next row, numbered `number`; `None` at the end.
    pub(crate) fn next_row(&mut self, number: u64, row: &mut Row) -> Option<Result<(), ReadError>> {
        let (content, next) = self.start_row(number, row)?;
        let valid_end = self.valid_end();
        let result = self.fill_row(content, number, row);
        self.end_row(valid_end, next);
        Some(result)
    }

    /// [`BlockRows::next_row`] handing the cells out as text: slices of the
    /// block itself when the row is valid UTF-8 (the usual case: no copy of
    /// the row, no second pass over its spans), except the cells that
    /// unquoting changes, rebuilt in `row`; slices of `row` otherwise.
    /// `cells` is cleared first.
    pub(crate) fn next_cells<'r>(
        &mut self,
        number: u64,
        row: &'r mut Row,
        cells: &mut Vec<&'r str>,
    ) -> Option<Result<(), ReadError>>
    where
        'b: 'r,
    {
        cells.clear();
        let (content, next) = self.start_row(number, row)?;
        let valid_end = self.valid_end();
        let borrowed = content.end <= valid_end && self.prepare_borrowed(content.clone(), row);
        let result = if borrowed {
            self.push_borrowed(content, row, cells);
            Ok(())
        } else {
            let result = self.fill_row(content, number, row);
            let row: &'r Row = row;
            if result.is_ok() {
                cells.extend(row.cells());
            }
            result
        };
        self.end_row(valid_end, next);
        Some(result)
    }

    /// Splits the next row (spans and cells to rebuild) and checks its UTF-8;
    /// returns where its content lies and where the next row starts.
    fn start_row(&mut self, number: u64, row: &mut Row) -> Option<(Range<usize>, usize)> {
        if self.pos >= self.block.len() {
            return None;
        }
        let start = self.pos;
        let (content_end, next) = self.split_row(&mut row.spans);
        self.pos = next;
        row.number = number;
        if content_end > self.valid_end() && !self.broken {
            self.check_utf8(start, content_end);
        }
        Some((start..content_end, next))
    }

    /// Puts the row at `content` into `row`: copied when it is valid UTF-8,
    /// parsed exactly otherwise.
    fn fill_row(
        &mut self,
        content: Range<usize>,
        number: u64,
        row: &mut Row,
    ) -> Result<(), ReadError> {
        if content.end <= self.valid_end() && self.copy_row(content.clone(), row) {
            Ok(())
        } else {
            self.parse_exactly(content, number, row)
        }
    }

    /// After a row ending at `next`: if the invalid bytes that stopped the
    /// UTF-8 check (at `valid_end`) were in it, checks afresh after it.
    fn end_row(&mut self, valid_end: usize, next: usize) {
        if self.broken && valid_end < next {
            self.valid = "";
            self.valid_from = next;
            self.broken = false;
        }
    }

    /// Readies the row at `content` to be handed out as slices of the block
    /// ([`BlockRows::push_borrowed`]): checks that it lies in the checked
    /// UTF-8, and rebuilds the cells that unquoting changes end to end in
    /// `row.text` (the rest of the row is not copied). False when the row must
    /// be copied instead.
    fn prepare_borrowed(&mut self, content: Range<usize>, row: &mut Row) -> bool {
        match self.valid_text(content) {
            Some(text) => self.rebuild_apart(text, &mut row.text),
            None => false,
        }
    }

    /// Pushes the cells of a row readied by [`BlockRows::prepare_borrowed`].
    /// Every span lies on character boundaries of the row's text: each end is
    /// the row's start or end, or next to an ASCII byte (delimiter, quote, CR,
    /// LF), never inside a character.
    fn push_borrowed<'r>(&self, content: Range<usize>, row: &'r Row, cells: &mut Vec<&'r str>)
    where
        'b: 'r,
    {
        let text = self.valid_text(content).unwrap_or_default();
        let cell = |&(start, end): &(usize, usize)| text.get(start..end).unwrap_or_default();
        if self.rebuilt.is_empty() {
            cells.extend(row.spans.iter().map(cell));
            return;
        }
        let mut rebuilt = self.rebuilt.iter().peekable();
        for (index, span) in row.spans.iter().enumerate() {
            cells.push(match rebuilt.next_if(|rebuilt| rebuilt.cell == index) {
                Some(rebuilt) => row.text.get(rebuilt.text.clone()).unwrap_or_default(),
                None => cell(span),
            });
        }
    }

    /// The row at `content` as text, when it lies in the checked UTF-8.
    fn valid_text(&self, content: Range<usize>) -> Option<&'b str> {
        let from = content.start.checked_sub(self.valid_from)?;
        let to = content.end.checked_sub(self.valid_from)?;
        self.valid.get(from..to)
    }

    /// Writes the cells listed in `rebuilt` end to end into `out` (cleared
    /// first), from their pieces in `row` (the row's text), and notes where
    /// each one lies. False if a piece is not on a character boundary.
    fn rebuild_apart(&mut self, row: &str, out: &mut String) -> bool {
        out.clear();
        for rebuilt in &mut self.rebuilt {
            let start = out.len();
            for piece in &self.pieces[rebuilt.pieces.clone()] {
                match row.get(piece.clone()) {
                    Some(piece) => out.push_str(piece),
                    None => return false,
                }
            }
            rebuilt.text = start..out.len();
        }
        true
    }

    fn valid_end(&self) -> usize {
        self.valid_from + self.valid.len()
    }

    /// Checks UTF-8 from `from` (a row start) over a window that reaches at
    /// least `at_least`, stopping at the first invalid byte. A window rather
    /// than the whole block: its bytes are still in cache when parsed.
    fn check_utf8(&mut self, from: usize, at_least: usize) {
        let len = self.block.len();
        let mut end = (from + self.utf8_window).max(at_least).min(len);
        // Do not cut a character in two (a longer run of continuation bytes
        // is invalid anyway).
        for _ in 0..3 {
            if end < len && self.block[end] & 0xC0 == 0x80 {
                end += 1;
            }
        }
        let window = &self.block[from..end];
        (self.valid, self.broken) = match simdutf8::basic::from_utf8(window) {
            Ok(text) => (text, false),
            Err(_) => {
                // Rare: find where the valid part ends, then take it as text.
                let valid_len = simdutf8::compat::from_utf8(window)
                    .map_or_else(|err| err.valid_up_to(), str::len);
                let valid = simdutf8::basic::from_utf8(&window[..valid_len]).unwrap_or_default();
                (valid, true)
            }
        };
        self.valid_from = from;
    }

    /// Copies the row's content (valid UTF-8) into `row.text` and rebuilds
    /// the cells that need it. False if a span is not on a character
    /// boundary (impossible with an ASCII delimiter; then parse exactly).
    fn copy_row(&self, content: Range<usize>, row: &mut Row) -> bool {
        let text = &mut row.text;
        text.clear();
        let from = content.start.checked_sub(self.valid_from);
        let to = content.end.checked_sub(self.valid_from);
        let Some(content) = from.zip(to).and_then(|(from, to)| self.valid.get(from..to)) else {
            return false;
        };
        text.push_str(content);
        for rebuilt in &self.rebuilt {
            let start = text.len();
            for piece in &self.pieces[rebuilt.pieces.clone()] {
                if !(text.is_char_boundary(piece.start) && text.is_char_boundary(piece.end)) {
                    return false;
                }
                text.extend_from_within(piece.clone());
            }
            row.spans[rebuilt.cell] = (start, text.len());
        }
        true
    }

    /// The row at `content` through csv-core and a per-row UTF-8 check.
    fn parse_exactly(
        &mut self,
        content: Range<usize>,
        number: u64,
        row: &mut Row,
    ) -> Result<(), ReadError> {
        let dialect = self.dialect;
        self.fallback
            .get_or_insert_with(|| RecordParser::new(dialect.delimiter, dialect.encoding))
            .parse(&self.block[content], number, row)
    }

    /// Finds the row starting at `self.pos`: sets `spans` (offsets in the
    /// row) and the cells to rebuild; returns where its content ends and
    /// where the next row starts.
    fn split_row(&mut self, spans: &mut Vec<(usize, usize)>) -> (usize, usize) {
        spans.clear();
        self.pieces.clear();
        self.rebuilt.clear();
        let (block, start) = (self.block, self.pos);
        if matches!(block[start], b'\n' | b'\r') {
            return (start, terminator_end(block, start));
        }
        let mut at = start;
        loop {
            let end = if block.get(at) == Some(&QUOTE) {
                self.quoted_cell(at, start, spans)
            } else {
                let end = self.plain_end(at);
                spans.push((at - start, end - start));
                end
            };
            match block.get(end) {
                Some(&byte) if byte == self.dialect.delimiter => at = end + 1,
                Some(_) => return (end, terminator_end(block, end)),
                None => return (end, end),
            }
        }
    }

    /// Where a plain cell (or the plain tail of a quoted one) starting at
    /// `from` ends: at the next delimiter, CR or LF, or the block's end.
    /// (A quote inside a plain cell is data.)
    #[inline]
    fn plain_end(&mut self, from: usize) -> usize {
        self.marks.next(self.block, from)
    }

    /// Reads the quoted cell whose opening quote is at `open`, in the row
    /// starting at `row_start`; returns where the cell ends.
    fn quoted_cell(
        &mut self,
        open: usize,
        row_start: usize,
        spans: &mut Vec<(usize, usize)>,
    ) -> usize {
        let block = self.block;
        let first_piece = self.pieces.len();
        let mut piece_start = open + 1;
        let mut search = open + 1;
        let end = loop {
            let Some(found) = memchr(QUOTE, &block[search..]) else {
                // Never closed: the cell runs to the end of the block.
                self.pieces.push(piece_start..block.len());
                break block.len();
            };
            let quote = search + found;
            let after = quote + 1;
            match block.get(after) {
                Some(&QUOTE) => {
                    // A doubled quote: keep one, go on inside the quotes.
                    self.pieces.push(piece_start..after);
                    piece_start = after + 1;
                    search = after + 1;
                }
                Some(&byte) if !self.ends_cell(byte) => {
                    // Data after the closing quote belongs to the cell.
                    self.pieces.push(piece_start..quote);
                    let end = self.plain_end(after);
                    self.pieces.push(after..end);
                    break end;
                }
                _ => {
                    self.pieces.push(piece_start..quote);
                    break after;
                }
            }
        };
        let cell = spans.len();
        if self.pieces.len() == first_piece + 1 {
            // One piece: the cell is a span of the row as it is.
            let piece = self.pieces.pop().unwrap_or_default();
            spans.push((piece.start - row_start, piece.end - row_start));
        } else {
            for piece in &mut self.pieces[first_piece..] {
                *piece = piece.start - row_start..piece.end - row_start;
            }
            self.rebuilt.push(Rebuilt {
                cell,
                pieces: first_piece..self.pieces.len(),
                text: 0..0,
            });
            spans.push((0, 0));
        }
        end
    }

    fn ends_cell(&self, byte: u8) -> bool {
        byte == self.dialect.delimiter || byte == b'\n' || byte == b'\r'
    }
}

/// Finds the bytes that end a plain cell (delimiter, CR, LF): 64 bytes at a
/// time into a bit mask, then bit by bit. Cells are
/// short (a dozen bytes), too short for a `memchr3` call per cell to pay off.
struct Marks {
    delimiter: u8,
    /// The mask covers `block[base..end]`: bit i for `block[base + i]`.
    base: usize,
    end: usize,
    mask: u64,
}

const CHUNK: usize = 64;

impl Marks {
    fn new(delimiter: u8) -> Self {
        Self {
            delimiter,
            base: 0,
            end: 0,
            mask: 0,
        }
    }

    /// The first mark at or after `from`, or `block.len()`.
    #[inline]
    fn next(&mut self, block: &[u8], mut from: usize) -> usize {
        loop {
            if from >= self.base && from < self.end {
                let ahead = self.mask >> (from - self.base);
                if ahead != 0 {
                    return from + ahead.trailing_zeros() as usize;
                }
                from = self.end;
            }
            if from >= block.len() {
                return block.len();
            }
            self.load(block, from);
        }
    }

    /// Computes the mask of the 64 bytes from `from` (fewer at the end).
    /// Kept out of line: inlined, its vector constants would be set up at
    /// every cell rather than every 64 bytes.
    #[inline(never)]
    fn load(&mut self, block: &[u8], from: usize) {
        self.base = from;
        self.end = block.len().min(from + CHUNK);
        let is_mark = |byte: u8| (byte == self.delimiter) | (byte == b'\n') | (byte == b'\r');
        let Some(chunk) = block.get(from..from + CHUNK) else {
            self.mask = block[from..]
                .iter()
                .enumerate()
                .fold(0, |mask, (i, &byte)| mask | u64::from(is_mark(byte)) << i);
            return;
        };
        // Written so that the compiler vectorises it: one 0x80 byte per
        // mark, then 8 bytes' high bits gathered into 8 bits by a multiply.
        let mut flags = [0u8; CHUNK];
        for (flag, &byte) in flags.iter_mut().zip(chunk) {
            *flag = if is_mark(byte) { 0x80 } else { 0 };
        }
        self.mask = flags
            .chunks_exact(8)
            .enumerate()
            .fold(0, |mask, (i, word)| {
                let word = u64::from_le_bytes(word.try_into().unwrap_or_default());
                let bits = ((word >> 7).wrapping_mul(0x0102_0408_1020_4080)) >> 56;
                mask | bits << (8 * i)
            });
    }
}

/// Where the line end at `at` (a CR or LF) ends: a CRLF is one.
fn terminator_end(block: &[u8], at: usize) -> usize {
    if block[at] == b'\r' && block.get(at + 1) == Some(&b'\n') {
        at + 2
    } else {
        at + 1
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Encoding;
    use crate::split::Splitter;
    use proptest::prelude::*;

    type Parsed = Vec<(u64, Result<Vec<String>, String>)>;

    fn dialect(delimiter: u8) -> Dialect {
        Dialect {
            delimiter,
            encoding: Encoding::Utf8,
        }
    }

    fn outcome(result: Result<(), ReadError>, row: &Row) -> (u64, Result<Vec<String>, String>) {
        let cells = result
            .map(|()| row.cells().map(str::to_owned).collect())
            .map_err(|err| format!("{err:?}"));
        (row.number(), cells)
    }

    /// The block as the reference pair (splitter + csv-core) reads it.
    fn by_reference(block: &[u8], delimiter: u8) -> Parsed {
        let mut splitter = Splitter::new(delimiter);
        let mut parser = RecordParser::new(delimiter, Encoding::Utf8);
        let (mut row, mut out) = (Row::new(), Vec::new());
        while let Some(range) = splitter
            .next_row(block)
            .or_else(|| splitter.finish(block.len()))
        {
            let result = parser.parse(&block[range], out.len() as u64 + 1, &mut row);
            out.push(outcome(result, &row));
        }
        out
    }

    fn by_block_rows(block: &[u8], delimiter: u8) -> Parsed {
        by_block_rows_with_window(block, delimiter, UTF8_WINDOW)
    }

    fn by_block_rows_with_window(block: &[u8], delimiter: u8, window: usize) -> Parsed {
        let mut rows = BlockRows::new(&dialect(delimiter), block);
        rows.utf8_window = window;
        let (mut row, mut out) = (Row::new(), Vec::new());
        while let Some(result) = rows.next_row(out.len() as u64 + 1, &mut row) {
            out.push(outcome(result, &row));
        }
        out
    }

    /// Bytes that matter to CSV and UTF-8 (é's two bytes, a byte never valid),
    /// among plain letters so that cells cross the 64-byte chunks.
    fn csv_like_bytes() -> impl Strategy<Value = Vec<u8>> {
        let alphabet = b"abcdefghabcdefgh,;\t\"\"\r\n\n\xc3\xa9\xff".to_vec();
        prop::collection::vec(prop::sample::select(alphabet), 0..600)
    }

    /// The block read by [`BlockRows::next_cells`], as `outcome` phrases it.
    fn by_next_cells(block: &[u8], delimiter: u8, window: usize) -> Parsed {
        let mut rows = BlockRows::new(&dialect(delimiter), block);
        rows.utf8_window = window;
        let (mut row, mut out) = (Row::new(), Vec::new());
        loop {
            let mut cells = Vec::new();
            let number = out.len() as u64 + 1;
            let Some(result) = rows.next_cells(number, &mut row, &mut cells) else {
                break;
            };
            let cells = result
                .map(|()| cells.iter().map(|cell| (*cell).to_owned()).collect())
                .map_err(|err| format!("{err:?}"));
            out.push((number, cells));
        }
        out
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(500))]

        /// Rows (`next_row`) and cells as text (`next_cells`) both read as the reference does.
        #[test]
        fn same_rows_and_errors_as_the_reference(
            block in csv_like_bytes(),
            delimiter in prop::sample::select(vec![b',', b';', b'\t']),
            window in 1usize..80,
        ) {
            let expected = by_reference(&block, delimiter);
            prop_assert_eq!(&by_block_rows(&block, delimiter), &expected);
            prop_assert_eq!(&by_block_rows_with_window(&block, delimiter, window), &expected);
            prop_assert_eq!(&by_next_cells(&block, delimiter, UTF8_WINDOW), &expected);
            prop_assert_eq!(&by_next_cells(&block, delimiter, window), &expected);
        }
    }

    fn rows(block: &[u8]) -> Vec<Result<Vec<String>, u64>> {
        let dialect = Dialect {
            delimiter: b',',
            encoding: Encoding::Utf8,
        };
        let mut rows = BlockRows::new(&dialect, block);
        let mut row = Row::new();
        let mut out = Vec::new();
        let mut number = 0;
        while let Some(result) = rows.next_row(number + 1, &mut row) {
            number += 1;
            assert_eq!(row.number(), number);
            out.push(match result {
                Ok(()) => Ok(row.cells().map(str::to_owned).collect()),
                Err(err) => Err(err.row().unwrap_or_default()),
            });
        }
        out
    }

    fn ok(cells: &[&str]) -> Result<Vec<String>, u64> {
        Ok(cells.iter().map(|cell| (*cell).to_owned()).collect())
    }

    #[test]
    fn plain_cells_blank_lines_and_line_ends() {
        assert_eq!(
            rows(b"a,b\r\n\n,\rc"),
            [ok(&["a", "b"]), ok(&[]), ok(&["", ""]), ok(&["c"])]
        );
        assert_eq!(rows(b"a,"), [ok(&["a", ""])]);
        assert_eq!(rows(b"\r\r\n"), [ok(&[]), ok(&[])]);
    }

    #[test]
    fn quoted_cells_are_unquoted() {
        assert_eq!(
            rows(b"\"a,b\",\"x\"\"y\"\"\",\"\"\n\"l1\nl2\"\n"),
            [ok(&["a,b", "x\"y\"", ""]), ok(&["l1\nl2"])]
        );
        // Data after the closing quote, quotes inside a plain cell.
        assert_eq!(rows(b"\"ab\"c\"d,e\"f\n"), [ok(&["abc\"d", "e\"f"])]);
        // Never closed: to the end of the block.
        assert_eq!(rows(b"a,\"b\"\"\nc"), [ok(&["a", "b\"\nc"])]);
        assert_eq!(rows(b"\"b\"\""), [ok(&["b\""])]);
    }

    #[test]
    fn an_invalid_row_is_an_error_of_its_own() {
        let got = rows(b"\xc3\xa9\nx,\xff\n\"y\"\"\",\xff\nz,\"\xc3\"\xa9\n");
        assert_eq!(got, [ok(&["é"]), Err(2), Err(3), ok(&["z", "\u{e9}"])]);
    }
}
