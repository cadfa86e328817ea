//! Helpers of the chaos suite: the scale, non-panicking control calls that
//! survive a server restart, page probes (page errors, WebSocket URLs, live
//! window listeners and timers), a provider mount that chains an event
//! observer, and the one machine-readable line each category prints.

use std::sync::{Arc, Mutex};

use gloo_timers::future::TimeoutFuture;
use leptos::mount::mount_to;
use leptos::prelude::*;
use leptos_sync::{
    Lifecycle, SyncContext, SyncOptions, SyncProvider, SyncRegistry, use_sync_context,
};
use serde_json::Value;
use wasm_bindgen::{JsCast, JsValue};

use crate::browser_support::{SERVER, now};

/// The suite's scale, set at compile time (`1.0` full, `0.1` short). Without
/// it every category returns at once: the suite crashes its server, so it
/// only runs against the supervised one that scripts/chaos and the chaos tier start.
pub fn scale() -> Option<f64> {
    option_env!("LEPTOS_SYNC_CHAOS_SCALE").and_then(|s| s.parse().ok())
}

/// `full` scaled, at least 1.
pub fn count(full: u32, scale: f64) -> u32 {
    ((f64::from(full) * scale).round() as u32).max(1)
}

pub fn skipped(category: &str) {
    log(&format!(
        "chaos {category}: skipped (LEPTOS_SYNC_CHAOS_SCALE is not set; run scripts/chaos)"
    ));
}

pub fn log(line: &str) {
    web_sys::console::log_1(&line.into());
}

/// A uniform integer in `lo..=hi`.
pub fn rand(lo: u32, hi: u32) -> u32 {
    lo + (js_sys::Math::random() * f64::from(hi - lo + 1)) as u32 % (hi - lo + 1)
}

/// Waits a random time in `lo..=hi` ms: places a fault at a random moment.
pub async fn pause(lo: u32, hi: u32) {
    TimeoutFuture::new(rand(lo, hi)).await;
}

/// Like `wait_until`, but returns whether the condition held in time.
pub async fn wait_for(timeout_ms: u32, mut condition: impl FnMut() -> bool) -> bool {
    let deadline = now() + f64::from(timeout_ms);
    loop {
        if condition() {
            return true;
        }
        if now() >= deadline {
            return false;
        }
        TimeoutFuture::new(5).await;
    }
}

async fn request(method: &str, path: &str, body: &str) -> Result<Value, String> {
    let url = format!("http://{SERVER}/control/{path}");
    let response = match method {
        "GET" => gloo_net::http::Request::get(&url).send().await,
        _ => {
            gloo_net::http::Request::post(&url)
                .body(body.to_string())
                .map_err(|e| e.to_string())?
                .send()
                .await
        }
    }
    .map_err(|e| e.to_string())?;
    if !response.ok() {
        return Err(format!("{path}: HTTP {}", response.status()));
    }
    let text = response.text().await.map_err(|e| e.to_string())?;
    Ok(serde_json::from_str(&text).unwrap_or(Value::Null))
}

/// A control call that retries while the server is down (restarting), up to 20 s.
pub async fn call(method: &str, path: &str, body: &str) -> Value {
    let deadline = now() + 20_000.0;
    loop {
        match request(method, path, body).await {
            Ok(v) => return v,
            Err(e) if now() < deadline && !e.contains("HTTP 4") => TimeoutFuture::new(20).await,
            Err(e) => panic!("control {path}: {e}"),
        }
    }
}

pub async fn post(path: &str) -> Value {
    call("POST", path, "").await
}

pub async fn get(path: &str) -> Value {
    call("GET", path, "").await
}

/// Crashes the server process after `after_ms`; the supervisor restarts it.
/// A lost reply (the process died first) counts as delivered.
pub async fn crash(after_ms: u32) {
    let _ = request("POST", &format!("crash?after_ms={after_ms}"), "").await;
}

// ------------------------------------------------------------------ probes

const PROBES: &str = r#"(() => {
  if (window.__chaos) return;
  const c = window.__chaos = { errors: 0, messages: [], urls: [], sockets: 0, liveSockets: 0, listeners: 0, timers: 0 };
  window.addEventListener('error', (e) => { c.errors++; c.messages.push(String(e.message)); });
  window.addEventListener('unhandledrejection', (e) => { c.errors++; c.messages.push(String(e.reason)); });
  const W = window.WebSocket;
  window.WebSocket = new Proxy(W, { construct(target, args) {
    c.urls.push(String(args[0])); c.sockets++; c.liveSockets++;
    const ws = Reflect.construct(target, args);
    W.prototype.addEventListener.call(ws, 'close', () => { c.liveSockets--; });
    return ws;
  } });
  const add = window.addEventListener, remove = window.removeEventListener;
  const live = new Map();
  const key = (type, fn) => { if (!live.has(type)) live.set(type, new Set()); return live.get(type); };
  window.addEventListener = function (type, fn, opts) {
    const set = key(type); if (fn && !set.has(fn)) { set.add(fn); c.listeners++; }
    return add.call(window, type, fn, opts);
  };
  window.removeEventListener = function (type, fn, opts) {
    if (key(type).delete(fn)) c.listeners--;
    return remove.call(window, type, fn, opts);
  };
  const setT = window.setTimeout, clearT = window.clearTimeout, timers = new Set();
  window.setTimeout = function (fn, ms, ...rest) {
    let id;
    const wrapped = typeof fn === 'function'
      ? function (...a) { timers.delete(id); c.timers = timers.size; return fn.apply(this, a); }
      : fn;
    id = setT.call(window, wrapped, ms, ...rest);
    timers.add(id); c.timers = timers.size;
    return id;
  };
  window.clearTimeout = function (id) { timers.delete(id); c.timers = timers.size; return clearT.call(window, id); };
})()"#;

/// Installs the page probes once: page errors (a panic in a callback lands
/// there), every WebSocket URL, live sockets, live window listeners, live timers.
pub fn install_probes() {
    js_sys::eval(PROBES).expect("probes install");
}

fn probes() -> JsValue {
    js_sys::Reflect::get(&window(), &"__chaos".into()).expect("probes installed")
}

/// A numeric probe: `errors`, `sockets`, `liveSockets`, `listeners`, `timers`.
pub fn probe(name: &str) -> f64 {
    js_sys::Reflect::get(&probes(), &name.into())
        .ok()
        .and_then(|v| v.as_f64())
        .unwrap_or(f64::NAN)
}

/// Every URL a WebSocket was opened with.
pub fn socket_urls() -> Vec<String> {
    let urls: js_sys::Array = js_sys::Reflect::get(&probes(), &"urls".into())
        .unwrap()
        .unchecked_into();
    urls.iter().filter_map(|u| u.as_string()).collect()
}

/// Page errors so far, with their messages (for the report).
pub fn page_errors() -> (u64, String) {
    let messages: js_sys::Array = js_sys::Reflect::get(&probes(), &"messages".into())
        .unwrap()
        .unchecked_into();
    let text: Vec<String> = messages.iter().filter_map(|m| m.as_string()).collect();
    (probe("errors") as u64, text.join(" | "))
}

// ------------------------------------------------------------------ mount

/// A provider of the suite, mounted into its own `<div>`; unmounted and removed on drop.
pub struct Chaos {
    pub ctx: SyncContext,
    pub events: Arc<Mutex<Vec<Lifecycle>>>,
    parent: web_sys::Element,
    handle: Option<Box<dyn std::any::Any>>,
}

impl Chaos {
    pub fn state(&self) -> leptos_sync::ConnectionState {
        self.ctx.connection.state.get_untracked()
    }

    pub fn is_open(&self) -> bool {
        self.state().is_open()
    }

    pub fn metrics(&self) -> leptos_sync::ConnectionMetrics {
        self.ctx.connection.metrics.get_untracked()
    }
}

impl Drop for Chaos {
    fn drop(&mut self) {
        self.handle.take(); // unmounts
        self.parent.remove();
    }
}

/// Mounts `<SyncProvider>` with `children`; `observe` sees every lifecycle event as it happens.
pub fn mount<V: IntoView + 'static>(
    client: &str,
    options: SyncOptions,
    registry: SyncRegistry,
    children: impl Fn() -> V + Send + Sync + 'static,
    observe: impl Fn(&Lifecycle) + Send + Sync + 'static,
) -> Chaos {
    let events: Arc<Mutex<Vec<Lifecycle>>> = Arc::default();
    let recorded = Arc::clone(&events);
    let options = options.on_event(move |event| {
        recorded.lock().unwrap().push(event.clone());
        observe(event);
    });
    let captured: Arc<Mutex<Option<SyncContext>>> = Arc::default();
    let slot = Arc::clone(&captured);
    let parent = document().create_element("div").expect("div");
    document().body().unwrap().append_child(&parent).unwrap();
    let url = crate::browser_support::ws_url(client);
    let handle = mount_to(parent.clone().unchecked_into(), move || {
        let slot = Arc::clone(&slot);
        view! {
            <SyncProvider url=url.clone() registry=registry.clone() options=options.clone()>
                {
                    *slot.lock().unwrap() = Some(use_sync_context());
                }
                {children()}
            </SyncProvider>
        }
    });
    let ctx = captured.lock().unwrap().take().expect("context captured");
    Chaos {
        ctx,
        events,
        parent,
        handle: Some(Box::new(handle)),
    }
}

// ------------------------------------------------------------------ report

/// One category's result; printed as one `CHAOS …` line that scripts/chaos collects.
#[derive(Default)]
pub struct Report {
    pub tried: u64,
    pub survived: u64,
    pub lost: u64,
    pub duplicates: u64,
    pub longest_recovery_ms: f64,
    /// Extra `key=value` fields.
    pub extra: Vec<(String, String)>,
    /// What went wrong, for the assertion at the end.
    pub failures: Vec<String>,
    errors_before: u64,
}

impl Report {
    pub fn new() -> Self {
        Self {
            errors_before: page_errors().0,
            ..Self::default()
        }
    }

    pub fn recovery(&mut self, ms: f64) {
        self.longest_recovery_ms = self.longest_recovery_ms.max(ms);
    }

    pub fn fail(&mut self, what: String) {
        log(&format!("chaos failure: {what}"));
        self.failures.push(what);
    }

    pub fn extra(&mut self, key: &str, value: impl ToString) {
        self.extra.push((key.to_string(), value.to_string()));
    }

    /// Prints the line, then fails the test if anything went wrong.
    pub fn finish(self, category: &str) {
        let (errors, messages) = page_errors();
        let panics = errors - self.errors_before;
        let mut line = format!(
            "CHAOS {category} tried={} survived={} lost={} duplicates={} panics={panics} longest_recovery_ms={:.0}",
            self.tried, self.survived, self.lost, self.duplicates, self.longest_recovery_ms
        );
        for (k, v) in &self.extra {
            line.push_str(&format!(" {k}={v}"));
        }
        log(&line);
        assert_eq!(panics, 0, "{category}: page errors: {messages}");
        assert!(
            self.failures.is_empty() && self.lost == 0 && self.duplicates == 0,
            "{category}: {} failure(s), lost {}, duplicates {}:\n{}",
            self.failures.len(),
            self.lost,
            self.duplicates,
            self.failures.join("\n")
        );
        assert_eq!(
            self.tried, self.survived,
            "{category}: not every try survived"
        );
    }
}
