'use strict';
// One page under measurement, with its own CDP session (class Probe).
//
// A reading waits SETTLE_MS, reads the page's counters (memory-page.js),
// then runs three rounds of `HeapProfiler.collectGarbage` (with a task turn
// between them, so FinalizationRegistry callbacks free what wasm-bindgen
// closures hold), then:
//
//   Runtime.getHeapUsage      usedSize / totalSize of the page's V8 heap
//   Memory.getDOMCounters     documents, nodes, jsEventListeners
//   DOMDebugger.getEventListeners   on window and document

const { WS_FAILED, openPage, sleep } = require('../harness');
const { instrument, pageCounts } = require('./memory-page');
const { parseSnapshot } = require('./memory-heap');

/** Before each reading: let the page finish what the last cycle started.
 *  Longer than the retry the drop scheduled (the online event makes it
 *  moot, but its timeout stays pending until it fires: at most 1.5 s for
 *  the default policy's second attempt), so the live timers are the ones
 *  the page keeps at rest. */
const SETTLE_MS = 2_000;
/** Collections per reading. */
const GC_ROUNDS = 3;

const READ_SNAPSHOT = () => document.getElementById('sync-debug').textContent;

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

module.exports = { Probe };
