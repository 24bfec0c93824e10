//! Versioned migrations of the PostgreSQL engine (`migrations/postgres/`), numbered like the
//! SQLite ones. Each runs in its own transaction, all under an advisory lock, so servers
//! starting together on a new database apply each migration once.

use postgres::Client;

use crate::error::{Error, Result};

/// Every migration, in order: (number, name, SQL).
const MIGRATIONS: &[(i64, &str, &str)] = &[
    (
        1,
        "catalogue",
        include_str!("../../migrations/postgres/0001_catalogue.sql"),
    ),
    (
        2,
        "referentials",
        include_str!("../../migrations/postgres/0002_referentials.sql"),
    ),
    (
        3,
        "jobs",
        include_str!("../../migrations/postgres/0003_jobs.sql"),
    ),
    (
        4,
        "sessions",
        include_str!("../../migrations/postgres/0004_sessions.sql"),
    ),
    (
        5,
        "archiving",
        include_str!("../../migrations/postgres/0005_archiving.sql"),
    ),
    (
        6,
        "facet_values",
        include_str!("../../migrations/postgres/0006_facet_values.sql"),
    ),
];

/// Serialises migrations between processes (any constant, distinct from the instance lock).
const MIGRATION_LOCK: i64 = 0x0053_4F43_4C4D;

/// The last migration applied (0 on an empty database).
pub(crate) fn current(client: &mut Client) -> Result<i64> {
    Ok(client
        .query_one(
            "SELECT coalesce(max(version), 0) FROM schema_migrations",
            &[],
        )?
        .try_get(0)?)
}

pub(crate) fn run(client: &mut Client) -> Result<()> {
    client.execute("SELECT pg_advisory_lock($1)", &[&MIGRATION_LOCK])?;
    let applied = apply_missing(client);
    client.execute("SELECT pg_advisory_unlock($1)", &[&MIGRATION_LOCK])?;
    applied
}

fn apply_missing(client: &mut Client) -> Result<()> {
    client.batch_execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations (
             version    BIGINT PRIMARY KEY,
             name       TEXT NOT NULL,
             applied_at TEXT NOT NULL
         )",
    )?;
    let known = MIGRATIONS.last().map_or(0, |(number, _, _)| *number);
    for (number, name, sql) in MIGRATIONS {
        let mut transaction = client.transaction()?;
        let applied: i64 = transaction
            .query_one(
                "SELECT coalesce(max(version), 0) FROM schema_migrations",
                &[],
            )?
            .try_get(0)?;
        if applied > known {
            return Err(Error::TooNew {
                found: applied,
                known,
            });
        }
        if applied >= *number {
            continue;
        }
        transaction.batch_execute(sql)?;
        let now = crate::sqlite::codec::timestamp_text(crate::sqlite::codec::now());
        transaction.execute(
            "INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)",
            &[number, name, &now],
        )?;
        transaction.commit()?;
    }
    Ok(())
}
