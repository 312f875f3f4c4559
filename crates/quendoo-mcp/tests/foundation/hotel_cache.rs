//! Each replica caches a hotel's policy and decrypted keys; these tests make
//! the changes an operator makes (admin API on one replica, the CLI as its
//! own process) and check that the other replica's very next call, on every
//! transport, sees them: no sleep, no stale key sent to the PMS. And that a
//! call on a warm cache makes one database round trip, counted by the store.

use quendoo_mcp::config::ServeArgs;
use quendoo_sim::PropertySpec;
use reqwest::{Method, StatusCode};
use secrecy::ExposeSecret;
use serde_json::{Value, json};

use crate::cli::Cli;
use crate::support::app::{Hotel, TestApp};
use crate::support::transports::{Endpoint, Transport, call_tool, list_tools, rest_connection};

const ADMIN_TOKEN: &str = "hotel-cache-admin-token-of-32-bytes-or-more";

on_both_backends!(|db| super::TestApp::spawn_with(db, super::quiet_admin).await;
    keys_changed_on_one_replica_are_never_used_by_another,
    a_deleted_tenant_is_refused_at_once_on_every_replica,
    a_policy_change_on_one_replica_applies_on_the_next_call_of_another,
    a_call_on_a_warm_cache_makes_one_database_round_trip,
);

/// An admin token, and no `/sse` relay heartbeat while a test counts.
fn quiet_admin(serve: &mut ServeArgs) {
    serve.admin_token = Some(ADMIN_TOKEN.into());
    serve.legacy_sse_keepalive = std::time::Duration::from_secs(3600);
}

/// One request with a JSON body (or none) and a bearer token.
async fn send(
    server: &impl Endpoint,
    method: Method,
    path: &str,
    token: &str,
    body: Option<Value>,
) -> StatusCode {
    let mut request = reqwest::Client::new()
        .request(method, server.url(path))
        .bearer_auth(token);
    if let Some(body) = body {
        request = request.json(&body);
    }
    request.send().await.expect("request").status()
}

/// The key the PMS saw on the last request, after `get_rooms_details` was
/// called on `server` over every transport and succeeded each time.
async fn calls_use_key(app: &TestApp, server: &impl Endpoint, hotel: &Hotel, key: &str) {
    for transport in Transport::ALL {
        app.sim.clear_requests();
        call_tool(
            server,
            hotel,
            transport,
            "get_rooms_details",
            json!({}),
            &[],
        )
        .await
        .ok();
        let seen: Vec<_> = app.sim.requests().into_iter().map(|r| r.api_key).collect();
        assert!(!seen.is_empty(), "{transport:?}: the PMS was asked");
        assert!(
            seen.iter().all(|seen| seen.as_deref() == Some(key)),
            "{transport:?}: every request carried the current key, not {seen:?}"
        );
    }
}

/// Every transport's call on `server` is refused (with `why` in its
/// sentence, if given), and the PMS is not asked.
async fn calls_refused(app: &TestApp, server: &impl Endpoint, hotel: &Hotel, why: Option<&str>) {
    for transport in Transport::ALL {
        app.sim.clear_requests();
        let reply = call_tool(
            server,
            hotel,
            transport,
            "get_rooms_details",
            json!({}),
            &[],
        )
        .await;
        // A tool's refusal, or the request's (401 for a tenant gone).
        let refused = reply.is_error || reply.status != StatusCode::OK;
        assert!(refused, "{transport:?}: {reply:?}");
        let said = why.is_none_or(|why| reply.text.contains(why));
        assert!(said, "{transport:?}: {reply:?}");
        assert!(app.sim.requests().is_empty(), "{transport:?}: PMS asked");
    }
}

/// A PMS property whose key is `key`, standing for the hotel's new key.
fn new_key(app: &TestApp, hotel: &Hotel, key: &str) -> String {
    app.sim.add_property(PropertySpec {
        api_key: key.to_owned(),
        ..hotel.spec.clone()
    });
    key.to_owned()
}

fn cli_set_key(app: &TestApp, hotel: &Hotel, value: &str) {
    let master = app.master_key().expose_secret().to_owned();
    let set = Cli::on(&app.db.url).run_with(
        &[
            "api-key",
            "set",
            "--tenant",
            hotel.tenant.as_str(),
            "--name",
            "QUENDOO_API_KEY",
        ],
        &[("ENCRYPTION_KEY", &master)],
        &format!("{value}\n"),
    );
    assert!(set.ok, "{}", set.stderr);
}

async fn keys_changed_on_one_replica_are_never_used_by_another(app: TestApp) {
    let other = app.replica(|_| {}).await;
    let hotel = app.hotel("Rotating").await;
    calls_use_key(&app, &other, &hotel, &hotel.spec.api_key).await;

    // Through the admin API on the first replica.
    let second = new_key(&app, &hotel, "pms-second-key");
    let saved = send(
        &app,
        Method::POST,
        "/admin/api-keys",
        &hotel.token,
        Some(json!({"key_name": "QUENDOO_API_KEY", "key_value": second})),
    )
    .await;
    assert!(saved.is_success(), "{saved}");
    calls_use_key(&app, &other, &hotel, &second).await;
    let path = "/admin/api-keys/QUENDOO_API_KEY";
    let deleted = send(&app, Method::DELETE, path, &hotel.token, None).await;
    assert!(deleted.is_success(), "{deleted}");
    calls_refused(&app, &other, &hotel, Some("no QUENDOO_API_KEY configured")).await;

    // Through the CLI, a process of its own on the same database.
    let third = new_key(&app, &hotel, "pms-third-key");
    cli_set_key(&app, &hotel, &third);
    calls_use_key(&app, &other, &hotel, &third).await;
    calls_use_key(&app, &app, &hotel, &third).await;
    let args = [
        "api-key",
        "delete",
        "--tenant",
        hotel.tenant.as_str(),
        "--name",
        "QUENDOO_API_KEY",
    ];
    Cli::on(&app.db.url).ok(&args, &[]);
    calls_refused(&app, &other, &hotel, Some("no QUENDOO_API_KEY configured")).await;
    calls_refused(&app, &app, &hotel, Some("no QUENDOO_API_KEY configured")).await;
    other.shut_down().await.unwrap();
}

async fn a_deleted_tenant_is_refused_at_once_on_every_replica(app: TestApp) {
    let other = app.replica(|_| {}).await;
    let hotel = app.hotel("Leaving").await;
    calls_use_key(&app, &app, &hotel, &hotel.spec.api_key).await;
    calls_use_key(&app, &other, &hotel, &hotel.spec.api_key).await;

    let path = format!("/admin/tenants/{}", hotel.tenant);
    let deleted = send(&app, Method::DELETE, &path, ADMIN_TOKEN, None).await;
    assert!(deleted.is_success(), "{deleted}");
    calls_refused(&app, &app, &hotel, None).await;
    calls_refused(&app, &other, &hotel, None).await;
    other.shut_down().await.unwrap();
}

async fn a_policy_change_on_one_replica_applies_on_the_next_call_of_another(app: TestApp) {
    let other = app.replica(|_| {}).await;
    let hotel = app.hotel("Narrowed").await;
    calls_use_key(&app, &other, &hotel, &hotel.spec.api_key).await;
    let names = list_tools(&other, &hotel, Transport::Mcp, &[])
        .await
        .unwrap();
    assert!(names.iter().any(|name| name == "get_rooms_details"));

    let path = format!("/admin/tenants/{}/policy", hotel.tenant);
    let body = json!({"toolsets": "availability,bookings"});
    let changed = send(&app, Method::PUT, &path, ADMIN_TOKEN, Some(body)).await;
    assert!(changed.is_success(), "{changed}");
    calls_refused(&app, &other, &hotel, Some("property")).await;
    let names = list_tools(&other, &hotel, Transport::Mcp, &[])
        .await
        .unwrap();
    assert!(!names.iter().any(|name| name == "get_rooms_details"));

    let args = [
        "policy",
        "set",
        "--tenant",
        hotel.tenant.as_str(),
        "--toolsets",
        "all",
    ];
    Cli::on(&app.db.url).ok(&args, &[]);
    calls_use_key(&app, &other, &hotel, &hotel.spec.api_key).await;
    other.shut_down().await.unwrap();
}

/// Sends `request` and answers how many queries the server made meanwhile.
/// The audit writer and retention count apart (`Store::for_background`):
/// they run after the call, batched.
async fn queries_during(app: &TestApp, request: reqwest::RequestBuilder) -> u64 {
    let before = app.state.store.queries_run();
    let status = request.send().await.unwrap().status();
    assert_eq!(status, StatusCode::OK);
    app.state.store.queries_run() - before
}

async fn a_call_on_a_warm_cache_makes_one_database_round_trip(app: TestApp) {
    let hotel = app.hotel("Counted").await;
    let http = reqwest::Client::new();
    let rpc = json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call",
        "params": {"name": "get_rooms_details", "arguments": {}}});
    let mcp = || {
        http.post(app.url("/mcp"))
            .bearer_auth(&hotel.token)
            .header("Accept", "application/json, text/event-stream")
            .json(&rpc)
    };
    let legacy = || {
        http.post(app.url("/messages/?session_id=task_counted"))
            .json(&rpc)
    };
    let connection = rest_connection(&app, &hotel.token).await;
    let execute = json!({"connection_id": connection,
        "tool_name": "get_rooms_details", "tool_args": {}});
    let rest = || http.post(app.url("/mcp/tools/execute")).json(&execute);

    let by_key = || legacy().header("X-Quendoo-Api-Key", &hotel.spec.api_key);
    let by_token = || legacy().bearer_auth(&hotel.token);

    // The first call of each kind reads who is calling (and the first
    // loads the hotel); after that, only the epoch is read.
    for request in [mcp(), rest(), by_key()] {
        queries_during(&app, request).await;
    }
    assert_eq!(queries_during(&app, mcp()).await, 1, "/mcp");
    assert_eq!(queries_during(&app, rest()).await, 1, "REST");
    let with_token = rest().bearer_auth(&hotel.token);
    assert_eq!(queries_during(&app, with_token).await, 1, "REST + token");
    assert_eq!(queries_during(&app, by_key()).await, 1, "legacy by key");
    assert_eq!(queries_during(&app, by_token()).await, 1, "legacy by token");

    // Every call was recorded as a use of the REST connection.
    let id = connection.as_str().unwrap().parse().unwrap();
    let ttl = app.state.config.connection_idle_ttl;
    let stored = app.state.store.get_connection(&id, ttl).await.unwrap();
    assert_eq!(stored.unwrap().tool_calls, 3);
}
