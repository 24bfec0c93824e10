//! [`Row`]: one row of text cells, a buffer reused from row to row.

/// One row: its number and its cells as `&str`.
///
/// All cells live in one `String` with their end offsets, so reading a row
/// into the same `Row` again reuses both buffers (no allocation per cell).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Row {
    pub(crate) number: u64,
    pub(crate) text: String,
    pub(crate) ends: Vec<usize>,
}

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
        self.ends.len()
    }

    /// True for a blank line (no cells at all).
    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// The cell at `index` (from 0).
    pub fn get(&self, index: usize) -> Option<&str> {
        let end = *self.ends.get(index)?;
        let start = match index {
            0 => 0,
            _ => self.ends[index - 1],
        };
        self.text.get(start..end)
    }

    /// The cells, in order.
    pub fn cells(&self) -> impl ExactSizeIterator<Item = &str> + '_ {
        (0..self.ends.len()).map(|index| self.get(index).unwrap_or_default())
    }

    /// Empties the row, keeping `bytes`' allocation for the next one.
    pub(crate) fn clear_with(&mut self, mut bytes: Vec<u8>) {
        bytes.clear();
        self.text = String::from_utf8(bytes).unwrap_or_default();
        self.ends.clear();
    }

    /// Starts a row built cell by cell (spreadsheets).
    pub(crate) fn start(&mut self, number: u64) {
        self.number = number;
        self.text.clear();
        self.ends.clear();
    }

    /// Ends the cell whose text was just appended to `text`.
    pub(crate) fn end_cell(&mut self) {
        self.ends.push(self.text.len());
    }
}
