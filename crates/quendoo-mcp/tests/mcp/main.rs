//! `/mcp` end to end: the official SDK's client over Streamable HTTP, the
//! server, a real database (SQLite and PostgreSQL) and the PMS simulator.

#[macro_use]
#[path = "../support/mod.rs"]
mod support;

use rmcp::{
    ClientLifecycleMode, ClientServiceExt, RoleClient, ServiceExt,
    model::{CallToolRequestParams, CallToolResult, ProtocolVersion},
    service::RunningService,
    transport::{
        StreamableHttpClientTransport, streamable_http_client::StreamableHttpClientTransportConfig,
    },
};
use serde_json::Value;

use support::app::{self, TestApp};

pub type Client = RunningService<RoleClient, ()>;

/// An MCP client session as `token`'s bearer, by `initialize` (2025-11-25).
pub async fn connect(app: &TestApp, token: &str) -> Client {
    connect_to(app.addr, token).await
}

/// The same, to the server at `addr` (a replica).
pub async fn connect_to(addr: std::net::SocketAddr, token: &str) -> Client {
    let url = format!("http://{addr}/mcp");
    ().serve(transport(url, token)).await.expect("MCP session")
}

/// An MCP client of revision 2026-07-28 as `token`'s bearer: `server/discover`
/// and per-request `_meta`, no `initialize`.
pub async fn connect_2026(app: &TestApp, token: &str) -> Client {
    let lifecycle = ClientLifecycleMode::Discover {
        preferred_versions: vec![ProtocolVersion::V_2026_07_28],
    };
    ().serve_with_lifecycle(transport(app.url("/mcp"), token), lifecycle)
        .await
        .expect("MCP 2026-07-28 client")
}

fn transport(url: String, token: &str) -> StreamableHttpClientTransport<reqwest::Client> {
    let config = StreamableHttpClientTransportConfig::with_uri(url).auth_header(token);
    StreamableHttpClientTransport::from_config(config)
}

pub async fn call(client: &Client, tool: &str, arguments: Value) -> CallToolResult {
    let Value::Object(arguments) = arguments else {
        panic!("arguments must be an object")
    };
    client
        .call_tool(CallToolRequestParams::new(tool.to_owned()).with_arguments(arguments))
        .await
        .expect("tools/call")
}

/// The structured result of a successful call.
/// One JSON-RPC `body` posted to `/mcp` at `addr` with `token`, without
/// a session (as a stateless client sends it): the whole answer.
pub async fn post_rpc(addr: std::net::SocketAddr, token: &str, body: &Value) -> Value {
    reqwest::Client::new()
        .post(format!("http://{addr}/mcp"))
        .bearer_auth(token)
        .header("Accept", "application/json, text/event-stream")
        .header("MCP-Protocol-Version", "2025-11-25")
        .json(body)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

pub fn ok(result: CallToolResult) -> Value {
    assert_ne!(
        result.is_error,
        Some(true),
        "tool failed: {}",
        text(&result)
    );
    let structured = result
        .structured_content
        .clone()
        .expect("structuredContent");
    let echoed: Value = serde_json::from_str(&text(&result)).expect("text block is the JSON");
    assert_eq!(echoed, structured);
    structured
}

/// The text of a failed call.
pub fn failure(result: CallToolResult) -> String {
    assert_eq!(
        result.is_error,
        Some(true),
        "expected isError: {}",
        text(&result)
    );
    text(&result)
}

pub fn text(result: &CallToolResult) -> String {
    result
        .content
        .iter()
        .filter_map(|block| block.as_text().map(|t| t.text.clone()))
        .collect::<Vec<_>>()
        .join("\n")
}

mod auth;
mod budget;
mod confirmation;
mod errors;
mod hotel_limits;
mod isolation;
mod logs;
mod operations;
mod reception;
mod resources;
mod revisions;
mod tools;
mod toolsets;
