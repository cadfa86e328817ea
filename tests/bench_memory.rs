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
//!   and open WebSockets, by wrapping `setTimeout` / `clearTimeout`,
//!   `requestAnimationFrame` / `cancelAnimationFrame`,
//!   `EventTarget.prototype.addEventListener` / `removeEventListener` and the
//!   `WebSocket` constructor before the provider mounts.
//!
//! The counts must come back to where they were and the Rust heap must not
//! keep anything per cycle, for the provider alone and with each widget.
//!
//! Unset `LEPTOS_SYNC_BENCH_N`: 20 cycles after 5 warm-up cycles (smoke);
//! set: 1,000 after 50.
#![cfg(target_arch = "wasm32")]

mod bench_support;
mod browser_support;

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use bench_support::*;
use browser_support::*;
use gloo_timers::future::TimeoutFuture;
use leptos::prelude::*;
use leptos_sync::{
    ConnectionIndicator, ErrorBanner, ReconnectBanner, ReconnectOptions, ReconnectPolicy,
    StatusBar, SubscriptionStatus, SyncComponent, SyncEntries, SyncOptions, SyncRegistry,
    use_sync_component,
};
use serde::{Deserialize, Serialize};
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

/// The system allocator, counting the bytes it has handed out and not got back.
struct Counting;

static LIVE_BYTES: AtomicUsize = AtomicUsize::new(0);

// SAFETY: every call is forwarded unchanged to `System`; only a counter is added.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LIVE_BYTES.fetch_add(layout.size(), Ordering::Relaxed);
        // SAFETY: the caller upholds `GlobalAlloc::alloc`'s contract.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE_BYTES.fetch_sub(layout.size(), Ordering::Relaxed);
        // SAFETY: the caller upholds `GlobalAlloc::dealloc`'s contract.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        LIVE_BYTES.fetch_add(layout.size(), Ordering::Relaxed);
        // SAFETY: as for `alloc`.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: as for `alloc`.
        let new = unsafe { System.realloc(ptr, layout, new_size) };
        if !new.is_null() {
            LIVE_BYTES.fetch_add(new_size, Ordering::Relaxed);
            LIVE_BYTES.fetch_sub(layout.size(), Ordering::Relaxed);
        }
        new
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Beat {
    n: u64,
}

impl SyncComponent for Beat {
    const NAME: &'static str = "BenchMemory";
}

/// Wraps the timer, frame, listener and socket APIs to count what is live.
const INSTRUMENT: &str = r#"(function () {
  if (window.__bench) return;
  const b = window.__bench = { timers: new Set(), frames: new Set(), listeners: [], sockets: 0 };
  const st = window.setTimeout, ct = window.clearTimeout;
  window.setTimeout = function (fn, ms, ...args) {
    let id;
    id = st.call(window, function () {
      b.timers.delete(id);
      if (typeof fn === 'function') return fn.apply(this, args);
    }, ms);
    b.timers.add(id);
    return id;
  };
  window.clearTimeout = function (id) { b.timers.delete(id); return ct.call(window, id); };
  const raf = window.requestAnimationFrame, caf = window.cancelAnimationFrame;
  window.requestAnimationFrame = function (fn) {
    let id;
    id = raf.call(window, function (t) { b.frames.delete(id); return fn(t); });
    b.frames.add(id);
    return id;
  };
  window.cancelAnimationFrame = function (id) { b.frames.delete(id); return caf.call(window, id); };
  const add = EventTarget.prototype.addEventListener, remove = EventTarget.prototype.removeEventListener;
  const capture = (o) => !!(typeof o === 'boolean' ? o : o && o.capture);
  const find = (t, type, fn, c) => b.listeners.findIndex((l) => l.target.deref() === t && l.type === type && l.fn === fn && l.capture === c);
  EventTarget.prototype.addEventListener = function (type, fn, options) {
    if (fn && find(this, type, fn, capture(options)) < 0) {
      b.listeners.push({ target: new WeakRef(this), type, fn, capture: capture(options) });
    }
    return add.call(this, type, fn, options);
  };
  EventTarget.prototype.removeEventListener = function (type, fn, options) {
    const i = find(this, type, fn, capture(options));
    if (i >= 0) b.listeners.splice(i, 1);
    return remove.call(this, type, fn, options);
  };
  const WS = window.WebSocket;
  window.WebSocket = class extends WS {
    constructor(...args) {
      super(...args);
      b.sockets++;
      add.call(this, 'close', () => { b.sockets--; });
    }
  };
})()"#;

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
    let wasm_memory = wasm_bindgen::memory()
        .unchecked_into::<js_sys::WebAssembly::Memory>()
        .buffer()
        .unchecked_into::<js_sys::ArrayBuffer>()
        .byte_length();
    Snapshot {
        js_heap: js_f64("performance.memory ? performance.memory.usedJSHeapSize : 0"),
        wasm_memory: f64::from(wasm_memory),
        rust_live: LIVE_BYTES.load(Ordering::Relaxed) as f64,
        timers: js_f64("window.__bench.timers.size"),
        frames: js_f64("window.__bench.frames.size"),
        listeners: js_f64("window.__bench.listeners.filter((l) => l.target.deref()).length"),
        sockets: js_f64("window.__bench.sockets"),
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
async fn wait_fast(what: &str, timeout_ms: f64, mut condition: impl FnMut() -> bool) {
    let deadline = perf_now() + timeout_ms;
    while !condition() {
        assert!(perf_now() < deadline, "timed out waiting for: {what}");
        TimeoutFuture::new(1).await;
    }
}

#[wasm_bindgen_test]
async fn reconnect_cycles_memory() {
    let (warmup, cycles) = (size(5, 50), size(20, 1_000));
    js(INSTRUMENT);
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
    let slot: Arc<Mutex<Option<SyncEntries<Beat>>>> = Arc::default();
    let mounted = {
        let slot = Arc::clone(&slot);
        let registry = SyncRegistry::new().register::<Beat>();
        mount_quiet(&ws_url(client), options, true, registry, move || {
            let entries = use_sync_component::<Beat>();
            *slot.lock().unwrap() = Some(entries);
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
    wait_fast("first open", 10_000.0, live).await;

    let cycle = |n: u32| async move {
        control(&format!("drop?client={client}")).await;
        wait_fast("reconnected and Live", 10_000.0, || {
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

/// One widget under test: how to mount it, and a selector that must match
/// while the connection is down, so that each cycle shows the down state.
struct Widget {
    name: &'static str,
    view: fn() -> AnyView,
    down: Option<&'static str>,
}

const WIDGETS: [Widget; 5] = [
    Widget {
        name: "provider_only",
        view: || ().into_any(),
        down: None,
    },
    Widget {
        name: "connection_indicator",
        view: || view! { <ConnectionIndicator/> }.into_any(),
        down: Some(".ls-indicator--reconnecting"),
    },
    Widget {
        name: "error_banner",
        view: || view! { <ErrorBanner/> }.into_any(),
        down: None,
    },
    Widget {
        name: "status_bar",
        view: || view! { <StatusBar/> }.into_any(),
        down: Some(".ls-status-bar--reconnecting"),
    },
    Widget {
        name: "reconnect_banner",
        view: || view! { <ReconnectBanner grace_ms=0/> }.into_any(),
        down: Some(".ls-reconnect-banner__retry:not([hidden])"),
    },
];

/// Rust heap bytes kept per reconnect cycle with one widget mounted. A cycle
/// is a drop, the widget showing the outage, then "Retry now" (`open()`) and
/// Open again; the retry delay is a minute, so nothing races the click.
async fn retained_per_cycle(widget: &Widget, warmup: u32, cycles: u32) -> f64 {
    let client = format!("bench-memory-{}", widget.name);
    control(&format!("reset?client={client}")).await;
    let options = SyncOptions::default().reconnect(ReconnectOptions {
        policy: ReconnectPolicy::Fixed(60_000),
        ..Default::default()
    });
    let mounted = mount_quiet(
        &ws_url(&client),
        options,
        true,
        SyncRegistry::new(),
        widget.view,
    );
    let connection = mounted.ctx.connection.clone();
    let open = move || connection.state.get_untracked().is_open();
    wait_fast("first open", 10_000.0, open).await;
    let client = &client;
    let cycle = || {
        let retry = connection.open.clone();
        async move {
            control(&format!("drop?client={client}")).await;
            wait_fast("down", 10_000.0, || {
                !open() && widget.down.is_none_or(present)
            })
            .await;
            retry();
            wait_fast("open again", 10_000.0, open).await;
        }
    };
    for _ in 0..warmup {
        cycle().await;
    }
    let before = settled_rust_live().await;
    for _ in 0..cycles {
        cycle().await;
    }
    let after = settled_rust_live().await;
    drop(mounted);
    (after - before) / f64::from(cycles)
}

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

async fn settled_rust_live() -> f64 {
    settle().await;
    LIVE_BYTES.load(Ordering::Relaxed) as f64
}

fn present(selector: &str) -> bool {
    document().query_selector(selector).ok().flatten().is_some()
}

#[wasm_bindgen_test]
async fn retained_bytes_per_widget() {
    let (warmup, cycles) = (size(5, 20) as u32, size(30, 300) as u32);
    let mut fields = vec![("cycles", f64::from(cycles))];
    for widget in &WIDGETS {
        let per_cycle = retained_per_cycle(widget, warmup, cycles).await;
        fields.push((widget.name, per_cycle));
    }
    report("memory-widgets", &fields);
    // A leak keeps what each cycle built (the banner kept 430 B per show, the
    // status bar 78 B per reconnect); a warmed-up widget keeps nothing.
    for (name, per_cycle) in &fields[1..] {
        assert!(
            *per_cycle <= MAX_RETAINED_PER_CYCLE,
            "{name} keeps {per_cycle} B per reconnect cycle"
        );
    }
}
