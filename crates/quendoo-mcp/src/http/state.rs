//! What every request handler may use, built once by `app::Application`.

use std::sync::Arc;

use tokio_util::sync::CancellationToken;

use super::host_guard::HostGuard;
use super::legacy_sse::Sessions;
use super::oauth::clients::Clients;
use crate::auth::Authenticator;
use crate::config::ServeArgs;
use crate::limits::Limits;
use crate::metrics::{Levels, Metrics};
use crate::protocol::Protocol;
use crate::secrets::SecretStore;
use crate::storage::Store;

/// What every request handler may use: one allocation, so that the copy
/// each route and layer takes per request is a single reference count.
#[derive(Clone)]
pub struct AppState(Arc<Shared>);

impl AppState {
    pub fn new(shared: Shared) -> Self {
        AppState(Arc::new(shared))
    }
}

impl std::ops::Deref for AppState {
    type Target = Shared;

    fn deref(&self) -> &Shared {
        &self.0
    }
}

/// The parts of [`AppState`].
pub struct Shared {
    pub store: Store,
    pub secrets: SecretStore,
    pub auth: Authenticator,
    /// The MCP surface (tools, resources, prompts) over the tool executor.
    pub protocol: Protocol,
    pub host_guard: Arc<HostGuard>,
    /// Rates and numbers in flight, per hotel and per address.
    pub limits: Limits,
    pub metrics: Metrics,
    /// The OAuth server's clients (registered, or by metadata document).
    pub oauth_clients: Clients,
    pub config: Arc<ServeArgs>,
    /// The legacy transport's `/sse` sessions; `None` when it is switched off.
    pub sse_sessions: Option<Sessions>,
    /// Cancelled when the server starts shutting down (SIGTERM, Ctrl-C, or
    /// anyone holding it): long-lived responses end, so the drain can finish.
    pub shutdown: CancellationToken,
}

impl Shared {
    /// The gauges of `/metrics`, as they are now.
    pub fn levels(&self) -> Levels {
        let (db_connections, db_idle_connections) = self.store.pool_status();
        Levels {
            open_sse_streams: self.sse_sessions.as_ref().map_or(0, Sessions::open_streams),
            audit_queue: self.protocol.executor().audit_queue_depth(),
            db_connections,
            db_idle_connections,
            log_lines_dropped: crate::telemetry::dropped_log_lines(),
        }
    }
}
