//! No leaks over repeated mount, reconnect and unmount: live window
//! listeners, live timers and open sockets return to where they were, and
//! WebAssembly memory stays flat.

use leptos::prelude::*;
use leptos_sync::{
    ConnectionIndicator, ErrorBanner, MutationStatus, ReconnectOptions, ReconnectPolicy,
    SyncOptions, SyncRegistry,
};
use wasm_bindgen_test::*;

use crate::item;
use crate::report::*;
use crate::support::*;

item!(LeakA, "chaos-leak-a");

item!(LeakB, "chaos-leak-b");

const CLIENT: &str = "chaos-leaks";

/// Mount, connect, subscribe twice, mutate, survive a drop, unmount.
/// Returns the live window listeners and timers while mounted and open,
/// which proves the probes see the provider's own.
async fn cycle(i: u32) -> Result<(f64, f64), String> {
    let (a, b): (Slot<LeakA>, Slot<LeakB>) = Default::default();
    let children = {
        let (a, b) = (a.clone(), b.clone());
        move || {
            subscribe(&a);
            subscribe(&b);
            view! { <ErrorBanner/> <ConnectionIndicator/> }
        }
    };
    let live = move || is_live(&a) && is_live(&b);
    let options = SyncOptions::default().reconnect(ReconnectOptions {
        policy: ReconnectPolicy::Fixed(20),
        ..Default::default()
    });
    let registry = SyncRegistry::new().register::<LeakA>().register::<LeakB>();
    let m = mount_with(&ws_url(CLIENT), options, true, registry, children);
    if !wait_for(10_000, || m.is_open() && live()).await {
        return Err(format!("cycle {i}: not Live: {}", m.state()));
    }
    let h = m
        .ctx
        .mutate(format!("k{}", i % 10), Some(LeakA { n: u64::from(i) }));
    if !wait_for(5_000, || {
        matches!(h.status.get_untracked(), MutationStatus::Acked { .. })
    })
    .await
    {
        return Err(format!("cycle {i}: mutation not acked"));
    }
    let mounted = (probe("windowListeners"), probe("timers"));
    control(&format!("drop?client={CLIENT}")).await;
    if !wait_for(10_000, || {
        m.metrics().reconnects == 1 && m.is_open() && live()
    })
    .await
    {
        return Err(format!("cycle {i}: no reconnect: {}", m.state()));
    }
    drop(m);
    Ok(mounted)
}

struct Sample {
    listeners: f64,
    timers: f64,
    sockets: f64,
    memory: f64,
}

async fn sample(sockets_before: f64) -> Sample {
    // A closed socket reports its close event a moment after the unmount.
    wait_for(5_000, || probe("liveSockets") <= sockets_before).await;
    Sample {
        listeners: probe("windowListeners"),
        timers: probe("timers"),
        sockets: probe("liveSockets"),
        memory: wasm_memory_bytes(),
    }
}

#[wasm_bindgen_test]
async fn chaos_leaks() {
    let scale = scale();
    install_probes();
    let mut report = Report::new();
    control(&format!("reset?client={CLIENT}")).await;
    let idle_sockets = probe("liveSockets");
    for i in 0..3 {
        cycle(i).await.expect("warm-up cycle");
    }
    let start = sample(idle_sockets).await;
    let cycles = count(100, scale);
    let mut mounted = (0f64, 0f64);
    for i in 0..cycles {
        report.tried += 1;
        match cycle(i).await {
            Ok((listeners, timers)) => {
                report.survived += 1;
                mounted = (mounted.0.max(listeners), mounted.1.max(timers));
            }
            Err(e) => report.fail(e),
        }
    }
    // online, offline and visibilitychange; at least the heartbeat timer.
    if mounted.0 < start.listeners + 3.0 || mounted.1 < start.timers + 1.0 {
        report.fail(format!(
            "the probes did not see the provider: {mounted:?} while mounted"
        ));
    }
    let end = sample(idle_sockets).await;
    let growth_kib = (end.memory - start.memory) / 1024.0;
    // The allocator keeps freed pages, so some growth is noise; a leak of
    // even a few KiB per cycle shows over a hundred cycles.
    let bound_kib = 1024.0;
    if end.listeners > start.listeners {
        report.fail(format!(
            "window listeners {} → {}",
            start.listeners, end.listeners
        ));
    }
    if end.timers > start.timers {
        report.fail(format!("live timers {} → {}", start.timers, end.timers));
    }
    if end.sockets > start.sockets {
        report.fail(format!("open sockets {} → {}", start.sockets, end.sockets));
    }
    if growth_kib > bound_kib {
        report.fail(format!(
            "WebAssembly memory grew {growth_kib:.0} KiB over {cycles} cycles"
        ));
    }
    report.extra(
        "listeners",
        format!("{}->{}", start.listeners, end.listeners),
    );
    report.extra("listeners_while_mounted", mounted.0);
    report.extra("timers", format!("{}->{}", start.timers, end.timers));
    report.extra("sockets", format!("{}->{}", start.sockets, end.sockets));
    report.extra("memory_growth_kib", format!("{growth_kib:.0}"));
    report.finish("leaks");
}
