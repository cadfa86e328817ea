'use strict';
// What the multi-node e2e test runs besides the nodes: a throwaway
// redis-server and a small TCP load balancer in front of the nodes.

const { spawn } = require('node:child_process');
const net = require('node:net');
const assert = require('node:assert/strict');

/** How long redis-server may take to answer its first PING. */
const REDIS_START_MS = 10_000;

/** A free 127.0.0.1 port (Redis's `--port 0` would disable TCP). */
function freePort() {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

/** True when something on 127.0.0.1:`port` answers PING with PONG. */
function pong(port) {
  return new Promise((resolve) => {
    const sock = net.connect(port, '127.0.0.1');
    let got = '';
    const done = (ok) => {
      sock.destroy();
      resolve(ok);
    };
    sock.setTimeout(1_000, () => done(false));
    sock.once('error', () => done(false));
    sock.once('connect', () => sock.write('PING\r\n'));
    sock.on('data', (d) => {
      got += d;
      if (got.includes('\r\n')) done(got.startsWith('+PONG'));
    });
  });
}

/** A redis-server child on a free port, no config file, no persistence. */
class Redis {
  /** Starts one; fails with a clear message when redis-server is missing. */
  static async start() {
    for (let tries = 0; tries < 5; tries++) {
      const redis = new Redis(await freePort());
      if (await redis.#spawn()) return redis;
    }
    throw new Error('redis-server did not start on any of 5 free ports');
  }

  constructor(port) {
    this.port = port;
    this.child = null;
  }

  get url() {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** Resolves true once it answers, false when it exited (the port was taken). */
  async #spawn() {
    const args = ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'];
    const child = spawn('redis-server', [...args, '--maxmemory-policy', 'noeviction'], { stdio: 'ignore' });
    this.child = child;
    let exited = false;
    const spawned = new Promise((resolve, reject) => {
      child.once('spawn', resolve);
      child.once('error', (e) =>
        reject(e.code === 'ENOENT' ? new Error('redis-server is not installed: run scripts/setup') : e),
      );
    });
    child.once('exit', () => {
      exited = true;
    });
    await spawned;
    const deadline = Date.now() + REDIS_START_MS;
    while (Date.now() < deadline) {
      if (await pong(this.port)) return true;
      if (exited) return false;
      await new Promise((r) => setTimeout(r, 20));
    }
    child.kill('SIGKILL');
    throw new Error(`redis-server on port ${this.port} did not answer PING within ${REDIS_START_MS} ms`);
  }

  async stop() {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await exited;
  }
}

/**
 * A TCP load balancer on a free port: each connection goes to the first of
 * `ports` that accepts it, so a client whose node is gone lands on the next
 * one, as behind a real balancer. The client keeps the balancer's URL.
 */
class Balancer {
  static async start(ports) {
    const balancer = new Balancer(ports);
    await new Promise((resolve, reject) => {
      balancer.server.once('error', reject);
      balancer.server.listen(0, '127.0.0.1', resolve);
    });
    return balancer;
  }

  constructor(ports) {
    assert.ok(ports.length > 0, 'a balancer needs a backend');
    this.ports = ports;
    this.open = new Set();
    this.held = false;
    this.server = net.createServer((client) => this.#route(client));
  }

  get origin() {
    return `http://127.0.0.1:${this.server.address().port}`;
  }

  /** Until `release`, new connections go to the first backend only, and
   *  fail when it is down: a failover that has not happened yet. */
  hold() {
    this.held = true;
  }

  release() {
    this.held = false;
  }

  #route(client) {
    const ports = this.held ? this.ports.slice(0, 1) : this.ports;
    this.open.add(client);
    client.once('close', () => this.open.delete(client));
    client.on('error', () => client.destroy());
    client.pause();
    const tryFrom = (i) => {
      if (i >= ports.length || client.destroyed) {
        client.destroy(); // no backend: the client sees the connection fail
        return;
      }
      const upstream = net.connect(ports[i], '127.0.0.1');
      let connected = false;
      upstream.on('error', () => {
        upstream.destroy();
        if (!connected) tryFrom(i + 1); // refused: the next backend
      });
      upstream.once('connect', () => {
        connected = true;
        // A backend that dies cuts its clients without a close frame.
        upstream.once('close', () => client.destroy());
        client.once('close', () => upstream.destroy());
        upstream.pipe(client);
        client.pipe(upstream);
      });
    };
    tryFrom(0);
  }

  async close() {
    for (const sock of this.open) sock.destroy();
    await new Promise((r) => this.server.close(r));
  }
}

module.exports = { Redis, Balancer };
