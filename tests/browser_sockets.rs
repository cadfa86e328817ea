//! Never more than one socket, even under fast `close()` / `open()` toggles.
//! Counted on both ends: in the page, a socket counts from its construction
//! until its `close` event; the reference server records the peak of
//! connections open at once for each client, so even a short overlap shows.
#![cfg(target_arch = "wasm32")]

mod support;

use gloo_timers::future::TimeoutFuture;
use leptos::prelude::*;
use leptos_sync::SyncOptions;
use support::*;
use wasm_bindgen::JsValue;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

/// Wraps the page's `WebSocket` constructor to count the sockets alive (built
/// and not yet reported closed), from zero.
fn count_sockets() {
    js_sys::Function::new_no_args(
        "const w = window; w.__RealWebSocket ??= w.WebSocket; const Real = w.__RealWebSocket;
         const count = w.__sockets = { live: 0, peak: 0 };
         w.WebSocket = function (...args) {
           const ws = new Real(...args);
           count.peak = Math.max(count.peak, ++count.live);
           ws.addEventListener('close', () => { count.live -= 1; });
           return ws;
         };
         w.WebSocket.prototype = Real.prototype;
         Object.assign(w.WebSocket, { CONNECTING: 0, OPEN: 1, CLOSING: 2, CLOSED: 3 });",
    )
    .call0(&JsValue::NULL)
    .expect("WebSocket wrapped");
}

/// The most sockets alive at once in the page since [`count_sockets`].
fn socket_peak() -> f64 {
    js_sys::eval("window.__sockets.peak")
        .ok()
        .and_then(|v| v.as_f64())
        .expect("sockets counted")
}

/// Toggles 20 times, `gap_ms` apart (0: all in one task); the page ends Open
/// and neither the page nor the server ever had two sockets of this client.
async fn toggles(client: &str, gap_ms: u32) -> Mounted {
    control(&format!("reset?client={client}")).await;
    count_sockets();
    let m = mount(&ws_url(client), SyncOptions::default(), true);
    m.wait_open(5_000).await;
    let conn = m.ctx.connection.clone();
    for _ in 0..20 {
        (conn.close)();
        (conn.open)();
        if gap_ms > 0 {
            TimeoutFuture::new(gap_ms).await;
        }
    }
    m.wait_open(5_000).await;
    wait_for_server("one connection at the server", 3_000, || async {
        stats(client).await["connections"] == 1
    })
    .await;
    assert_eq!(socket_peak(), 1.0, "sockets alive at once in the page");
    let stats = stats(client).await;
    assert_eq!(stats["peak_connections"], 1, "{stats}");
    assert_eq!(m.ctx.last_error.get_untracked(), None);
    m
}

#[wasm_bindgen_test]
async fn twenty_toggles_in_one_task_never_open_two_sockets() {
    let m = toggles("toggle-burst", 0).await;
    // The last wish was open: one new socket, once the old one had closed.
    assert_eq!(m.ctx.connection.metrics.get_untracked().attempts, 2);
}

#[wasm_bindgen_test]
async fn twenty_toggles_2_ms_apart_never_open_two_sockets() {
    toggles("toggle-2ms", 2).await;
}
