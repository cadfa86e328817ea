//! Benchmark: memory and handles across many reconnect cycles in one page.
//!
//! A provider with one live subscription and a fast `Fixed` policy is dropped
//! by the server (`/control/drop`) again and again; each cycle waits for the
//! next Open with the subscription Live. Before and after (each time after a
//! forced GC: `scripts/webdriver.json` passes `--js-flags=--expose-gc`) it
//! reads:
//!
//! - the JS heap (`performance.memory.usedJSHeapSize`, precise with
//!   `--enable-precise-memory-info`);
//! - the wasm linear memory (`WebAssembly.Memory` buffer byteLength), which
//!   never shrinks, and the bytes live in the Rust allocator (this binary
//!   counts them with a wrapping `#[global_allocator]`);
//! - live `setTimeout`s, pending animation frames, registered event listeners
//!   and open WebSockets, counted by the page probes of the support module
//!   (`support::probes`), which wrap those APIs before the provider mounts.
//!
//! The counts must come back to where they were and the Rust heap must not
//! keep anything per cycle, for the provider alone and with each widget
//! ([`widgets`]).
//!
//! Unset `LEPTOS_SYNC_BENCH_N`: 20 cycles after 5 warm-up cycles (smoke);
//! set: 1,000 after 50.
#![cfg(target_arch = "wasm32")]

#[path = "../support/mod.rs"]
mod support;

mod allocator;
mod widgets;

use gloo_timers::future::TimeoutFuture;
use leptos::prelude::*;
use leptos_sync::{
    ReconnectOptions, ReconnectPolicy, SubscriptionStatus, SyncOptions, SyncRegistry,
};
use support::bench::*;
use support::*;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

item!(Beat, "BenchMemory");

#[derive(Debug, Clone, Copy)]
struct Snapshot {
    js_heap: f64,
    wasm_memory: f64,
    rust_live: f64,
    timers: f64,
    frames: f64,
    listeners: f64,
    sockets: f64,
}

async fn snapshot() -> Snapshot {
    settle().await;
    Snapshot {
        js_heap: js_f64("performance.memory ? performance.memory.usedJSHeapSize : 0"),
        wasm_memory: wasm_memory_bytes(),
        rust_live: allocator::live_bytes(),
        timers: probe("timers"),
        frames: probe("frames"),
        listeners: probe("listeners"),
        sockets: probe("liveSockets"),
    }
}

fn growth(before: f64, after: f64) -> f64 {
    if before == 0.0 {
        0.0
    } else {
        (after - before) / before * 100.0
    }
}

/// Waits for a short condition, polling every millisecond.
async fn wait_fast(what: &str, timeout_ms: u32, condition: impl FnMut() -> bool) {
    assert!(
        poll(1, timeout_ms, condition).await,
        "timed out waiting for: {what}"
    );
}

#[wasm_bindgen_test]
async fn reconnect_cycles_memory() {
    let (warmup, cycles) = (size(5, 50), size(20, 1_000));
    install_probes();
    let client = "bench-memory";
    // Control: the same control requests with no provider mounted, to show
    // what the harness itself (fetch, the test runner) adds to the JS heap.
    for _ in 0..warmup {
        control("drop?client=bench-memory-nobody").await;
    }
    let harness_before = snapshot().await;
    for _ in 0..cycles {
        control("drop?client=bench-memory-nobody").await;
    }
    let harness_after = snapshot().await;
    let options = SyncOptions::default().reconnect(ReconnectOptions {
        policy: ReconnectPolicy::Fixed(5),
        ..Default::default()
    });
    let slot = Slot::<Beat>::default();
    let mounted = {
        let slot = slot.clone();
        let registry = SyncRegistry::new().register::<Beat>();
        mount_quiet(&ws_url(client), options, true, registry, move || {
            let entries = subscribe(&slot);
            // A render, as a real component would have.
            move || entries.with(|m| m.len())
        })
    };
    let (ctx, entries) = (
        mounted.ctx.clone(),
        slot.lock().unwrap().take().expect("mounted"),
    );
    let reconnects = move || ctx.connection.metrics.get_untracked().reconnects;
    let live = move || {
        ctx.connection.state.get_untracked().is_open()
            && entries.state.get_untracked().status == SubscriptionStatus::Live
    };
    wait_fast("first open", 10_000, live).await;

    let cycle = |n: u32| async move {
        control(&format!("drop?client={client}")).await;
        wait_fast("reconnected and Live", 10_000, || {
            reconnects() >= n && live()
        })
        .await;
    };
    let base = reconnects();
    for i in 1..=warmup as u32 {
        cycle(base + i).await;
    }
    let before = snapshot().await;
    let t0 = perf_now();
    let base = reconnects();
    let half = cycles as u32 / 2;
    for i in 1..=half {
        cycle(base + i).await;
    }
    let mut ms = perf_now() - t0;
    // Half way, to tell a leak (grows again in the second half) from a plateau.
    let mid = snapshot().await;
    let t1 = perf_now();
    for i in half + 1..=cycles as u32 {
        cycle(base + i).await;
    }
    ms += perf_now() - t1;
    let after = snapshot().await;
    assert_eq!(
        reconnects() - base,
        cycles as u32,
        "every cycle reconnected"
    );
    report(
        "memory",
        &[
            ("cycles", cycles as f64),
            ("ms_per_cycle", ms / cycles as f64),
            ("js_heap_before", before.js_heap),
            ("js_heap_after", after.js_heap),
            ("js_heap_growth_pct", growth(before.js_heap, after.js_heap)),
            (
                "js_heap_2nd_half_growth_pct",
                growth(mid.js_heap, after.js_heap),
            ),
            (
                "harness_js_heap_growth_pct",
                growth(harness_before.js_heap, harness_after.js_heap),
            ),
            ("wasm_memory_before", before.wasm_memory),
            ("wasm_memory_after", after.wasm_memory),
            (
                "wasm_memory_growth_pct",
                growth(before.wasm_memory, after.wasm_memory),
            ),
            (
                "wasm_memory_2nd_half_growth_pct",
                growth(mid.wasm_memory, after.wasm_memory),
            ),
            ("rust_live_before", before.rust_live),
            ("rust_live_after", after.rust_live),
            (
                "rust_live_growth_pct",
                growth(before.rust_live, after.rust_live),
            ),
            ("timers_before", before.timers),
            ("timers_after", after.timers),
            ("frames_before", before.frames),
            ("frames_after", after.frames),
            ("listeners_before", before.listeners),
            ("listeners_after", after.listeners),
            ("sockets_before", before.sockets),
            ("sockets_after", after.sockets),
        ],
    );
    for (what, before, after) in [
        ("timers", before.timers, after.timers),
        ("frames", before.frames, after.frames),
        ("listeners", before.listeners, after.listeners),
        ("sockets", before.sockets, after.sockets),
    ] {
        assert_eq!(before, after, "live {what} after {cycles} cycles");
    }
    let retained = (after.rust_live - before.rust_live) / cycles as f64;
    assert!(
        retained <= MAX_RETAINED_PER_CYCLE,
        "the provider keeps {retained} B per reconnect cycle"
    );
    drop(mounted);
}

/// Slack for allocator noise, in bytes per cycle.
const MAX_RETAINED_PER_CYCLE: f64 = 8.0;

/// Lets pending tasks run, then collects garbage, twice: finalizers free
/// more, among them the Rust side of closures handed to JS (a socket's
/// `onmessage`, say).
async fn settle() {
    TimeoutFuture::new(200).await;
    assert!(
        js("typeof gc === 'function'").is_truthy(),
        "run Chromium with --js-flags=--expose-gc (scripts/webdriver.json)"
    );
    js("gc(); gc();");
    TimeoutFuture::new(50).await;
}
