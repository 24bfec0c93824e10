//! Cutting a CSV byte stream into rows, and parsing one row into cells.
//!
//! [`Splitter`] finds where each row ends with the same state machine as
//! `csv-core` (quotes only count at the start of a field, doubled quotes are
//! escapes, CR, LF and CRLF end a record), plus one thing `csv-core` skips:
//! an empty line is a row of its own, as in Python's `csv` module and thus in
//! frictionless (which reports it as `blank-row`). Knowing row boundaries
//! outside the parser lets the row reader number rows exactly like
//! frictionless.
//!
//! [`RecordParser`] then hands each non-empty row's bytes to `csv-core`, which
//! does the unquoting, and checks the result is UTF-8.
//!
//! This pair is the reference: the row reader uses it, and so does
//! [`parse_block`](crate::parse_block) for a row whose UTF-8 check failed.
//! The block path's fast scanner (`scan.rs`) and parser (`block_rows.rs`)
//! follow the same rules and are tested against it.

use std::ops::Range;

use crate::{Encoding, ReadError, Row};

const QUOTE: u8 = b'"';

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// At the start of a row (nothing of it seen yet).
    StartRecord,
    /// The previous row ended with CR: a LF now belongs to that terminator.
    AfterCr,
    /// Just after a delimiter.
    StartField,
    /// In an unquoted field, or after the closing quote of a quoted one.
    InField,
    /// Inside quotes.
    InQuoted,
    /// Saw a quote inside quotes: either an escaped quote or the closing one.
    QuoteInQuoted,
}

/// Finds row boundaries in a buffer that grows at its end (and may be
/// shifted left by the caller, see [`Splitter::shift`]).
#[derive(Debug, Clone)]
pub(crate) struct Splitter {
    delimiter: u8,
    state: State,
    /// Next byte to examine.
    pos: usize,
    /// Where the row being scanned starts.
    row_start: usize,
}

impl Splitter {
    pub(crate) fn new(delimiter: u8) -> Self {
        Self {
            delimiter,
            state: State::StartRecord,
            pos: 0,
            row_start: 0,
        }
    }

    /// The content (terminator excluded) of the next complete row in `data`,
    /// or `None` if `data` ends before the row does. An empty range is a
    /// blank line.
    pub(crate) fn next_row(&mut self, data: &[u8]) -> Option<Range<usize>> {
        while self.pos < data.len() {
            let byte = data[self.pos];
            match self.state {
                State::AfterCr => {
                    self.state = State::StartRecord;
                    if byte == b'\n' {
                        self.pos += 1;
                        self.row_start = self.pos;
                    }
                    continue;
                }
                State::StartRecord => {
                    if byte == b'\n' || byte == b'\r' {
                        return Some(self.end_row(byte));
                    }
                    self.state = State::StartField;
                    continue;
                }
                State::StartField => {
                    if byte == QUOTE {
                        self.state = State::InQuoted;
                        self.pos += 1;
                    } else {
                        self.state = State::InField;
                    }
                }
                State::InField => {
                    let rest = &data[self.pos..];
                    match memchr::memchr3(self.delimiter, b'\n', b'\r', rest) {
                        None => self.pos = data.len(),
                        Some(offset) => {
                            self.pos += offset;
                            let found = data[self.pos];
                            if found == self.delimiter {
                                self.state = State::StartField;
                                self.pos += 1;
                            } else {
                                return Some(self.end_row(found));
                            }
                        }
                    }
                }
                State::InQuoted => match memchr::memchr(QUOTE, &data[self.pos..]) {
                    None => self.pos = data.len(),
                    Some(offset) => {
                        self.pos += offset + 1;
                        self.state = State::QuoteInQuoted;
                    }
                },
                State::QuoteInQuoted => {
                    if byte == QUOTE {
                        self.state = State::InQuoted;
                        self.pos += 1;
                    } else if byte == self.delimiter {
                        self.state = State::StartField;
                        self.pos += 1;
                    } else if byte == b'\n' || byte == b'\r' {
                        return Some(self.end_row(byte));
                    } else {
                        self.state = State::InField;
                    }
                }
            }
        }
        None
    }

    /// Ends the row at `self.pos`, where `terminator` (CR or LF) stands.
    fn end_row(&mut self, terminator: u8) -> Range<usize> {
        let content = self.row_start..self.pos;
        self.pos += 1;
        self.row_start = self.pos;
        self.state = if terminator == b'\r' {
            State::AfterCr
        } else {
            State::StartRecord
        };
        content
    }

    /// At the end of the stream: the last row if it has no terminator.
    /// Call after [`Splitter::next_row`] returned `None` on all the data.
    pub(crate) fn finish(&mut self, data_len: usize) -> Option<Range<usize>> {
        match self.state {
            State::StartRecord | State::AfterCr => None,
            _ => {
                let content = self.row_start..data_len;
                self.state = State::StartRecord;
                self.row_start = data_len;
                self.pos = data_len;
                Some(content)
            }
        }
    }

    /// Where the row being scanned starts (everything before can be dropped).
    pub(crate) fn row_start(&self) -> usize {
        self.row_start
    }

    /// The caller removed the first `n` bytes of its buffer.
    pub(crate) fn shift(&mut self, n: usize) {
        self.pos -= n;
        self.row_start -= n;
    }
}

/// Parses one row's bytes into cells with `csv-core`.
pub(crate) struct RecordParser {
    core: csv_core::Reader,
    encoding: Encoding,
    /// csv-core's cell end offsets, turned into the row's spans.
    ends: Vec<usize>,
}

impl RecordParser {
    pub(crate) fn new(delimiter: u8, encoding: Encoding) -> Self {
        let core = csv_core::ReaderBuilder::new()
            .delimiter(delimiter)
            .quote(QUOTE)
            .double_quote(true)
            .build();
        let mut parser = Self {
            core,
            encoding,
            ends: Vec::new(),
        };
        parser.prime();
        parser
    }

    /// csv-core strips a UTF-8 BOM at the start of its first input. Our BOM
    /// is handled (and reported) by encoding detection; a U+FEFF at the start
    /// of a later row is data. A first, empty line is a no-op that turns the
    /// BOM stripping off.
    fn prime(&mut self) {
        self.core.reset();
        let (mut out, mut ends) = ([0u8; 1], [0usize; 1]);
        let _ = self.core.read_record(b"\n", &mut out, &mut ends);
    }

    /// Fills `row` with the cells of `content`, a complete row as found by
    /// [`Splitter`] (an empty slice is a blank row: zero cells).
    pub(crate) fn parse(
        &mut self,
        content: &[u8],
        number: u64,
        row: &mut Row,
    ) -> Result<(), ReadError> {
        row.number = number;
        let mut bytes = std::mem::take(&mut row.text).into_bytes();
        let mut ends = std::mem::take(&mut self.ends);
        ends.clear();
        if !content.is_empty() {
            self.split_cells(content, &mut bytes, &mut ends);
        } else {
            bytes.clear();
        }
        let result = match String::from_utf8(bytes) {
            Ok(text) if ends.iter().all(|&end| text.is_char_boundary(end)) => {
                row.text = text;
                row.set_spans_from_ends(&ends);
                Ok(())
            }
            Ok(text) => {
                let err = self.encoding_error(text.as_bytes(), &ends, number);
                row.clear_with(text.into_bytes());
                Err(err)
            }
            Err(err) => {
                let bytes = err.into_bytes();
                let error = self.encoding_error(&bytes, &ends, number);
                row.clear_with(bytes);
                Err(error)
            }
        };
        self.ends = ends;
        result
    }

    /// Runs csv-core over `content`, growing the output buffers as needed.
    fn split_cells(&mut self, content: &[u8], out: &mut Vec<u8>, ends: &mut Vec<usize>) {
        use csv_core::ReadRecordResult as R;
        // Unquoting only removes bytes: the content's length is enough.
        out.clear();
        out.resize(content.len(), 0);
        ends.resize(ends.capacity().max(8), 0);
        let (mut input, mut out_len, mut ends_len) = (content, 0, 0);
        loop {
            let (result, read, written, ended) =
                self.core
                    .read_record(input, &mut out[out_len..], &mut ends[ends_len..]);
            input = &input[read..];
            out_len += written;
            ends_len += ended;
            match result {
                R::InputEmpty => {
                    // All of `content` is in: an empty input ends the record.
                    if !input.is_empty() {
                        continue;
                    }
                    let (result, _, written, ended) =
                        self.core
                            .read_record(&[], &mut out[out_len..], &mut ends[ends_len..]);
                    out_len += written;
                    ends_len += ended;
                    if result == R::OutputEndsFull {
                        let len = ends.len();
                        ends.resize(len * 2, 0);
                        continue;
                    }
                    break;
                }
                R::OutputFull => {
                    let len = out.len();
                    out.resize(len * 2 + 1, 0);
                }
                R::OutputEndsFull => {
                    let len = ends.len();
                    ends.resize(len * 2, 0);
                }
                // `content` holds exactly one record, so csv-core ends it only
                // at the empty input above.
                R::Record => break,
                // Unreachable given the above; would leave csv-core stuck.
                R::End => {
                    self.prime();
                    break;
                }
            }
        }
        out.truncate(out_len);
        ends.truncate(ends_len);
    }

    fn encoding_error(&self, bytes: &[u8], ends: &[usize], row: u64) -> ReadError {
        let (column, field) = first_invalid_field(bytes, ends);
        let (valid_len, bad_len) = match std::str::from_utf8(field) {
            Err(err) => (err.valid_up_to(), err.error_len().unwrap_or(1)),
            Ok(_) => (field.len(), 0),
        };
        let valid = std::str::from_utf8(&field[..valid_len]).unwrap_or_default();
        let context: String = {
            let tail: Vec<char> = valid.chars().rev().take(20).collect();
            tail.into_iter().rev().collect()
        };
        let bad_end = (valid_len + bad_len.clamp(1, 4)).min(field.len());
        ReadError::Encoding {
            row,
            column,
            encoding: self.encoding,
            bytes: field[valid_len..bad_end].to_vec(),
            context,
        }
    }
}

/// The first field (1-based number, bytes) that is not valid UTF-8 on its own.
fn first_invalid_field<'a>(bytes: &'a [u8], ends: &[usize]) -> (usize, &'a [u8]) {
    let mut start = 0;
    for (index, &end) in ends.iter().enumerate() {
        let field = bytes.get(start..end).unwrap_or_default();
        if std::str::from_utf8(field).is_err() {
            return (index + 1, field);
        }
        start = end;
    }
    (1, bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Rows of `data` as (content, is_blank) strings, the stream ending there.
    fn rows(data: &[u8], delimiter: u8) -> Vec<String> {
        let mut splitter = Splitter::new(delimiter);
        let mut out = Vec::new();
        while let Some(range) = splitter.next_row(data) {
            out.push(String::from_utf8_lossy(&data[range]).into_owned());
        }
        if let Some(range) = splitter.finish(data.len()) {
            out.push(String::from_utf8_lossy(&data[range]).into_owned());
        }
        out
    }

    #[test]
    fn splits_on_lf_crlf_and_cr_and_keeps_blank_lines() {
        assert_eq!(rows(b"a\nb\r\nc\rd", b','), ["a", "b", "c", "d"]);
        assert_eq!(rows(b"a\n\n\r\nb\n", b','), ["a", "", "", "b"]);
        assert_eq!(rows(b"\n", b','), [""]);
        assert_eq!(rows(b"", b','), Vec::<String>::new());
    }

    #[test]
    fn quotes_protect_newlines_only_at_field_start() {
        assert_eq!(rows(b"\"a\nb\",c\nd", b','), ["\"a\nb\",c", "d"]);
        assert_eq!(rows(b"x\"a\nb\"", b','), ["x\"a", "b\""]);
        assert_eq!(rows(b"\"a\"\"\n\"\n", b','), ["\"a\"\"\n\""]);
        assert_eq!(rows(b"a;\"b\nc\"\n", b';'), ["a;\"b\nc\""]);
    }

    #[test]
    fn a_cr_at_the_buffer_end_waits_for_a_possible_lf() {
        let mut splitter = Splitter::new(b',');
        assert_eq!(splitter.next_row(b"a\r"), Some(0..1));
        assert_eq!(splitter.row_start(), 2);
        assert_eq!(splitter.next_row(b"a\r\nb"), None);
        assert_eq!(splitter.row_start(), 3);
    }

    fn parse(content: &str) -> Result<Vec<String>, ReadError> {
        let mut parser = RecordParser::new(b',', Encoding::Utf8);
        let mut row = Row::new();
        parser.parse(content.as_bytes(), 7, &mut row)?;
        assert_eq!(row.number(), 7);
        Ok(row.cells().map(str::to_owned).collect())
    }

    #[test]
    fn parses_quoted_cells() {
        assert_eq!(parse("a,\"b,\"\"c\"\"\",").unwrap(), ["a", "b,\"c\"", ""]);
        assert_eq!(parse("\u{feff}x").unwrap(), ["\u{feff}x"]);
        assert_eq!(parse("").unwrap(), Vec::<String>::new());
    }

    #[test]
    fn invalid_utf8_is_an_error_naming_row_column_and_bytes() {
        let mut parser = RecordParser::new(b',', Encoding::Utf8);
        let mut row = Row::new();
        let err = parser.parse(b"ok,Caf\xe9 noir", 4, &mut row).unwrap_err();
        match &err {
            ReadError::Encoding {
                row,
                column,
                bytes,
                context,
                ..
            } => {
                assert_eq!((*row, *column), (4, 2));
                assert_eq!(bytes, &[0xE9]);
                assert_eq!(context, "Caf");
            }
            other => panic!("unexpected {other:?}"),
        }
        assert!(err.message_fr().contains("Ligne 4, colonne 2"));
        // A delimiter in the middle of a multibyte sequence: each cell invalid.
        assert!(parser.parse(b"\xc3,\xa9", 5, &mut row).is_err());
        // The parser goes on after an error.
        parser.parse(b"fine", 6, &mut row).unwrap();
        assert_eq!(row.cells().collect::<Vec<_>>(), ["fine"]);
    }
}
