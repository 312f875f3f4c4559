//! Tenant secrets: encryption (`crypto`) over storage (`storage`). The only
//! place that sees plaintext secrets on their way in and out of the database.

use std::sync::Arc;

use secrecy::{ExposeSecret, SecretString};
use sha2::{Digest, Sha256};

use crate::crypto::{Cipher, CryptoError};
use crate::domain::{DomainError, KeyName, TenantId};
use crate::storage::{KeyInfo, StorageError, Store, StoredKey, TenantStamp};

#[derive(Debug, thiserror::Error)]
pub enum SecretError {
    #[error("the secret value is empty")]
    Empty,
    /// A stored value exists but cannot be read: never reported as "no key".
    #[error("{name} of tenant '{tenant}' cannot be read: {cause}")]
    Unreadable {
        tenant: TenantId,
        name: KeyName,
        cause: CryptoError,
    },
    #[error("could not encrypt the secret: {0}")]
    Encrypt(CryptoError),
    #[error(transparent)]
    Storage(#[from] StorageError),
}

/// What `rotate_all` did, value by value.
#[derive(Debug, Default)]
pub struct RotationReport {
    /// Re-encrypted under the current key.
    pub re_encrypted: usize,
    /// Already under the current key; only the lookup hash was refreshed.
    pub rehashed: usize,
    /// Already current, nothing to do.
    pub unchanged: usize,
    /// Changed by someone else during the rotation (their write wins).
    pub concurrently_replaced: usize,
    /// Values that could not be decrypted with any configured key.
    pub failed: Vec<(TenantId, KeyName, CryptoError)>,
}

#[derive(Debug, Clone)]
pub struct SecretStore {
    store: Store,
    cipher: Arc<Cipher>,
}

impl SecretStore {
    pub fn new(store: Store, cipher: Arc<Cipher>) -> Self {
        Self { store, cipher }
    }

    /// Only `QUENDOO_API_KEY` is looked up by value (the legacy transport
    /// authenticates with it), so only it gets a lookup hash.
    fn lookup_hash(&self, name: KeyName, value: &SecretString) -> Option<String> {
        (name == KeyName::QuendooApiKey).then(|| self.cipher.lookup_hash(value))
    }

    /// Encrypts and stores a secret (replacing and reactivating any earlier
    /// one). Empty or whitespace-only values are refused.
    pub async fn set(
        &self,
        tenant: &TenantId,
        name: KeyName,
        value: &SecretString,
    ) -> Result<KeyInfo, SecretError> {
        if value.expose_secret().trim().is_empty() {
            return Err(SecretError::Empty);
        }
        // The legacy transport finds a hotel by its Quendoo key: one key,
        // one hotel (the other's id is not named).
        if name == KeyName::QuendooApiKey
            && let Some((owner, _)) = self.find_tenant_by_quendoo_key(value).await?
            && owner != *tenant
        {
            return Err(SecretError::Storage(StorageError::Conflict(
                "this Quendoo API key is already stored for another hotel; each hotel needs its own"
                    .into(),
            )));
        }
        let encrypted = self
            .cipher
            .encrypt(tenant, name, value)
            .map_err(SecretError::Encrypt)?;
        let hash = self.lookup_hash(name, value);
        Ok(self
            .store
            .put_api_key(tenant, name, &encrypted, hash.as_deref())
            .await?)
    }

    /// The active secret, `None` if there is none; a stored value that fails
    /// to decrypt is an error.
    pub async fn get(
        &self,
        tenant: &TenantId,
        name: KeyName,
    ) -> Result<Option<SecretString>, SecretError> {
        let Some(stored) = self.store.get_api_key(tenant, name).await? else {
            return Ok(None);
        };
        self.open(&stored).map(Some)
    }

    /// Every active secret of the tenant, decrypted; `None` for a value
    /// that cannot be (an error when used, never taken for "no key").
    pub async fn active(
        &self,
        tenant: &TenantId,
    ) -> Result<Vec<(KeyName, Option<SecretString>)>, StorageError> {
        Ok(self
            .store
            .active_stored_keys(tenant)
            .await?
            .iter()
            .map(|stored| (stored.key_name, self.open(stored).ok()))
            .collect())
    }

    /// The tenant's active keys (the seed's `GET /admin/api-keys` contract:
    /// a deleted key is not listed; `api-key list` shows those too).
    pub async fn list_active(&self, tenant: &TenantId) -> Result<Vec<KeyInfo>, SecretError> {
        let mut keys = self.store.list_api_keys(tenant).await?;
        keys.retain(|key| key.is_active);
        Ok(keys)
    }

    pub async fn delete(&self, tenant: &TenantId, name: KeyName) -> Result<bool, SecretError> {
        Ok(self.store.delete_api_key(tenant, name).await?)
    }

    /// The tenant whose active `QUENDOO_API_KEY` is `value`, found through
    /// its keyed hash (under the current key first, then previous keys),
    /// with the tenant's stamp.
    pub async fn find_tenant_by_quendoo_key(
        &self,
        value: &SecretString,
    ) -> Result<Option<(TenantId, TenantStamp)>, SecretError> {
        for hash in self.cipher.lookup_hashes(value) {
            if let Some(tenant) = self
                .store
                .find_tenant_by_key_hash(KeyName::QuendooApiKey, &hash)
                .await?
            {
                return Ok(Some(tenant));
            }
        }
        Ok(None)
    }

    /// The tenant id that a tenant created for this Quendoo key gets: the
    /// same on every replica (so concurrent first calls meet on one row), and
    /// derived from the keyed hash, so it tells nothing about the key.
    pub fn tenant_id_for_quendoo_key(&self, value: &SecretString) -> Result<TenantId, DomainError> {
        let digest = Sha256::new()
            .chain_update(b"quendoo-mcp:tenant-for-key:")
            .chain_update(self.cipher.lookup_hash(value))
            .finalize();
        format!("hotel-{}", hex::encode(&digest[..16])).parse()
    }

    /// Re-encrypts every stored value (active or not) under the current key
    /// and refreshes lookup hashes. Values that cannot be decrypted are
    /// reported and left as they are; the others are still rotated.
    pub async fn rotate_all(&self) -> Result<RotationReport, SecretError> {
        let mut report = RotationReport::default();
        for stored in self.store.all_stored_keys().await? {
            let plain = match self.open(&stored) {
                Ok(plain) => plain,
                Err(SecretError::Unreadable {
                    tenant,
                    name,
                    cause,
                }) => {
                    report.failed.push((tenant, name, cause));
                    continue;
                }
                Err(other) => return Err(other),
            };
            let re_encrypt = self.cipher.needs_rotation(&stored.encrypted_value);
            let encrypted = if re_encrypt {
                self.cipher
                    .encrypt(&stored.tenant_id, stored.key_name, &plain)
                    .map_err(SecretError::Encrypt)?
            } else {
                stored.encrypted_value.clone()
            };
            let hash = self.lookup_hash(stored.key_name, &plain);
            if !re_encrypt && hash == stored.lookup_hash {
                report.unchanged += 1;
            } else if !self
                .store
                .replace_encrypted_value(&stored, &encrypted, hash.as_deref())
                .await?
            {
                report.concurrently_replaced += 1;
            } else if re_encrypt {
                report.re_encrypted += 1;
            } else {
                report.rehashed += 1;
            }
        }
        Ok(report)
    }

    fn open(&self, stored: &StoredKey) -> Result<SecretString, SecretError> {
        self.cipher
            .decrypt(&stored.tenant_id, stored.key_name, &stored.encrypted_value)
            .map_err(|cause| SecretError::Unreadable {
                tenant: stored.tenant_id.clone(),
                name: stored.key_name,
                cause,
            })
    }
}
