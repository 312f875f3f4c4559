//! One tool call or tool listing, the same for the three transports a
//! hotel's tools are served on: `/mcp` (a stateless JSON-RPC POST), the
//! seed's REST API (connect, then execute) and the legacy `/sse` transport
//! (a POST answered in its body), each with the hotel's token and any
//! extra headers. Tests that must hold "on every transport" loop over
//! [`Transport::ALL`].

use reqwest::StatusCode;
use serde_json::{Value, json};

use super::app::{Hotel, Replica, TestApp};

/// A server a test talks to: the `TestApp`, or a replica of it.
pub trait Endpoint {
    fn url(&self, path: &str) -> String;
}

impl Endpoint for TestApp {
    fn url(&self, path: &str) -> String {
        TestApp::url(self, path)
    }
}

impl Endpoint for Replica {
    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Transport {
    Mcp,
    Rest,
    Sse,
}

impl Transport {
    pub const ALL: [Transport; 3] = [Transport::Mcp, Transport::Rest, Transport::Sse];
}

/// What a tool call came to, whichever way it went.
#[derive(Debug, Clone)]
pub struct Reply {
    pub transport: Transport,
    /// The HTTP status (200 for an MCP tool error, which is a result).
    pub status: StatusCode,
    pub is_error: bool,
    /// The structured result (MCP `structuredContent`, REST `result`).
    pub structured: Value,
    /// The text a model reads: the first text block, or REST's `detail`.
    pub text: String,
}

impl Reply {
    /// The structured result of a call that succeeded.
    #[track_caller]
    pub fn ok(&self) -> &Value {
        assert!(!self.is_error && self.status == StatusCode::OK, "{self:?}");
        &self.structured
    }

    /// The sentence of a call that was refused.
    #[track_caller]
    pub fn refused(&self) -> &str {
        assert!(self.is_error, "expected a refusal: {self:?}");
        &self.text
    }
}

/// Calls `tool` for `hotel` over `transport`, with `headers` on the request
/// that carries the call.
pub async fn call_tool(
    app: &impl Endpoint,
    hotel: &Hotel,
    transport: Transport,
    tool: &str,
    arguments: Value,
    headers: &[(&str, &str)],
) -> Reply {
    let params = json!({"name": tool, "arguments": arguments});
    match transport {
        Transport::Mcp | Transport::Sse => {
            let (status, body) = rpc(app, hotel, transport, "tools/call", params, headers).await;
            let result = &body["result"];
            let text = result["content"][0]["text"]
                .as_str()
                .or_else(|| body["error"]["message"].as_str())
                .unwrap_or_default()
                .to_owned();
            Reply {
                transport,
                status,
                is_error: result["isError"] == json!(true) || body.get("error").is_some(),
                structured: result["structuredContent"].clone(),
                text,
            }
        }
        Transport::Rest => {
            let connection = rest_connection(app, &hotel.token).await;
            let mut request = reqwest::Client::new()
                .post(app.url("/mcp/tools/execute"))
                .json(&json!({
                    "connection_id": connection,
                    "tool_name": tool,
                    "tool_args": arguments,
                }));
            for (name, value) in headers {
                request = request.header(*name, *value);
            }
            let response = request.send().await.expect("execute");
            let status = response.status();
            let body: Value = response.json().await.expect("a JSON answer");
            Reply {
                transport,
                status,
                is_error: status != StatusCode::OK,
                structured: body["result"].clone(),
                text: body["detail"].as_str().unwrap_or_default().to_owned(),
            }
        }
    }
}

/// A REST connection for `token`'s hotel (`POST /mcp/connect`): its id,
/// or `null` when the connection is refused (so that a call with it is
/// refused in turn, as the dashboard would see it).
pub async fn rest_connection(app: &impl Endpoint, token: &str) -> Value {
    let connection: Value = reqwest::Client::new()
        .post(app.url("/mcp/connect"))
        .bearer_auth(token)
        .send()
        .await
        .expect("connect")
        .json()
        .await
        .expect("a JSON answer");
    connection["connection_id"].clone()
}

/// The names `tools/list` gives `hotel` over an MCP transport; `None` on
/// REST, which has no listing.
pub async fn list_tools(
    app: &impl Endpoint,
    hotel: &Hotel,
    transport: Transport,
    headers: &[(&str, &str)],
) -> Option<Vec<String>> {
    if transport == Transport::Rest {
        return None;
    }
    let (status, body) = rpc(app, hotel, transport, "tools/list", json!({}), headers).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let tools = body["result"]["tools"].as_array().expect("tools");
    Some(
        tools
            .iter()
            .map(|tool| tool["name"].as_str().expect("a name").to_owned())
            .collect(),
    )
}

/// One JSON-RPC request, answered in the response's body: a stateless
/// POST to `/mcp`, or a POST to `/sse`'s endpoint for a session without a
/// stream (as the dashboard's scheduled tasks send them).
pub async fn rpc(
    app: &impl Endpoint,
    hotel: &Hotel,
    transport: Transport,
    method: &str,
    params: Value,
    headers: &[(&str, &str)],
) -> (StatusCode, Value) {
    let url = match transport {
        Transport::Mcp => app.url("/mcp"),
        _ => app.url("/messages/?session_id=task_transports"),
    };
    let mut request = reqwest::Client::new()
        .post(url)
        .bearer_auth(&hotel.token)
        .header("Accept", "application/json, text/event-stream")
        .json(&json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params}));
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let response = request.send().await.expect("POST");
    let status = response.status();
    let text = response.text().await.expect("a body");
    let body = serde_json::from_str(&text).unwrap_or_else(|_| json!({"raw": text}));
    (status, body)
}
