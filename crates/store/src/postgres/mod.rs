//! The PostgreSQL engine: the same catalogue and version tables as the SQLite engine, in one
//! PostgreSQL database shared by any number of Socle processes.
//!
//! Connections: the synchronous `postgres` client (the store API is synchronous; the server
//! calls it on tokio's blocking pool), kept in a pool of at most `max_idle_readers` open
//! connections: a request finding them all busy waits for one to come back rather than opening
//! another (each PostgreSQL connection is a server process: opening and closing one per request
//! under load costs more than the request), and only after [`POOL_WAIT`] opens one beyond the cap,
//! so that code holding one connection while asking for a second can never deadlock. Unlike SQLite there is no single writer: PostgreSQL runs concurrent write
//! transactions itself, and row locks (`SELECT … FOR UPDATE` on the resource) serialise what
//! must be serialised across processes.
//!
//! Crash leftovers (pending versions, staging tables) may only be removed by a process that has
//! the database to itself, as with SQLite's directory lock: every process holds a shared
//! advisory lock on a session connection for its lifetime, and cleaning needs the exclusive one.

mod catalogue;
mod codec;
mod dump;
mod jobs;
mod maintenance;
mod migrate;
mod records;
mod referentials;
mod sessions;
mod statements;
mod versions;

use std::str::FromStr;
use std::sync::{Condvar, Mutex, MutexGuard};
use std::time::Duration;

use postgres::error::SqlState;
use postgres::{Client, Config, NoTls, Transaction};

use crate::error::{Error, Result};
pub(crate) use codec::decode_cell;
use statements::{Cached, Statements};

/// The first half of the advisory lock key of a Socle instance (any constant); the second is a
/// hash of the schema, since several instances may share a database, one schema each.
const INSTANCE_LOCK: i32 = 0x534F_434C;

pub(crate) struct PgEngine {
    config: Config,
    /// Idle connections and how many are open (idle or lent).
    pool: Mutex<Pool>,
    /// Signalled when a connection comes back to the pool.
    returned: Condvar,
    max_open: usize,
    /// Holds the instance advisory lock (exclusive while cleaning, shared afterwards).
    session: Mutex<Option<Client>>,
}

impl PgEngine {
    /// Connects, applies pending migrations, and says whether this process is alone on the
    /// database (it then holds the exclusive instance lock until [`PgEngine::clean_orphans`]).
    pub(crate) fn open(url: &str, max_idle: usize) -> Result<(PgEngine, bool)> {
        let config = Config::from_str(url).map_err(|error| {
            Error::Unsupported(format!("adresse PostgreSQL illisible : {error}"))
        })?;
        let mut session = connect(&config)?;
        let alone: bool = session
            .query_one(
                "SELECT pg_try_advisory_lock($1, hashtext(current_schema()))",
                &[&INSTANCE_LOCK],
            )?
            .try_get(0)?;
        if !alone {
            session.execute(
                "SELECT pg_advisory_lock_shared($1, hashtext(current_schema()))",
                &[&INSTANCE_LOCK],
            )?;
        }
        migrate::run(&mut session)?;
        let engine = PgEngine {
            config,
            pool: Mutex::new(Pool::default()),
            returned: Condvar::new(),
            max_open: max_idle.max(1),
            session: Mutex::new(Some(session)),
        };
        Ok((engine, alone))
    }

    /// Turns the exclusive instance lock taken at open into a shared one.
    fn share_instance_lock(&self) -> Result<()> {
        let mut session = lock(&self.session);
        if let Some(session) = session.as_mut() {
            session.execute(
                "SELECT pg_advisory_lock_shared($1, hashtext(current_schema()))",
                &[&INSTANCE_LOCK],
            )?;
            session.execute(
                "SELECT pg_advisory_unlock($1, hashtext(current_schema()))",
                &[&INSTANCE_LOCK],
            )?;
        }
        Ok(())
    }

    pub(crate) fn schema_version(&self) -> Result<i64> {
        self.read(migrate::current)
    }

    /// An idle connection, a new one while fewer than `max_open` are open, or else the first
    /// one given back (past [`POOL_WAIT`], a new one beyond the cap).
    fn connection(&self) -> Result<Pooled<'_>> {
        let mut pool = lock(&self.pool);
        let mut waited = false;
        loop {
            if let Some(connection) = pool.idle.pop() {
                if connection.client.is_closed() {
                    pool.open -= 1;
                    discard(connection.client);
                    continue;
                }
                return Ok(self.lend(connection));
            }
            if pool.open < self.max_open || waited {
                pool.open += 1;
                drop(pool);
                return match connect(&self.config) {
                    Ok(client) => Ok(self.lend(Connection {
                        client,
                        statements: Statements::default(),
                    })),
                    Err(error) => {
                        lock(&self.pool).open -= 1;
                        self.returned.notify_one();
                        Err(error)
                    }
                };
            }
            let (guard, timeout) = self
                .returned
                .wait_timeout(pool, POOL_WAIT)
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            pool = guard;
            waited = timeout.timed_out();
        }
    }

    fn lend(&self, connection: Connection) -> Pooled<'_> {
        Pooled {
            engine: self,
            connection: Some(connection),
        }
    }

    /// Runs `f` in a transaction, committed if `f` succeeds (rolled back otherwise).
    pub(crate) fn transaction<T>(
        &self,
        f: impl FnOnce(&mut Transaction<'_>) -> Result<T>,
    ) -> Result<T> {
        let mut connection = self.connection()?;
        let mut transaction = connection.client().transaction()?;
        let value = f(&mut transaction)?;
        transaction.commit()?;
        Ok(value)
    }

    /// Runs `f` on a connection outside any explicit transaction (each statement its snapshot).
    pub(crate) fn read<T>(&self, f: impl FnOnce(&mut Client) -> Result<T>) -> Result<T> {
        let mut connection = self.connection()?;
        f(connection.client())
    }

    /// Like [`PgEngine::read`], with the connection's prepared statements: for the reads every
    /// request makes (see [`statements`]).
    pub(crate) fn read_cached<T>(
        &self,
        f: impl FnOnce(&mut Cached<'_, Client>) -> Result<T>,
    ) -> Result<T> {
        let mut pooled = self.connection()?;
        let Connection { client, statements } = pooled.connection();
        f(&mut Cached {
            db: client,
            statements,
        })
    }
}

impl Drop for PgEngine {
    fn drop(&mut self) {
        let mut clients: Vec<Client> = std::mem::take(&mut lock(&self.pool).idle)
            .into_iter()
            .map(|connection| connection.client)
            .collect();
        clients.extend(lock(&self.session).take());
        discard_all(clients);
    }
}

/// How long a request waits for a busy pool before opening a connection beyond its cap.
const POOL_WAIT: Duration = Duration::from_secs(5);

#[derive(Default)]
struct Pool {
    idle: Vec<Connection>,
    /// Connections open, idle or lent.
    open: usize,
}

/// An open connection and the statements prepared on it.
struct Connection {
    client: Client,
    statements: Statements,
}

/// A pooled connection, given back when dropped.
struct Pooled<'a> {
    engine: &'a PgEngine,
    connection: Option<Connection>,
}

impl Pooled<'_> {
    fn connection(&mut self) -> &mut Connection {
        self.connection
            .as_mut()
            .expect("a pooled connection is present until dropped")
    }

    fn client(&mut self) -> &mut Client {
        &mut self.connection().client
    }
}

impl Drop for Pooled<'_> {
    fn drop(&mut self) {
        let Some(connection) = self.connection.take() else {
            return;
        };
        let mut pool = lock(&self.engine.pool);
        if pool.open <= self.engine.max_open && !connection.client.is_closed() {
            pool.idle.push(connection);
            drop(pool);
        } else {
            // Closed, or opened beyond the cap after a long wait.
            pool.open -= 1;
            drop(pool);
            discard(connection.client);
        }
        self.engine.returned.notify_one();
    }
}

fn connect(config: &Config) -> Result<Client> {
    let mut client = config.connect(NoTls).map_err(|error| {
        Error::Unsupported(format!("connexion à PostgreSQL impossible : {error}"))
    })?;
    // Statements stay prepared (see `statements`), but each execution is planned for its
    // values: a generic plan chosen from average statistics can be far off for a skewed value
    // (a records filter on a rare value scanning the whole table in row order). Planning our
    // queries costs little next to the round trip and the parse the cache saves.
    client.batch_execute("SET plan_cache_mode = force_custom_plan")?;
    Ok(client)
}

/// Each synchronous client owns a small tokio runtime, which must not be dropped on an async
/// thread (tokio panics): clients are closed on a thread of their own.
fn discard(client: Client) {
    discard_all(vec![client]);
}

fn discard_all(clients: Vec<Client>) {
    if clients.is_empty() {
        return;
    }
    let closing = std::thread::spawn(move || drop(clients));
    let _ = closing.join();
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic while holding the pool leaves a usable list of connections.
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Turns a constraint violation into a [`Error::Conflict`] with a message for users; `rules`
/// pairs a constraint name (`"organisation_siren_key"`, or `"UNIQUE"` / `"FOREIGN KEY"` for any
/// of that kind) with the French explanation.
pub(crate) fn on_constraint(error: postgres::Error, rules: &[(&str, &str)]) -> Error {
    let Some(database_error) = error.as_db_error() else {
        return Error::Postgres(error);
    };
    let code = database_error.code();
    if *code != SqlState::UNIQUE_VIOLATION && *code != SqlState::FOREIGN_KEY_VIOLATION {
        return Error::Postgres(error);
    }
    let constraint = database_error.constraint().unwrap_or_default();
    for (name, explanation) in rules {
        let by_kind = (*name == "FOREIGN KEY" && *code == SqlState::FOREIGN_KEY_VIOLATION)
            || (*name == "UNIQUE" && *code == SqlState::UNIQUE_VIOLATION);
        if constraint == *name || by_kind {
            return Error::Conflict((*explanation).to_owned());
        }
    }
    if *code == SqlState::FOREIGN_KEY_VIOLATION {
        return Error::Conflict(
            "opération impossible : un élément lié n'existe pas ou est encore utilisé".to_owned(),
        );
    }
    Error::Conflict(format!(
        "contrainte non respectée : {}",
        database_error.message()
    ))
}
