//! What the replicas share about `/sse` streams: who owns each one, and the
//! answers on their way to the replica that holds it. PostgreSQL
//! (`LISTEN/NOTIFY`, with the records in tables) when that is the database;
//! Redis (pub/sub, with the records in a hash per replica) when `REDIS_URL`
//! is set, which takes precedence.

mod postgres;
mod redis;

use std::time::Duration;

use tokio_util::sync::CancellationToken;

use super::sessions::LocalStreams;
use crate::{domain::TenantId, storage::SseClaim, storage::redact_database_url};

/// Where the relay lives.
pub enum RelayTarget {
    Postgres {
        store: crate::storage::Store,
        url: String,
    },
    Redis {
        url: String,
    },
}

#[derive(Clone)]
pub enum Relay {
    Postgres(postgres::PostgresRelay),
    Redis(redis::RedisRelay),
}

/// A relay failure, with any credential in it removed.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct RelayError(String);

impl RelayError {
    fn new(what: &str, error: impl std::fmt::Display) -> Self {
        RelayError(redact_database_url(&format!("{what}: {error}")))
    }
}

impl From<crate::storage::StorageError> for RelayError {
    fn from(error: crate::storage::StorageError) -> Self {
        RelayError(error.to_string())
    }
}

/// Everything a relay needs to start.
pub struct Start<'a> {
    pub replica: &'a str,
    /// Where answers for this replica's streams go.
    pub local: LocalStreams,
    /// How often this replica says its streams are still open.
    pub heartbeat: Duration,
    pub shutdown: CancellationToken,
}

impl Start<'_> {
    /// Records of a replica that has not refreshed them for this long are gone.
    fn alive(&self) -> Duration {
        self.heartbeat * 3 + Duration::from_secs(1)
    }
}

impl Relay {
    /// Connects, subscribes to this replica's answers and starts the heartbeat.
    pub async fn start(target: RelayTarget, start: Start<'_>) -> Result<Relay, RelayError> {
        let relay = match target {
            RelayTarget::Postgres { store, url } => {
                Relay::Postgres(postgres::PostgresRelay::start(store, &url, &start).await?)
            }
            RelayTarget::Redis { url } => {
                Relay::Redis(redis::RedisRelay::start(&url, &start).await?)
            }
        };
        tokio::spawn(heartbeats(
            relay.clone(),
            start.replica.to_owned(),
            start.heartbeat,
            start.shutdown.clone(),
        ));
        Ok(relay)
    }

    pub async fn open(
        &self,
        session: &str,
        replica: &str,
        owner: Option<&TenantId>,
    ) -> Result<(), RelayError> {
        match self {
            Relay::Postgres(relay) => relay.open(session, replica, owner).await,
            Relay::Redis(relay) => relay.open(session, replica, owner).await,
        }
    }

    pub async fn close(&self, session: &str, replica: &str) -> Result<(), RelayError> {
        match self {
            Relay::Postgres(relay) => relay.close(session).await,
            Relay::Redis(relay) => relay.close(session, replica).await,
        }
    }

    /// Claims the stream `session`, held by `holder`, for `tenant`.
    pub async fn claim(
        &self,
        session: &str,
        holder: &str,
        tenant: &TenantId,
    ) -> Result<SseClaim, RelayError> {
        match self {
            Relay::Postgres(relay) => relay.claim(session, tenant).await,
            Relay::Redis(relay) => relay.claim(session, holder, tenant).await,
        }
    }

    /// Hands `message` to `holder`, the replica that holds `session`'s stream.
    pub async fn send(&self, holder: &str, session: &str, message: &str) -> Result<(), RelayError> {
        match self {
            Relay::Postgres(relay) => relay.send(holder, session, message).await,
            Relay::Redis(relay) => relay.send(holder, session, message).await,
        }
    }

    async fn heartbeat(&self, replica: &str) -> Result<(), RelayError> {
        match self {
            Relay::Postgres(relay) => relay.heartbeat(replica).await,
            Relay::Redis(relay) => relay.heartbeat(replica).await,
        }
    }
}

async fn heartbeats(relay: Relay, replica: String, every: Duration, shutdown: CancellationToken) {
    let mut ticks = tokio::time::interval(every);
    loop {
        tokio::select! {
            () = shutdown.cancelled() => return,
            _ = ticks.tick() => {}
        }
        if let Err(error) = relay.heartbeat(&replica).await {
            tracing::warn!(%error, "could not refresh this replica's /sse streams");
        }
    }
}

/// Waits before a listener tries its connection again.
async fn pause_before_retry(shutdown: &CancellationToken) -> bool {
    tokio::select! {
        () = shutdown.cancelled() => false,
        () = tokio::time::sleep(Duration::from_secs(1)) => true,
    }
}
