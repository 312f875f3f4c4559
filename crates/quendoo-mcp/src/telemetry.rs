//! Logging: human-readable text or JSON lines on standard error (standard
//! output belongs to command results), filtered like `RUST_LOG`.

use std::io::IsTerminal;

use tracing_subscriber::EnvFilter;

use crate::config::LogFormat;

/// Installs the global subscriber. `filter` falls back to `default_filter`
/// when absent or invalid (with a warning, since a typo should not stop
/// the server).
pub fn init(format: LogFormat, filter: Option<&str>, default_filter: &str) {
    let (env_filter, invalid) = match filter.map(EnvFilter::try_new) {
        Some(Ok(f)) => (f, None),
        Some(Err(e)) => (EnvFilter::new(default_filter), Some(e)),
        None => (EnvFilter::new(default_filter), None),
    };
    let builder = tracing_subscriber::fmt()
        .with_env_filter(env_filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal());
    // A subscriber may already be installed (e.g. in tests); keep it then.
    let _ = match format {
        LogFormat::Text => builder.try_init(),
        LogFormat::Json => builder.json().try_init(),
    };
    if let Some(e) = invalid {
        tracing::warn!(error = %e, "ignoring invalid RUST_LOG; using {default_filter}");
    }
}
