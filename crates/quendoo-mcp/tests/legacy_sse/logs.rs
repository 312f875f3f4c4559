//! Every log line of this test binary, captured, so tests can check that no
//! hotel key reaches the log (the server runs in this process).

use std::{
    io::Write,
    sync::{Arc, Mutex, OnceLock},
};

static LOGS: OnceLock<Arc<Mutex<Vec<u8>>>> = OnceLock::new();

struct Sink(Arc<Mutex<Vec<u8>>>);

impl Write for Sink {
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
        tracing_subscriber::fmt()
            // The simulator is the PMS, not us: its own logs may show keys.
            .with_env_filter("quendoo_mcp=trace,quendoo_api=trace,quendoo_sim=off,info")
            .with_writer(move || Sink(sink.clone()))
            .with_ansi(false)
            .init();
        buffer
    });
}

/// Fails if any captured line holds one of `secrets`.
pub fn assert_none_of(secrets: &[&str]) {
    let logs = LOGS.get().expect("capture() first").lock().unwrap();
    let text = String::from_utf8_lossy(&logs);
    assert!(!text.is_empty(), "nothing was logged at all");
    for secret in secrets {
        assert!(!text.contains(secret), "a secret reached the log");
    }
}
