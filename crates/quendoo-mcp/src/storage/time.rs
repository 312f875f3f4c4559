//! Timestamps are stored as unix milliseconds (portable across backends) and
//! exposed as `DateTime<Utc>`.

use std::time::Duration;

use chrono::{DateTime, Utc};

use super::StorageError;

pub(super) fn now_ms() -> i64 {
    Utc::now().timestamp_millis()
}

pub(super) fn from_ms(ms: i64) -> Result<DateTime<Utc>, StorageError> {
    DateTime::from_timestamp_millis(ms)
        .ok_or_else(|| StorageError::Corrupt(format!("timestamp {ms} is out of range")))
}

/// The oldest `last_used_at` that still counts as alive for `idle_ttl`.
pub(super) fn cutoff_ms(idle_ttl: Duration) -> i64 {
    let ttl = i64::try_from(idle_ttl.as_millis()).unwrap_or(i64::MAX);
    now_ms().saturating_sub(ttl)
}
