//! One server, clients of two revisions at once: rmcp's client on
//! 2026-07-28 (`server/discover`, per-request `_meta`, cache hints) and on
//! 2025-11-25 (`initialize`), each listing and calling the same tools.

use rmcp::model::{CacheScope, ProtocolVersion};
use serde_json::{Value, json};

use crate::{app::TestApp, call, connect, connect_2026, ok, support::TestDb};

#[tokio::test]
async fn a_2026_07_28_client_and_a_2025_11_25_client_on_one_server() {
    let app = TestApp::spawn(TestDb::sqlite().await).await;
    let hotel = app.hotel("Revisions").await;
    let (new, old) = (
        connect_2026(&app, &hotel.token).await,
        connect(&app, &hotel.token).await,
    );
    let version = |client: &crate::Client| client.peer_info().unwrap().protocol_version.clone();
    assert_eq!(version(&new), ProtocolVersion::V_2026_07_28);
    assert_eq!(version(&old), ProtocolVersion::V_2025_11_25);

    for client in [&new, &old] {
        let tools = client.list_tools(None).await.unwrap();
        assert_eq!(tools.tools.len(), 15);
        // The list is the same for every caller: shared, for five minutes.
        assert_eq!(tools.ttl_ms, Some(300_000));
        assert_eq!(tools.cache_scope, Some(CacheScope::Public));
        let page = ok(call(client, "get_bookings", json!({"limit": 2})).await);
        assert_eq!(page["returned"], 2);
    }
    // A hotel's own data: private to its caller, for a minute.
    let read = new
        .read_resource(rmcp::model::ReadResourceRequestParams::new(
            "quendoo://property/settings",
        ))
        .await
        .unwrap();
    assert_eq!(read.ttl_ms, Some(60_000));
    assert_eq!(read.cache_scope, Some(CacheScope::Private));
    for client in [new, old] {
        client.cancel().await.ok();
    }
}

/// `server/discover` as a 2026-07-28 client sends it, over plain HTTP: the
/// revisions this server chose to answer, and its identity.
#[tokio::test]
async fn discover_names_the_revisions_we_serve() {
    let app = TestApp::spawn(TestDb::sqlite().await).await;
    let hotel = app.hotel("Discover").await;
    let body = json!({"jsonrpc": "2.0", "id": 1, "method": "server/discover", "params": {
        "_meta": {
            "io.modelcontextprotocol/protocolVersion": "2026-07-28",
            "io.modelcontextprotocol/clientCapabilities": {}
        }
    }});
    let response = reqwest::Client::new()
        .post(app.url("/mcp"))
        .bearer_auth(&hotel.token)
        .header("Accept", "application/json, text/event-stream")
        .header("MCP-Protocol-Version", "2026-07-28")
        .header("Mcp-Method", "server/discover")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let answer: Value = response.json().await.unwrap();
    let result = &answer["result"];
    assert_eq!(
        result["supportedVersions"],
        json!([
            "2024-11-05",
            "2025-03-26",
            "2025-06-18",
            "2025-11-25",
            "2026-07-28"
        ]),
        "{answer}"
    );
    assert_eq!(
        result["_meta"]["io.modelcontextprotocol/serverInfo"]["name"],
        "quendoo-mcp"
    );
    for capability in ["tools", "resources", "prompts", "completions"] {
        assert!(
            result["capabilities"][capability].is_object(),
            "{capability}: {answer}"
        );
    }
}
