'use strict';
// Memory benchmark through the Chrome DevTools Protocol: the Trunk-built demo
// against the real reference server, reconnected again and again in one page.
//
// A cycle: `POST /control/drop` (every connection; the demo's is the only one
// on this server, and the reply must say exactly one was dropped), then
// polling the demo's hidden `#sync-debug` snapshot until the state is
// Reconnecting, dispatching `online` on window (what the browser does when
// the network returns; the demo's own offline/online switch does the same),
// and polling until the connection is Open again, every subscription Live and
// `metrics.reconnects` exactly one higher. The `online` event makes the core
// retry at once instead of after its backoff delay: the default policy resets
// its attempt counter only after 5 s of uptime, so back-to-back drops would
// climb to the 20 s cap (about 8 s a cycle measured, hours for 1,000). The
// old socket still dies by the server's hand (1006), and the scheduled retry
// timer is replaced, as in any reconnect. `--natural` waits for the scheduled
// retry instead.
//
// After `warmup` cycles it takes a reading, then one every `every` cycles up
// to `cycles` (and one before the warm-up). A reading waits SETTLE_MS, reads
// the page's counters, then runs three rounds of `HeapProfiler.collectGarbage`
// (with a task turn between them, so FinalizationRegistry callbacks free what
// wasm-bindgen closures hold), then:
//
//   Runtime.getHeapUsage      usedSize / totalSize of the page's V8 heap
//   Memory.getDOMCounters     documents, nodes, jsEventListeners
//   DOMDebugger.getEventListeners   on window and document
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
//                             wrapped before the app loads (addInitScript)
//   WebSockets                the constructor, wrapped: created and not yet closed
//
// `--snapshots` also takes a V8 heap snapshot after warm-up and at the end
// and reports the groups (type and constructor) whose self size changed most.
//
// Control: a plain page with no app, in its own browser context (so its own
// renderer process and heap), holding a copy of the demo's `#sync-debug`
// element. In lock step with the demo it gets a control request of its own
// (to a client id nobody uses), the same snapshot polls, the same `online`
// event and the same readings. Its growth is what the harness, CDP and the
// instrumentation cost a page.
//
// Usage (from tests/e2e, with the demo built and the server binary found as
// harness.js describes):
//   node bench/memory.js [--cycles 1000] [--warmup 50] [--every 100] [--snapshots] [--natural]
// It prints `BENCH memory-cdp...` lines (see report()); scripts/bench memory
// runs it at full size, tests/e2e/memory.test.js at smoke size.

const assert = require('node:assert/strict');
const { Server, launchBrowser, openPage, waitConnection, sleep, RECONNECT_BOUND_MS } = require('../harness');

/** Between two polls of the snapshot. */
const POLL_MS = 25;
/** Before each reading: let the page finish what the last cycle started.
 *  Longer than the retry the drop scheduled (the online event makes it
 *  moot, but its timeout stays pending until it fires: at most 1.5 s for
 *  the default policy's second attempt), so the live timers are the ones
 *  the page keeps at rest. */
const SETTLE_MS = 2_000;
/** Collections per reading. */
const GC_ROUNDS = 3;

// The browser logs its own message if a WebSocket dies during the handshake.
const WS_FAILED = /WebSocket connection to 'ws:\/\/127\.0\.0\.1:\d+\/ws[^']*' failed/;

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

const READ_SNAPSHOT = () => document.getElementById('sync-debug').textContent;
const ONLINE = () => {
  window.dispatchEvent(new Event('online'));
};

/** One page under measurement, with its own CDP session. */
class Probe {
  constructor(tab, cdp) {
    this.tab = tab;
    this.page = tab.page;
    this.cdp = cdp;
  }

  static async open(browser) {
    const tab = await openPage(browser);
    tab.allow(WS_FAILED);
    await tab.page.addInitScript(instrument);
    const cdp = await tab.page.context().newCDPSession(tab.page);
    await cdp.send('HeapProfiler.enable');
    return new Probe(tab, cdp);
  }

  async snapshot() {
    return JSON.parse(await this.page.evaluate(READ_SNAPSHOT));
  }

  /** Listeners registered on an object given as an expression (CDP DOMDebugger). */
  async listenersOn(expression) {
    const { result } = await this.cdp.send('Runtime.evaluate', { expression, objectGroup: 'bench' });
    const { listeners } = await this.cdp.send('DOMDebugger.getEventListeners', { objectId: result.objectId });
    return listeners.length;
  }

  async reading(cycle) {
    await sleep(SETTLE_MS);
    const counts = await this.page.evaluate(pageCounts);
    const windowListeners = (await this.listenersOn('window')) + (await this.listenersOn('document'));
    await this.cdp.send('Runtime.releaseObjectGroup', { objectGroup: 'bench' });
    for (let i = 0; i < GC_ROUNDS; i++) {
      await this.cdp.send('HeapProfiler.collectGarbage');
      // A task turn: FinalizationRegistry callbacks (wasm-bindgen closures) run here.
      await sleep(50);
    }
    const heap = await this.cdp.send('Runtime.getHeapUsage');
    const dom = await this.cdp.send('Memory.getDOMCounters');
    return {
      cycle,
      heapUsed: heap.usedSize,
      heapTotal: heap.totalSize,
      // Blink's own (Oilpan) heap and ArrayBuffer backing stores, where this Chromium reports them.
      embedderHeap: heap.embedderHeapUsedSize ?? -1,
      backingStorage: heap.backingStorageSize ?? -1,
      wasm: counts.wasm,
      wasmFrom: counts.wasmFrom,
      rustInUse: counts.rustInUse,
      rustFree: counts.rustFree,
      externrefs: counts.externrefs,
      externrefTable: counts.externrefTable,
      documents: dom.documents,
      nodes: dom.nodes,
      jsListeners: dom.jsEventListeners,
      windowListeners,
      timeouts: counts.timeouts,
      intervals: counts.intervals,
      frames: counts.frames,
      sockets: counts.sockets,
      socketsCreated: counts.socketsCreated,
    };
  }

  /** A heap snapshot (it collects garbage first), summarised per node. */
  async heapSnapshot() {
    const chunks = [];
    const onChunk = (e) => chunks.push(e.chunk);
    this.cdp.on('HeapProfiler.addHeapSnapshotChunk', onChunk);
    try {
      await this.cdp.send('HeapProfiler.takeHeapSnapshot', { reportProgress: false });
    } finally {
      this.cdp.off('HeapProfiler.addHeapSnapshotChunk', onChunk);
    }
    return parseSnapshot(JSON.parse(chunks.join('')));
  }

  close() {
    return this.tab.close();
  }
}

/** The nodes of a V8 heap snapshot as { ids, keys, sizes }: one group key per
 *  node (type, and the constructor or function name for objects and closures). */
function parseSnapshot(snap) {
  const meta = snap.snapshot.meta;
  const fields = meta.node_fields;
  const types = meta.node_types[0];
  const n = fields.length;
  const [iType, iName, iId, iSize] = ['type', 'name', 'id', 'self_size'].map((f) => fields.indexOf(f));
  const ids = [];
  const keys = [];
  const sizes = [];
  for (let i = 0; i < snap.nodes.length; i += n) {
    const type = types[snap.nodes[i + iType]];
    const name = snap.strings[snap.nodes[i + iName]];
    const named = type === 'object' || type === 'closure' || type === 'native' || type === 'hidden';
    ids.push(snap.nodes[i + iId]);
    keys.push(named ? `${type} ${name.slice(0, 60)}` : `(${type})`);
    sizes.push(snap.nodes[i + iSize]);
  }
  return { ids, keys, sizes };
}

/** Groups of the later snapshot: nodes allocated after the earlier one and
 *  still alive ("new"), and the change of each group's count and size. */
function diffSnapshots(before, after, top = 12) {
  const maxId = Math.max(...before.ids);
  const groups = new Map();
  const group = (key) => {
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { key, count: 0, size: 0, newCount: 0, newSize: 0 }));
    return g;
  };
  before.keys.forEach((key, i) => {
    const g = group(key);
    g.count--;
    g.size -= before.sizes[i];
  });
  after.keys.forEach((key, i) => {
    const g = group(key);
    g.count++;
    g.size += after.sizes[i];
    if (after.ids[i] > maxId) {
      g.newCount++;
      g.newSize += after.sizes[i];
    }
  });
  const all = [...groups.values()];
  const total = (f) => all.reduce((a, g) => a + g[f], 0);
  return {
    nodesBefore: before.ids.length,
    nodesAfter: after.ids.length,
    sizeBefore: before.sizes.reduce((a, b) => a + b, 0),
    sizeAfter: after.sizes.reduce((a, b) => a + b, 0),
    newCount: total('newCount'),
    newSize: total('newSize'),
    // Compiled code: V8 tiers hot functions up as the cycles repeat.
    codeSize: groups.get('(code)')?.size ?? 0,
    top: all
      .filter((g) => g.size !== 0 || g.count !== 0 || g.newSize !== 0)
      .sort((a, b) => Math.abs(b.size) - Math.abs(a.size) || b.newSize - a.newSize)
      .slice(0, top),
  };
}

/** Least-squares slope of y over x. */
function slope(xs, ys) {
  const n = xs.length;
  if (n < 2) return 0;
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    num += (xs[i] - mx) * (ys[i] - my);
    den += (xs[i] - mx) ** 2;
  }
  return den === 0 ? 0 : num / den;
}

const pct = (before, after) => (before === 0 ? 0 : ((after - before) / before) * 100);

/** Growth figures of one series of readings (the first is the baseline). */
function trend(readings, key) {
  const first = readings[0][key];
  const last = readings[readings.length - 1][key];
  const perCycle = slope(
    readings.map((r) => r.cycle),
    readings.map((r) => r[key]),
  );
  return {
    before: first,
    after: last,
    growthPct: pct(first, last),
    // Per 1,000 cycles, relative to the baseline.
    slopePctPer1000: first === 0 ? 0 : ((perCycle * 1000) / first) * 100,
    min: Math.min(...readings.map((r) => r[key])),
    max: Math.max(...readings.map((r) => r[key])),
  };
}

/**
 * Runs the benchmark; returns `{ app, control, cycles, warmup, msPerCycle, ... }`
 * where `app` and `control` are arrays of readings (cycle 0 is after warm-up;
 * `initial` readings are taken before it). `log` gets a line per checkpoint.
 */
async function runMemoryBench({
  cycles = 1000,
  warmup = 50,
  every = 100,
  natural = false,
  snapshots = false,
  log = () => {},
} = {}) {
  assert.ok(cycles > 0 && every > 0 && warmup >= 0);
  const server = await new Server().start();
  const browser = await launchBrowser();
  let app;
  let control;
  try {
    app = await Probe.open(browser);
    control = await Probe.open(browser);
    await app.page.goto(`${server.origin}/`);
    await waitConnection(app.page, true, 15_000);
    const live = (s) => s.state.kind === 'open' && Object.values(s.topics).every((t) => t.status === 'live');
    let snap = await app.snapshot();
    const deadline0 = Date.now() + 15_000;
    while (!live(snap)) {
      assert.ok(Date.now() < deadline0, `subscriptions never Live: ${JSON.stringify(snap)}`);
      await sleep(POLL_MS);
      snap = await app.snapshot();
    }
    // The control page: no app, the same #sync-debug element and content.
    const copy = JSON.stringify(snap).replace(/</g, '\\u003c');
    // Served on the demo's origin by Playwright (the route ends once loaded).
    const controlUrl = `${server.origin}/__bench-memory-control`;
    await control.page.route(controlUrl, (route) =>
      route.fulfill({
        contentType: 'text/html',
        body:
          `<!DOCTYPE html><html><head><title>control</title></head><body>` +
          `<script type="application/json" id="sync-debug">${copy}</script></body></html>`,
      }),
    );
    await control.page.goto(controlUrl);
    await control.page.unroute(controlUrl);

    let reconnects = snap.metrics.reconnects;
    let polls = 0;
    let cycleMs = 0;
    /** One cycle: the demo is dropped and comes back; the control gets the same requests and polls. */
    const cycle = async () => {
      const target = reconnects + 1;
      const start = Date.now();
      const [dropped, nobody] = await Promise.all([
        server.control('/drop'),
        server.control('/drop?client=bench-memory-control-nobody'),
      ]);
      assert.equal(dropped.dropped, 1, 'the demo holds exactly one connection');
      assert.equal(nobody.dropped, 0);
      const deadline = start + RECONNECT_BOUND_MS;
      let nudged = natural;
      for (;;) {
        const [s] = await Promise.all([app.snapshot(), control.snapshot()]);
        polls++;
        if (!nudged && s.state.kind === 'reconnecting') {
          // The network is back, as the browser announces it: retry now.
          await Promise.all([app.page.evaluate(ONLINE), control.page.evaluate(ONLINE)]);
          nudged = true;
          continue;
        }
        if (s.metrics.reconnects >= target && live(s)) {
          assert.equal(s.metrics.reconnects, target, 'one reconnect per drop');
          reconnects = target;
          break;
        }
        if (Date.now() > deadline) {
          throw new Error(`not Open and Live again within ${RECONNECT_BOUND_MS} ms: ${JSON.stringify(s)}`);
        }
        await sleep(POLL_MS);
      }
      cycleMs += Date.now() - start;
    };
    const read = async (n) => {
      const [a, c] = await Promise.all([app.reading(n), control.reading(n)]);
      log(a, c);
      return [a, c];
    };

    const initial = await read(-warmup);
    for (let i = 0; i < warmup; i++) await cycle();
    const appReadings = [];
    const controlReadings = [];
    const push = ([a, c]) => {
      appReadings.push(a);
      controlReadings.push(c);
    };
    push(await read(0));
    const snapshotsBefore = snapshots ? await Promise.all([app.heapSnapshot(), control.heapSnapshot()]) : null;
    polls = 0;
    cycleMs = 0;
    for (let n = 1; n <= cycles; n++) {
      await cycle();
      if (n % every === 0 || n === cycles) push(await read(n));
    }
    let heapDiff = null;
    if (snapshots) {
      const [a, c] = await Promise.all([app.heapSnapshot(), control.heapSnapshot()]);
      heapDiff = { app: diffSnapshots(snapshotsBefore[0], a), control: diffSnapshots(snapshotsBefore[1], c) };
    }
    app.tab.assertClean();
    control.tab.assertClean();
    return {
      cycles,
      warmup,
      every,
      natural,
      msPerCycle: cycleMs / cycles,
      pollsPerCycle: polls / cycles,
      initial: { app: initial[0], control: initial[1] },
      heapDiff,
      app: appReadings,
      control: controlReadings,
    };
  } finally {
    await app?.close().catch(() => {});
    await control?.close().catch(() => {});
    await browser.close();
    await server.kill();
  }
}

const fmt = (v) => (Number.isInteger(v) ? String(v) : v.toFixed(3));
const line = (name, fields) =>
  `BENCH ${name} ${Object.entries(fields)
    .map(([k, v]) => `${k}=${typeof v === 'number' ? fmt(v) : v}`)
    .join(' ')}`;

/** One line per checkpoint and one summary line, `BENCH name key=value ...`. */
function report(result) {
  const out = [];
  for (let i = 0; i < result.app.length; i++) {
    const a = result.app[i];
    const c = result.control[i];
    out.push(
      line('memory-cdp/checkpoint', {
        cycle: a.cycle,
        heap_used: a.heapUsed,
        heap_total: a.heapTotal,
        wasm: a.wasm,
        rust_in_use: a.rustInUse,
        externrefs: a.externrefs,
        nodes: a.nodes,
        js_listeners: a.jsListeners,
        win_listeners: a.windowListeners,
        timeouts: a.timeouts,
        intervals: a.intervals,
        frames: a.frames,
        sockets: a.sockets,
        ctl_heap_used: c.heapUsed,
      }),
    );
  }
  const first = result.app[0];
  const last = result.app[result.app.length - 1];
  const heap = trend(result.app, 'heapUsed');
  const total = trend(result.app, 'heapTotal');
  const wasm = trend(result.app, 'wasm');
  const ctl = trend(result.control, 'heapUsed');
  const rust = trend(result.app, 'rustInUse');
  const rustPerCycle = slope(
    result.app.map((r) => r.cycle),
    result.app.map((r) => r.rustInUse),
  );
  const init = result.initial.app;
  out.push(
    line('memory-cdp', {
      cycles: result.cycles,
      warmup: result.warmup,
      retry: result.natural ? 'scheduled' : 'online-event',
      ms_per_cycle: result.msPerCycle,
      polls_per_cycle: result.pollsPerCycle,
      heap_used_initial: init.heapUsed,
      heap_used_before: heap.before,
      heap_used_after: heap.after,
      heap_used_growth_pct: heap.growthPct,
      heap_used_slope_pct_per_1000: heap.slopePctPer1000,
      heap_used_min: heap.min,
      heap_used_max: heap.max,
      heap_total_before: total.before,
      heap_total_after: total.after,
      wasm_initial: init.wasm,
      wasm_before: wasm.before,
      wasm_after: wasm.after,
      wasm_growth_pct: wasm.growthPct,
      wasm_from: first.wasmFrom,
      rust_in_use_initial: init.rustInUse,
      rust_in_use_before: rust.before,
      rust_in_use_after: rust.after,
      rust_in_use_growth_pct: rust.growthPct,
      rust_in_use_slope_pct_per_1000: rust.slopePctPer1000,
      rust_in_use_per_cycle: rustPerCycle,
      externrefs_before: first.externrefs,
      externrefs_after: last.externrefs,
      externref_table_before: first.externrefTable,
      externref_table_after: last.externrefTable,
      documents_before: first.documents,
      documents_after: last.documents,
      nodes_before: first.nodes,
      nodes_after: last.nodes,
      js_listeners_before: first.jsListeners,
      js_listeners_after: last.jsListeners,
      win_listeners_before: first.windowListeners,
      win_listeners_after: last.windowListeners,
      timeouts_before: first.timeouts,
      timeouts_after: last.timeouts,
      intervals_before: first.intervals,
      intervals_after: last.intervals,
      frames_before: first.frames,
      frames_after: last.frames,
      sockets_before: first.sockets,
      sockets_after: last.sockets,
      sockets_created: last.socketsCreated,
      control_heap_used_before: ctl.before,
      control_heap_used_after: ctl.after,
      control_heap_used_growth_pct: ctl.growthPct,
      control_heap_used_slope_pct_per_1000: ctl.slopePctPer1000,
      control_js_listeners: `${result.control[0].jsListeners}->${result.control[result.control.length - 1].jsListeners}`,
      control_timeouts: `${result.control[0].timeouts}->${result.control[result.control.length - 1].timeouts}`,
    }),
  );
  if (result.heapDiff) {
    for (const [who, d] of Object.entries(result.heapDiff)) {
      out.push(
        line(`memory-cdp/snapshot/${who}`, {
          nodes_before: d.nodesBefore,
          nodes_after: d.nodesAfter,
          self_size_before: d.sizeBefore,
          self_size_after: d.sizeAfter,
          new_alive_nodes: d.newCount,
          new_alive_size: d.newSize,
          code_size_change: d.codeSize,
        }),
      );
      for (const g of d.top) {
        out.push(
          line(`memory-cdp/snapshot/${who}/group`, {
            group: JSON.stringify(g.key).replace(/ /g, '_'),
            count: g.count,
            size: g.size,
            new_alive: g.newCount,
            new_alive_size: g.newSize,
          }),
        );
      }
    }
  }
  return out;
}

function parseArgs(argv) {
  const opts = { cycles: 1000, warmup: 50, every: 100, natural: false };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--natural' || argv[i] === '--snapshots') {
      opts[argv[i].slice(2)] = true;
      continue;
    }
    const m = /^--(cycles|warmup|every)$/.exec(argv[i]);
    if (!m || !/^\d+$/.test(argv[i + 1] ?? '')) {
      throw new Error(`usage: node bench/memory.js [--cycles N] [--warmup N] [--every N] [--natural] [--snapshots] (bad: ${argv[i]})`);
    }
    opts[m[1]] = Number(argv[++i]);
  }
  return opts;
}

if (require.main === module) {
  const opts = parseArgs(process.argv.slice(2));
  const started = Date.now();
  runMemoryBench({
    ...opts,
    log: (a, c) =>
      console.error(
        `cycle ${a.cycle}: heap ${a.heapUsed} B (control ${c.heapUsed}), wasm ${a.wasm}, nodes ${a.nodes}, ` +
          `rust heap ${a.rustInUse}, externrefs ${a.externrefs}/${a.externrefTable}, listeners ${a.jsListeners}, timers ${a.timeouts}+${a.intervals}+${a.frames}, sockets ${a.sockets} ` +
          `[${Math.round((Date.now() - started) / 1000)} s]`,
      ),
  }).then(
    (result) => {
      for (const l of report(result)) console.log(l);
    },
    (e) => {
      console.error(e);
      process.exitCode = 1;
    },
  );
}

module.exports = { runMemoryBench, report, trend, slope };
