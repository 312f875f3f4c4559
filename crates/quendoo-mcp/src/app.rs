//! Building and running the HTTP application (zero2prod style): `build`
//! binds its own listener, so `port: 0` works in tests.

use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::Context;
use secrecy::ExposeSecret;
use tokio::net::TcpListener;

use crate::auth::JwtKeys;
use crate::config::{ServeArgs, Settings};
use crate::http;
use crate::secrets::SecretStore;
use crate::storage::{Store, redact_database_url};

/// What every request handler may use.
#[derive(Debug, Clone)]
pub struct AppState {
    pub store: Store,
    pub secrets: SecretStore,
    pub jwt: Arc<JwtKeys>,
    pub config: Arc<ServeArgs>,
}

pub struct Application {
    listener: TcpListener,
    state: AppState,
}

impl Application {
    /// Connects to and migrates the database, then binds the listener.
    pub async fn build(settings: Settings) -> anyhow::Result<Application> {
        let Settings {
            serve,
            database_url,
            cipher,
            jwt,
        } = settings;
        let url = database_url.expose_secret();
        let store = Store::connect(url)
            .await
            .with_context(|| format!("cannot open the database {}", redact_database_url(url)))?;
        store.migrate().await?;
        let addr = SocketAddr::new(serve.host, serve.port);
        let listener = TcpListener::bind(addr)
            .await
            .with_context(|| format!("cannot listen on {addr}"))?;
        let state = AppState {
            secrets: SecretStore::new(store.clone(), Arc::new(cipher)),
            store,
            jwt: Arc::new(jwt),
            config: Arc::new(serve),
        };
        Ok(Application { listener, state })
    }

    pub fn port(&self) -> u16 {
        self.local_addr().port()
    }

    pub fn local_addr(&self) -> SocketAddr {
        // A bound listener always has a local address; fall back to the
        // configured one rather than panicking if the OS says otherwise.
        self.listener.local_addr().unwrap_or(SocketAddr::new(
            self.state.config.host,
            self.state.config.port,
        ))
    }

    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Serves until Ctrl-C or SIGTERM, then finishes in-flight requests.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let router = http::router(self.state);
        axum::serve(self.listener, router)
            .with_graceful_shutdown(shutdown_signal())
            .await
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down");
}
