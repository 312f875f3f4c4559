//! The hourly cap on the tools that reach people, as reservations: a use is
//! recorded before the send, only while fewer than the cap are in the
//! window, in one step that concurrent calls on any replica cannot both
//! pass. SQLite runs one writer, so one conditional INSERT is that step; on
//! PostgreSQL the tenant's row is locked for the count and the insert.

use std::time::Duration;

use super::error::db_error;
use super::time::{cutoff_ms, now_ms};
use super::{Backend, StorageError, Store};
use crate::domain::TenantId;

const INSERT_IF_UNDER: &str = "INSERT INTO people_calls (tenant_id, tool, reserved_at) \
     SELECT $1, $2, $3 WHERE (SELECT COUNT(*) FROM people_calls \
         WHERE tenant_id = $1 AND tool = $2 AND reserved_at >= $4) < $5 \
     RETURNING id";

/// What a reservation came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reservation {
    /// Reserved: the id gives it back should nothing be sent.
    Made(i64),
    /// At the cap; the oldest use in the window leaves it after this.
    Full { retry_after: Duration },
}

impl Store {
    /// Reserves one use of `tool` for `tenant` if fewer than `limit` were
    /// reserved within `window`.
    pub async fn reserve_people_call(
        &self,
        tenant: &TenantId,
        tool: &str,
        limit: u32,
        window: Duration,
    ) -> Result<Reservation, StorageError> {
        let operation = "reserving a use of a tool that reaches people";
        let mut tx = self.db().begin().await.map_err(db_error(operation))?;
        if self.backend == Backend::Postgres {
            sqlx::query("SELECT id FROM tenants WHERE id = $1 FOR UPDATE")
                .bind(tenant.as_str())
                .fetch_optional(&mut *tx)
                .await
                .map_err(db_error(operation))?;
        }
        let reserved: Option<i64> = sqlx::query_scalar(INSERT_IF_UNDER)
            .bind(tenant.as_str())
            .bind(tool)
            .bind(now_ms())
            .bind(cutoff_ms(window))
            .bind(i64::from(limit))
            .fetch_optional(&mut *tx)
            .await
            .map_err(db_error(operation))?;
        let reservation = match reserved {
            Some(id) => Reservation::Made(id),
            None => {
                let oldest: Option<i64> = sqlx::query_scalar(
                    "SELECT MIN(reserved_at) FROM people_calls \
                     WHERE tenant_id = $1 AND tool = $2 AND reserved_at >= $3",
                )
                .bind(tenant.as_str())
                .bind(tool)
                .bind(cutoff_ms(window))
                .fetch_one(&mut *tx)
                .await
                .map_err(db_error(operation))?;
                // The oldest use is `now - oldest` into the window.
                let wait = oldest.map_or(0, |oldest| oldest - cutoff_ms(window));
                let wait = u64::try_from(wait).unwrap_or(0);
                Reservation::Full {
                    retry_after: Duration::from_millis(wait),
                }
            }
        };
        // Old reservations are of no use to any count.
        sqlx::query("DELETE FROM people_calls WHERE tenant_id = $1 AND reserved_at < $2")
            .bind(tenant.as_str())
            .bind(cutoff_ms(window))
            .execute(&mut *tx)
            .await
            .map_err(db_error(operation))?;
        tx.commit().await.map_err(db_error(operation))?;
        Ok(reservation)
    }
}
