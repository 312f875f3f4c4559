//! The seed's REST API for the dashboard backend: register a connection with
//! a bearer token, run tools by connection id, disconnect. Connections live
//! in the database, so any replica can serve any of them.

use axum::{
    Json, Router,
    extract::{FromRequest, RawQuery, Request, State},
    http::{HeaderMap, StatusCode, header},
    response::{IntoResponse, Response},
    routing::{get, post},
};
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::{
    bearer,
    caller::SeedCaller,
    error::{ApiError, ApiJson},
    narrowing,
    pipeline::record_tenant,
};
use crate::{
    auth::bearer_token,
    domain::{ConnectionId, UserId},
    executor::{Approval, Caller, Origin, Transport},
    http::AppState,
};

pub const SERVICE_NAME: &str = "Quendoo MCP Server";

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(root))
        .route("/mcp/connect", post(connect))
        .route("/mcp/tools/execute", post(execute))
        .route("/mcp/disconnect", post(disconnect))
}

async fn root() -> Json<Value> {
    Json(json!({
        "service": SERVICE_NAME,
        "version": env!("CARGO_PKG_VERSION"),
        "status": "running",
        "endpoints": {
            "connect": "POST /mcp/connect",
            "tools": "POST /mcp/tools/execute",
            "disconnect": "POST /mcp/disconnect",
            "health": "GET /health",
            "mcp": "POST /mcp",
            "api_keys": "GET|POST /admin/api-keys, DELETE /admin/api-keys/{key_name}",
            "openapi": "GET /openapi.json",
        }
    }))
}

async fn connect(
    State(state): State<AppState>,
    SeedCaller(caller): SeedCaller,
) -> Result<Json<Value>, ApiError> {
    let connection = state.store.create_connection(&caller.tenant).await?;
    tracing::info!(tenant = %caller.tenant, "connection registered");
    Ok(Json(json!({
        "connection_id": connection.id.to_string(),
        "tenant_id": connection.tenant_id,
        "message": "Connection registered successfully",
    })))
}

#[derive(Deserialize)]
struct ToolCall {
    connection_id: String,
    tool_name: String,
    /// The seed requires it; a tool without arguments needs none.
    #[serde(default)]
    tool_args: Map<String, Value>,
}

/// A tool call on a connection: the caller is the connection's tenant (and
/// the bearer token's user, when a token comes along, which must name the
/// same tenant). One query finds the connection and its tenant's stamp;
/// the use is recorded with the call's audit entry.
struct ConnectionCall {
    caller: Caller,
    call: ToolCall,
}

impl FromRequest<AppState> for ConnectionCall {
    type Rejection = Response;

    async fn from_request(request: Request, state: &AppState) -> Result<Self, Response> {
        let headers = request.headers().clone();
        let ApiJson(call) = ApiJson::<ToolCall>::from_request(request, state).await?;
        let id = connection_id(&call.connection_id)?;
        // The token's signature is checked before anything is read.
        let token = match bearer_token(&headers) {
            Some(token) => Some(
                state
                    .auth
                    .verify(token)
                    .await
                    .map_err(|failure| bearer::rejection(state, &headers, &failure))?,
            ),
            None => None,
        };
        let (tenant, stamp) = state
            .store
            .connection_tenant(&id, state.config.connection_idle_ttl)
            .await
            .map_err(ApiError::from)?
            .ok_or_else(unknown_connection)?;
        let mut caller = match token {
            None => Caller::hotel(tenant, None, Some(stamp)),
            Some(token) if token.tenant == tenant => token
                .caller(stamp)
                .map_err(|failure| bearer::rejection(state, &headers, &failure))?,
            // The token's tenant may be gone: say so, as for any use of it.
            Some(_) => {
                return Err(check_token_tenant(state, &headers, &id)
                    .await
                    .err()
                    .unwrap_or_else(another_tenant));
            }
        };
        record_tenant(&caller.tenant);
        caller.narrowing = narrowing::from_headers(&headers)?;
        caller.origin = Origin {
            connection: Some(id),
            ..Origin::from_user_agent(Transport::Rest, &headers)
        };
        Ok(ConnectionCall { caller, call })
    }
}

async fn execute(
    State(state): State<AppState>,
    ConnectionCall { caller, call }: ConnectionCall,
) -> Result<Response, ApiError> {
    let result = state
        .protocol
        .executor()
        .execute(
            &caller,
            &call.tool_name,
            Value::Object(call.tool_args),
            Approval::Unasked,
        )
        .await?
        .into_structured(&call.tool_name);
    Ok(executed(&call.tool_name, result.json()))
}

/// `{"status": "success", "tool_name": .., "result": ..}`, the seed's answer,
/// with the result's JSON (made once, by the guard) put in as it is.
fn executed(tool_name: &str, result_json: &str) -> Response {
    let tool_name = Value::from(tool_name);
    let body = format!(r#"{{"status":"success","tool_name":{tool_name},"result":{result_json}}}"#);
    ([(header::CONTENT_TYPE, "application/json")], body).into_response()
}

#[derive(Deserialize)]
struct Disconnect {
    connection_id: String,
}

/// `connection_id` as the seed sends it (`?connection_id=`) or in a JSON body.
/// Disconnecting an unknown or expired connection succeeds: it is gone.
async fn disconnect(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
    body: axum::body::Bytes,
) -> Result<Json<Value>, Response> {
    let raw = match query_param(query.as_deref(), "connection_id") {
        Some(id) => id,
        None if body.is_empty() => {
            return Err(ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "connection_id is required (JSON body or query string)",
            )
            .into());
        }
        None => {
            serde_json::from_slice::<Disconnect>(&body)
                .map_err(|error| {
                    ApiError::new(
                        StatusCode::UNPROCESSABLE_ENTITY,
                        format!("Expected a JSON body {{\"connection_id\": \"...\"}}: {error}"),
                    )
                })?
                .connection_id
        }
    };
    let Ok(id) = raw.parse::<ConnectionId>() else {
        return Ok(disconnected());
    };
    check_token_tenant(&state, &headers, &id).await?;
    if state
        .store
        .delete_connection(&id)
        .await
        .map_err(ApiError::from)?
    {
        tracing::info!("connection closed");
    }
    Ok(disconnected())
}

/// One parameter of a query string, decoded.
pub(super) fn query_param(query: Option<&str>, name: &str) -> Option<String> {
    url::form_urlencoded::parse(query?.as_bytes())
        .find(|(key, _)| key == name)
        .map(|(_, value)| value.into_owned())
}

fn disconnected() -> Json<Value> {
    Json(json!({ "status": "disconnected" }))
}

/// An id that is not a UUID is as unknown as one that was never issued.
fn connection_id(raw: &str) -> Result<ConnectionId, ApiError> {
    raw.parse().map_err(|_| unknown_connection())
}

fn unknown_connection() -> ApiError {
    ApiError::new(
        StatusCode::UNAUTHORIZED,
        "Unknown or expired connection: register one with POST /mcp/connect",
    )
}

/// When a bearer token comes along, it must be valid and name the
/// connection's tenant; then the call is made as its user.
async fn check_token_tenant(
    state: &AppState,
    headers: &HeaderMap,
    id: &ConnectionId,
) -> Result<Option<UserId>, Response> {
    let Some(token) = bearer_token(headers) else {
        return Ok(None);
    };
    let caller = state
        .auth
        .caller_for_token(token)
        .await
        .map_err(|failure| bearer::rejection(state, headers, &failure))?;
    let connection = state
        .store
        .get_connection(id, state.config.connection_idle_ttl)
        .await
        .map_err(ApiError::from)?
        .ok_or_else(unknown_connection)?;
    if connection.tenant_id != caller.tenant {
        return Err(another_tenant());
    }
    Ok(caller.user)
}

fn another_tenant() -> Response {
    ApiError::new(
        StatusCode::FORBIDDEN,
        "This connection belongs to another tenant",
    )
    .into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_answer_holds_the_result_as_it_was_made() {
        let response = executed("a \"quoted\" name", r#"{"data":[1,2]}"#);
        assert_eq!(response.headers()[header::CONTENT_TYPE], "application/json");
        let body = futures::executor::block_on(axum::body::to_bytes(response.into_body(), 1000));
        let body: Value = serde_json::from_slice(&body.unwrap()).unwrap();
        assert_eq!(
            body,
            json!({"status": "success", "tool_name": "a \"quoted\" name", "result": {"data": [1, 2]}})
        );
    }
}
