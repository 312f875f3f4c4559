//! The one layer stack in front of every route: request ids in and out, a
//! span per request naming route, tenant and status (and never a
//! credential), the Host guard on every route but `/health`, and the
//! request timeout answered in our words.

use std::time::Duration;

use quendoo_sim::Fault;
use serde_json::{Value, json};

use crate::support::{TestDb, app::TestApp, logs};

fn client() -> reqwest::Client {
    reqwest::Client::new()
}

#[tokio::test]
async fn request_ids_go_in_and_out() {
    let app = TestApp::spawn(TestDb::sqlite().await).await;
    let made = client().get(app.url("/health")).send().await.unwrap();
    let id = made.headers()["x-request-id"].to_str().unwrap().to_owned();
    assert_eq!(id.len(), 36, "a fresh UUID: {id}");

    let kept = client()
        .get(app.url("/health"))
        .header("X-Request-Id", "lb-7f3a.9")
        .send()
        .await
        .unwrap();
    assert_eq!(kept.headers()["x-request-id"], "lb-7f3a.9");

    for unfit in ["x".repeat(129), "two words".to_owned()] {
        let replaced = client()
            .get(app.url("/health"))
            .header("X-Request-Id", &unfit)
            .send()
            .await
            .unwrap();
        let id = replaced.headers()["x-request-id"].to_str().unwrap();
        assert_ne!(id, unfit);
        assert_eq!(id.len(), 36);
    }
}

#[tokio::test]
async fn each_request_is_logged_with_route_tenant_and_status_but_no_credential() {
    logs::capture();
    let app = TestApp::spawn(TestDb::sqlite().await).await;
    let hotel = app.hotel("Traced").await;
    let marker = "req-traced-4711";
    let response = client()
        .post(app.url("/mcp/connect"))
        .bearer_auth(&hotel.token)
        .header("X-Request-Id", marker)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    // The line is written as the response goes out; give it a moment.
    let mut line = None;
    for _ in 0..50 {
        line = logs::text()
            .lines()
            .find(|l| l.contains(marker) && l.contains("latency_ms"))
            .map(str::to_owned);
        if line.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let line = line.expect("a log line for the request");
    for field in [
        "route=/mcp/connect",
        "method=POST",
        &format!("tenant={}", hotel.tenant),
        "status=200",
    ] {
        assert!(line.contains(field), "{field} missing: {line}");
    }
    logs::assert_none_of(&[&hotel.token, &hotel.spec.api_key]);
}

#[tokio::test]
async fn every_route_but_health_is_behind_the_host_guard() {
    let app = TestApp::spawn(TestDb::sqlite().await).await;
    let hotel = app.hotel("Guarded").await;
    let as_host = |path: &str, host: &str| {
        client()
            .get(app.url(path))
            .header("Host", host)
            .bearer_auth(&hotel.token)
    };
    for path in [
        "/",
        "/openapi.json",
        "/admin/api-keys",
        "/.well-known/oauth-protected-resource",
        "/.well-known/oauth-protected-resource/mcp",
        "/sse",
    ] {
        let response = as_host(path, "evil.example").send().await.unwrap();
        assert_eq!(response.status(), 403, "{path}");
    }
    let refused = client()
        .post(app.url("/mcp/connect"))
        .header("Host", "evil.example")
        .bearer_auth(&hotel.token)
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 403);
    // Probes call by address, whatever the Host.
    let health = as_host("/health", "10.1.2.3:8000").send().await.unwrap();
    assert_eq!(health.status(), 200);
}

#[tokio::test]
async fn a_request_over_its_time_gets_504_in_our_words() {
    let app = TestApp::spawn_with(TestDb::sqlite().await, |serve| {
        serve.request_timeout = Duration::from_secs(1);
        serve.quendoo_request_timeout = Duration::from_secs(30);
        serve.legacy_sse_keepalive = Duration::from_millis(200);
    })
    .await;
    // A stream counts only until it opens: it outlives the timeout.
    let opened = std::time::Instant::now();
    let mut stream = client().get(app.url("/sse")).send().await.unwrap();
    assert_eq!(stream.status(), 200);
    let mut alive_after_timeout = false;
    while opened.elapsed() < Duration::from_secs(3) {
        match tokio::time::timeout(Duration::from_secs(1), stream.chunk()).await {
            Ok(Ok(Some(_))) if opened.elapsed() > Duration::from_millis(1500) => {
                alive_after_timeout = true;
                break;
            }
            Ok(Ok(Some(_))) => {}
            _ => break,
        }
    }
    assert!(
        alive_after_timeout,
        "the /sse stream was cut by REQUEST_TIMEOUT"
    );
    let hotel = app.hotel("Slow").await;
    app.sim.set_fault(Fault {
        hang: true,
        ..Fault::default()
    });
    let connection: Value = client()
        .post(app.url("/mcp/connect"))
        .bearer_auth(&hotel.token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let response = client()
        .post(app.url("/mcp/tools/execute"))
        .json(&json!({
            "connection_id": connection["connection_id"],
            "tool_name": "get_bookings",
            "tool_args": {}
        }))
        .send()
        .await
        .unwrap();
    let status = response.status();
    let body: Value = response.json().await.unwrap();
    assert_eq!(status, 504, "{body}");
    assert!(
        body["detail"].as_str().unwrap().contains("REQUEST_TIMEOUT"),
        "{body}"
    );
}

/// JSON bodies past a bound of shape are refused before they become
/// values, on every route; a large but ordinary one still works.
#[tokio::test]
async fn bodies_of_unbounded_shape_are_refused_before_parsing() {
    let app = TestApp::spawn(TestDb::sqlite().await).await;
    let hotel = app.hotel("Shapes").await;
    let post = |path: &str, body: String| {
        client()
            .post(app.url(path))
            .bearer_auth(&hotel.token)
            .header("Content-Type", "application/json")
            .header("Accept", "application/json, text/event-stream")
            .header("MCP-Protocol-Version", "2025-11-25")
            .body(body)
    };
    let deep = format!("{}{}", "[".repeat(100), "]".repeat(100));
    let zeros = format!(
        r#"{{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{{"name":"get_bookings","arguments":{{"x":[{}]}}}}}}"#,
        vec!["0"; 300_000].join(",")
    );
    for (path, body, words) in [
        ("/mcp", deep.clone(), "nested more than 32"),
        ("/mcp", zeros.clone(), "more than 2000 items"),
        ("/mcp/tools/execute", zeros, "more than 2000 items"),
        ("/messages/?session_id=task_x", deep, "nested more than 32"),
    ] {
        let reply = post(path, body).send().await.unwrap();
        assert_eq!(reply.status(), 400, "{path}");
        let detail: Value = reply.json().await.unwrap();
        assert!(
            detail["detail"].as_str().unwrap().contains(words),
            "{path}: {detail}"
        );
    }
    let huge = format!("{{\"a\":\"{}\"}}", "x".repeat(2 * 1024 * 1024));
    assert_eq!(post("/mcp", huge).send().await.unwrap().status(), 413);

    let from = chrono::Utc::now().date_naive() + chrono::Days::new(30);
    let values: Vec<Value> = (0..1000)
        .map(|i| json!({"date": (from + chrono::Days::new(i % 300)).to_string(), "room_id": 1, "avail": 1}))
        .collect();
    let update = json!({"jsonrpc": "2.0", "id": 2, "method": "tools/call",
        "params": {"name": "update_availability", "arguments": {"values": values}}});
    let reply = post("/mcp", update.to_string()).send().await.unwrap();
    assert_eq!(reply.status(), 200);
}
