'use strict';
// Rooms: each board of the demo is its own topic, `Task:<board>`. Two pages
// on two boards: a task added on one board shows on that board only; a page
// that switches to it sees it; switching back shows the other board's tasks
// and never, in any painted frame, a task of the board it left.

const { describe, it, before, after, afterEach } = require('node:test');
const assert = require('node:assert/strict');
const { startSuite, stopSuite, openPage, waitConnection, waitSnapshot } = require('./harness');

describe('rooms: a topic per board', () => {
  let browser;
  let server;
  const tabs = [];

  before(async () => ({ browser, server } = await startSuite()));
  after(() => stopSuite({ browser, server }));

  afterEach(async () => {
    while (tabs.length) await tabs.pop().close();
  });

  async function open(board) {
    const tab = await openPage(browser);
    tabs.push(tab);
    await tab.page.goto(`${server.origin}/?board=${board}`);
    await waitConnection(tab.page, true, 15_000);
    await onBoard(tab.page, board);
    return tab;
  }

  /** Waits until the page shows `board`, live. */
  async function onBoard(page, board) {
    await page.waitForSelector(`.boards[data-board="${board}"] #board-${board}[aria-pressed="true"]`, { timeout: 5_000 });
    await waitSnapshot(page, (s) => s.board === board && s.topics.Task.status === 'live', 10_000, `board ${board} live`);
  }

  /** Records, on every animation frame (what is painted), the board the
   *  switcher shows and the titles in the list. */
  async function recordFrames(page) {
    await page.evaluate(() => {
      window.__frames = [];
      const sample = () => {
        const board = document.querySelector('.boards')?.dataset.board;
        const titles = [...document.querySelectorAll('#tasks .task__title')].map((t) => t.textContent);
        window.__frames.push({ board, titles });
        requestAnimationFrame(sample);
      };
      requestAnimationFrame(sample);
    });
  }

  const frames = (page) => page.evaluate(() => window.__frames);
  const row = (page, title) => page.locator('#tasks .task', { hasText: title });
  const entries = async (board) => (await server.query(`/topic?name=Task:${board}`)).entries;

  it('a task added on one board shows there only, follows a switch, and never shows after switching away', async () => {
    const [x, y] = ['design', 'ops'];
    const a = await open(x);
    const b = await open(y);
    // A task of y, so that switching back to y has something to show.
    const mine = `On ${y} ${Date.now()}`;
    await b.page.fill('#task-title', mine);
    await b.page.click('#task-add');
    await waitSnapshot(b.page, (s) => s.metrics.in_flight === 0 && Object.values(s.topics.Task.entries).some((t) => t.title === mine), 5_000, 'the ack on y');
    await recordFrames(b.page);

    const title = `On ${x} ${Date.now()}`;
    await a.page.fill('#task-title', title);
    await a.page.click('#task-add');
    await row(a.page, title).waitFor({ timeout: 1_000 });
    await waitSnapshot(a.page, (s) => s.metrics.in_flight === 0 && s, 5_000, 'the ack on x');
    const onX = Object.values(await entries(x)).map((t) => t.title);
    const onY = Object.values(await entries(y)).map((t) => t.title);
    assert.ok(onX.includes(title), `the server's ${x} board: ${onX}`);
    assert.ok(!onY.includes(title), `the server's ${y} board: ${onY}`);
    // B stays on y while the task is published on x: it never shows there.
    const second = `Also on ${x} ${Date.now()}`;
    await a.page.fill('#task-title', second);
    await a.page.click('#task-add');
    await waitSnapshot(a.page, (s) => s.metrics.in_flight === 0 && Object.keys(s.topics.Task.entries).length >= 2 && s, 5_000, 'the second ack on x');
    assert.ok((await frames(b.page)).length > 0, 'frames were sampled');
    assert.equal(await row(b.page, title).count(), 0);
    assert.equal(await row(b.page, second).count(), 0);

    // B switches to x and sees the task; the URL keeps the board.
    await b.page.click(`#board-${x}`);
    await row(b.page, title).waitFor({ timeout: 5_000 });
    await onBoard(b.page, x);
    assert.ok(b.page.url().includes(`board=${x}`), b.page.url());
    assert.equal(await row(b.page, mine).count(), 0, `${y}'s task on ${x}`);

    // And back to y: its own task, without a frame of x's.
    await b.page.click(`#board-${y}`);
    await row(b.page, mine).waitFor({ timeout: 5_000 });
    await onBoard(b.page, y);
    const painted = await frames(b.page);
    const stale = painted.filter(
      (f) => (f.board === y && (f.titles.includes(title) || f.titles.includes(second))) || (f.board === x && f.titles.includes(mine)),
    );
    assert.deepEqual(stale, [], 'a painted frame showed another board\'s tasks');
    assert.ok(painted.some((f) => f.board === x && f.titles.includes(title)), 'x was painted with its task');

    // A reload stays on the board.
    await b.page.reload();
    await waitConnection(b.page, true, 15_000);
    await onBoard(b.page, y);
    await row(b.page, mine).waitFor({ timeout: 5_000 });
    const subs = await server.query('/subscriptions');
    assert.deepEqual(
      [...new Set(subs.map((s) => s.topic).filter((t) => t.startsWith('Task')))].sort(),
      [`Task:${x}`, `Task:${y}`],
      'one topic per board, no parameterless Task',
    );
    a.assertClean();
    b.assertClean();
  });
});
