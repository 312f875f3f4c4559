//! A running server, its database and the PMS simulator, for end-to-end
//! tests over real sockets.

use std::{net::SocketAddr, time::Duration};

use quendoo_mcp::{
    app::Application,
    auth::JwtKeys,
    config::{ServeArgs, Settings},
    crypto::{Cipher, EncryptionKey},
    domain::{KeyName, TenantId},
    http::AppState,
    policy::{HotelPolicy, WriteMode},
};
use quendoo_sim::{PropertySpec, RunningSim, SimConfig};
use secrecy::SecretString;

use super::TestDb;

pub const JWT_SECRET: &str = "test-secret-that-is-at-least-32-bytes-long";

/// One hotel: a tenant here, a property in the simulator, and a token.
#[derive(Clone, Debug)]
pub struct Hotel {
    pub tenant: TenantId,
    pub spec: PropertySpec,
    pub token: String,
}

pub struct TestApp {
    pub base: String,
    pub addr: SocketAddr,
    /// The `METRICS_ADDR` listener's address, when the test set one.
    pub metrics_addr: Option<SocketAddr>,
    pub state: AppState,
    pub sim: RunningSim,
    pub db: TestDb,
    /// The master key, so that a second replica can read the same secrets.
    key: SecretString,
    server: Server,
}

/// Another server on the same database, simulator and secrets as a
/// `TestApp`: a second replica behind the same load balancer.
pub struct Replica {
    pub addr: SocketAddr,
    pub state: AppState,
    server: Server,
}

async fn start(
    serve: ServeArgs,
    database_url: &str,
    key: &SecretString,
) -> (SocketAddr, Option<SocketAddr>, AppState, Server) {
    use secrecy::ExposeSecret;
    let key = EncryptionKey::from_base64(key.expose_secret()).expect("master key");
    let settings = Settings {
        serve,
        database_url: database_url.to_owned().into(),
        cipher: Cipher::new(&key, &[]),
        jwt: JwtKeys::new(&JWT_SECRET.into(), None, None),
    };
    let app = Application::build(settings).await.expect("application");
    let (addr, metrics_addr) = (app.local_addr(), app.metrics_addr());
    let state = app.state().clone();
    (
        addr,
        metrics_addr,
        state,
        tokio::spawn(app.run_until_stopped()),
    )
}

impl Replica {
    pub async fn shut_down(self) -> std::io::Result<()> {
        self.state.shutdown.cancel();
        self.server.await.expect("the server task")
    }
}

/// The task serving requests until shutdown.
type Server = tokio::task::JoinHandle<std::io::Result<()>>;

/// How a test wants the server configured, beyond the defaults.
pub type Tweak = fn(&mut ServeArgs);

impl TestApp {
    pub async fn spawn(db: TestDb) -> TestApp {
        Self::spawn_with(db, |_| {}).await
    }

    pub async fn spawn_with(db: TestDb, tweak: Tweak) -> TestApp {
        let sim = RunningSim::start(SimConfig::default(), "127.0.0.1:0".parse().unwrap())
            .await
            .expect("simulator");
        let mut serve = ServeArgs {
            port: 0,
            quendoo_base_url: sim.pms_base_url(),
            quendoo_email_url: Some(sim.email_base_url()),
            quendoo_automation_url: Some(sim.automation_base_url()),
            quendoo_request_timeout: Duration::from_secs(3),
            ..ServeArgs::default()
        };
        tweak(&mut serve);
        let key = EncryptionKey::generate().unwrap().to_base64();
        let (addr, metrics_addr, state, server) = start(serve, &db.url, &key).await;
        TestApp {
            base: format!("http://{addr}"),
            addr,
            metrics_addr,
            state,
            sim,
            db,
            key,
            server,
        }
    }

    /// A second server on this one's database, simulator and secrets, with
    /// its own configuration tweaks.
    pub async fn replica(&self, tweak: Tweak) -> Replica {
        let mut serve = (*self.state.config).clone();
        serve.port = 0;
        tweak(&mut serve);
        let (addr, _, state, server) = start(serve, &self.db.url, &self.key).await;
        Replica {
            addr,
            state,
            server,
        }
    }

    /// Starts the server's graceful shutdown (as SIGTERM does) and waits
    /// until it has finished.
    pub async fn shut_down(self) -> std::io::Result<()> {
        self.state.shutdown.cancel();
        self.server.await.expect("the server task")
    }

    /// A hotel with all three credentials stored, reachable in the simulator.
    pub async fn hotel(&self, name: &str) -> Hotel {
        let hotel = self.hotel_without_keys(name).await;
        for (key_name, value) in [
            (KeyName::QuendooApiKey, &hotel.spec.api_key),
            (KeyName::EmailApiKey, &hotel.spec.email_bearer),
            (
                KeyName::QuendooAutomationBearer,
                &hotel.spec.automation_bearer,
            ),
        ] {
            self.state
                .secrets
                .set(&hotel.tenant, key_name, &SecretString::from(value.clone()))
                .await
                .expect("store secret");
        }
        hotel
    }

    /// `hotel`'s writes run when called, without a preview to confirm first
    /// (the operator's `pms_writes` and `comms` set to `direct`).
    pub async fn direct_writes(&self, hotel: &Hotel) {
        let policy = HotelPolicy {
            pms_writes: WriteMode::Direct,
            comms: WriteMode::Direct,
            ..HotelPolicy::default()
        };
        self.set_policy(hotel, policy).await;
    }

    /// Sets `hotel`'s policy as the operator would.
    pub async fn set_policy(&self, hotel: &Hotel, policy: HotelPolicy) {
        self.state
            .store
            .set_hotel_policy(&hotel.tenant, &policy)
            .await
            .expect("hotel policy");
    }

    /// A tenant and a simulator property, but no credential stored yet.
    pub async fn hotel_without_keys(&self, name: &str) -> Hotel {
        let tenant = self
            .state
            .store
            .create_tenant(None, name)
            .await
            .expect("tenant")
            .id;
        let unique = uuid::Uuid::new_v4().simple().to_string();
        let spec = PropertySpec {
            api_key: format!("pms-{unique}"),
            email_bearer: format!("email-{unique}"),
            automation_bearer: format!("call-{unique}"),
        };
        self.sim.add_property(spec.clone());
        let token = self.token_for(&tenant);
        Hotel {
            tenant,
            spec,
            token,
        }
    }

    pub fn token_for(&self, tenant: &TenantId) -> String {
        self.state
            .auth
            .jwt()
            .issue(tenant, None, Duration::from_secs(3600))
            .expect("token")
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// The master key (base64), as `ENCRYPTION_KEY` for the CLI on this
    /// server's database.
    pub fn master_key(&self) -> &SecretString {
        &self.key
    }
}
