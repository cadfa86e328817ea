//! The test kit (`leptos_sync::testing`) in the browser, with no server:
//! its own behaviour ([`kit`]: handshake, subscriptions, mutations, virtual
//! time), and the widgets on it ([`error_banner`], [`reconnect_banner`],
//! [`indicator`]), whose every delay is virtual: each test takes
//! milliseconds whatever the backoff.
#![cfg(target_arch = "wasm32")]

#[path = "../support/mod.rs"]
mod support;

mod error_banner;
mod indicator;
mod kit;
mod reconnect_banner;

use leptos::mount::mount_to;
use leptos::prelude::*;
use leptos_sync::testing::{MockServer, MockSyncProvider};
use leptos_sync::{
    ConnectionState, ReconnectOptions, ReconnectPolicy, SyncContext, SyncOptions, SyncRegistry,
    use_sync_context,
};
use support::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

/// A `<MockSyncProvider>` in its own `<div>`, with the server and the
/// context; unmounted and removed on drop.
struct Mock {
    server: MockServer,
    ctx: SyncContext,
    parent: web_sys::Element,
    handle: Option<Box<dyn std::any::Any>>,
}

impl Mock {
    fn state(&self) -> ConnectionState {
        self.ctx.connection.state.get_untracked()
    }
}

impl Drop for Mock {
    fn drop(&mut self) {
        self.handle.take(); // unmounts, and ends virtual time
        self.parent.remove();
    }
}

/// Mounts `children` under a `<MockSyncProvider>` on `server` that connects
/// at once, and lets the page settle (the handshake is answered by then).
async fn mount_mock<V: IntoView + 'static>(
    server: MockServer,
    options: SyncOptions,
    registry: SyncRegistry,
    children: impl Fn() -> V + Send + Sync + 'static,
) -> Mock {
    let parent = document().create_element("div").expect("div");
    document()
        .body()
        .expect("body")
        .append_child(&parent)
        .expect("append");
    let (slot, app) = (RwSignal::new(None::<SyncContext>), server.clone());
    let handle = mount_to(parent.clone().unchecked_into(), move || {
        view! {
            <MockSyncProvider server=app.clone() registry=registry.clone() options=options.clone()>
                {slot.set(Some(use_sync_context()))}
                {children()}
            </MockSyncProvider>
        }
    });
    let ctx = slot.get_untracked().expect("context captured");
    server.settle().await;
    Mock {
        server,
        ctx,
        parent,
        handle: Some(Box::new(handle)),
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
