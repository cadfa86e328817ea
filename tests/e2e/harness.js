'use strict';
// Test harness for the end-to-end tier: runs the reference server as a child
// process (so it can be SIGKILLed and restarted on the same port) and drives
// the Trunk-built demo in headless Chromium through playwright-core.
//
// Environment:
//   LEPTOS_SYNC_SERVER_BIN  path to the leptos-sync-server binary
//                           (default: the newer of target/release and target/debug)
//   LEPTOS_SYNC_DIST        the built demo (default: dist/ at the repo root)
//   CHROMIUM                the browser (default: /usr/bin/chromium)
//   E2E_HEADED=1            show the browser

const { spawn } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const readline = require('node:readline');
const assert = require('node:assert/strict');
const { chromium } = require('playwright-core');

const ROOT = path.resolve(__dirname, '..', '..');
const SCREENSHOTS = path.join(__dirname, 'screenshots');

/** Reconnect policy of the library's default: full jitter, initial 500 ms, cap 5 s. */
const BACKOFF = { initialMs: 500, capMs: 5_000 };
/** The longest a reconnect may take once the server is back: one capped delay
 *  (jitter applied after the cap, plus the floor) and some slack for the
 *  handshake on a slow machine. */
const RECONNECT_BOUND_MS = BACKOFF.initialMs + BACKOFF.capMs + 5_000;

function serverBin() {
  if (process.env.LEPTOS_SYNC_SERVER_BIN) return path.resolve(process.env.LEPTOS_SYNC_SERVER_BIN);
  const target = path.resolve(ROOT, process.env.CARGO_TARGET_DIR || 'target');
  // The most recently built of the release and debug binaries.
  const built = ['release', 'debug']
    .map((profile) => path.join(target, profile, 'leptos-sync-server'))
    .filter((p) => fs.existsSync(p))
    .sort((a, b) => fs.statSync(b).mtimeMs - fs.statSync(a).mtimeMs);
  if (built.length === 0) {
    throw new Error('leptos-sync-server not built: run `cargo build -p leptos-sync-reference-server` or set LEPTOS_SYNC_SERVER_BIN');
  }
  return built[0];
}

function distDir() {
  const dir = path.resolve(process.env.LEPTOS_SYNC_DIST || path.join(ROOT, 'dist'));
  if (!fs.existsSync(path.join(dir, 'index.html'))) {
    throw new Error(`the demo is not built in ${dir}: run \`trunk build --release --skip-version-check\``);
  }
  return dir;
}

/** The browser's own console error for a WebSocket that failed to connect
 *  (refused, offline, or died in the handshake): expected while the server is
 *  down, so tests that take it down `allow` it. */
const WS_FAILED = /WebSocket connection to 'ws:\/\/127\.0\.0\.1:\d+\/ws[^']*' failed/;

const LISTENING = /^leptos-sync-server listening on (\S+):(\d+)\s*$/;
const live = new Set();
process.on('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

/** The reference server as a child process. */
class Server {
  constructor(extraArgs = []) {
    this.extraArgs = extraArgs;
    this.port = 0;
    this.child = null;
    this.log = [];
  }

  get origin() {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Starts the server (on its previous port after a kill); resolves once it listens. */
  async start({ timeoutMs = 30_000 } = {}) {
    assert.equal(this.child, null, 'server already running');
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      try {
        await this.#spawn(deadline - Date.now());
        return this;
      } catch (e) {
        // The same port may still be held for a moment after a kill.
        if (this.port !== 0 && /in use/i.test(String(e.message)) && Date.now() + 200 < deadline) {
          await sleep(200);
          continue;
        }
        throw e;
      }
    }
  }

  #spawn(timeoutMs) {
    const args = ['--port', String(this.port), '--static', distDir(), '--control', ...this.extraArgs];
    const child = spawn(serverBin(), args, { stdio: ['ignore', 'pipe', 'pipe'] });
    live.add(child);
    this.child = child;
    const stderr = [];
    child.stderr.on('data', (d) => {
      stderr.push(String(d));
      this.log.push(String(d));
    });
    return new Promise((resolve, reject) => {
      let settled = false;
      const timer = setTimeout(
        () => fail(`server did not print its listening line within ${timeoutMs} ms`),
        Math.max(timeoutMs, 1),
      );
      const fail = (msg) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        this.#forget(child);
        child.kill('SIGKILL');
        reject(new Error(`${msg}\nserver stderr:\n${stderr.join('')}`));
      };
      readline.createInterface({ input: child.stdout }).on('line', (line) => {
        this.log.push(line);
        const m = LISTENING.exec(line);
        if (m && !settled) {
          settled = true;
          clearTimeout(timer);
          this.port = Number(m[2]);
          resolve();
        }
      });
      child.once('error', (e) => fail(`cannot start ${serverBin()}: ${e.message}`));
      child.once('exit', (code, signal) => {
        // Let stderr drain so "address in use" reaches the message.
        setTimeout(() => fail(`server exited (code ${code}, signal ${signal}) before listening`), 50);
        if (settled) this.#forget(child);
      });
    });
  }

  #forget(child) {
    live.delete(child);
    if (this.child === child) this.child = null;
  }

  /** SIGKILLs the server: no close frames, sockets just die. */
  async kill() {
    const child = this.child;
    if (!child) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
    this.#forget(child);
  }

  /** Kills and starts again on the same port. */
  async restart() {
    await this.kill();
    return this.start();
  }

  /** GETs a control endpoint as JSON, e.g. `query('/stats')`. */
  async query(endpoint) {
    const res = await fetch(`${this.origin}/control${endpoint}`);
    assert.ok(res.ok, `control ${endpoint}: HTTP ${res.status}`);
    return res.json();
  }

  /** POSTs to a control endpoint, e.g. `control('/drop')`. */
  async control(endpoint, body) {
    const res = await fetch(`${this.origin}/control${endpoint}`, { method: 'POST', body });
    assert.ok(res.ok, `control ${endpoint}: HTTP ${res.status}`);
    return res.json();
  }
}

function sleep(ms) {
  return new Promise((r) => setTimeout(r, ms));
}

/** Launches headless Chromium with the flags this project's machines need. */
async function launchBrowser() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: process.env.E2E_HEADED !== '1',
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-dev-shm-usage',
    ],
  });
}

/** Launches the browser and starts a reference server with `serverArgs`:
 *  what the tests of a `describe` share (its `before` hook). */
async function startSuite(serverArgs = []) {
  const browser = await launchBrowser();
  try {
    return { browser, server: await new Server(serverArgs).start() };
  } catch (e) {
    await browser.close();
    throw e;
  }
}

/** Ends what `startSuite` started (its `after` hook); either may be missing. */
async function stopSuite({ browser, server }) {
  await browser?.close();
  await server?.kill();
}

/**
 * Opens a page that records every page error and console error.
 * `allow` lists console messages a test expects (e.g. the browser's own
 * "WebSocket connection ... failed" while the server is down); anything else
 * fails the test in `assertClean`.
 */
async function openPage(browser, { viewport = { width: 1024, height: 720 } } = {}) {
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  const problems = [];
  const allowed = [];
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.stack || e.message}`));
  page.on('console', (msg) => {
    if (msg.type() !== 'error') return;
    const text = msg.text();
    if (allowed.some((re) => re.test(text))) return;
    problems.push(`console.error: ${text}`);
  });
  page.on('crash', () => problems.push('page crashed'));
  return {
    page,
    context,
    problems,
    allow(re) {
      allowed.push(re);
    },
    assertClean() {
      assert.deepEqual(problems, [], `the page reported errors:\n${problems.join('\n')}`);
    },
    close: () => context.close(),
  };
}

/** Waits until `#connection-state[data-open]` has the wanted value; returns its text. */
async function waitConnection(page, open, timeoutMs) {
  const sel = `#connection-state[data-open="${open}"]`;
  try {
    await page.waitForSelector(sel, { timeout: timeoutMs });
  } catch (e) {
    const now = await page.locator('#connection-state').textContent().catch(() => '(missing)');
    throw new Error(`connection did not become ${open ? 'open' : 'not open'} within ${timeoutMs} ms (state: ${now})`);
  }
  return page.locator('#connection-state').textContent();
}

/** The demo's JSON snapshot of the client (`<script id="sync-debug">`):
 *  state, online, ready_state, metrics, last_error, topics{status, recovered, entries}. */
async function debugSnapshot(page) {
  return JSON.parse(await page.locator('#sync-debug').textContent());
}

/** Polls `check(snapshot)` until it returns a truthy value (returned) or the deadline passes. */
async function waitSnapshot(page, check, timeoutMs, what = 'condition') {
  const deadline = Date.now() + timeoutMs;
  let last;
  for (;;) {
    last = await debugSnapshot(page);
    const value = check(last);
    if (value) return value;
    if (Date.now() > deadline) {
      throw new Error(`${what} not reached within ${timeoutMs} ms; last snapshot: ${JSON.stringify(last)}`);
    }
    await sleep(50);
  }
}

async function screenshot(page, name) {
  fs.mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

module.exports = {
  BACKOFF,
  RECONNECT_BOUND_MS,
  WS_FAILED,
  Server,
  serverBin,
  launchBrowser,
  startSuite,
  stopSuite,
  openPage,
  waitConnection,
  debugSnapshot,
  waitSnapshot,
  screenshot,
  sleep,
};
