//! Each hotel's policy (toolsets, read-only, confirmation of writes).

use super::error::{db_error, tenant_row_error};
use super::row::{get, parse};
use super::time::now_ms;
use super::{StorageError, Store};
use crate::domain::TenantId;
use crate::policy::HotelPolicy;

impl Store {
    /// The hotel's policy; the default when the operator never set one.
    pub async fn hotel_policy(&self, tenant: &TenantId) -> Result<HotelPolicy, StorageError> {
        let row = sqlx::query(
            "SELECT toolsets, CASE WHEN read_only THEN 1 ELSE 0 END AS read_only, pms_writes, comms \
             FROM hotel_policies WHERE tenant_id = $1",
        )
        .bind(tenant.as_str())
        .fetch_optional(&self.pool)
        .await
        .map_err(db_error("reading a hotel policy"))?;
        let Some(row) = row else {
            return Ok(HotelPolicy::default());
        };
        Ok(HotelPolicy {
            toolsets: parse(&row, "toolsets")?,
            read_only: get::<i64>(&row, "read_only")? != 0,
            pms_writes: parse(&row, "pms_writes")?,
            comms: parse(&row, "comms")?,
        })
    }

    /// Replaces the hotel's policy; `NotFound` for an unknown tenant.
    pub async fn set_hotel_policy(
        &self,
        tenant: &TenantId,
        policy: &HotelPolicy,
    ) -> Result<(), StorageError> {
        sqlx::query(
            "INSERT INTO hotel_policies (tenant_id, toolsets, read_only, pms_writes, comms, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6) \
             ON CONFLICT (tenant_id) DO UPDATE SET toolsets = excluded.toolsets, \
               read_only = excluded.read_only, pms_writes = excluded.pms_writes, \
               comms = excluded.comms, updated_at = excluded.updated_at",
        )
        .bind(tenant.as_str())
        .bind(policy.toolsets.to_string())
        .bind(policy.read_only)
        .bind(policy.pms_writes.name())
        .bind(policy.comms.name())
        .bind(now_ms())
        .execute(&self.pool)
        .await
        .map_err(tenant_row_error(tenant, "storing a hotel policy"))?;
        Ok(())
    }
}
