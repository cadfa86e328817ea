'use strict';
// The demo against the real server process: loads clean, reaches Open,
// notices the server dying, and comes back once it returns on the same port.

const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { RECONNECT_BOUND_MS, WS_FAILED, Server, launchBrowser, openPage, waitConnection, screenshot } = require('./harness');

describe('demo against the reference server', () => {
  let browser;
  const servers = [];

  before(async () => {
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
    for (const s of servers) await s.kill();
  });

  async function startServer() {
    const server = await new Server().start();
    servers.push(server);
    return server;
  }

  it('loads with no page errors and shows Open', async () => {
    const server = await startServer();
    const tab = await openPage(browser);
    try {
      await tab.page.goto(`${server.origin}/`);
      const text = await waitConnection(tab.page, true, 15_000);
      assert.equal(text.trim(), 'Open');
      assert.equal((await tab.page.locator('#ready-state').textContent()).trim(), 'Open');
      assert.equal((await tab.page.locator('#last-error').textContent()).trim(), 'none');
      await screenshot(tab.page, '01-open');
      tab.assertClean();
    } finally {
      await tab.close();
      await server.kill();
    }
  });

  it('renders at a phone width without horizontal scroll', async () => {
    const server = await startServer();
    const tab = await openPage(browser, { viewport: { width: 360, height: 740 } });
    try {
      await tab.page.goto(`${server.origin}/`);
      await waitConnection(tab.page, true, 15_000);
      const overflow = await tab.page.evaluate(
        () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
      );
      assert.ok(overflow <= 0, `page is ${overflow}px wider than a 360px viewport`);
      await screenshot(tab.page, '01-open-mobile');
      tab.assertClean();
    } finally {
      await tab.close();
      await server.kill();
    }
  });

  it('shows not connected when the server is killed, and Open again after it restarts', async () => {
    const server = await startServer();
    const tab = await openPage(browser);
    tab.allow(WS_FAILED);
    try {
      await tab.page.goto(`${server.origin}/`);
      await waitConnection(tab.page, true, 15_000);
      await screenshot(tab.page, '02-before-kill');

      await server.kill();
      const down = await waitConnection(tab.page, false, 10_000);
      assert.notEqual(down.trim(), 'Open');
      // Let at least one retry fail against the closed port.
      await tab.page.waitForFunction(
        () => Number(document.querySelector('#attempts')?.textContent) >= 2,
        null,
        { timeout: RECONNECT_BOUND_MS },
      );
      assert.equal(await tab.page.locator('#connection-state').getAttribute('data-open'), 'false');
      await screenshot(tab.page, '03-server-killed');

      const restartedAt = Date.now();
      await server.start(); // same port as before
      await waitConnection(tab.page, true, RECONNECT_BOUND_MS);
      const tookMs = Date.now() - restartedAt;
      assert.ok(tookMs <= RECONNECT_BOUND_MS, `reopened after ${tookMs} ms`);
      const reconnects = Number((await tab.page.locator('#reconnects').textContent()).trim());
      assert.ok(reconnects >= 1, `metrics.reconnects is ${reconnects}, want >= 1`);
      await screenshot(tab.page, '04-reopened');
      tab.assertClean();
    } finally {
      await tab.close();
      await server.kill();
    }
  });
});
