'use strict';
// The demo's server event: when a tab connects, the reference server
// (`--announce-joins`) tells every other tab, which shows a toast; the tab
// that joined does not toast itself.

const { describe, it, before, after, afterEach } = require('node:test');
const assert = require('node:assert/strict');
const { startSuite, stopSuite, openPage, waitConnection, screenshot } = require('./harness');

describe('server events', () => {
  let browser;
  let server;
  const tabs = [];

  before(async () => ({ browser, server } = await startSuite(['--announce-joins'])));
  after(() => stopSuite({ browser, server }));

  afterEach(async () => {
    while (tabs.length) await tabs.pop().close();
  });

  async function open(query = '') {
    const tab = await openPage(browser);
    tabs.push(tab);
    await tab.page.goto(`${server.origin}/${query}`);
    await waitConnection(tab.page, true, 15_000);
    return tab;
  }

  const toasts = (page) => page.locator('.toasts .toast');

  it('a tab that opens is announced in the others, not in itself', async () => {
    const a = await open();
    const b = await open();
    // A hears of B.
    await toasts(a.page).first().waitFor({ timeout: 5_000 });
    assert.equal(await toasts(a.page).count(), 1);
    assert.match(await toasts(a.page).first().textContent(), /Another tab joined \(as editor\)/);
    await screenshot(a.page, 'events-join-toast');

    // C opens as an observer: A and B both hear of it. B's only toast is
    // C's, so B never toasted its own join.
    await open('?as=observer');
    await a.page.locator('.toast[data-who="observer"]').waitFor({ timeout: 5_000 });
    await b.page.locator('.toast[data-who="observer"]').waitFor({ timeout: 5_000 });
    assert.equal(await toasts(b.page).count(), 1);
    assert.equal(await b.page.locator('#last-error[data-error="true"]').count(), 0);
    a.assertClean();
    b.assertClean();
  });
});
