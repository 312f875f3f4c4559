//! Open legacy `/sse` streams as every replica on one PostgreSQL sees them:
//! which replica holds each stream, which hotel it belongs to, and responses
//! on their way to it. PostgreSQL only (on SQLite one process holds every
//! stream, in memory). A replica refreshes `seen_at` of all its streams at
//! once; rows of a replica that stopped refreshing count as gone.

use std::time::Duration;

use super::error::db_error;
use super::row::get;
use super::time::{cutoff_ms, now_ms};
use super::{StorageError, Store};
use crate::domain::TenantId;

/// Whether a POST for a session may use its stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SseClaim {
    /// No live stream has this session id.
    Absent,
    /// The stream belongs to the caller's hotel (or does now: an anonymous
    /// stream belongs to the first hotel that posts to it).
    Owned,
    /// The stream belongs to another hotel.
    Foreign,
}

impl Store {
    pub async fn sse_open(
        &self,
        session: &str,
        replica: &str,
        owner: Option<&TenantId>,
    ) -> Result<(), StorageError> {
        sqlx::query(
            "INSERT INTO sse_sessions (session_id, replica, tenant_id, seen_at) \
             VALUES ($1, $2, $3, $4)",
        )
        .bind(session)
        .bind(replica)
        .bind(owner.map(TenantId::as_str))
        .bind(now_ms())
        .execute(self.db())
        .await
        .map_err(db_error("recording an /sse stream"))?;
        Ok(())
    }

    pub async fn sse_close(&self, session: &str) -> Result<(), StorageError> {
        sqlx::query("DELETE FROM sse_sessions WHERE session_id = $1")
            .bind(session)
            .execute(self.db())
            .await
            .map_err(db_error("removing an /sse stream"))?;
        Ok(())
    }

    /// Claims the live stream `session` for `tenant`, in one statement so
    /// that two hotels racing for an anonymous stream cannot both win.
    pub async fn sse_claim(
        &self,
        session: &str,
        tenant: &TenantId,
        alive: Duration,
    ) -> Result<SseClaim, StorageError> {
        let cutoff = cutoff_ms(alive);
        let claimed = sqlx::query(
            "UPDATE sse_sessions SET tenant_id = $2 \
             WHERE session_id = $1 AND seen_at >= $3 \
               AND (tenant_id IS NULL OR tenant_id = $2)",
        )
        .bind(session)
        .bind(tenant.as_str())
        .bind(cutoff)
        .execute(self.db())
        .await
        .map_err(db_error("claiming an /sse stream"))?;
        if claimed.rows_affected() > 0 {
            return Ok(SseClaim::Owned);
        }
        let live = sqlx::query(
            "SELECT 1 AS one FROM sse_sessions WHERE session_id = $1 AND seen_at >= $2",
        )
        .bind(session)
        .bind(cutoff)
        .fetch_optional(self.db())
        .await
        .map_err(db_error("claiming an /sse stream"))?;
        Ok(if live.is_some() {
            SseClaim::Foreign
        } else {
            SseClaim::Absent
        })
    }

    /// Marks every stream of `replica` as alive, and forgets the streams and
    /// undelivered messages older than `alive`.
    pub async fn sse_heartbeat(&self, replica: &str, alive: Duration) -> Result<(), StorageError> {
        let operation = "refreshing /sse streams";
        sqlx::query("UPDATE sse_sessions SET seen_at = $2 WHERE replica = $1")
            .bind(replica)
            .bind(now_ms())
            .execute(self.db())
            .await
            .map_err(db_error(operation))?;
        for purge in [
            "DELETE FROM sse_sessions WHERE seen_at < $1",
            "DELETE FROM sse_messages WHERE created_at < $1",
        ] {
            sqlx::query(purge)
                .bind(cutoff_ms(alive))
                .execute(self.db())
                .await
                .map_err(db_error(operation))?;
        }
        Ok(())
    }

    /// Stores `body` for the stream `session` and notifies `channel` (the
    /// holding replica's) with the message's id, in one statement.
    pub async fn sse_send(
        &self,
        channel: &str,
        session: &str,
        body: &str,
    ) -> Result<(), StorageError> {
        sqlx::query(
            "WITH message AS (\
                 INSERT INTO sse_messages (session_id, body, created_at) \
                 VALUES ($2, $3, $4) RETURNING id) \
             SELECT 1 AS sent FROM message, LATERAL pg_notify($1, CAST(message.id AS TEXT))",
        )
        .bind(channel)
        .bind(session)
        .bind(body)
        .bind(now_ms())
        .execute(self.db())
        .await
        .map_err(db_error("sending to an /sse stream"))?;
        Ok(())
    }

    /// Takes (reads and deletes) the message `id`: its session and body.
    pub async fn sse_take(&self, id: i64) -> Result<Option<(String, String)>, StorageError> {
        let row = sqlx::query("DELETE FROM sse_messages WHERE id = $1 RETURNING session_id, body")
            .bind(id)
            .fetch_optional(self.db())
            .await
            .map_err(db_error("receiving for an /sse stream"))?;
        row.map(|row| Ok((get(&row, "session_id")?, get(&row, "body")?)))
            .transpose()
    }
}
