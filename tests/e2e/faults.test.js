'use strict';
// The demo's fault panel drives the server's /control endpoints; the page must
// react the way the protocol says, with no page errors.

const { describe, it, before, after, beforeEach, afterEach } = require('node:test');
const assert = require('node:assert/strict');
const { RECONNECT_BOUND_MS, Server, launchBrowser, openPage, waitConnection, screenshot } = require('./harness');

describe('fault panel', () => {
  let browser;
  let server;
  let tab;

  before(async () => {
    browser = await launchBrowser();
    server = await new Server().start();
  });

  after(async () => {
    await browser?.close();
    await server?.kill();
  });

  beforeEach(async () => {
    await server.control('/reset');
    tab = await openPage(browser);
    await tab.page.goto(`${server.origin}/`);
    await waitConnection(tab.page, true, 15_000);
  });

  afterEach(async () => {
    await tab?.close();
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
});
