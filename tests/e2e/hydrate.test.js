'use strict';
// SSR + hydrate (examples/hydrate): the example's axum server renders the
// widgets and a live list in their initial state, the browser hydrates that
// HTML without a mismatch, and only then connects to the reference server.
//
// Environment (defaults: what `scripts/test e2e` builds):
//   LEPTOS_SYNC_HYDRATE_BIN  the example's server (target/debug/leptos-sync-hydrate)
//   LEPTOS_SYNC_HYDRATE_PKG  its wasm-bindgen output, built with --features hydrate
//                            (target/hydrate-pkg)
//   LEPTOS_SYNC_SERVER_BIN   the reference server (see harness.js)

const { describe, it, before, after, afterEach } = require('node:test');
const assert = require('node:assert/strict');
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const readline = require('node:readline');
const { launchBrowser, openPage, serverBin } = require('./harness');

const ROOT = path.resolve(__dirname, '..', '..');
const TARGET = path.resolve(ROOT, process.env.CARGO_TARGET_DIR || 'target');
const HYDRATE_BIN = path.resolve(process.env.LEPTOS_SYNC_HYDRATE_BIN || path.join(TARGET, 'debug', 'leptos-sync-hydrate'));
const HYDRATE_PKG = path.resolve(process.env.LEPTOS_SYNC_HYDRATE_PKG || path.join(TARGET, 'hydrate-pkg'));
const BUILD_HINT = 'run `scripts/test e2e`, or see its hydrate_example step';

/** How leptos 0.8 reports a hydration mismatch (tachys's hydration.rs logs
 *  "A hydration error occurred …" and panics "Unrecoverable hydration error"),
 *  and its warning for a hydrate call without the feature. */
const HYDRATION_PROBLEM = /hydrat/i;
const HYDRATE_LISTENING = /^leptos-sync-hydrate listening on (\S+)\s*$/;

/** Spawns `bin args`, resolves with the child and the address of its first
 *  stdout line that matches `listening` (group 1), within 30 s. */
function spawnListening(bin, args, listening) {
  const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const output = [];
  child.stderr.on('data', (d) => output.push(String(d)));
  return new Promise((resolve, reject) => {
    const fail = (why) => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(new Error(`${path.basename(bin)}: ${why}\n${output.join('')}`));
    };
    const timer = setTimeout(() => fail('no listening line within 30 s'), 30_000);
    child.once('error', (e) => fail(e.message));
    child.once('exit', (code) => fail(`exited with ${code} before listening`));
    readline.createInterface({ input: child.stdout }).on('line', (line) => {
      output.push(`${line}\n`);
      const m = listening.exec(line);
      if (m) {
        clearTimeout(timer);
        child.removeAllListeners('exit');
        resolve({ child, addr: m[1] });
      }
    });
  });
}

/** The server-rendered page's `<body>` contents. */
function bodyOf(html) {
  const m = /<body>([\s\S]*)<\/body>/.exec(html);
  assert.ok(m, `no <body> in the server's page:\n${html}`);
  return m[1];
}

describe('SSR + hydrate', () => {
  let sync;
  let site;
  let browser;
  let tab;
  let origin;
  let syncUrl;

  before(async () => {
    for (const [what, p] of [['the hydrate example server', HYDRATE_BIN], ['its wasm', path.join(HYDRATE_PKG, 'leptos_sync_example_hydrate_bg.wasm')]]) {
      assert.ok(fs.existsSync(p), `${what} is not built (${p}): ${BUILD_HINT}`);
    }
    sync = await spawnListening(serverBin(), ['--port', '0', '--demo-data'], /^leptos-sync-server listening on (\S+)\s*$/);
    syncUrl = `ws://${sync.addr}/ws`;
    site = await spawnListening(
      HYDRATE_BIN,
      ['--port', '0', '--sync-url', syncUrl, '--pkg', HYDRATE_PKG],
      HYDRATE_LISTENING,
    );
    origin = `http://${site.addr}`;
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
    for (const server of [site, sync]) server?.child.kill('SIGKILL');
  });

  afterEach(() => tab?.close());

  /** Opens a page that records every console message (all levels) besides
   *  the harness's errors, and remembers the server-rendered <header> node
   *  so a test can tell hydration (the node kept) from a re-render. */
  async function open({ offline = false } = {}) {
    tab = await openPage(browser);
    const messages = [];
    tab.page.on('console', (msg) => messages.push(`${msg.type()}: ${msg.text()}`));
    if (offline) {
      // The browser says it is offline while the page itself still loads.
      await tab.page.addInitScript(() => {
        Object.defineProperty(Navigator.prototype, 'onLine', { get: () => false });
      });
    }
    await tab.page.addInitScript(() => {
      document.addEventListener('DOMContentLoaded', () => {
        window.__ssrHeader = document.querySelector('header');
      });
    });
    return messages;
  }

  /** The body the example server at `at` renders now. */
  async function serverBody(at) {
    return bodyOf(await (await fetch(`${at}/`)).text());
  }

  /** The client's first frame of the App, built in the open page by the
   *  already loaded wasm (`first_frame_html`, never connected), and the
   *  server's body, both as the page's DOM serialises them with leptos's
   *  marker comments left out and attributes sorted: `{ client, server }`. */
  async function firstFrames(url, at) {
    const server = await serverBody(at);
    return tab.page.evaluate(
      async ({ url, server }) => {
        const normal = (html) => {
          const t = document.createElement('template');
          t.innerHTML = html;
          const walk = document.createTreeWalker(t.content, NodeFilter.SHOW_COMMENT | NodeFilter.SHOW_ELEMENT);
          const comments = [];
          while (walk.nextNode()) {
            const node = walk.currentNode;
            if (node.nodeType === Node.COMMENT_NODE) {
              comments.push(node);
              continue;
            }
            const attrs = [...node.attributes].map((a) => [a.name, a.value]).sort();
            for (const [name] of attrs) node.removeAttribute(name);
            for (const [name, value] of attrs) node.setAttribute(name, value);
          }
          for (const c of comments) c.remove();
          t.content.normalize();
          return t.innerHTML;
        };
        const wasm = await import('/pkg/leptos_sync_example_hydrate.js');
        return { client: normal(wasm.first_frame_html(url)), server: normal(server) };
      },
      { url, server },
    );
  }

  /** The client's first frame for `url` is the server's at `at` (by default the suite's). */
  async function assertFirstFrameIsTheServers(url = syncUrl, at = origin) {
    const { client, server } = await firstFrames(url, at);
    assert.ok(server.includes('ls-indicator--idle'), server);
    assert.equal(client, server, "the client's first frame differs from the server's HTML");
  }

  /** Waits for `selector`; a timeout says what the page reported meanwhile. */
  async function waitFor(selector, messages) {
    try {
      await tab.page.waitForSelector(selector, { timeout: 30_000 });
    } catch (e) {
      const seen = [...tab.problems, ...messages].join('\n');
      throw new Error(`${selector} did not appear within 30 s; the page reported:\n${seen}`, { cause: e });
    }
  }

  /** No page error, no console error, and no hydration message at any level. */
  function assertHydratedCleanly(messages) {
    tab.assertClean();
    const hydration = messages.filter((m) => HYDRATION_PROBLEM.test(m));
    assert.deepEqual(hydration, [], 'leptos reported a hydration problem');
  }

  it('the server renders the widgets in their initial state, with the hydration scripts', async () => {
    const res = await fetch(`${origin}/`);
    assert.equal(res.status, 200);
    const html = await res.text();
    const body = bodyOf(html);
    // The reconnect banner shows only while (re)connecting or offline.
    assert.match(body, /<span role="status" aria-label="Not connected" title="Not connected" class="ls-indicator ls-indicator--idle">/);
    assert.match(body, /<span class="ls-indicator__text">Not connected<\/span>/);
    assert.match(body, /<div class="ls-status-bar ls-status-bar--idle"><span class="ls-status-bar__state">Not connected<\/span>/);
    assert.match(body, /<ul class="ticker"><!><\/ul><p class="ticker__count">0 symbols, pending<\/p>/);
    assert.doesNotMatch(body, /ls-error-banner|ls-reconnect-banner|ticker__row/);
    assert.ok(html.includes(`<meta name="leptos-sync-url" content="${syncUrl}">`), html);
    assert.match(html, /mod\.hydrate\(\)/);
    assert.match(html, /<style id="leptos-sync-widgets">/);
  });

  it('hydrates without a mismatch, then connects and shows live entries', async () => {
    const messages = await open();
    const sockets = [];
    tab.page.on('websocket', (ws) => sockets.push(ws.url()));
    await tab.page.goto(`${origin}/`);
    await waitFor('.ls-indicator.ls-indicator--open', messages);
    assertHydratedCleanly(messages);
    assert.equal((await tab.page.locator('.ls-indicator__text').textContent()).trim(), 'Connected');
    await waitFor('.ticker__row', messages);
    assert.match(await tab.page.locator('.ticker__count').textContent(), /^[1-9]\d* symbols, live$/);
    assert.ok(
      await tab.page.evaluate(() => document.querySelector('header') === window.__ssrHeader),
      'the server-rendered <header> was replaced: the client re-rendered instead of hydrating',
    );
    assert.deepEqual(sockets, [syncUrl], 'one socket, to the URL the server rendered');

    // Leptos keeps a text or attribute that differs without a word: compare
    // the client's own first frame, rendered in this page, with the server's.
    await assertFirstFrameIsTheServers();
    assert.deepEqual(sockets, [syncUrl], 'rendering a first frame opened no socket');
    assertHydratedCleanly(messages);
  });

  it('a browser that starts offline hydrates the server HTML, then says Offline', async () => {
    const messages = await open({ offline: true });
    await tab.page.goto(`${origin}/`);
    // Read after hydration: a client that rendered "Offline" during hydration
    // would have left the server's "Not connected" in the DOM for good.
    await waitFor('.ls-indicator.ls-indicator--offline', messages);
    assertHydratedCleanly(messages);
    assert.equal((await tab.page.locator('.ls-indicator__text').textContent()).trim(), 'Offline');
    assert.equal((await tab.page.locator('.ls-status-bar__state').textContent()).trim(), 'Offline');
    assert.ok(await tab.page.evaluate(() => document.querySelector('header') === window.__ssrHeader));
    await assertFirstFrameIsTheServers();
    assertHydratedCleanly(messages);
  });

  it('a bad URL hydrates the server HTML, then shows its typed error', async () => {
    const bad = 'ftp://127.0.0.1/ws';
    const other = await spawnListening(HYDRATE_BIN, ['--port', '0', '--sync-url', bad, '--pkg', HYDRATE_PKG], HYDRATE_LISTENING);
    try {
      const at = `http://${other.addr}`;
      const messages = await open();
      await tab.page.goto(`${at}/`);
      // The server cannot know the URL is bad: rendered during hydration,
      // the banner would be an element where the server put none.
      await waitFor('.ls-error-banner', messages);
      assertHydratedCleanly(messages);
      assert.match(await tab.page.locator('.ls-error-banner').textContent(), /ftp/);
      await waitFor('.ls-indicator.ls-indicator--failed', messages);
      await assertFirstFrameIsTheServers(bad, at);
      assertHydratedCleanly(messages);
    } finally {
      other.child.kill('SIGKILL');
    }
  });
});
