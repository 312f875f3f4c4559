//! The running simulator: an axum server on a tokio task.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::task::JoinHandle;

use crate::routes::{self, AUTOMATION_PREFIX, EMAIL_PREFIX, PMS_PREFIX};
use crate::state::SimState;
use crate::{Fault, PropertySpec, RecordedRequest, SentMessage, SimConfig};

/// How long `shutdown` waits for in-flight requests.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

/// A simulator serving on a tokio task; stops on [`RunningSim::shutdown`] or drop.
pub struct RunningSim {
    addr: SocketAddr,
    state: Arc<SimState>,
    task: Option<JoinHandle<()>>,
}

impl RunningSim {
    /// Binds `addr` (port 0 picks a free port), creates the configured
    /// properties and starts serving.
    pub async fn start(config: SimConfig, addr: SocketAddr) -> std::io::Result<RunningSim> {
        let listener = TcpListener::bind(addr).await?;
        let addr = listener.local_addr()?;
        let state = Arc::new(SimState::new(config.seed));
        for spec in config.properties {
            state.add_property(spec);
        }
        let mut stopped = state.stopped.subscribe();
        let app = routes::router(state.clone());
        let task = tokio::spawn(async move {
            let serve = axum::serve(listener, app).with_graceful_shutdown(async move {
                let _ = stopped.wait_for(|stopped| *stopped).await;
            });
            if let Err(err) = serve.await {
                tracing::error!(error = %err, "simulator stopped serving");
            }
        });
        Ok(RunningSim {
            addr,
            state,
            task: Some(task),
        })
    }

    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://HOST:PORT/api/pms/v1`.
    pub fn pms_base_url(&self) -> String {
        self.url(PMS_PREFIX)
    }

    /// `http://HOST:PORT/email`; the endpoint is `POST .../send_quendoo_email`.
    pub fn email_base_url(&self) -> String {
        self.url(EMAIL_PREFIX)
    }

    /// `http://HOST:PORT/automation`; the endpoint is `POST .../make_call`.
    pub fn automation_base_url(&self) -> String {
        self.url(AUTOMATION_PREFIX)
    }

    /// Adds a property with deterministic data from `(seed, api_key)`. A key
    /// already present keeps its state and takes the given bearers.
    pub fn add_property(&self, spec: PropertySpec) {
        self.state.add_property(spec);
    }

    /// Makes `alias` answer as the property of `key` (the same data and
    /// state): many keys for one property's memory, as benchmarks of many
    /// hotels want. False if there is no such property or `alias` is taken.
    pub fn alias_key(&self, alias: &str, key: &str) -> bool {
        self.state.alias_key(alias, key)
    }

    /// Creates a property with random credentials and returns them.
    pub fn demo_property(&self) -> PropertySpec {
        self.state.demo_property()
    }

    /// Requests to the simulated services, oldest first (not `/__sim`).
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.state.recorder.all()
    }

    pub fn clear_requests(&self) {
        self.state.recorder.clear();
    }

    /// How many requests are kept (default 10 000; the oldest go first);
    /// 0 turns recording off, as benchmarks want.
    pub fn set_record_limit(&self, limit: usize) {
        self.state.recorder.set_limit(limit);
    }

    /// E-mails and calls accepted, oldest first.
    pub fn outbox(&self) -> Vec<SentMessage> {
        self.state.outbox()
    }

    pub fn clear_outbox(&self) {
        self.state.clear_outbox();
    }

    /// Adds a fault rule; rules are checked in the order they were set and
    /// the first that applies is played.
    pub fn set_fault(&self, fault: Fault) {
        self.state.faults.add(fault);
    }

    pub fn clear_faults(&self) {
        self.state.faults.clear();
    }

    /// The property's full state, `None` for an unknown key.
    pub fn snapshot(&self, api_key: &str) -> Option<serde_json::Value> {
        self.state.snapshot(api_key)
    }

    /// Stops serving: hanging requests end, in-flight ones get a short grace.
    pub async fn shutdown(mut self) {
        self.state.stop();
        if let Some(mut task) = self.task.take()
            && tokio::time::timeout(SHUTDOWN_GRACE, &mut task)
                .await
                .is_err()
        {
            task.abort();
        }
    }

    fn url(&self, prefix: &str) -> String {
        let ip = match self.addr.ip() {
            IpAddr::V4(ip) if ip.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
            IpAddr::V6(ip) if ip.is_unspecified() => IpAddr::V6(Ipv6Addr::LOCALHOST),
            ip => ip,
        };
        format!("http://{}{prefix}", SocketAddr::new(ip, self.addr.port()))
    }
}

impl Drop for RunningSim {
    fn drop(&mut self) {
        self.state.stop();
    }
}
