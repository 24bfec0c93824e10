//! Where a block may end: a scan that follows only the quoting state.
//!
//! [`BlockReader`](crate::BlockReader) needs two things from the bytes it
//! reads: the last row boundary (a CR or LF outside quotes) and how many rows
//! end before it. Neither needs cells, so [`CutScanner`] jumps from one
//! interesting byte to the next with `memchr3` (quote, LF, CR) outside quotes
//! and `memchr` (quote) inside; in ordinary files these bytes are a few per
//! row, so the scan costs a small fraction of parsing.
//!
//! Quoting follows `csv-core` exactly, as [`crate::split::Splitter`] does: a
//! quote opens a quoted field only at the start of a field (after a
//! delimiter, a CR or LF, or at the start of the stream), a doubled quote
//! inside quotes is an escape, and any other quote is data. A CRLF is one
//! terminator; a lone CR or LF is one too, so a blank line is a row.
//!
//! The delimiter must not be a quote, CR or LF (the source refuses those).

use memchr::{memchr, memchr_iter, memchr2, memchr3, memrchr};

const QUOTE: u8 = b'"';

/// Follows the quoting state of a buffer that grows at its end and is cut at
/// the front (see [`CutScanner::shift`]). The buffer must start at a row start.
#[derive(Debug, Clone)]
pub(crate) struct CutScanner {
    delimiter: u8,
    /// Next byte to examine.
    pos: usize,
    /// Whether `pos` is inside a quoted field.
    quoted: bool,
    /// Rows whose terminator lies before `pos` (a CRLF counts at its CR).
    rows: u64,
    /// Just after the last terminator after which a row surely starts.
    cut: usize,
    /// Rows that end before `cut`.
    rows_before_cut: u64,
    /// Whether a CR was seen: then [`CutScanner::skip_lines`] gives up for good (in a CRLF
    /// file it would stop at every row).
    cr_seen: bool,
}

impl CutScanner {
    pub(crate) fn new(delimiter: u8) -> Self {
        Self {
            delimiter,
            pos: 0,
            quoted: false,
            rows: 0,
            cut: 0,
            rows_before_cut: 0,
            cr_seen: false,
        }
    }

    /// Scans the bytes of `data` not seen yet. With `at_eof`, `data` is the
    /// whole rest of the stream; otherwise the last byte may be left for the
    /// next call (a quote or CR whose meaning depends on what follows).
    pub(crate) fn scan(&mut self, data: &[u8], at_eof: bool) {
        while self.pos < data.len() {
            let go_on = if self.quoted {
                self.scan_quoted(data, at_eof)
            } else {
                self.scan_unquoted(data, at_eof)
            };
            if !go_on {
                return;
            }
        }
    }

    /// Inside quotes: finds the closing quote (skipping doubled ones).
    /// Returns false when the scan must wait for more bytes.
    fn scan_quoted(&mut self, data: &[u8], at_eof: bool) -> bool {
        let Some(found) = memchr(QUOTE, &data[self.pos..]) else {
            self.pos = data.len();
            return true;
        };
        let quote = self.pos + found;
        match data.get(quote + 1) {
            Some(&QUOTE) => self.pos = quote + 2,
            Some(_) => {
                self.quoted = false;
                self.pos = quote + 1;
            }
            None if at_eof => {
                self.quoted = false;
                self.pos = data.len();
            }
            // Closing or escaping: the next byte will tell.
            None => {
                self.pos = quote;
                return false;
            }
        }
        true
    }

    /// Outside quotes: finds the next terminator or quote. Returns false when
    /// the scan must wait for more bytes.
    fn scan_unquoted(&mut self, data: &[u8], at_eof: bool) -> bool {
        self.skip_lines(data);
        let Some(found) = memchr3(QUOTE, b'\n', b'\r', &data[self.pos..]) else {
            self.pos = data.len();
            return true;
        };
        let at = self.pos + found;
        self.pos = at + 1;
        match data[at] {
            b'\n' => {
                // The LF of a CRLF was counted with its CR.
                if at == 0 || data[at - 1] != b'\r' {
                    self.rows += 1;
                }
                self.mark_cut(at + 1);
            }
            b'\r' => match data.get(at + 1) {
                // A LF may follow: look again once it is known.
                None if !at_eof => {
                    self.pos = at;
                    return false;
                }
                next => {
                    self.rows += 1;
                    // After a CRLF, the cut comes with its LF.
                    if next != Some(&b'\n') {
                        self.mark_cut(at + 1);
                    }
                }
            },
            _ => self.quoted = self.at_field_start(data, at),
        }
        true
    }

    /// Outside quotes, up to the next quote or CR: every LF there ends a row, so the rows are
    /// counted in one pass and the position moves after the last LF, rather than stopping at
    /// each line end. The rest (quotes, CRs) is left to [`CutScanner::scan_unquoted`].
    fn skip_lines(&mut self, data: &[u8]) {
        if self.cr_seen || (self.pos > 0 && data[self.pos - 1] == b'\r') {
            return;
        }
        let rest = &data[self.pos..];
        let stretch = match memchr2(QUOTE, b'\r', rest) {
            Some(end) => {
                self.cr_seen = rest[end] == b'\r';
                &rest[..end]
            }
            None => rest,
        };
        let Some(last) = memrchr(b'\n', stretch) else {
            return;
        };
        // LFs are a few per row: jumping between them beats looking at every byte.
        let rows = memchr_iter(b'\n', &stretch[..=last]).count();
        self.rows += rows as u64;
        self.pos += last + 1;
        self.mark_cut(self.pos);
    }

    /// Whether a quote at `at` (outside quotes) opens a quoted field.
    fn at_field_start(&self, data: &[u8], at: usize) -> bool {
        at == 0 || matches!(data[at - 1], b'\n' | b'\r') || data[at - 1] == self.delimiter
    }

    fn mark_cut(&mut self, cut: usize) {
        self.cut = cut;
        self.rows_before_cut = self.rows;
    }

    /// The last safe cut in the bytes scanned so far, and the rows before it
    /// (`(0, 0)` when no row has surely ended yet).
    pub(crate) fn cut(&self) -> (usize, u64) {
        (self.cut, self.rows_before_cut)
    }

    /// Rows in all of `data`, once [`CutScanner::scan`] has seen it with
    /// `at_eof`: the terminated ones, plus a last row without terminator.
    pub(crate) fn rows_at_eof(&self, data_len: usize) -> u64 {
        self.rows + u64::from(self.cut < data_len)
    }

    /// Rows whose end was seen, up to the current position.
    pub(crate) fn rows_seen(&self) -> u64 {
        self.rows
    }

    /// The caller removed `buf[..cut]`: with `cut` as given by
    /// [`CutScanner::cut`], the state carries over to what remains; any other
    /// cut (the whole stream's end) starts afresh.
    pub(crate) fn shift(&mut self, cut: usize) {
        if cut != self.cut {
            *self = Self::new(self.delimiter);
            return;
        }
        self.pos -= cut;
        self.cut -= cut;
        self.rows -= self.rows_before_cut;
        self.rows_before_cut = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::split::Splitter;
    use proptest::prelude::*;

    /// Rows of the whole stream `data`, as the splitter counts them.
    fn by_splitter(data: &[u8]) -> u64 {
        by_splitter_with(data, b',')
    }

    fn by_splitter_with(data: &[u8], delimiter: u8) -> u64 {
        let mut splitter = Splitter::new(delimiter);
        let mut rows = 0;
        while splitter.next_row(data).is_some() {
            rows += 1;
        }
        rows + u64::from(splitter.finish(data.len()).is_some())
    }

    /// Rows of `data` counted by the scanner fed `step` bytes at a time; also
    /// checks every cut it offers is one the splitter would agree is a row
    /// start, with the right number of rows before it.
    fn by_scanner(data: &[u8], step: usize) -> u64 {
        by_scanner_with(data, step, b',')
    }

    fn by_scanner_with(data: &[u8], step: usize, delimiter: u8) -> u64 {
        let mut scanner = CutScanner::new(delimiter);
        let mut end = 0;
        while end < data.len() {
            end = (end + step).min(data.len());
            scanner.scan(&data[..end], end == data.len());
            let (cut, rows) = scanner.cut();
            if cut > 0 {
                // Rows before the cut are exactly those of the prefix, and
                // the rest parses the same on its own.
                let before = by_splitter_with(&data[..cut], delimiter);
                assert_eq!(before, rows, "cut {cut} in {data:?}");
                assert!(cut <= end);
            }
        }
        scanner.rows_at_eof(data.len())
    }

    #[test]
    fn counts_rows_like_the_splitter() {
        let cases: &[&[u8]] = &[
            b"a\nb\r\nc\rd",
            b"a\n\n\r\nb\n",
            b"\n",
            b"\r",
            b"\r\n\r",
            b"\"a\nb\",c\nd",
            b"x\"a\nb\"",
            b"\"a\"\"\n\"\n",
            b"\"ab\"c\"d\ne",
            b"a,\"b\r\nc\"\r\n\"",
            b"\"unclosed\n\n",
            b"a,\"\"\n\"\"\"\"\n",
        ];
        for data in cases {
            for step in 1..=data.len() {
                assert_eq!(by_scanner(data, step), by_splitter(data), "{data:?}");
            }
        }
    }

    #[test]
    fn never_cuts_between_cr_and_lf() {
        let mut scanner = CutScanner::new(b',');
        scanner.scan(b"a\nb\r", false);
        assert_eq!(scanner.cut(), (2, 1));
        scanner.scan(b"a\nb\r\nc", false);
        assert_eq!(scanner.cut(), (5, 2));
    }

    #[test]
    fn a_quote_at_the_end_waits_for_the_next_byte() {
        let mut scanner = CutScanner::new(b',');
        scanner.scan(b"\"a\"", false);
        scanner.scan(b"\"a\"\"\n\"\n", false);
        assert_eq!(scanner.cut(), (7, 1));
    }

    #[test]
    fn shift_keeps_the_state_of_what_remains() {
        let mut scanner = CutScanner::new(b';');
        let data = b"a;b\n\"x\ny";
        scanner.scan(data, false);
        assert_eq!(scanner.cut(), (4, 1));
        scanner.shift(4);
        let rest = b"\"x\ny\"\nz\n";
        scanner.scan(rest, false);
        assert_eq!(scanner.cut(), (8, 2));
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(500))]

        /// Fed in pieces of any size, the scanner counts the rows the splitter
        /// finds, and each cut it offers has exactly the rows before it.
        #[test]
        fn agrees_with_the_splitter_on_csv_like_bytes(
            data in prop::collection::vec(prop::sample::select(b"ab;\"\r\n".to_vec()), 0..300),
            step in 1usize..80,
        ) {
            prop_assert_eq!(by_scanner_with(&data, step, b';'), by_splitter_with(&data, b';'));
        }
    }
}
