//! A `<SyncProvider>` mounted into its own `<div>`, with its context and the
//! lifecycle events it reported, unmounted and removed when dropped.

use std::sync::{Arc, Mutex};

use leptos::mount::mount_to;
use leptos::prelude::*;
use leptos_sync::{
    ConnectionMetrics, ConnectionState, Lifecycle, ReconnectOptions, ReconnectPolicy, SyncContext,
    SyncOptions, SyncProvider, SyncRegistry, use_sync_context,
};
use wasm_bindgen::JsCast;

use super::wait_until;

/// A mounted provider; unmounted and its `<div>` removed on drop.
pub struct Mounted {
    pub ctx: SyncContext,
    /// Every lifecycle event, in order (none for [`mount_quiet`]).
    pub events: Arc<Mutex<Vec<Lifecycle>>>,
    parent: web_sys::Element,
    handle: Option<Box<dyn std::any::Any>>,
}

impl Mounted {
    pub fn state(&self) -> ConnectionState {
        self.ctx.connection.state.get_untracked()
    }

    pub fn is_open(&self) -> bool {
        self.state().is_open()
    }

    pub fn metrics(&self) -> ConnectionMetrics {
        self.ctx.connection.metrics.get_untracked()
    }

    pub fn events(&self) -> Vec<Lifecycle> {
        self.events.lock().unwrap().clone()
    }

    pub async fn wait_open(&self, timeout_ms: u32) {
        wait_until("state Open", timeout_ms, || self.is_open()).await;
    }
}

impl Drop for Mounted {
    fn drop(&mut self) {
        self.handle.take(); // unmounts
        self.parent.remove();
    }
}

/// Mounts `<SyncProvider url=… options=…>` with no components and no children.
pub fn mount(url: &str, options: SyncOptions, auto_connect: bool) -> Mounted {
    mount_with(url, options, auto_connect, SyncRegistry::new(), || ())
}

/// Like [`mount`], with a registry and children.
pub fn mount_with<V: IntoView + 'static>(
    url: &str,
    options: SyncOptions,
    auto_connect: bool,
    registry: SyncRegistry,
    children: impl Fn() -> V + Send + Sync + 'static,
) -> Mounted {
    mount_observed(url, options, auto_connect, registry, children, |_| {})
}

/// Like [`mount_with`]; `observe` also sees every lifecycle event as it happens
/// (the chaos suite crashes the server at chosen moments of the lifecycle).
pub fn mount_observed<V: IntoView + 'static>(
    url: &str,
    options: SyncOptions,
    auto_connect: bool,
    registry: SyncRegistry,
    children: impl Fn() -> V + Send + Sync + 'static,
    observe: impl Fn(&Lifecycle) + Send + Sync + 'static,
) -> Mounted {
    let events: Arc<Mutex<Vec<Lifecycle>>> = Arc::default();
    let recorded = Arc::clone(&events);
    let options = options.on_event(move |event| {
        recorded.lock().unwrap().push(event.clone());
        observe(event);
    });
    let mut mounted = mount_quiet(url, options, auto_connect, registry, children);
    mounted.events = events;
    mounted
}

/// Like [`mount_with`], recording no events: for the memory benchmark, where
/// the record would grow with the cycles and hide what the library keeps.
pub fn mount_quiet<V: IntoView + 'static>(
    url: &str,
    options: SyncOptions,
    auto_connect: bool,
    registry: SyncRegistry,
    children: impl Fn() -> V + Send + Sync + 'static,
) -> Mounted {
    let captured: Arc<Mutex<Option<SyncContext>>> = Arc::default();
    let slot = Arc::clone(&captured);
    let parent = document().create_element("div").expect("div");
    document()
        .body()
        .expect("body")
        .append_child(&parent)
        .expect("append");
    let url = url.to_string();
    let handle = mount_to(parent.clone().unchecked_into(), move || {
        let slot = Arc::clone(&slot);
        view! {
            <SyncProvider url=url.clone() registry=registry.clone() auto_connect=auto_connect options=options.clone()>
                {
                    *slot.lock().unwrap() = Some(use_sync_context());
                }
                {children()}
            </SyncProvider>
        }
    });
    let ctx = captured.lock().unwrap().take().expect("context captured");
    Mounted {
        ctx,
        events: Arc::default(),
        parent,
        handle: Some(Box::new(handle)),
    }
}

/// Options with a fixed retry delay, so tests wait in milliseconds, not seconds.
pub fn fixed(ms: u64) -> SyncOptions {
    SyncOptions::default().reconnect(ReconnectOptions {
        policy: ReconnectPolicy::Fixed(ms),
        ..Default::default()
    })
}

/// Options that retry every 50 ms.
pub fn fast() -> SyncOptions {
    fixed(50)
}

/// Declares an entry type `{ n: u64 }` on its own topic, so tests don't share server state.
#[macro_export]
macro_rules! item {
    ($name:ident, $topic:literal) => {
        #[derive(
            Debug,
            Clone,
            PartialEq,
            serde::Serialize,
            serde::Deserialize,
            leptos_sync::SyncComponent,
        )]
        #[sync(name = $topic)]
        struct $name {
            n: u64,
        }
    };
}
