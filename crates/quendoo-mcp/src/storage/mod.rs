//! Persistence: one implementation over sqlx's `Any` driver, so SQLite (the
//! embedded default) and PostgreSQL run the very same queries (`$1`-style
//! placeholders work on both). Only the migrations differ per backend.

mod api_keys;
mod audit;
mod connections;
mod error;
mod inline_epoch;
mod oauth;
mod own_connection;
mod people_calls;
mod policies;
mod recent;
mod row;
mod spent_confirmations;
mod sse_sessions;
mod stamps;
mod tenants;
mod time;
mod users;

use std::str::FromStr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use sqlx::any::{AnyPoolOptions, install_default_drivers};
use sqlx::migrate::{Migration, MigrationType, Migrator};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode};
use sqlx::{AnyConnection, AnyPool, ConnectOptions, Connection as _};

pub use api_keys::{KeyInfo, StoredKey};
pub use audit::{AuditEntry, AuditPage, AuditQuery, AuditRecord};
pub use connections::Connection;
pub use error::{StorageError, redact_database_url};
pub use oauth::{ClientKind, Grant, IssuedCode, OAuthClient, Redemption};
pub use people_calls::Reservation;
pub use sse_sessions::SseClaim;
pub use stamps::TenantStamp;
pub use tenants::Tenant;
pub use users::SignIn;
pub use users::User;

use error::db_error;
use own_connection::OwnConnection;

const MAX_CONNECTIONS: u32 = 10;
/// A database that does not answer within this time is reported as down
/// (the health check turns this into a 503) instead of hanging requests.
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(5);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn from_url(url: &str) -> Result<Self, StorageError> {
        if url.starts_with("sqlite:") {
            Ok(Backend::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Backend::Postgres)
        } else {
            Err(StorageError::UnsupportedUrl)
        }
    }

    fn migrations(self) -> Migrator {
        let sources: &[(i64, &str, &'static str)] = match self {
            Backend::Sqlite => &[
                (
                    1,
                    "init",
                    include_str!("../../migrations/sqlite/0001_init.sql"),
                ),
                (
                    2,
                    "oauth",
                    include_str!("../../migrations/sqlite/0002_oauth.sql"),
                ),
                (
                    3,
                    "people_calls",
                    include_str!("../../migrations/sqlite/0003_people_calls.sql"),
                ),
                (
                    4,
                    "audit_origin",
                    include_str!("../../migrations/sqlite/0004_audit_origin.sql"),
                ),
                (
                    5,
                    "hotel_policies",
                    include_str!("../../migrations/sqlite/0005_hotel_policies.sql"),
                ),
                (
                    6,
                    "tenant_generation",
                    include_str!("../../migrations/sqlite/0006_tenant_generation.sql"),
                ),
                (
                    7,
                    "cache_epoch",
                    include_str!("../../migrations/sqlite/0007_cache_epoch.sql"),
                ),
                (
                    8,
                    "spent_confirmations",
                    include_str!("../../migrations/sqlite/0008_spent_confirmations.sql"),
                ),
            ],
            Backend::Postgres => &[
                (
                    1,
                    "init",
                    include_str!("../../migrations/postgres/0001_init.sql"),
                ),
                (
                    2,
                    "sse_sessions",
                    include_str!("../../migrations/postgres/0002_sse_sessions.sql"),
                ),
                (
                    3,
                    "oauth",
                    include_str!("../../migrations/postgres/0003_oauth.sql"),
                ),
                (
                    4,
                    "people_calls",
                    include_str!("../../migrations/postgres/0004_people_calls.sql"),
                ),
                (
                    5,
                    "audit_origin",
                    include_str!("../../migrations/postgres/0005_audit_origin.sql"),
                ),
                (
                    6,
                    "hotel_policies",
                    include_str!("../../migrations/postgres/0006_hotel_policies.sql"),
                ),
                (
                    7,
                    "tenant_generation",
                    include_str!("../../migrations/postgres/0007_tenant_generation.sql"),
                ),
                (
                    8,
                    "cache_epoch",
                    include_str!("../../migrations/postgres/0008_cache_epoch.sql"),
                ),
                (
                    9,
                    "spent_confirmations",
                    include_str!("../../migrations/postgres/0009_spent_confirmations.sql"),
                ),
            ],
        };
        let migrations = sources
            .iter()
            .map(|&(version, name, sql)| {
                Migration::new(
                    version,
                    name.into(),
                    MigrationType::Simple,
                    sqlx::SqlSafeStr::into_sql_str(sql),
                    false,
                )
            })
            .collect();
        Migrator::with_migrations(migrations)
    }
}

/// The database handle: a connection pool, cheap to clone.
#[derive(Debug, Clone)]
pub struct Store {
    pool: AnyPool,
    backend: Backend,
    /// Round trips made through this handle and its clones (see `db`).
    queries: Arc<AtomicU64>,
    /// Answers to the lookup each request makes, shared by the clones.
    lookups: Arc<stamps::Lookups>,
    /// The connection the audit trail's one writer commits its groups on.
    audit_writer: Arc<OwnConnection>,
}

impl Store {
    /// Connects to `sqlite:...` (the file is created if missing and switched
    /// to WAL; foreign keys are on) or `postgres://...`.
    pub async fn connect(url: &str) -> Result<Store, StorageError> {
        let backend = Backend::from_url(url)?;
        install_default_drivers();
        let sqlite_file = match backend {
            Backend::Sqlite => Some(prepare_sqlite_file(url).await?),
            // One direct attempt first: a pool that cannot connect only says
            // "timed out", this says why (refused, unknown role, ...).
            Backend::Postgres => {
                AnyConnection::connect(url)
                    .await
                    .map_err(db_error("connecting to the database"))?
                    .close()
                    .await
                    .map_err(db_error("connecting to the database"))?;
                None
            }
        };
        let pool = AnyPoolOptions::new()
            .max_connections(MAX_CONNECTIONS)
            .acquire_timeout(ACQUIRE_TIMEOUT)
            // A ping before every acquire is a round trip per query (to the
            // SQLite worker thread, or to PostgreSQL over the network); a
            // connection found broken in use is dropped by the pool instead.
            .test_before_acquire(false)
            .after_connect(move |connection, _| Box::pin(prepare_connection(backend, connection)))
            .connect(url)
            .await
            .map_err(db_error("connecting to the database"))?;
        Ok(Store {
            pool,
            backend,
            queries: Arc::default(),
            lookups: Arc::new(stamps::Lookups::new(url, backend, sqlite_file)),
            audit_writer: Arc::new(OwnConnection::new(url, backend)),
        })
    }

    /// The pool, for one statement or one transaction, which is counted: the
    /// count is how tests see that a tool call makes one round trip.
    fn db(&self) -> &AnyPool {
        self.count_query();
        &self.pool
    }

    /// Counts one round trip made without the pool.
    fn count_query(&self) {
        self.queries.fetch_add(1, Ordering::Relaxed);
    }

    /// Statements (a transaction counts once) run through this handle and
    /// its clones, except those of [`Store::for_background`] handles.
    pub fn queries_run(&self) -> u64 {
        self.queries.load(Ordering::Relaxed)
    }

    /// The same pool, counted apart: for work that runs beside requests
    /// (the batched audit writer, retention), so that `queries_run` tells
    /// what requests cost.
    pub fn for_background(&self) -> Store {
        Store {
            queries: Arc::default(),
            ..self.clone()
        }
    }

    /// Connections the pool holds, and how many of them are idle.
    pub fn pool_status(&self) -> (u32, usize) {
        (self.pool.size(), self.pool.num_idle())
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Applies the pending migrations of this backend (idempotent).
    pub async fn migrate(&self) -> Result<(), StorageError> {
        self.backend
            .migrations()
            .run(self.db())
            .await
            .map_err(|e| StorageError::Database {
                operation: "running migrations",
                message: redact_database_url(&e.to_string()),
            })
    }

    /// A real round trip to the database (the health check).
    pub async fn ping(&self) -> Result<(), StorageError> {
        sqlx::query("SELECT 1")
            .execute(self.db())
            .await
            .map(drop)
            .map_err(db_error("checking the database"))
    }

    /// Closes the pool; every later operation fails with a database error.
    pub async fn close(&self) {
        self.pool.close().await;
        self.lookups.close().await;
        self.audit_writer.close().await;
    }
}

/// What every connection is set to before its first use, pooled or not.
async fn prepare_connection(backend: Backend, connection: &mut AnyConnection) -> sqlx::Result<()> {
    if backend == Backend::Sqlite {
        // In WAL mode NORMAL stays consistent and only risks the last
        // commits on power loss; FULL (the default) fsyncs every commit
        // under the single writer lock, which made the per-call audit
        // insert the server's bottleneck.
        sqlx::query("PRAGMA synchronous = NORMAL")
            .execute(&mut *connection)
            .await?;
        // No commit copies the log into the file (a checkpoint, with an
        // fsync) on its own: the audit writer's commit that crossed the
        // 1,000-page mark did, while the calls of its group waited. The
        // audit trail checkpoints beside its writer instead (`audit.rs`).
        sqlx::query("PRAGMA wal_autocheckpoint = 0")
            .execute(&mut *connection)
            .await?;
    }
    Ok(())
}

/// Makes the SQLite file ready, and says where it is. WAL mode is a
/// property of the file, so setting it once here holds for every pooled
/// connection opened afterwards through the `Any` driver.
async fn prepare_sqlite_file(url: &str) -> Result<std::path::PathBuf, StorageError> {
    // As sqlx reads the URL: the database `:memory:`, or `mode=memory`.
    if url.contains(":memory:") || url.contains("mode=memory") {
        return Err(StorageError::InMemorySqlite);
    }
    let options = SqliteConnectOptions::from_str(url)
        .map_err(db_error("reading the SQLite URL"))?
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal);
    create_owner_only(options.get_filename())?;
    let conn = options
        .connect()
        .await
        .map_err(db_error("opening the SQLite database"))?;
    conn.close()
        .await
        .map_err(db_error("opening the SQLite database"))?;
    Ok(options.get_filename().to_owned())
}

/// Creates the database file readable by its owner only (it holds the
/// hotels' encrypted keys and the audit trail); SQLite gives the WAL and
/// shared-memory files the same mode. An existing file is left as it is.
fn create_owner_only(path: &std::path::Path) -> Result<(), StorageError> {
    if path.as_os_str().is_empty() || path.exists() {
        return Ok(());
    }
    let mut file = std::fs::OpenOptions::new();
    file.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut file, 0o600);
    match file.open(path) {
        Ok(_) => Ok(()),
        Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(error) => Err(StorageError::Database {
            operation: "creating the SQLite database file",
            message: error.to_string(),
        }),
    }
}
