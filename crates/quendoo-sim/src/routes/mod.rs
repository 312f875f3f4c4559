//! The HTTP surface: the PMS under `/api/pms/v1`, the two communication
//! services, and the test controls under `/__sim`.

mod comms;
mod control;
mod pms;
mod reply;

use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::http::{Method, Uri};
use axum::response::Response;
use axum::routing::{any, post};

use crate::record::RecordedRequest;
use crate::state::SimState;

pub(crate) const PMS_PREFIX: &str = "/api/pms/v1";
pub(crate) const EMAIL_PREFIX: &str = "/email";
pub(crate) const AUTOMATION_PREFIX: &str = "/automation";

pub(crate) fn router(state: Arc<SimState>) -> Router {
    Router::new()
        .route(&format!("{PMS_PREFIX}/{{*endpoint}}"), any(pms::handle))
        .route(
            &format!("{EMAIL_PREFIX}/send_quendoo_email"),
            post(comms::send_email),
        )
        .route(
            &format!("{AUTOMATION_PREFIX}/make_call"),
            post(comms::make_call),
        )
        .nest("/__sim", control::router())
        .with_state(state)
}

/// An upstream request, decoded once for recording, faults and handling.
pub(crate) struct Incoming {
    pub method: Method,
    pub path: String,
    pub query: Vec<(String, String)>,
    pub raw_query: String,
    pub body: Bytes,
}

impl Incoming {
    pub fn new(method: Method, uri: &Uri, body: Bytes) -> Self {
        let raw_query = uri.query().unwrap_or_default().to_owned();
        let query = url::form_urlencoded::parse(raw_query.as_bytes())
            .into_owned()
            .collect();
        Self {
            method,
            path: uri.path().to_owned(),
            query,
            raw_query,
            body,
        }
    }

    pub fn api_key(&self) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k == "api_key")
            .map(|(_, v)| v.as_str())
    }

    /// The body as JSON; text that is not JSON is kept as a JSON string.
    pub fn json_body(&self) -> Option<serde_json::Value> {
        if self.body.is_empty() {
            return None;
        }
        Some(serde_json::from_slice(&self.body).unwrap_or_else(|_| {
            serde_json::Value::String(String::from_utf8_lossy(&self.body).into_owned())
        }))
    }
}

impl SimState {
    /// Records the request and plays a matching fault; `Some` is the answer
    /// to send instead of the real one.
    pub(crate) async fn intercept(&self, incoming: &Incoming) -> Option<Response> {
        if self.recorder.enabled() {
            self.recorder.push(RecordedRequest {
                method: incoming.method.to_string(),
                path: incoming.path.clone(),
                query: incoming.query.clone(),
                body: incoming.json_body(),
                api_key: incoming.api_key().map(str::to_owned),
            });
        }
        let fault = self.faults.take(incoming.api_key(), &incoming.path)?;
        let request_line = format!(
            "{} {}?{}",
            incoming.method, incoming.path, incoming.raw_query
        );
        fault.play(&request_line, self.stopped.subscribe()).await
    }
}
