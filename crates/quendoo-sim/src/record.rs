//! What the simulator saw: requests and the messages "sent" to people.

use std::collections::VecDeque;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use serde::{Deserialize, Serialize};

use crate::sync::lock;

/// One request as it arrived.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RecordedRequest {
    pub method: String,
    /// The path without the query, e.g. `/api/pms/v1/Booking/getBookings`.
    pub path: String,
    /// The query pairs in arrival order, percent-decoded, `api_key` included.
    pub query: Vec<(String, String)>,
    /// The JSON body; a body that is not JSON is kept as a JSON string.
    pub body: Option<serde_json::Value>,
    /// The `api_key` query parameter, if any.
    pub api_key: Option<String>,
}

/// One e-mail or voice call accepted by the communication endpoints.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SentMessage {
    /// `"email"` or `"call"`.
    pub kind: String,
    /// The bearer token it was sent with.
    pub bearer: String,
    /// The request body as received.
    pub body: serde_json::Value,
}

/// Requests seen, bounded so that a long benchmark cannot exhaust memory:
/// past the limit the oldest are dropped.
pub(crate) struct Recorder {
    limit: AtomicUsize,
    requests: Mutex<VecDeque<RecordedRequest>>,
}

/// Requests kept by default: far more than any test makes.
pub(crate) const DEFAULT_RECORD_LIMIT: usize = 10_000;

impl Recorder {
    pub fn new() -> Self {
        Self {
            limit: AtomicUsize::new(DEFAULT_RECORD_LIMIT),
            requests: Mutex::new(VecDeque::new()),
        }
    }

    /// Whether recording is on; lets callers skip building the record.
    pub fn enabled(&self) -> bool {
        self.limit.load(Ordering::Relaxed) > 0
    }

    pub fn set_limit(&self, limit: usize) {
        self.limit.store(limit, Ordering::Relaxed);
        let mut requests = lock(&self.requests);
        while requests.len() > limit {
            requests.pop_front();
        }
    }

    pub fn push(&self, request: RecordedRequest) {
        let limit = self.limit.load(Ordering::Relaxed);
        let mut requests = lock(&self.requests);
        if limit == 0 {
            return;
        }
        while requests.len() >= limit {
            requests.pop_front();
        }
        requests.push_back(request);
    }

    pub fn all(&self) -> Vec<RecordedRequest> {
        lock(&self.requests).iter().cloned().collect()
    }

    pub fn clear(&self) {
        lock(&self.requests).clear();
    }
}
