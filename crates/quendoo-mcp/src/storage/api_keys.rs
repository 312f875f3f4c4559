use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::any::AnyRow;
use uuid::Uuid;

use super::error::{db_error, tenant_row_error};
use super::row::{get, parse, timestamp};
use super::time::now_ms;
use super::{StorageError, Store};
use crate::domain::{KeyName, TenantId};

/// A stored (encrypted) secret, as the secret store needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredKey {
    pub tenant_id: TenantId,
    pub key_name: KeyName,
    pub encrypted_value: String,
    pub lookup_hash: Option<String>,
    pub is_active: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// What may be shown about a key: never its value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct KeyInfo {
    pub key_name: KeyName,
    pub is_active: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl TryFrom<&AnyRow> for StoredKey {
    type Error = StorageError;
    fn try_from(row: &AnyRow) -> Result<Self, Self::Error> {
        Ok(StoredKey {
            tenant_id: parse(row, "tenant_id")?,
            key_name: parse(row, "key_name")?,
            encrypted_value: get(row, "encrypted_value")?,
            lookup_hash: get(row, "lookup_hash")?,
            is_active: active(row)?,
            created_at: timestamp(row, "created_at")?,
            updated_at: timestamp(row, "updated_at")?,
        })
    }
}

impl TryFrom<&AnyRow> for KeyInfo {
    type Error = StorageError;
    fn try_from(row: &AnyRow) -> Result<Self, Self::Error> {
        Ok(KeyInfo {
            key_name: parse(row, "key_name")?,
            is_active: active(row)?,
            created_at: timestamp(row, "created_at")?,
            updated_at: timestamp(row, "updated_at")?,
        })
    }
}

/// `is_active` is BOOLEAN on PostgreSQL and 0/1 on SQLite; queries select it
/// as `CASE WHEN is_active THEN 1 ELSE 0 END` so both arrive as integers.
fn active(row: &AnyRow) -> Result<bool, StorageError> {
    Ok(get::<i64>(row, "is_active")? != 0)
}

impl Store {
    /// Stores (or replaces, and reactivates) a tenant's encrypted secret.
    pub async fn put_api_key(
        &self,
        tenant: &TenantId,
        name: KeyName,
        encrypted: &str,
        lookup_hash: Option<&str>,
    ) -> Result<KeyInfo, StorageError> {
        let row = sqlx::query(
            "INSERT INTO api_keys \
               (id, tenant_id, key_name, encrypted_value, lookup_hash, is_active, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, TRUE, $6, $6) \
             ON CONFLICT (tenant_id, key_name) DO UPDATE SET \
               encrypted_value = excluded.encrypted_value, \
               lookup_hash = excluded.lookup_hash, \
               is_active = TRUE, \
               updated_at = excluded.updated_at \
             RETURNING key_name, CASE WHEN is_active THEN 1 ELSE 0 END AS is_active, \
               created_at, updated_at",
        )
        .bind(Uuid::new_v4().to_string())
        .bind(tenant.as_str())
        .bind(name.as_str())
        .bind(encrypted)
        .bind(lookup_hash)
        .bind(now_ms())
        .fetch_one(self.db())
        .await
        .map_err(tenant_row_error(tenant, "storing an api key"))?;
        KeyInfo::try_from(&row)
    }

    /// The active secret of that name, if any.
    pub async fn get_api_key(
        &self,
        tenant: &TenantId,
        name: KeyName,
    ) -> Result<Option<StoredKey>, StorageError> {
        sqlx::query(
            "SELECT tenant_id, key_name, encrypted_value, lookup_hash, \
               CASE WHEN is_active THEN 1 ELSE 0 END AS is_active, created_at, updated_at \
             FROM api_keys WHERE tenant_id = $1 AND key_name = $2 AND is_active = TRUE",
        )
        .bind(tenant.as_str())
        .bind(name.as_str())
        .fetch_optional(self.db())
        .await
        .map_err(db_error("reading an api key"))?
        .as_ref()
        .map(StoredKey::try_from)
        .transpose()
    }

    /// Every active secret of the tenant (what a hotel's cache entry holds).
    pub async fn active_stored_keys(
        &self,
        tenant: &TenantId,
    ) -> Result<Vec<StoredKey>, StorageError> {
        sqlx::query(
            "SELECT tenant_id, key_name, encrypted_value, lookup_hash, \
               CASE WHEN is_active THEN 1 ELSE 0 END AS is_active, created_at, updated_at \
             FROM api_keys WHERE tenant_id = $1 AND is_active = TRUE",
        )
        .bind(tenant.as_str())
        .fetch_all(self.db())
        .await
        .map_err(db_error("reading api keys"))?
        .iter()
        .map(StoredKey::try_from)
        .collect()
    }

    /// Every key of the tenant, active or soft-deleted, by name.
    pub async fn list_api_keys(&self, tenant: &TenantId) -> Result<Vec<KeyInfo>, StorageError> {
        sqlx::query(
            "SELECT key_name, CASE WHEN is_active THEN 1 ELSE 0 END AS is_active, \
               created_at, updated_at \
             FROM api_keys WHERE tenant_id = $1 ORDER BY key_name",
        )
        .bind(tenant.as_str())
        .fetch_all(self.db())
        .await
        .map_err(db_error("listing api keys"))?
        .iter()
        .map(KeyInfo::try_from)
        .collect()
    }

    /// Soft delete: the key stops being used. Returns whether an active key
    /// was deactivated.
    pub async fn delete_api_key(
        &self,
        tenant: &TenantId,
        name: KeyName,
    ) -> Result<bool, StorageError> {
        let result = sqlx::query(
            "UPDATE api_keys SET is_active = FALSE, updated_at = $3 \
             WHERE tenant_id = $1 AND key_name = $2 AND is_active = TRUE",
        )
        .bind(tenant.as_str())
        .bind(name.as_str())
        .bind(now_ms())
        .execute(self.db())
        .await
        .map_err(db_error("deleting an api key"))?;
        Ok(result.rows_affected() > 0)
    }

    /// Every stored value, active or not, for re-encryption under a new key.
    pub async fn all_stored_keys(&self) -> Result<Vec<StoredKey>, StorageError> {
        sqlx::query(
            "SELECT tenant_id, key_name, encrypted_value, lookup_hash, \
               CASE WHEN is_active THEN 1 ELSE 0 END AS is_active, created_at, updated_at \
             FROM api_keys ORDER BY tenant_id, key_name",
        )
        .fetch_all(self.db())
        .await
        .map_err(db_error("listing stored keys"))?
        .iter()
        .map(StoredKey::try_from)
        .collect()
    }

    /// Replaces the ciphertext and lookup hash of `old` only if the row still
    /// holds `old.encrypted_value`, so a concurrent `put_api_key` wins over a
    /// rotation. Returns whether the row was updated. `updated_at` is kept:
    /// the secret itself did not change.
    pub async fn replace_encrypted_value(
        &self,
        old: &StoredKey,
        encrypted: &str,
        lookup_hash: Option<&str>,
    ) -> Result<bool, StorageError> {
        let result = sqlx::query(
            "UPDATE api_keys SET encrypted_value = $1, lookup_hash = $2 \
             WHERE tenant_id = $3 AND key_name = $4 AND encrypted_value = $5",
        )
        .bind(encrypted)
        .bind(lookup_hash)
        .bind(old.tenant_id.as_str())
        .bind(old.key_name.as_str())
        .bind(old.encrypted_value.as_str())
        .execute(self.db())
        .await
        .map_err(db_error("re-encrypting a stored key"))?;
        Ok(result.rows_affected() > 0)
    }
}
