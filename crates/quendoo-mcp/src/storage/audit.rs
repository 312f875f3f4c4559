use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::any::AnyRow;

use super::error::db_error;
use super::row::{get, parse, parse_opt, timestamp};
use super::time::{cutoff_ms, now_ms};
use super::{StorageError, Store};
use crate::domain::{TenantId, UserId};

/// One tool call to record. `args_digest` is a digest of the arguments, never
/// the arguments themselves (they may hold guest data).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEntry {
    pub tenant_id: TenantId,
    pub user_id: Option<UserId>,
    pub tool: String,
    pub outcome: String,
    pub duration_ms: i64,
    pub args_digest: String,
}

/// A recorded entry, with its time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditRecord {
    pub tenant_id: TenantId,
    pub user_id: Option<UserId>,
    pub tool: String,
    pub outcome: String,
    pub created_at: DateTime<Utc>,
    pub duration_ms: i64,
    pub args_digest: String,
}

impl TryFrom<&AnyRow> for AuditRecord {
    type Error = StorageError;
    fn try_from(row: &AnyRow) -> Result<Self, Self::Error> {
        Ok(AuditRecord {
            tenant_id: parse(row, "tenant_id")?,
            user_id: parse_opt(row, "user_id")?,
            tool: get(row, "tool")?,
            outcome: get(row, "outcome")?,
            created_at: timestamp(row, "created_at")?,
            duration_ms: get(row, "duration_ms")?,
            args_digest: get(row, "args_digest")?,
        })
    }
}

impl Store {
    /// Records entries in one transaction: one commit (and one wait for
    /// SQLite's single writer) for a whole group of tool calls.
    pub async fn record_audit(&self, entries: &[AuditEntry]) -> Result<(), StorageError> {
        let mut transaction = self
            .pool
            .begin()
            .await
            .map_err(db_error("recording audit entries"))?;
        let now = now_ms();
        for entry in entries {
            sqlx::query(
                "INSERT INTO audit_log \
                   (tenant_id, user_id, tool, outcome, created_at, duration_ms, args_digest) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(entry.tenant_id.as_str())
            .bind(entry.user_id.as_ref().map(UserId::as_str))
            .bind(entry.tool.as_str())
            .bind(entry.outcome.as_str())
            .bind(now)
            .bind(entry.duration_ms)
            .bind(entry.args_digest.as_str())
            .execute(&mut *transaction)
            .await
            .map_err(db_error("recording audit entries"))?;
        }
        transaction
            .commit()
            .await
            .map_err(db_error("recording audit entries"))
    }

    /// Deletes audit entries older than `retention`; returns how many.
    pub async fn purge_audit(&self, retention: Duration) -> Result<u64, StorageError> {
        let result = sqlx::query("DELETE FROM audit_log WHERE created_at < $1")
            .bind(cutoff_ms(retention))
            .execute(&self.pool)
            .await
            .map_err(db_error("purging the audit trail"))?;
        Ok(result.rows_affected())
    }

    /// The tenant's latest audit entries, newest first.
    pub async fn recent_audit(
        &self,
        tenant: &TenantId,
        limit: i64,
    ) -> Result<Vec<AuditRecord>, StorageError> {
        sqlx::query(
            "SELECT tenant_id, user_id, tool, outcome, created_at, duration_ms, args_digest \
             FROM audit_log WHERE tenant_id = $1 ORDER BY id DESC LIMIT $2",
        )
        .bind(tenant.as_str())
        .bind(limit)
        .fetch_all(&self.pool)
        .await
        .map_err(db_error("reading the audit log"))?
        .iter()
        .map(AuditRecord::try_from)
        .collect()
    }
}
