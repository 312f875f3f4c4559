//! Every log line of this test binary (the server runs in-process), captured
//! under the server's own privacy cap and at TRACE otherwise, so tests can
//! check that no key, token or guest data reaches the log. The simulator's
//! lines are left out: it stands for Quendoo, whose logs are not ours.

use std::sync::{Arc, Mutex, OnceLock};

use quendoo_mcp::telemetry::privacy_cap;
use tracing::level_filters::LevelFilter;
use tracing_subscriber::{Layer, layer::SubscriberExt, util::SubscriberInitExt};

static LOGS: OnceLock<Arc<Mutex<Vec<u8>>>> = OnceLock::new();

struct Sink(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Sink {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Starts capturing (once per process); call before spawning a server.
pub fn capture() {
    LOGS.get_or_init(|| {
        let buffer = Arc::new(Mutex::new(Vec::new()));
        let sink = buffer.clone();
        let layer = tracing_subscriber::fmt::layer()
            .with_writer(move || Sink(sink.clone()))
            .with_ansi(false)
            .with_filter(privacy_cap().with_target("quendoo_sim", LevelFilter::OFF));
        tracing_subscriber::registry().with(layer).init();
        buffer
    });
}

/// Everything captured so far.
pub fn text() -> String {
    let logs = LOGS.get().expect("logs::capture() first").lock().unwrap();
    String::from_utf8_lossy(&logs).into_owned()
}

/// Fails if any captured line holds one of `secrets` (or nothing was logged).
pub fn assert_none_of(secrets: &[&str]) {
    let text = text();
    assert!(!text.is_empty(), "nothing was logged at all");
    for secret in secrets {
        assert!(!text.contains(secret), "a secret reached the log");
    }
}
