use std::collections::BTreeMap;
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::any::{AnyArguments, AnyRow};
use sqlx::query::Query;
use sqlx::{Any, Connection as _};

use super::error::db_error;
use super::row::{get, parse, parse_opt, timestamp};
use super::time::{cutoff_ms, now_ms};
use super::{Backend, StorageError, Store};
use crate::domain::{ConnectionId, TenantId, UserId};

/// One tool call to record. `args_digest` is a digest of the arguments, never
/// the arguments themselves (they may hold guest data).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEntry {
    pub tenant_id: TenantId,
    pub user_id: Option<UserId>,
    pub tool: String,
    pub outcome: String,
    pub duration_ms: i64,
    pub args_digest: String,
    /// `mcp`, `sse` or `rest`.
    pub transport: Option<&'static str>,
    /// The client's own name for itself, shortened.
    pub client: Option<String>,
    /// The status of the call's last exchange with Quendoo, if it made one.
    pub upstream_status: Option<u16>,
    /// The REST connection the call was made on: recording the entry
    /// records a use of it.
    pub connection: Option<ConnectionId>,
}

/// A recorded entry, with its id (the order of recording) and time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditRecord {
    pub id: i64,
    pub tenant_id: TenantId,
    pub user_id: Option<UserId>,
    pub tool: String,
    pub outcome: String,
    pub created_at: DateTime<Utc>,
    pub duration_ms: i64,
    pub args_digest: String,
    pub transport: Option<String>,
    pub client: Option<String>,
    pub upstream_status: Option<u16>,
}

impl TryFrom<&AnyRow> for AuditRecord {
    type Error = StorageError;
    fn try_from(row: &AnyRow) -> Result<Self, Self::Error> {
        let status: Option<i64> = get(row, "upstream_status")?;
        Ok(AuditRecord {
            id: get(row, "id")?,
            tenant_id: parse(row, "tenant_id")?,
            user_id: parse_opt(row, "user_id")?,
            tool: get(row, "tool")?,
            outcome: get(row, "outcome")?,
            created_at: timestamp(row, "created_at")?,
            duration_ms: get(row, "duration_ms")?,
            args_digest: get(row, "args_digest")?,
            transport: get(row, "transport")?,
            client: get(row, "client")?,
            upstream_status: status.and_then(|status| u16::try_from(status).ok()),
        })
    }
}

/// Which entries to read, newest first; every filter is optional.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditQuery {
    /// One hotel's entries; all hotels' when `None` (the operator's view).
    pub tenant: Option<TenantId>,
    pub since: Option<DateTime<Utc>>,
    pub until: Option<DateTime<Utc>>,
    pub tool: Option<String>,
    pub outcome: Option<String>,
    /// Entries recorded before this one: the `next_cursor` of a page.
    pub before: Option<i64>,
    pub limit: u32,
}

/// A page of entries, and where the next page starts, if there is one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditPage {
    pub entries: Vec<AuditRecord>,
    pub next_cursor: Option<i64>,
}

/// Each filter is `(parameter IS NULL OR condition)`: one statement for
/// every combination, on both backends.
const SELECT_AUDIT: &str = "SELECT id, tenant_id, user_id, tool, outcome, created_at, \
       duration_ms, args_digest, transport, client, upstream_status FROM audit_log \
     WHERE ($1 IS NULL OR tenant_id = $1) \
       AND ($2 IS NULL OR created_at >= $2) \
       AND ($3 IS NULL OR created_at < $3) \
       AND ($4 IS NULL OR tool = $4) \
       AND ($5 IS NULL OR outcome = $5) \
       AND ($6 IS NULL OR id < $6) \
     ORDER BY id DESC LIMIT $7";

/// Rows per `INSERT` of audit entries, and entries in a group made one
/// query: `AUDIT_COLUMNS` values each, and three for each REST connection
/// used, well under the bound variables SQLite (32,766) and PostgreSQL
/// (65,535) take.
const ROWS_PER_INSERT: usize = 256;

/// Values per audit entry.
const AUDIT_COLUMNS: usize = 10;

/// `INSERT INTO audit_log ... VALUES (...), (...)` for `rows` rows, its
/// parameters numbered after the first `bound`.
fn insert_audit(bound: usize, rows: usize) -> String {
    let values: Vec<String> = (0..rows)
        .map(|row| {
            let places: Vec<String> = (1..=AUDIT_COLUMNS)
                .map(|column| format!("${}", bound + row * AUDIT_COLUMNS + column))
                .collect();
            format!("({})", places.join(", "))
        })
        .collect();
    format!(
        "INSERT INTO audit_log (tenant_id, user_id, tool, outcome, created_at, \
           duration_ms, args_digest, transport, client, upstream_status) VALUES {}",
        values.join(", ")
    )
}

/// The operations named in the audit writer's errors.
const RECORDING: &str = "recording audit entries";
const CHECKPOINTING: &str = "copying the SQLite log into its file";

/// The insert of `rows`, recorded at `now`.
fn insert_rows(rows: &[AuditEntry], now: i64) -> Query<'_, Any, AnyArguments> {
    let mut insert = sqlx::query(sqlx::AssertSqlSafe(insert_audit(0, rows.len())));
    for entry in rows {
        insert = bind_entry(insert, entry, now);
    }
    insert
}

/// `query` with `entry`'s values bound after those bound before.
fn bind_entry<'q>(
    query: Query<'q, Any, AnyArguments>,
    entry: &'q AuditEntry,
    now: i64,
) -> Query<'q, Any, AnyArguments> {
    query
        .bind(entry.tenant_id.as_str())
        .bind(entry.user_id.as_ref().map(UserId::as_str))
        .bind(entry.tool.as_str())
        .bind(entry.outcome.as_str())
        .bind(now)
        .bind(entry.duration_ms)
        .bind(entry.args_digest.as_str())
        .bind(entry.transport)
        .bind(entry.client.as_deref())
        .bind(entry.upstream_status.map(i64::from))
}

/// `query` with a connection's use bound after the values before, in the
/// order [`use_connection`] numbers them.
fn bind_use(
    query: Query<'_, Any, AnyArguments>,
    connection: ConnectionId,
    calls: i64,
    now: i64,
) -> Query<'_, Any, AnyArguments> {
    query.bind(connection.to_string()).bind(now).bind(calls)
}

/// A connection's use: its id, the time, the calls made, as parameters
/// numbered after the first `bound`.
fn use_connection(bound: usize) -> String {
    format!(
        "UPDATE connections SET last_used_at = ${}, tool_calls = tool_calls + ${} WHERE id = ${}",
        bound + 2,
        bound + 3,
        bound + 1
    )
}

/// A group in one query: the insert alone, which commits by itself, or
/// (SQLite only: it runs the statements of one query in turn) the insert
/// and the connections' uses between `BEGIN` and `COMMIT`. A failure part
/// way leaves that transaction open: the connection is then dropped, which
/// rolls it back.
fn one_query<'q>(
    entries: &'q [AuditEntry],
    uses: &BTreeMap<ConnectionId, i64>,
    now: i64,
) -> Query<'q, Any, AnyArguments> {
    if uses.is_empty() {
        return insert_rows(entries, now);
    }
    let mut sql = format!("BEGIN IMMEDIATE; {}; ", insert_audit(0, entries.len()));
    let mut bound = entries.len() * AUDIT_COLUMNS;
    for _ in uses {
        sql.push_str(&use_connection(bound));
        sql.push_str("; ");
        bound += 3;
    }
    sql.push_str("COMMIT");
    let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
    for entry in entries {
        query = bind_entry(query, entry, now);
    }
    for (connection, calls) in uses {
        query = bind_use(query, *connection, *calls, now);
    }
    query
}

impl Store {
    /// Records entries, all or none, on the writer's own connection. The
    /// REST connections they were made on are marked used in the same
    /// commit (one update per connection), which spares each call a write
    /// of its own before it may run. A group of no more than
    /// `ROWS_PER_INSERT` entries is one query: one hand-off to SQLite's
    /// worker thread, where a transaction of its own takes one for each
    /// statement, `BEGIN` and `COMMIT` included; on PostgreSQL, where one
    /// query holds one statement, so when made on no REST connection.
    pub async fn record_audit(&self, entries: &[AuditEntry]) -> Result<(), StorageError> {
        let now = now_ms();
        // In the ids' order, so that two replicas' writers taking the same
        // rows never wait for each other crosswise (a deadlock).
        let mut uses: BTreeMap<ConnectionId, i64> = BTreeMap::new();
        for connection in entries.iter().filter_map(|entry| entry.connection) {
            *uses.entry(connection).or_default() += 1;
        }
        self.count_query();
        let mut connection = self.audit_writer.take(&self.pool, RECORDING).await?;
        if entries.len() <= ROWS_PER_INSERT && (uses.is_empty() || self.backend == Backend::Sqlite)
        {
            one_query(entries, &uses, now)
                .execute(&mut *connection)
                .await
                .map_err(db_error(RECORDING))?;
            connection.keep();
            return Ok(());
        }
        let mut transaction = connection.begin().await.map_err(db_error(RECORDING))?;
        for rows in entries.chunks(ROWS_PER_INSERT) {
            insert_rows(rows, now)
                .execute(&mut *transaction)
                .await
                .map_err(db_error(RECORDING))?;
        }
        for (connection, calls) in uses {
            let update = sqlx::query(sqlx::AssertSqlSafe(use_connection(0)));
            bind_use(update, connection, calls, now)
                .execute(&mut *transaction)
                .await
                .map_err(db_error("recording uses of connections"))?;
        }
        transaction.commit().await.map_err(db_error(RECORDING))?;
        connection.keep();
        Ok(())
    }

    /// Copies what SQLite's write-ahead log holds into the database file
    /// (a checkpoint), passively: beside the writer's commits and the
    /// readers, waiting for none of them. Says whether the log is long
    /// enough to be started afresh ([`Store::restart_log`]): under steady
    /// writes a passive checkpoint never reaches the log's end, and SQLite
    /// starts the log afresh only after one that did. Nothing to do on
    /// PostgreSQL.
    pub async fn checkpoint_log(&self) -> Result<bool, StorageError> {
        /// SQLite's own mark for its automatic checkpoint.
        const LONG: i64 = 1_000;
        if self.backend != Backend::Sqlite {
            return Ok(false);
        }
        let passive = sqlx::query("PRAGMA wal_checkpoint(PASSIVE)")
            .fetch_one(self.db())
            .await
            .map_err(db_error(CHECKPOINTING))?;
        Ok(get::<i64>(&passive, "log")? >= LONG)
    }

    /// Copies the rest of the log (what came since the last passive
    /// checkpoint) and lets the next commit start it afresh, on the audit
    /// writer's connection: between two of its groups, so that it never
    /// waits for that writer, nor the writer for it. Nor for a reader: one
    /// still on the log (a backup, a long query) leaves the log as it is
    /// until a later try, instead of holding the writer's queue for up to
    /// the busy timeout.
    pub async fn restart_log(&self) -> Result<(), StorageError> {
        if self.backend != Backend::Sqlite {
            return Ok(());
        }
        self.count_query();
        let mut connection = self.audit_writer.take(&self.pool, CHECKPOINTING).await?;
        let waits: i64 = sqlx::query_scalar("PRAGMA busy_timeout")
            .fetch_one(&mut *connection)
            .await
            .map_err(db_error(CHECKPOINTING))?;
        let restart = format!(
            "PRAGMA busy_timeout = 0; PRAGMA wal_checkpoint(RESTART); \
             PRAGMA busy_timeout = {waits}"
        );
        sqlx::raw_sql(sqlx::AssertSqlSafe(restart))
            .execute(&mut *connection)
            .await
            .map_err(db_error(CHECKPOINTING))?;
        connection.keep();
        Ok(())
    }

    /// Deletes audit entries older than `retention`; returns how many.
    pub async fn purge_audit(&self, retention: Duration) -> Result<u64, StorageError> {
        let result = sqlx::query("DELETE FROM audit_log WHERE created_at < $1")
            .bind(cutoff_ms(retention))
            .execute(self.db())
            .await
            .map_err(db_error("purging the audit trail"))?;
        Ok(result.rows_affected())
    }

    /// The entries `query` asks for, newest first, a page at a time.
    pub async fn audit(&self, query: &AuditQuery) -> Result<AuditPage, StorageError> {
        let limit = i64::from(query.limit.max(1));
        let mut entries = sqlx::query(SELECT_AUDIT)
            .bind(query.tenant.as_ref().map(TenantId::as_str))
            .bind(query.since.map(|at| at.timestamp_millis()))
            .bind(query.until.map(|at| at.timestamp_millis()))
            .bind(query.tool.as_deref())
            .bind(query.outcome.as_deref())
            .bind(query.before)
            // One more than asked, to know whether another page follows.
            .bind(limit + 1)
            .fetch_all(self.db())
            .await
            .map_err(db_error("reading the audit log"))?
            .iter()
            .map(AuditRecord::try_from)
            .collect::<Result<Vec<_>, _>>()?;
        let more = entries.len() > usize::try_from(limit).unwrap_or(usize::MAX);
        entries.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
        let next_cursor = more.then(|| entries.last().map(|entry| entry.id)).flatten();
        Ok(AuditPage {
            entries,
            next_cursor,
        })
    }
}
