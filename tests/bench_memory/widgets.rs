//! What each widget keeps in the Rust heap per reconnect cycle: a warmed-up
//! widget keeps nothing.

use leptos::prelude::*;
use leptos_sync::{
    ConnectionIndicator, ErrorBanner, ReconnectBanner, ReconnectOptions, ReconnectPolicy,
    StatusBar, SyncOptions, SyncRegistry,
};
use wasm_bindgen_test::*;

use crate::support::bench::*;
use crate::support::*;
use crate::{MAX_RETAINED_PER_CYCLE, allocator, settle, wait_fast};

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
    wait_fast("first open", 10_000, open).await;
    let client = &client;
    let cycle = || {
        let retry = connection.open.clone();
        async move {
            control(&format!("drop?client={client}")).await;
            wait_fast("down", 10_000, || {
                !open() && widget.down.is_none_or(present)
            })
            .await;
            retry();
            wait_fast("open again", 10_000, open).await;
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

async fn settled_rust_live() -> f64 {
    settle().await;
    allocator::live_bytes()
}

fn present(selector: &str) -> bool {
    find(selector).is_some()
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
