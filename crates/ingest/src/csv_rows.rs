//! The streaming CSV row reader: a buffer that holds the current row (and a
//! little read-ahead), whatever the file's size.

use std::io::{self, Read};

use crate::source::{Compression, TextSource};
use crate::split::{RecordParser, Splitter};
use crate::{ReadError, Row, SourceInfo};

/// Read-ahead added to the buffer at each refill.
const CHUNK: usize = 256 * 1024;

/// The largest row accepted, in bytes. A larger one is almost always a quote
/// that is never closed; refusing it keeps memory bounded.
pub(crate) const MAX_ROW_BYTES: usize = 64 * 1024 * 1024;

pub(crate) struct CsvRows<'a> {
    stream: Box<dyn Read + Send + 'a>,
    info: SourceInfo,
    buf: Vec<u8>,
    eof: bool,
    finished: bool,
    splitter: Splitter,
    parser: RecordParser,
    rows_read: u64,
    max_row_bytes: usize,
}

impl<'a> CsvRows<'a> {
    pub(crate) fn new(source: TextSource<'a>) -> Self {
        let delimiter = source.info.delimiter.unwrap_or(b',');
        let encoding = source.info.encoding.unwrap_or(crate::Encoding::Utf8);
        Self {
            stream: source.stream,
            buf: Vec::with_capacity(CHUNK),
            eof: false,
            finished: false,
            splitter: Splitter::new(delimiter),
            parser: RecordParser::new(delimiter, encoding),
            rows_read: 0,
            max_row_bytes: MAX_ROW_BYTES,
            info: source.info,
        }
    }

    pub(crate) fn info(&self) -> &SourceInfo {
        &self.info
    }

    pub(crate) fn next_row(&mut self, row: &mut Row) -> Result<bool, ReadError> {
        if self.finished {
            return Ok(false);
        }
        loop {
            if let Some(range) = self.splitter.next_row(&self.buf) {
                return self.emit(range, row);
            }
            if self.eof {
                return match self.splitter.finish(self.buf.len()) {
                    Some(range) => self.emit(range, row),
                    None => {
                        self.finished = true;
                        Ok(false)
                    }
                };
            }
            if let Err(err) = self.fill() {
                self.finished = true;
                return Err(err);
            }
        }
    }

    fn emit(&mut self, range: std::ops::Range<usize>, row: &mut Row) -> Result<bool, ReadError> {
        self.rows_read += 1;
        self.parser
            .parse(&self.buf[range], self.rows_read, row)
            .map(|()| true)
    }

    /// Drops the rows already returned and reads more.
    fn fill(&mut self) -> Result<(), ReadError> {
        let consumed = self.splitter.row_start();
        if consumed > 0 {
            self.buf.drain(..consumed);
            self.splitter.shift(consumed);
        }
        if self.buf.len() >= self.max_row_bytes {
            return Err(ReadError::RecordTooLarge {
                row: self.rows_read + 1,
                limit: self.max_row_bytes,
            });
        }
        let read = read_chunk(&mut self.stream, &mut self.buf, CHUNK)
            .map_err(|err| stream_error(err, self.info.compression))?;
        self.eof = read == 0;
        Ok(())
    }

    #[cfg(test)]
    fn with_max_row_bytes(mut self, limit: usize) -> Self {
        self.max_row_bytes = limit;
        self
    }
}

/// Appends up to `chunk` bytes to `buf`; 0 only at the end of the stream.
pub(crate) fn read_chunk(
    stream: &mut dyn Read,
    buf: &mut Vec<u8>,
    chunk: usize,
) -> io::Result<usize> {
    stream.take(chunk as u64).read_to_end(buf)
}

/// A read failure, as a decompression error when it comes from gzip.
pub(crate) fn stream_error(err: io::Error, compression: Compression) -> ReadError {
    let from_gzip = compression == Compression::Gzip
        && matches!(
            err.kind(),
            io::ErrorKind::UnexpectedEof | io::ErrorKind::InvalidInput | io::ErrorKind::InvalidData
        );
    if from_gzip {
        ReadError::Decompression(err)
    } else {
        ReadError::Io(err)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Options;
    use crate::source::{Source, open_source};

    fn csv_rows(data: &'static [u8]) -> CsvRows<'static> {
        match open_source(data, &Options::default()) {
            Ok(Source::Text(text)) => CsvRows::new(text),
            _ => panic!("not a text source"),
        }
    }

    #[test]
    fn an_unclosed_quote_stops_at_the_limit() {
        let mut rows = csv_rows(b"a,b\n1,\"never closed\nx,y\n").with_max_row_bytes(8);
        let mut row = Row::new();
        assert!(rows.next_row(&mut row).unwrap());
        let err = rows.next_row(&mut row).unwrap_err();
        assert!(matches!(
            err,
            ReadError::RecordTooLarge { row: 2, limit: 8 }
        ));
        assert!(err.message_fr().contains("guillemet"));
        assert!(!rows.next_row(&mut row).unwrap());
    }
}
