//! Foundation tests: storage and secrets on SQLite and PostgreSQL, the admin
//! CLI as a real process, and `/health` over real HTTP. One binary, to keep
//! link times down.

#[path = "../support/mod.rs"]
mod support;

/// Runs each `async fn name(store: Store)` of the calling module once on a
/// fresh SQLite file and once on a fresh PostgreSQL database.
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test]
                async fn $name() {
                    let db = crate::support::TestDb::sqlite().await;
                    super::$name(db.store().await).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test]
                async fn $name() {
                    let db = crate::support::TestDb::postgres().await;
                    super::$name(db.store().await).await;
                }
            )*
        }
    };
}

mod cli;
mod health;
mod secrets;
mod storage;
