//! What the database need not keep for ever, purged at start and then every
//! hour by a background task: REST connections idle past
//! `CONNECTION_IDLE_TTL`, audit entries older than `AUDIT_RETENTION`, and
//! the digests of used confirmation codes past their codes' expiry.
//! Every replica runs it; the deletes are idempotent.

use std::time::Duration;

use tokio_util::sync::CancellationToken;

use crate::storage::{StorageError, Store};

const EVERY: Duration = Duration::from_secs(3600);

pub fn start(
    store: Store,
    idle_ttl: Duration,
    audit_retention: Duration,
    shutdown: CancellationToken,
) {
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval(EVERY);
        loop {
            tokio::select! {
                () = shutdown.cancelled() => return,
                _ = ticks.tick() => {}
            }
            report(
                store.purge_expired_connections(idle_ttl).await,
                "expired REST connections purged",
                "purging expired connections failed",
            );
            report(
                store.purge_audit(audit_retention).await,
                "audit entries past AUDIT_RETENTION purged",
                "purging the audit trail failed",
            );
            report(
                store.purge_spent_confirmations().await,
                "digests of expired confirmation codes purged",
                "purging used confirmation codes failed",
            );
        }
    });
}

/// One purge's outcome in the log: how many rows went, or why none could.
fn report(purged: Result<u64, StorageError>, done: &str, failed: &str) {
    match purged {
        Ok(0) => {}
        Ok(purged) => tracing::info!(purged, "{done}"),
        Err(error) => tracing::warn!(%error, "{failed}"),
    }
}
