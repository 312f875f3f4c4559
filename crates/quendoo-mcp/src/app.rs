//! Building and running the HTTP application (zero2prod style): `build`
//! binds its own listener, so `port: 0` works in tests.

use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::Context;
use secrecy::ExposeSecret;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

use quendoo_api::{ClientConfig, QuendooClient};
use url::Url;

use crate::auth::Authenticator;
use crate::config::{MIN_ADMIN_TOKEN_BYTES, ServeArgs, Settings};
use crate::confirmation::Confirmations;
use crate::demo::Demo;
use crate::domain::TenantId;
use crate::executor::{CallSettings, Executor, UpstreamObserver};
use crate::http::host_guard::HostGuard;
use crate::http::legacy_sse::{RelayTarget, Sessions};
use crate::http::oauth::clients::Clients;
use crate::http::{self, AppState, Shared};
use crate::limits::Limits;
use crate::metrics::Metrics;
use crate::protocol::Protocol;
use crate::retention;
use crate::secrets::SecretStore;
use crate::server::{self, Bounds};
use crate::storage::{Backend, Store, redact_database_url};

/// Connections the `METRICS_ADDR` listener takes at once: scrapers are few.
const METRICS_CONNECTIONS: usize = 64;

pub struct Application {
    listener: TcpListener,
    /// `METRICS_ADDR`'s listener, serving only `/metrics`.
    metrics_listener: Option<TcpListener>,
    state: AppState,
    /// In demo mode, the simulator (kept running with the server) and the demo hotel.
    demo: Option<(Demo, TenantId)>,
}

impl Application {
    /// Connects to and migrates the database, then binds the listener.
    pub async fn build(settings: Settings) -> anyhow::Result<Application> {
        let Settings {
            mut serve,
            database_url,
            cipher,
            jwt,
        } = settings;
        let url = database_url.expose_secret();
        let store = Store::connect(url)
            .await
            .with_context(|| format!("cannot open the database {}", redact_database_url(url)))?;
        store.migrate().await?;
        if let Some(token) = &serve.admin_token {
            anyhow::ensure!(
                token.expose_secret().len() >= MIN_ADMIN_TOKEN_BYTES,
                "ADMIN_TOKEN is too short (at least {MIN_ADMIN_TOKEN_BYTES} bytes are needed); run `quendoo-mcp keygen` to make one"
            );
        }
        let demo = if serve.demo {
            Some(Demo::start(&mut serve).await?)
        } else {
            None
        };
        let secrets = SecretStore::new(store.clone(), Arc::new(cipher));
        let demo = match demo {
            Some(demo) => {
                let tenant = demo.provision(&store, &secrets).await?;
                Some((demo, tenant))
            }
            None => None,
        };
        anyhow::ensure!(
            !serve.oauth_cimd_allow_loopback || serve.host.is_loopback(),
            "OAUTH_CIMD_ALLOW_LOOPBACK is for tests and is refused unless HOST is a loopback address"
        );
        if let Some(tenant) = &serve.insecure_tenant {
            anyhow::ensure!(
                serve.host.is_loopback(),
                "--insecure-tenant switches authentication off and is refused unless HOST is a loopback address"
            );
            store
                .get_tenant(tenant)
                .await?
                .with_context(|| format!("--insecure-tenant: tenant '{tenant}' does not exist"))?;
            tracing::warn!(%tenant, "authentication is OFF: every request acts for this tenant (testing only)");
        }
        let metrics = Metrics::new();
        let client = QuendooClient::new(client_config(&serve, &metrics)?)?;
        let addr = SocketAddr::new(serve.host, serve.port);
        let listener = TcpListener::bind(addr)
            .await
            .with_context(|| format!("cannot listen on {addr}"))?;
        let metrics_listener = match serve.metrics_addr {
            Some(addr) => Some(
                TcpListener::bind(addr)
                    .await
                    .with_context(|| format!("cannot listen on METRICS_ADDR {addr}"))?,
            ),
            None => None,
        };
        let shutdown = CancellationToken::new();
        let sse_sessions = if serve.legacy_sse {
            let relay = relay_target(&serve, &store, url);
            let sessions = Sessions::start(relay, serve.legacy_sse_keepalive, shutdown.clone())
                .await
                .context("cannot share /sse streams between replicas")?;
            Some(sessions)
        } else {
            None
        };
        retention::start(
            store.for_background(),
            serve.connection_idle_ttl,
            serve.audit_retention,
            shutdown.clone(),
        );
        let redis = serve.redis_url.as_ref().map(ExposeSecret::expose_secret);
        let limits = Limits::start(serve.call_bounds(), redis, &metrics)
            .await
            .context("cannot count limits in Redis (REDIS_URL)")?;
        let state = AppState::new(Shared {
            protocol: Protocol::new(Executor::new(
                client,
                secrets.clone(),
                store.clone(),
                CallSettings {
                    people_hourly_limit: serve.comms_hourly_limit,
                    deadline: serve.tool_call_timeout,
                    confirmations: Confirmations::new(
                        jwt.confirmation_key(),
                        serve.confirmation_ttl,
                    ),
                    result_budget: serve.result_budget,
                    hotel_cache_capacity: serve.hotel_cache_capacity,
                },
                limits.tenant_calls.clone(),
                metrics.clone(),
            )),
            metrics,
            limits,
            auth: Authenticator::new(
                jwt,
                serve.hotel_cache_capacity,
                store.clone(),
                serve.insecure_tenant.clone(),
            ),
            host_guard: Arc::new(HostGuard::new(&serve.allowed_hosts, &serve.allowed_origins)),
            oauth_clients: Clients::new(store.clone(), serve.oauth_cimd_allow_loopback),
            secrets,
            store,
            config: Arc::new(serve),
            sse_sessions,
            shutdown,
        });
        Ok(Application {
            listener,
            metrics_listener,
            state,
            demo,
        })
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

    /// Where `/metrics` is served without a token, when `METRICS_ADDR` is set.
    pub fn metrics_addr(&self) -> Option<SocketAddr> {
        self.metrics_listener
            .as_ref()
            .and_then(|listener| listener.local_addr().ok())
    }

    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// In demo mode, the welcome text with a token and client setups.
    pub fn demo_welcome(&self) -> anyhow::Result<Option<String>> {
        self.demo
            .as_ref()
            .map(|(demo, tenant)| {
                let auth_off = self.state.config.insecure_tenant.is_some();
                demo.welcome(self.local_addr(), self.state.auth.jwt(), tenant, auth_off)
            })
            .transpose()
    }

    /// Serves until Ctrl-C, SIGTERM or `AppState::shutdown`, then ends the
    /// open event streams and finishes in-flight requests.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let shutdown = self.state.shutdown.clone();
        let bounds = Bounds {
            max_connections: self.state.config.max_connections,
            header_read_timeout: self.state.config.header_read_timeout,
        };
        if let Some(listener) = self.metrics_listener {
            let router = http::metrics::listener_router(self.state.clone());
            let bounds = Bounds {
                max_connections: METRICS_CONNECTIONS,
                ..bounds
            };
            let shutdown = shutdown.clone();
            tokio::spawn(async move {
                if let Err(error) = server::serve(listener, router, bounds, shutdown).await {
                    tracing::error!(%error, "the METRICS_ADDR listener stopped");
                }
            });
        }
        let router = http::router(self.state);
        let signalled = shutdown.clone();
        tokio::spawn(async move {
            tokio::select! {
                () = shutdown_signal() => signalled.cancel(),
                () = signalled.cancelled() => {},
            }
        });
        server::serve(self.listener, router, bounds, shutdown).await
    }
}

/// Where replicas share `/sse` streams: Redis when configured, else
/// PostgreSQL when that is the database (SQLite runs one replica).
fn relay_target(serve: &ServeArgs, store: &Store, database_url: &str) -> Option<RelayTarget> {
    match (&serve.redis_url, store.backend()) {
        (Some(url), _) => Some(RelayTarget::Redis {
            url: url.expose_secret().to_owned(),
        }),
        (None, Backend::Postgres) => Some(RelayTarget::Postgres {
            store: store.clone(),
            url: database_url.to_owned(),
        }),
        (None, Backend::Sqlite) => None,
    }
}

/// The PMS client's settings from the serve options.
fn client_config(serve: &ServeArgs, metrics: &Metrics) -> anyhow::Result<ClientConfig> {
    let url = |text: &str, var: &str| {
        Url::parse(text).with_context(|| format!("{var} is not a valid URL"))
    };
    Ok(ClientConfig {
        pms_base_url: url(&serve.quendoo_base_url, "QUENDOO_BASE_URL")?,
        email_base_url: serve
            .quendoo_email_url
            .as_deref()
            .map(|u| url(u, "QUENDOO_EMAIL_URL"))
            .transpose()?,
        automation_base_url: serve
            .quendoo_automation_url
            .as_deref()
            .map(|u| url(u, "QUENDOO_AUTOMATION_URL"))
            .transpose()?,
        connect_timeout: serve.quendoo_connect_timeout,
        request_timeout: serve.quendoo_request_timeout,
        max_response_bytes: serve.quendoo_max_response_bytes,
        answers_in_flight_bytes: serve.quendoo_answers_in_flight_bytes,
        observer: Some(Arc::new(UpstreamObserver(metrics.clone()))),
        ..ClientConfig::default()
    })
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
