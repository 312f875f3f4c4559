//! The database does not grow for ever: at start (and every hour) each
//! replica purges REST connections idle past their TTL and audit entries
//! older than `AUDIT_RETENTION`, and the digests of used confirmation codes
//! past their codes' expiry, and keeps the rest.

use std::time::Duration;

use crate::support::{TestDb, app::TestApp};

on_both_backends!(|db| db;
    old_rows_are_purged_recent_ones_kept,
    a_used_code_is_kept_until_it_would_have_expired,
);

async fn old_rows_are_purged_recent_ones_kept(db: TestDb) {
    let store = db.store().await;
    let tenant = store.create_tenant(None, "Old").await.unwrap().id;
    let day = 24 * 3600 * 1000_i64;
    let now = chrono::Utc::now().timestamp_millis();
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(&db.url).await.unwrap();
    for (age, digest) in [(200 * day, "old"), (day, "recent")] {
        sqlx::query(
            "INSERT INTO audit_log (tenant_id, tool, outcome, created_at, duration_ms, args_digest) \
             VALUES ($1, 'get_bookings', 'ok', $2, 1, $3)",
        )
        .bind(tenant.as_str())
        .bind(now - age)
        .bind(digest)
        .execute(&pool)
        .await
        .unwrap();
    }
    sqlx::query(
        "INSERT INTO connections (id, tenant_id, created_at, last_used_at, tool_calls) \
         VALUES ($1, $2, $3, $3, 0)",
    )
    .bind(uuid::Uuid::new_v4().to_string())
    .bind(tenant.as_str())
    .bind(now - 3 * day)
    .execute(&pool)
    .await
    .unwrap();
    let live = store.create_connection(&tenant).await.unwrap();
    for (digest, expires_at) in [("expired", now - 1), ("live", now + day)] {
        sqlx::query("INSERT INTO spent_confirmations (digest, expires_at) VALUES ($1, $2)")
            .bind(digest)
            .bind(expires_at)
            .execute(&pool)
            .await
            .unwrap();
    }

    let app = TestApp::spawn_with(db, |serve| {
        serve.audit_retention = Duration::from_secs(90 * 24 * 3600);
    })
    .await;
    let count = |sql: &'static str| {
        let pool = pool.clone();
        async move {
            sqlx::query_scalar::<_, i64>(sql)
                .fetch_one(&pool)
                .await
                .unwrap()
        }
    };
    let mut purged = false;
    for _ in 0..100 {
        if count("SELECT COUNT(*) FROM audit_log").await == 1
            && count("SELECT COUNT(*) FROM connections").await == 1
            && count("SELECT COUNT(*) FROM spent_confirmations").await == 1
        {
            purged = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(purged, "old rows were not purged at start");
    let kept: String = sqlx::query_scalar("SELECT args_digest FROM audit_log")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(kept, "recent");
    let spent: String = sqlx::query_scalar("SELECT digest FROM spent_confirmations")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(spent, "live");
    assert!(
        app.state
            .store
            .get_connection(&live.id, Duration::from_secs(3600))
            .await
            .unwrap()
            .is_some()
    );
    pool.close().await;
}

async fn a_used_code_is_kept_until_it_would_have_expired(db: TestDb) {
    let store = db.store().await;
    let minutes = Duration::from_secs(300);
    assert!(store.spend_confirmation("code-a", minutes).await.unwrap());
    assert!(!store.spend_confirmation("code-a", minutes).await.unwrap());
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(&db.url).await.unwrap();
    let kept = || async {
        sqlx::query_scalar::<_, String>("SELECT digest FROM spent_confirmations ORDER BY digest")
            .fetch_all(&pool)
            .await
            .unwrap()
    };
    assert_eq!(kept().await, ["code-a"]);
    // Past its time, the purge drops it (and the code may be recorded again:
    // by then the sealed code itself is refused as expired).
    sqlx::query("UPDATE spent_confirmations SET expires_at = $1")
        .bind(chrono::Utc::now().timestamp_millis() - 1)
        .execute(&pool)
        .await
        .unwrap();
    assert_eq!(store.purge_spent_confirmations().await.unwrap(), 1);
    assert!(kept().await.is_empty());
    assert!(store.spend_confirmation("code-a", minutes).await.unwrap());
}
