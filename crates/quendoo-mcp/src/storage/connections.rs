use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::any::AnyRow;

use super::error::{db_error, tenant_row_error};
use super::row::{get, parse, timestamp};
use super::time::{cutoff_ms, now_ms};
use super::{StorageError, Store};
use crate::domain::{ConnectionId, TenantId};

/// A REST connection (`/mcp/connect`): lives in the database so that any
/// replica can serve it; expires after an idle time chosen by the caller.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Connection {
    pub id: ConnectionId,
    pub tenant_id: TenantId,
    pub created_at: DateTime<Utc>,
    pub last_used_at: DateTime<Utc>,
    pub tool_calls: i64,
}

impl TryFrom<&AnyRow> for Connection {
    type Error = StorageError;
    fn try_from(row: &AnyRow) -> Result<Self, Self::Error> {
        Ok(Connection {
            id: parse(row, "id")?,
            tenant_id: parse(row, "tenant_id")?,
            created_at: timestamp(row, "created_at")?,
            last_used_at: timestamp(row, "last_used_at")?,
            tool_calls: get(row, "tool_calls")?,
        })
    }
}

impl Store {
    pub async fn create_connection(&self, tenant: &TenantId) -> Result<Connection, StorageError> {
        let row = sqlx::query(
            "INSERT INTO connections (id, tenant_id, created_at, last_used_at, tool_calls) \
             VALUES ($1, $2, $3, $3, 0) \
             RETURNING id, tenant_id, created_at, last_used_at, tool_calls",
        )
        .bind(ConnectionId::generate().to_string())
        .bind(tenant.as_str())
        .bind(now_ms())
        .fetch_one(self.db())
        .await
        .map_err(tenant_row_error(tenant, "creating a connection"))?;
        Connection::try_from(&row)
    }

    /// The connection if it is still live, without recording a use.
    pub async fn get_connection(
        &self,
        id: &ConnectionId,
        idle_ttl: Duration,
    ) -> Result<Option<Connection>, StorageError> {
        sqlx::query(
            "SELECT id, tenant_id, created_at, last_used_at, tool_calls FROM connections \
             WHERE id = $1 AND last_used_at >= $2",
        )
        .bind(id.to_string())
        .bind(cutoff_ms(idle_ttl))
        .fetch_optional(self.db())
        .await
        .map_err(db_error("reading a connection"))?
        .as_ref()
        .map(Connection::try_from)
        .transpose()
    }

    pub async fn delete_connection(&self, id: &ConnectionId) -> Result<bool, StorageError> {
        let result = sqlx::query("DELETE FROM connections WHERE id = $1")
            .bind(id.to_string())
            .execute(self.db())
            .await
            .map_err(db_error("deleting a connection"))?;
        Ok(result.rows_affected() > 0)
    }

    pub async fn count_active_connections(&self, idle_ttl: Duration) -> Result<i64, StorageError> {
        let row = sqlx::query("SELECT COUNT(*) AS n FROM connections WHERE last_used_at >= $1")
            .bind(cutoff_ms(idle_ttl))
            .fetch_one(self.db())
            .await
            .map_err(db_error("counting connections"))?;
        get(&row, "n")
    }

    /// Deletes connections idle longer than `idle_ttl`; returns how many.
    pub async fn purge_expired_connections(&self, idle_ttl: Duration) -> Result<u64, StorageError> {
        let result = sqlx::query("DELETE FROM connections WHERE last_used_at < $1")
            .bind(cutoff_ms(idle_ttl))
            .execute(self.db())
            .await
            .map_err(db_error("purging connections"))?;
        Ok(result.rows_affected())
    }
}
