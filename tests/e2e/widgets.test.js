'use strict';
// The four widgets in the demo, state by state: each test drives the real
// server into a state, asserts the widgets' DOM and aria attributes, and saves
// a screenshot to tests/e2e/screenshots/widget-*.png.

const { describe, it, before, after, beforeEach, afterEach } = require('node:test');
const assert = require('node:assert/strict');
const {
  WS_FAILED,
  startSuite,
  stopSuite,
  openPage,
  waitConnection,
  debugSnapshot,
  waitSnapshot,
  screenshot,
  sleep,
} = require('./harness');

/** The demo's ReconnectBanner grace_ms (examples/demo/src/app.rs). */
const GRACE_MS = 1_500;

const INDICATOR = '.topbar .ls-indicator';
const BANNER = '.ls-reconnect-banner';
const ERROR_BANNER = '.ls-error-banner';

describe('widgets', () => {
  let browser;
  let server;
  let tab;

  before(async () => ({ browser, server } = await startSuite(['--demo-data'])));
  after(() => stopSuite({ browser, server }));

  beforeEach(async () => {
    await server.control('/reset');
    tab = await openPage(browser, { viewport: { width: 1280, height: 800 } });
  });

  afterEach(async () => {
    await tab?.close();
    await server.control('/reset');
  });

  async function load() {
    await tab.page.goto(`${server.origin}/`);
    await waitConnection(tab.page, true, 15_000);
  }

  /** The attributes of the indicator a test checks. */
  async function indicator() {
    const el = tab.page.locator(INDICATOR);
    return {
      class: await el.getAttribute('class'),
      role: await el.getAttribute('role'),
      label: await el.getAttribute('aria-label'),
      title: await el.getAttribute('title'),
      text: (await el.locator('.ls-indicator__text').textContent()).trim(),
    };
  }

  /** Waits for the indicator to carry `modifier`; returns its attributes. */
  async function waitIndicator(modifier, timeoutMs) {
    await tab.page.waitForSelector(`${INDICATOR}.ls-indicator--${modifier}`, { timeout: timeoutMs });
    return indicator();
  }

  async function bannerMessage() {
    return (await tab.page.locator(`${BANNER} .ls-reconnect-banner__message`).textContent()).trim();
  }

  it('open: the indicator, the status bar, no banners', async () => {
    await load();
    await tab.page.waitForSelector('#ticker-sub[data-status="live"]', { timeout: 10_000 });
    await tab.page.waitForSelector('#task-sub[data-status="live"]', { timeout: 10_000 });
    const ind = await indicator();
    assert.match(ind.class, /\bls-indicator--open\b/);
    assert.equal(ind.role, 'status');
    assert.equal(ind.label, 'Connected');
    assert.equal(ind.title, 'Connected');
    assert.equal(ind.text, 'Connected');
    assert.equal(await tab.page.locator(`${INDICATOR} .ls-indicator__dot`).getAttribute('aria-hidden'), 'true');

    const bar = tab.page.locator('.ls-status-bar');
    assert.match(await bar.getAttribute('class'), /\bls-status-bar--open\b/);
    assert.equal((await bar.locator('.ls-status-bar__state').textContent()).trim(), 'Connected');
    assert.equal((await bar.locator('.ls-status-bar__item--reconnects .ls-status-bar__value').textContent()).trim(), '0');
    await bar.locator('.ls-status-bar__item--connected-for').waitFor({ timeout: 5_000 });

    assert.equal(await tab.page.locator(BANNER).count(), 0);
    assert.equal(await tab.page.locator(ERROR_BANNER).count(), 0);
    await tab.page.waitForFunction(() => document.querySelectorAll('#ticker .ticker__row').length === 3, null, {
      timeout: 10_000,
    });
    await screenshot(tab.page, 'widget-open');
    tab.assertClean();
  });

  it('connecting: a first connect that gets no answer shows Connecting, then the banner', async () => {
    // The socket opens but nothing ever answers the hello: the client waits for welcome.
    await tab.page.routeWebSocket(/\/ws/, () => {});
    await tab.page.goto(`${server.origin}/`);
    await tab.page.waitForSelector(
      `${INDICATOR}.ls-indicator--connecting, ${INDICATOR}.ls-indicator--handshaking`,
      { timeout: 5_000 },
    );
    const ind = await indicator();
    assert.match(ind.class, /\bls-indicator--(connecting|handshaking)\b/);
    assert.equal(ind.label, 'Connecting');
    assert.equal(ind.text, 'Connecting');
    assert.equal(await tab.page.locator('#connection-state').getAttribute('data-open'), 'false');

    // After the grace delay the banner says so, with no retry button (nothing to retry yet).
    const banner = tab.page.locator(BANNER);
    await banner.waitFor({ timeout: GRACE_MS + 3_000 });
    assert.match(await banner.getAttribute('class'), /\bls-reconnect-banner--(connecting|handshaking)\b/);
    assert.equal(await banner.getAttribute('role'), 'status');
    assert.equal(await banner.getAttribute('aria-live'), 'polite');
    assert.equal(await bannerMessage(), 'Connecting…');
    assert.equal(await banner.locator('.ls-reconnect-banner__retry').isVisible(), false);
    assert.match(await tab.page.locator('.ls-status-bar').getAttribute('class'), /ls-status-bar--(connecting|handshaking)/);
    await screenshot(tab.page, 'widget-connecting');
    tab.assertClean();
  });

  /** Refuses new connections and drops the current one; returns once the banner counts down. */
  async function goReconnecting() {
    tab.allow(WS_FAILED);
    await load();
    await server.control('/refuse?ms=60000');
    await server.control('/drop');
    await tab.page.locator(BANNER).waitFor({ timeout: GRACE_MS + 5_000 });
  }

  /** Polls the banner until it shows "Reconnecting in N s (attempt A)" with N >= minSeconds. */
  async function waitCountdown(minSeconds, timeoutMs) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const text = await bannerMessage().catch(() => '');
      const m = /^Reconnecting in (\d+) s \(attempt (\d+)\)$/.exec(text);
      if (m && Number(m[1]) >= minSeconds) return { seconds: Number(m[1]), attempt: Number(m[2]), text };
      if (Date.now() > deadline) throw new Error(`no countdown of >= ${minSeconds} s within ${timeoutMs} ms (last: "${text}")`);
      await sleep(50);
    }
  }

  it('reconnecting: the banner counts down to the next retry, with Retry now', async () => {
    await goReconnecting();
    // Retries back off: soon one is at least 2 s away.
    const first = await waitCountdown(2, 40_000);
    // The same attempt, a second or more later, shows fewer seconds.
    const deadline = Date.now() + 3_000;
    let later;
    for (;;) {
      const text = await bannerMessage();
      const m = /^Reconnecting in (\d+) s \(attempt (\d+)\)$/.exec(text);
      if (m && Number(m[2]) === first.attempt && Number(m[1]) < first.seconds) {
        later = { seconds: Number(m[1]), attempt: Number(m[2]) };
        break;
      }
      assert.ok(Date.now() < deadline, `countdown did not decrease from "${first.text}" (now "${text}")`);
      await sleep(50);
    }
    assert.ok(later.seconds < first.seconds);

    const banner = tab.page.locator(BANNER);
    assert.match(await banner.getAttribute('class'), /\bls-reconnect-banner--reconnecting\b/);
    assert.equal(await banner.getAttribute('role'), 'status');
    assert.equal(await banner.getAttribute('aria-live'), 'polite');
    // The ticking text is hidden from screen readers; they hear a steady one.
    assert.equal(await banner.locator('.ls-reconnect-banner__message').getAttribute('aria-hidden'), 'true');
    assert.match(
      (await banner.locator('.ls-reconnect-banner__announce').textContent()).trim(),
      /^Reconnecting… \(attempt \d+\)$/,
    );
    assert.equal((await banner.locator('.ls-reconnect-banner__retry').textContent()).trim(), 'Retry now');
    const ind = await indicator();
    assert.match(ind.class, /\bls-indicator--(reconnecting|connecting)\b/);
    assert.match(ind.label, /^Reconnecting \(attempt \d+\)$/);
    // Subscriptions keep their data and say they are stale.
    assert.equal(await tab.page.locator('#ticker-sub').getAttribute('data-status'), 'stale');
    assert.equal(await tab.page.locator('#ticker .ticker__row').count(), 3);
    await screenshot(tab.page, 'widget-reconnecting-countdown');

    // Back once the server accepts again.
    await server.control('/reset');
    await banner.locator('.ls-reconnect-banner__retry').click();
    await waitConnection(tab.page, true, 10_000);
    await banner.waitFor({ state: 'detached', timeout: 5_000 });
    await tab.page.waitForSelector('#ticker-sub[data-status="live"]', { timeout: 10_000 });
    tab.assertClean();
  });

  it('Retry now: the server sees the attempt within 200 ms of the click', async () => {
    await goReconnecting();
    await waitCountdown(2, 40_000);
    const snap = await debugSnapshot(tab.page);
    assert.equal(snap.state.kind, 'reconnecting');
    const before = (await server.query('/stats')).attempts.length;

    // Both clocks are epoch ms on this machine.
    const clickedAt = Date.now();
    await tab.page.click(`${BANNER} .ls-reconnect-banner__retry`);
    const deadline = Date.now() + 2_000;
    let attempt;
    for (;;) {
      const { attempts } = await server.query('/stats');
      attempt = attempts.slice(before).find((a) => a.at_ms >= clickedAt - 5);
      if (attempt) break;
      assert.ok(Date.now() < deadline, 'the server saw no attempt after the click');
      await sleep(20);
    }
    const delay = attempt.at_ms - clickedAt;
    assert.ok(delay <= 200, `the attempt reached the server ${delay} ms after the click`);
    // `next_at` is on the page's monotonic clock (`performance.now()`).
    const nextAt = snap.state.next_at + (await tab.page.evaluate(() => performance.timeOrigin));
    assert.ok(attempt.at_ms < nextAt, 'the attempt came before the scheduled retry');
    assert.equal(attempt.outcome, 'refused');
    tab.assertClean();
  });

  it('failed: an auth rejection shows at once, with a Retry button that works', async () => {
    await load();
    const shownBy = Date.now() + GRACE_MS - 200;
    await server.control('/close?code=4401&reason=unauthorized');
    const banner = tab.page.locator(BANNER);
    await banner.waitFor({ timeout: GRACE_MS });
    assert.ok(Date.now() < shownBy, 'a failure is shown without waiting for the grace delay');
    assert.match(await banner.getAttribute('class'), /\bls-reconnect-banner--failed\b/);
    assert.equal(await bannerMessage(), 'Connection failed: authentication rejected (4401)');
    const retry = banner.locator('.ls-reconnect-banner__retry');
    assert.equal((await retry.textContent()).trim(), 'Retry');
    const ind = await waitIndicator('failed', 2_000);
    assert.equal(ind.label, 'Connection failed: authentication rejected (4401)');
    assert.match(await tab.page.locator('.ls-status-bar').getAttribute('class'), /\bls-status-bar--failed\b/);
    // No retries on its own while failed.
    const attempts = (await debugSnapshot(tab.page)).metrics.attempts;
    await screenshot(tab.page, 'widget-failed-with-retry');
    assert.equal((await debugSnapshot(tab.page)).metrics.attempts, attempts);

    await retry.click();
    await waitConnection(tab.page, true, 10_000);
    await banner.waitFor({ state: 'detached', timeout: 5_000 });
    assert.equal((await indicator()).label, 'Connected');
    tab.assertClean();
  });

  it('offline: shows Offline, no retry storm, and recovers when back online', async () => {
    tab.allow(WS_FAILED);
    await load();
    const attemptsBefore = (await server.query('/stats')).attempts.length;
    const clientBefore = (await debugSnapshot(tab.page)).metrics.attempts;

    // Chromium fires `offline` (navigator.onLine false); the open socket stays
    // but carries nothing, so the client's probe ping times out and it retries.
    await tab.context.setOffline(true);
    const offlineAt = Date.now();
    const ind = await waitIndicator('offline', 5_000);
    assert.equal(ind.label, 'Offline');
    assert.equal(ind.text, 'Offline');
    const banner = tab.page.locator(BANNER);
    await banner.waitFor({ timeout: GRACE_MS + 3_000 });
    assert.match(await banner.getAttribute('class'), /\bls-reconnect-banner--offline\b/);
    assert.equal(await bannerMessage(), 'You are offline');
    assert.equal((await tab.page.locator('#online').textContent()).trim(), 'offline');
    assert.match(await tab.page.locator('.ls-status-bar').getAttribute('class'), /\bls-status-bar--offline\b/);
    await screenshot(tab.page, 'widget-offline');

    // The probe gives up on the silent socket (pong timeout, 10 s) and retries with backoff.
    await waitSnapshot(tab.page, (s) => s.state.kind !== 'open', 20_000, 'the socket given up');
    // Stay offline for a span of retries (a deliberate span, not a wait for a condition).
    const spanEnd = Date.now() + 6_000;
    while (Date.now() < spanEnd) {
      const s = await debugSnapshot(tab.page);
      assert.equal(s.online, false);
      assert.equal(s.state.kind === 'open', false);
      await sleep(250);
    }
    const offlineMs = Date.now() - offlineAt;
    const clientAttempts = (await debugSnapshot(tab.page)).metrics.attempts - clientBefore;
    const serverAttempts = (await server.query('/stats')).attempts.length - attemptsBefore;
    // Exponential backoff from 0.5 s: a handful of tries, not one every few hundred ms.
    assert.ok(clientAttempts <= 8, `${clientAttempts} attempts in ${offlineMs} ms offline`);
    assert.equal(serverAttempts, 0, 'no attempt reaches the server while offline');
    assert.match(await banner.getAttribute('class'), /\bls-reconnect-banner--offline\b/);

    // `online` connects at once and resets the backoff.
    const onlineAt = Date.now();
    await tab.context.setOffline(false);
    await waitConnection(tab.page, true, 5_000);
    assert.ok(Date.now() - onlineAt < 5_000);
    await waitIndicator('open', 2_000);
    await banner.waitFor({ state: 'detached', timeout: 5_000 });
    await tab.page.waitForSelector('#ticker-sub[data-status="live"]', { timeout: 10_000 });
    tab.assertClean();
  });

  it('error banner: server markup shows as literal text, dismissing clears it', async () => {
    const dialogs = [];
    tab.page.on('dialog', async (d) => {
      dialogs.push(d.message());
      await d.dismiss();
    });
    await load();
    await tab.page.click('#fault-markup-error');
    const banner = tab.page.locator(ERROR_BANNER);
    await banner.waitFor({ timeout: 5_000 });
    assert.equal(await banner.getAttribute('role'), 'alert');
    const message = await banner.locator('.ls-error-banner__message').textContent();
    assert.ok(message.includes('<img src=x onerror=alert(1)>'), `message: ${message}`);
    assert.ok(message.includes('<b>hi</b>'), `message: ${message}`);
    // Text, not HTML: no element was made from it, anywhere on the page.
    assert.equal(await banner.locator('.ls-error-banner__message *').count(), 0);
    assert.equal(await tab.page.locator('img').count(), 0);
    assert.equal(await tab.page.locator('b').count(), 0);
    assert.match(await banner.locator('.ls-error-banner__message').innerHTML(), /&lt;img src=x onerror=alert\(1\)&gt;/);
    const dismiss = banner.locator('.ls-error-banner__dismiss');
    assert.equal(await dismiss.getAttribute('aria-label'), 'Dismiss');
    assert.equal(await dismiss.getAttribute('type'), 'button');
    // The same error in the status panel, and the connection stays open.
    assert.equal(await tab.page.locator('#last-error').getAttribute('data-error'), 'true');
    assert.equal(await tab.page.locator('#connection-state').getAttribute('data-open'), 'true');
    await screenshot(tab.page, 'widget-error-banner');

    await dismiss.click();
    await banner.waitFor({ state: 'detached', timeout: 5_000 });
    await tab.page.waitForSelector('#last-error[data-error="false"]', { timeout: 5_000 });
    await screenshot(tab.page, 'widget-error-dismissed');
    assert.deepEqual(dialogs, [], 'no dialog opened');
    tab.assertClean();
  });

  it('a blip shorter than the grace delay shows no banner, while the indicator tells the truth', async () => {
    await load();
    // Record every state the widgets go through.
    await tab.page.evaluate(() => {
      const seen = { banner: false, indicator: new Set(), downAt: 0, upAt: 0 };
      window.__blip = seen;
      const check = () => {
        if (document.querySelector('.ls-reconnect-banner')) seen.banner = true;
        const ind = document.querySelector('.topbar .ls-indicator');
        const m = /ls-indicator--(\w+)/.exec(ind?.className ?? '');
        if (m) seen.indicator.add(m[1]);
        const open = document.querySelector('#connection-state')?.dataset.open === 'true';
        if (!open && !seen.downAt) seen.downAt = performance.now();
        if (open && seen.downAt && !seen.upAt) seen.upAt = performance.now();
      };
      new MutationObserver(check).observe(document.body, {
        subtree: true,
        childList: true,
        attributes: true,
        characterData: true,
      });
    });
    await server.control('/drop');
    await tab.page.waitForFunction(() => window.__blip.upAt > 0, null, { timeout: 10_000 });
    const blip = await tab.page.evaluate(() => ({
      banner: window.__blip.banner,
      indicator: [...window.__blip.indicator],
      downMs: window.__blip.upAt - window.__blip.downAt,
    }));
    assert.ok(blip.downMs < GRACE_MS, `the blip lasted ${blip.downMs} ms`);
    assert.equal(blip.banner, false, 'no banner for a blip');
    assert.ok(
      blip.indicator.some((m) => m !== 'open'),
      `the indicator showed the blip (saw ${blip.indicator.join(', ')})`,
    );
    assert.equal(await tab.page.locator(BANNER).count(), 0);
    assert.equal((await indicator()).label, 'Connected');
    tab.assertClean();
  });
});
