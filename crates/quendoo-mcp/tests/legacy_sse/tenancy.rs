//! The hotel key as the credential: unknown keys are refused, a bearer token
//! works as on `/mcp`, two keys reach two hotels, and `LEGACY_AUTO_TENANT`
//! gives a new key exactly one tenant.

use futures::future::join_all;
use quendoo_sim::PropertySpec;
use secrecy::SecretString;
use serde_json::json;

use crate::{
    app::TestApp,
    client::{Dashboard, post},
    ok,
    support::TestDb,
    task_call,
};

on_both_backends!(
    |db| db;
    unknown_or_missing_credentials_get_401,
    two_hotels_on_two_keys_are_kept_apart,
    auto_tenant_gives_a_new_key_one_tenant
);

const INITIALIZE: &str = r#"{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2024-11-05","capabilities":{},"clientInfo":{"name":"d","version":"1"}}}"#;

async fn unknown_or_missing_credentials_get_401(db: TestDb) {
    crate::support::logs::capture();
    let app = TestApp::spawn(db).await;
    // Quendoo knows this key, but no tenant here holds it.
    let stranger = app.hotel_without_keys("Stranger").await.spec.api_key;
    let path = "/messages/?session_id=s";
    for key in [stranger.as_str(), "not-a-key-at-all"] {
        let reply = post(app.addr, path, &[("X-Quendoo-Api-Key", key)], INITIALIZE).await;
        assert_eq!(reply.status, 401, "{reply:?}");
        assert!(
            reply.json()["detail"]
                .as_str()
                .unwrap()
                .contains("X-Quendoo-Api-Key")
        );
        assert!(!reply.body.contains(key));
    }
    assert!(
        app.sim.requests().is_empty(),
        "no PMS call without LEGACY_AUTO_TENANT"
    );

    let reply = post(app.addr, path, &[], INITIALIZE).await;
    assert_eq!(reply.status, 401);
    let detail = reply.json()["detail"].as_str().unwrap().to_owned();
    assert!(
        detail.contains("X-Quendoo-Api-Key") && detail.contains("Bearer"),
        "{detail}"
    );

    // A bearer token works as on /mcp, with no key.
    let hotel = app.hotel("Bearer").await;
    let bearer = format!("Bearer {}", hotel.token);
    let reply = post(
        app.addr,
        path,
        &[("Authorization", &bearer)],
        &task_call("get_bookings", json!({"limit": 1})),
    )
    .await;
    assert_eq!(reply.status, 200, "{reply:?}");
    ok(&reply.json()["result"]);
    let forged = post(
        app.addr,
        path,
        &[("Authorization", "Bearer a.b.c")],
        INITIALIZE,
    )
    .await;
    assert_eq!(forged.status, 401);
    crate::support::logs::assert_none_of(&[&stranger, &hotel.spec.api_key]);
}

async fn two_hotels_on_two_keys_are_kept_apart(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let a = app.hotel("Hotel A").await;
    let b = app.hotel("Hotel B").await;
    let mut names = Vec::new();
    for hotel in [&a, &b] {
        let mut dashboard = Dashboard::connect(&app.url("/sse"), &hotel.spec.api_key).await;
        dashboard.handshake().await;
        app.sim.clear_requests();
        let settings = ok(&dashboard.call("get_property_settings", json!({})).await);
        ok(&dashboard.call("get_bookings", json!({"limit": 1})).await);
        let held = app.sim.snapshot(&hotel.spec.api_key).unwrap();
        assert_eq!(settings["data"]["property"], held["settings"]["property"]);
        let requests = app.sim.requests();
        assert!(!requests.is_empty());
        for request in requests {
            assert_eq!(
                request.api_key.as_deref(),
                Some(hotel.spec.api_key.as_str()),
                "{}",
                request.path
            );
        }
        names.push(settings["data"]["property"]["name"].clone());
    }
    assert_ne!(names[0], names[1], "two different hotels");
}

async fn auto_tenant_gives_a_new_key_one_tenant(db: TestDb) {
    crate::support::logs::capture();
    let app = TestApp::spawn_with(db, |serve| serve.legacy_auto_tenant = true).await;
    let unique = uuid::Uuid::new_v4().simple().to_string();
    let spec = PropertySpec {
        api_key: format!("pms-{unique}"),
        email_bearer: format!("email-{unique}"),
        automation_bearer: format!("call-{unique}"),
    };
    app.sim.add_property(spec.clone());

    // The dashboard's first calls may well arrive together.
    let body = task_call("get_bookings", json!({"limit": 1}));
    let replies = join_all((0..8).map(|i| {
        let (body, key) = (&body, &spec.api_key);
        async move {
            let path = format!("/messages/?session_id=task_{i}");
            post(app.addr, &path, &[("X-Quendoo-Api-Key", key)], body).await
        }
    }))
    .await;
    for reply in &replies {
        assert_eq!(reply.status, 200, "{reply:?}");
        ok(&reply.json()["result"]);
    }
    let tenants = app.state.store.list_tenants().await.unwrap();
    assert_eq!(tenants.len(), 1, "{tenants:?}");
    let found = app
        .state
        .secrets
        .find_tenant_by_quendoo_key(&SecretString::from(spec.api_key.clone()))
        .await
        .unwrap()
        .map(|(tenant, _)| tenant);
    assert_eq!(found.as_ref(), Some(&tenants[0].id));

    // A key Quendoo refuses gets no tenant.
    let refused = format!("pms-unknown-{unique}");
    let reply = post(
        app.addr,
        "/messages/?session_id=s",
        &[("X-Quendoo-Api-Key", &refused)],
        INITIALIZE,
    )
    .await;
    assert_eq!(reply.status, 401, "{reply:?}");
    assert!(!reply.body.contains(&refused));
    assert_eq!(app.state.store.list_tenants().await.unwrap().len(), 1);
    crate::support::logs::assert_none_of(&[&spec.api_key, &refused]);
}

/// With `LEGACY_AUTO_TENANT`, made-up keys cost little: the same refused key
/// is asked about once, and one address gets at most ten keys checked a
/// minute, so a flood cannot get the server throttled by Quendoo.
#[tokio::test]
async fn auto_tenant_floods_are_bounded() {
    let app = TestApp::spawn_with(TestDb::sqlite().await, |serve| {
        serve.legacy_auto_tenant = true;
    })
    .await;
    let path = "/messages/?session_id=task_flood";
    let body = task_call("get_bookings", json!({"limit": 1}));
    app.sim.clear_requests();
    for _ in 0..20 {
        let reply = post(
            app.addr,
            path,
            &[("X-Quendoo-Api-Key", "made-up-key-1")],
            &body,
        )
        .await;
        assert_eq!(reply.status, 401, "{reply:?}");
    }
    assert_eq!(
        app.sim.requests().len(),
        1,
        "a refused key is asked about once"
    );

    let mut limited = 0;
    for i in 0..15 {
        let key = format!("random-key-{i}");
        let reply = post(app.addr, path, &[("X-Quendoo-Api-Key", &key)], &body).await;
        match reply.status {
            401 => {}
            429 => {
                limited += 1;
                let head = reply.head.to_ascii_lowercase();
                assert!(head.contains("\r\nretry-after: "), "{head}");
                assert!(reply.json()["retry_after_s"].as_u64().unwrap() <= 6);
            }
            other => panic!("{other}: {reply:?}"),
        }
    }
    // One check was spent above; nine more, then the address waits.
    assert_eq!(limited, 6);
    assert_eq!(app.sim.requests().len(), 10);
    assert!(app.state.store.list_tenants().await.unwrap().is_empty());
}
