//! The lookup a request makes on its way to a tool: who is calling (a
//! tenant, an OAuth grant, a REST connection, a hotel key), with the
//! [`TenantStamp`] that says which cached policy and keys are current.
//! Answered from memory while the database's epoch stands (`recent`): a
//! request makes one small round trip at most, shared with the requests
//! beside it (on SQLite, a read on its own thread: `inline_epoch`).

use std::path::PathBuf;
use std::time::Duration;

use chrono::{DateTime, Utc};
use sqlx::any::AnyRow;

use super::error::{db_error, timed_out};
use super::inline_epoch::InlineEpoch;
use super::own_connection::OwnConnection;
use super::recent::{Answers, Epoch};
use super::row::{get, parse, timestamp};
use super::time::cutoff_ms;
use super::{ACQUIRE_TIMEOUT, Backend, Grant, StorageError, Store};
use crate::domain::{ConnectionId, KeyName, TenantId};

/// The answers this replica keeps, one kind per lookup.
pub(super) struct Lookups {
    epoch: Epoch,
    /// Epoch reads are one at a time (`Epoch`): one connection of their
    /// own serves them, without the pool's ping after each.
    reader: OwnConnection,
    /// SQLite's file: the epoch read without leaving the request's thread.
    inline: Option<InlineEpoch>,
    tenants: Answers<TenantId, TenantStamp>,
    grants: Answers<String, (Grant, TenantStamp)>,
    /// With the connection's last use as read (ms), to see it go idle.
    connections: Answers<ConnectionId, (TenantId, TenantStamp, i64)>,
    keys: Answers<(KeyName, String), (TenantId, TenantStamp)>,
}

impl Lookups {
    pub(super) fn new(url: &str, backend: Backend, sqlite_file: Option<PathBuf>) -> Self {
        Lookups {
            epoch: Epoch::default(),
            reader: OwnConnection::new(url, backend),
            inline: sqlite_file.map(InlineEpoch::new),
            tenants: Answers::default(),
            grants: Answers::default(),
            connections: Answers::default(),
            keys: Answers::default(),
        }
    }

    /// Closes the epoch reads' connection (the store is closing).
    pub(super) async fn close(&self) {
        if let Some(inline) = &self.inline {
            inline.close();
        }
        self.reader.close().await;
    }
}

impl std::fmt::Debug for Lookups {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Lookups")
    }
}

/// Which state of a tenant a cached policy and keys belong to: a database
/// trigger bumps `generation` with every change to its keys or policy, and
/// a tenant deleted and created again has another `created_at`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TenantStamp {
    pub created_at: DateTime<Utc>,
    pub generation: i64,
}

impl TenantStamp {
    fn of(row: &AnyRow) -> Result<Self, StorageError> {
        Ok(TenantStamp {
            created_at: timestamp(row, "tenant_created_at")?,
            generation: get(row, "tenant_generation")?,
        })
    }
}

const READING_EPOCH: &str = "reading the cache epoch";

/// The tenant columns every query here selects, for `TenantStamp::of`.
const STAMP: &str = "t.created_at AS tenant_created_at, t.generation AS tenant_generation";

impl Store {
    /// The database's epoch, as of a read begun after this call.
    async fn epoch(&self) -> Result<i64, StorageError> {
        if let Some(epoch) = self.lookups.inline.as_ref().and_then(InlineEpoch::read) {
            self.count_query();
            return Ok(epoch);
        }
        let read = async {
            let mut connection = self.lookups.reader.take(&self.pool, READING_EPOCH).await?;
            let row = sqlx::query("SELECT epoch FROM cache_epoch WHERE id = 1")
                .fetch_one(&mut *connection)
                .await
                .map_err(db_error(READING_EPOCH))?;
            connection.keep();
            get(&row, "epoch")
        };
        // A read cut short here drops its connection (`OwnConnection::take`).
        let read = async {
            self.count_query();
            tokio::time::timeout(ACQUIRE_TIMEOUT, read)
                .await
                .unwrap_or_else(|_| Err(timed_out(READING_EPOCH)))
        };
        self.lookups.epoch.current(read).await
    }

    /// The tenant's stamp; `None` if it does not exist.
    pub async fn tenant_stamp(&self, id: &TenantId) -> Result<Option<TenantStamp>, StorageError> {
        let epoch = self.epoch().await?;
        let read = self.read_tenant_stamp(id);
        (self.lookups.tenants)
            .get(epoch, id.clone(), |_| true, read)
            .await
    }

    async fn read_tenant_stamp(&self, id: &TenantId) -> Result<Option<TenantStamp>, StorageError> {
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {STAMP} FROM tenants t WHERE t.id = $1"
        )))
        .bind(id.as_str())
        .fetch_optional(self.db())
        .await
        .map_err(db_error("reading a tenant"))?
        .as_ref()
        .map(TenantStamp::of)
        .transpose()
    }

    /// The grant if it stands (not revoked, its user not disabled), with
    /// its tenant's stamp.
    pub async fn active_grant(
        &self,
        id: &str,
    ) -> Result<Option<(Grant, TenantStamp)>, StorageError> {
        let epoch = self.epoch().await?;
        let read = self.read_active_grant(id);
        (self.lookups.grants)
            .get(epoch, id.to_owned(), |_| true, read)
            .await
    }

    async fn read_active_grant(
        &self,
        id: &str,
    ) -> Result<Option<(Grant, TenantStamp)>, StorageError> {
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT g.id, g.client_id, g.user_id, g.tenant_id, g.scope, g.resource, \
               g.created_at, g.revoked_at, {STAMP} \
             FROM oauth_grants g JOIN users u ON u.id = g.user_id \
               JOIN tenants t ON t.id = g.tenant_id \
             WHERE g.id = $1 AND g.revoked_at IS NULL AND u.disabled = FALSE"
        )))
        .bind(id)
        .fetch_optional(self.db())
        .await
        .map_err(db_error("checking a grant"))?
        .as_ref()
        .map(|row| Ok((Grant::try_from(row)?, TenantStamp::of(row)?)))
        .transpose()
    }

    /// A REST connection's tenant and its stamp, if the connection has not
    /// been idle longer than `idle_ttl`. Reads only: the use is recorded
    /// with the call's audit entry (so a kept answer whose last use looks
    /// too old is read again: another replica may have used it since).
    pub async fn connection_tenant(
        &self,
        id: &ConnectionId,
        idle_ttl: Duration,
    ) -> Result<Option<(TenantId, TenantStamp)>, StorageError> {
        let epoch = self.epoch().await?;
        let cutoff = cutoff_ms(idle_ttl);
        let in_use = |(_, _, used): &(TenantId, TenantStamp, i64)| *used >= cutoff;
        let read = self.read_connection_tenant(id);
        let found = (self.lookups.connections)
            .get(epoch, *id, in_use, read)
            .await?;
        Ok(found
            .filter(in_use)
            .map(|(tenant, stamp, _)| (tenant, stamp)))
    }

    async fn read_connection_tenant(
        &self,
        id: &ConnectionId,
    ) -> Result<Option<(TenantId, TenantStamp, i64)>, StorageError> {
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT c.tenant_id, c.last_used_at, {STAMP} \
             FROM connections c JOIN tenants t ON t.id = c.tenant_id WHERE c.id = $1"
        )))
        .bind(id.to_string())
        .fetch_optional(self.db())
        .await
        .map_err(db_error("reading a connection"))?
        .as_ref()
        .map(|row| {
            Ok((
                parse(row, "tenant_id")?,
                TenantStamp::of(row)?,
                get(row, "last_used_at")?,
            ))
        })
        .transpose()
    }

    /// The tenant whose active key of this name has this lookup hash, with
    /// its stamp. Two tenants sharing one key is ambiguous and refused
    /// (`Conflict`) rather than resolved to either of them.
    pub async fn find_tenant_by_key_hash(
        &self,
        name: KeyName,
        lookup_hash: &str,
    ) -> Result<Option<(TenantId, TenantStamp)>, StorageError> {
        let epoch = self.epoch().await?;
        let read = self.read_tenant_by_key_hash(name, lookup_hash);
        (self.lookups.keys)
            .get(epoch, (name, lookup_hash.to_owned()), |_| true, read)
            .await
    }

    async fn read_tenant_by_key_hash(
        &self,
        name: KeyName,
        lookup_hash: &str,
    ) -> Result<Option<(TenantId, TenantStamp)>, StorageError> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT k.tenant_id, {STAMP} FROM api_keys k JOIN tenants t ON t.id = k.tenant_id \
             WHERE k.key_name = $1 AND k.lookup_hash = $2 AND k.is_active = TRUE LIMIT 2"
        )))
        .bind(name.as_str())
        .bind(lookup_hash)
        .fetch_all(self.db())
        .await
        .map_err(db_error("looking up a key"))?;
        match rows.as_slice() {
            [] => Ok(None),
            [row] => Ok(Some((parse(row, "tenant_id")?, TenantStamp::of(row)?))),
            _ => Err(StorageError::Conflict(format!(
                "several tenants share the same {name}"
            ))),
        }
    }
}
