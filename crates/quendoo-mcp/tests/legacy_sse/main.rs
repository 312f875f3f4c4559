//! The legacy HTTP+SSE transport (MCP 2024-11-05) end to end, driven by a
//! client that behaves exactly as the dashboard backend's hand-written one,
//! against the server on SQLite and PostgreSQL and the PMS simulator.

#[macro_use]
#[path = "../support/mod.rs"]
mod support;

mod client;

use serde_json::{Value, json};

use client::{Dashboard, post};
use support::app::{self, TestApp};

mod standard;
mod streams;
mod tenancy;

/// A tool result as this transport gives it: the standard fields and the
/// structured value again under `result`. Returns that value.
pub fn ok(result: &Value) -> Value {
    assert_eq!(result["isError"], json!(false), "tool failed: {result}");
    let structured = result["structuredContent"].clone();
    assert!(structured.is_object(), "{result}");
    assert_eq!(result["result"], structured, "the unwrapped result");
    let text = result["content"][0]["text"].as_str().expect("a text block");
    assert_eq!(serde_json::from_str::<Value>(text).unwrap(), structured);
    structured
}

/// The id-less `tools/call` body of the scheduled-tasks client.
pub fn task_call(tool: &str, arguments: Value) -> String {
    json!({"method": "tools/call", "params": {"name": tool, "arguments": arguments}}).to_string()
}

mod dashboard {
    use super::*;
    use crate::support::TestDb;

    on_both_backends!(|db| db; dashboard_session_end_to_end, task_post_without_a_stream);

    async fn dashboard_session_end_to_end(db: TestDb) {
        crate::support::logs::capture();
        let app = TestApp::spawn(db).await;
        let hotel = app.hotel("Dashboard").await;
        let mut dashboard = Dashboard::connect(&app.url("/sse"), &hotel.spec.api_key).await;

        let (init, tools) = dashboard.handshake().await;
        let info = &init["result"];
        assert_eq!(info["protocolVersion"], "2024-11-05", "{init}");
        assert!(info["capabilities"]["tools"].is_object(), "{init}");
        assert_eq!(info["serverInfo"]["name"], "quendoo-mcp");
        assert!(info["instructions"].as_str().is_some_and(|i| !i.is_empty()));
        let names: Vec<&str> = tools["result"]["tools"]
            .as_array()
            .expect("tools")
            .iter()
            .filter_map(|tool| tool["name"].as_str())
            .collect();
        assert!(names.contains(&"get_property_settings"), "{names:?}");

        app.sim.clear_requests();
        let settings = ok(&dashboard.call("get_property_settings", json!({})).await);
        let held = app.sim.snapshot(&hotel.spec.api_key).unwrap();
        assert_eq!(settings["data"]["property"], held["settings"]["property"]);
        let requests = app.sim.requests();
        assert!(!requests.is_empty());
        assert!(
            requests
                .iter()
                .all(|r| r.api_key.as_deref() == Some(hotel.spec.api_key.as_str()))
        );
        assert_eq!(dashboard.request("ping", None).await["result"], json!({}));
        crate::support::logs::assert_none_of(&[&hotel.spec.api_key]);
    }

    /// The scheduled-tasks client: no stream, a `task_` session, no
    /// `jsonrpc` and no `id`.
    async fn task_post_without_a_stream(db: TestDb) {
        let app = TestApp::spawn(db).await;
        let hotel = app.hotel("Tasks").await;
        let reply = post(
            app.addr,
            "/messages/?session_id=task_nightly_report_42",
            &[("X-Quendoo-Api-Key", &hotel.spec.api_key)],
            &task_call("get_bookings", json!({"limit": 1})),
        )
        .await;
        assert_eq!(reply.status, 200, "{reply:?}");
        assert!(
            reply
                .head
                .to_ascii_lowercase()
                .contains("content-type: application/json")
        );
        let response = reply.json();
        assert_eq!(response["id"], Value::Null);
        ok(&response["result"]);
    }
}

mod protocol {
    use super::*;
    use crate::support::TestDb;

    async fn rpc(app: &TestApp, key: &str, body: &str) -> client::Reply {
        post(
            app.addr,
            "/messages/?session_id=x",
            &[("X-Quendoo-Api-Key", key)],
            body,
        )
        .await
    }

    #[tokio::test]
    async fn errors_and_notifications() {
        let app = TestApp::spawn(TestDb::sqlite().await).await;
        let key = app.hotel("Edges").await.spec.api_key;

        let reply = rpc(&app, &key, "{\"jsonrpc\": \"2.0\", \"id\": 1,").await;
        assert_eq!(reply.status, 400);
        assert_eq!(reply.json()["error"]["code"], -32700);

        let reply = rpc(
            &app,
            &key,
            r#"{"jsonrpc":"2.0","id":7,"method":"sampling/createMessage"}"#,
        )
        .await;
        assert_eq!(reply.status, 200);
        assert_eq!(reply.json()["error"]["code"], -32601);
        assert_eq!(reply.json()["id"], 7);

        for notification in [
            r#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#,
            r#"{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":1}}"#,
        ] {
            let reply = rpc(&app, &key, notification).await;
            assert_eq!(reply.status, 202, "{reply:?}");
            assert!(reply.body.is_empty());
        }

        let unknown_tool = rpc(&app, &key, &task_call("no_such_tool", json!({}))).await;
        assert_eq!(unknown_tool.json()["error"]["code"], -32602);
        let no_params = rpc(&app, &key, r#"{"id":"a","method":"tools/call"}"#).await;
        assert_eq!(no_params.json()["error"]["code"], -32602);
        assert_eq!(no_params.json()["id"], "a");

        // A business error is a tool result with isError, and `result` null.
        let bad = rpc(
            &app,
            &key,
            &task_call("get_bookings", json!({"limit": "many"})),
        )
        .await;
        let result = &bad.json()["result"];
        assert_eq!(result["isError"], true, "{result}");
        assert_eq!(result["result"], Value::Null);
    }

    #[tokio::test]
    async fn switched_off() {
        let app =
            TestApp::spawn_with(TestDb::sqlite().await, |serve| serve.legacy_sse = false).await;
        let key = app.hotel("Off").await.spec.api_key;
        let reply = rpc(&app, &key, r#"{"id":0,"method":"ping"}"#).await;
        assert_eq!(reply.status, 404);
        let mut stream = client::SseStream::open(app.addr).await.unwrap();
        stream.read_until("\r\n").await.unwrap();
        assert!(
            stream.status_line().contains(" 404 "),
            "{}",
            stream.status_line()
        );
    }
}
