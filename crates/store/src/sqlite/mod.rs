//! The SQLite engine: one file `socle.db` in WAL mode, one writer connection, a small pool of
//! reader connections.
//!
//! Why one writer: SQLite allows one write transaction at a time anyway. Funnelling every write
//! through one mutex-guarded connection turns "database is locked" retries into plain queueing
//! within the process; `busy_timeout` still covers other processes (the CLI next to the server).
//! Readers never wait for the writer: WAL gives each read a consistent snapshot.

mod block_insert;
mod catalogue;
pub(crate) mod codec;
mod dump;
mod jobs;
pub(crate) mod maintenance;
mod migrate;
mod referentials;
mod sessions;
mod versions;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use rusqlite::config::DbConfig;
use rusqlite::{Connection, ErrorCode, OpenFlags, Transaction, TransactionBehavior};

use crate::error::{Error, Result};

#[allow(unused_imports)] // For the records module and the PostgreSQL engine.
pub(crate) use versions::{
    Begun, MAX_INDEXED_COLUMNS, ROW_COLUMN, check_columns, check_row_width, column_sql_name,
    fts_table_name, rows_table_name,
};

/// How long a connection waits for another process's write lock before giving up.
const BUSY_TIMEOUT: Duration = Duration::from_secs(30);

/// Prepared statements kept per connection.
const STATEMENT_CACHE: usize = 64;

/// SQLite's default: a commit that leaves more pages than this in the WAL copies them back into
/// the database file (a checkpoint) before it returns.
const WAL_AUTOCHECKPOINT_PAGES: i64 = 1000;

pub(crate) struct SqliteEngine {
    path: PathBuf,
    /// The only connection that writes. Held for the duration of one transaction.
    writer: Mutex<Connection>,
    /// Idle reader connections, reused; more are opened on demand when all are busy.
    readers: Mutex<Vec<Connection>>,
    max_idle_readers: usize,
    /// Bulk loads in progress (see [`SqliteEngine::begin_bulk_load`]); changed only while
    /// holding the writer.
    bulk_loads: AtomicUsize,
}

impl SqliteEngine {
    /// Opens (creating if needed) the database and applies pending migrations.
    pub(crate) fn open(path: &Path, max_idle_readers: usize) -> Result<SqliteEngine> {
        let mut writer = open_connection(path)?;
        set_cache_kib(&writer, WRITER_CACHE_KIB)?;
        // Only effective on a new, empty database (before WAL is set).
        writer.execute_batch("PRAGMA page_size = 16384")?;
        // WAL is a property of the database file: setting it once, on the writer, is enough.
        let mode: String = writer.query_row("PRAGMA journal_mode = WAL", [], |row| row.get(0))?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(Error::Corrupt(format!(
                "mode de journal WAL refusé (obtenu : {mode})"
            )));
        }
        migrate::run(&mut writer)?;
        Ok(SqliteEngine {
            path: path.to_path_buf(),
            writer: Mutex::new(writer),
            readers: Mutex::new(Vec::new()),
            max_idle_readers,
            bulk_loads: AtomicUsize::new(0),
        })
    }

    /// A bulk load begins (a version's staging table being filled). Until every load in
    /// progress has ended, commits leave their pages in the WAL instead of copying them back
    /// into the database file: with the default automatic checkpoint, the thread inserting the
    /// rows copied every page a second time (a third of its work), and it is the slowest of a
    /// publication. The rows are as durable in the WAL (readers find them there); the pages are
    /// copied back once, by the first commit after the last load ends (the flip is still one
    /// of the load's commits, so rows are queryable before that copy: in a publication it
    /// is the index job's first transaction that pays it).
    pub(crate) fn begin_bulk_load(&self) -> Result<()> {
        let connection = self.writer();
        if self.bulk_loads.load(Ordering::Relaxed) == 0 {
            connection.pragma_update(None, "wal_autocheckpoint", 0)?;
        }
        self.bulk_loads.fetch_add(1, Ordering::Relaxed);
        Ok(())
    }

    /// A bulk load begun by [`SqliteEngine::begin_bulk_load`] ended (committed, rejected or
    /// abandoned): the last one gives commits their automatic checkpoint back.
    pub(crate) fn end_bulk_load(&self) -> Result<()> {
        let connection = self.writer();
        let before = self.bulk_loads.load(Ordering::Relaxed);
        self.bulk_loads
            .store(before.saturating_sub(1), Ordering::Relaxed);
        if before == 1 {
            connection.pragma_update(None, "wal_autocheckpoint", WAL_AUTOCHECKPOINT_PAGES)?;
        }
        Ok(())
    }

    pub(crate) fn schema_version(&self) -> Result<i64> {
        self.read(migrate::current)
    }

    fn writer(&self) -> MutexGuard<'_, Connection> {
        // A panic while holding the writer cannot leave a transaction open (rusqlite rolls back
        // on drop), so a poisoned lock still guards a usable connection.
        self.writer
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Runs `f` in an immediate write transaction, committed if `f` succeeds.
    pub(crate) fn transaction<T>(
        &self,
        f: impl FnOnce(&Transaction<'_>) -> Result<T>,
    ) -> Result<T> {
        let mut connection = self.writer();
        let transaction = connection.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let value = f(&transaction)?;
        transaction.commit()?;
        Ok(value)
    }

    /// Runs `f` on a connection of its own that does not map the database file and has a
    /// small page cache ([`JOB_READ_CACHE_KIB`]), closed afterwards: for the background jobs
    /// that read a whole version (the kept facet counts). On a pooled reader, whose map makes
    /// page reads cheaper for the server's queries, every page such a pass touches would stay
    /// mapped in the process, as much memory as the table's indexes.
    pub(crate) fn read_unmapped<T>(&self, f: impl FnOnce(&Connection) -> Result<T>) -> Result<T> {
        let connection = open_connection(&self.path)?;
        set_cache_kib(&connection, JOB_READ_CACHE_KIB)?;
        connection.execute_batch("PRAGMA mmap_size = 0")?;
        f(&connection)
    }

    /// Runs `f` on a reader connection (a consistent snapshot per statement or transaction).
    pub(crate) fn read<T>(&self, f: impl FnOnce(&Connection) -> Result<T>) -> Result<T> {
        let pooled = self
            .readers
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .pop();
        let connection = match pooled {
            Some(connection) => connection,
            None => open_reader(&self.path)?,
        };
        let value = f(&connection);
        let mut idle = self
            .readers
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        // A connection left inside a transaction (by an error in `f`) is not reused.
        if idle.len() < self.max_idle_readers && connection.is_autocommit() {
            idle.push(connection);
        }
        value
    }
}

fn open_connection(path: &Path) -> Result<Connection> {
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
        | OpenFlags::SQLITE_OPEN_CREATE
        | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let connection = Connection::open_with_flags(path, flags)?;
    connection.busy_timeout(BUSY_TIMEOUT)?;
    connection.execute_batch(
        "PRAGMA foreign_keys = ON;
         -- In WAL mode NORMAL never corrupts the database; a power cut may lose the last commits
         -- (a process crash loses nothing). FULL would fsync every commit and halve bulk loads.
         PRAGMA synchronous = NORMAL;
         -- Sorts beyond the sorter's memory budget (derived from the page cache size) spill
         -- to temporary files, not to memory: in memory, an index build over a 3-million-row
         -- table held every sorted run of the column, so the memory grew with the table.
         PRAGMA temp_store = FILE;
         -- Index builds sort every column; SQLite may sort on helper threads (0 by default).
         PRAGMA threads = 2;
         -- A bulk load leaves its pages in the WAL (see `begin_bulk_load`): once they are
         -- copied back, the next commit shrinks the WAL file to this size instead of keeping
         -- the load's size on disk. Beyond the 16 MiB automatic checkpoints, so never in between.
         PRAGMA journal_size_limit = 67108864;",
    )?;
    set_cache_kib(&connection, CACHE_KIB)?;
    // Catalogue statements and the shapes of record queries, kept prepared per connection
    // (rusqlite keeps 16 by default; a records page alone runs five).
    connection.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
    // Without the query planner stability guarantee, SQLite (3.47+) plans `LIMIT ?`, `LIKE ?`
    // and some `= ?` terms from the values bound, and marks such statements to be prepared
    // again at every new binding: a kept statement would be parsed and planned anew on every
    // use. Our plans never depend on those values (indexes are chosen by the filter's shape).
    connection.set_db_config(DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG, true)?;
    // The accent-folding functions record queries use (`LIKE`, `startswith`).
    crate::records::register_functions(&connection)?;
    Ok(connection)
}

/// Page cache of a reader connection, in KiB: record queries reread hot pages (the top of each
/// B-tree) from it.
const CACHE_KIB: i64 = 64 * 1024;

/// Page cache of the writer, in KiB. Its big writes append (loads fill a new table, index
/// builds write each index in order), so a cache does not make them faster; but SQLite gives
/// each sorted run of `CREATE INDEX` as much memory as the page cache, and with `threads = 2`
/// up to three runs are in memory at once. 16 MiB keeps an index build under 64 MiB whatever
/// the table's size (a bigger table only makes more runs, merged from temporary files), where
/// 64 MiB made it 4 × 64 MiB once a column's keys outgrew one run. The memory of the cache
/// itself, once a load filled it, stays with the process after the load.
const WRITER_CACHE_KIB: i64 = 16 * 1024;

/// Page cache of the connection a background job reads a whole version's table or indexes
/// through ([`SqliteEngine::read_unmapped`]), in KiB: such a read passes over each page once,
/// so a cache does not help it, and a bounded one keeps the job's memory constant.
pub(crate) const JOB_READ_CACHE_KIB: i64 = 8 * 1024;

/// Sets the connection's page cache size (a negative `cache_size` is in KiB).
fn set_cache_kib(connection: &Connection, kib: i64) -> Result<()> {
    connection.execute_batch(&format!("PRAGMA cache_size = -{kib}"))?;
    Ok(())
}

/// Most bytes of the database file a reader maps into memory (SQLite caps it at its own
/// maximum, 2 GiB by default). Reads of mapped pages copy nothing into the connection's page
/// cache: a count estimated from rows spread over a million-row table touches pages all over
/// it, more than the 64 MiB cache holds, and copying them was most of its cost. The writer
/// keeps plain reads (loads and index builds measured no faster mapped).
const READER_MMAP_BYTES: i64 = 1 << 40;

/// A connection for reads: [`open_connection`] with the file mapped ([`READER_MMAP_BYTES`]).
fn open_reader(path: &Path) -> Result<Connection> {
    let connection = open_connection(path)?;
    // The pragma answers the size in effect (capped); any size is fine.
    let _mapped: i64 = connection.query_row(
        &format!("PRAGMA mmap_size = {READER_MMAP_BYTES}"),
        [],
        |row| row.get(0),
    )?;
    Ok(connection)
}

/// Turns a constraint violation into a [`Error::Conflict`] with a message for users; `rules`
/// pairs a fragment of SQLite's message (`"organisation.siren"`) with the French explanation.
pub(crate) fn on_constraint(error: rusqlite::Error, rules: &[(&str, &str)]) -> Error {
    let rusqlite::Error::SqliteFailure(failure, Some(message)) = &error else {
        return Error::Database(error);
    };
    if failure.code != ErrorCode::ConstraintViolation {
        return Error::Database(error);
    }
    for (fragment, explanation) in rules {
        if message.contains(fragment) {
            return Error::Conflict((*explanation).to_owned());
        }
    }
    if message.contains("FOREIGN KEY") {
        return Error::Conflict(
            "opération impossible : un élément lié n'existe pas ou est encore utilisé".to_owned(),
        );
    }
    Error::Conflict(format!("contrainte non respectée : {message}"))
}

/// Quotes an SQL identifier (table or column name): `"` doubled, the whole wrapped in `"`.
pub(crate) fn quote_identifier(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A kept statement is reused as prepared, even when its `LIMIT` and an equality on an
    /// unindexed column are bound anew (SQLite would otherwise prepare it again each time).
    #[test]
    fn kept_statements_are_not_prepared_again_when_rebound() {
        let folder = tempfile::tempdir().unwrap();
        let connection = open_connection(&folder.path().join("t.db")).unwrap();
        connection
            .execute_batch("CREATE TABLE t (a INTEGER, b TEXT); INSERT INTO t VALUES (1, 'x'), (2, 'y'), (3, 'x');")
            .unwrap();
        let sql = "SELECT a FROM t WHERE b = ?1 ORDER BY a LIMIT ?2";
        for (b, limit, expected) in [("x", 1, vec![1]), ("x", 5, vec![1, 3]), ("y", 5, vec![2])] {
            let mut statement = connection.prepare_cached(sql).unwrap();
            let rows: Vec<i64> = statement
                .query_map(rusqlite::params![b, limit], |row| row.get(0))
                .unwrap()
                .collect::<rusqlite::Result<_>>()
                .unwrap();
            assert_eq!(rows, expected);
            assert_eq!(
                statement.get_status(rusqlite::StatementStatus::RePrepare),
                0,
                "prepared again for b = {b}, limit = {limit}"
            );
        }
    }

    /// The writer's page cache, which bounds the memory of `CREATE INDEX`'s sorts, is the
    /// small one, readers keep theirs, and sorts spill to files rather than to memory.
    #[test]
    fn the_writer_has_a_bounded_cache_and_sorts_spill_to_files() {
        let folder = tempfile::tempdir().unwrap();
        let engine = SqliteEngine::open(&folder.path().join("t.db"), 1).unwrap();
        let pragma = |connection: &Connection, name: &str| -> i64 {
            connection
                .query_row(&format!("PRAGMA {name}"), [], |row| row.get(0))
                .unwrap()
        };
        let writer_cache = engine
            .transaction(|tx| Ok(pragma(tx, "cache_size")))
            .unwrap();
        assert_eq!(writer_cache, -WRITER_CACHE_KIB);
        // 1 = FILE.
        assert_eq!(pragma(&engine.writer(), "temp_store"), 1);
        engine
            .read(|reader| {
                assert_eq!(pragma(reader, "cache_size"), -CACHE_KIB);
                assert_eq!(pragma(reader, "temp_store"), 1);
                Ok(())
            })
            .unwrap();
    }

    /// While bulk loads run, commits leave their pages in the WAL (the database file does not
    /// grow); the first commit after the last load ends copies them back.
    #[test]
    fn bulk_loads_leave_pages_in_the_wal_until_the_last_ends() {
        let folder = tempfile::tempdir().unwrap();
        let path = folder.path().join("socle.db");
        let engine = SqliteEngine::open(&path, 1).unwrap();
        let size = |suffix: &str| {
            let mut name = path.clone().into_os_string();
            name.push(suffix);
            std::fs::metadata(name).map_or(0, |metadata| metadata.len())
        };
        let before = size("");
        // 20 MB: more than the 1,000 pages (16 MiB) after which a commit checkpoints.
        let write = |sql: &str| engine.transaction(|tx| Ok(tx.execute_batch(sql)?)).unwrap();
        engine.begin_bulk_load().unwrap();
        engine.begin_bulk_load().unwrap();
        write("CREATE TABLE loaded (b BLOB); INSERT INTO loaded VALUES (zeroblob(20000000))");
        engine.end_bulk_load().unwrap();
        write("INSERT INTO loaded VALUES (x'00')");
        assert_eq!(size(""), before, "checkpointed during a load");
        assert!(size("-wal") > 20_000_000);
        engine.end_bulk_load().unwrap();
        write("INSERT INTO loaded VALUES (x'01')");
        assert!(
            size("") > before + 20_000_000,
            "not checkpointed after the loads"
        );
    }

    #[test]
    fn identifiers_are_quoted() {
        assert_eq!(quote_identifier("nom"), "\"nom\"");
        assert_eq!(
            quote_identifier("a\"; DROP TABLE x; --"),
            "\"a\"\"; DROP TABLE x; --\""
        );
    }
}
