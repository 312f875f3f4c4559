//! The e-mail and voice-call services: bearer check, body check, outbox.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri, header};
use axum::response::Response;
use serde_json::{Value, json};

use super::Incoming;
use super::reply::json;
use crate::record::SentMessage;
use crate::state::{Bearer, SimState};

/// The parts of a request both services take in.
type Request = (State<Arc<SimState>>, Method, Uri, HeaderMap, Bytes);

pub(super) async fn send_email(
    State(sim): State<Arc<SimState>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    accept(
        (State(sim), method, uri, headers, body),
        Bearer::Email,
        |body| {
            let to = text(body, "to")?;
            if !to.contains('@') || to.starts_with('@') || to.ends_with('@') {
                return Err("'to' must be an e-mail address".to_owned());
            }
            text(body, "subject")?;
            text(body, "message")?;
            if body.get("html").is_some_and(|html| !html.is_boolean()) {
                return Err("'html' must be a boolean".to_owned());
            }
            Ok(format!("E-mail to {to} accepted for delivery"))
        },
    )
    .await
}

pub(super) async fn make_call(
    State(sim): State<Arc<SimState>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    accept(
        (State(sim), method, uri, headers, body),
        Bearer::Automation,
        |body| {
            let phone = text(body, "phone")?;
            let digits = phone.chars().filter(char::is_ascii_digit).count();
            if !(6..=15).contains(&digits)
                || !phone
                    .chars()
                    .all(|c| c.is_ascii_digit() || " +()-".contains(c))
            {
                return Err("'phone' must be a phone number".to_owned());
            }
            text(body, "message")?;
            text(body, "language")?;
            Ok(format!("Call to {phone} queued"))
        },
    )
    .await
}

/// Plays any injected fault, checks the bearer and the body, then records
/// the message in the outbox.
async fn accept(
    (State(sim), method, uri, headers, body): Request,
    kind: Bearer,
    check: impl FnOnce(&Value) -> Result<String, String>,
) -> Response {
    let incoming = Incoming::new(method, &uri, body);
    if let Some(answer) = sim.intercept(&incoming).await {
        return answer;
    }
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .filter(|token| sim.property_by_bearer(kind, token).is_some());
    let Some(bearer) = bearer else {
        return json(
            StatusCode::UNAUTHORIZED,
            &json!({ "detail": "Invalid or missing bearer token" }),
        );
    };
    let body: Value = match serde_json::from_slice(&incoming.body) {
        Ok(body @ Value::Object(_)) => body,
        _ => return unprocessable("the body must be a JSON object"),
    };
    match check(&body) {
        Ok(details) => {
            sim.send(SentMessage {
                kind: match kind {
                    Bearer::Email => "email",
                    Bearer::Automation => "call",
                }
                .to_owned(),
                bearer: bearer.to_owned(),
                body,
            });
            json(StatusCode::OK, &json!({ "details": details }))
        }
        Err(problem) => unprocessable(&problem),
    }
}

fn text<'a>(body: &'a Value, field: &str) -> Result<&'a str, String> {
    body.get(field)
        .and_then(Value::as_str)
        .filter(|s| !s.trim().is_empty())
        .ok_or_else(|| format!("'{field}' must be a non-empty string"))
}

/// These services answer validation failures the FastAPI way.
fn unprocessable(problem: &str) -> Response {
    json(
        StatusCode::UNPROCESSABLE_ENTITY,
        &json!({ "detail": problem }),
    )
}
