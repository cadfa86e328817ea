'use strict';
// What runs in the page under measurement: `instrument` before the app loads
// (addInitScript), `pageCounts` at each reading (page.evaluate).
//
//   wasm linear memory        exports.memory.buffer.byteLength of the app's
//                             instance, which never shrinks. Trunk's loader
//                             dispatches `TrunkApplicationStarted` with the
//                             exports as `detail.wasm` (it also sets
//                             `window.wasmBindings`, the JS glue, which does not
//                             export the memory); WebAssembly.instantiate* is
//                             wrapped as a fallback for other loaders
//   Rust heap in use          a walk over dlmalloc's chunks (Rust's default
//                             wasm32 allocator) from the memory's size at
//                             instantiation; -1 if the walk does not end cleanly
//   externrefs                filled slots of wasm-bindgen's externref table:
//                             the JS values Rust holds
//   live timers               setTimeout / setInterval / requestAnimationFrame,
//                             wrapped before the app loads
//   WebSockets                the constructor, wrapped: created and not yet closed

/** Runs in every page before its scripts: counts live timers, frames and sockets,
 *  and keeps the wasm instance's exports. */
function instrument() {
  if (window.__bench) return;
  const b = (window.__bench = {
    timeouts: new Set(),
    intervals: new Set(),
    frames: new Set(),
    socketsCreated: 0,
    socketsClosed: 0,
    wasm: null,
    wasmFrom: null,
  });
  const st = window.setTimeout;
  const ct = window.clearTimeout;
  const si = window.setInterval;
  const ci = window.clearInterval;
  window.setTimeout = function (fn, ms, ...args) {
    if (typeof fn !== 'function') return st.call(window, fn, ms, ...args);
    let id;
    id = st.call(
      window,
      function () {
        b.timeouts.delete(id);
        return fn.apply(this, args);
      },
      ms,
    );
    b.timeouts.add(id);
    return id;
  };
  window.setInterval = function (fn, ms, ...args) {
    const id = si.call(window, fn, ms, ...args);
    b.intervals.add(id);
    return id;
  };
  // Timeouts and intervals share one id pool, and either clear function clears either.
  window.clearTimeout = function (id) {
    b.timeouts.delete(id);
    b.intervals.delete(id);
    return ct.call(window, id);
  };
  window.clearInterval = function (id) {
    b.timeouts.delete(id);
    b.intervals.delete(id);
    return ci.call(window, id);
  };
  const raf = window.requestAnimationFrame;
  const caf = window.cancelAnimationFrame;
  window.requestAnimationFrame = function (fn) {
    let id;
    id = raf.call(window, function (t) {
      b.frames.delete(id);
      return fn(t);
    });
    b.frames.add(id);
    return id;
  };
  window.cancelAnimationFrame = function (id) {
    b.frames.delete(id);
    return caf.call(window, id);
  };
  const WS = window.WebSocket;
  window.WebSocket = class extends WS {
    constructor(...args) {
      super(...args);
      b.socketsCreated++;
      this.addEventListener('close', () => b.socketsClosed++, { once: true });
    }
  };
  // Trunk's loader announces the started app with the instance's exports.
  window.addEventListener(
    'TrunkApplicationStarted',
    (e) => {
      if (e.detail && e.detail.wasm && e.detail.wasm.memory) {
        b.wasm = e.detail.wasm;
        b.wasmFrom = 'TrunkApplicationStarted';
      }
    },
    { once: true },
  );
  // Any other loader: the first instance that exports a memory. This also
  // notes the memory's size before the app runs: Rust's default wasm32
  // allocator (dlmalloc) takes all its memory with memory.grow, so its heap
  // starts there.
  const keep = (result) => {
    const instance = result instanceof WebAssembly.Instance ? result : result && result.instance;
    if (!b.heapBase && instance && instance.exports.memory instanceof WebAssembly.Memory) {
      b.heapBase = instance.exports.memory.buffer.byteLength;
      b.instanceExports = instance.exports;
      if (!b.wasm) {
        b.wasm = instance.exports;
        b.wasmFrom = 'WebAssembly.instantiate';
      }
    }
    return result;
  };
  for (const name of ['instantiate', 'instantiateStreaming']) {
    const orig = WebAssembly[name];
    if (orig) WebAssembly[name] = (...args) => orig.apply(WebAssembly, args).then(keep);
  }
}

/** What the page knows about itself; no allocation survives it. */
function pageCounts() {
  const b = window.__bench;
  // wasm-bindgen's table of JS values Rust holds: its size is a high-water
  // mark; the filled slots are the values held now.
  const table = b.wasm && b.wasm.__wbindgen_externrefs;
  let externrefs = -1;
  if (table) {
    externrefs = 0;
    for (let i = 0; i < table.length; i++) {
      const v = table.get(i);
      if (v !== undefined && v !== null) externrefs++;
    }
  }
  // The Rust heap: walk dlmalloc's chunks from the heap's start (32-bit
  // layout: the head word at +4 holds the size, bit 1 = in use). The walk
  // must end on a fencepost (size 0) or at the memory's end; otherwise the
  // layout is not what we think and the figure is -1.
  let rustInUse = -1;
  let rustFree = -1;
  if (b.wasm && b.heapBase && b.instanceExports === b.wasm) {
    const view = new DataView(b.wasm.memory.buffer);
    const end = view.byteLength;
    let p = b.heapBase;
    let used = 0;
    let free = 0;
    let ok = false;
    while (p + 8 <= end) {
      const head = view.getUint32(p + 4, true);
      const size = head & ~7;
      if (size === 0) {
        ok = true;
        break;
      }
      if (size < 16 || p + size > end) break;
      if (head & 2) used += size;
      else free += size;
      p += size;
    }
    if (ok || p === end) {
      rustInUse = used;
      rustFree = free;
    }
  }
  return {
    rustInUse,
    rustFree,
    externrefs,
    externrefTable: table ? table.length : -1,
    wasm: b.wasm ? b.wasm.memory.buffer.byteLength : 0,
    wasmFrom: b.wasmFrom,
    timeouts: b.timeouts.size,
    intervals: b.intervals.size,
    frames: b.frames.size,
    sockets: b.socketsCreated - b.socketsClosed,
    socketsCreated: b.socketsCreated,
  };
}

module.exports = { instrument, pageCounts };
