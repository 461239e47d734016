//! The functions' real log lines, captured per test thread. One process-wide subscriber (the
//! functions' own JSON subscriber) writes each line to the thread that logged it, so a test running
//! on a current-thread runtime reads exactly its own lines, and no test's subscriber races another's
//! for `tracing`'s callsite interest (the reason a scoped subscriber failed in a shared binary).

use std::cell::RefCell;
use std::sync::Once;

thread_local! {
    static CAPTURED: RefCell<Option<Vec<u8>>> = const { RefCell::new(None) };
}

/// Writes to this thread's capture, or nowhere.
struct ThreadCapture;

impl std::io::Write for ThreadCapture {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        CAPTURED.with(|captured| {
            if let Some(buffer) = captured.borrow_mut().as_mut() {
                buffer.extend_from_slice(bytes);
            }
        });
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Starts capturing this thread's log lines (installing the subscriber once per process).
pub fn start() {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        let subscriber = studiogate::telemetry::json_logs(
            || ThreadCapture,
            studiogate::telemetry::log_filter(Some("info")),
        );
        tracing::subscriber::set_global_default(subscriber)
            .expect("no other global subscriber in the test binary");
    });
    CAPTURED.with(|captured| *captured.borrow_mut() = Some(Vec::new()));
}

/// Stops capturing and returns this thread's lines since [`start`].
pub fn finish() -> String {
    let bytes = CAPTURED.with(|captured| captured.borrow_mut().take().unwrap_or_default());
    String::from_utf8(bytes).expect("log lines are UTF-8")
}
