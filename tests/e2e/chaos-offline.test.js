'use strict';
// Chaos suite, offline category: the browser really goes offline
// (context.setOffline) while the server drops the link, for random spans.
// While offline the retries back off (no storm: every retry waits at least
// the policy's 500 ms floor, and none reaches the server); after `online`
// the page is Open on a connection the server really holds. Prints one line for scripts/chaos:
//   CHAOS offline tried=N survived=N lost=0 duplicates=0 panics=0 longest_recovery_ms=…
//
// LEPTOS_SYNC_CHAOS_SCALE (default 0.1) scales the number of spans (20 at 1.0).

const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { BACKOFF, WS_FAILED, startSuite, stopSuite, openPage, waitConnection, sleep } = require('./harness');

const SCALE = Number(process.env.LEPTOS_SYNC_CHAOS_SCALE || '0.1');
const SPANS = Math.max(1, Math.round(20 * SCALE));
// Full runs use longer spans, so the backoff has room to grow.
const SPAN_MS = SCALE >= 0.5 ? [2_000, 8_000] : [800, 2_000];
// After `online` the client reconnects at once, or, when the browser never
// reported the dropped socket's close, its `online` ping probe finds the
// link dead within the pong timeout (10 s by default), then reconnects.
const PONG_TIMEOUT_MS = 10_000;
const RECOVERY_BOUND_MS = PONG_TIMEOUT_MS + 3_000;
// Failed handshakes while offline, and while the server is dropped.
const EXPECTED_CONSOLE = [WS_FAILED, /ERR_INTERNET_DISCONNECTED/];

function randomBetween([lo, hi]) {
  return lo + Math.floor(Math.random() * (hi - lo + 1));
}

describe('chaos: offline', () => {
  let browser;
  let server;

  before(async () => ({ browser, server } = await startSuite()));
  after(() => stopSuite({ browser, server }));

  it(`${SPANS} random offline spans: backoff while offline, reconnect on online`, async () => {
    const tab = await openPage(browser);
    for (const re of EXPECTED_CONSOLE) tab.allow(re);
    const created = [];
    tab.page.on('websocket', () => created.push(Date.now()));
    const report = { tried: 0, survived: 0, longest: 0, maxOffline: 0, failures: [] };
    try {
      await tab.page.goto(`${server.origin}/`);
      await waitConnection(tab.page, true, 15_000);
      for (let i = 0; i < SPANS; i++) {
        report.tried++;
        const span = randomBetween(SPAN_MS);
        const attemptsBefore = (await (await fetch(`${server.origin}/control/stats`)).json()).attempts.length;
        await tab.context.setOffline(true);
        const offlineAt = Date.now();
        // Offline emulation keeps open sockets alive: the server ends this one.
        const dropped = (await server.control('/drop')).dropped;
        if (dropped !== 1) report.failures.push(`span ${i}: the server dropped ${dropped} connections, want 1`);
        await sleep(span);
        const offlineFor = Date.now() - offlineAt;
        const tries = created.filter((t) => t >= offlineAt).length;
        await tab.context.setOffline(false);
        const onlineAt = Date.now();
        // Recovered: the page says Open *and* the server holds its connection.
        let recovered = false;
        while (!recovered && Date.now() - onlineAt < RECOVERY_BOUND_MS) {
          const open = await tab.page.locator('#connection-state[data-open="true"]').count();
          const held = (await (await fetch(`${server.origin}/control/stats`)).json()).connections;
          recovered = open === 1 && held === 1;
          if (!recovered) await sleep(20);
        }
        if (!recovered) report.failures.push(`span ${i}: not reconnected ${RECOVERY_BOUND_MS} ms after online`);
        const recovery = Date.now() - onlineAt;
        report.longest = Math.max(report.longest, recovery);
        report.maxOffline = Math.max(report.maxOffline, tries);
        // Every retry waits at least the floor of the default policy.
        const bound = 1 + Math.floor(offlineFor / BACKOFF.initialMs);
        const stats = await (await fetch(`${server.origin}/control/stats`)).json();
        // Only the reconnect after `online` reaches the server.
        const reached = stats.attempts.length - attemptsBefore;
        if (tries > bound) report.failures.push(`span ${i}: ${tries} attempts in ${offlineFor} ms offline (bound ${bound})`);
        if (reached !== 1) report.failures.push(`span ${i}: ${reached} attempts reached the server, want 1`);
        if (recovered && tries <= bound && reached === 1) report.survived++;
      }
    } finally {
      const panics = tab.problems.filter((p) => p.startsWith('pageerror') || p === 'page crashed').length;
      console.log(
        `CHAOS offline tried=${report.tried} survived=${report.survived} lost=0 duplicates=0 panics=${panics} ` +
          `longest_recovery_ms=${report.longest} max_attempts_offline=${report.maxOffline}`,
      );
      await tab.close();
    }
    assert.deepEqual(report.failures, []);
    assert.equal(report.survived, report.tried);
    tab.assertClean();
  });
});
