//! A connection kept apart from the pool, for work that one task does one
//! statement at a time on every request (the epoch read, the audit
//! writer): sqlx pings every connection it takes back into the pool, which
//! is a second hand-off to SQLite's worker thread, or a second round trip
//! to PostgreSQL, after each use.

use std::ops::{Deref, DerefMut};

use secrecy::{ExposeSecret, SecretString};
use sqlx::{AnyConnection, AnyPool, Connection as _};
use tokio::sync::{Mutex, MutexGuard};

use super::error::{db_error, timed_out};
use super::{ACQUIRE_TIMEOUT, Backend, StorageError, prepare_connection};

pub(super) struct OwnConnection {
    connection: Mutex<Option<AnyConnection>>,
    /// Where it connects (the `DATABASE_URL`, password included).
    url: SecretString,
    backend: Backend,
}

impl OwnConnection {
    pub(super) fn new(url: &str, backend: Backend) -> Self {
        OwnConnection {
            connection: Mutex::default(),
            url: url.into(),
            backend,
        }
    }

    /// The connection, made first (within the pool's acquire timeout) if
    /// there is none. It is out of its place while in use and goes back
    /// only by [`InUse::keep`], once its work has succeeded: work cut short
    /// (dropped, or failed) leaves it in an unknown state, so the next use
    /// connects afresh. Once `pool` is closed it never connects again.
    pub(super) async fn take(
        &self,
        pool: &AnyPool,
        operation: &'static str,
    ) -> Result<InUse<'_>, StorageError> {
        let mut place = self.connection.lock().await;
        let connection = match place.take() {
            Some(connection) => connection,
            None if pool.is_closed() => return Err(db_error(operation)(sqlx::Error::PoolClosed)),
            None => self.connect(operation).await?,
        };
        Ok(InUse { place, connection })
    }

    async fn connect(&self, operation: &'static str) -> Result<AnyConnection, StorageError> {
        let connect = async {
            let mut connection = AnyConnection::connect(self.url.expose_secret()).await?;
            prepare_connection(self.backend, &mut connection).await?;
            Ok(connection)
        };
        match tokio::time::timeout(ACQUIRE_TIMEOUT, connect).await {
            Ok(connected) => connected.map_err(db_error(operation)),
            Err(_) => Err(timed_out(operation)),
        }
    }

    /// Closes the connection (the store is closing).
    pub(super) async fn close(&self) {
        if let Some(connection) = self.connection.lock().await.take() {
            let _ = connection.close().await;
        }
    }
}

/// The connection taken, and its place held: one use at a time.
pub(super) struct InUse<'a> {
    place: MutexGuard<'a, Option<AnyConnection>>,
    connection: AnyConnection,
}

impl InUse<'_> {
    /// Puts the connection back for the next use.
    pub(super) fn keep(self) {
        let InUse {
            mut place,
            connection,
        } = self;
        *place = Some(connection);
    }
}

impl Deref for InUse<'_> {
    type Target = AnyConnection;
    fn deref(&self) -> &AnyConnection {
        &self.connection
    }
}

impl DerefMut for InUse<'_> {
    fn deref_mut(&mut self) -> &mut AnyConnection {
        &mut self.connection
    }
}

/// Says nothing of the URL, which may hold a password.
impl std::fmt::Debug for OwnConnection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("OwnConnection")
    }
}
