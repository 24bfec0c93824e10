//! Versioned migrations, applied at open, each in its own transaction, recorded in
//! `schema_migrations`. Files are numbered `NNNN_name.sql`; a number is never reused nor edited
//! once released (add a new file instead).

use rusqlite::{Connection, TransactionBehavior};

use super::codec;
use crate::error::{Error, Result};

/// Every migration, in order: (number, name, SQL).
const MIGRATIONS: &[(i64, &str, &str)] = &[
    (
        1,
        "catalogue",
        include_str!("../../migrations/sqlite/0001_catalogue.sql"),
    ),
    (
        2,
        "referentials",
        include_str!("../../migrations/sqlite/0002_referentials.sql"),
    ),
    (
        3,
        "jobs",
        include_str!("../../migrations/sqlite/0003_jobs.sql"),
    ),
    (
        4,
        "sessions",
        include_str!("../../migrations/sqlite/0004_sessions.sql"),
    ),
    (
        5,
        "archiving",
        include_str!("../../migrations/sqlite/0005_archiving.sql"),
    ),
    (
        6,
        "facet_values",
        include_str!("../../migrations/sqlite/0006_facet_values.sql"),
    ),
];

/// The last migration applied (0 on an empty database).
pub(crate) fn current(connection: &Connection) -> Result<i64> {
    Ok(connection.query_row(
        "SELECT coalesce(max(version), 0) FROM schema_migrations",
        [],
        |row| row.get(0),
    )?)
}

pub(crate) fn run(connection: &mut Connection) -> Result<()> {
    connection.execute_batch(
        "CREATE TABLE IF NOT EXISTS schema_migrations (
             version    INTEGER PRIMARY KEY,
             name       TEXT NOT NULL,
             applied_at TEXT NOT NULL
         )",
    )?;
    let known = MIGRATIONS.last().map_or(0, |(number, _, _)| *number);
    for (number, name, sql) in MIGRATIONS {
        // Checked inside the transaction: two processes opening a fresh store at once must not
        // both apply the same migration.
        let transaction = connection.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let applied: i64 = transaction.query_row(
            "SELECT coalesce(max(version), 0) FROM schema_migrations",
            [],
            |row| row.get(0),
        )?;
        if applied > known {
            return Err(Error::TooNew {
                found: applied,
                known,
            });
        }
        if applied >= *number {
            continue;
        }
        transaction.execute_batch(sql)?;
        transaction.execute(
            "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?1, ?2, ?3)",
            rusqlite::params![number, name, codec::timestamp_text(codec::now())],
        )?;
        transaction.commit()?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrations_apply_once_and_are_numbered_in_order() {
        for pair in MIGRATIONS.windows(2) {
            assert_eq!(pair[1].0, pair[0].0 + 1);
        }
        let mut connection = Connection::open_in_memory().unwrap();
        run(&mut connection).unwrap();
        run(&mut connection).unwrap();
        let count: i64 = connection
            .query_row("SELECT count(*) FROM schema_migrations", [], |row| {
                row.get(0)
            })
            .unwrap();
        assert_eq!(count, MIGRATIONS.len() as i64);
        connection
            .execute(
                "INSERT INTO schema_migrations VALUES (999, 'future', 'x')",
                [],
            )
            .unwrap();
        assert!(matches!(
            run(&mut connection),
            Err(Error::TooNew { found: 999, .. })
        ));
    }
}
