//! What the simulator saw: requests and the messages "sent" to people.

use serde::{Deserialize, Serialize};

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
