//! [`Row`]: one row of text cells, a buffer reused from row to row.

/// One row: its number and its cells as `&str`.
///
/// All cells live in one `String`, each as a (start, end) span of it, so
/// reading a row into the same `Row` again reuses both buffers (no allocation
/// per cell). Spans rather than contiguous cells let a CSV row be copied in
/// one go, delimiters included, with quoted cells pointing inside their quotes.
#[derive(Debug, Clone, Default)]
pub struct Row {
    pub(crate) number: u64,
    pub(crate) text: String,
    pub(crate) spans: Vec<(usize, usize)>,
}

/// Rows are equal when their numbers and cells are (however `text` is laid out).
impl PartialEq for Row {
    fn eq(&self, other: &Self) -> bool {
        self.number == other.number && self.cells().eq(other.cells())
    }
}

impl Eq for Row {}

impl Row {
    /// An empty row, to be filled by a reader.
    pub fn new() -> Self {
        Self::default()
    }

    /// The row number as frictionless counts it: 1 is the first row of the
    /// file (the header), every CSV record is one row however many lines it
    /// spans, and every blank line is a row (with no cells).
    /// Within [`parse_block`](crate::parse_block), numbers start at 1 for
    /// the block's first row.
    pub fn number(&self) -> u64 {
        self.number
    }

    /// Number of cells (0 for a blank line).
    pub fn len(&self) -> usize {
        self.spans.len()
    }

    /// True for a blank line (no cells at all).
    pub fn is_empty(&self) -> bool {
        self.spans.is_empty()
    }

    /// The cell at `index` (from 0).
    pub fn get(&self, index: usize) -> Option<&str> {
        let &(start, end) = self.spans.get(index)?;
        self.text.get(start..end)
    }

    /// The cells, in order.
    pub fn cells(&self) -> impl ExactSizeIterator<Item = &str> + '_ {
        self.spans
            .iter()
            .map(|&(start, end)| self.text.get(start..end).unwrap_or_default())
    }

    /// Empties the row, keeping `bytes`' allocation for the next one.
    pub(crate) fn clear_with(&mut self, mut bytes: Vec<u8>) {
        bytes.clear();
        self.text = String::from_utf8(bytes).unwrap_or_default();
        self.spans.clear();
    }

    /// Starts a row built cell by cell (spreadsheets).
    pub(crate) fn start(&mut self, number: u64) {
        self.number = number;
        self.text.clear();
        self.spans.clear();
    }

    /// Ends the cell whose text was just appended to `text` (right after the
    /// previous cell's).
    pub(crate) fn end_cell(&mut self) {
        let start = self.spans.last().map_or(0, |&(_, end)| end);
        self.spans.push((start, self.text.len()));
    }

    /// Sets the cells from contiguous cells' end offsets in `text` (as
    /// csv-core reports them).
    pub(crate) fn set_spans_from_ends(&mut self, ends: &[usize]) {
        self.spans.clear();
        let mut start = 0;
        for &end in ends {
            self.spans.push((start, end));
            start = end;
        }
    }
}
