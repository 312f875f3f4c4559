use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::error::ErrorKind;

use super::error::{db_error, tenant_row_error, violation};
use super::row::{get, parse, timestamp};
use super::time::now_ms;
use super::{StorageError, Store};
use crate::domain::{EmailAddress, TenantId, UserId};

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct User {
    pub id: UserId,
    pub tenant_id: TenantId,
    pub email: EmailAddress,
    pub created_at: DateTime<Utc>,
}

impl TryFrom<&AnyRow> for User {
    type Error = StorageError;
    fn try_from(row: &AnyRow) -> Result<Self, Self::Error> {
        Ok(User {
            id: parse(row, "id")?,
            tenant_id: parse(row, "tenant_id")?,
            email: parse(row, "email")?,
            created_at: timestamp(row, "created_at")?,
        })
    }
}

impl Store {
    /// Creates a user of an existing tenant. The e-mail address is unique
    /// across all tenants (`Conflict`); an unknown tenant is `NotFound`.
    pub async fn create_user(
        &self,
        tenant: &TenantId,
        email: &EmailAddress,
    ) -> Result<User, StorageError> {
        let row = sqlx::query(
            "INSERT INTO users (id, tenant_id, email, created_at) VALUES ($1, $2, $3, $4) \
             RETURNING id, tenant_id, email, created_at",
        )
        .bind(UserId::generate().as_str())
        .bind(tenant.as_str())
        .bind(email.as_str())
        .bind(now_ms())
        .fetch_one(self.db())
        .await
        .map_err(|e| match violation(&e) {
            Some(ErrorKind::UniqueViolation) => {
                StorageError::Conflict(format!("a user with e-mail {email} already exists"))
            }
            _ => tenant_row_error(tenant, "creating a user")(e),
        })?;
        User::try_from(&row)
    }

    /// Users of one tenant, or of all tenants; oldest first.
    pub async fn list_users(&self, tenant: Option<&TenantId>) -> Result<Vec<User>, StorageError> {
        sqlx::query(
            "SELECT id, tenant_id, email, created_at FROM users \
             WHERE $1 IS NULL OR tenant_id = $1 ORDER BY created_at, id",
        )
        .bind(tenant.map(TenantId::as_str))
        .fetch_all(self.db())
        .await
        .map_err(db_error("listing users"))?
        .iter()
        .map(User::try_from)
        .collect()
    }

    pub async fn get_user(&self, id: &UserId) -> Result<Option<User>, StorageError> {
        sqlx::query("SELECT id, tenant_id, email, created_at FROM users WHERE id = $1")
            .bind(id.as_str())
            .fetch_optional(self.db())
            .await
            .map_err(db_error("reading a user"))?
            .as_ref()
            .map(User::try_from)
            .transpose()
    }

    /// Stores the user's password hash (a PHC string, argon2id). False if
    /// there is no such user.
    pub async fn set_password_hash(&self, id: &UserId, hash: &str) -> Result<bool, StorageError> {
        let result = sqlx::query("UPDATE users SET password_hash = $2 WHERE id = $1")
            .bind(id.as_str())
            .bind(hash)
            .execute(self.db())
            .await
            .map_err(db_error("setting a password"))?;
        Ok(result.rows_affected() > 0)
    }

    /// Disables (or enables again) a user: a disabled user cannot sign in,
    /// and what was granted for them stops working. False if unknown.
    pub async fn set_user_disabled(
        &self,
        id: &UserId,
        disabled: bool,
    ) -> Result<bool, StorageError> {
        let sql = if disabled {
            "UPDATE users SET disabled = TRUE WHERE id = $1"
        } else {
            "UPDATE users SET disabled = FALSE WHERE id = $1"
        };
        let result = sqlx::query(sql)
            .bind(id.as_str())
            .execute(self.db())
            .await
            .map_err(db_error("disabling a user"))?;
        Ok(result.rows_affected() > 0)
    }

    pub async fn get_user_by_email(
        &self,
        email: &EmailAddress,
    ) -> Result<Option<User>, StorageError> {
        sqlx::query("SELECT id, tenant_id, email, created_at FROM users WHERE email = $1")
            .bind(email.as_str())
            .fetch_optional(self.db())
            .await
            .map_err(db_error("reading a user"))?
            .as_ref()
            .map(User::try_from)
            .transpose()
    }

    /// What a sign-in with `email` checks against.
    pub async fn sign_in_record(
        &self,
        email: &EmailAddress,
    ) -> Result<Option<SignIn>, StorageError> {
        let row = sqlx::query(
            "SELECT id, tenant_id, email, created_at, password_hash, \
                    CASE WHEN disabled THEN 1 ELSE 0 END AS disabled \
             FROM users WHERE email = $1",
        )
        .bind(email.as_str())
        .fetch_optional(self.db())
        .await
        .map_err(db_error("reading a user"))?;
        row.map(|row| {
            Ok(SignIn {
                user: User::try_from(&row)?,
                password_hash: get(&row, "password_hash")?,
                disabled: get::<i64>(&row, "disabled")? != 0,
            })
        })
        .transpose()
    }
}

/// A user as a sign-in sees them.
#[derive(Debug, Clone)]
pub struct SignIn {
    pub user: User,
    /// None until a password is set: such a user cannot sign in.
    pub password_hash: Option<String>,
    pub disabled: bool,
}
