//! Test controls under `/__sim`: the same operations as `RunningSim`'s methods.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};

use crate::config::PropertySpec;
use crate::faults::Fault;
use crate::state::SimState;

pub(super) fn router() -> Router<Arc<SimState>> {
    Router::new()
        .route("/requests", get(requests).delete(clear_requests))
        .route("/outbox", get(outbox).delete(clear_outbox))
        .route("/faults", post(add_fault).delete(clear_faults))
        .route("/properties", post(add_property))
        .route("/properties/{api_key}", get(snapshot))
}

async fn requests(State(sim): State<Arc<SimState>>) -> Response {
    Json(sim.recorder.all()).into_response()
}

async fn clear_requests(State(sim): State<Arc<SimState>>) -> StatusCode {
    sim.recorder.clear();
    StatusCode::NO_CONTENT
}

async fn outbox(State(sim): State<Arc<SimState>>) -> Response {
    Json(sim.outbox()).into_response()
}

async fn clear_outbox(State(sim): State<Arc<SimState>>) -> StatusCode {
    sim.clear_outbox();
    StatusCode::NO_CONTENT
}

async fn add_fault(State(sim): State<Arc<SimState>>, Json(fault): Json<Fault>) -> StatusCode {
    sim.faults.add(fault);
    StatusCode::NO_CONTENT
}

async fn clear_faults(State(sim): State<Arc<SimState>>) -> StatusCode {
    sim.faults.clear();
    StatusCode::NO_CONTENT
}

/// With a `PropertySpec` body, that property; with no body, a demo property.
async fn add_property(
    State(sim): State<Arc<SimState>>,
    spec: Option<Json<PropertySpec>>,
) -> Response {
    let spec = match spec {
        Some(Json(spec)) => {
            sim.add_property(spec.clone());
            spec
        }
        None => sim.demo_property(),
    };
    (StatusCode::CREATED, Json(spec)).into_response()
}

async fn snapshot(State(sim): State<Arc<SimState>>, Path(api_key): Path<String>) -> Response {
    match sim.snapshot(&api_key) {
        Some(snapshot) => Json(snapshot).into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}
