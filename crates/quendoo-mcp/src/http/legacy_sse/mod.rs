//! The legacy HTTP+SSE transport of MCP revision 2024-11-05, as the Quendoo
//! dashboard backend speaks it today: `GET /sse` announces
//! `/messages/?session_id=...`, and JSON-RPC is POSTed there.
//!
//! Every answer goes in the POST's own 200 body, so a POST needs no session
//! state: any replica answers any POST, including the scheduled tasks'
//! `task_...` sessions that never opened a stream. The stream therefore only
//! announces the endpoint and keeps the connection alive; it holds no more
//! than its own small state, freed when the client goes away.

mod rpc;
mod stream;
mod tenant;

use axum::{
    Extension, Json, Router,
    body::Bytes,
    extract::{DefaultBodyLimit, State},
    http::{HeaderMap, StatusCode},
    middleware,
    response::{IntoResponse, Response},
    routing::{get, post},
};

use super::{AppState, host_guard};
use rpc::Incoming;

/// `/sse` and `/messages/`, behind the host guard; empty when `LEGACY_SSE=false`.
pub fn router(state: &AppState) -> Router<AppState> {
    if !state.config.legacy_sse {
        return Router::new();
    }
    let streams = stream::Streams::new(
        state.config.legacy_sse_max_streams,
        state.config.legacy_sse_keepalive,
        state.shutdown.clone(),
    );
    Router::new()
        .route("/sse", get(stream::open))
        .route("/messages/", post(message))
        .route("/messages", post(message))
        .layer(Extension(streams))
        .layer(DefaultBodyLimit::max(state.config.max_body_bytes))
        .layer(middleware::from_fn_with_state(
            state.host_guard.clone(),
            host_guard::guard,
        ))
}

/// One JSON-RPC message. The `session_id` in the query is not needed to
/// answer, so it is neither required nor checked.
async fn message(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let incoming = match rpc::parse(&body) {
        Ok(incoming) => incoming,
        Err(reply) => return (StatusCode::BAD_REQUEST, Json(reply)).into_response(),
    };
    let caller = match tenant::caller(&state, &headers).await {
        Ok(caller) => caller,
        Err(response) => return response,
    };
    match incoming {
        Incoming::Notification => StatusCode::ACCEPTED.into_response(),
        Incoming::Request(request) => {
            Json(rpc::answer(&state.executor, &caller, request).await).into_response()
        }
    }
}
