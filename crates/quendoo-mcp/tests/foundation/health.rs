use quendoo_mcp::app::Application;
use quendoo_mcp::auth::JwtKeys;
use quendoo_mcp::config::{ServeArgs, Settings};
use quendoo_mcp::crypto::{Cipher, EncryptionKey};
use quendoo_mcp::storage::Store;
use serde_json::Value;

use crate::support::TestDb;

/// A running server on a random port, over the given database.
struct TestApp {
    base: String,
    store: Store,
    _db: TestDb,
}

async fn spawn_app(db: TestDb) -> TestApp {
    let settings = Settings {
        serve: ServeArgs {
            port: 0,
            ..ServeArgs::default()
        },
        database_url: db.url.clone().into(),
        cipher: Cipher::new(&EncryptionKey::generate().unwrap(), &[]),
        jwt: JwtKeys::new(&"x".repeat(32).into(), None, None),
    };
    let app = Application::build(settings).await.unwrap();
    let base = format!("http://127.0.0.1:{}", app.port());
    let store = app.state().store.clone();
    tokio::spawn(app.run_until_stopped());
    TestApp {
        base,
        store,
        _db: db,
    }
}

async fn get_health(app: &TestApp) -> (u16, Value) {
    let response = reqwest::get(format!("{}/health", app.base)).await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap())
}

async fn health_reports_the_database(db: TestDb) {
    let app = spawn_app(db).await;
    let (status, body) = get_health(&app).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["status"], "healthy");
    assert_eq!(body["active_connections"], 0);
    assert!(body["timestamp"].as_str().unwrap().contains('T'));

    let tenant = app.store.create_tenant(None, "Hotel").await.unwrap();
    app.store.create_connection(&tenant.id).await.unwrap();
    let (_, body) = get_health(&app).await;
    assert_eq!(body["active_connections"], 1);

    app.store.close().await;
    let (status, body) = get_health(&app).await;
    assert_eq!(status, 503, "{body}");
    assert_eq!(body["status"], "unhealthy");
    assert!(body.get("active_connections").is_none());
    // Not ready without its database, but alive: an orchestrator takes it
    // out of rotation and does not restart it.
    let ready = reqwest::get(format!("{}/health/ready", app.base))
        .await
        .unwrap();
    assert_eq!(ready.status(), 503);
    let live = reqwest::get(format!("{}/health/live", app.base))
        .await
        .unwrap();
    assert_eq!(live.status(), 200);

    // Callers cannot be checked: concurrent requests are each told so
    // (503), whether they made the failed read of the epoch or shared it.
    let keys = JwtKeys::new(&"x".repeat(32).into(), None, None);
    let token = keys
        .issue(&tenant.id, None, std::time::Duration::from_secs(600))
        .unwrap();
    let http = reqwest::Client::new();
    let pings = (0..10).map(|id| {
        http.post(format!("{}/mcp", app.base))
            .bearer_auth(&token)
            .header("Accept", "application/json, text/event-stream")
            .json(&serde_json::json!({"jsonrpc": "2.0", "id": id, "method": "ping"}))
            .send()
    });
    for response in futures::future::join_all(pings).await {
        let response = response.unwrap();
        assert_eq!(response.status(), 503);
        let body = response.text().await.unwrap();
        assert!(body.contains("cannot be checked right now"), "{body}");
    }
}

#[tokio::test]
async fn health_on_sqlite() {
    health_reports_the_database(TestDb::sqlite().await).await;
}

#[tokio::test]
async fn health_on_postgres() {
    health_reports_the_database(TestDb::postgres().await).await;
}
