'use strict';
// The benchmark's figures: growth trends of a series of readings, and the
// `BENCH memory-cdp...` lines scripts/bench collects.

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

module.exports = { report };
