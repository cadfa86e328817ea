'use strict';
// The demo's live data: the shared task board across two pages, the server's
// ticker, and what a drop or a server restart does to the subscriptions.

const { describe, it, before, after, beforeEach, afterEach } = require('node:test');
const assert = require('node:assert/strict');
const { RECONNECT_BOUND_MS, startSuite, stopSuite, openPage, waitConnection, waitSnapshot, screenshot } = require('./harness');

describe('live data', () => {
  let browser;
  let server;
  const tabs = [];

  before(async () => ({ browser, server } = await startSuite(['--demo-data'])));
  after(() => stopSuite({ browser, server }));

  beforeEach(async () => {
    await server.control('/reset');
  });

  afterEach(async () => {
    while (tabs.length) await tabs.pop().close();
  });

  async function open(viewport, query = '') {
    const tab = await openPage(browser, viewport ? { viewport } : undefined);
    tabs.push(tab);
    await tab.page.goto(`${server.origin}/${query}`);
    await waitConnection(tab.page, true, 15_000);
    await tab.page.waitForSelector('#task-sub[data-status="live"]', { timeout: 10_000 });
    return tab;
  }

  const row = (page, title) => page.locator('#tasks .task', { hasText: title });

  it('two pages: adding, ticking off and deleting a task in one shows in the other', async () => {
    const a = await open();
    const b = await open();
    const title = `Write the docs ${Date.now()}`;

    await a.page.fill('#task-title', title);
    await a.page.click('#task-add');
    // Optimistic: at once in A; then in B through the server.
    await row(a.page, title).waitFor({ timeout: 1_000 });
    await row(b.page, title).waitFor({ timeout: 5_000 });
    assert.equal(await row(b.page, title).getAttribute('data-done'), 'false');
    const key = await row(b.page, title).getAttribute('data-key');
    const topic = await server.query('/topic?name=Task:main'); // the default board
    assert.equal(topic.entries[key].title, title);

    await row(b.page, title).locator('.task__check').check();
    await a.page.waitForSelector(`#tasks .task[data-key="${key}"][data-done="true"]`, { timeout: 5_000 });
    await screenshot(a.page, 'tasks-two-pages');

    await row(a.page, title).locator('.task__delete').click();
    await row(b.page, title).waitFor({ state: 'detached', timeout: 5_000 });
    const snap = await waitSnapshot(b.page, (s) => !(key in s.topics.Task.entries) && s, 5_000, 'the delete in the snapshot');
    assert.equal(snap.topics.Task.status, 'live');
    a.assertClean();
    b.assertClean();
  });

  it("the server's rules: a blank title is refused, and so is an observer's change, with the reason", async () => {
    const editor = await open();
    await editor.page.fill('#task-title', 'Only editors change this');
    await editor.page.click('#task-add');
    await row(editor.page, 'Only editors change this').waitFor({ timeout: 5_000 });
    await waitSnapshot(editor.page, (s) => s.metrics.in_flight === 0 && s, 5_000, 'the ack');
    await editor.page.fill('#task-title', '   ');
    await editor.page.click('#task-add');
    await editor.page.waitForSelector('#task-error', { timeout: 5_000 });
    assert.equal((await editor.page.locator('#task-error').textContent()).trim(), 'Refused: a task needs a title.');
    await waitSnapshot(editor.page, (s) => Object.keys(s.topics.Task.entries).length === 1 && s, 5_000, 'the blank task rolled back');

    const observer = await open(undefined, '?as=observer');
    await observer.page.waitForSelector('#role-switch[data-role="observer"]');
    const task = row(observer.page, 'Only editors change this');
    await task.locator('.task__check').click();
    await observer.page.waitForSelector('#task-error', { timeout: 5_000 });
    assert.equal(
      (await observer.page.locator('#task-error').textContent()).trim(),
      'Not allowed: observers may not change anything.',
    );
    await observer.page.waitForSelector('#tasks .task[data-done="false"]', { timeout: 5_000 });
    assert.equal(await observer.page.locator('#connection-state').getAttribute('data-open'), 'true');
    assert.equal(await row(editor.page, 'Only editors change this').getAttribute('data-done'), 'false');
    editor.assertClean();
    observer.assertClean();
  });

  it('ticker: prices arrive live from the server', async () => {
    const tab = await open();
    await tab.page.waitForSelector('#ticker-sub[data-status="live"]', { timeout: 10_000 });
    const first = await waitSnapshot(tab.page, (s) => Object.keys(s.topics.Ticker.entries).length === 3 && s, 10_000, 'three symbols');
    const latest = (s) => Math.max(...Object.values(s.topics.Ticker.entries).map((t) => t.at));
    const t0 = latest(first);
    await waitSnapshot(tab.page, (s) => latest(s) > t0, 5_000, 'a newer price');
    assert.deepEqual(
      await tab.page.locator('#ticker .ticker__row').evaluateAll((rows) => rows.map((r) => r.dataset.symbol)),
      ['ACME', 'GLOBEX', 'INITECH'],
    );
    tab.assertClean();
  });

  it('a drop is recovered from history; a server restart gets a snapshot and wipes the board', async () => {
    await server.control('/restart'); // an empty board
    const tab = await open();
    await tab.page.fill('#task-title', 'Survives a drop');
    await tab.page.click('#task-add');
    await waitSnapshot(tab.page, (s) => s.metrics.in_flight === 0 && Object.keys(s.topics.Task.entries).length === 1, 5_000, 'the ack');

    await tab.page.click('#fault-drop');
    await tab.page.waitForFunction(() => Number(document.querySelector('#reconnects')?.textContent) >= 1, null, {
      timeout: RECONNECT_BOUND_MS,
    });
    await tab.page.waitForSelector('#task-sub[data-status="live"][data-recovered="true"]', { timeout: 10_000 });
    await tab.page.waitForSelector('#ticker-sub[data-status="live"][data-recovered="true"]', { timeout: 10_000 });
    await row(tab.page, 'Survives a drop').waitFor({ timeout: 1_000 });

    await tab.page.click('#fault-restart');
    await tab.page.waitForFunction(() => Number(document.querySelector('#reconnects')?.textContent) >= 2, null, {
      timeout: RECONNECT_BOUND_MS,
    });
    await tab.page.waitForSelector('#task-sub[data-status="live"][data-recovered="false"]', { timeout: 10_000 });
    await row(tab.page, 'Survives a drop').waitFor({ state: 'detached', timeout: 5_000 });
    assert.equal((await tab.page.locator('#task-count').textContent()).trim(), 'No tasks yet.');
    await screenshot(tab.page, 'tasks-after-restart');
    tab.assertClean();
  });

  it('renders at 375 px with no horizontal scroll', async () => {
    const tab = await open({ width: 375, height: 800 });
    await tab.page.fill('#task-title', 'A task with a rather long title that has to wrap on a phone screen');
    await tab.page.click('#task-add');
    await tab.page.waitForSelector('#tasks .task', { timeout: 5_000 });
    // After the previous test's restart wiped the topics, the feed refills the
    // ticker one random symbol a second: all three can take well over 10 s.
    await tab.page.waitForFunction(() => document.querySelectorAll('#ticker .ticker__row').length === 3, null, { timeout: 30_000 });
    const overflow = await tab.page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    assert.ok(overflow <= 0, `page is ${overflow}px wider than a 375px viewport`);
    await screenshot(tab.page, 'demo-mobile');
    tab.assertClean();
  });
});
