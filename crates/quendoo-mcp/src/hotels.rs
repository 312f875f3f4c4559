//! What a tool call needs to know about its hotel besides who is calling:
//! the operator's policy and the hotel's decrypted credentials, cached per
//! tenant. An entry serves only calls whose caller came with the same
//! [`TenantStamp`] (from the lookup each request makes to authenticate,
//! itself never staler than the database: `storage::recent`), and every
//! change to a key or a policy bumps the stamp in its own transaction
//! (database triggers), so a change committed on any replica is seen by
//! the next call on every replica: a stale entry is replaced, never used.
//! No timer, no message between replicas.

use std::{sync::Arc, time::Duration};

use moka::future::Cache;
use secrecy::SecretString;

use crate::{
    domain::{KeyName, TenantId},
    policy::HotelPolicy,
    secrets::SecretStore,
    storage::{StorageError, Store, TenantStamp},
};

/// A hotel no call has used for this long leaves the cache.
const IDLE: Duration = Duration::from_secs(3600);

/// A hotel's policy and credentials, as they were at `stamp`.
#[derive(Debug)]
pub struct Hotel {
    stamp: TenantStamp,
    pub policy: HotelPolicy,
    /// Each active key; `None` for a stored value that cannot be decrypted.
    credentials: Vec<(KeyName, Option<SecretString>)>,
}

/// What `Hotel::credential` finds.
pub enum Credential<'a> {
    Ready(&'a SecretString),
    Missing,
    Unreadable,
}

impl Hotel {
    pub fn credential(&self, name: KeyName) -> Credential<'_> {
        match self.credentials.iter().find(|(key, _)| *key == name) {
            None => Credential::Missing,
            Some((_, None)) => Credential::Unreadable,
            Some((_, Some(secret))) => Credential::Ready(secret),
        }
    }
}

#[derive(Clone)]
pub struct Hotels {
    store: Store,
    secrets: SecretStore,
    entries: Cache<TenantId, Arc<Hotel>>,
}

impl Hotels {
    /// A cache of at most `capacity` hotels.
    pub fn new(store: Store, secrets: SecretStore, capacity: u64) -> Self {
        Hotels {
            store,
            secrets,
            entries: Cache::builder()
                .max_capacity(capacity)
                .time_to_idle(IDLE)
                .build(),
        }
    }

    /// The hotel as of `stamp`, the stamp its caller's request just read;
    /// without one (the `--insecure-tenant` caller), it is read here.
    pub async fn get(
        &self,
        tenant: &TenantId,
        stamp: Option<TenantStamp>,
    ) -> Result<Arc<Hotel>, StorageError> {
        let stamp =
            match stamp {
                Some(stamp) => stamp,
                None => self.store.tenant_stamp(tenant).await?.ok_or_else(|| {
                    StorageError::NotFound {
                        what: "tenant",
                        id: tenant.to_string(),
                    }
                })?,
            };
        if let Some(hotel) = self.entries.get(tenant).await
            && hotel.stamp == stamp
        {
            return Ok(hotel);
        }
        // Read after the stamp, so at least as new as the stamp says.
        let hotel = Arc::new(Hotel {
            stamp,
            policy: self.store.hotel_policy(tenant).await?,
            credentials: self.secrets.active(tenant).await?,
        });
        self.entries.insert(tenant.clone(), hotel.clone()).await;
        Ok(hotel)
    }
}
