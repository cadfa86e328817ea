//! Time in the browser: the provider keeps one timer on the core's
//! `poll_timeout` and reads `performance.now()`. These tests stand in their own
//! `performance.now` to make that timer fire early or late, to step the clock
//! back, and to fake a minute in a background tab; in every case the
//! connection reaches Open once the server is up.
#![cfg(target_arch = "wasm32")]

mod support;

use leptos::prelude::*;
use leptos_sync::ConnectionState;
use support::*;
use wasm_bindgen::JsValue;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

/// Runs a JS function body in the page.
fn js(body: &str) -> JsValue {
    js_sys::Function::new_no_args(body)
        .call0(&JsValue::NULL)
        .expect("the snippet runs")
}

/// The provider's clock becomes the real one plus `offset_ms`.
fn shift_clock(offset_ms: f64) {
    js(&format!(
        "const p = performance; p.__real ??= p.now.bind(p); p.now = () => p.__real() + ({offset_ms});"
    ));
}

/// The provider's clock stands still at `at`, counting how often it is read.
fn freeze_clock(at: f64) {
    js(&format!(
        "const p = performance; p.__real ??= p.now.bind(p); p.__reads = 0; p.now = () => (p.__reads++, {at});"
    ));
}

/// Reads of the frozen clock so far.
fn clock_reads() -> f64 {
    js("return performance.__reads ?? 0").as_f64().unwrap()
}

/// The real `performance.now()`, whatever the provider is given.
fn real_now() -> f64 {
    js("const p = performance; return (p.__real ?? p.now.bind(p))();")
        .as_f64()
        .unwrap()
}

/// What the provider reads now.
fn provider_now() -> f64 {
    js("return performance.now();").as_f64().unwrap()
}

fn real_clock() {
    js("const p = performance; if (p.__real) p.now = p.__real;");
}

/// Open, then the server drops the connection and refuses new ones until
/// reset: waiting for retry 1, `retry_ms` away, whose `next_at` is returned.
async fn reconnecting(client: &str, m: &Mounted, retry_ms: f64) -> u64 {
    m.wait_open(5_000).await;
    control(&format!("refuse?ms=60000&client={client}")).await;
    control(&format!("drop?client={client}")).await;
    wait_until("Reconnecting", 3_000, || {
        matches!(m.state(), ConnectionState::Reconnecting { attempt: 1, .. })
    })
    .await;
    let ConnectionState::Reconnecting { next_at, .. } = m.state() else {
        unreachable!()
    };
    // The provider's clock and `next_at` are one clock.
    let left = next_at as f64 - provider_now();
    assert!((0.0..=retry_ms).contains(&left), "next_at {left} ms away");
    next_at
}

/// Resets the client's faults and mounts a provider retrying every `retry_ms`,
/// on a clock `clock_offset` ms ahead of the real one.
async fn start(client: &str, retry_ms: u64, clock_offset: f64) -> Mounted {
    shift_clock(clock_offset);
    control(&format!("reset?client={client}")).await;
    mount(&ws_url(client), fixed(retry_ms), true)
}

#[wasm_bindgen_test]
async fn a_timer_that_fires_1_ms_early_is_rearmed_and_connects() {
    let client = "time-early";
    let m = start(client, 1_000, 0.0).await;
    let next_at = reconnecting(client, &m, 1_000.0).await;
    // When the timer fires, the clock reads 1 ms before the deadline.
    freeze_clock(next_at as f64 - 1.0);
    wait_until("the timer fired early and was re-armed", 5_000, || {
        real_now() > next_at as f64 + 50.0 && clock_reads() >= 4.0
    })
    .await;
    assert!(
        matches!(m.state(), ConnectionState::Reconnecting { attempt: 1, .. }),
        "{:?}",
        m.state()
    );
    let seen = attempts(client).await.len();
    assert_eq!(
        seen, 1,
        "no attempt but the first connect while the timer fired early"
    );
    // The server is up (reset also clears its records) and the clock reaches
    // the deadline: the re-armed timer connects, once.
    control(&format!("reset?client={client}")).await;
    real_clock();
    m.wait_open(3_000).await;
    assert_eq!(attempts(client).await.len(), 1);
}

#[wasm_bindgen_test]
async fn a_timer_that_fires_late_connects() {
    let client = "time-late";
    let m = start(client, 1_000, 0.0).await;
    reconnecting(client, &m, 1_000.0).await;
    control(&format!("reset?client={client}")).await;
    // The clock runs 10 s ahead: the timer fires 10 s past its deadline.
    shift_clock(10_000.0);
    m.wait_open(3_000).await;
    real_clock();
}

#[wasm_bindgen_test]
async fn a_clock_that_jumps_back_10_s_neither_stalls_nor_waits_10_s_more() {
    let client = "time-back";
    // A page older than the step, so the clock stays positive when it steps back.
    let m = start(client, 1_000, 60_000.0).await;
    let next_at = reconnecting(client, &m, 1_000.0).await;
    control(&format!("reset?client={client}")).await;
    shift_clock(50_000.0);
    let jumped = now();
    // The deadline moves back with the clock: one more retry delay at most.
    m.wait_open(4_000).await;
    let took = now() - jumped;
    assert!(took < 3_000.0, "Open {took} ms after the jump");
    // Uptime counts on the shifted clock, the one the widgets read.
    let since = m.ctx.connection.metrics.get_untracked().connected_since;
    assert!(since.is_some_and(|since| (since as f64) < next_at as f64 - 5_000.0));
    real_clock();
}

#[wasm_bindgen_test]
async fn a_tab_hidden_for_60_s_connects_when_it_is_shown_again() {
    let client = "time-hidden";
    // A retry 30 s away, which the test will not wait for.
    let m = start(client, 30_000, 0.0).await;
    reconnecting(client, &m, 30_000.0).await;
    control(&format!("reset?client={client}")).await;
    // A minute passed in a background tab, whose timers the browser held back.
    shift_clock(60_000.0);
    // Like the browser's own, the event bubbles from the document to the window.
    assert_eq!(js("return document.visibilityState;"), "visible");
    js("document.dispatchEvent(new Event('visibilitychange', { bubbles: true }));");
    m.wait_open(3_000).await;
    real_clock();
}
