use crate::domain::TenantId;
use sqlx::error::ErrorKind;

#[derive(Debug, Clone, thiserror::Error)]
pub enum StorageError {
    #[error("{what} '{id}' not found")]
    NotFound { what: &'static str, id: String },
    #[error("{0}")]
    Conflict(String),
    #[error("unsupported DATABASE_URL: expected sqlite:... or postgres://...")]
    UnsupportedUrl,
    #[error(
        "an in-memory SQLite database cannot hold the hotels' keys: it is gone when the \
         process ends and the CLI cannot reach it; give a file (sqlite://path/to/quendoo.db)"
    )]
    InMemorySqlite,
    /// `message` has credentials removed: it may be shown and logged.
    #[error("database error while {operation}: {message}")]
    Database {
        operation: &'static str,
        message: String,
    },
    #[error("stored data is invalid: {0}")]
    Corrupt(String),
}

/// The kind of constraint violation behind `err`, if it is one.
pub(super) fn violation(err: &sqlx::Error) -> Option<ErrorKind> {
    match err {
        sqlx::Error::Database(db) => Some(db.kind()),
        _ => None,
    }
}

/// For writes of a row that belongs to a tenant: a foreign-key violation
/// means the tenant does not exist; anything else is a database error.
pub(super) fn tenant_row_error(
    tenant: &TenantId,
    operation: &'static str,
) -> impl FnOnce(sqlx::Error) -> StorageError {
    move |err| match violation(&err) {
        Some(ErrorKind::ForeignKeyViolation) => StorageError::NotFound {
            what: "tenant",
            id: tenant.to_string(),
        },
        _ => db_error(operation)(err),
    }
}

/// Maps any sqlx error to `StorageError::Database` for the given operation.
pub(super) fn db_error(operation: &'static str) -> impl FnOnce(sqlx::Error) -> StorageError {
    move |err| StorageError::Database {
        operation,
        message: redact_database_url(&err.to_string()),
    }
}

/// The database did not answer `operation` within the time allowed.
pub(super) fn timed_out(operation: &'static str) -> StorageError {
    StorageError::Database {
        operation,
        message: "the database did not answer in time".into(),
    }
}

/// Replaces passwords in any `scheme://user:password@host` and any
/// `password=...` parameter inside `text` with `***`.
pub fn redact_database_url(text: &str) -> String {
    redact_password_params(&redact_userinfo(text))
}

fn redact_userinfo(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(pos) = rest.find("://") {
        let (head, tail) = rest.split_at(pos + 3);
        out.push_str(head);
        let end = tail
            .find(|c: char| matches!(c, '/' | '?' | '#') || c.is_whitespace())
            .unwrap_or(tail.len());
        let authority = &tail[..end];
        match authority.rsplit_once('@') {
            Some((userinfo, host)) => {
                match userinfo.split_once(':') {
                    Some((user, _password)) => {
                        out.push_str(user);
                        out.push_str(":***");
                    }
                    None => out.push_str(userinfo),
                }
                out.push('@');
                out.push_str(host);
            }
            None => out.push_str(authority),
        }
        rest = &tail[end..];
    }
    out.push_str(rest);
    out
}

fn redact_password_params(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(pos) = rest.find("password=") {
        let (head, tail) = rest.split_at(pos + "password=".len());
        out.push_str(head);
        out.push_str("***");
        let end = tail
            .find(|c: char| c == '&' || c.is_whitespace())
            .unwrap_or(tail.len());
        rest = &tail[end..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::redact_database_url;

    #[test]
    fn passwords_are_removed() {
        assert_eq!(
            redact_database_url("failed: postgres://app:hunter2@db:5432/q?sslmode=require"),
            "failed: postgres://app:***@db:5432/q?sslmode=require"
        );
        assert_eq!(
            redact_database_url("postgres://db/q?user=app&password=hunter2&x=1"),
            "postgres://db/q?user=app&password=***&x=1"
        );
        assert_eq!(
            redact_database_url("postgres://p%40ss:w@rd@host/db"),
            "postgres://p%40ss:***@host/db"
        );
        assert_eq!(
            redact_database_url("sqlite://quendoo_mcp.db"),
            "sqlite://quendoo_mcp.db"
        );
        assert_eq!(
            redact_database_url("postgres://postgres@127.0.0.1/x"),
            "postgres://postgres@127.0.0.1/x"
        );
    }
}
