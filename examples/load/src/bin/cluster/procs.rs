//! The cluster's processes: one redis-server and the reference server nodes,
//! all children of this process and killed when dropped (also on a panic or
//! an error). Also the state the clients share: where the nodes listen, how
//! many clients each holds, and the violations seen.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::Relaxed};

use leptos_sync_load::redis::Redis;
use leptos_sync_load::spawn::Server;
use redis::aio::MultiplexedConnection;

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

/// redis-server and the nodes.
pub struct Cluster {
    redis: Redis,
    server: PathBuf,
    nodes: Vec<Option<Server>>,
}

impl Cluster {
    /// Starts redis-server and `nodes` reference servers on it.
    pub async fn start(server: PathBuf, nodes: usize, shared: &Shared) -> Result<Self, String> {
        let mut cluster = Self {
            redis: Redis::start().await?,
            server,
            nodes: (0..nodes).map(|_| None).collect(),
        };
        for i in 0..nodes {
            cluster.start_node(i, shared).await?;
        }
        Ok(cluster)
    }

    /// Starts redis-server again on its port (no persistence: it comes back empty).
    pub async fn start_redis(&mut self) -> Result<(), String> {
        self.redis.restart().await
    }

    /// Kills redis-server (SIGKILL) and waits for it to be gone.
    pub async fn kill_redis(&mut self) {
        self.redis.kill().await;
    }

    /// A connection to Redis, retried for 10 s while it starts.
    pub async fn redis(&self) -> Result<MultiplexedConnection, String> {
        self.redis.connect().await
    }

    /// Starts node `i` (`--redis URL --port 0`) and makes it pickable.
    pub async fn start_node(&mut self, i: usize, shared: &Shared) -> Result<(), String> {
        let url = self.redis.url();
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
