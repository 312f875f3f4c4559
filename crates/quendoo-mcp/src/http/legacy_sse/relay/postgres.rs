//! The relay on PostgreSQL: records in `sse_sessions`, answers in
//! `sse_messages`, and a `NOTIFY` on the holding replica's channel with the
//! answer's id (a payload is limited to 8000 bytes; an answer is not).

use std::time::Duration;

use sqlx::postgres::PgListener;
use tokio_util::sync::CancellationToken;

use super::{RelayError, Start, pause_before_retry};
use crate::{
    domain::TenantId,
    http::legacy_sse::sessions::LocalStreams,
    storage::{SseClaim, Store},
};

#[derive(Clone)]
pub struct PostgresRelay {
    store: Store,
    alive: Duration,
}

fn channel(replica: &str) -> String {
    format!("quendoo_sse_{replica}")
}

impl PostgresRelay {
    pub async fn start(store: Store, url: &str, start: &Start<'_>) -> Result<Self, RelayError> {
        let mut listener = PgListener::connect(url)
            .await
            .map_err(|e| RelayError::new("listening on PostgreSQL", e))?;
        listener
            .listen(&channel(start.replica))
            .await
            .map_err(|e| RelayError::new("listening on PostgreSQL", e))?;
        tokio::spawn(receive(
            listener,
            store.clone(),
            start.local.clone(),
            start.shutdown.clone(),
        ));
        Ok(PostgresRelay {
            store,
            alive: start.alive(),
        })
    }

    pub async fn open(
        &self,
        session: &str,
        replica: &str,
        owner: Option<&TenantId>,
    ) -> Result<(), RelayError> {
        Ok(self.store.sse_open(session, replica, owner).await?)
    }

    pub async fn close(&self, session: &str) -> Result<(), RelayError> {
        Ok(self.store.sse_close(session).await?)
    }

    pub async fn claim(&self, session: &str, tenant: &TenantId) -> Result<SseClaim, RelayError> {
        Ok(self.store.sse_claim(session, tenant, self.alive).await?)
    }

    pub async fn send(&self, holder: &str, session: &str, message: &str) -> Result<(), RelayError> {
        Ok(self
            .store
            .sse_send(&channel(holder), session, message)
            .await?)
    }

    pub async fn heartbeat(&self, replica: &str) -> Result<(), RelayError> {
        Ok(self.store.sse_heartbeat(replica, self.alive).await?)
    }
}

/// Takes each notified answer and queues it on its stream. `PgListener`
/// reconnects by itself; answers notified while it was away wait in the
/// table until the heartbeat purges them.
async fn receive(
    mut listener: PgListener,
    store: Store,
    local: LocalStreams,
    shutdown: CancellationToken,
) {
    loop {
        let notification = tokio::select! {
            () = shutdown.cancelled() => return,
            notification = listener.recv() => notification,
        };
        let id = match notification {
            Ok(notification) => notification.payload().parse::<i64>(),
            Err(error) => {
                tracing::warn!(error = %RelayError::new("PostgreSQL listener", error), "relay");
                if pause_before_retry(&shutdown).await {
                    continue;
                }
                return;
            }
        };
        let Ok(id) = id else { continue };
        match store.sse_take(id).await {
            Ok(Some((session, body))) => {
                local.send(&session, body);
            }
            Ok(None) => {}
            Err(error) => tracing::warn!(%error, "could not take a relayed /sse answer"),
        }
    }
}
