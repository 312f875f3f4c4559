//! The legacy HTTP+SSE transport of MCP revision 2024-11-05: `GET /sse`
//! announces `/messages/?session_id=...`, and JSON-RPC is POSTed there.
//!
//! When the POST's session names an open stream, the answer goes on that
//! stream as an `event: message` and the POST gets `202 Accepted`, as the
//! revision says and standard clients (the SDKs' `SSEClientTransport` and
//! `sse_client`) wait for; the stream may be held by another replica
//! (`sessions`, `relay`). Otherwise, as for the dashboard's scheduled tasks
//! (`task_...` sessions that never opened a stream), the answer goes in the
//! POST's own 200 body, which the dashboard also accepts.

mod relay;
mod rpc;
mod sessions;
mod stream;
mod tenant;

use axum::{
    Extension, Router,
    body::Bytes,
    extract::{RawQuery, State},
    http::{StatusCode, header},
    response::{IntoResponse, Response},
    routing::{get, post},
};

use tower::ServiceBuilder;

use super::{AppState, error::ApiError};
use crate::storage::SseClaim;
pub use relay::{RelayError, RelayTarget};
use rpc::Incoming;
pub use sessions::Sessions;
use tenant::HotelCaller;

/// `/sse` and `/messages/`; empty when `LEGACY_SSE=false`.
pub fn router(state: &AppState) -> Router<AppState> {
    let Some(sessions) = state.sse_sessions.clone() else {
        return Router::new();
    };
    let streams = stream::Streams::new(
        state.config.legacy_sse_max_streams,
        state.config.legacy_sse_max_streams_per_address,
        state.config.legacy_sse_keepalive,
        state.shutdown.clone(),
    );
    Router::new()
        .route("/sse", get(stream::open))
        .route("/messages/", post(message))
        .route("/messages", post(message))
        // One layer of all three: each `Router::layer` boxes the routes
        // again, and every box is cloned on every request.
        .layer(
            ServiceBuilder::new()
                .layer(Extension(streams))
                .layer(Extension(sessions))
                .layer(Extension(tenant::NewKeyChecks::new(
                    state.limits.legacy_new_keys.clone(),
                ))),
        )
}

/// One JSON-RPC message, answered on the session's stream when it has one.
async fn message(
    State(state): State<AppState>,
    Extension(sessions): Extension<Sessions>,
    HotelCaller(caller): HotelCaller,
    RawQuery(query): RawQuery,
    body: Bytes,
) -> Response {
    let incoming = match rpc::parse(&body) {
        Ok(incoming) => incoming,
        Err(reply) => return json_text_response(StatusCode::BAD_REQUEST, reply),
    };
    let stream = match session_id(query.as_deref()) {
        None => None,
        Some(session) => match sessions.claim(&session, &caller.tenant).await {
            Ok(SseClaim::Owned) => Some(session),
            Ok(SseClaim::Absent) => None,
            Ok(SseClaim::Foreign) => {
                return ApiError::new(
                    StatusCode::FORBIDDEN,
                    "This session's /sse stream belongs to another hotel; open your own stream.",
                )
                .into_response();
            }
            Err(error) => {
                tracing::error!(%error, "could not check an /sse session");
                return ApiError::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "The session cannot be checked right now; try again shortly.",
                )
                .into_response();
            }
        },
    };
    let Incoming::Request(request) = incoming else {
        return StatusCode::ACCEPTED.into_response();
    };
    let answer = rpc::answer(&state.protocol, &caller, request).await;
    if let Some(session) = stream {
        let delivery = sessions.deliver(&session, answer.clone()).await;
        if delivery == sessions::Delivery::Sent {
            return StatusCode::ACCEPTED.into_response();
        }
    }
    json_text_response(StatusCode::OK, answer)
}

/// `json` (JSON text) as the body, with its content type.
fn json_text_response(status: StatusCode, json: String) -> Response {
    (status, [(header::CONTENT_TYPE, "application/json")], json).into_response()
}

/// The `session_id` query parameter, if any.
fn session_id(query: Option<&str>) -> Option<String> {
    url::form_urlencoded::parse(query?.as_bytes())
        .find(|(name, _)| name == "session_id")
        .map(|(_, value)| value.into_owned())
}
