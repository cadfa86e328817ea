//! Shared helpers of the browser tests: a mounted provider, the reference
//! server's control API, and waiting for conditions with a deadline.

#![allow(dead_code)] // each test file uses its own subset

use std::sync::{Arc, Mutex};

use gloo_timers::future::TimeoutFuture;
use leptos::mount::mount_to;
use leptos::prelude::*;
use leptos_sync::{
    ConnectionState, Lifecycle, SyncContext, SyncOptions, SyncProvider, SyncRegistry,
    use_sync_context,
};
use serde_json::Value;
use wasm_bindgen::JsCast;

/// `host:port` of the reference server, set by `scripts/test` at compile time.
pub const SERVER: &str = match option_env!("LEPTOS_SYNC_TEST_SERVER") {
    Some(addr) => addr,
    None => "127.0.0.1:8080",
};

/// The WebSocket URL for a test; `client` scopes the server's stats and faults to this test.
pub fn ws_url(client: &str) -> String {
    format!("ws://{SERVER}/ws?client={client}")
}

pub fn now() -> f64 {
    js_sys::Date::now()
}

/// POSTs to a control endpoint (`path` includes the query) and returns its JSON.
pub async fn control(path: &str) -> Value {
    control_with_body(path, "").await
}

pub async fn control_with_body(path: &str, body: &str) -> Value {
    let response = gloo_net::http::Request::post(&format!("http://{SERVER}/control/{path}"))
        .body(body.to_string())
        .expect("request body")
        .send()
        .await
        .expect("control endpoint reachable");
    assert!(response.ok(), "control {path}: HTTP {}", response.status());
    response.json().await.unwrap_or(Value::Null)
}

/// The server's stats for one client.
pub async fn stats(client: &str) -> Value {
    let response =
        gloo_net::http::Request::get(&format!("http://{SERVER}/control/stats?client={client}"))
            .send()
            .await
            .expect("stats reachable");
    response.json().await.expect("stats JSON")
}

/// Connection attempts the server saw from this client: `(at_ms, outcome)`.
pub async fn attempts(client: &str) -> Vec<(f64, String)> {
    stats(client).await["attempts"]
        .as_array()
        .expect("attempts array")
        .iter()
        .map(|a| {
            (
                a["at_ms"].as_f64().expect("at_ms"),
                a["outcome"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

/// Polls `condition` every 10 ms until it holds; panics with `what` after `timeout_ms`.
pub async fn wait_until(what: &str, timeout_ms: u32, mut condition: impl FnMut() -> bool) {
    let deadline = now() + f64::from(timeout_ms);
    while !condition() {
        assert!(
            now() < deadline,
            "timed out after {timeout_ms} ms waiting for: {what}"
        );
        TimeoutFuture::new(10).await;
    }
}

/// Like [`wait_until`] for a condition that needs the server.
pub async fn wait_for_server<F, Fut>(what: &str, timeout_ms: u32, mut condition: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = now() + f64::from(timeout_ms);
    while !condition().await {
        assert!(
            now() < deadline,
            "timed out after {timeout_ms} ms waiting for: {what}"
        );
        TimeoutFuture::new(25).await;
    }
}

/// A provider mounted into its own `<div>`; unmounted on drop.
pub struct Mounted {
    pub ctx: SyncContext,
    /// Every lifecycle event, in order.
    pub events: Arc<Mutex<Vec<Lifecycle>>>,
    _handle: Box<dyn std::any::Any>,
}

impl Mounted {
    pub fn state(&self) -> ConnectionState {
        self.ctx.connection.state.get_untracked()
    }

    pub fn is_open(&self) -> bool {
        self.state() == ConnectionState::Open
    }

    pub fn events(&self) -> Vec<Lifecycle> {
        self.events.lock().unwrap().clone()
    }

    pub async fn wait_open(&self, timeout_ms: u32) {
        wait_until("state Open", timeout_ms, || self.is_open()).await;
    }
}

/// Mounts `<SyncProvider url=… options=…>` with a child that captures the context.
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
    let events: Arc<Mutex<Vec<Lifecycle>>> = Arc::default();
    let recorded = Arc::clone(&events);
    let options = options.on_event(move |event| recorded.lock().unwrap().push(event.clone()));
    Mounted {
        events,
        ..mount_quiet(url, options, auto_connect, registry, children)
    }
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
    let handle = mount_to(parent.unchecked_into(), move || {
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
        _handle: Box::new(handle),
    }
}

/// Options with a fixed retry delay, so tests wait in milliseconds, not seconds.
pub fn fixed(ms: u64) -> SyncOptions {
    SyncOptions::default().reconnect(leptos_sync::ReconnectOptions {
        policy: leptos_sync::ReconnectPolicy::Fixed(ms),
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
        #[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
        struct $name {
            n: u64,
        }
        impl leptos_sync::SyncComponent for $name {
            const NAME: &'static str = $topic;
        }
    };
}

/// Captures every `log` record of this test binary.
pub fn capture_logs() -> Arc<Mutex<Vec<String>>> {
    struct Capture(Arc<Mutex<Vec<String>>>);
    impl log::Log for Capture {
        fn enabled(&self, _: &log::Metadata) -> bool {
            true
        }
        fn log(&self, record: &log::Record) {
            self.0.lock().unwrap().push(format!("{}", record.args()));
        }
        fn flush(&self) {}
    }
    let lines: Arc<Mutex<Vec<String>>> = Arc::default();
    if log::set_boxed_logger(Box::new(Capture(lines.clone()))).is_ok() {
        log::set_max_level(log::LevelFilter::Trace);
    }
    lines
}
