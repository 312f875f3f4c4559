//! JSON-RPC of revision 2024-11-05, as lenient as the dashboard needs: no
//! `jsonrpc` or `id` required (an id-less request is still answered, with
//! `id: null`), `params` optional. Everything is answered as on `/mcp`
//! (tools, resources, prompts, completion); a tool result also carries a
//! top-level `result` holding the structured value, which the dashboard's UI
//! unwraps. Answers are written as JSON text, a tool's structured result
//! in it as the tool wrote it (twice), never made a value.

use rmcp::model::{
    CallToolRequestParams, CallToolResult, CompleteRequestParams, ContentBlock, ErrorCode,
    ErrorData, GetPromptRequestParams, ProtocolVersion, ReadResourceRequestParams,
};
use serde::{Serialize, de::DeserializeOwned};
use serde_json::{Value, value::RawValue};

use crate::{
    executor::Caller,
    protocol::{Protocol, ToolOutcome, server_info},
};

/// A parsed message.
pub(super) enum Incoming {
    /// Answered with a JSON-RPC response.
    Request(Request),
    /// A notification, or a client's response to us: 202, no body.
    Notification,
}

pub(super) struct Request {
    id: Value,
    method: String,
    params: Option<Value>,
}

/// The message in `body`, or the error response to send with HTTP 400.
pub(super) fn parse(body: &[u8]) -> Result<Incoming, String> {
    let Ok(value) = serde_json::from_slice::<Value>(body) else {
        let error = ErrorData::new(
            ErrorCode::PARSE_ERROR,
            "Parse error: the body is not JSON.",
            None,
        );
        return Err(response(Value::Null, Err(error)));
    };
    let Value::Object(mut message) = value else {
        return Err(invalid_request(
            Value::Null,
            "expected one JSON-RPC message object (batches are not served)",
        ));
    };
    let id = message.remove("id").unwrap_or(Value::Null);
    match message.remove("method") {
        Some(Value::String(method)) if method.starts_with("notifications/") => {
            Ok(Incoming::Notification)
        }
        Some(Value::String(method)) => Ok(Incoming::Request(Request {
            id,
            method,
            params: message.remove("params").filter(|p| !p.is_null()),
        })),
        None if message.contains_key("result") || message.contains_key("error") => {
            Ok(Incoming::Notification)
        }
        _ => Err(invalid_request(id, "a request needs a string `method`")),
    }
}

/// The JSON-RPC response to `request`, made for `caller`.
pub(super) async fn answer(protocol: &Protocol, caller: &Caller, request: Request) -> String {
    let Request { id, method, params } = request;
    response(id, dispatch(protocol, caller, &method, params).await)
}

async fn dispatch(
    protocol: &Protocol,
    caller: &Caller,
    method: &str,
    params: Option<Value>,
) -> Result<Box<RawValue>, ErrorData> {
    match method {
        "initialize" => to_json(initialize()),
        "ping" => to_json(serde_json::Map::new()),
        "tools/list" => to_json(protocol.list_tools(caller).await?),
        "tools/call" => call_tool(protocol, caller, params).await,
        "resources/list" => to_json(protocol.list_resources(caller).await?),
        "resources/templates/list" => to_json(protocol.list_resource_templates(caller).await?),
        "resources/read" => {
            let params: ReadResourceRequestParams = parsed(params, "{\"uri\": <uri>}")?;
            to_json(protocol.read_resource(caller, &params.uri).await?)
        }
        "prompts/list" => to_json(protocol.list_prompts()),
        "prompts/get" => {
            let params: GetPromptRequestParams = parsed(params, "{\"name\": <prompt>}")?;
            to_json(protocol.get_prompt(&params.name, params.arguments.as_ref())?)
        }
        "completion/complete" => {
            let params: CompleteRequestParams =
                parsed(params, "{\"ref\": {...}, \"argument\": {...}}")?;
            to_json(protocol.complete(caller, &params).await?)
        }
        _ => Err(ErrorData::new(
            ErrorCode::METHOD_NOT_FOUND,
            "Method not found: this server serves initialize, ping, tools/*, resources/*, \
             prompts/* and completion/complete.",
            None,
        )),
    }
}

/// The server's description, in this transport's protocol revision (the
/// only one its clients speak).
fn initialize() -> rmcp::model::ServerConfig {
    let mut info = server_info();
    info.protocol_version = ProtocolVersion::V_2024_11_05;
    info
}

/// `params` as `T`, or invalid params saying what `method` takes.
fn parsed<T: DeserializeOwned>(params: Option<Value>, shape: &str) -> Result<T, ErrorData> {
    params
        .and_then(|p| serde_json::from_value(p).ok())
        .ok_or_else(|| ErrorData::invalid_params(format!("this method needs params {shape}"), None))
}

async fn call_tool(
    protocol: &Protocol,
    caller: &Caller,
    params: Option<Value>,
) -> Result<Box<RawValue>, ErrorData> {
    let params: CallToolRequestParams = parsed(params, "{\"name\": <tool>, \"arguments\": {...}}")?;
    // Revision 2024-11-05 has no elicitation: a write that needs a yes
    // answers its preview and code.
    match protocol.run_tool(caller, params, false).await? {
        ToolOutcome::Done(structured) => {
            let text = CallToolResult::success(vec![ContentBlock::text(structured.json())]);
            to_json(ToolResult::new(&text, Some(structured.raw())))
        }
        ToolOutcome::Failed(mut result) => {
            let structured = result.structured_content.take();
            to_json(ToolResult::new(&result, structured.as_ref()))
        }
        ToolOutcome::Asks(_) => Err(ErrorData::internal_error(
            "a tool asked for input on a transport that cannot give it",
            None,
        )),
    }
}

/// A tool's result as this transport sends it: the structured value (if
/// any) as `structuredContent`, and again as `result` (`null` without one)
/// for the dashboard.
#[derive(Serialize)]
struct ToolResult<'a, S: Serialize + ?Sized> {
    #[serde(flatten)]
    result: &'a CallToolResult,
    #[serde(rename = "structuredContent", skip_serializing_if = "Option::is_none")]
    structured: Option<&'a S>,
    #[serde(rename = "result")]
    again: Option<&'a S>,
}

impl<'a, S: Serialize + ?Sized> ToolResult<'a, S> {
    fn new(result: &'a CallToolResult, structured: Option<&'a S>) -> Self {
        ToolResult {
            result,
            structured,
            again: structured,
        }
    }
}

fn to_json(value: impl Serialize) -> Result<Box<RawValue>, ErrorData> {
    serde_json::value::to_raw_value(&value)
        .map_err(|_| ErrorData::internal_error("the answer could not be encoded", None))
}

fn invalid_request(id: Value, message: &'static str) -> String {
    response(
        id,
        Err(ErrorData::new(ErrorCode::INVALID_REQUEST, message, None)),
    )
}

/// The JSON-RPC response of `id` with `outcome`, as JSON text.
fn response(id: Value, outcome: Result<Box<RawValue>, ErrorData>) -> String {
    #[derive(Serialize)]
    struct Response {
        jsonrpc: &'static str,
        id: Value,
        #[serde(skip_serializing_if = "Option::is_none")]
        result: Option<Box<RawValue>>,
        #[serde(skip_serializing_if = "Option::is_none")]
        error: Option<ErrorData>,
    }
    let (result, error) = match outcome {
        Ok(result) => (Some(result), None),
        Err(error) => (None, Some(error)),
    };
    let response = Response {
        jsonrpc: "2.0",
        id,
        result,
        error,
    };
    // Its parts are JSON already, or plain data: this cannot fail.
    serde_json::to_string(&response).unwrap_or_else(|_| {
        r#"{"jsonrpc":"2.0","id":null,"error":{"code":-32603,"message":"the answer could not be encoded"}}"#
            .to_owned()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(body: &str) -> Result<Incoming, Value> {
        parse(body.as_bytes()).map_err(|error| serde_json::from_str(&error).unwrap())
    }

    #[test]
    fn malformed_bodies_get_json_rpc_errors() {
        let error = parsed("{not json").err().unwrap();
        assert_eq!(error["error"]["code"], -32700);
        assert_eq!(error["id"], Value::Null);
        for body in ["[]", "42", r#"{"id": 3}"#, r#"{"id": 3, "method": 7}"#] {
            let error = parsed(body).err().unwrap();
            assert_eq!(error["error"]["code"], -32600, "{body}");
        }
        assert_eq!(parsed(r#"{"id": 3}"#).err().unwrap()["id"], 3);
    }

    #[test]
    fn lenient_requests_and_notifications() {
        let Ok(Incoming::Request(request)) =
            parsed(r#"{"method": "tools/call", "params": {"name": "x"}}"#)
        else {
            panic!("an id-less request is a request")
        };
        assert_eq!(request.id, Value::Null);
        assert_eq!(request.method, "tools/call");
        assert!(request.params.is_some());
        let Ok(Incoming::Request(request)) = parsed(r#"{"id": 0, "method": "tools/list"}"#) else {
            panic!("a request without jsonrpc is a request")
        };
        assert_eq!(request.id, 0);
        assert!(request.params.is_none());
        for body in [
            r#"{"jsonrpc": "2.0", "method": "notifications/initialized"}"#,
            r#"{"jsonrpc": "2.0", "id": 5, "result": {}}"#,
        ] {
            assert!(matches!(parsed(body), Ok(Incoming::Notification)), "{body}");
        }
    }
}
