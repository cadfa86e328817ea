'use strict';
// The demo's server-computed summary: a request/response round trip. The
// server counts the board's tasks on request, and the panel shows its answer.

const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { startSuite, stopSuite, openPage, waitConnection } = require('./harness');

describe('summary', () => {
  let browser;
  let server;

  before(async () => ({ browser, server } = await startSuite()));
  after(() => stopSuite({ browser, server }));

  async function publish(key, title, done) {
    await server.control('/publish', JSON.stringify({ topic: 'Task:main', key, value: { title, done } }));
  }

  async function summarize(page) {
    await page.click('#summary-request');
    await page.waitForSelector('#summary[data-state="done"]', { timeout: 10_000 });
    return (await page.locator('#summary').textContent()).trim();
  }

  it('asks the server for the board\'s counts and shows its answer', async () => {
    await publish('s1', 'Plan', true);
    await publish('s2', 'Build', true);
    await publish('s3', 'Ship', false);
    const tab = await openPage(browser);
    await tab.page.goto(`${server.origin}/`);
    await waitConnection(tab.page, true, 15_000);
    assert.equal(await tab.page.getAttribute('#summary', 'data-state'), 'idle');
    assert.equal(await tab.page.getAttribute('#summary', 'data-topic'), 'Task:main');

    assert.equal(await summarize(tab.page), '3 tasks · 2 done · 1 open');
    // Computed anew on each request.
    await publish('s4', 'Celebrate', false);
    assert.equal(await summarize(tab.page), '4 tasks · 2 done · 2 open');
    tab.assertClean();
    await tab.close();
  });
});
