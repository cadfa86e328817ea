'use strict';
// Three Redis nodes and two pages: page A behind a load balancer that
// prefers node 1, page B on node 2. They see each other's changes; the fault
// panel's "Kill this node" ends node 1, and page A resumes on another node
// from the history in Redis with nothing lost or doubled, its own queued
// change applied once.

const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const {
  RECONNECT_BOUND_MS,
  WS_FAILED,
  Server,
  launchBrowser,
  openPage,
  waitConnection,
  waitSnapshot,
  screenshot,
} = require('./harness');
const { Redis, Balancer } = require('./cluster');

/** What scripts/demo --nodes gives each node besides --redis. */
const NODE_ARGS = ['--heartbeat-ms', '5000'];
/** The exit code of /control/crash: what a shell reports for SIGKILL. */
const CRASH_EXIT = 137;

describe('three nodes on Redis', () => {
  let browser;
  let redis;
  const nodes = [];
  let balancer;
  const tabs = [];

  before(async () => {
    browser = await launchBrowser();
    redis = await Redis.start();
    for (let i = 0; i < 3; i++) nodes.push(await new Server(['--redis', redis.url, ...NODE_ARGS]).start());
    balancer = await Balancer.start(nodes.map((n) => n.port));
  });

  after(async () => {
    while (tabs.length) await tabs.pop().close();
    await browser?.close();
    await balancer?.close();
    for (const node of nodes) await node.kill();
    await redis?.stop();
  });

  async function open(origin) {
    const tab = await openPage(browser);
    tabs.push(tab);
    await tab.page.goto(`${origin}/`);
    await waitConnection(tab.page, true, 15_000);
    await tab.page.waitForSelector('#task-sub[data-status="live"]', { timeout: 10_000 });
    return tab;
  }

  /** The subscriptions of the default board (Task:main) each node serves (null: the node is down). */
  async function taskSubs() {
    return Promise.all(
      nodes.map(async (node) => {
        if (!node.child) return null;
        const stats = await node.query('/stats');
        return stats.subscriptions.filter((s) => s.topic === 'Task:main').length; // the default board
      }),
    );
  }

  async function add(tab, title) {
    await tab.page.fill('#task-title', title);
    await tab.page.click('#task-add');
  }

  const titles = (snap) => Object.values(snap.topics.Task.entries).map((t) => t.title).sort();
  const shown = (page) => page.locator('#tasks .task .task__title').allTextContents();

  it("page A resumes on another node after its node is killed, with B's changes once each", async () => {
    const a = await open(balancer.origin);
    const b = await open(nodes[1].origin);
    assert.deepEqual(await taskSubs(), [1, 1, 0], 'A on node 1, B on node 2');

    // Each sees the other's change through Redis.
    await add(a, 'from A');
    await add(b, 'from B');
    const both = ['from A', 'from B'];
    for (const tab of [a, b]) {
      await waitSnapshot(tab.page, (s) => titles(s).join() === both.join() && s, 5_000, 'both tasks');
    }
    await waitSnapshot(a.page, (s) => s.metrics.in_flight === 0 && s, 5_000, "A's ack");

    // The fault panel kills node 1; the balancer fails over only once B's
    // changes made meanwhile are acked.
    a.allow(WS_FAILED);
    const exited = new Promise((r) => nodes[0].child.once('exit', (code) => r(code)));
    balancer.hold();
    await a.page.click('#fault-kill-node');
    await a.page.waitForFunction(
      () => /^Kill this node: .*"crashing":true/.test(document.querySelector('#fault-result')?.textContent ?? ''),
      null,
      { timeout: 5_000 },
    );
    assert.equal(await exited, CRASH_EXIT);
    await waitConnection(a.page, false, 5_000);
    const during = ['during 1', 'during 2', 'during 3'];
    for (const title of during) await add(b, title);
    await add(a, 'queued in A'); // optimistic; sent once A is back, to another node
    await waitSnapshot(b.page, (s) => s.metrics.in_flight === 0 && titles(s).length === 5 && s, 5_000, "B's acks");
    balancer.release();

    // Back on node 2 or 3, resumed from the history in Redis.
    await waitConnection(a.page, true, RECONNECT_BOUND_MS);
    await a.page.waitForSelector('#task-sub[data-status="live"][data-recovered="true"]', { timeout: 10_000 });
    const subs = await taskSubs();
    assert.equal(subs[0], null, 'node 1 is down');
    assert.equal(subs[1] + subs[2], 2, `A and B on nodes 2 and 3: ${subs}`);

    const after = ['after 1', 'after 2'];
    for (const title of after) await add(b, title);
    const want = [...both, ...during, 'queued in A', ...after].sort();
    for (const tab of [a, b]) {
      const snap = await waitSnapshot(
        tab.page,
        (s) => s.metrics.in_flight === 0 && titles(s).join() === want.join() && s,
        10_000,
        'every task',
      );
      assert.equal(snap.topics.Task.status, 'live');
      // Nothing doubled on screen either: each title in one row.
      await tab.page.waitForFunction((n) => document.querySelectorAll('#tasks .task').length === n, want.length, {
        timeout: 5_000,
      });
      assert.deepEqual((await shown(tab.page)).map((t) => t.trim()).sort(), want);
    }
    // What Redis holds, read through a surviving node.
    const topic = await nodes[2].query('/topic?name=Task:main');
    assert.deepEqual(Object.values(topic.entries).map((t) => t.title).sort(), want);
    await screenshot(a.page, 'cluster-after-kill');
    a.assertClean();
    b.assertClean();
  });
});
