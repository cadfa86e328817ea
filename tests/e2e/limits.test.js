'use strict';
// The server's limits as a page meets them: a burst larger than its send
// queue closes the page as a slow consumer (4413), and the page resumes with
// nothing lost, from history (a replay) or, past it, from a snapshot.

const { describe, it, before, after, beforeEach, afterEach } = require('node:test');
const assert = require('node:assert/strict');
const { startSuite, stopSuite, openPage, waitConnection, waitSnapshot } = require('./harness');

/** Frames the server queues per connection: far fewer than a burst. */
const QUEUE_FRAMES = 16;
/** Updates the server keeps per topic for resuming (its default). */
const HISTORY = 1000;

describe('limits', () => {
  let browser;
  let server;
  let tab;

  before(async () => {
    const args = ['--send-queue-frames', String(QUEUE_FRAMES), '--history', String(HISTORY)];
    ({ browser, server } = await startSuite(args));
  });
  after(() => stopSuite({ browser, server }));

  beforeEach(async () => {
    await server.control('/reset');
    tab = await openPage(browser);
    await tab.page.goto(`${server.origin}/`);
    await waitConnection(tab.page, true, 15_000);
    await tab.page.waitForSelector('#ticker-sub[data-status="live"]', { timeout: 10_000 });
  });

  afterEach(async () => {
    await tab?.close();
  });

  /** Publishes `count` ticker prices over `keys` symbols in one burst, then
   *  waits until the page shows every symbol's last price, live, after a
   *  slow-consumer close. */
  async function burstAndRecover(count, keys, prefix) {
    const before = await waitSnapshot(tab.page, (s) => s, 1_000, 'a snapshot');
    const body = { topic: 'Ticker', count, keys, key_prefix: prefix, field: 'price' };
    const { seq } = await server.control('/publish_many', JSON.stringify(body));
    // Update i sets symbol `prefix + i % keys`, so the last one of symbol j is count - keys + j.
    const want = Object.fromEntries(
      Array.from({ length: keys }, (_, j) => [`${prefix}${j}`, count - keys + j]),
    );
    const done = await waitSnapshot(
      tab.page,
      (s) => {
        const entries = s.topics.Ticker.entries;
        const all = Object.entries(want).every(([key, price]) => entries[key]?.price === price);
        return all && s.topics.Ticker.status === 'live' && s.state.kind === 'open' && s;
      },
      30_000,
      `every symbol's last price of the burst (seq ${seq})`,
    );
    assert.equal(done.metrics.last_close?.code, 4413, 'the burst closed the page as a slow consumer');
    assert.match(done.metrics.last_close.reason, /slow consumer/);
    assert.ok(done.metrics.reconnects > before.metrics.reconnects, 'the page reconnected');
    assert.equal(done.metrics.duplicates, 0, 'no update applied twice');
    const burst = Object.keys(done.topics.Ticker.entries).filter((key) => key.startsWith(prefix));
    assert.equal(burst.length, keys, 'no other symbol of the burst');
    return done;
  }

  it('a burst within history: closed as a slow consumer, then resumed by a replay', async () => {
    const done = await burstAndRecover(HISTORY / 2, 25, 'R');
    assert.equal(done.topics.Ticker.recovered, true, 'replayed from history');
    tab.assertClean();
  });

  it('a burst past history: closed as a slow consumer, then resumed from a snapshot', async () => {
    const done = await burstAndRecover(HISTORY * 3, 25, 'S');
    assert.equal(done.topics.Ticker.recovered, false, 'a snapshot');
    tab.assertClean();
  });
});
