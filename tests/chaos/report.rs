//! What the categories share: the scale, random moments for faults, and the
//! one machine-readable line each category prints.

use gloo_timers::future::TimeoutFuture;

use crate::support::page_errors;

/// The suite's scale, set at compile time (`1.0` full, `0.1` short). The
/// suite crashes its server, so it only runs against the supervised one
/// that scripts/chaos and the chaos tier start; a build without the scale
/// is a mistake, and fails rather than passing having done nothing.
pub fn scale() -> f64 {
    const HOW: &str = "run the chaos suite with scripts/chaos or scripts/test chaos";
    let scale = option_env!("LEPTOS_SYNC_CHAOS_SCALE")
        .unwrap_or_else(|| panic!("LEPTOS_SYNC_CHAOS_SCALE is not set: {HOW}"));
    match scale.parse::<f64>() {
        Ok(s) if s > 0.0 && s.is_finite() => s,
        _ => panic!("LEPTOS_SYNC_CHAOS_SCALE={scale:?} is not a positive number: {HOW}"),
    }
}

/// `full` scaled, at least 1.
pub fn count(full: u32, scale: f64) -> u32 {
    ((f64::from(full) * scale).round() as u32).max(1)
}

/// A line in the browser console, where the runner shows it.
pub fn log(line: &str) {
    web_sys::console::log_1(&line.into());
}

/// A uniform integer in `lo..=hi`.
pub fn rand(lo: u32, hi: u32) -> u32 {
    lo + (js_sys::Math::random() * f64::from(hi - lo + 1)) as u32 % (hi - lo + 1)
}

/// Waits a random time in `lo..=hi` ms: places a fault at a random moment.
pub async fn pause(lo: u32, hi: u32) {
    TimeoutFuture::new(rand(lo, hi)).await;
}

/// One category's result; printed as one `CHAOS …` line that scripts/chaos collects.
#[derive(Default)]
pub struct Report {
    pub tried: u64,
    pub survived: u64,
    pub lost: u64,
    pub duplicates: u64,
    pub longest_recovery_ms: f64,
    /// Extra `key=value` fields.
    pub extra: Vec<(String, String)>,
    /// What went wrong, for the assertion at the end.
    pub failures: Vec<String>,
    errors_before: u64,
}

impl Report {
    pub fn new() -> Self {
        Self {
            errors_before: page_errors().0,
            ..Self::default()
        }
    }

    pub fn recovery(&mut self, ms: f64) {
        self.longest_recovery_ms = self.longest_recovery_ms.max(ms);
    }

    pub fn fail(&mut self, what: String) {
        log(&format!("chaos failure: {what}"));
        self.failures.push(what);
    }

    pub fn extra(&mut self, key: &str, value: impl ToString) {
        self.extra.push((key.to_string(), value.to_string()));
    }

    /// Prints the line, then fails the test if anything went wrong.
    pub fn finish(self, category: &str) {
        let (errors, messages) = page_errors();
        let panics = errors - self.errors_before;
        let mut line = format!(
            "CHAOS {category} tried={} survived={} lost={} duplicates={} panics={panics} longest_recovery_ms={:.0}",
            self.tried, self.survived, self.lost, self.duplicates, self.longest_recovery_ms
        );
        for (k, v) in &self.extra {
            line.push_str(&format!(" {k}={v}"));
        }
        log(&line);
        assert_eq!(panics, 0, "{category}: page errors: {messages}");
        assert!(
            self.failures.is_empty() && self.lost == 0 && self.duplicates == 0,
            "{category}: {} failure(s), lost {}, duplicates {}:\n{}",
            self.failures.len(),
            self.lost,
            self.duplicates,
            self.failures.join("\n")
        );
        assert_eq!(
            self.tried, self.survived,
            "{category}: not every try survived"
        );
    }
}
