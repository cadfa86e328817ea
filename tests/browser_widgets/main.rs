//! The drop-in widgets against the real reference server: classes, aria
//! attributes and texts follow what the connection really does.
//!
//! - [`indicator`]: `<ConnectionIndicator/>` and `<StatusBar/>` while open and offline;
//! - [`error_banner`]: `<ErrorBanner/>`: shows, dismisses, hides, and renders text as text;
//! - [`reconnect_banner`]: `<ReconnectBanner/>`: grace delay, countdown, failure, retry.
#![cfg(target_arch = "wasm32")]

#[path = "../support/mod.rs"]
mod support;

mod classes;
mod error_banner;
mod indicator;
mod reconnect_banner;

use gloo_timers::future::TimeoutFuture;
use leptos::prelude::*;
use leptos_sync::{
    ConnectionIndicator, ConnectionState, ErrorBanner, ReconnectBanner, ReconnectOptions,
    ReconnectPolicy, StatusBar, SyncOptions, SyncRegistry,
};
use support::*;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

/// Resets `client` on the server, then mounts `children` under a provider
/// that connects at once with `options` and no registered components.
async fn mount_widgets<V: IntoView + 'static>(
    client: &str,
    options: SyncOptions,
    children: impl Fn() -> V + Send + Sync + 'static,
) -> Mounted {
    control(&format!("reset?client={client}")).await;
    mount_with(
        &ws_url(client),
        options,
        true,
        SyncRegistry::new(),
        children,
    )
}

/// The seconds of "Reconnecting in N s (attempt …)".
fn countdown(selector: &str) -> Option<u64> {
    let text = text(selector)?;
    text.strip_prefix("Reconnecting in ")?
        .split(' ')
        .next()?
        .parse()
        .ok()
}

/// Asserts that nothing matches `selector` for `ms`, checking every 10 ms.
async fn assert_absent_for(selector: &str, ms: u32) {
    throughout(ms, || {
        assert!(find(selector).is_none(), "{selector} appeared")
    })
    .await;
}

/// Has the server send this client an `error` frame.
async fn send_error(client: &str, code: &str, message: &str) {
    let body = serde_json::json!({ "type": "error", "code": code, "message": message });
    control_with_body(&format!("send?client={client}"), &body.to_string()).await;
}
