//! Benchmark: how fast the browser client comes back, against what its
//! schedule allows.
//!
//! - `restore`: three live subscriptions; the server refuses this client's
//!   upgrades (HTTP 503) for a window and drops its connection; one update per
//!   topic is published during the outage. Restore latency runs from the end of
//!   the refuse window (server back) to every subscription Live with its fresh
//!   update rendered (an `Effect` on each topic's entries). It is compared with
//!   the attempt the client had scheduled (`ConnectionState::Reconnecting{next_at}`
//!   of the attempt that succeeded): overhead = done − max(next_at, server back).
//!   The default reconnect policy, a fresh provider per trial.
//! - `dead_link`: heartbeat every 500 ms, pong timeout 500 ms; the server
//!   stalls the connection (`/control/stall`: no reads, no writes, no close) or
//!   stops answering pings (`/control/mute_pings`). Detection time runs from the
//!   fault to the state leaving Open; the bound is interval + timeout.
//!
//! Times are `performance.now()` (ms), the clock `next_at` uses. The
//! server's refuse window starts when it handles the request, between sending
//! it and its reply; the reply time is used, so "server back" may be late by
//! at most that round trip (about a millisecond on loopback).
//!
//! Unset `LEPTOS_SYNC_BENCH_N`: one trial each (smoke); set: 10 each.
#![cfg(target_arch = "wasm32")]

mod support;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use gloo_timers::future::TimeoutFuture;
use leptos::prelude::*;
use leptos_sync::{
    ConnectionState, ReconnectOptions, ReconnectPolicy, SubscriptionStatus, SyncComponent,
    SyncEntries, SyncOptions, SyncRegistry, use_sync_component, use_sync_connection,
};
use serde_json::json;
use support::bench::*;
use support::*;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

/// How long the server refuses the client.
const REFUSE_MS: f64 = 1_500.0;
const HEARTBEAT_MS: u64 = 500;
const PONG_TIMEOUT_MS: u64 = 500;

item!(RestoreA, "BenchRestoreA");
item!(RestoreB, "BenchRestoreB");
item!(RestoreC, "BenchRestoreC");

type States = Arc<Mutex<Vec<(f64, ConnectionState)>>>;
/// When each topic first showed its fresh value (`n == FRESH`).
type Rendered = Arc<Mutex<HashMap<&'static str, f64>>>;
type Statuses = Arc<Mutex<Vec<Signal<leptos_sync::SubscriptionState>>>>;

/// `n` of the update published during the outage of trial `t`.
fn fresh(trial: u64) -> u64 {
    1_000_000 + trial
}

/// Subscribes to `T`, records its status signal and when `fresh` shows.
fn watch<T: SyncComponent>(
    entries: SyncEntries<T>,
    n: impl Fn(&T) -> u64 + 'static,
    target: u64,
    rendered: &Rendered,
    statuses: &Statuses,
) {
    statuses.lock().unwrap().push(entries.state);
    let rendered = Arc::clone(rendered);
    Effect::new(move || {
        entries.with(|m| {
            if m.get("fresh").is_some_and(|v| n(v) == target) {
                rendered
                    .lock()
                    .unwrap()
                    .entry(T::NAME)
                    .or_insert_with(perf_now);
            }
        })
    });
}

/// Records every state with its time; returns the recorder.
fn record_states() -> States {
    let states: States = Arc::default();
    let recorded = Arc::clone(&states);
    let state = use_sync_connection().state;
    Effect::new(move || {
        let s = state.get();
        recorded.lock().unwrap().push((perf_now(), s));
    });
    states
}

struct Restore {
    restore_ms: f64,
    scheduled_ms: f64,
    overhead_ms: f64,
    failed_attempts: f64,
    /// The overhead by phase: timer late, socket open, `hello` to `welcome`, `welcome` to rendered.
    phases: [f64; 4],
}

async fn restore_trial(trial: u64) -> Restore {
    let client = format!("bench-restore-{trial}");
    let target = fresh(trial);
    let rendered: Rendered = Arc::default();
    let statuses: Statuses = Arc::default();
    let states_slot: Arc<Mutex<Option<States>>> = Arc::default();
    let mounted = {
        let (rendered, statuses, states_slot) = (
            Arc::clone(&rendered),
            Arc::clone(&statuses),
            Arc::clone(&states_slot),
        );
        mount_with(
            &ws_url(&client),
            SyncOptions::default(),
            true,
            SyncRegistry::new()
                .register::<RestoreA>()
                .register::<RestoreB>()
                .register::<RestoreC>(),
            move || {
                *states_slot.lock().unwrap() = Some(record_states());
                watch(
                    use_sync_component::<RestoreA>(),
                    |v| v.n,
                    target,
                    &rendered,
                    &statuses,
                );
                watch(
                    use_sync_component::<RestoreB>(),
                    |v| v.n,
                    target,
                    &rendered,
                    &statuses,
                );
                watch(
                    use_sync_component::<RestoreC>(),
                    |v| v.n,
                    target,
                    &rendered,
                    &statuses,
                );
            },
        )
    };
    let states = states_slot.lock().unwrap().clone().expect("mounted");
    let all_live = {
        let statuses = Arc::clone(&statuses);
        move || {
            statuses
                .lock()
                .unwrap()
                .iter()
                .all(|s| s.get_untracked().status == SubscriptionStatus::Live)
        }
    };
    mounted.wait_open(10_000).await;
    wait_until("three subscriptions Live", 10_000, all_live.clone()).await;

    control(&format!("refuse?client={client}&ms={REFUSE_MS}")).await;
    let server_back = perf_now() + REFUSE_MS;
    control(&format!("drop?client={client}")).await;
    for topic in [RestoreA::NAME, RestoreB::NAME, RestoreC::NAME] {
        publish(topic, "fresh", json!({"n": target})).await;
    }
    wait_until("fresh updates rendered", 30_000, || {
        rendered.lock().unwrap().len() == 3 && all_live()
    })
    .await;
    let done = rendered
        .lock()
        .unwrap()
        .values()
        .copied()
        .fold(0.0, f64::max);
    let states = states.lock().unwrap().clone();
    // The attempt that succeeded: the last one scheduled before the final Open.
    let open_at = states
        .iter()
        .rposition(|(_, s)| *s == ConnectionState::Open)
        .expect("open again");
    let next_at = states[..open_at]
        .iter()
        .rev()
        .find_map(|(_, s)| match s {
            ConnectionState::Reconnecting { next_at, .. } => Some(*next_at as f64),
            _ => None,
        })
        .expect("a reconnect was scheduled");
    // The phases of the last attempt, from the recorded state changes.
    let at = |from: usize, pred: &dyn Fn(&ConnectionState) -> bool| {
        states[from..=open_at]
            .iter()
            .rev()
            .find(|(_, s)| pred(s))
            .map_or(f64::NAN, |(t, _)| *t)
    };
    let reconnecting = states[..open_at]
        .iter()
        .rposition(|(_, s)| matches!(s, ConnectionState::Reconnecting { .. }))
        .expect("scheduled");
    let connecting = at(reconnecting, &|s| {
        matches!(s, ConnectionState::Connecting { .. })
    });
    let handshaking = at(reconnecting, &|s| *s == ConnectionState::Handshaking);
    let open = states[open_at].0;
    let phases = [
        connecting - next_at.max(server_back),
        handshaking - connecting,
        open - handshaking,
        done - open,
    ];
    let failed_attempts = states
        .iter()
        .filter(|(_, s)| matches!(s, ConnectionState::Reconnecting { .. }))
        .count() as f64
        - 1.0;
    drop(mounted);
    Restore {
        restore_ms: done - server_back,
        scheduled_ms: next_at - server_back,
        overhead_ms: done - next_at.max(server_back),
        failed_attempts,
        phases,
    }
}

#[wasm_bindgen_test]
async fn restore_latency() {
    let trials = size(1, 10);
    let mut runs = Vec::new();
    for trial in 0..trials {
        let run = restore_trial(trial).await;
        report(
            "restore/trial",
            &[
                ("restore_ms", run.restore_ms),
                ("scheduled_ms", run.scheduled_ms),
                ("overhead_ms", run.overhead_ms),
                ("timer_late_ms", run.phases[0]),
                ("socket_open_ms", run.phases[1]),
                ("welcome_ms", run.phases[2]),
                ("data_ms", run.phases[3]),
                ("refused_attempts", run.failed_attempts),
            ],
        );
        runs.push(run);
    }
    let col = |f: fn(&Restore) -> f64| runs.iter().map(f).collect::<Vec<_>>();
    let max = |v: Vec<f64>| v.into_iter().fold(f64::MIN, f64::max);
    report(
        "restore",
        &[
            ("trials", trials as f64),
            ("refuse_ms", REFUSE_MS),
            ("restore_p50_ms", median(&col(|r| r.restore_ms))),
            ("restore_max_ms", max(col(|r| r.restore_ms))),
            ("scheduled_p50_ms", median(&col(|r| r.scheduled_ms))),
            ("overhead_p50_ms", median(&col(|r| r.overhead_ms))),
            ("overhead_max_ms", max(col(|r| r.overhead_ms))),
        ],
    );
}

/// Mounts a provider with a fast heartbeat, injects `fault`, and times detection.
async fn dead_link_trial(fault: &str, trial: u64) -> f64 {
    let client = format!("bench-deadlink-{fault}-{trial}");
    let options = SyncOptions::default()
        .heartbeat_interval_ms(HEARTBEAT_MS)
        .pong_timeout_ms(PONG_TIMEOUT_MS)
        .reconnect(ReconnectOptions {
            policy: ReconnectPolicy::Fixed(1_000),
            ..Default::default()
        });
    let states_slot: Arc<Mutex<Option<States>>> = Arc::default();
    let mounted = {
        let states_slot = Arc::clone(&states_slot);
        mount_with(
            &ws_url(&client),
            options,
            true,
            SyncRegistry::new(),
            move || {
                *states_slot.lock().unwrap() = Some(record_states());
            },
        )
    };
    let states = states_slot.lock().unwrap().clone().expect("mounted");
    mounted.wait_open(10_000).await;
    // Fault at a random phase of the ping interval.
    TimeoutFuture::new((fastrand::f64() * HEARTBEAT_MS as f64) as u32).await;
    let path = match fault {
        "stall" => format!("stall?client={client}"),
        _ => format!("mute_pings?client={client}&on=true"),
    };
    let t0 = perf_now();
    control(&path).await;
    let bound = (HEARTBEAT_MS + PONG_TIMEOUT_MS) as u32;
    wait_until("dead link detected", bound * 4, || !mounted.is_open()).await;
    let detected = states
        .lock()
        .unwrap()
        .iter()
        .find(|(at, s)| *at >= t0 && !s.is_open())
        .map(|(at, _)| *at)
        .expect("a state change");
    drop(mounted);
    control(&format!("reset?client={client}")).await;
    control(&format!("drop?client={client}")).await;
    detected - t0
}

#[wasm_bindgen_test]
async fn dead_link_detection() {
    let trials = size(1, 10);
    for fault in ["stall", "mute_pings"] {
        let mut times = Vec::new();
        for trial in 0..trials {
            times.push(dead_link_trial(fault, trial).await);
        }
        report(
            &format!("dead_link/{fault}"),
            &[
                ("trials", trials as f64),
                ("interval_ms", HEARTBEAT_MS as f64),
                ("timeout_ms", PONG_TIMEOUT_MS as f64),
                ("bound_ms", (HEARTBEAT_MS + PONG_TIMEOUT_MS) as f64),
                ("detect_p50_ms", median(&times)),
                (
                    "detect_min_ms",
                    times.iter().copied().fold(f64::MAX, f64::min),
                ),
                ("detect_max_ms", times.iter().copied().fold(0.0, f64::max)),
            ],
        );
    }
}
