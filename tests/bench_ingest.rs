//! Benchmark: ingest throughput in the browser, one page run.
//!
//! The server publishes a burst of N small updates (`POST /control/publish_many`)
//! to one subscription. Three consumers take turns on the same page, one
//! connection at a time:
//!
//! - `pipeline`: `<SyncProvider>` + `use_sync_component`, the library's full path;
//! - `baseline`: raw `leptos_use_websocket::use_websocket_with_options` with
//!   codee's `FromToStringCodec`, `hello` and `subscribe` sent by hand, every
//!   frame parsed with serde_json into a typed struct and inserted into an
//!   `RwSignal<HashMap>`;
//! - `wire`: the same raw socket that only counts frames: the ceiling the
//!   server and the browser's socket allow.
//!
//! Each consumer has an `Effect` on its map (a "render") that records when the
//! last update is visible. The burst is published while the page is blocked
//! (a synchronous XHR), so it is waiting in the socket when the clock starts:
//! throughput is N / (time from the page being free to that render), the
//! client's rate rather than the server's. Renders are counted next to
//! animation frames to show the pipeline's coalescing.
//!
//! `LEPTOS_SYNC_BENCH_N` (compile time) is the burst size; unset, a smoke size.
//! `scripts/bench ingest` runs it in release with N = 100,000.
#![cfg(target_arch = "wasm32")]

mod support;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use codee::string::FromToStringCodec;
use gloo_timers::future::TimeoutFuture;
use leptos::mount::mount_to;
use leptos::prelude::*;
use leptos_sync::{ConnectionReadyState, SyncComponent, SyncOptions, SyncRegistry};
use leptos_use_websocket::{UseWebSocketOptions, UseWebSocketReturn, use_websocket_with_options};
use serde::{Deserialize, Serialize};
use serde_json::json;
use support::bench::*;
use support::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

/// The burst size.
const SMOKE_N: u64 = 2_000;
/// Distinct keys the burst cycles through.
const KEYS: u64 = 100;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, SyncComponent)]
#[sync(name = "BenchIngest")]
struct Item {
    n: u64,
    at: u64,
}

/// The baseline's topic: its own, so the two never share server state.
const RAW_TOPIC: &str = "BenchIngestRaw";

/// What a consumer's render `Effect` saw.
#[derive(Default)]
struct Probe {
    /// The key and value of the burst's last update.
    target: Option<(String, u64)>,
    renders: u64,
    /// Frames counted by the `wire` consumer.
    count: u64,
    done_at: Option<f64>,
}

type SharedProbe = Arc<Mutex<Probe>>;

impl Probe {
    fn arm(probe: &SharedProbe, prefix: &str, n: u64) {
        assert!(
            prefix.ends_with('-') && prefix.len() >= 11,
            "prefix from `prefix()`"
        );
        let mut p = probe.lock().unwrap();
        p.target = Some((format!("{prefix}{}", (n - 1) % KEYS), n - 1));
        p.renders = 0;
        p.count = 0;
        p.done_at = None;
    }

    /// Called by a render: counts it and stamps the time the last update shows.
    fn render<T>(probe: &SharedProbe, map: &HashMap<String, T>, n_of: impl Fn(&T) -> u64) {
        let mut p = probe.lock().unwrap();
        let Some((key, n)) = p.target.clone() else {
            return;
        };
        p.renders += 1;
        if p.done_at.is_none() && map.get(&key).is_some_and(|v| n_of(v) == n) {
            p.done_at = Some(perf_now());
        }
    }
}

struct Run {
    updates_per_s: f64,
    ms: f64,
    renders: f64,
    frames: f64,
}

/// A key prefix unique to this page run: the server keeps topics across runs,
/// and a key left by an earlier run would end a burst at once.
fn prefix(consumer: &str, round: usize) -> String {
    thread_local! {
        static RUN: u32 = fastrand::u32(..);
    }
    RUN.with(|run| format!("{consumer}{run:08x}{round}-"))
}

/// Publishes the burst while the page is blocked, then times how fast the
/// consumer drains it.
///
/// The `publish_many` request is a synchronous XHR: the main thread waits
/// until the server has queued every update, so the burst piles up in the
/// socket and the browser instead of trickling in as the server makes it.
/// The clock starts when the page is free again, so the figure is the
/// client's rate (what this benchmark compares), not the server's.
async fn burst(topic: &str, prefix: &str, n: u64, probe: &SharedProbe) -> Run {
    Probe::arm(probe, prefix, n);
    let body = json!({"topic": topic, "count": n, "key_prefix": prefix, "keys": KEYS}).to_string();
    let status = js_f64(&format!(
        "(function () {{ const x = new XMLHttpRequest(); x.open('POST', {url}, false); x.send({body}); return x.status; }})()",
        url = serde_json::to_string(&format!("http://{SERVER}/control/publish_many")).unwrap(),
        body = serde_json::to_string(&body).unwrap(),
    ));
    assert_eq!(status, 200.0, "publish_many");
    let t0 = perf_now();
    start_frame_counter();
    let deadline = perf_now() + 120_000.0;
    let done_at = loop {
        if let Some(at) = probe.lock().unwrap().done_at {
            break at;
        }
        assert!(perf_now() < deadline, "{topic}: burst not rendered in time");
        TimeoutFuture::new(5).await;
    };
    let frames = frames();
    let ms = done_at - t0;
    Run {
        updates_per_s: n as f64 / (ms / 1000.0),
        ms,
        renders: probe.lock().unwrap().renders as f64,
        frames,
    }
}

/// The library's path: provider, subscription, typed store.
async fn pipeline(round: usize, n: u64) -> Run {
    let probe: SharedProbe = Arc::default();
    let slot = Slot::<Item>::default();
    let mounted = {
        let probe = Arc::clone(&probe);
        let slot = slot.clone();
        mount_with(
            &ws_url("bench-ingest-pipeline"),
            SyncOptions::default(),
            true,
            SyncRegistry::new().register::<Item>(),
            move || {
                let entries = subscribe(&slot);
                let probe = Arc::clone(&probe);
                Effect::new(move || {
                    entries.with(|map| Probe::render(&probe, map, |item| item.n));
                });
            },
        )
    };
    wait_until("pipeline subscription Live", 10_000, || is_live(&slot)).await;
    let run = burst(Item::NAME, &prefix("p", round), n, &probe).await;
    drop(mounted);
    run
}

/// A frame as a hand-written client would parse it: only what it needs.
#[derive(Deserialize)]
struct RawFrame<'a> {
    #[serde(rename = "type")]
    kind: &'a str,
    key: Option<String>,
    value: Option<Item>,
    entries: Option<HashMap<String, Item>>,
}

/// The baseline: raw `use_websocket`, serde_json per frame, one signal update per frame.
/// With `count_only`, frames are only counted (the `wire` ceiling).
async fn raw(round: usize, n: u64, count_only: bool) -> Run {
    let probe: SharedProbe = Arc::default();
    let map = RwSignal::new(HashMap::<String, Item>::new());
    let welcomed = RwSignal::new(false);
    let subscribed = RwSignal::new(false);
    type SendFn = Arc<dyn Fn(&String) + Send + Sync>;
    let send_slot: Arc<Mutex<Option<SendFn>>> = Arc::default();
    let open_slot: Arc<Mutex<Option<Signal<ConnectionReadyState>>>> = Arc::default();

    let parent = document().create_element("div").expect("div");
    document().body().unwrap().append_child(&parent).unwrap();
    let client = if count_only {
        "bench-ingest-wire"
    } else {
        "bench-ingest-baseline"
    };
    let url: &'static str = ws_url(client).leak();
    let handle = {
        let probe = Arc::clone(&probe);
        let send_slot = Arc::clone(&send_slot);
        let open_slot = Arc::clone(&open_slot);
        mount_to(parent.clone().unchecked_into(), move || {
            let probe_count = Arc::clone(&probe);
            let probe_raw = Arc::clone(&probe);
            let on_message = move |text: &String| {
                if count_only {
                    return;
                }
                let Ok(frame) = serde_json::from_str::<RawFrame>(text) else {
                    return;
                };
                match frame.kind {
                    "update" => {
                        let Some(key) = frame.key else { return };
                        map.update(|m| match frame.value {
                            Some(item) => {
                                m.insert(key, item);
                            }
                            None => {
                                m.remove(&key);
                            }
                        });
                    }
                    "snapshot" => {
                        map.set(frame.entries.unwrap_or_default());
                        subscribed.set(true);
                    }
                    "welcome" => welcomed.set(true),
                    _ => {}
                }
            };
            // The wire ceiling: count update frames, no parsing, no signal.
            let on_raw = move |text: &str| {
                if !count_only {
                    return;
                }
                if text.starts_with("{\"type\":\"update\"") {
                    let mut p = probe_raw.lock().unwrap();
                    if let Some((_, last)) = p.target {
                        p.count += 1;
                        if p.done_at.is_none() && p.count > last {
                            p.done_at = Some(perf_now());
                        }
                    }
                } else if text.contains("\"welcome\"") {
                    welcomed.set(true);
                } else if text.contains("\"snapshot\"") {
                    subscribed.set(true);
                }
            };
            let UseWebSocketReturn {
                ready_state, send, ..
            } = use_websocket_with_options::<String, String, FromToStringCodec, _, _>(
                url,
                UseWebSocketOptions::default()
                    .on_message(on_message)
                    .on_message_raw(on_raw),
            );
            *send_slot.lock().unwrap() = Some(Arc::new(send));
            *open_slot.lock().unwrap() = Some(ready_state);
            if !count_only {
                Effect::new(move || {
                    map.with(|m| Probe::render(&probe_count, m, |item| item.n));
                });
            }
        })
    };
    let ready_state = open_slot.lock().unwrap().expect("mounted");
    wait_until("raw socket open", 10_000, || {
        ready_state.get_untracked() == ConnectionReadyState::Open
    })
    .await;
    let send = send_slot.lock().unwrap().clone().expect("mounted");
    send(&json!({"type": "hello", "protocol": 1, "token": null}).to_string());
    wait_until("welcome", 10_000, || welcomed.get_untracked()).await;
    send(
        &json!({"type": "subscribe", "sub": 1, "topic": RAW_TOPIC, "schema": 0, "since": null})
            .to_string(),
    );
    wait_until("snapshot", 10_000, || subscribed.get_untracked()).await;
    let consumer = if count_only { "w" } else { "b" };
    let run = burst(RAW_TOPIC, &prefix(consumer, round), n, &probe).await;
    drop(handle);
    parent.remove();
    run
}

#[wasm_bindgen_test]
async fn ingest_throughput() {
    let n = BENCH_N.unwrap_or(SMOKE_N);
    let rounds = size(1, 3) as usize;
    // Warm-up: compile tiers, connection setup, allocator growth.
    let warm = (n / 10).max(100);
    raw(100, warm, false).await;
    pipeline(100, warm).await;

    let (mut base, mut pipe, mut wire) = (Vec::new(), Vec::new(), Vec::new());
    for round in 0..rounds {
        // Alternate the order so neither always runs on a warmer page.
        if round % 2 == 0 {
            base.push(raw(round, n, false).await);
            pipe.push(pipeline(round, n).await);
        } else {
            pipe.push(pipeline(round, n).await);
            base.push(raw(round, n, false).await);
        }
        wire.push(raw(round, n, true).await);
    }
    for (name, runs) in [("wire", &wire), ("baseline", &base), ("pipeline", &pipe)] {
        for run in runs.iter() {
            report(
                &format!("ingest/{name}/round"),
                &[
                    ("n", n as f64),
                    ("ms", run.ms),
                    ("updates_per_s", run.updates_per_s),
                    ("renders", run.renders),
                    ("frames", run.frames),
                ],
            );
        }
    }
    let rate = |runs: &[Run]| median(&runs.iter().map(|r| r.updates_per_s).collect::<Vec<_>>());
    let (wire_rate, base_rate, pipe_rate) = (rate(&wire), rate(&base), rate(&pipe));
    let max_renders_over_frames = pipe
        .iter()
        .map(|r| r.renders / r.frames.max(1.0))
        .fold(0.0, f64::max);
    report(
        "ingest",
        &[
            ("n", n as f64),
            ("rounds", rounds as f64),
            ("wire_per_s", wire_rate),
            ("baseline_per_s", base_rate),
            ("pipeline_per_s", pipe_rate),
            ("ratio", pipe_rate / base_rate),
            (
                "pipeline_renders",
                median(&pipe.iter().map(|r| r.renders).collect::<Vec<_>>()),
            ),
            (
                "pipeline_frames",
                median(&pipe.iter().map(|r| r.frames).collect::<Vec<_>>()),
            ),
            ("pipeline_max_renders_per_frame", max_renders_over_frames),
            (
                "baseline_renders",
                median(&base.iter().map(|r| r.renders).collect::<Vec<_>>()),
            ),
        ],
    );
}
