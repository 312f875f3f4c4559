//! Test support: a fresh SQLite file or a fresh PostgreSQL database per
//! test (removed afterwards), the server with its simulator (`app`), log
//! capture (`logs`) and `on_both_backends!`. Include from any test binary with
//! `#[macro_use] #[path = "../support/mod.rs"] mod support;`.
//!
//! PostgreSQL is the server every machine has at 127.0.0.1:5432 (override
//! with `TEST_POSTGRES_URL`); when it cannot be reached the test fails.

#![allow(dead_code, unused_macros)] // each test binary uses its own subset

pub mod app;
pub mod logs;
pub mod transports;

/// Runs each `async fn name(arg)` of the calling module twice: on a fresh
/// SQLite file and on a fresh PostgreSQL database. `arg` is `$setup`, an
/// expression in which `$db` names that database (alive until the test ends):
/// `on_both_backends!(|db| db.store().await; tenants, users);`
macro_rules! on_both_backends {
    (|$db:ident| $setup:expr; $($name:ident),* $(,)?) => {
        on_both_backends!(@on sqlite, $db, $setup, $($name),*);
        on_both_backends!(@on postgres, $db, $setup, $($name),*);
    };
    (@on $backend:ident, $db:ident, $setup:expr, $($name:ident),*) => {
        mod $backend {
            $(
                #[tokio::test]
                async fn $name() {
                    let $db = crate::support::TestDb::$backend().await;
                    super::$name($setup).await;
                }
            )*
        }
    };
}

use quendoo_mcp::storage::Store;
use sqlx::{Connection, Executor, PgConnection};
use tempfile::TempDir;

pub const DEFAULT_POSTGRES_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";

/// The Redis every machine has at 127.0.0.1:6379 (override with
/// `TEST_REDIS_URL`). Tests that use it keep to keys of their own replicas.
pub fn redis_url() -> String {
    std::env::var("TEST_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into())
}

/// A database that exists for the lifetime of this value.
pub struct TestDb {
    pub url: String,
    cleanup: Cleanup,
}

enum Cleanup {
    /// The SQLite file lives in this directory, deleted on drop.
    Sqlite(TempDir),
    /// Dropped (forcibly, closing leftover connections) on drop.
    Postgres { admin_url: String, name: String },
}

impl TestDb {
    pub async fn sqlite() -> TestDb {
        let dir = tempfile::tempdir().expect("temporary directory");
        let url = format!("sqlite://{}", dir.path().join("test.db").display());
        TestDb {
            url,
            cleanup: Cleanup::Sqlite(dir),
        }
    }

    pub async fn postgres() -> TestDb {
        let admin_url =
            std::env::var("TEST_POSTGRES_URL").unwrap_or_else(|_| DEFAULT_POSTGRES_URL.into());
        let name = format!("qmcp_{}", uuid::Uuid::new_v4().simple());
        let mut admin = PgConnection::connect(&admin_url).await.unwrap_or_else(|e| {
            panic!(
                "PostgreSQL is not reachable at {admin_url} ({e}); start it or set TEST_POSTGRES_URL"
            )
        });
        admin
            .execute(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .await
            .expect("CREATE DATABASE");
        let _ = admin.close().await;
        TestDb {
            url: with_database(&admin_url, &name),
            cleanup: Cleanup::Postgres { admin_url, name },
        }
    }

    /// A connected, migrated store on this database.
    pub async fn store(&self) -> Store {
        let store = Store::connect(&self.url).await.expect("connect");
        store.migrate().await.expect("migrate");
        store
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let Cleanup::Postgres { admin_url, name } = &self.cleanup else {
            return;
        };
        let (admin_url, name) = (admin_url.clone(), name.clone());
        // Drop cannot await; a short-lived runtime on its own thread can,
        // even while the test's runtime is shutting down.
        let dropped = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            rt.block_on(async {
                let mut admin = PgConnection::connect(&admin_url).await.ok()?;
                admin
                    .execute(sqlx::AssertSqlSafe(format!(
                        "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
                    )))
                    .await
                    .ok()
            })
        })
        .join();
        if !matches!(dropped, Ok(Some(_))) {
            eprintln!("warning: could not drop test database {}", self.url);
        }
    }
}

/// `admin_url` with its database name replaced by `name`.
fn with_database(admin_url: &str, name: &str) -> String {
    let (base, query) = match admin_url.split_once('?') {
        Some((base, query)) => (base, Some(query)),
        None => (admin_url, None),
    };
    let authority_start = base.find("://").map_or(0, |i| i + 3);
    let prefix = match base[authority_start..].find('/') {
        Some(slash) => &base[..authority_start + slash],
        None => base,
    };
    match query {
        Some(q) => format!("{prefix}/{name}?{q}"),
        None => format!("{prefix}/{name}"),
    }
}
