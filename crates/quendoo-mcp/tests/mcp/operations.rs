//! What an operator and a hotel can watch: each hotel's own audit trail
//! (`GET /admin/audit`) with the transport, the client and Quendoo's status
//! of every call, and `/metrics` (behind ADMIN_TOKEN on the main port, open
//! on METRICS_ADDR) without a hotel, a user or a secret in it.

use quendoo_mcp::config::ServeArgs;
use quendoo_sim::Fault;
use serde_json::{Value, json};

use crate::app::TestApp;
use crate::{call, connect_2026, ok};

const ADMIN_TOKEN: &str = "admin-token-for-the-operations-tests-0123456789";

on_both_backends!(|db| crate::app::TestApp::spawn_with(db, super::watched).await;
    every_transport_leaves_its_trace_for_the_hotel_alone,
    metrics_count_without_naming_anyone,
);

fn watched(serve: &mut ServeArgs) {
    serve.admin_token = Some(ADMIN_TOKEN.into());
    serve.metrics_addr = Some("127.0.0.1:0".parse().unwrap());
}

async fn audit(app: &TestApp, token: &str, query: &str) -> (u16, Value) {
    let response = reqwest::Client::new()
        .get(app.url(&format!("/admin/audit{query}")))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    (response.status().as_u16(), response.json().await.unwrap())
}

/// One call of `get_rooms_details` by each transport, one of them failing at
/// Quendoo: the hotel reads all four, newest first, and no other hotel does.
async fn every_transport_leaves_its_trace_for_the_hotel_alone(app: TestApp) {
    let (hotel, other) = (app.hotel("Watched").await, app.hotel("Other").await);
    let client = connect_2026(&app, &hotel.token).await;
    ok(call(&client, "get_rooms_details", json!({})).await);
    client.cancel().await.ok();

    let http = reqwest::Client::new();
    let connection = crate::support::transports::rest_connection(&app, &hotel.token).await;
    let rest = http
        .post(app.url("/mcp/tools/execute"))
        .header("User-Agent", "dashboard-backend/2.1 (python)")
        .json(&json!({"connection_id": connection, "tool_name": "get_rooms_details", "tool_args": {}}))
        .send()
        .await
        .unwrap();
    assert_eq!(rest.status(), 200);

    let call_body = json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call",
        "params": {"name": "get_rooms_details", "arguments": {}}});
    let legacy = http
        .post(app.url("/messages/?session_id=task_audit"))
        .header("X-Quendoo-Api-Key", &hotel.spec.api_key)
        .header("User-Agent", "quendoo-dashboard/1.0")
        .json(&call_body)
        .send()
        .await
        .unwrap();
    assert_eq!(legacy.status(), 200);

    app.sim.set_fault(Fault {
        api_key: Some(hotel.spec.api_key.clone()),
        status: Some(503),
        ..Fault::default()
    });
    let failing = http
        .post(app.url("/mcp/tools/execute"))
        .json(&json!({"connection_id": connection, "tool_name": "get_rooms_details", "tool_args": {}}))
        .send()
        .await
        .unwrap();
    assert_eq!(failing.status(), 502);
    app.sim.clear_faults();

    let (status, page) = audit(&app, &hotel.token, "").await;
    assert_eq!(status, 200, "{page}");
    let seen: Vec<(Value, Value, Value, Value)> = page["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            assert_eq!(e["tenant_id"], json!(hotel.tenant.as_str()));
            assert_eq!(e["tool"], "get_rooms_details");
            (
                e["transport"].clone(),
                e["client"].clone(),
                e["outcome"].clone(),
                e["upstream_status"].clone(),
            )
        })
        .collect();
    assert_eq!(
        seen,
        [
            (
                json!("rest"),
                Value::Null,
                json!("upstream_unavailable"),
                json!(503)
            ),
            (
                json!("sse"),
                json!("quendoo-dashboard/1.0"),
                json!("ok"),
                json!(200)
            ),
            (
                json!("rest"),
                json!("dashboard-backend/2.1"),
                json!("ok"),
                json!(200)
            ),
            (json!("mcp"), json!("rmcp"), json!("ok"), json!(200)),
        ]
    );
    assert_eq!(page["next_cursor"], Value::Null);
    assert!(!page.to_string().contains(&hotel.spec.api_key));

    // Two at a time: the cursor leads to the other two, then no further.
    let (_, first) = audit(&app, &hotel.token, "?limit=2").await;
    let cursor = first["next_cursor"].as_str().expect("a next page");
    let (_, second) = audit(&app, &hotel.token, &format!("?limit=2&cursor={cursor}")).await;
    assert_eq!(second["entries"].as_array().unwrap().len(), 2);
    assert_eq!(second["entries"][1]["transport"], "mcp");
    assert_eq!(second["next_cursor"], Value::Null);

    let (_, failed) = audit(&app, &hotel.token, "?outcome=upstream_unavailable&since=1h").await;
    assert_eq!(failed["entries"].as_array().unwrap().len(), 1);
    let (_, none) = audit(&app, &hotel.token, "?tool=make_call").await;
    assert!(none["entries"].as_array().unwrap().is_empty());
    let (_, theirs) = audit(&app, &other.token, "").await;
    assert!(theirs["entries"].as_array().unwrap().is_empty(), "{theirs}");

    for bad in [
        "?limit=0",
        "?limit=many",
        "?since=yesterday",
        "?cursor=abc",
        "?tool=a%20b",
    ] {
        let (status, body) = audit(&app, &hotel.token, bad).await;
        assert_eq!(status, 400, "{bad}: {body}");
        assert!(
            body["detail"]
                .as_str()
                .unwrap()
                .starts_with("Query parameter"),
            "{body}"
        );
    }
    let anonymous = reqwest::get(app.url("/admin/audit")).await.unwrap();
    assert_eq!(anonymous.status(), 401);
}

async fn metrics_count_without_naming_anyone(app: TestApp) {
    let hotel = app.hotel("Counted").await;
    let client = connect_2026(&app, &hotel.token).await;
    ok(call(&client, "get_bookings", json!({"limit": 1})).await);
    client.cancel().await.ok();

    let http = reqwest::Client::new();
    let anonymous = http.get(app.url("/metrics")).send().await.unwrap();
    assert_eq!(anonymous.status(), 401);
    let hotel_token = http
        .get(app.url("/metrics"))
        .bearer_auth(&hotel.token)
        .send()
        .await
        .unwrap();
    assert_eq!(
        hotel_token.status(),
        401,
        "a hotel's token is not the operator's"
    );

    let scraped = http
        .get(app.url("/metrics"))
        .bearer_auth(ADMIN_TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(scraped.status(), 200);
    assert!(
        scraped.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/plain; version=0.0.4")
    );
    let text = scraped.text().await.unwrap();
    for expected in [
        r#"quendoo_mcp_tool_calls_total{tool="get_bookings",outcome="ok"} 1"#,
        r#"quendoo_mcp_tool_call_duration_seconds_count{tool="get_bookings"} 1"#,
        r#"quendoo_mcp_upstream_requests_total{endpoint="Booking/getBookings",status="200"} 1"#,
        r#"quendoo_mcp_http_requests_total{method="POST",route="/mcp",status="200"}"#,
        "quendoo_mcp_http_request_duration_seconds_bucket",
        "quendoo_mcp_audit_queue_depth ",
        "quendoo_mcp_db_pool_connections ",
        "quendoo_mcp_sse_streams_open 0",
    ] {
        assert!(text.contains(expected), "{expected} missing from\n{text}");
    }
    for private in [
        hotel.tenant.as_str(),
        &hotel.token,
        &hotel.spec.api_key,
        ADMIN_TOKEN,
    ] {
        assert!(!text.contains(private), "the metrics name {private}");
    }

    // The second listener needs no token, and serves nothing else.
    let addr = app.metrics_addr.expect("METRICS_ADDR is set");
    let open = http
        .get(format!("http://{addr}/metrics"))
        .send()
        .await
        .unwrap();
    assert_eq!(open.status(), 200);
    assert!(
        open.text()
            .await
            .unwrap()
            .contains("quendoo_mcp_tool_calls_total")
    );
    let other = http.get(format!("http://{addr}/mcp")).send().await.unwrap();
    assert_eq!(other.status(), 404);
}
