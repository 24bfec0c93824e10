//! The multi-row `INSERT` of bulk loads, bound straight from a [`RowBlock`]'s buffers.
//!
//! Why this module talks to SQLite's C API (and is the workspace's only `unsafe` code):
//! rusqlite binds every text with `SQLITE_TRANSIENT`, so SQLite first copies each text cell
//! into memory it allocates (and frees at the next binding), then copies it again into the
//! row's record. A million-row load binds some seventeen million cells; the first copy, its
//! allocation and its release were a fifth of the inserting thread's work, and that thread
//! sets the pace of a publication. Here texts are bound with `SQLITE_STATIC`: SQLite reads
//! them where the block keeps them, once, while building the record.
//!
//! Soundness rests on lifetimes: a [`BlockInsert`] borrows the connection (through its
//! transaction) and the block for its whole life, and finalizes its statement when dropped,
//! so every text it binds outlives every use SQLite makes of it. The raw pointers make it
//! neither `Send` nor `Sync`, like the connection it comes from.
#![allow(unsafe_code)]

use std::ffi::{CStr, c_int};
use std::marker::PhantomData;
use std::ops::Range;
use std::ptr::NonNull;

use rusqlite::{Connection, ffi};

use crate::error::Result;
use crate::row_block::{Cell, RowBlock};

/// One prepared multi-row `INSERT`, bound from one block.
pub(crate) struct BlockInsert<'c, 'b> {
    db: *mut ffi::sqlite3,
    statement: NonNull<ffi::sqlite3_stmt>,
    /// Parameters of the statement; `insert` binds exactly this many cells.
    n_parameters: usize,
    block: &'b RowBlock,
    connection: PhantomData<&'c Connection>,
}

impl<'c, 'b> BlockInsert<'c, 'b> {
    /// Prepares `sql` on `connection` for cells of `block`.
    pub(crate) fn prepare(
        connection: &'c Connection,
        sql: &str,
        block: &'b RowBlock,
    ) -> Result<BlockInsert<'c, 'b>> {
        // SAFETY: the handle is used only while `connection` is borrowed (`'c`), on this
        // thread, and never closed here.
        let db = unsafe { connection.handle() };
        let mut statement = std::ptr::null_mut();
        let length = c_int::try_from(sql.len()).map_err(|_| {
            rusqlite::Error::SqliteFailure(ffi::Error::new(ffi::SQLITE_TOOBIG), None)
        })?;
        // SAFETY: `sql` is valid for `length` bytes (SQLite does not need a terminating NUL
        // when given the length); `statement` receives the new statement or null.
        let code = unsafe {
            ffi::sqlite3_prepare_v2(
                db,
                sql.as_ptr().cast(),
                length,
                &mut statement,
                std::ptr::null_mut(),
            )
        };
        check(db, code)?;
        let statement = NonNull::new(statement).ok_or_else(|| {
            rusqlite::Error::SqliteFailure(
                ffi::Error::new(ffi::SQLITE_MISUSE),
                Some("requête vide".to_owned()),
            )
        })?;
        // SAFETY: `statement` was just prepared and is not finalized before `self` drops.
        let n_parameters = unsafe { ffi::sqlite3_bind_parameter_count(statement.as_ptr()) };
        Ok(BlockInsert {
            db,
            statement,
            n_parameters: usize::try_from(n_parameters).unwrap_or(0),
            block,
            connection: PhantomData,
        })
    }

    /// Binds the cells of the block's rows `rows` to the parameters in order (there must be
    /// exactly as many) and runs the statement once.
    pub(crate) fn insert(&mut self, rows: Range<usize>) -> Result<()> {
        let cells = self.block.cells_of(rows);
        if cells.len() != self.n_parameters {
            return Err(crate::error::Error::Invalid(format!(
                "{} valeurs pour une insertion qui en attend {}",
                cells.len(),
                self.n_parameters
            )));
        }
        let statement = self.statement.as_ptr();
        let mut failure = ffi::SQLITE_OK;
        // Parameter indexes are 1-based and at most `n_parameters`, an `int`.
        for (index, cell) in (1..).zip(cells) {
            // SAFETY: `statement` is alive (finalized only on drop). A text is bound without
            // a copy (`SQLITE_STATIC`): it lives in `self.block`, borrowed for `'b`, which
            // outlives the statement.
            let code = unsafe {
                match *cell {
                    Cell::Null => ffi::sqlite3_bind_null(statement, index),
                    Cell::Bool(flag) => ffi::sqlite3_bind_int64(statement, index, i64::from(flag)),
                    Cell::Int(number) => ffi::sqlite3_bind_int64(statement, index, number),
                    Cell::Float(number) => ffi::sqlite3_bind_double(statement, index, number),
                    Cell::Text { .. } | Cell::Rendered { .. } | Cell::Read { .. } => {
                        let text = self.block.text_bytes(cell);
                        ffi::sqlite3_bind_text64(
                            statement,
                            index,
                            text.as_ptr().cast(),
                            text.len() as u64,
                            ffi::SQLITE_STATIC(),
                            ffi::SQLITE_UTF8 as u8,
                        )
                    }
                }
            };
            // Checked once per statement: a binding fails only on a wrong index or a text
            // too long, which the statement's own error then reports.
            if code != ffi::SQLITE_OK && failure == ffi::SQLITE_OK {
                failure = code;
            }
        }
        check(self.db, failure)?;
        // SAFETY: as above; `sqlite3_reset` after `sqlite3_step` readies the statement for the
        // next bindings whatever the step's outcome.
        let (stepped, reset) = unsafe {
            let stepped = ffi::sqlite3_step(statement);
            (stepped, ffi::sqlite3_reset(statement))
        };
        if stepped != ffi::SQLITE_DONE {
            check(self.db, stepped)?;
        }
        check(self.db, reset)
    }
}

impl Drop for BlockInsert<'_, '_> {
    fn drop(&mut self) {
        // SAFETY: the statement is finalized once, here, while the connection is still borrowed.
        unsafe {
            ffi::sqlite3_finalize(self.statement.as_ptr());
        }
    }
}

/// `code` as rusqlite reports a failure (with SQLite's message), or `Ok`.
fn check(db: *mut ffi::sqlite3, code: c_int) -> Result<()> {
    if code == ffi::SQLITE_OK || code == ffi::SQLITE_DONE || code == ffi::SQLITE_ROW {
        return Ok(());
    }
    // SAFETY: `db` is a live connection; `sqlite3_errmsg` returns a NUL-terminated string
    // that stays valid until the next call on it, and it is copied at once.
    let message = unsafe { CStr::from_ptr(ffi::sqlite3_errmsg(db)) }
        .to_string_lossy()
        .into_owned();
    Err(rusqlite::Error::SqliteFailure(ffi::Error::new(code), Some(message)).into())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table() -> Connection {
        let connection = Connection::open_in_memory().unwrap();
        connection
            .execute_batch("CREATE TABLE t (a, b, c)")
            .unwrap();
        connection
    }

    fn rows(
        connection: &Connection,
    ) -> Vec<(
        rusqlite::types::Value,
        rusqlite::types::Value,
        rusqlite::types::Value,
    )> {
        let mut statement = connection
            .prepare("SELECT a, b, c FROM t ORDER BY rowid")
            .unwrap();
        statement
            .query_map([], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap()
    }

    #[test]
    fn cells_are_stored_as_pushed_texts_byte_for_byte() {
        use rusqlite::types::Value as Sql;
        let connection = table();
        let mut block = RowBlock::new(3);
        for (text, number) in [
            ("Montréal-de-l'Aude", 1),
            ("a\0b", 2),
            ("", 3),
            ("💶 1 000,50", 4),
        ] {
            block.push_value(&model::Value::from(text));
            block.push_int(number);
            block.push_value(&model::Value::Float(number as f64 / 2.0));
            block.end_row();
        }
        block.push_null();
        block.push_value(&model::Value::Bool(true));
        block.push_value(&model::Value::Date(jiff::civil::date(2026, 11, 29)));
        block.end_row();
        {
            let mut pair = BlockInsert::prepare(
                &connection,
                "INSERT INTO t VALUES (?, ?, ?), (?, ?, ?)",
                &block,
            )
            .unwrap();
            let mut single =
                BlockInsert::prepare(&connection, "INSERT INTO t VALUES (?, ?, ?)", &block)
                    .unwrap();
            pair.insert(0..2).unwrap();
            pair.insert(2..4).unwrap();
            single.insert(4..5).unwrap();
        }
        let text = |text: &str| Sql::Text(text.to_owned());
        assert_eq!(
            rows(&connection),
            vec![
                (text("Montréal-de-l'Aude"), Sql::Integer(1), Sql::Real(0.5)),
                (text("a\0b"), Sql::Integer(2), Sql::Real(1.0)),
                (text(""), Sql::Integer(3), Sql::Real(1.5)),
                (text("💶 1 000,50"), Sql::Integer(4), Sql::Real(2.0)),
                (Sql::Null, Sql::Integer(1), text("2026-11-29")),
            ]
        );
    }

    #[test]
    fn texts_kept_in_the_bytes_read_from_are_stored_byte_for_byte() {
        use rusqlite::types::Value as Sql;
        let connection = table();
        let bytes = "Montréal-de-l'Aude,💶\n".as_bytes().to_vec();
        let read = std::str::from_utf8(&bytes).unwrap();
        let mut block = RowBlock::new(3);
        block.read_from(&bytes);
        block.start_row();
        block.set_text(0, &read[..19]);
        block.set_text(1, &read[20..24]);
        block.set_text(2, &read[19..19]);
        block.end_row();
        block.keep_source(bytes);
        BlockInsert::prepare(&connection, "INSERT INTO t VALUES (?, ?, ?)", &block)
            .unwrap()
            .insert(0..1)
            .unwrap();
        let text = |text: &str| Sql::Text(text.to_owned());
        assert_eq!(
            rows(&connection),
            vec![(text("Montréal-de-l'Aude"), text("💶"), text(""))]
        );
    }

    #[test]
    fn a_wrong_number_of_cells_inserts_nothing() {
        let connection = table();
        let mut block = RowBlock::new(2);
        block.push_int(1);
        block.push_int(2);
        block.end_row();
        let mut insert =
            BlockInsert::prepare(&connection, "INSERT INTO t VALUES (?, ?, ?)", &block).unwrap();
        let error = insert.insert(0..1).unwrap_err();
        assert!(
            error
                .to_string()
                .contains("2 valeurs pour une insertion qui en attend 3"),
            "{error}"
        );
        let mut too_many = RowBlock::new(4);
        for number in 0..4 {
            too_many.push_int(number);
        }
        too_many.end_row();
        let mut insert =
            BlockInsert::prepare(&connection, "INSERT INTO t VALUES (?, ?, ?)", &too_many).unwrap();
        assert!(insert.insert(0..1).is_err());
        drop(insert);
        assert!(rows(&connection).is_empty());
    }

    #[test]
    fn sqlite_failures_come_back_with_sqlite_message() {
        let connection = table();
        connection
            .execute_batch("CREATE UNIQUE INDEX t_a ON t (a)")
            .unwrap();
        let mut block = RowBlock::new(3);
        for _ in 0..2 {
            block.push_value(&model::Value::from("même"));
            block.push_null();
            block.push_null();
            block.end_row();
        }
        let mut insert =
            BlockInsert::prepare(&connection, "INSERT INTO t VALUES (?, ?, ?)", &block).unwrap();
        insert.insert(0..1).unwrap();
        let error = insert.insert(1..2).unwrap_err();
        assert!(
            error.to_string().contains("UNIQUE constraint failed: t.a"),
            "{error}"
        );
        // The statement is still usable after a failure.
        let mut other = RowBlock::new(3);
        other.push_value(&model::Value::from("autre"));
        other.push_null();
        other.push_null();
        other.end_row();
        drop(insert);
        let mut insert =
            BlockInsert::prepare(&connection, "INSERT INTO t VALUES (?, ?, ?)", &other).unwrap();
        insert.insert(0..1).unwrap();
        assert_eq!(rows(&connection).len(), 2);
        let error = BlockInsert::prepare(&connection, "INSERT INTO missing VALUES (?)", &other)
            .err()
            .unwrap();
        assert!(
            error.to_string().contains("no such table: missing"),
            "{error}"
        );
    }
}
