//! What the database need not keep for ever, purged at start and then every
//! hour by a background task: REST connections idle past
//! `CONNECTION_IDLE_TTL`, and audit entries older than `AUDIT_RETENTION`.
//! Every replica runs it; the deletes are idempotent.

use std::time::Duration;

use tokio_util::sync::CancellationToken;

use crate::storage::Store;

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
            match store.purge_expired_connections(idle_ttl).await {
                Ok(0) => {}
                Ok(purged) => tracing::info!(purged, "expired REST connections purged"),
                Err(error) => tracing::warn!(%error, "purging expired connections failed"),
            }
            match store.purge_audit(audit_retention).await {
                Ok(0) => {}
                Ok(purged) => tracing::info!(purged, "audit entries past AUDIT_RETENTION purged"),
                Err(error) => tracing::warn!(%error, "purging the audit trail failed"),
            }
        }
    });
}
