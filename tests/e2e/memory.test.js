'use strict';
// The CDP memory benchmark (bench/memory.js) at smoke size, so it cannot rot:
// 20 reconnect cycles after 5 warm-up cycles. It asserts only that it ran,
// that every reading is a finite number, and that the handle counts stayed
// the same; growth is for `scripts/bench memory` to measure at full size.

const { describe, it } = require('node:test');
const assert = require('node:assert/strict');
const { runMemoryBench, report } = require('./bench/memory');

describe('memory benchmark through CDP (smoke)', () => {
  it('runs 20 reconnect cycles after 5; readings finite, counts constant', async () => {
    const result = await runMemoryBench({ cycles: 20, warmup: 5, every: 10 });
    for (const line of report(result)) console.log(line);

    assert.equal(result.app.length, 3, 'readings after warm-up, at 10 and at 20 cycles');
    for (const r of [result.initial.app, result.initial.control, ...result.app, ...result.control]) {
      for (const [key, value] of Object.entries(r)) {
        if (typeof value === 'number') assert.ok(Number.isFinite(value), `${key} is ${value} at cycle ${r.cycle}`);
      }
      assert.ok(r.heapUsed > 0, 'a heap size');
    }
    assert.ok(result.app.every((r) => r.wasm > 0), 'the wasm memory was found');
    const first = result.app[0];
    for (const r of result.app) {
      for (const key of ['documents', 'jsListeners', 'windowListeners', 'timeouts', 'intervals', 'frames']) {
        assert.equal(r[key], first[key], `${key} at cycle ${r.cycle} (${r[key]}) vs after warm-up (${first[key]})`);
      }
      assert.equal(r.sockets, 1, `open WebSockets at cycle ${r.cycle}`);
    }
    assert.equal(result.app.at(-1).socketsCreated, 1 + 5 + 20, 'one new socket per cycle');
  });
});
