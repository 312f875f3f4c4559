//! HTTP routes: each module exposes `router()`; they are merged here.

pub mod admin;
pub mod bearer;
pub mod error;
pub mod health;
pub mod host_guard;
pub mod legacy_sse;
pub mod mcp;
pub mod openapi;
pub mod rest;

use axum::Router;

pub use crate::app::AppState;

pub fn router(state: AppState) -> Router {
    Router::new()
        .merge(health::router())
        .merge(bearer::metadata_router())
        .merge(mcp::router(&state))
        .merge(legacy_sse::router(&state))
        .merge(rest::router(state.config.max_body_bytes))
        .merge(admin::router(state.config.max_body_bytes))
        .merge(openapi::router())
        .with_state(state)
}
