//! Streamable HTTP at `/mcp`: the official SDK's transport, stateless with
//! JSON responses (any replica can serve any request), serving the one tool
//! catalogue through the executor. The caller comes from the verified bearer
//! token that `bearer::require_caller` put in the request's extensions.

use std::sync::Arc;

use axum::{Router, middleware};
use rmcp::{
    ErrorData, RoleServer, ServerHandler,
    model::{
        CallToolRequestParams, CallToolResponse, CallToolResult, ContentBlock, Implementation,
        ListToolsResult, PaginatedRequestParams, ServerCapabilities, ServerConfig,
    },
    service::RequestContext,
    transport::streamable_http_server::{
        StreamableHttpServerConfig, StreamableHttpService, session::local::LocalSessionManager,
    },
};
use serde_json::Value;

use super::{AppState, bearer, host_guard};
use crate::{
    executor::{Caller, Executor},
    tools::ToolError,
};

/// What a model is told about this server when it connects.
pub const INSTRUCTIONS: &str = "Tools for one hotel's Quendoo PMS: the hotel is the one your \
credentials belong to, so never pass a hotel or property id. Start with get_property_settings \
to learn room ids, rates and booking modules. For \"what is free\" use get_availability; for \
prices for a guest use get_booking_offers; to look up guests and reservations use get_bookings \
(filtered, paged). Tools that change things (update_availability, ack_booking, \
post_room_assignment, post_external_property_data) and tools that reach people \
(send_quendoo_email, make_call) act for real: only use them when the hotel asked for exactly \
that, and confirm what you did. Dates are YYYY-MM-DD. When a result has isError, read its text: \
it says what to change or whom to ask.";

#[derive(Clone)]
pub struct McpServer {
    executor: Executor,
}

impl McpServer {
    pub fn new(executor: Executor) -> Self {
        Self { executor }
    }
}

impl ServerHandler for McpServer {
    fn get_info(&self) -> ServerConfig {
        server_info()
    }

    async fn list_tools(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListToolsResult, ErrorData> {
        Ok(list_tools(&self.executor))
    }

    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, ErrorData> {
        let caller = context
            .extensions
            .get::<axum::http::request::Parts>()
            .and_then(|parts| parts.extensions.get::<Caller>())
            .cloned()
            // The middleware always sets it; without it there is nobody to act for.
            .ok_or_else(|| ErrorData::internal_error("no authenticated caller", None))?;
        Ok(call_tool(&self.executor, &caller, request).await?.into())
    }
}

/// What `initialize` answers on every MCP transport (each sets its own
/// protocol version).
pub(crate) fn server_info() -> ServerConfig {
    ServerConfig::new(ServerCapabilities::builder().enable_tools().build())
        .with_server_info(
            Implementation::new("quendoo-mcp", env!("CARGO_PKG_VERSION")).with_title("Quendoo PMS"),
        )
        .with_instructions(INSTRUCTIONS)
}

/// The whole catalogue, as every MCP transport lists it.
pub(crate) fn list_tools(executor: &Executor) -> ListToolsResult {
    let tools = executor
        .catalogue()
        .iter()
        .map(|tool| tool.to_mcp())
        .collect();
    ListToolsResult::with_all_items(tools)
}

/// Runs a `tools/call` for `caller`, as every MCP transport answers it: an
/// unknown tool is protocol misuse (-32602); any other failure is a result
/// with `isError` whose text tells the model what to change.
pub(crate) async fn call_tool(
    executor: &Executor,
    caller: &Caller,
    request: CallToolRequestParams,
) -> Result<CallToolResult, ErrorData> {
    let arguments = Value::Object(request.arguments.unwrap_or_default());
    match executor.execute(caller, &request.name, arguments).await {
        Ok(structured) => Ok(CallToolResult::structured(structured)),
        Err(ToolError::UnknownTool(name)) => Err(ErrorData::invalid_params(
            format!("unknown tool `{name}`: call tools/list for the tools this server offers"),
            None,
        )),
        Err(error) => Ok(CallToolResult::error(vec![ContentBlock::text(
            error.to_string(),
        )])),
    }
}

/// `/mcp`, behind the host guard and bearer authentication.
pub fn router(state: &AppState) -> Router<AppState> {
    let config = StreamableHttpServerConfig::default()
        .with_legacy_session_mode(false)
        .with_json_response(true)
        // Host and Origin are checked by `host_guard`, in one place for every transport.
        .disable_allowed_hosts()
        .disable_allowed_origins()
        .with_max_request_body_bytes(state.config.max_body_bytes)
        .with_cancellation_token(state.shutdown.child_token());
    let server = McpServer::new(state.executor.clone());
    let service = StreamableHttpService::new(
        move || Ok(server.clone()),
        Arc::new(LocalSessionManager::default()),
        config,
    );
    Router::new()
        .route_service("/mcp", service)
        .layer(middleware::from_fn_with_state(
            state.clone(),
            bearer::require_caller,
        ))
        .layer(middleware::from_fn_with_state(
            state.host_guard.clone(),
            host_guard::guard,
        ))
}
