use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::error::ErrorKind;

use super::error::{db_error, violation};
use super::row::{get, parse, timestamp};
use super::time::now_ms;
use super::{StorageError, Store};
use crate::domain::TenantId;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Tenant {
    pub id: TenantId,
    pub name: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl TryFrom<&AnyRow> for Tenant {
    type Error = StorageError;
    fn try_from(row: &AnyRow) -> Result<Self, Self::Error> {
        Ok(Tenant {
            id: parse(row, "id")?,
            name: get(row, "name")?,
            created_at: timestamp(row, "created_at")?,
            updated_at: timestamp(row, "updated_at")?,
        })
    }
}

impl Store {
    /// Creates a tenant with the given id, or a fresh UUID when none is given.
    pub async fn create_tenant(
        &self,
        id: Option<TenantId>,
        name: &str,
    ) -> Result<Tenant, StorageError> {
        let id = id.unwrap_or_else(TenantId::generate);
        let row = sqlx::query(
            "INSERT INTO tenants (id, name, created_at, updated_at, generation) \
             VALUES ($1, $2, $3, $3, $4) RETURNING id, name, created_at, updated_at",
        )
        .bind(id.as_str())
        .bind(name)
        .bind(now_ms())
        // A random start: a tenant deleted and created again under its id
        // within one millisecond still gets a stamp of its own.
        .bind(i64::from(rand::random::<u32>()))
        .fetch_one(self.db())
        .await
        .map_err(|e| match violation(&e) {
            Some(ErrorKind::UniqueViolation) => {
                StorageError::Conflict(format!("tenant '{id}' already exists"))
            }
            _ => db_error("creating a tenant")(e),
        })?;
        Tenant::try_from(&row)
    }

    pub async fn get_tenant(&self, id: &TenantId) -> Result<Option<Tenant>, StorageError> {
        sqlx::query("SELECT id, name, created_at, updated_at FROM tenants WHERE id = $1")
            .bind(id.as_str())
            .fetch_optional(self.db())
            .await
            .map_err(db_error("reading a tenant"))?
            .as_ref()
            .map(Tenant::try_from)
            .transpose()
    }

    /// All tenants, oldest first.
    pub async fn list_tenants(&self) -> Result<Vec<Tenant>, StorageError> {
        sqlx::query("SELECT id, name, created_at, updated_at FROM tenants ORDER BY created_at, id")
            .fetch_all(self.db())
            .await
            .map_err(db_error("listing tenants"))?
            .iter()
            .map(Tenant::try_from)
            .collect()
    }

    /// Deletes a tenant and (by cascade) its users, api keys and connections.
    /// Returns whether it existed.
    pub async fn delete_tenant(&self, id: &TenantId) -> Result<bool, StorageError> {
        let result = sqlx::query("DELETE FROM tenants WHERE id = $1")
            .bind(id.as_str())
            .execute(self.db())
            .await
            .map_err(db_error("deleting a tenant"))?;
        Ok(result.rows_affected() > 0)
    }

    /// `NotFound` unless the tenant exists.
    pub async fn require_tenant(&self, id: &TenantId) -> Result<Tenant, StorageError> {
        self.get_tenant(id)
            .await?
            .ok_or_else(|| StorageError::NotFound {
                what: "tenant",
                id: id.to_string(),
            })
    }
}
