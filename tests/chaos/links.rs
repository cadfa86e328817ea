//! Links that lie: a half-open link (the server stops reading and writing
//! without closing) is detected within heartbeat interval + pong timeout and
//! recovered with the mutation in flight applied once; a flapping server
//! (welcome, then drop) never resets the backoff (stable-uptime rule).

use leptos::prelude::*;
use leptos_sync::{
    Exponential, Jitter, Lifecycle, MutationStatus, ReconnectOptions, ReconnectPolicy, SyncError,
    SyncOptions, SyncRegistry,
};
use wasm_bindgen_test::*;

use crate::item;
use crate::report::*;
use crate::support::*;

item!(Stalled, "chaos-stall");

const INTERVAL_MS: u64 = 300;
const PONG_TIMEOUT_MS: u64 = 300;

#[wasm_bindgen_test]
async fn chaos_half_open() {
    let scale = scale();
    install_probes();
    let client = "chaos-stall";
    let mut report = Report::new();
    control(&format!("reset?client={client}")).await;
    let options = SyncOptions::default()
        .reconnect(ReconnectOptions {
            policy: ReconnectPolicy::Fixed(50),
            ..Default::default()
        })
        .heartbeat_interval_ms(INTERVAL_MS)
        .pong_timeout_ms(PONG_TIMEOUT_MS);
    let registry = SyncRegistry::new().register::<Stalled>();
    let m = mount_with(&ws_url(client), options, true, registry, || ());
    let mut ids = Vec::new();
    let mut slowest_detection = 0f64;
    for round in 0..count(20, scale) {
        if !wait_for(10_000, || m.is_open()).await {
            report.fail(format!("round {round}: not Open"));
            break;
        }
        report.tried += 1;
        (m.ctx.clear_error)();
        pause(0, INTERVAL_MS as u32).await; // a random phase of the ping cycle
        control(&format!("stall?client={client}")).await;
        let stalled_at = now();
        // Sent into the dead link: it must survive it.
        let handle = m.ctx.mutate(
            format!("s{round}"),
            Some(Stalled {
                n: u64::from(round),
            }),
        );
        ids.push(handle.id.clone());
        let detected = wait_for(5_000, || {
            m.ctx.last_error.get_untracked()
                == Some(SyncError::HeartbeatTimeout {
                    timeout_ms: PONG_TIMEOUT_MS,
                })
        })
        .await;
        let detection = now() - stalled_at;
        slowest_detection = slowest_detection.max(detection);
        // Interval + timeout; the stall request itself and timer lateness get 150 ms.
        let bound = (INTERVAL_MS + PONG_TIMEOUT_MS) as f64 + 150.0;
        if !detected || detection > bound {
            report.fail(format!(
                "round {round}: detected {detected} after {detection:.0} ms (bound {bound} ms)"
            ));
            continue;
        }
        let acked = wait_for(10_000, || {
            m.is_open() && matches!(handle.status.get_untracked(), MutationStatus::Acked { .. })
        })
        .await;
        report.recovery(now() - stalled_at);
        if acked {
            report.survived += 1;
        } else {
            report.lost += 1;
            report.fail(format!(
                "round {round}: not recovered: {} {:?}",
                m.state(),
                handle.status.get_untracked()
            ));
        }
    }
    let applied = query("mutations").await;
    for id in &ids {
        match applied.get(id).and_then(|n| n.as_u64()) {
            Some(1) => {}
            Some(n) => {
                report.duplicates += n - 1;
                report.fail(format!("{id} applied {n} times"));
            }
            None => {} // counted as lost above
        }
    }
    report.extra("slowest_detection_ms", format!("{slowest_detection:.0}"));
    report.extra("bound_ms", INTERVAL_MS + PONG_TIMEOUT_MS);
    report.finish("half_open");
}

#[wasm_bindgen_test]
async fn chaos_flapping() {
    let scale = scale();
    install_probes();
    let client = "chaos-flap";
    let mut report = Report::new();
    control(&format!("reset?client={client}")).await;
    let reconnect = ReconnectOptions {
        policy: ReconnectPolicy::Exponential(Exponential {
            initial_ms: 50,
            max_ms: 800,
            multiplier: 2.0,
            jitter: Jitter::Full,
        }),
        ..Default::default() // stable uptime 5 s
    };
    let options = SyncOptions::default().reconnect(reconnect.clone());
    let m = mount(&ws_url(client), options, true);
    assert!(wait_for(10_000, || m.is_open()).await, "first connect");
    let flaps = count(50, scale) as usize;
    control(&format!("flap?ms=600000&client={client}")).await;
    let started = now();
    control(&format!("drop?client={client}")).await;
    let retries = || {
        m.events
            .lock()
            .unwrap()
            .iter()
            .filter_map(|e| match e {
                Lifecycle::Reconnecting { attempt, delay_ms } => Some((*attempt, *delay_ms)),
                _ => None,
            })
            .collect::<Vec<_>>()
    };
    // The drop, then one retry per flap.
    let done = wait_for(120_000, || retries().len() > flaps).await;
    let elapsed = now() - started;
    control(&format!("flap?ms=0&client={client}")).await;
    let back = now();
    let recovered = wait_for(10_000, || m.is_open()).await;
    report.recovery(now() - back);
    if !done {
        report.fail(format!("only {} retries in 120 s", retries().len()));
    }
    let welcomes = m
        .events
        .lock()
        .unwrap()
        .iter()
        .filter(|e| matches!(e, Lifecycle::Reconnected { .. }))
        .count();
    if welcomes < flaps {
        report.fail(format!(
            "{welcomes} welcomes for {flaps} flaps: the server did not flap"
        ));
    }
    for (i, (attempt, delay)) in retries().into_iter().take(flaps + 1).enumerate() {
        if i == 0 {
            continue; // the drop
        }
        report.tried += 1;
        let (lo, hi) = reconnect.bounds(attempt).unwrap();
        // Never reset: retry i is attempt i + 1, and its delay is that attempt's.
        if attempt == i as u32 + 1 && (lo..=hi).contains(&delay) {
            report.survived += 1;
        } else {
            report.fail(format!(
                "flap {i}: attempt {attempt}, delay {delay} ms, bounds [{lo}, {hi}]"
            ));
        }
    }
    if !recovered {
        report.fail(format!("no Open after the flapping ended: {}", m.state()));
    }
    let per_minute = flaps as f64 / (elapsed / 60_000.0);
    report.extra("attempts_per_min", format!("{per_minute:.0}"));
    report.finish("flapping");
}
