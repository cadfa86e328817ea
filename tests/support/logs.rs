//! Log capture: every `log` record of the test binary, kept as text, so a
//! test can prove a secret reaches no log line (and that the logger did see
//! the connection's lines, so the check is not vacuous).

use std::sync::{Arc, Mutex, OnceLock};

/// The captured lines since the first call, in order: installs the
/// capturing logger once (a binary has one logger), and every call returns the same record.
pub fn capture_logs() -> Arc<Mutex<Vec<String>>> {
    struct Capture(Arc<Mutex<Vec<String>>>);
    impl log::Log for Capture {
        fn enabled(&self, _: &log::Metadata) -> bool {
            true
        }
        fn log(&self, record: &log::Record) {
            self.0.lock().unwrap().push(format!("{}", record.args()));
        }
        fn flush(&self) {}
    }
    static LINES: OnceLock<Arc<Mutex<Vec<String>>>> = OnceLock::new();
    LINES
        .get_or_init(|| {
            let lines: Arc<Mutex<Vec<String>>> = Arc::default();
            log::set_boxed_logger(Box::new(Capture(lines.clone())))
                .expect("no other logger in a test binary");
            log::set_max_level(log::LevelFilter::Trace);
            lines
        })
        .clone()
}
