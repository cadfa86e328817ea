//! The client's one clock, shared by the driver and the widgets.
//!
//! Every [`Millis`] the core gives out (`ConnectionState::Reconnecting::next_at`,
//! `ConnectionMetrics::connected_since`) is a reading of this clock: in the
//! browser `performance.now()`, monotonic milliseconds since the page
//! started, so deadlines hold when the wall clock steps, slews or is coarsened.

use leptos_sync_core::Millis;

#[cfg(all(target_arch = "wasm32", not(feature = "ssr")))]
#[wasm_bindgen::prelude::wasm_bindgen]
extern "C" {
    /// Looked up on every call, so a test can stand in its own clock.
    #[wasm_bindgen(js_namespace = performance, js_name = now)]
    fn performance_now() -> f64;
}

/// The current time in ms: `performance.now()` in the browser; off the browser
/// (native builds) ms since the first call, from a monotonic `Instant`. Under
/// `ssr` on wasm no clock is touched and it reads 0: the core does not run there.
pub(crate) fn now_ms() -> Millis {
    #[cfg(all(target_arch = "wasm32", not(feature = "ssr")))]
    {
        // Non-negative and finite in every browser; a stand-in that is not saturates.
        performance_now() as Millis
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        static START: std::sync::OnceLock<std::time::Instant> = std::sync::OnceLock::new();
        START
            .get_or_init(std::time::Instant::now)
            .elapsed()
            .as_millis() as Millis
    }
    #[cfg(all(target_arch = "wasm32", feature = "ssr"))]
    {
        0
    }
}
