//! The drop-in widgets against the real reference server: classes, aria
//! attributes and texts follow what the connection really does.
//!
//! - [`indicator`]: `<ConnectionIndicator/>` and `<StatusBar/>` while open, with live metrics;
//! - [`classes`]: the reactive `class` prop of every widget.
//!
//! The widgets' timing (grace delay, countdown, auto-hide, failure, retry,
//! offline) is tested on the test kit, on virtual time: `tests/kit/`.
#![cfg(target_arch = "wasm32")]

#[path = "../support/mod.rs"]
mod support;

mod classes;
mod indicator;

use leptos::prelude::*;
use leptos_sync::{
    ConnectionIndicator, ErrorBanner, ReconnectBanner, StatusBar, SyncOptions, SyncRegistry,
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

/// Has the server send this client an `error` frame.
async fn send_error(client: &str, code: &str, message: &str) {
    let body = serde_json::json!({ "type": "error", "code": code, "message": message });
    control_with_body(&format!("send?client={client}"), &body.to_string()).await;
}
