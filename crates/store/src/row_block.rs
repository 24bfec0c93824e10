//! [`RowBlock`]: many rows of cells in two flat buffers, the form bulk loads hand to the store.
//!
//! Why not `Vec<Vec<Value>>`: a million-row load would allocate (and free, on another thread) a
//! `String` per text cell and a `Vec` per row, and that allocation cost more than SQLite's own
//! insert work. A block keeps the text of all its cells in one `String` and each cell as a small
//! copyable [`Cell`]; a loader clears and refills the same blocks, so a load allocates nothing per
//! row once the first blocks have grown.
//!
//! A block may also keep the bytes its rows were read from ([`RowBlock::read_from`],
//! [`RowBlock::keep_source`]): a text cell found as is in them is then a range of those bytes,
//! not a copy (most cells of a CSV file).

use std::fmt::{Display, Write};

use model::{ColumnDef, Value};

use crate::error::{Error, Result};
use crate::sqlite::codec::decode_text;

/// One cell of a [`RowBlock`]. Text lives in the block; a cell holds its byte range, in 32 bits
/// so that a cell takes 16 bytes (a million-row load writes and reads some sixteen million
/// cells; with 64-bit ranges they took more memory than the file's text). A block holds far
/// less than 4 GiB of text: loaders send it on well before.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Cell {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    /// Plain text, stored as is (a text column, or a cell kept as written because it failed
    /// its column's type).
    Text {
        start: u32,
        end: u32,
    },
    /// A typed value (date, time, date-time, JSON) rendered in its column type's canonical text,
    /// exactly as [`Value`]'s `Display` writes it.
    Rendered {
        start: u32,
        end: u32,
    },
    /// Plain text, as [`Cell::Text`], found as is in the bytes the block's rows were read from
    /// ([`RowBlock::read_from`]): its byte range there.
    Read {
        start: u32,
        end: u32,
    },
}

const _: () = assert!(std::mem::size_of::<Cell>() == 16);

/// A byte offset in a block's text, as a cell keeps it.
#[inline]
fn offset(position: usize) -> u32 {
    u32::try_from(position).expect("plus de 4 Gio de texte dans un bloc de lignes")
}

/// Rows of `width` cells each, row after row, with their text in one buffer. Push a row's
/// cells, then call [`RowBlock::end_row`].
#[derive(Debug, Clone, Default)]
pub struct RowBlock {
    width: usize,
    n_rows: usize,
    cells: Vec<Cell>,
    text: String,
    /// The bytes the rows were read from, once kept ([`RowBlock::keep_source`]).
    source: Vec<u8>,
    /// Address and length of the bytes being read from, between [`RowBlock::read_from`] and
    /// [`RowBlock::keep_source`].
    reading: Option<(usize, usize)>,
}

impl RowBlock {
    /// An empty block for rows of `width` cells.
    pub fn new(width: usize) -> RowBlock {
        RowBlock {
            width,
            n_rows: 0,
            cells: Vec::new(),
            text: String::new(),
            source: Vec::new(),
            reading: None,
        }
    }

    /// An empty block with room for the cells of `rows` rows and `text_bytes` of their text
    /// (both grow as needed).
    pub fn with_capacity(width: usize, rows: usize, text_bytes: usize) -> RowBlock {
        RowBlock {
            cells: Vec::with_capacity(width.saturating_mul(rows)),
            text: String::with_capacity(text_bytes),
            ..RowBlock::new(width)
        }
    }

    /// Bytes of text held by the block's cells.
    pub fn text_len(&self) -> usize {
        self.text.len()
    }

    /// Cells per row.
    pub fn width(&self) -> usize {
        self.width
    }

    /// Rows ended so far.
    pub fn len(&self) -> usize {
        self.n_rows
    }

    pub fn is_empty(&self) -> bool {
        self.n_rows == 0 && self.cells.is_empty()
    }

    /// Forgets every row, keeping the buffers for the next rows (the source bytes too, for
    /// [`RowBlock::take_source`]).
    pub fn clear(&mut self) {
        self.n_rows = 0;
        self.cells.clear();
        self.text.clear();
        self.reading = None;
    }

    /// The rows about to be added are read from `bytes`: texts that are slices of `bytes` will
    /// be kept as ranges of them instead of copies, provided the same bytes are then handed to
    /// [`RowBlock::keep_source`] (before the block is loaded). Only for an empty block: its rows
    /// all come from the same bytes.
    pub fn read_from(&mut self, bytes: &[u8]) {
        assert!(self.cells.is_empty(), "bloc déjà rempli");
        self.reading = Some((bytes.as_ptr() as usize, bytes.len()));
    }

    /// True between [`RowBlock::read_from`] and [`RowBlock::keep_source`].
    pub fn is_reading(&self) -> bool {
        self.reading.is_some()
    }

    /// Keeps the bytes given to [`RowBlock::read_from`] (moved in, so their address is the
    /// same) for the cells that refer to them. Panics if they are other bytes.
    pub fn keep_source(&mut self, bytes: Vec<u8>) {
        assert_eq!(
            self.reading,
            Some((bytes.as_ptr() as usize, bytes.len())),
            "octets source différents de ceux lus"
        );
        self.reading = None;
        self.source = bytes;
    }

    /// Gives the kept source bytes away (for reuse) once the block is cleared.
    pub fn take_source(&mut self) -> Vec<u8> {
        assert!(self.cells.is_empty(), "bloc encore rempli");
        std::mem::take(&mut self.source)
    }

    /// Where `text` lies in the bytes being read from, if it does.
    #[inline]
    fn read_range(&self, text: &str) -> Option<(u32, u32)> {
        let (address, length) = self.reading?;
        let start = (text.as_ptr() as usize).wrapping_sub(address);
        (start <= length && text.len() <= length - start)
            .then(|| (offset(start), offset(start + text.len())))
    }

    /// Ends the row whose cells were just pushed.
    #[inline]
    pub fn end_row(&mut self) {
        self.n_rows += 1;
    }

    #[inline]
    pub fn push_null(&mut self) {
        self.cells.push(Cell::Null);
    }

    #[inline]
    pub fn push_int(&mut self, value: i64) {
        self.cells.push(Cell::Int(value));
    }

    /// Starts a row whose cells are then set by column, in any order (`set_*`: a loader whose
    /// values come in the file's order rather than the table's); the cells not set stay null.
    /// End it with [`RowBlock::end_row`].
    #[inline]
    pub fn start_row(&mut self) {
        self.cells.resize(self.cells.len() + self.width, Cell::Null);
    }

    /// Sets column `column` of the row started last. Panics if there is no such column.
    #[inline]
    fn set(&mut self, column: usize, cell: Cell) {
        assert!(column < self.width, "colonne {column} hors du bloc");
        let row_start = self.cells.len() - self.width;
        self.cells[row_start + column] = cell;
    }

    #[inline]
    pub fn set_bool(&mut self, column: usize, value: bool) {
        self.set(column, Cell::Bool(value));
    }

    #[inline]
    pub fn set_int(&mut self, column: usize, value: i64) {
        self.set(column, Cell::Int(value));
    }

    #[inline]
    pub fn set_float(&mut self, column: usize, value: f64) {
        self.set(column, Cell::Float(value));
    }

    /// A plain text cell into column `column` of the row started last (a text column, or a
    /// cell kept as written because it failed its column's type): a range of the bytes read
    /// from when it lies there, else a copy.
    // Always inlined: the commonest cell of a load, set from another crate; left to the
    // compiler, it became a call again (2 % more of the checking thread's instructions).
    #[inline(always)]
    pub fn set_text(&mut self, column: usize, text: &str) {
        let cell = match self.read_range(text) {
            Some((start, end)) => Cell::Read { start, end },
            None => self.text_cell(text),
        };
        self.set(column, cell);
    }

    /// A typed value (date, time, date-time, JSON) into column `column` of the row started
    /// last, written as its `Display` text.
    pub fn set_rendered(&mut self, column: usize, value: impl Display) {
        let cell = self.rendered_cell(value);
        self.set(column, cell);
    }

    /// A date into column `column` of the row started last, in the text `Display` writes
    /// (`2026-11-30`), put together by hand for the years 0 to 9999: the formatting machinery
    /// took ten times longer.
    #[inline]
    pub fn set_date(&mut self, column: usize, date: jiff::civil::Date) {
        let Ok(year) = u16::try_from(date.year()) else {
            return self.set_rendered(column, date);
        };
        if year > 9999 {
            return self.set_rendered(column, date);
        }
        let digit = |n: u16| b'0' + (n % 10) as u8;
        let (month, day) = (
            u16::from(date.month().unsigned_abs()),
            u16::from(date.day().unsigned_abs()),
        );
        let text = [
            digit(year / 1000),
            digit(year / 100),
            digit(year / 10),
            digit(year),
            b'-',
            digit(month / 10),
            digit(month),
            b'-',
            digit(day / 10),
            digit(day),
        ];
        let (start, end) = self.append_text(std::str::from_utf8(&text).expect("ASCII"));
        self.set(column, Cell::Rendered { start, end });
    }

    /// [`RowBlock::push_value`] into column `column` of the row started last.
    pub fn set_value(&mut self, column: usize, value: &Value) {
        let cell = self.value_cell(value);
        self.set(column, cell);
    }

    /// The cell of a model value (its text, if any, appended to the block's).
    fn value_cell(&mut self, value: &Value) -> Cell {
        match value {
            Value::Null => Cell::Null,
            Value::Bool(flag) => Cell::Bool(*flag),
            Value::Int(number) => Cell::Int(*number),
            Value::Float(number) => Cell::Float(*number),
            Value::Text(text) => self.text_cell(text),
            Value::Date(date) => self.rendered_cell(date),
            Value::Time(time) => self.rendered_cell(time),
            Value::DateTime(datetime) => self.rendered_cell(datetime),
            Value::Json(json) => self.rendered_cell(json),
        }
    }

    /// Appends `text` to the block's text: the cell that holds it.
    #[inline]
    fn text_cell(&mut self, text: &str) -> Cell {
        let (start, end) = self.append_text(text);
        Cell::Text { start, end }
    }

    /// Appends `text` to the block's text: where it lies there.
    #[inline]
    fn append_text(&mut self, text: &str) -> (u32, u32) {
        let start = offset(self.text.len());
        self.text.push_str(text);
        (start, offset(self.text.len()))
    }

    fn rendered_cell(&mut self, value: impl Display) -> Cell {
        let start = offset(self.text.len());
        // Writing into a `String` cannot fail.
        let _ = write!(self.text, "{value}");
        Cell::Rendered {
            start,
            end: offset(self.text.len()),
        }
    }

    /// Any model value, stored as the row loaders of `Vec<Value>` rows store it.
    pub fn push_value(&mut self, value: &Value) {
        let cell = self.value_cell(value);
        self.cells.push(cell);
    }

    /// The rows, each as a slice of `width` cells.
    pub fn rows(&self) -> impl Iterator<Item = &[Cell]> {
        (0..self.n_rows).map(|row| &self.cells[row * self.width..(row + 1) * self.width])
    }

    /// The cells of the ended rows `rows`, row after row (panics beyond the ended rows).
    pub(crate) fn cells_of(&self, rows: std::ops::Range<usize>) -> &[Cell] {
        assert!(rows.end <= self.n_rows, "lignes {rows:?} hors du bloc");
        &self.cells[rows.start * self.width..rows.end * self.width]
    }

    /// [`RowBlock::text`] as bytes (what SQLite is given: no character boundaries to check).
    pub(crate) fn text_bytes(&self, cell: &Cell) -> &[u8] {
        match *cell {
            Cell::Text { start, end } | Cell::Rendered { start, end } => {
                &self.text.as_bytes()[start as usize..end as usize]
            }
            Cell::Read { start, end } => &self.source[start as usize..end as usize],
            _ => b"",
        }
    }

    /// The text of a `Text`, `Rendered` or `Read` cell (`""` for the others).
    pub fn text(&self, cell: &Cell) -> &str {
        match *cell {
            Cell::Text { start, end } | Cell::Rendered { start, end } => {
                &self.text[start as usize..end as usize]
            }
            // Always UTF-8: the range was a `str` when the cell was set, and the bytes kept are
            // the very ones it lay in.
            Cell::Read { .. } => std::str::from_utf8(self.text_bytes(cell)).unwrap_or_default(),
            _ => "",
        }
    }

    /// True when every row has `width` cells and every cell belongs to an ended row.
    pub(crate) fn rows_are_complete(&self) -> bool {
        self.cells.len() == self.n_rows * self.width
    }

    /// Fails unless the rows have the table's width, none is cut short, and the bytes they were
    /// read from are kept.
    pub(crate) fn check_width(&self, columns: &[ColumnDef]) -> Result<()> {
        if self.reading.is_some() {
            return Err(Error::Invalid(
                "bloc de lignes sans les octets d'où elles sont lues".to_owned(),
            ));
        }
        if self.width == columns.len() && self.rows_are_complete() {
            return Ok(());
        }
        Err(Error::Invalid(format!(
            "bloc de lignes de {} valeurs pour une table de {} colonnes",
            self.width,
            columns.len()
        )))
    }

    /// The rows as model values, typed by their columns (rendered cells parsed back): for the
    /// engines that load `Value` rows.
    pub(crate) fn to_values(&self, columns: &[ColumnDef]) -> Vec<Vec<Value>> {
        self.rows()
            .map(|row| {
                row.iter()
                    .zip(columns)
                    .map(|(cell, column)| match cell {
                        Cell::Null => Value::Null,
                        Cell::Bool(flag) => Value::Bool(*flag),
                        Cell::Int(number) => Value::Int(*number),
                        Cell::Float(number) => Value::Float(*number),
                        Cell::Text { .. } | Cell::Read { .. } => {
                            Value::Text(self.text(cell).to_owned())
                        }
                        Cell::Rendered { .. } => decode_text(self.text(cell), column.ty),
                    })
                    .collect()
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use model::ColumnType;

    #[test]
    fn cells_come_back_as_the_values_pushed() {
        let date = jiff::civil::date(2024, 2, 29);
        let json = serde_json::json!(["a", 1]);
        let columns = vec![
            ColumnDef::new("texte", ColumnType::Text),
            ColumnDef::new("date", ColumnType::Date),
            ColumnDef::new("n", ColumnType::Integer),
            ColumnDef::new("x", ColumnType::Number),
            ColumnDef::new("oui", ColumnType::Boolean),
            ColumnDef::new("liste", ColumnType::Json),
        ];
        let rows = vec![
            vec![
                Value::from("été"),
                Value::Date(date),
                Value::Int(-3),
                Value::Float(1.5),
                Value::Bool(true),
                Value::Json(json),
            ],
            vec![
                Value::Null,
                // A cell that failed its type keeps its text, even in a date column.
                Value::from("29/02/2024"),
                Value::Null,
                Value::Null,
                Value::Bool(false),
                Value::from("[pas du JSON"),
            ],
        ];
        let mut block = RowBlock::new(columns.len());
        for row in &rows {
            for value in row {
                block.push_value(value);
            }
            block.end_row();
        }
        assert_eq!(block.len(), 2);
        assert!(block.rows_are_complete());
        assert_eq!(block.to_values(&columns), rows);
        let first: Vec<&str> = block
            .rows()
            .next()
            .unwrap()
            .iter()
            .map(|cell| block.text(cell))
            .collect();
        assert_eq!(first, ["été", "2024-02-29", "", "", "", "[\"a\",1]"]);
        block.clear();
        assert!(block.is_empty());
        assert_eq!(block.rows().count(), 0);
    }

    #[test]
    fn rows_set_by_column_in_any_order_equal_rows_pushed_in_order() {
        let date = jiff::civil::date(2024, 2, 29);
        let row = vec![
            Value::from("été"),
            Value::Null,
            Value::Int(-3),
            Value::Float(1.5),
            Value::Bool(true),
            Value::Date(date),
        ];
        let mut pushed = RowBlock::new(row.len());
        let mut set = RowBlock::new(row.len());
        for _ in 0..2 {
            row.iter().for_each(|value| pushed.push_value(value));
            pushed.end_row();
            set.start_row();
            // Backwards, each kind of value through its own setter; the null left unset.
            set.set_rendered(5, date);
            set.set_bool(4, true);
            set.set_float(3, 1.5);
            set.set_int(2, -3);
            set.set_value(0, &row[0]);
            set.end_row();
        }
        assert!(set.rows_are_complete());
        let texts = |block: &RowBlock| -> Vec<Vec<String>> {
            block
                .rows()
                .map(|cells| {
                    cells
                        .iter()
                        .map(|cell| block.text(cell).to_owned())
                        .collect()
                })
                .collect()
        };
        assert_eq!(texts(&set), texts(&pushed));
        let columns: Vec<ColumnDef> = [
            ColumnType::Text,
            ColumnType::Text,
            ColumnType::Integer,
            ColumnType::Number,
            ColumnType::Boolean,
            ColumnType::Date,
        ]
        .into_iter()
        .enumerate()
        .map(|(index, ty)| ColumnDef::new(format!("c{index}"), ty))
        .collect();
        assert_eq!(set.to_values(&columns), vec![row.clone(), row]);
    }

    #[test]
    fn texts_lying_in_the_bytes_read_from_are_ranges_of_them() {
        let bytes = "Albi;Gaillac\n".as_bytes().to_vec();
        let read = std::str::from_utf8(&bytes).unwrap();
        let columns = vec![ColumnDef::new("nom", ColumnType::Text); 3];
        let mut block = RowBlock::new(3);
        block.read_from(&bytes);
        assert!(block.is_reading());
        block.start_row();
        block.set_text(0, &read[..4]);
        block.set_text(1, &read[5..12]);
        // Not in the bytes read (an unquoted copy, say): copied into the block.
        block.set_text(2, &String::from("dit \"oui\""));
        block.end_row();
        let kinds: Vec<bool> = block
            .rows()
            .next()
            .unwrap()
            .iter()
            .map(|cell| matches!(cell, Cell::Read { .. }))
            .collect();
        assert_eq!(kinds, [true, true, false]);
        assert!(block.check_width(&columns).is_err(), "bytes not kept yet");
        block.keep_source(bytes);
        assert!(!block.is_reading());
        assert!(block.check_width(&columns).is_ok());
        assert_eq!(
            block.to_values(&columns),
            vec![vec![
                Value::from("Albi"),
                Value::from("Gaillac"),
                Value::from("dit \"oui\"")
            ]]
        );
        block.clear();
        let source = block.take_source();
        assert_eq!(source, b"Albi;Gaillac\n");
        // Refilled from other bytes.
        block.read_from(&source[5..]);
        block.start_row();
        block.set_text(0, std::str::from_utf8(&source[5..12]).unwrap());
        block.end_row();
        let cell = block.rows().next().unwrap()[0];
        assert_eq!(cell, Cell::Read { start: 0, end: 7 });
    }

    #[test]
    fn dates_set_by_hand_read_as_display_writes_them() {
        let mut dates: Vec<jiff::civil::Date> = [
            (0, 1, 1),
            (1, 2, 3),
            (999, 12, 31),
            (1000, 1, 1),
            (2024, 2, 29),
            (2026, 11, 30),
            (9999, 12, 31),
            // Beyond four digits: written by `Display` itself.
            (-1, 6, 15),
            (-9999, 1, 1),
        ]
        .into_iter()
        .map(|(year, month, day)| jiff::civil::date(year, month, day))
        .collect();
        dates.extend(
            (0..2000).map(|days| jiff::civil::date(1999, 1, 1) + jiff::Span::new().days(days * 7)),
        );
        let mut block = RowBlock::new(1);
        for date in &dates {
            block.start_row();
            block.set_date(0, *date);
            block.end_row();
        }
        let written: Vec<&str> = block.rows().map(|row| block.text(&row[0])).collect();
        let displayed: Vec<String> = dates.iter().map(ToString::to_string).collect();
        assert_eq!(written, displayed);
        assert!(
            block
                .rows()
                .all(|row| matches!(row[0], Cell::Rendered { .. }))
        );
        assert_eq!(
            block.to_values(&[ColumnDef::new("jour", ColumnType::Date)])[3],
            [Value::Date(jiff::civil::date(1000, 1, 1))]
        );
    }

    #[test]
    #[should_panic(expected = "octets source différents de ceux lus")]
    fn other_bytes_than_those_read_from_are_refused() {
        let bytes = b"Albi".to_vec();
        let mut block = RowBlock::new(1);
        block.read_from(&bytes);
        block.keep_source(bytes.clone());
    }

    #[test]
    #[should_panic(expected = "colonne 2 hors du bloc")]
    fn a_column_beyond_the_width_is_refused() {
        let mut block = RowBlock::new(2);
        block.start_row();
        block.set_int(2, 1);
    }

    #[test]
    fn rows_without_columns_still_count() {
        let mut block = RowBlock::new(0);
        block.end_row();
        block.end_row();
        assert_eq!(block.len(), 2);
        assert_eq!(block.to_values(&[]), vec![Vec::<Value>::new(); 2]);
        assert!(block.check_width(&[]).is_ok());
    }

    #[test]
    fn an_unfinished_row_is_noticed() {
        let mut block = RowBlock::new(2);
        block.push_int(1);
        block.end_row();
        assert!(!block.rows_are_complete());
        block.push_null();
        assert!(block.rows_are_complete());
        block.push_null();
        assert!(!block.rows_are_complete());
        let columns = vec![ColumnDef::new("a", ColumnType::Integer); 2];
        assert!(block.check_width(&columns).is_err());
        assert!(block.check_width(&columns[..1]).is_err());
    }
}
