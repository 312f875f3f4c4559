//! What the built-in OAuth authorization server keeps, on either backend,
//! so that any replica can finish a flow another one started: clients,
//! grants (one per approval; the family of its codes and refresh tokens),
//! codes and refresh tokens (only their SHA-256 hashes), and failed
//! sign-ins for the rate limit.

use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::any::AnyRow;

use super::error::db_error;
use super::row::{get, parse, timestamp};
use super::time::{cutoff_ms, now_ms};
use super::{StorageError, Store};
use crate::domain::{TenantId, UserId};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ClientKind {
    /// Registered by RFC 7591 dynamic registration.
    Dcr,
    /// Described by a Client ID Metadata Document at its URL.
    Cimd,
}

impl ClientKind {
    fn as_str(self) -> &'static str {
        match self {
            ClientKind::Dcr => "dcr",
            ClientKind::Cimd => "cimd",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OAuthClient {
    pub client_id: String,
    pub kind: ClientKind,
    pub client_name: String,
    pub redirect_uris: Vec<String>,
    pub created_at: DateTime<Utc>,
}

impl TryFrom<&AnyRow> for OAuthClient {
    type Error = StorageError;
    fn try_from(row: &AnyRow) -> Result<Self, StorageError> {
        let kind = match get::<String>(row, "kind")?.as_str() {
            "dcr" => ClientKind::Dcr,
            "cimd" => ClientKind::Cimd,
            other => return Err(StorageError::Corrupt(format!("client kind {other}"))),
        };
        let uris: String = get(row, "redirect_uris")?;
        Ok(OAuthClient {
            client_id: get(row, "client_id")?,
            kind,
            client_name: get(row, "client_name")?,
            redirect_uris: serde_json::from_str(&uris)
                .map_err(|e| StorageError::Corrupt(format!("redirect_uris: {e}")))?,
            created_at: timestamp(row, "created_at")?,
        })
    }
}

/// An approval: which client may act for which user of which hotel, with
/// which scopes, for which resource.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Grant {
    pub id: String,
    pub client_id: String,
    pub user_id: UserId,
    pub tenant_id: TenantId,
    pub scope: String,
    pub resource: String,
    pub created_at: DateTime<Utc>,
    pub revoked: bool,
}

impl TryFrom<&AnyRow> for Grant {
    type Error = StorageError;
    fn try_from(row: &AnyRow) -> Result<Self, StorageError> {
        Ok(Grant {
            id: get(row, "id")?,
            client_id: get(row, "client_id")?,
            user_id: parse(row, "user_id")?,
            tenant_id: parse(row, "tenant_id")?,
            scope: get(row, "scope")?,
            resource: get(row, "resource")?,
            created_at: timestamp(row, "created_at")?,
            revoked: get::<Option<i64>>(row, "revoked_at")?.is_some(),
        })
    }
}

const GRANT_COLUMNS: &str =
    "id, client_id, user_id, tenant_id, scope, resource, created_at, revoked_at";

/// A code's or a refresh token's first use, or not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Redemption<T> {
    /// Used now, for the first time, within its lifetime.
    Fresh(T),
    /// Used before: the grant behind it is to be revoked.
    Reused { grant_id: String },
    /// Unknown or expired.
    Invalid,
}

/// What a code was issued for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssuedCode {
    pub grant: Grant,
    pub redirect_uri: String,
    pub code_challenge: String,
}

impl Store {
    pub async fn save_oauth_client(
        &self,
        client_id: &str,
        kind: ClientKind,
        client_name: &str,
        redirect_uris: &[String],
    ) -> Result<OAuthClient, StorageError> {
        let uris = serde_json::to_string(redirect_uris)
            .map_err(|e| StorageError::Corrupt(format!("redirect_uris: {e}")))?;
        // A metadata document may change: its latest form replaces the old.
        let row = sqlx::query(
            "INSERT INTO oauth_clients (client_id, kind, client_name, redirect_uris, created_at) \
             VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (client_id) DO UPDATE SET client_name = $3, redirect_uris = $4 \
             RETURNING client_id, kind, client_name, redirect_uris, created_at",
        )
        .bind(client_id)
        .bind(kind.as_str())
        .bind(client_name)
        .bind(uris)
        .bind(now_ms())
        .fetch_one(self.db())
        .await
        .map_err(db_error("saving an OAuth client"))?;
        OAuthClient::try_from(&row)
    }

    pub async fn get_oauth_client(
        &self,
        client_id: &str,
    ) -> Result<Option<OAuthClient>, StorageError> {
        sqlx::query(
            "SELECT client_id, kind, client_name, redirect_uris, created_at FROM oauth_clients \
             WHERE client_id = $1",
        )
        .bind(client_id)
        .fetch_optional(self.db())
        .await
        .map_err(db_error("reading an OAuth client"))?
        .as_ref()
        .map(OAuthClient::try_from)
        .transpose()
    }

    pub async fn list_oauth_clients(&self) -> Result<Vec<OAuthClient>, StorageError> {
        sqlx::query(
            "SELECT client_id, kind, client_name, redirect_uris, created_at FROM oauth_clients \
             ORDER BY created_at, client_id",
        )
        .fetch_all(self.db())
        .await
        .map_err(db_error("listing OAuth clients"))?
        .iter()
        .map(OAuthClient::try_from)
        .collect()
    }

    /// Records an approval and the code that carries it, in one transaction.
    #[allow(clippy::too_many_arguments)]
    pub async fn create_grant_with_code(
        &self,
        client_id: &str,
        user: &UserId,
        tenant: &TenantId,
        scope: &str,
        resource: &str,
        code_hash: &str,
        redirect_uri: &str,
        code_challenge: &str,
        code_ttl: Duration,
    ) -> Result<String, StorageError> {
        let id = uuid::Uuid::new_v4().simple().to_string();
        let now = now_ms();
        let ttl = i64::try_from(code_ttl.as_millis()).unwrap_or(i64::MAX);
        let mut tx = self
            .db()
            .begin()
            .await
            .map_err(db_error("recording an approval"))?;
        sqlx::query(
            "INSERT INTO oauth_grants (id, client_id, user_id, tenant_id, scope, resource, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(&id)
        .bind(client_id)
        .bind(user.as_str())
        .bind(tenant.as_str())
        .bind(scope)
        .bind(resource)
        .bind(now)
        .execute(&mut *tx)
        .await
        .map_err(db_error("recording an approval"))?;
        sqlx::query(
            "INSERT INTO oauth_codes (code_hash, grant_id, redirect_uri, code_challenge, expires_at) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(code_hash)
        .bind(&id)
        .bind(redirect_uri)
        .bind(code_challenge)
        .bind(now.saturating_add(ttl))
        .execute(&mut *tx)
        .await
        .map_err(db_error("recording an approval"))?;
        tx.commit()
            .await
            .map_err(db_error("recording an approval"))?;
        Ok(id)
    }

    /// Marks the code used, in one statement, and says what it was for.
    pub async fn redeem_code(
        &self,
        code_hash: &str,
    ) -> Result<Redemption<IssuedCode>, StorageError> {
        let now = now_ms();
        let claimed = sqlx::query(
            "UPDATE oauth_codes SET used_at = $2 \
             WHERE code_hash = $1 AND used_at IS NULL AND expires_at > $2 \
             RETURNING grant_id, redirect_uri, code_challenge",
        )
        .bind(code_hash)
        .bind(now)
        .fetch_optional(self.db())
        .await
        .map_err(db_error("redeeming a code"))?;
        if let Some(row) = claimed {
            let grant_id: String = get(&row, "grant_id")?;
            let Some(grant) = self.get_grant(&grant_id).await? else {
                return Ok(Redemption::Invalid);
            };
            return Ok(Redemption::Fresh(IssuedCode {
                grant,
                redirect_uri: get(&row, "redirect_uri")?,
                code_challenge: get(&row, "code_challenge")?,
            }));
        }
        let used = sqlx::query(
            "SELECT grant_id FROM oauth_codes WHERE code_hash = $1 AND used_at IS NOT NULL",
        )
        .bind(code_hash)
        .fetch_optional(self.db())
        .await
        .map_err(db_error("redeeming a code"))?;
        Ok(match used {
            Some(row) => Redemption::Reused {
                grant_id: get(&row, "grant_id")?,
            },
            None => Redemption::Invalid,
        })
    }

    pub async fn save_refresh_token(
        &self,
        token_hash: &str,
        grant_id: &str,
        ttl: Duration,
    ) -> Result<(), StorageError> {
        let ttl = i64::try_from(ttl.as_millis()).unwrap_or(i64::MAX);
        sqlx::query(
            "INSERT INTO oauth_refresh_tokens (token_hash, grant_id, expires_at) VALUES ($1, $2, $3)",
        )
        .bind(token_hash)
        .bind(grant_id)
        .bind(now_ms().saturating_add(ttl))
        .execute(self.db())
        .await
        .map_err(db_error("saving a refresh token"))?;
        Ok(())
    }

    /// Marks the refresh token used (it is rotated on every use).
    pub async fn redeem_refresh_token(
        &self,
        token_hash: &str,
    ) -> Result<Redemption<Grant>, StorageError> {
        let now = now_ms();
        let claimed = sqlx::query(
            "UPDATE oauth_refresh_tokens SET used_at = $2 \
             WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2 RETURNING grant_id",
        )
        .bind(token_hash)
        .bind(now)
        .fetch_optional(self.db())
        .await
        .map_err(db_error("redeeming a refresh token"))?;
        if let Some(row) = claimed {
            let grant_id: String = get(&row, "grant_id")?;
            return Ok(match self.get_grant(&grant_id).await? {
                Some(grant) => Redemption::Fresh(grant),
                None => Redemption::Invalid,
            });
        }
        let used = sqlx::query(
            "SELECT grant_id FROM oauth_refresh_tokens WHERE token_hash = $1 AND used_at IS NOT NULL",
        )
        .bind(token_hash)
        .fetch_optional(self.db())
        .await
        .map_err(db_error("redeeming a refresh token"))?;
        Ok(match used {
            Some(row) => Redemption::Reused {
                grant_id: get(&row, "grant_id")?,
            },
            None => Redemption::Invalid,
        })
    }

    /// The grant behind a refresh token, used or not (for revocation).
    pub async fn grant_of_refresh_token(
        &self,
        token_hash: &str,
    ) -> Result<Option<String>, StorageError> {
        let row = sqlx::query("SELECT grant_id FROM oauth_refresh_tokens WHERE token_hash = $1")
            .bind(token_hash)
            .fetch_optional(self.db())
            .await
            .map_err(db_error("reading a refresh token"))?;
        row.map(|row| get(&row, "grant_id")).transpose()
    }

    pub async fn get_grant(&self, id: &str) -> Result<Option<Grant>, StorageError> {
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {GRANT_COLUMNS} FROM oauth_grants WHERE id = $1"
        )))
        .bind(id)
        .fetch_optional(self.db())
        .await
        .map_err(db_error("reading a grant"))?
        .as_ref()
        .map(Grant::try_from)
        .transpose()
    }

    /// Revokes a grant: its refresh tokens stop working, and its access
    /// tokens with them (every request checks the grant). False if unknown.
    pub async fn revoke_grant(&self, id: &str) -> Result<bool, StorageError> {
        let result = sqlx::query(
            "UPDATE oauth_grants SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL",
        )
        .bind(id)
        .bind(now_ms())
        .execute(self.db())
        .await
        .map_err(db_error("revoking a grant"))?;
        Ok(result.rows_affected() > 0)
    }

    /// Revokes every grant of a user; returns how many.
    pub async fn revoke_grants_of_user(&self, user: &UserId) -> Result<u64, StorageError> {
        let result = sqlx::query(
            "UPDATE oauth_grants SET revoked_at = $2 WHERE user_id = $1 AND revoked_at IS NULL",
        )
        .bind(user.as_str())
        .bind(now_ms())
        .execute(self.db())
        .await
        .map_err(db_error("revoking a user's grants"))?;
        Ok(result.rows_affected())
    }

    pub async fn list_grants(&self, tenant: Option<&TenantId>) -> Result<Vec<Grant>, StorageError> {
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {GRANT_COLUMNS} FROM oauth_grants \
             WHERE $1 IS NULL OR tenant_id = $1 ORDER BY created_at, id"
        )))
        .bind(tenant.map(TenantId::as_str))
        .fetch_all(self.db())
        .await
        .map_err(db_error("listing grants"))?
        .iter()
        .map(Grant::try_from)
        .collect()
    }

    pub async fn record_login_failure(&self, subject: &str) -> Result<(), StorageError> {
        sqlx::query("INSERT INTO oauth_login_failures (subject, failed_at) VALUES ($1, $2)")
            .bind(subject)
            .bind(now_ms())
            .execute(self.db())
            .await
            .map_err(db_error("recording a failed sign-in"))?;
        Ok(())
    }

    /// Failed sign-ins of `subject` within `window` (older ones are purged).
    pub async fn count_login_failures(
        &self,
        subject: &str,
        window: Duration,
    ) -> Result<i64, StorageError> {
        sqlx::query("DELETE FROM oauth_login_failures WHERE failed_at < $1")
            .bind(cutoff_ms(window))
            .execute(self.db())
            .await
            .map_err(db_error("counting failed sign-ins"))?;
        let row = sqlx::query(
            "SELECT COUNT(*) AS n FROM oauth_login_failures WHERE subject = $1 AND failed_at >= $2",
        )
        .bind(subject)
        .bind(cutoff_ms(window))
        .fetch_one(self.db())
        .await
        .map_err(db_error("counting failed sign-ins"))?;
        get(&row, "n")
    }
}
