//! A throwaway `redis-server` for the tests: a child process on a free
//! 127.0.0.1 port, no config file, no persistence, killed on drop.
#![allow(dead_code)] // Each test binary uses a different subset.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

mod engines;
mod recorder;
#[allow(unused_imports)] // Each test binary uses a different subset.
pub use engines::{EngineKind, Node, TestEngine};
#[allow(unused_imports)] // Each test binary uses a different subset.
pub use recorder::Recorder;

/// How long `redis-server` may take to answer its first PING.
const START_DEADLINE: Duration = Duration::from_secs(10);

/// A running `redis-server`.
pub struct RedisServer {
    child: Child,
    port: u16,
}

impl RedisServer {
    /// Starts one on a free port. Panics with a clear message when
    /// `redis-server` is not installed (`scripts/setup` installs it): these
    /// tests never skip.
    pub fn start() -> Self {
        for _ in 0..5 {
            // `--port 0` would disable TCP in Redis: pick the port ourselves.
            let port = TcpListener::bind("127.0.0.1:0")
                .and_then(|l| l.local_addr())
                .expect("a free port")
                .port();
            if let Some(server) = Self::start_on(port) {
                return server;
            }
        }
        panic!("redis-server did not start on any of 5 free ports");
    }

    /// Starts one on `port` (again, after [`stop`](Self::stop)); None when
    /// it exited (the port was taken meanwhile).
    pub fn start_on(port: u16) -> Option<Self> {
        let spawned = Command::new("redis-server")
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn();
        let child = match spawned {
            Ok(child) => child,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => panic!(
                "redis-server is not installed: these tests need it (run scripts/setup, \
                 which installs the Debian package redis-server)"
            ),
            Err(e) => panic!("could not start redis-server: {e}"),
        };
        let mut server = Self { child, port };
        let deadline = Instant::now() + START_DEADLINE;
        while Instant::now() < deadline {
            if server.pong() {
                return Some(server);
            }
            if server.child.try_wait().ok().flatten().is_some() {
                return None;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        panic!("redis-server on port {port} did not answer PING within {START_DEADLINE:?}");
    }

    fn pong(&self) -> bool {
        let Ok(mut tcp) = TcpStream::connect(("127.0.0.1", self.port)) else {
            return false;
        };
        let mut answer = [0u8; 7];
        tcp.set_read_timeout(Some(Duration::from_secs(1))).is_ok()
            && tcp.write_all(b"PING\r\n").is_ok()
            && tcp.read_exact(&mut answer).is_ok()
            && &answer == b"+PONG\r\n"
    }

    /// Its port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Its URL for `RedisEngine::open`.
    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    /// A plain connection, for what the tests do behind the engine's back.
    pub async fn conn(&self) -> redis::aio::MultiplexedConnection {
        redis::Client::open(self.url())
            .expect("a valid URL")
            .get_multiplexed_async_connection()
            .await
            .expect("a connection to the test redis-server")
    }

    /// Kills it (all its data is gone); the port stays reserved for
    /// [`start_on`](Self::start_on) only by luck, so tests restart at once.
    pub fn stop(mut self) -> u16 {
        self.kill();
        self.port
    }

    fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.kill();
    }
}
