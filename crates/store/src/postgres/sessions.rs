//! Browser sessions on PostgreSQL (`session` table, migration 0004), as `sqlite/sessions.rs`.

use jiff::Timestamp;
use model::{Session, UserId};
use postgres::Row;

use super::PgEngine;
use super::catalogue::query_one;
use super::codec::{get, parsed};
use crate::error::Result;
use crate::sqlite::codec::{parse_timestamp, timestamp_text};

const SESSION_COLUMNS: &str =
    "token_hash, user_id, csrf_token, created_at, last_seen_at, expires_at";

fn session_from_row(row: &Row) -> Result<Session> {
    Ok(Session {
        token_hash: get(row, 0)?,
        user: UserId(get(row, 1)?),
        csrf_token: get(row, 2)?,
        created_at: parsed(row, 3, parse_timestamp)?,
        last_seen_at: parsed(row, 4, parse_timestamp)?,
        expires_at: parsed(row, 5, parse_timestamp)?,
    })
}

impl PgEngine {
    pub(crate) fn create_session(&self, session: &Session) -> Result<()> {
        self.transaction(|tx| {
            tx.execute(
                &format!("INSERT INTO session ({SESSION_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6)"),
                &[
                    &session.token_hash,
                    &session.user.0,
                    &session.csrf_token,
                    &timestamp_text(session.created_at),
                    &timestamp_text(session.last_seen_at),
                    &timestamp_text(session.expires_at),
                ],
            )?;
            Ok(())
        })
    }

    pub(crate) fn session_by_hash(&self, token_hash: &str) -> Result<Option<Session>> {
        self.read_cached(|db| {
            query_one(
                db,
                &format!("SELECT {SESSION_COLUMNS} FROM session WHERE token_hash = $1"),
                &[&token_hash],
                session_from_row,
            )
        })
    }

    pub(crate) fn touch_session(
        &self,
        token_hash: &str,
        last_seen_at: Timestamp,
        expires_at: Timestamp,
    ) -> Result<()> {
        self.transaction(|tx| {
            tx.execute(
                "UPDATE session SET last_seen_at = $2, expires_at = $3 WHERE token_hash = $1",
                &[
                    &token_hash,
                    &timestamp_text(last_seen_at),
                    &timestamp_text(expires_at),
                ],
            )?;
            Ok(())
        })
    }

    pub(crate) fn delete_session(&self, token_hash: &str) -> Result<()> {
        self.transaction(|tx| {
            tx.execute("DELETE FROM session WHERE token_hash = $1", &[&token_hash])?;
            Ok(())
        })
    }

    pub(crate) fn delete_sessions_of_user(&self, user: UserId) -> Result<u64> {
        self.transaction(|tx| Ok(tx.execute("DELETE FROM session WHERE user_id = $1", &[&user.0])?))
    }

    pub(crate) fn delete_expired_sessions(&self, now: Timestamp) -> Result<u64> {
        self.transaction(|tx| {
            Ok(tx.execute(
                "DELETE FROM session WHERE expires_at <= $1",
                &[&timestamp_text(now)],
            )?)
        })
    }
}
