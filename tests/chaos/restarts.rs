//! Real process restarts at random moments: mid-mutation, mid-handshake,
//! mid-resubscribe and mid-outbox-flush. After each: Open, the server's
//! subscriptions equal the client's with no duplicate, every mutation not
//! acknowledged before the crash arrived at the new process exactly once and
//! in order, every handle ends Acked, and the client's entries equal the server's.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};

use leptos::prelude::*;
use leptos_sync::{
    Exponential, Jitter, Lifecycle, MutationHandle, MutationStatus, ReconnectOptions,
    ReconnectPolicy, SyncComponent, SyncOptions, SyncRegistry,
};
use serde_json::{Value, json};
use wasm_bindgen_test::*;

use crate::item;
use crate::report::*;
use crate::support::{self, *};

item!(RestartA, "chaos-restart-a");

item!(RestartB, "chaos-restart-b");

fn acked(h: &MutationHandle) -> bool {
    matches!(h.status.get_untracked(), MutationStatus::Acked { .. })
}

const CLIENT: &str = "chaos-restarts";

/// The server processes ("boot" prefix of the session ids) holding this
/// client's subscriptions, and the subscription count per topic.
async fn server_subscriptions() -> (Vec<String>, HashMap<String, u64>) {
    let mut boots = Vec::new();
    let mut topics: HashMap<String, u64> = HashMap::new();
    for s in support::server_subscriptions(&format!("client={CLIENT}")).await {
        *topics.entry(s.topic).or_default() += 1;
        let boot = s.session.split('-').next().unwrap_or_default().to_string();
        if !boots.contains(&boot) {
            boots.push(boot);
        }
    }
    (boots, topics)
}

const MODES: [&str; 4] = [
    "mid-mutation",
    "mid-handshake",
    "mid-resubscribe",
    "mid-flush",
];

#[wasm_bindgen_test]
async fn chaos_restarts() {
    let scale = scale();
    install_probes();
    let rounds = count(200, scale);
    let mut report = Report::new();

    // Handles of the current round, and the ids acknowledged when the last
    // connection was lost: those were applied by the process that died.
    let handles: Arc<Mutex<Vec<MutationHandle>>> = Arc::default();
    let acked_at_loss: Arc<Mutex<HashSet<String>>> = Arc::default();
    // >0: crash this many ms after the next `welcome` (+1), to land mid-resubscribe or mid-flush.
    let crash_on_welcome = Arc::new(AtomicU32::new(0));
    let observe = {
        let (handles, acked_at_loss, crash_on_welcome) = (
            handles.clone(),
            acked_at_loss.clone(),
            crash_on_welcome.clone(),
        );
        move |event: &Lifecycle| match event {
            Lifecycle::Disconnected { .. } => {
                let done = handles
                    .lock()
                    .unwrap()
                    .iter()
                    .filter(|h| acked(h))
                    .map(|h| h.id.clone())
                    .collect();
                *acked_at_loss.lock().unwrap() = done;
            }
            Lifecycle::Reconnected { .. } => {
                let armed = crash_on_welcome.swap(0, Ordering::SeqCst);
                if armed > 0 {
                    leptos::task::spawn_local(crash(armed - 1));
                }
            }
            _ => {}
        }
    };
    let options = SyncOptions::default()
        .reconnect(ReconnectOptions {
            policy: ReconnectPolicy::Exponential(Exponential {
                initial_ms: 20,
                max_ms: 250,
                multiplier: 2.0,
                jitter: Jitter::Full,
            }),
            ..Default::default()
        })
        .connect_timeout_ms(3_000)
        .outbox(leptos_sync::OutboxOptions {
            max_messages: 1_000,
            ..Default::default()
        });
    let (a, b): (Slot<RestartA>, Slot<RestartB>) = Default::default();
    let children = {
        let (a, b) = (a.clone(), b.clone());
        move || {
            subscribe(&a);
            subscribe(&b);
        }
    };
    let registry = SyncRegistry::new()
        .register::<RestartA>()
        .register::<RestartB>();
    control(&format!("reset?client={CLIENT}")).await;
    let m = mount_observed(&ws_url(CLIENT), options, true, registry, children, observe);
    let mut by_mode = [0u32; 4];
    let expected: HashMap<String, u64> = [
        (RestartA::NAME.to_string(), 1),
        (RestartB::NAME.to_string(), 1),
    ]
    .into();

    for round in 0..rounds {
        if !wait_for(20_000, || m.is_open() && is_live(&a) && is_live(&b)).await {
            report.fail(format!(
                "round {round}: not Open and Live before the round: {}",
                m.state()
            ));
            break;
        }
        report.tried += 1;
        // The process serving the client now; the one after the crash must differ.
        let boot = server_subscriptions()
            .await
            .0
            .into_iter()
            .next()
            .unwrap_or_default();
        let mode = (round % 4) as usize;
        by_mode[mode] += 1;
        let burst = if mode == 3 { rand(5, 20) } else { rand(1, 8) };
        let mutate = |i: u32| {
            m.ctx
                .mutate(format!("r{round}-{i}"), Some(RestartA { n: u64::from(i) }))
        };
        handles.lock().unwrap().clear();
        publish(
            RestartB::NAME,
            &format!("b{}", round % 5),
            json!({"n": round}),
        )
        .await;
        match mode {
            0 => {
                // A burst in flight, then the crash at a random moment of it.
                handles.lock().unwrap().extend((0..burst).map(mutate));
                pause(0, 15).await;
                crash(rand(0, 10)).await;
            }
            1 => {
                // Crash in the reconnect window: during the backoff, the connect or the handshake.
                control(&format!("drop?client={CLIENT}")).await;
                handles.lock().unwrap().extend((0..burst).map(mutate));
                pause(0, 60).await;
                crash(rand(0, 5)).await;
            }
            2 => {
                // Crash right after welcome: while the subscriptions are re-sent.
                crash_on_welcome.store(1, Ordering::SeqCst);
                control(&format!("drop?client={CLIENT}")).await;
                handles.lock().unwrap().extend((0..burst).map(mutate));
            }
            _ => {
                // Queue while refused, then crash while the outbox flushes after welcome.
                control(&format!("refuse?ms={}&client={CLIENT}", rand(50, 200))).await;
                control(&format!("drop?client={CLIENT}")).await;
                wait_for(3_000, || !m.is_open()).await;
                handles.lock().unwrap().extend((0..burst).map(mutate));
                crash_on_welcome.store(1 + rand(0, 8), Ordering::SeqCst);
            }
        }
        let crashed_at = now();
        let round_handles = handles.lock().unwrap().clone();
        let client_ok = || {
            crash_on_welcome.load(Ordering::SeqCst) == 0
                && m.is_open()
                && is_live(&a)
                && is_live(&b)
                && round_handles.iter().all(acked)
        };
        // Recovered: the client is Open, Live and acked on a *new* process
        // (the crash may still be on its way), whose subscriptions are the client's.
        let mut topics: HashMap<String, u64> = HashMap::new();
        let mut recovered = false;
        while now() - crashed_at < 20_000.0 {
            if client_ok() {
                let (boots, t) = server_subscriptions().await;
                topics = t;
                if client_ok() && !boots.is_empty() && !boots.contains(&boot) {
                    recovered = topics == expected;
                    break;
                }
            }
            pause(5, 5).await;
        }
        let recovery = now() - crashed_at;
        report.recovery(recovery);
        if !client_ok() {
            let pending = round_handles.iter().filter(|h| !acked(h)).count();
            report.lost += pending as u64;
            report.fail(format!(
                "round {round} ({}): no recovery in 20 s: {}, {pending} mutation(s) not acked",
                MODES[mode],
                m.state()
            ));
            continue;
        }
        let mut ok = true;
        if !recovered {
            // The server's subscriptions differ from the client's: each topic once.
            ok = false;
            report.duplicates += topics.values().map(|n| n.saturating_sub(1)).sum::<u64>();
            report.fail(format!(
                "round {round} ({}): server subscriptions {topics:?}",
                MODES[mode]
            ));
        }

        // Every mutation not acked by the dead process arrived at the new one exactly once.
        let applied = query("mutations").await;
        let old = acked_at_loss.lock().unwrap().clone();
        for h in &round_handles {
            let times = applied.get(&h.id).and_then(Value::as_u64);
            match (old.contains(&h.id), times) {
                (false, None) => {
                    ok = false;
                    report.lost += 1;
                    report.fail(format!(
                        "round {round} ({}): {} never reached the new process",
                        MODES[mode], h.id
                    ));
                }
                (_, Some(n)) if n > 1 => {
                    ok = false;
                    report.duplicates += n - 1;
                    report.fail(format!("round {round}: {} applied {n} times", h.id));
                }
                (true, Some(_)) => {
                    ok = false;
                    report.duplicates += 1;
                    report.fail(format!("round {round}: {} re-sent after its ack", h.id));
                }
                _ => {}
            }
        }
        // ... and in order.
        let mut order: Vec<u32> = Vec::new();
        for f in client_frames(CLIENT).await {
            if f.kind != "mutate" {
                continue;
            }
            let key = f.raw["key"].as_str().unwrap_or_default();
            if let Some(i) = key
                .strip_prefix(&format!("r{round}-"))
                .and_then(|i| i.parse().ok())
                && !order.contains(&i)
            {
                order.push(i);
            }
        }
        if order.windows(2).any(|w| w[0] > w[1]) {
            ok = false;
            report.fail(format!(
                "round {round} ({}): out of order at the new process: {order:?}",
                MODES[mode]
            ));
        }

        // The client's entries equal the server's.
        let deadline = now() + 5_000.0;
        loop {
            let (sa, sb) = (
                server_entries::<RestartA>().await,
                server_entries::<RestartB>().await,
            );
            if entries(&a) == sa && entries(&b) == sb {
                break;
            }
            if now() > deadline {
                ok = false;
                report.fail(format!(
                    "round {round} ({}): entries differ: client A {:?} server A {:?}; client B {:?} server B {:?}",
                    MODES[mode], entries(&a).len(), sa.len(), entries(&b), sb
                ));
                break;
            }
            pause(10, 10).await;
        }
        if ok {
            report.survived += 1;
        }
    }
    let metrics = m.metrics();
    report.extra("reconnects", metrics.reconnects);
    report.extra(
        "modes",
        format!(
            "mutation:{}/handshake:{}/resubscribe:{}/flush:{}",
            by_mode[0], by_mode[1], by_mode[2], by_mode[3]
        ),
    );
    report.finish("restarts");
}
