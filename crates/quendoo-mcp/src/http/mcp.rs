//! Streamable HTTP at `/mcp`: the official SDK's transport, stateless with
//! JSON responses (any replica can serve any request), serving the MCP
//! surface of `protocol`. The caller is the `Caller` extractor's, verified
//! from the bearer token before the SDK sees the request.

use std::{borrow::Cow, sync::Arc};

use axum::{
    Router,
    body::Body,
    extract::{Request, State},
    http::{HeaderName, Method, StatusCode, header},
    middleware::{self, Next},
    response::{IntoResponse, Response},
};
use rmcp::{
    ErrorData, RoleServer, ServerHandler,
    model::{
        CallToolRequestParams, CallToolResponse, CompleteRequestParams, CompleteResult,
        GetPromptRequestParams, GetPromptResponse, ListPromptsResult, ListResourceTemplatesResult,
        ListResourcesResult, ListToolsResult, PaginatedRequestParams, ProtocolVersion,
        ReadResourceRequestParams, ReadResourceResponse, ServerConfig,
    },
    service::RequestContext,
    transport::streamable_http_server::{
        StreamableHttpServerConfig, StreamableHttpService, session::local::LocalSessionManager,
    },
};
use tower::ServiceBuilder;
use tower_http::cors::{AllowOrigin, CorsLayer};

use super::{AppState, bearer, error::ApiError};
use crate::{
    auth::Scopes,
    executor::{Caller, Origin, Transport},
    protocol::{Protocol, server_info},
};

/// The revisions `/mcp` answers, oldest first. 2024-11-05 is still
/// accepted for clients that ask for it over this transport; the README
/// says what each revision gets.
const REVISIONS: &[ProtocolVersion] = &[
    ProtocolVersion::V_2024_11_05,
    ProtocolVersion::V_2025_03_26,
    ProtocolVersion::V_2025_06_18,
    ProtocolVersion::V_2025_11_25,
    ProtocolVersion::V_2026_07_28,
];

#[derive(Clone)]
pub struct McpServer {
    protocol: Protocol,
}

/// The verified caller of this request, and the client's name: its
/// `clientInfo` (sent with each request from 2026-07-28 on, and at
/// `initialize` before), else its `User-Agent`.
fn caller(context: &RequestContext<RoleServer>) -> Result<Caller, ErrorData> {
    let parts = context.extensions.get::<axum::http::request::Parts>();
    let mut caller = parts
        .and_then(|parts| parts.extensions.get::<Caller>())
        .cloned()
        // The middleware always sets it; without it there is nobody to act for.
        .ok_or_else(|| ErrorData::internal_error("no authenticated caller", None))?;
    caller.origin = match context.client_info() {
        Some(client) => Origin::new(Transport::Mcp, Some(&client.name)),
        None => match parts {
            Some(parts) => Origin::from_user_agent(Transport::Mcp, &parts.headers),
            None => Origin::new(Transport::Mcp, None),
        },
    };
    Ok(caller)
}

/// Whether the client can ask its person a question in the middle of this
/// call: form elicitation (an `elicitation` capability without `form` means
/// form), by a multi-round-trip request, which revision 2026-07-28 brings.
/// Older revisions elicit over a session's stream, which a stateless
/// `/mcp` does not keep: they get the preview and code instead.
fn elicits(context: &RequestContext<RoleServer>) -> bool {
    context.protocol_version() == Some(ProtocolVersion::V_2026_07_28)
        && context
            .client_capabilities()
            .and_then(|capabilities| capabilities.elicitation)
            .is_some_and(|elicitation| elicitation.form.is_some() || elicitation.url.is_none())
}

/// Each handler that awaits the protocol boxes its future: the SDK spawns,
/// and so moves, every request's future, which is as large as the largest
/// handler's (the executor's, with the caches' and the database's futures
/// inline) unless they are boxed.
impl ServerHandler for McpServer {
    fn get_info(&self) -> ServerConfig {
        server_info()
    }

    fn supported_protocol_versions(&self) -> Cow<'static, [ProtocolVersion]> {
        Cow::Borrowed(REVISIONS)
    }

    async fn list_tools(
        &self,
        _request: Option<PaginatedRequestParams>,
        context: RequestContext<RoleServer>,
    ) -> Result<ListToolsResult, ErrorData> {
        let caller = caller(&context)?;
        Box::pin(self.protocol.list_tools(&caller)).await
    }

    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, ErrorData> {
        let caller = caller(&context)?;
        Box::pin(self.protocol.call_tool(&caller, request, elicits(&context))).await
    }

    async fn list_resources(
        &self,
        _request: Option<PaginatedRequestParams>,
        context: RequestContext<RoleServer>,
    ) -> Result<ListResourcesResult, ErrorData> {
        Box::pin(self.protocol.list_resources(&caller(&context)?)).await
    }

    async fn list_resource_templates(
        &self,
        _request: Option<PaginatedRequestParams>,
        context: RequestContext<RoleServer>,
    ) -> Result<ListResourceTemplatesResult, ErrorData> {
        Box::pin(self.protocol.list_resource_templates(&caller(&context)?)).await
    }

    async fn read_resource(
        &self,
        request: ReadResourceRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<ReadResourceResponse, ErrorData> {
        let caller = caller(&context)?;
        Ok(Box::pin(self.protocol.read_resource(&caller, &request.uri))
            .await?
            .into())
    }

    async fn list_prompts(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListPromptsResult, ErrorData> {
        Ok(self.protocol.list_prompts())
    }

    async fn get_prompt(
        &self,
        request: GetPromptRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<GetPromptResponse, ErrorData> {
        Ok(self
            .protocol
            .get_prompt(&request.name, request.arguments.as_ref())?
            .into())
    }

    async fn complete(
        &self,
        request: CompleteRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<CompleteResult, ErrorData> {
        let caller = caller(&context)?;
        Box::pin(self.protocol.complete(&caller, &request)).await
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
    let server = McpServer {
        protocol: state.protocol.clone(),
    };
    let service = StreamableHttpService::new(
        move || Ok(server.clone()),
        Arc::new(LocalSessionManager::default()),
        config,
    );
    // Layered before it is routed: each `Router::layer` boxes the route
    // again, and every box is cloned on every request.
    let service = ServiceBuilder::new()
        .layer(cors())
        .layer(middleware::from_fn_with_state(
            state.clone(),
            require_caller,
        ))
        .service(service);
    Router::new().route_service("/mcp", service)
}

/// The SDK's service takes no extractors: the verified caller goes ahead of
/// it in the request's extensions, where `caller()` finds it. A tool call
/// the caller's scopes do not cover is answered here, with HTTP 403 and the
/// scope to ask for (the MCP step-up), before the SDK sees it.
async fn require_caller(
    State(state): State<AppState>,
    caller: Caller,
    request: Request,
    next: Next,
) -> Response {
    if caller.scopes == Scopes::ALL || request.method() != Method::POST {
        return next.run(request).await;
    }
    let (parts, body) = request.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, state.config.max_body_bytes).await else {
        return ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "The request body is too large.",
        )
        .into_response();
    };
    if let Some(name) = called_tool(&bytes)
        && let Some(scope) = state.protocol.missing_scope(&caller, &name)
    {
        return bearer::insufficient_scope(
            &state,
            &parts.headers,
            caller.scopes.with(scope),
            format!(
                "Calling {name} needs the scope {}: sign in again and allow it.",
                scope.name()
            ),
        );
    }
    next.run(Request::from_parts(parts, Body::from(bytes)))
        .await
}

/// The tool a `tools/call` message names.
fn called_tool(body: &[u8]) -> Option<String> {
    #[derive(serde::Deserialize)]
    struct Message {
        method: String,
        params: Option<Params>,
    }
    #[derive(serde::Deserialize)]
    struct Params {
        name: String,
    }
    let message: Message = serde_json::from_slice(body).ok()?;
    (message.method == "tools/call").then_some(message.params?.name)
}

/// Browser-based clients (the Inspector) call `/mcp` from another origin;
/// the host guard has already refused origins that are not allowed, so the
/// request's own is answered. They must be able to read the challenge and
/// the session header.
fn cors() -> CorsLayer {
    CorsLayer::new()
        .allow_origin(AllowOrigin::mirror_request())
        .allow_methods([Method::GET, Method::POST, Method::DELETE, Method::OPTIONS])
        .allow_headers([
            header::AUTHORIZATION,
            header::CONTENT_TYPE,
            header::ACCEPT,
            HeaderName::from_static("mcp-protocol-version"),
            HeaderName::from_static("mcp-session-id"),
            HeaderName::from_static("mcp-method"),
            HeaderName::from_static("mcp-name"),
            HeaderName::from_static("last-event-id"),
        ])
        .expose_headers([
            header::WWW_AUTHENTICATE,
            HeaderName::from_static("mcp-session-id"),
        ])
}
