//! Response shapes of the simulated services.

use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde_json::json;

/// `200 {"data": ...}`, serialized straight from the state.
pub(crate) fn data(value: &impl Serialize) -> Response {
    #[derive(Serialize)]
    struct Envelope<'a, T> {
        data: &'a T,
    }
    json(StatusCode::OK, &Envelope { data: value })
}

pub(crate) fn json(status: StatusCode, value: &impl Serialize) -> Response {
    match serde_json::to_vec(value) {
        Ok(body) => raw_json(status, body),
        Err(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}

pub(crate) fn raw_json(status: StatusCode, body: impl Into<axum::body::Body>) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "application/json")],
        body.into(),
    )
        .into_response()
}

/// An error as the PMS gives it: `{"success": false, "message": ...}`.
pub(crate) fn error(status: StatusCode, message: &str) -> Response {
    json(status, &json!({ "success": false, "message": message }))
}

pub(crate) fn bad_request(message: &str) -> Response {
    error(StatusCode::BAD_REQUEST, message)
}
