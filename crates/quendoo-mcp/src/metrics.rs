//! What the server counts, for Prometheus (`GET /metrics`): requests by
//! route and status, tool calls by tool and outcome, upstream exchanges by
//! endpoint and status, each with a latency histogram; limits hit; and, read
//! at each scrape, open streams, the audit queue, the database pool and the
//! log lines dropped.
//! Labels are names from our own code (routes, tools, endpoints, outcomes),
//! never a hotel, a user or a secret: their number stays small.

use std::{
    sync::{Arc, atomic::Ordering},
    time::Duration,
};

use prometheus_client::{
    encoding::{EncodeLabelSet, prometheus_text},
    metrics::{
        counter::Counter,
        family::{Family, MetricConstructor},
        gauge::Gauge,
        histogram::{Histogram, exponential_buckets},
    },
    registry::Registry,
};
use quendoo_api::Exchange;

pub use prometheus_text::CONTENT_TYPE;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct Request {
    method: String,
    route: String,
    status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct Route {
    route: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ToolCall {
    tool: &'static str,
    outcome: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct Tool {
    tool: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct Upstream {
    endpoint: &'static str,
    /// The HTTP status, or `none` when no answer came.
    status: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct Endpoint {
    endpoint: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct Limit {
    limit: &'static str,
    kind: &'static str,
}

/// Seconds from 1 ms to about 33 s, doubling.
#[derive(Clone)]
struct Latency;

impl MetricConstructor<Histogram> for Latency {
    fn new_metric(&self) -> Histogram {
        Histogram::new(exponential_buckets(0.001, 2.0, 16))
    }
}

/// The server's gauges, set just before each scrape.
#[derive(Debug, Clone, Copy, Default)]
pub struct Levels {
    pub open_sse_streams: usize,
    pub audit_queue: usize,
    pub db_connections: u32,
    pub db_idle_connections: usize,
    /// Since the start: a counter, read from the log writer.
    pub log_lines_dropped: u64,
}

struct Inner {
    registry: Registry,
    requests: Family<Request, Counter>,
    request_seconds: Family<Route, Histogram, Latency>,
    tool_calls: Family<ToolCall, Counter>,
    tool_call_seconds: Family<Tool, Histogram, Latency>,
    upstream: Family<Upstream, Counter>,
    upstream_seconds: Family<Endpoint, Histogram, Latency>,
    limits_hit: Family<Limit, Counter>,
    open_sse_streams: Gauge,
    audit_queue: Gauge,
    db_connections: Gauge,
    db_idle_connections: Gauge,
    log_lines_dropped: Counter,
}

/// The counters; cheap to clone, each clone counts into the same registry.
#[derive(Clone)]
pub struct Metrics {
    inner: Arc<Inner>,
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    pub fn new() -> Self {
        let mut registry = Registry::with_prefix("quendoo_mcp");
        let inner = Inner {
            requests: Family::default(),
            request_seconds: Family::new_with_constructor(Latency),
            tool_calls: Family::default(),
            tool_call_seconds: Family::new_with_constructor(Latency),
            upstream: Family::default(),
            upstream_seconds: Family::new_with_constructor(Latency),
            limits_hit: Family::default(),
            open_sse_streams: Gauge::default(),
            audit_queue: Gauge::default(),
            db_connections: Gauge::default(),
            db_idle_connections: Gauge::default(),
            log_lines_dropped: Counter::default(),
            registry: Registry::default(),
        };
        registry.register(
            "http_requests",
            "HTTP requests answered, by method, route and status",
            inner.requests.clone(),
        );
        registry.register(
            "http_request_duration_seconds",
            "Time to answer an HTTP request (to its headers, for a stream), by route",
            inner.request_seconds.clone(),
        );
        registry.register(
            "tool_calls",
            "Tool calls, by tool and outcome (ok or the error's kind)",
            inner.tool_calls.clone(),
        );
        registry.register(
            "tool_call_duration_seconds",
            "Time a tool call took, by tool",
            inner.tool_call_seconds.clone(),
        );
        registry.register(
            "upstream_requests",
            "Exchanges with Quendoo's services (each attempt), by endpoint and status",
            inner.upstream.clone(),
        );
        registry.register(
            "upstream_request_duration_seconds",
            "Time an exchange with Quendoo's services took, by endpoint",
            inner.upstream_seconds.clone(),
        );
        registry.register(
            "limits_hit",
            "Requests refused by a limit, by limit and kind (rate, in_flight, count)",
            inner.limits_hit.clone(),
        );
        registry.register(
            "sse_streams_open",
            "Legacy /sse streams open on this replica",
            inner.open_sse_streams.clone(),
        );
        registry.register(
            "audit_queue_depth",
            "Audit entries waiting to be written",
            inner.audit_queue.clone(),
        );
        registry.register(
            "db_pool_connections",
            "Database connections open",
            inner.db_connections.clone(),
        );
        registry.register(
            "db_pool_idle_connections",
            "Database connections open and idle",
            inner.db_idle_connections.clone(),
        );
        registry.register(
            "log_lines_dropped",
            "Log lines dropped because standard error was not read fast enough",
            inner.log_lines_dropped.clone(),
        );
        Metrics {
            inner: Arc::new(Inner { registry, ..inner }),
        }
    }

    pub fn request(&self, method: &str, route: &str, status: u16, took: Duration) {
        let route = route.to_owned();
        self.inner
            .requests
            .get_or_create(&Request {
                method: method.to_owned(),
                route: route.clone(),
                status,
            })
            .inc();
        self.inner
            .request_seconds
            .get_or_create(&Route { route })
            .observe(took.as_secs_f64());
    }

    pub fn tool_call(&self, tool: &'static str, outcome: &'static str, took: Duration) {
        self.inner
            .tool_calls
            .get_or_create(&ToolCall { tool, outcome })
            .inc();
        self.inner
            .tool_call_seconds
            .get_or_create(&Tool { tool })
            .observe(took.as_secs_f64());
    }

    pub fn limit_hit(&self, limit: &'static str, kind: &'static str) {
        self.inner
            .limits_hit
            .get_or_create(&Limit { limit, kind })
            .inc();
    }

    /// The registry in Prometheus's text format, with `levels` as gauges.
    pub fn render(&self, levels: Levels) -> String {
        let gauge = |value: usize| i64::try_from(value).unwrap_or(i64::MAX);
        let inner = &self.inner;
        inner.open_sse_streams.set(gauge(levels.open_sse_streams));
        inner.audit_queue.set(gauge(levels.audit_queue));
        inner.db_connections.set(i64::from(levels.db_connections));
        inner
            .db_idle_connections
            .set(gauge(levels.db_idle_connections));
        // The writer counts; this counter follows it (never back, whichever
        // of two scrapes at once comes last).
        inner
            .log_lines_dropped
            .inner()
            .fetch_max(levels.log_lines_dropped, Ordering::Relaxed);
        let mut text = String::new();
        // Writing into a String cannot fail.
        let _ = prometheus_text::encode(&mut text, &inner.registry);
        text
    }
}

impl Metrics {
    pub fn upstream(&self, exchange: &Exchange) {
        let status = exchange
            .status
            .map_or_else(|| "none".to_owned(), |status| status.to_string());
        let endpoint = exchange.endpoint;
        self.inner
            .upstream
            .get_or_create(&Upstream { endpoint, status })
            .inc();
        self.inner
            .upstream_seconds
            .get_or_create(&Endpoint { endpoint })
            .observe(exchange.elapsed.as_secs_f64());
    }
}
