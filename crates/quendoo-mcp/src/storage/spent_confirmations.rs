//! Confirmation codes are sealed, so any replica can check one without the
//! database; that they run their write only once needs the database: the
//! first use of a code records its digest, in one INSERT that concurrent
//! uses on any replica cannot both pass (the digest is the primary key).

use std::time::Duration;

use super::error::db_error;
use super::time::now_ms;
use super::{StorageError, Store};

/// Replicas' clocks may disagree a little: a digest is kept this much longer
/// than the code could live, so no replica drops it while another would still
/// take the code.
const CLOCK_SKEW: Duration = Duration::from_secs(60);

impl Store {
    /// Records the use of the code whose digest is `digest`: `true` the first
    /// time, `false` if it was used before. The digest is kept for `keep`
    /// (the codes' lifetime: a code used now expires within it, and is
    /// refused as expired after that without this table) and then purged.
    pub async fn spend_confirmation(
        &self,
        digest: &str,
        keep: Duration,
    ) -> Result<bool, StorageError> {
        let keep = i64::try_from((keep + CLOCK_SKEW).as_millis()).unwrap_or(i64::MAX);
        let first: Option<String> = sqlx::query_scalar(
            "INSERT INTO spent_confirmations (digest, expires_at) VALUES ($1, $2) \
             ON CONFLICT (digest) DO NOTHING RETURNING digest",
        )
        .bind(digest)
        .bind(now_ms().saturating_add(keep))
        .fetch_optional(self.db())
        .await
        .map_err(db_error("recording the use of a confirmation code"))?;
        Ok(first.is_some())
    }

    /// Drops the digests of codes that have expired: they keep nothing out
    /// any more (the retention task).
    pub async fn purge_spent_confirmations(&self) -> Result<u64, StorageError> {
        let result = sqlx::query("DELETE FROM spent_confirmations WHERE expires_at < $1")
            .bind(now_ms())
            .execute(self.db())
            .await
            .map_err(db_error("purging used confirmation codes"))?;
        Ok(result.rows_affected())
    }
}
