//! Page probes: what the page holds that Rust cannot see, counted by wrapping
//! the browser's APIs before a provider mounts. The leak checks of the chaos
//! suite and the memory benchmark read them; a panic in a callback shows up
//! as a page error.

use leptos::prelude::window;
use wasm_bindgen::{JsCast, JsValue};

/// Installs `window.__probes` once. The error listeners go in before the
/// wrapping, so they are not counted; the probes hold targets and handlers
/// only weakly, so they keep nothing alive that they measure.
const PROBES: &str = r#"(() => {
  if (window.__probes) return;
  const p = (window.__probes = { errors: 0, messages: [], urls: [], sockets: 0, liveSockets: 0 });
  window.addEventListener('error', (e) => { p.errors++; p.messages.push(String(e.message)); });
  window.addEventListener('unhandledrejection', (e) => { p.errors++; p.messages.push(String(e.reason)); });

  const add = EventTarget.prototype.addEventListener, remove = EventTarget.prototype.removeEventListener;
  const listeners = [];
  const capture = (o) => !!(typeof o === 'boolean' ? o : o && o.capture);
  const find = (target, type, fn, c) => listeners.findIndex((l) =>
    l.target.deref() === target && l.type === type && l.fn.deref() === fn && l.capture === c);
  EventTarget.prototype.addEventListener = function (type, fn, options) {
    if (fn && find(this, type, fn, capture(options)) < 0) {
      listeners.push({ target: new WeakRef(this), type, fn: new WeakRef(fn), capture: capture(options) });
    }
    return add.call(this, type, fn, options);
  };
  EventTarget.prototype.removeEventListener = function (type, fn, options) {
    const i = find(this, type, fn, capture(options));
    if (i >= 0) listeners.splice(i, 1);
    return remove.call(this, type, fn, options);
  };

  const timers = new Set(), frames = new Set();
  const setT = window.setTimeout, clearT = window.clearTimeout;
  window.setTimeout = function (fn, ms, ...rest) {
    let id;
    const wrapped = typeof fn === 'function'
      ? function (...a) { timers.delete(id); return fn.apply(this, a); }
      : fn;
    id = setT.call(window, wrapped, ms, ...rest);
    timers.add(id);
    return id;
  };
  window.clearTimeout = function (id) { timers.delete(id); return clearT.call(window, id); };
  const raf = window.requestAnimationFrame, caf = window.cancelAnimationFrame;
  window.requestAnimationFrame = function (fn) {
    let id;
    id = raf.call(window, function (t) { frames.delete(id); return fn(t); });
    frames.add(id);
    return id;
  };
  window.cancelAnimationFrame = function (id) { frames.delete(id); return caf.call(window, id); };

  const WS = window.WebSocket;
  window.WebSocket = class extends WS {
    constructor(...args) {
      super(...args);
      p.urls.push(String(args[0]));
      p.sockets++;
      p.liveSockets++;
      add.call(this, 'close', () => { p.liveSockets--; });
    }
  };

  Object.defineProperties(p, {
    listeners: { get: () => listeners.filter((l) => l.target.deref() !== undefined).length },
    windowListeners: { get: () => listeners.filter((l) => l.target.deref() === window).length },
    timers: { get: () => timers.size },
    frames: { get: () => frames.size },
  });
})()"#;

/// Installs the probes (once per page): page errors, every WebSocket URL,
/// sockets opened and live, live event listeners (all targets, and window's),
/// live `setTimeout`s and pending animation frames.
pub fn install_probes() {
    js_sys::eval(PROBES).expect("probes install");
}

fn probes() -> JsValue {
    let probes = js_sys::Reflect::get(&window(), &"__probes".into()).expect("window");
    assert!(!probes.is_undefined(), "install_probes() first");
    probes
}

/// A count: `errors`, `sockets` (opened), `liveSockets`, `listeners` (on live
/// targets), `windowListeners`, `timers` or `frames`.
pub fn probe(name: &str) -> f64 {
    js_sys::Reflect::get(&probes(), &name.into())
        .ok()
        .and_then(|v| v.as_f64())
        .unwrap_or_else(|| panic!("no probe {name}"))
}

fn strings(name: &str) -> Vec<String> {
    let list: js_sys::Array = js_sys::Reflect::get(&probes(), &name.into())
        .expect("probe list")
        .unchecked_into();
    list.iter().filter_map(|v| v.as_string()).collect()
}

/// Every URL a WebSocket was opened with.
pub fn socket_urls() -> Vec<String> {
    strings("urls")
}

/// Page errors so far, with their messages (for the report).
pub fn page_errors() -> (u64, String) {
    (probe("errors") as u64, strings("messages").join(" | "))
}

/// The size of this module's WebAssembly linear memory, which never shrinks.
pub fn wasm_memory_bytes() -> f64 {
    let memory: js_sys::WebAssembly::Memory = wasm_bindgen::memory().unchecked_into();
    let buffer: js_sys::ArrayBuffer = memory.buffer().unchecked_into();
    f64::from(buffer.byte_length())
}
