//! Injected misbehaviour: latency, statuses, broken bodies, hangs.

use serde::{Deserialize, Serialize};

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
