//! A minimal CSV writer (RFC 4180: comma, double-quote escaping, LF line ends) for the demo
//! files, which are small and built in memory.

/// Rows written under a fixed header; every row must have as many cells as the header.
pub(crate) struct CsvWriter {
    bytes: Vec<u8>,
    width: usize,
    rows: usize,
}

impl CsvWriter {
    pub(crate) fn new(header: &[&str]) -> CsvWriter {
        let mut writer = CsvWriter {
            bytes: Vec::new(),
            width: header.len(),
            rows: 0,
        };
        writer.write_line(header.iter().copied());
        writer.rows = 0;
        writer
    }

    /// Appends one record. A wrong width is a bug in the generator, hence the debug assertion.
    pub(crate) fn row<S: AsRef<str>>(&mut self, cells: &[S]) {
        debug_assert_eq!(cells.len(), self.width, "row width differs from the header");
        self.write_line(cells.iter().map(AsRef::as_ref));
    }

    fn write_line<'a>(&mut self, cells: impl Iterator<Item = &'a str>) {
        for (index, cell) in cells.enumerate() {
            if index > 0 {
                self.bytes.push(b',');
            }
            write_cell(&mut self.bytes, cell);
        }
        self.bytes.push(b'\n');
        self.rows += 1;
    }

    pub(crate) fn finish(self) -> Vec<u8> {
        self.bytes
    }
}

fn write_cell(out: &mut Vec<u8>, cell: &str) {
    if cell.contains([',', '"', '\n', '\r']) {
        out.push(b'"');
        out.extend_from_slice(cell.replace('"', "\"\"").as_bytes());
        out.push(b'"');
    } else {
        out.extend_from_slice(cell.as_bytes());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_only_cells_that_need_it() {
        let mut csv = CsvWriter::new(&["a", "b"]);
        csv.row(&["plain", "with, comma"]);
        csv.row(&["[\"lait\"]", ""]);
        let text = String::from_utf8(csv.finish()).unwrap();
        assert_eq!(text, "a,b\nplain,\"with, comma\"\n\"[\"\"lait\"\"]\",\n");
    }
}
