//! Logging: human-readable text or JSON lines on standard error (standard
//! output belongs to command results), filtered like `RUST_LOG`, and never
//! below INFO for libraries whose detailed events dump whole MCP messages.

use std::io::IsTerminal;

use tracing::level_filters::LevelFilter;
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

/// Installs the global subscriber. `filter` falls back to `default_filter`
/// when absent or invalid (with a warning, since a typo should not stop
/// the server).
pub fn init(format: LogFormat, filter: Option<&str>, default_filter: &str) {
    let (env_filter, invalid) = match filter.map(EnvFilter::try_new) {
        Some(Ok(f)) => (f, None),
        Some(Err(e)) => (EnvFilter::new(default_filter), Some(e)),
        None => (EnvFilter::new(default_filter), None),
    };
    let layer = tracing_subscriber::fmt::layer()
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal());
    let layer = match format {
        LogFormat::Text => layer.boxed(),
        LogFormat::Json => layer.json().boxed(),
    };
    // A subscriber may already be installed (e.g. in tests); keep it then.
    let _ = tracing_subscriber::registry()
        .with(layer.with_filter(env_filter).with_filter(privacy_cap()))
        .try_init();
    if let Some(e) = invalid {
        tracing::warn!(error = %e, "ignoring invalid RUST_LOG; using {default_filter}");
    }
}
