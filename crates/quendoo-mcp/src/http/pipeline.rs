//! The one layer stack every route goes through, outermost first: sensitive
//! headers hidden from traces, a panic turned into a 500, the request id
//! taken from `X-Request-Id` (when well-formed) or made, a span per request
//! (method, route, request id, tenant once known, status), the request id
//! returned, the request counted in the metrics, the request timeout, the
//! body limit, and the shape of JSON bodies bounded (`json_bounds`). The Host/Origin guard
//! comes next, on every route but `/health` (probes call by address).

use std::time::{Duration, Instant};

use axum::{
    Router,
    extract::{DefaultBodyLimit, MatchedPath, Request},
    http::{HeaderName, HeaderValue, Response, StatusCode, header},
    middleware::{self, Next},
    response::IntoResponse,
};
use tower::ServiceBuilder;
use tower_http::{
    catch_panic::CatchPanicLayer,
    request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer},
    sensitive_headers::SetSensitiveRequestHeadersLayer,
    trace::TraceLayer,
};
use tracing::{Span, field::Empty};

use super::{AppState, error::ApiError, json_bounds};
use crate::metrics::Metrics;

const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");
const HOTEL_KEY: HeaderName = HeaderName::from_static("x-quendoo-api-key");
/// An incoming request id longer than this, or with other characters than
/// these, is replaced: it goes into every log line of the request.
const MAX_REQUEST_ID: usize = 128;

/// Wraps `routes` in the stack.
pub fn around(routes: Router<AppState>, state: &AppState) -> Router<AppState> {
    let timeout = state.config.request_timeout;
    let metrics = state.metrics.clone();
    let stack = ServiceBuilder::new()
        .layer(SetSensitiveRequestHeadersLayer::new([
            header::AUTHORIZATION,
            header::COOKIE,
            HOTEL_KEY,
        ]))
        .layer(CatchPanicLayer::custom(|_| {
            ApiError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "Internal error; the operator can find details in the log.",
            )
            .into_response()
        }))
        .layer(middleware::map_request(accept_request_id))
        .layer(SetRequestIdLayer::new(REQUEST_ID, MakeRequestUuid))
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(request_span)
                .on_request(())
                .on_response(on_response),
        )
        .layer(PropagateRequestIdLayer::new(REQUEST_ID))
        .layer(middleware::from_fn(move |request: Request, next: Next| {
            count(metrics.clone(), request, next)
        }))
        .layer(middleware::from_fn(move |request: Request, next: Next| {
            within(timeout, request, next)
        }))
        .layer(DefaultBodyLimit::max(state.config.max_body_bytes))
        .layer(middleware::from_fn_with_state(
            state.config.max_body_bytes,
            json_bounds::guard,
        ));
    routes.layer(stack)
}

/// Keeps a client's request id only if it is short and plain.
async fn accept_request_id(mut request: Request) -> Request {
    let plain = |value: &HeaderValue| {
        let bytes = value.as_bytes();
        !bytes.is_empty()
            && bytes.len() <= MAX_REQUEST_ID
            && bytes
                .iter()
                .all(|b| b.is_ascii_alphanumeric() || b"-_.:".contains(b))
    };
    if request
        .headers()
        .get(&REQUEST_ID)
        .is_some_and(|id| !plain(id))
    {
        request.headers_mut().remove(&REQUEST_ID);
    }
    request
}

fn request_span(request: &Request) -> Span {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or("unmatched", MatchedPath::as_str);
    let id = request
        .headers()
        .get(&REQUEST_ID)
        .and_then(|id| id.to_str().ok())
        .unwrap_or("");
    tracing::info_span!(
        "request",
        method = %request.method(),
        route = %route,
        request_id = %id,
        tenant = Empty,
        status = Empty,
    )
}

fn on_response<B>(response: &Response<B>, latency: Duration, span: &Span) {
    span.record("status", response.status().as_u16());
    tracing::info!(latency_ms = latency.as_millis() as u64, "request");
}

/// Names the hotel in the current request's span, once a credential says
/// which it is.
pub fn record_tenant(tenant: &crate::domain::TenantId) {
    Span::current().record("tenant", tracing::field::display(tenant));
}

/// Counts the request by method, route and status, with its latency.
async fn count(metrics: Metrics, request: Request, next: Next) -> axum::response::Response {
    let started = Instant::now();
    let method = request.method().clone();
    let route = request.extensions().get::<MatchedPath>().cloned();
    let response = next.run(request).await;
    let route = route.as_ref().map_or("unmatched", MatchedPath::as_str);
    metrics.request(
        method.as_str(),
        route,
        response.status().as_u16(),
        started.elapsed(),
    );
    response
}

/// The request as a whole within `timeout` (a streaming response counts
/// until its headers are sent, so `/sse` streams are not cut).
async fn within(timeout: Duration, request: Request, next: Next) -> axum::response::Response {
    match tokio::time::timeout(timeout, next.run(request)).await {
        Ok(response) => response,
        Err(_) => ApiError::new(
            StatusCode::GATEWAY_TIMEOUT,
            format!(
                "The request took longer than {} s (REQUEST_TIMEOUT) and was stopped.",
                timeout.as_secs()
            ),
        )
        .into_response(),
    }
}
