//! Prepared statements kept per pooled connection.
//!
//! The `postgres` client runs a query given as text in two round trips (prepare, then bind and
//! execute) and PostgreSQL parses and plans it anew each time. The reads a request makes are a
//! handful of fixed texts (a resource, its dataset and version, a records page of a given shape,
//! its count...): kept prepared on the connection that ran them once, each is one round trip
//! and never parsed again (still planned for its values: connections set
//! `plan_cache_mode = force_custom_plan`, see `connect`).
//!
//! A statement is tied to the connection that prepared it, so the cache lives with the
//! connection in the pool and is dropped with it. It is bounded: past [`CAPACITY`] texts it
//! starts over (a few hundred shapes cover every request; filters of new shapes only cost
//! what they cost without the cache). A statement that fails is forgotten, so that one made
//! invalid by a schema change (PostgreSQL answers "cached plan must not change result type")
//! is prepared afresh by the next request instead of failing again.

use std::collections::HashMap;

use postgres::{GenericClient, Row, Statement};

use super::catalogue::Params;
use crate::error::Result;

/// Statement texts kept per connection before the cache starts over.
const CAPACITY: usize = 256;

/// The statements prepared on one connection, by their SQL text.
#[derive(Default)]
pub(crate) struct Statements {
    prepared: HashMap<String, Statement>,
}

impl Statements {
    /// The statement for `sql` on the connection `db` belongs to, prepared there once.
    pub(crate) fn prepared(
        &mut self,
        db: &mut impl GenericClient,
        sql: &str,
    ) -> std::result::Result<Statement, postgres::Error> {
        if let Some(statement) = self.prepared.get(sql) {
            return Ok(statement.clone());
        }
        let statement = db.prepare(sql)?;
        if self.prepared.len() >= CAPACITY {
            self.prepared.clear();
        }
        self.prepared.insert(sql.to_owned(), statement.clone());
        Ok(statement)
    }

    /// Forgets the statement of `sql` (after it failed).
    pub(crate) fn forget(&mut self, sql: &str) {
        self.prepared.remove(sql);
    }
}

/// What the read helpers need of a connection: the rows of a query. Plain clients and
/// transactions prepare each text anew; [`Cached`] ones use the connection's statements.
pub(crate) trait Queries {
    fn rows(&mut self, sql: &str, params: Params<'_>) -> Result<Vec<Row>>;
}

impl<C: GenericClient> Queries for C {
    fn rows(&mut self, sql: &str, params: Params<'_>) -> Result<Vec<Row>> {
        Ok(self.query(sql, params)?)
    }
}

/// A client or transaction together with its connection's prepared statements.
pub(crate) struct Cached<'a, C: GenericClient> {
    pub(crate) db: &'a mut C,
    pub(crate) statements: &'a mut Statements,
}

impl<C: GenericClient> Cached<'_, C> {
    /// Runs `run` with the statement of `sql`, forgetting the statement if it fails.
    pub(crate) fn with_statement<T>(
        &mut self,
        sql: &str,
        run: impl FnOnce(&mut C, &Statement) -> std::result::Result<T, postgres::Error>,
    ) -> std::result::Result<T, postgres::Error> {
        let statement = self.statements.prepared(self.db, sql)?;
        run(self.db, &statement).inspect_err(|_| self.statements.forget(sql))
    }
}

impl<C: GenericClient> Queries for Cached<'_, C> {
    fn rows(&mut self, sql: &str, params: Params<'_>) -> Result<Vec<Row>> {
        Ok(self.with_statement(sql, |db, statement| db.query(statement, params))?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::conformance::TestDatabase;

    fn client(database: &TestDatabase) -> postgres::Client {
        postgres::Client::connect(&database.url, postgres::NoTls).expect("connect")
    }

    /// The statements PostgreSQL holds prepared for this session (asked in the simple
    /// protocol, which prepares nothing itself).
    fn prepared_on_server(db: &mut postgres::Client) -> usize {
        let answer = db
            .simple_query("SELECT count(*) FROM pg_prepared_statements")
            .unwrap();
        let count = answer.iter().find_map(|message| match message {
            postgres::SimpleQueryMessage::Row(row) => row.get(0),
            _ => None,
        });
        count.expect("a count").parse().unwrap()
    }

    #[test]
    fn a_text_is_prepared_once_per_connection_and_the_cache_stays_bounded() {
        let Some(database) = TestDatabase::create() else {
            return;
        };
        let mut db = client(&database);
        let mut statements = Statements::default();
        // Both held: two preparations would be two statements on the server.
        let _first = statements.prepared(&mut db, "SELECT $1::int + 1").unwrap();
        let _again = statements.prepared(&mut db, "SELECT $1::int + 1").unwrap();
        assert_eq!(prepared_on_server(&mut db), 1, "prepared again");
        for n in 0..CAPACITY + 10 {
            statements
                .prepared(&mut db, &format!("SELECT {n}::int"))
                .unwrap();
            assert!(statements.prepared.len() <= CAPACITY);
        }
        // Statements leaving the cache are closed on the server too.
        assert!(prepared_on_server(&mut db) <= CAPACITY);
        // A statement dropped from the cache is prepared anew, and still answers.
        let mut cached = Cached {
            db: &mut db,
            statements: &mut statements,
        };
        let rows = cached.rows("SELECT $1::int + 1", &[&41i32]).unwrap();
        assert_eq!(rows[0].get::<_, i32>(0), 42);
    }

    #[test]
    fn a_statement_broken_by_a_schema_change_is_prepared_afresh() {
        let Some(database) = TestDatabase::create() else {
            return;
        };
        let mut db = client(&database);
        db.batch_execute("CREATE TABLE t (a int); INSERT INTO t VALUES (1)")
            .unwrap();
        let mut statements = Statements::default();
        let mut cached = Cached {
            db: &mut db,
            statements: &mut statements,
        };
        assert_eq!(cached.rows("SELECT * FROM t", &[]).unwrap()[0].len(), 1);
        cached
            .db
            .batch_execute("ALTER TABLE t ADD COLUMN b int")
            .unwrap();
        // PostgreSQL refuses the kept plan once ("cached plan must not change result type")...
        assert!(cached.rows("SELECT * FROM t", &[]).is_err());
        // ...and the next request prepares the text again.
        assert_eq!(cached.rows("SELECT * FROM t", &[]).unwrap()[0].len(), 2);
    }
}
