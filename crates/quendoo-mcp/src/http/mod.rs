//! HTTP routes: each module exposes `router()`; they are merged here.

pub mod admin;
pub mod audit;
pub mod bearer;
pub mod caller;
pub mod error;
pub mod health;
pub mod host_guard;
pub mod json_bounds;
pub mod legacy_sse;
pub mod mcp;
pub mod metrics;
pub mod narrowing;
pub mod oauth;
pub mod openapi;
pub mod pipeline;
pub mod rest;
mod state;

use axum::Router;
use tower::ServiceBuilder;

pub use state::{AppState, Shared};

/// Every route, in the one layer stack (`pipeline`); all but `/health`
/// behind the Host guard, and all but the OAuth endpoints any web page may
/// call behind the Origin guard too.
pub fn router(state: AppState) -> Router {
    let public = Router::new()
        .merge(bearer::metadata_router())
        .merge(oauth::public_router())
        .layer(
            ServiceBuilder::new()
                .layer(host_guard::checking_host(state.host_guard.clone()))
                .layer(oauth::public_cors()),
        );
    let guarded = Router::new()
        .merge(oauth::pages_router())
        .merge(mcp::router(&state))
        .merge(legacy_sse::router(&state))
        .merge(rest::router())
        .merge(admin::router())
        .merge(audit::router())
        .merge(openapi::router())
        .layer(host_guard::checking_origins(state.host_guard.clone()));
    // Probes and scrapers call by address, not by name.
    let routes = Router::new()
        .merge(health::router())
        .merge(metrics::router())
        .merge(public)
        .merge(guarded);
    pipeline::around(routes, &state).with_state(state)
}
