'use strict';
// Regenerates docs/demo.png, the README's screenshot of the demo at 1280 px.
// Needs the built demo and server, like the tests: `node tests/e2e/docs-screenshot.js`.

const path = require('node:path');
const { Server, launchBrowser, openPage, waitConnection } = require('./harness');

const OUT = path.resolve(__dirname, '..', '..', 'docs', 'demo.png');

(async () => {
  const server = await new Server(['--demo-data', '--heartbeat-ms', '1000']).start();
  const browser = await launchBrowser();
  try {
    const tab = await openPage(browser, { viewport: { width: 1280, height: 880 } });
    await tab.page.emulateMedia({ colorScheme: 'light', reducedMotion: 'reduce' });
    await tab.page.goto(`${server.origin}/`);
    await waitConnection(tab.page, true, 15_000);
    for (const title of ['Write the widget docs', 'Record the demo', 'Ship 0.1']) {
      await tab.page.fill('#task-title', title);
      await tab.page.click('#task-add');
      await tab.page.locator('#tasks .task', { hasText: title }).waitFor();
    }
    await tab.page.locator('#tasks .task', { hasText: 'Write the widget docs' }).locator('.task__check').check();
    // Wait until every symbol has moved once, so the arrows show.
    await tab.page.waitForFunction(() => document.querySelectorAll('#ticker .ticker__arrow:not(:empty)').length === 3, null, {
      timeout: 30_000,
    });
    await tab.page.waitForFunction(() => /ms/.test(document.querySelector('#rtt')?.textContent ?? ''), null, { timeout: 10_000 });
    await tab.page.locator('#task-title').blur();
    await tab.page.screenshot({ path: OUT, fullPage: true });
    tab.assertClean();
    console.log(`wrote ${OUT}`);
  } finally {
    await browser.close();
    await server.kill();
  }
})().catch((e) => {
  console.error(e);
  process.exit(1);
});
