//! HTTP routes: each module exposes `router()`; they are merged here.

pub mod bearer;
pub mod error;
pub mod health;
pub mod host_guard;
pub mod legacy_sse;
pub mod mcp;

use axum::Router;

pub use crate::app::AppState;

pub fn router(state: AppState) -> Router {
    Router::new()
        .merge(health::router())
        .merge(bearer::metadata_router())
        .merge(mcp::router(&state))
        .merge(legacy_sse::router(&state))
        .with_state(state)
}
