//! `GET /metrics` in Prometheus's text format: on the main port for a
//! bearer of `ADMIN_TOKEN`, and on `METRICS_ADDR` (an address only the
//! scraper reaches) without one.

use axum::{
    Router,
    extract::State,
    http::{HeaderMap, StatusCode, header},
    response::{IntoResponse, Response},
    routing::get,
};

use super::{AppState, caller::same_token, error::ApiError};
use crate::{auth::bearer_token, metrics::CONTENT_TYPE};

/// `/metrics` on the main port, behind `ADMIN_TOKEN`.
pub fn router() -> Router<AppState> {
    Router::new().route("/metrics", get(guarded))
}

/// `/metrics` alone, for the `METRICS_ADDR` listener.
pub fn listener_router(state: AppState) -> Router {
    Router::new()
        .route("/metrics", get(render))
        .with_state(state)
}

async fn guarded(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let allowed = match (&state.config.admin_token, bearer_token(&headers)) {
        (Some(admin), Some(token)) => same_token(token, admin),
        _ => false,
    };
    if !allowed {
        let why = if state.config.admin_token.is_some() {
            "Metrics need `Authorization: Bearer <ADMIN_TOKEN>`."
        } else {
            "Metrics are served here only when ADMIN_TOKEN is set (or on METRICS_ADDR)."
        };
        return ApiError::new(StatusCode::UNAUTHORIZED, why).into_response();
    }
    render(State(state)).await
}

async fn render(State(state): State<AppState>) -> Response {
    let text = state.metrics.render(state.levels());
    ([(header::CONTENT_TYPE, CONTENT_TYPE)], text).into_response()
}
