//! The client's one clock, shared by the driver and the widgets.
//!
//! Every [`Millis`] the core gives out (`ConnectionState::Reconnecting::next_at`,
//! `ConnectionMetrics::connected_since`) is a reading of this clock: in the
//! browser `performance.now()`, monotonic milliseconds since the page
//! started, so deadlines hold when the wall clock steps, slews or is coarsened.

use leptos_sync_core::Millis;

// The timers of the driver and the widgets: the browser's, or under the
// `testing` feature ones that follow virtual time while it is installed.
#[cfg(feature = "testing")]
pub(crate) use crate::testing::time::{Interval, Timeout};
#[cfg(not(feature = "testing"))]
pub(crate) use gloo_timers::callback::{Interval, Timeout};

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
/// Under the `testing` feature, the virtual clock while one is installed.
pub(crate) fn now_ms() -> Millis {
    #[cfg(feature = "testing")]
    if let Some(now) = crate::testing::time::virtual_now() {
        return now;
    }
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
