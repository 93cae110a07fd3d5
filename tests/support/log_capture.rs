//! Every log line, at every level, captured for tests that search the logs for secrets.
//! One helper, so each such test captures the same way (and rebuilds tracing's interest
//! cache, without which a capture can miss lines under load).

use std::io::Write;
use std::sync::{Arc, Mutex};

/// The captured lines; cloned into the subscriber's writer.
#[derive(Clone, Default)]
pub struct LogCapture(Arc<Mutex<Vec<u8>>>);

impl Write for LogCapture {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl LogCapture {
    /// Starts capturing every level on this thread until the guard drops.
    pub fn start() -> (LogCapture, tracing::subscriber::DefaultGuard) {
        let capture = LogCapture::default();
        let writer = capture.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_ansi(false)
            .with_writer(move || writer.clone())
            .finish();
        let guard = tracing::subscriber::set_default(subscriber);
        // Another test thread may have met a callsite first, with no subscriber interested,
        // and tracing caches that: without a rebuild this capture can miss lines under load.
        tracing::callsite::rebuild_interest_cache();
        (capture, guard)
    }

    /// Everything logged so far.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}
