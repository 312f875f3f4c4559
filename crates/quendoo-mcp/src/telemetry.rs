//! Logging: human-readable text or JSON lines on standard error (standard
//! output belongs to command results), filtered like `RUST_LOG`, and never
//! below INFO for libraries whose detailed events dump whole MCP messages.
//! Lines are written by a thread of their own: a reader of standard error
//! that stops reading (a stalled log shipper, a paused terminal) fills the
//! pipe, which blocked every request's thread with it. Past
//! `BUFFERED_LINES` waiting, lines are dropped and counted instead
//! ([`dropped_log_lines`], the `log_lines_dropped` metric).
//! With the `otel` feature, the same spans (requests, tool calls) also go
//! to an OpenTelemetry collector over OTLP/HTTP when
//! `OTEL_EXPORTER_OTLP_ENDPOINT` is set (the standard `OTEL_*` variables
//! apply).

use std::{io::IsTerminal, sync::OnceLock};

use tracing::level_filters::LevelFilter;
use tracing_appender::non_blocking::{ErrorCounter, NonBlockingBuilder, WorkerGuard};
use tracing_subscriber::{
    EnvFilter, Layer, filter::Targets, layer::SubscriberExt, util::SubscriberInitExt,
};

use crate::config::LogFormat;

/// The MCP SDK logs every JSON-RPC message in full at DEBUG and TRACE: tool
/// arguments and results, that is guests' names, e-mails and phones. Those
/// levels stay off for it whatever `RUST_LOG` asks.
pub fn privacy_cap() -> Targets {
    Targets::new()
        .with_default(LevelFilter::TRACE)
        .with_target("rmcp", LevelFilter::INFO)
}

/// Log lines waiting for the writer at most (about 250 bytes each).
const BUFFERED_LINES: usize = 4096;

/// The log writer's count of lines it dropped, once the writer is made.
static DROPPED: OnceLock<ErrorCounter> = OnceLock::new();

/// Log lines dropped because standard error was not read fast enough.
pub fn dropped_log_lines() -> u64 {
    DROPPED
        .get()
        .map_or(0, |counter| counter.dropped_lines() as u64)
}

/// Keeps the telemetry running; dropping it writes the lines still queued
/// (waiting a second at most for a reader that has stopped) and sends the
/// spans still queued.
pub struct Telemetry {
    _lines: WorkerGuard,
    #[cfg(feature = "otel")]
    traces: Option<opentelemetry_sdk::trace::SdkTracerProvider>,
}

impl Drop for Telemetry {
    fn drop(&mut self) {
        #[cfg(feature = "otel")]
        if let Some(traces) = self.traces.take()
            && let Err(error) = traces.shutdown()
        {
            eprintln!("could not send the last traces: {error}");
        }
    }
}

/// Installs the global subscriber. `filter` falls back to `default_filter`
/// when absent or invalid (with a warning, since a typo should not stop
/// the server).
pub fn init(format: LogFormat, filter: Option<&str>, default_filter: &str) -> Telemetry {
    let (env_filter, invalid) = match filter.map(EnvFilter::try_new) {
        Some(Ok(f)) => (f, None),
        Some(Err(e)) => (EnvFilter::new(default_filter), Some(e)),
        None => (EnvFilter::new(default_filter), None),
    };
    let (writer, lines) = NonBlockingBuilder::default()
        .lossy(true)
        .buffered_lines_limit(BUFFERED_LINES)
        .thread_name("log-writer")
        .finish(std::io::stderr());
    let _ = DROPPED.set(writer.error_counter());
    let layer = tracing_subscriber::fmt::layer()
        .with_writer(writer)
        .with_ansi(std::io::stderr().is_terminal());
    let layer = match format {
        LogFormat::Text => layer.boxed(),
        LogFormat::Json => layer.json().boxed(),
    };
    #[cfg(feature = "otel")]
    let (traces, otel_layer, otel_error) = match otel::provider() {
        None => (None, None, None),
        Some(Ok(provider)) => {
            let layer = otel::layer(&provider);
            (Some(provider), Some(layer), None)
        }
        Some(Err(error)) => (None, None, Some(error)),
    };
    let registry = tracing_subscriber::registry()
        .with(layer.with_filter(env_filter).with_filter(privacy_cap()));
    #[cfg(feature = "otel")]
    let registry = registry.with(otel_layer);
    // A subscriber may already be installed (e.g. in tests); keep it then.
    let _ = registry.try_init();
    if let Some(e) = invalid {
        tracing::warn!(error = %e, "ignoring invalid RUST_LOG; using {default_filter}");
    }
    #[cfg(feature = "otel")]
    if let Some(error) = otel_error {
        tracing::warn!(%error, "OTEL_EXPORTER_OTLP_ENDPOINT is set but traces cannot be sent");
    }
    Telemetry {
        _lines: lines,
        #[cfg(feature = "otel")]
        traces,
    }
}

#[cfg(feature = "otel")]
mod otel {
    use opentelemetry::trace::TracerProvider as _;
    use opentelemetry_otlp::SpanExporter;
    use opentelemetry_sdk::{Resource, trace::SdkTracerProvider};
    use tracing::Subscriber;
    use tracing_subscriber::{Layer, registry::LookupSpan};

    /// A provider sending to `OTEL_EXPORTER_OTLP_ENDPOINT`, when it is set.
    pub fn provider() -> Option<Result<SdkTracerProvider, String>> {
        std::env::var_os("OTEL_EXPORTER_OTLP_ENDPOINT")?;
        let exporter = match SpanExporter::builder().with_http().build() {
            Ok(exporter) => exporter,
            Err(error) => return Some(Err(error.to_string())),
        };
        let resource = Resource::builder().with_service_name("quendoo-mcp").build();
        Some(Ok(SdkTracerProvider::builder()
            .with_batch_exporter(exporter)
            .with_resource(resource)
            .build()))
    }

    /// Spans at INFO and above, with the same cap on the MCP SDK's as logs.
    pub fn layer<S>(provider: &SdkTracerProvider) -> impl Layer<S>
    where
        S: Subscriber + for<'span> LookupSpan<'span>,
    {
        tracing_opentelemetry::layer()
            .with_tracer(provider.tracer("quendoo-mcp"))
            .with_filter(tracing::level_filters::LevelFilter::INFO)
            .with_filter(super::privacy_cap())
    }
}
