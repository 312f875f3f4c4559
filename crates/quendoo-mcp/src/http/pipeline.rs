//! The one layer stack every route goes through, outermost first: sensitive
//! headers hidden from traces, a panic turned into a 500, the request id
//! taken from `X-Request-Id` (when well-formed) or made, a span per request
//! (method, route, request id, tenant once known, status), the request id
//! returned, the request counted in the metrics, the request timeout, the
//! body limit, and the shape of JSON bodies bounded (`json_bounds`). The Host/Origin guard
//! comes next, on every route but `/health` (probes call by address).

use std::convert::Infallible;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use axum::{
    Router,
    extract::{DefaultBodyLimit, MatchedPath, Request},
    http::{self, HeaderName, HeaderValue, StatusCode, header},
    middleware,
    response::{IntoResponse, Response},
};
use futures::future::BoxFuture;
use tower::{Service, ServiceBuilder};
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
        .map_request(accept_request_id)
        .layer(SetRequestIdLayer::new(REQUEST_ID, MakeRequestUuid))
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(request_span)
                .on_request(())
                .on_response(on_response),
        )
        .layer(PropagateRequestIdLayer::new(REQUEST_ID))
        .layer_fn(move |inner| Watched {
            inner,
            metrics: metrics.clone(),
            timeout,
        })
        .layer(DefaultBodyLimit::max(state.config.max_body_bytes))
        .layer(middleware::from_fn_with_state(
            state.config.max_body_bytes,
            json_bounds::guard,
        ));
    routes.layer(stack)
}

/// Keeps a client's request id only if it is short and plain.
fn accept_request_id(mut request: Request) -> Request {
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

fn on_response<B>(response: &http::Response<B>, latency: Duration, span: &Span) {
    span.record("status", response.status().as_u16());
    tracing::info!(latency_ms = latency.as_millis() as u64, "request");
}

/// Names the hotel in the current request's span, once a credential says
/// which it is.
pub fn record_tenant(tenant: &crate::domain::TenantId) {
    Span::current().record("tenant", tracing::field::display(tenant));
}

/// Counts each request by method, route and status, with its latency, and
/// stops one that takes longer than `timeout` (a streaming response counts
/// until its headers are sent, so `/sse` streams are not cut). A service of
/// its own rather than axum's `from_fn`, which clones the whole stack below
/// it (every boxed route service) on every request: this one calls the
/// service below at once.
#[derive(Clone)]
struct Watched<S> {
    inner: S,
    metrics: Metrics,
    timeout: Duration,
}

impl<S> Service<Request> for Watched<S>
where
    S: Service<Request, Response = Response, Error = Infallible>,
    S::Future: Send + 'static,
{
    type Response = Response;
    type Error = Infallible;
    type Future = BoxFuture<'static, Result<Response, Infallible>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request) -> Self::Future {
        let started = Instant::now();
        let method = request.method().clone();
        let route = request.extensions().get::<MatchedPath>().cloned();
        let answer = tokio::time::timeout(self.timeout, self.inner.call(request));
        let (metrics, timeout) = (self.metrics.clone(), self.timeout);
        Box::pin(async move {
            let response = match answer.await {
                Ok(Ok(response)) => response,
                Err(_) => timed_out(timeout),
            };
            let route = route.as_ref().map_or("unmatched", MatchedPath::as_str);
            metrics.request(
                method.as_str(),
                route,
                response.status().as_u16(),
                started.elapsed(),
            );
            Ok(response)
        })
    }
}

fn timed_out(timeout: Duration) -> Response {
    ApiError::new(
        StatusCode::GATEWAY_TIMEOUT,
        format!(
            "The request took longer than {} s (REQUEST_TIMEOUT) and was stopped.",
            timeout.as_secs()
        ),
    )
    .into_response()
}
