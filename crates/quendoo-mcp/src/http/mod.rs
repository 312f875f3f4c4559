//! HTTP routes: each module exposes `router()`; they are merged here.

pub mod health;

use axum::Router;

use crate::app::AppState;

pub fn router(state: AppState) -> Router {
    Router::new().merge(health::router()).with_state(state)
}
