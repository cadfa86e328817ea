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
// climb to the 5 s cap (2.75 s a cycle on average, most of an hour for 1,000). The
// old socket still dies by the server's hand (1006), and the scheduled retry
// timer is replaced, as in any reconnect. `--natural` waits for the scheduled
// retry instead.
//
// After `warmup` cycles it takes a reading (bench/memory-probe.js: the
// page's V8 heap, DOM counters, listeners, the wasm memory, the Rust heap,
// externrefs, live timers and sockets), then one every `every` cycles up to
// `cycles` (and one before the warm-up).
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
// It prints `BENCH memory-cdp...` lines (see memory-report.js); scripts/bench memory
// runs it at full size, tests/e2e/memory.test.js at smoke size.
//
// The parts: memory-page.js (what runs in the page: the instrumentation and
// its counters), memory-probe.js (one page under measurement and its
// readings), memory-heap.js (V8 heap snapshots and their diff),
// memory-report.js (trends and the BENCH lines).

const assert = require('node:assert/strict');
const { Server, launchBrowser, waitConnection, sleep, RECONNECT_BOUND_MS } = require('../harness');
const { Probe } = require('./memory-probe');
const { diffSnapshots } = require('./memory-heap');
const { report } = require('./memory-report');

/** Between two polls of the snapshot. */
const POLL_MS = 25;

/** In the page: the network is back, as the browser announces it. */
const ONLINE = () => {
  window.dispatchEvent(new Event('online'));
};

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

module.exports = { runMemoryBench, report };
