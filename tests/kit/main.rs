//! The test kit (`leptos_sync::testing`) in the browser, with no server:
//! its own behaviour ([`kit`]: handshake, subscriptions, mutations, virtual
//! time), and the widgets on it ([`error_banner`], [`reconnect_banner`],
//! [`indicator`]), whose every delay is virtual: each test takes
//! milliseconds whatever the backoff.
#![cfg(target_arch = "wasm32")]

#[path = "../support/mod.rs"]
mod support;

mod callbacks;
mod closing;
mod error_banner;
mod frames;
mod goodbye;
mod indicator;
mod kit;
mod reconnect_banner;
mod undecodable;
mod unmount;

use leptos::prelude::*;
use leptos_sync::testing::{MockApp, MockMountOptions, MockServer};
use leptos_sync::{
    ConnectionState, ReconnectOptions, ReconnectPolicy, SyncContext, SyncOptions, SyncRegistry,
};
use support::*;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

/// An app on a mock server, with the server and the provider's context.
struct Mock {
    server: MockServer,
    ctx: SyncContext,
    _app: MockApp,
}

impl Mock {
    fn state(&self) -> ConnectionState {
        self.ctx.connection.state.get_untracked()
    }
}

/// Mounts `children` under a `<MockSyncProvider>` on `server` that connects
/// at once (the handshake is answered when it returns).
async fn mount_mock<V: IntoView + 'static>(
    server: MockServer,
    options: SyncOptions,
    registry: SyncRegistry,
    children: impl Fn() -> V + Send + Sync + 'static,
) -> Mock {
    let options = MockMountOptions::default()
        .options(options)
        .registry(registry);
    let app = server.mount_with_options(children, options).await;
    Mock {
        server,
        ctx: app.ctx.clone(),
        _app: app,
    }
}

/// Options that retry every `ms`, with no jitter, forever.
fn every(ms: u64) -> SyncOptions {
    SyncOptions::default().reconnect(ReconnectOptions {
        policy: ReconnectPolicy::Fixed(ms),
        delay_offset_ms: 0,
        max_attempts: None,
        ..Default::default()
    })
}

/// The seconds of "Reconnecting in N s (attempt …)".
fn countdown(selector: &str) -> Option<u64> {
    text(selector)?
        .strip_prefix("Reconnecting in ")?
        .split(' ')
        .next()?
        .parse()
        .ok()
}
