//! Health for load balancers and orchestrators: `GET /health` (the seed's,
//! with the count of live connections) and `GET /health/ready` are a real
//! database round trip, 503 when it fails; `GET /health/live` only says the
//! process answers, so that a database outage never gets replicas killed.

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use chrono::Utc;
use serde_json::{Value, json};

use crate::http::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/health", get(health))
        .route("/health/ready", get(health))
        .route("/health/live", get(live))
}

async fn health(State(state): State<AppState>) -> (StatusCode, Json<Value>) {
    let timestamp = Utc::now().to_rfc3339();
    // Counting live connections is the database check itself.
    match state
        .store
        .count_active_connections(state.config.connection_idle_ttl)
        .await
    {
        Ok(active_connections) => (
            StatusCode::OK,
            Json(json!({
                "status": "healthy",
                "timestamp": timestamp,
                "active_connections": active_connections,
            })),
        ),
        Err(error) => {
            tracing::warn!(%error, "health check failed");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(json!({
                    "status": "unhealthy",
                    "timestamp": timestamp,
                    "error": "database unavailable",
                })),
            )
        }
    }
}

async fn live() -> Json<Value> {
    Json(json!({"status": "alive"}))
}
