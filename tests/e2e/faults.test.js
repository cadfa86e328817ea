'use strict';
// The demo's fault panel drives the server's /control endpoints; the page must
// react the way the protocol says, with no page errors.

const { describe, it, before, after, beforeEach, afterEach } = require('node:test');
const assert = require('node:assert/strict');
const {
  RECONNECT_BOUND_MS,
  WS_FAILED,
  startSuite,
  stopSuite,
  openPage,
  waitConnection,
  waitSnapshot,
  screenshot,
  sleep,
} = require('./harness');

describe('fault panel', () => {
  let browser;
  let server;
  let tab;

  // As scripts/demo: a 5 s heartbeat, so muted pings show within seconds.
  before(async () => ({ browser, server } = await startSuite(['--heartbeat-ms', '5000'])));
  after(() => stopSuite({ browser, server }));

  beforeEach(async () => {
    await server.control('/reset');
    tab = await openPage(browser);
    await tab.page.goto(`${server.origin}/`);
    await waitConnection(tab.page, true, 15_000);
  });

  afterEach(async () => {
    await tab?.close();
    await server.control('/reset');
  });

  /** Clicks a fault button and waits for the control call to succeed. */
  async function press(id) {
    await tab.page.click(`#${id}`);
    await tab.page.waitForFunction(
      () => {
        const out = document.querySelector('#fault-result');
        const text = out?.textContent ?? '';
        return text !== '–' && !text.endsWith('…');
      },
      null,
      { timeout: 5_000 },
    );
    const result = tab.page.locator('#fault-result');
    assert.equal(await result.getAttribute('data-failed'), 'false', await result.textContent());
  }

  it('drop connection: reconnects and counts it', async () => {
    await press('fault-drop');
    await tab.page.waitForFunction(
      () => Number(document.querySelector('#reconnects')?.textContent) >= 1,
      null,
      { timeout: RECONNECT_BOUND_MS },
    );
    await waitConnection(tab.page, true, RECONNECT_BOUND_MS);
    await screenshot(tab.page, '05-after-drop');
    tab.assertClean();
  });

  it('bad frame: reports a typed error and keeps the connection', async () => {
    await press('fault-bad-frame');
    await tab.page.waitForSelector('#last-error[data-error="true"]', { timeout: 5_000 });
    const text = (await tab.page.locator('#last-error').textContent()).trim();
    assert.notEqual(text, 'none');
    assert.equal(await tab.page.locator('#connection-state').getAttribute('data-open'), 'true');
    await screenshot(tab.page, '06-bad-frame');
    await tab.page.click('#clear-error');
    await tab.page.waitForSelector('#last-error[data-error="false"]', { timeout: 5_000 });
    tab.assertClean();
  });

  it('close 4401: stops retrying until Open is pressed', async () => {
    await press('fault-close-4401');
    await tab.page.waitForFunction(
      () => /^Failed/.test(document.querySelector('#connection-state')?.textContent ?? ''),
      null,
      { timeout: 5_000 },
    );
    await screenshot(tab.page, '07-auth-rejected');
    await tab.page.click('#open');
    await waitConnection(tab.page, true, 10_000);
    tab.assertClean();
  });

  it('refuse 10 s: drops, retries are refused, then it comes back', async () => {
    tab.allow(WS_FAILED);
    await press('fault-refuse');
    await waitConnection(tab.page, false, 5_000);
    await tab.page.waitForSelector('.ls-reconnect-banner', { timeout: 5_000 });
    const refusals = async () => (await server.query('/stats')).attempts.filter((a) => a.outcome === 'refused');
    for (const deadline = Date.now() + 5_000; (await refusals()).length === 0; await sleep(50)) {
      assert.ok(Date.now() < deadline, 'no retry was refused within 5 s');
    }
    await server.control('/reset'); // end the refusal early
    // A scheduled retry may win the race and hide the banner first, so the
    // button is pressed in one step in the page, if it is still there.
    await tab.page.evaluate(() => document.querySelector('.ls-reconnect-banner__retry')?.click());
    await waitConnection(tab.page, true, 10_000);
    assert.equal((await refusals()).length, 0, 'reset clears the statistics too');
    tab.assertClean();
  });

  it('mute pings: the heartbeat notices the silent server and reconnects', async () => {
    await press('fault-mute-pings');
    assert.equal(await tab.page.locator('#fault-mute-pings').getAttribute('aria-pressed'), 'true');
    assert.equal((await tab.page.locator('#fault-mute-pings').textContent()).trim(), 'Unmute pings');
    // One heartbeat (5 s) plus the pong timeout (10 s).
    await waitSnapshot(
      tab.page,
      (s) => s.metrics.last_close?.reason === 'heartbeat timeout' && /ping/.test(s.last_error ?? ''),
      25_000,
      'a heartbeat timeout',
    );
    await press('fault-mute-pings');
    assert.equal(await tab.page.locator('#fault-mute-pings').getAttribute('aria-pressed'), 'false');
    await waitConnection(tab.page, true, RECONNECT_BOUND_MS);
    await screenshot(tab.page, '08-heartbeat-timeout');
    tab.assertClean();
  });

  it('reject auth: every hello is refused until switched off', async () => {
    await press('fault-reject-auth');
    assert.equal(await tab.page.locator('#fault-reject-auth').getAttribute('aria-pressed'), 'true');
    await press('fault-drop');
    await tab.page.waitForSelector('.ls-reconnect-banner--failed', { timeout: RECONNECT_BOUND_MS });
    await tab.page.click('.ls-reconnect-banner__retry');
    // Refused again: still failed, and the server counted the rejected hello.
    await waitSnapshot(
      tab.page,
      (s) => s.state.kind === 'failed' && s.metrics.attempts >= 3,
      10_000,
      'a second rejection',
    );
    const outcomes = (await server.query('/stats')).attempts.map((a) => a.outcome);
    assert.ok(outcomes.filter((o) => o === 'rejected_auth').length >= 2, outcomes.join(', '));
    await press('fault-reject-auth');
    await tab.page.click('.ls-reconnect-banner__retry');
    await waitConnection(tab.page, true, 10_000);
    tab.assertClean();
  });

  it('go offline: the button dispatches offline and online events', async () => {
    await tab.page.click('#fault-offline');
    await tab.page.waitForSelector('.topbar .ls-indicator--offline', { timeout: 2_000 });
    assert.equal(await tab.page.locator('#fault-offline').getAttribute('aria-pressed'), 'true');
    assert.equal((await tab.page.locator('#online').textContent()).trim(), 'offline');
    await tab.page.click('#fault-offline');
    await tab.page.waitForSelector('.topbar .ls-indicator--open', { timeout: 2_000 });
    assert.equal((await tab.page.locator('#online').textContent()).trim(), 'online');
    tab.assertClean();
  });
});
