//! Injected misbehaviour: latency, statuses, broken bodies, hangs.

use std::sync::Mutex;
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use serde_json::json;
use tokio::sync::watch;

use crate::sync::lock;

/// One fault rule. Fields left at their defaults do not restrict or change
/// anything: `Fault { status: Some(503), ..Default::default() }` fails every
/// upstream request with 503.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Fault {
    /// Only requests with this `api_key`; all when `None`.
    pub api_key: Option<String>,
    /// Only requests whose path ends with this, e.g. `/Booking/getBookings`.
    pub path: Option<String>,
    /// Delay before answering.
    pub latency_ms: u64,
    /// Answer with this status instead of the real answer.
    pub status: Option<u16>,
    /// Answer with this body instead of the real answer.
    pub body: Option<FaultBody>,
    /// Never answer (until the simulator shuts down).
    pub hang: bool,
    /// Probability in `[0, 1]` that a matching request is affected.
    pub failure_rate: f64,
    /// Affect only the next N matching requests, then the rule is removed.
    pub times: Option<u32>,
    /// `Retry-After` header, in seconds, sent with the faulty answer.
    pub retry_after: Option<u64>,
}

impl Default for Fault {
    fn default() -> Self {
        Self {
            api_key: None,
            path: None,
            latency_ms: 0,
            status: None,
            body: None,
            hang: false,
            failure_rate: 1.0,
            times: None,
            retry_after: None,
        }
    }
}

/// A broken body.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FaultBody {
    /// JSON cut off in the middle.
    Malformed,
    /// A body larger than any sane client cap (40 MiB).
    Oversized,
    /// No body at all.
    Empty,
}

/// The rules in force, checked in the order they were set.
pub(crate) struct FaultSet {
    rules: Mutex<Vec<Fault>>,
}

impl FaultSet {
    pub fn new() -> Self {
        Self {
            rules: Mutex::new(Vec::new()),
        }
    }

    pub fn add(&self, fault: Fault) {
        lock(&self.rules).push(fault);
    }

    pub fn clear(&self) {
        lock(&self.rules).clear();
    }

    /// The first rule that applies to this request (its dice rolled), with
    /// its remaining `times` counted down.
    pub fn take(&self, api_key: Option<&str>, path: &str) -> Option<Fault> {
        let mut rules = lock(&self.rules);
        if rules.is_empty() {
            return None;
        }
        let position = rules.iter().position(|rule| {
            rule.api_key
                .as_deref()
                .is_none_or(|key| Some(key) == api_key)
                && rule.path.as_deref().is_none_or(|p| path.ends_with(p))
                && rule.times != Some(0)
                && (rule.failure_rate >= 1.0 || rand::random_bool(rule.failure_rate.max(0.0)))
        })?;
        let fault = rules[position].clone();
        if let Some(times) = &mut rules[position].times {
            *times -= 1;
            if *times == 0 {
                rules.remove(position);
            }
        }
        Some(fault)
    }
}

/// Size of the oversized body: beyond any sane client cap.
const OVERSIZED_BYTES: usize = 40 * 1024 * 1024;
const OVERSIZED_CHUNK: usize = 64 * 1024;

impl Fault {
    /// Plays the fault: waits, hangs or replaces the answer. `None` means
    /// "now answer normally" (a latency-only fault).
    pub(crate) async fn play(
        &self,
        request_line: &str,
        mut shutdown: watch::Receiver<bool>,
    ) -> Option<Response> {
        if self.latency_ms > 0 {
            tokio::time::sleep(Duration::from_millis(self.latency_ms)).await;
        }
        if self.hang {
            // Ends only when the simulator stops, so that it can stop.
            let _ = shutdown.wait_for(|stopped| *stopped).await;
            return Some(StatusCode::SERVICE_UNAVAILABLE.into_response());
        }
        if self.status.is_none() && self.body.is_none() {
            return None;
        }
        let status = self
            .status
            .and_then(|code| StatusCode::from_u16(code).ok())
            .unwrap_or(StatusCode::OK);
        let mut response = match self.body {
            Some(FaultBody::Malformed) => {
                json_response(status, Body::from(r#"{"data": {"rooms": [1, 2"#))
            }
            Some(FaultBody::Oversized) => json_response(status, oversized()),
            Some(FaultBody::Empty) => (status, Body::empty()).into_response(),
            // Like the error pages of some upstreams, the text echoes the
            // request, query and key included: clients must redact it.
            None => {
                let message =
                    json!({ "message": format!("HTTP {} for {request_line}", status.as_u16()) });
                json_response(status, Body::from(message.to_string()))
            }
        };
        if let Some(seconds) = self.retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        Some(response)
    }
}

fn json_response(status: StatusCode, body: Body) -> Response {
    (status, [(header::CONTENT_TYPE, "application/json")], body).into_response()
}

/// Valid JSON, streamed without a length so that a client must count.
fn oversized() -> Body {
    let filler = Bytes::from(vec![b'x'; OVERSIZED_CHUNK]);
    let chunks = std::iter::once(Bytes::from_static(b"{\"data\":\""))
        .chain(std::iter::repeat_n(
            filler,
            OVERSIZED_BYTES / OVERSIZED_CHUNK,
        ))
        .chain(std::iter::once(Bytes::from_static(b"\"}")))
        .map(Ok::<_, std::convert::Infallible>);
    Body::from_stream(futures::stream::iter(chunks))
}
