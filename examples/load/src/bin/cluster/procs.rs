//! The cluster's processes: one redis-server and the reference server nodes,
//! all children of this process and killed when dropped (also on a panic or
//! an error). Also the state the clients share: where the nodes listen, how
//! many clients each holds, and the violations seen.

use std::net::{SocketAddr, TcpListener};
use std::path::PathBuf;
use std::process::Stdio;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::Relaxed};
use std::time::Duration;

use leptos_sync_load::spawn::Server;
use redis::aio::MultiplexedConnection;
use tokio::process::{Child, Command};

/// What the clients and the fault injector share.
pub struct Shared {
    /// Where each node listens; None while it is down.
    addrs: Mutex<Vec<Option<SocketAddr>>>,
    /// Clients connected to each node now.
    pub on_node: Vec<AtomicUsize>,
    /// Set when the clients should end.
    pub stop: AtomicBool,
    violations: Mutex<Vec<String>>,
}

impl Shared {
    pub fn new(nodes: usize) -> Self {
        Self {
            addrs: Mutex::new(vec![None; nodes]),
            on_node: (0..nodes).map(|_| AtomicUsize::new(0)).collect(),
            stop: AtomicBool::new(false),
            violations: Mutex::new(Vec::new()),
        }
    }

    fn set(&self, node: usize, addr: Option<SocketAddr>) {
        self.addrs.lock().unwrap()[node] = addr;
    }

    /// A random live node, other than `avoid` when another is up.
    pub fn pick(&self, avoid: Option<usize>) -> Option<(usize, SocketAddr)> {
        let addrs = self.addrs.lock().unwrap();
        let up: Vec<_> = addrs
            .iter()
            .enumerate()
            .filter_map(|(i, a)| a.map(|a| (i, a)))
            .collect();
        let others: Vec<_> = up
            .iter()
            .copied()
            .filter(|(i, _)| Some(*i) != avoid)
            .collect();
        let from = if others.is_empty() { &up } else { &others };
        (!from.is_empty()).then(|| from[fastrand::usize(..from.len())])
    }

    /// Records a broken invariant.
    pub fn violation(&self, what: String) {
        eprintln!("VIOLATION {what}");
        self.violations.lock().unwrap().push(what);
    }

    pub fn violations(&self) -> Vec<String> {
        self.violations.lock().unwrap().clone()
    }

    pub fn stopping(&self) -> bool {
        self.stop.load(Relaxed)
    }
}

/// A free port on 127.0.0.1 (free when asked; Redis binds it right after).
fn free_port() -> Result<u16, String> {
    let listener = TcpListener::bind("127.0.0.1:0").map_err(|e| format!("no free port: {e}"))?;
    Ok(listener.local_addr().map_err(|e| e.to_string())?.port())
}

/// redis-server and the nodes.
pub struct Cluster {
    redis: Option<Child>,
    port: u16,
    server: PathBuf,
    nodes: Vec<Option<Server>>,
}

impl Cluster {
    /// Starts redis-server and `nodes` reference servers on it.
    pub async fn start(server: PathBuf, nodes: usize, shared: &Shared) -> Result<Self, String> {
        let mut cluster = Self {
            redis: None,
            port: free_port()?,
            server,
            nodes: (0..nodes).map(|_| None).collect(),
        };
        cluster.start_redis().await?;
        for i in 0..nodes {
            cluster.start_node(i, shared).await?;
        }
        Ok(cluster)
    }

    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    /// Starts redis-server (no persistence: a restart loses every key) and waits for its PING.
    pub async fn start_redis(&mut self) -> Result<(), String> {
        let port = self.port.to_string();
        let child = Command::new("redis-server")
            .args(["--port", &port, "--bind", "127.0.0.1", "--save", ""])
            .args(["--appendonly", "no", "--maxmemory-policy", "noeviction"])
            .stdout(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .map_err(|e| format!("cannot start redis-server (run scripts/setup): {e}"))?;
        self.redis = Some(child);
        let mut con = self.redis().await?;
        let _: String = redis::cmd("PING")
            .query_async(&mut con)
            .await
            .map_err(|e| format!("redis PING: {e}"))?;
        Ok(())
    }

    /// Kills redis-server (SIGKILL) and waits for it to be gone.
    pub async fn kill_redis(&mut self) {
        if let Some(mut child) = self.redis.take() {
            let _ = child.kill().await;
        }
    }

    /// A connection to Redis, retried for 10 s while it starts.
    pub async fn redis(&self) -> Result<MultiplexedConnection, String> {
        let client = redis::Client::open(self.url()).map_err(|e| e.to_string())?;
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        loop {
            match client.get_multiplexed_async_connection().await {
                Ok(con) => return Ok(con),
                Err(e) if tokio::time::Instant::now() > deadline => {
                    return Err(format!("redis-server on {}: {e}", self.port));
                }
                Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
            }
        }
    }

    /// Starts node `i` (`--redis URL --port 0`) and makes it pickable.
    pub async fn start_node(&mut self, i: usize, shared: &Shared) -> Result<(), String> {
        let url = self.url();
        let node = Server::start(&self.server, &["--redis", &url]).await?;
        let addr = node.addr;
        self.nodes[i] = Some(node);
        shared.set(i, Some(addr));
        Ok(())
    }

    /// SIGKILLs node `i`: no close frame, its sockets just end.
    pub async fn kill_node(&mut self, i: usize, shared: &Shared) {
        shared.set(i, None);
        if let Some(node) = self.nodes[i].take() {
            node.stop().await;
        }
    }
}
