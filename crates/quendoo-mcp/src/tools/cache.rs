//! Per-tenant caches of PMS facts that almost never change (room names, the
//! active booking module), and of the hotel's bookings for a few seconds,
//! because every booking tool reads the whole list. A key holds the tenant and a fingerprint of the
//! tenant's API key, so a hotel that changes its key never sees data fetched
//! with the old one, and no tenant ever sees another's.

use std::{
    collections::HashMap,
    hash::{BuildHasher, RandomState},
    sync::Arc,
    time::Duration,
};

use moka::future::Cache;
use secrecy::{ExposeSecret, SecretString};
use serde_json::Value;

use crate::domain::TenantId;

const MAX_TENANTS: u64 = 50_000;
const ROOM_NAMES_TTL: Duration = Duration::from_secs(10 * 60);
const BOOKING_MODULE_TTL: Duration = Duration::from_secs(60 * 60);
/// Long enough to serve a model's burst of booking questions with one
/// `getBookings`, short enough that changes made outside us show soon; our
/// own booking writes forget the entry at once.
const BOOKINGS_TTL: Duration = Duration::from_secs(20);

/// Room id to room name, as the PMS names them.
pub type RoomNames = Arc<HashMap<i64, String>>;

#[derive(Clone, Debug, Hash, PartialEq, Eq)]
pub struct CacheKey {
    tenant: TenantId,
    key_fingerprint: u64,
}

#[derive(Clone)]
pub struct PmsCaches {
    pub(super) room_names: Cache<CacheKey, RoomNames>,
    pub(super) booking_modules: Cache<CacheKey, String>,
    /// The `getBookings` answer as it came.
    pub(super) bookings: Cache<CacheKey, Arc<Value>>,
    /// Randomly keyed per process: the fingerprint reveals nothing of the key.
    hasher: RandomState,
}

impl PmsCaches {
    pub fn new() -> Self {
        Self {
            room_names: Cache::builder()
                .max_capacity(MAX_TENANTS)
                .time_to_live(ROOM_NAMES_TTL)
                .build(),
            booking_modules: Cache::builder()
                .max_capacity(MAX_TENANTS)
                .time_to_live(BOOKING_MODULE_TTL)
                .build(),
            bookings: Cache::builder()
                .max_capacity(MAX_TENANTS)
                .time_to_live(BOOKINGS_TTL)
                .build(),
            hasher: RandomState::new(),
        }
    }

    pub fn key(&self, tenant: &TenantId, credential: &SecretString) -> CacheKey {
        CacheKey {
            tenant: tenant.clone(),
            key_fingerprint: self.hasher.hash_one(credential.expose_secret()),
        }
    }
}

impl Default for PmsCaches {
    fn default() -> Self {
        Self::new()
    }
}
