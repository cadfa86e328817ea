'use strict';
// Regenerates the widget screenshots of docs/widgets.md (docs/widgets/*.png):
// each widget cropped to its element, in the states the guide shows, and once
// with a custom theme. Needs the built demo and server, like the tests:
// `node tests/e2e/docs-widgets.js`.

const fs = require('node:fs');
const path = require('node:path');
const { WS_FAILED, Server, launchBrowser, openPage, waitConnection } = require('./harness');

const OUT = path.resolve(__dirname, '..', '..', 'docs', 'widgets');
const BANNER = '.ls-reconnect-banner';

/** Saves one element's screenshot, with a little margin, as docs/widgets/<name>.png. */
async function shot(page, selector, name) {
  const el = page.locator(selector).first();
  await el.scrollIntoViewIfNeeded();
  const box = await el.boundingBox();
  if (!box) throw new Error(`${selector} is not visible`);
  const pad = 6;
  await page.screenshot({
    path: path.join(OUT, `${name}.png`),
    clip: { x: Math.max(0, box.x - pad), y: Math.max(0, box.y - pad), width: box.width + 2 * pad, height: box.height + 2 * pad },
  });
}

(async () => {
  fs.mkdirSync(OUT, { recursive: true });
  const server = await new Server(['--demo-data', '--heartbeat-ms', '1000']).start();
  const browser = await launchBrowser();
  try {
    const tab = await openPage(browser, { viewport: { width: 1100, height: 760 } });
    tab.allow(WS_FAILED);
    const { page } = tab;
    await page.emulateMedia({ colorScheme: 'light', reducedMotion: 'reduce' });
    await page.goto(`${server.origin}/`);
    await waitConnection(page, true, 15_000);
    await page.waitForFunction(() => /ms/.test(document.querySelector('#rtt')?.textContent ?? ''), null, { timeout: 10_000 });

    await shot(page, '.topbar .ls-indicator', 'indicator-open');
    await shot(page, '.ls-status-bar', 'status-bar');

    await page.click('#fault-markup-error');
    await page.locator('.ls-error-banner').waitFor({ timeout: 5_000 });
    await shot(page, '.ls-error-banner', 'error-banner');
    await page.locator('.ls-error-banner__dismiss').click();

    // Down, with retries refused: the banner counts down to the next attempt.
    await server.control('/refuse?ms=60000');
    await server.control('/drop');
    await page.locator(BANNER).waitFor({ timeout: 10_000 });
    await page.waitForFunction((sel) => /^Reconnecting in \d+ s/.test(document.querySelector(`${sel} .ls-reconnect-banner__message`)?.textContent ?? ''), BANNER, { timeout: 30_000 });
    await shot(page, BANNER, 'reconnect-banner');
    await shot(page, '.topbar .ls-indicator', 'indicator-reconnecting');

    // The same two widgets with a theme of the app's own.
    const theme = await page.addStyleTag({
      content: `:root { --ls-color-reconnecting: #7c3aed; --ls-banner-bg: #1e1b4b; --ls-banner-fg: #e0e7ff;
        --ls-button-bg: #7c3aed; --ls-button-fg: #fff; --ls-radius: 0; }`,
    });
    await shot(page, BANNER, 'reconnect-banner-themed');

    // Auth refused: failed at once, with Retry.
    await server.control('/reset');
    await page.locator(`${BANNER} .ls-reconnect-banner__retry`).click();
    await waitConnection(page, true, 10_000);
    await theme.evaluate((el) => el.remove());
    await server.control('/close?code=4401&reason=unauthorized');
    await page.locator(`${BANNER}.ls-reconnect-banner--failed`).waitFor({ timeout: 5_000 });
    await shot(page, BANNER, 'reconnect-banner-failed');
    console.log(`wrote ${OUT}`);
  } finally {
    await browser.close();
    await server.kill();
  }
})().catch((e) => {
  console.error(e);
  process.exit(1);
});
