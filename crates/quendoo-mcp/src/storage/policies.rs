//! Each hotel's policy (toolsets, read-only, confirmation of writes).

use super::error::{db_error, tenant_row_error};
use super::row::{get, parse};
use super::time::now_ms;
use super::{StorageError, Store};
use crate::domain::TenantId;
use crate::policy::{HotelPolicy, PolicyChange, WriteMode};
use sqlx::any::AnyRow;

impl Store {
    /// The hotel's policy; the default when the operator never set one.
    pub async fn hotel_policy(&self, tenant: &TenantId) -> Result<HotelPolicy, StorageError> {
        let row = sqlx::query(
            "SELECT toolsets, CASE WHEN read_only THEN 1 ELSE 0 END AS read_only, pms_writes, comms \
             FROM hotel_policies WHERE tenant_id = $1",
        )
        .bind(tenant.as_str())
        .fetch_optional(self.db())
        .await
        .map_err(db_error("reading a hotel policy"))?;
        let Some(row) = row else {
            return Ok(HotelPolicy::default());
        };
        policy_of(&row)
    }

    /// Replaces the hotel's policy; `NotFound` for an unknown tenant.
    pub async fn set_hotel_policy(
        &self,
        tenant: &TenantId,
        policy: &HotelPolicy,
    ) -> Result<(), StorageError> {
        self.change_hotel_policy(tenant, (*policy).into())
            .await
            .map(drop)
    }

    /// Applies `change` to the hotel's policy in one statement (two
    /// operators changing different fields at once both keep their change)
    /// and returns the result; `NotFound` for an unknown tenant.
    pub async fn change_hotel_policy(
        &self,
        tenant: &TenantId,
        change: PolicyChange,
    ) -> Result<HotelPolicy, StorageError> {
        // A first row starts from the defaults; an existing one keeps the
        // fields the change leaves out (NULL parameters).
        let first = change.apply(HotelPolicy::default());
        let row = sqlx::query(
            "INSERT INTO hotel_policies (tenant_id, toolsets, read_only, pms_writes, comms, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6) \
             ON CONFLICT (tenant_id) DO UPDATE SET \
               toolsets = COALESCE($7, hotel_policies.toolsets), \
               read_only = COALESCE($8, hotel_policies.read_only), \
               pms_writes = COALESCE($9, hotel_policies.pms_writes), \
               comms = COALESCE($10, hotel_policies.comms), \
               updated_at = excluded.updated_at \
             RETURNING toolsets, CASE WHEN read_only THEN 1 ELSE 0 END AS read_only, pms_writes, comms",
        )
        .bind(tenant.as_str())
        .bind(first.toolsets.to_string())
        .bind(first.read_only)
        .bind(first.pms_writes.name())
        .bind(first.comms.name())
        .bind(now_ms())
        .bind(change.toolsets.map(|t| t.to_string()))
        .bind(change.read_only)
        .bind(change.pms_writes.map(WriteMode::name))
        .bind(change.comms.map(WriteMode::name))
        .fetch_one(self.db())
        .await
        .map_err(tenant_row_error(tenant, "storing a hotel policy"))?;
        policy_of(&row)
    }
}

fn policy_of(row: &AnyRow) -> Result<HotelPolicy, StorageError> {
    Ok(HotelPolicy {
        toolsets: parse(row, "toolsets")?,
        read_only: get::<i64>(row, "read_only")? != 0,
        pms_writes: parse(row, "pms_writes")?,
        comms: parse(row, "comms")?,
    })
}
