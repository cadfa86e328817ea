//! [`SyncServer`]: the protocol server an application builds, mounts and
//! publishes through.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use axum::Router;
use axum::routing::get;
use axum::serve::ListenerExt;
use serde_json::Value;
use tokio::net::{TcpListener, ToSocketAddrs};
use tokio::sync::Semaphore;

#[cfg(feature = "control")]
use crate::MemoryEngine;
use crate::engine::{Engine, EngineError, TopicState};
use crate::fanout::{ConnId, Fanout};
use crate::hooks::Hooks;
use crate::lifecycle::Lifecycle;
use crate::{Config, ws};

mod builder;
mod requests;
mod running;

pub use builder::SyncServerBuilder;
pub use running::Server;

/// Shared state of one server: what every connection task and handler sees.
pub(crate) struct App {
    pub(crate) engine: Arc<dyn Engine>,
    pub(crate) fanout: Arc<Fanout>,
    /// The connections past their handshake, for server events.
    pub(crate) conns: Arc<crate::events::Connections>,
    pub(crate) config: Config,
    pub(crate) hooks: Hooks,
    /// The topic lifecycle hooks, and the loading of missing topics.
    pub(crate) lifecycle: Arc<Lifecycle>,
    /// Request handlers, and the responses kept for replays.
    pub(crate) requests: crate::requests::Requests,
    /// Per-process nonce, so session ids differ across restarts.
    pub(crate) boot: u64,
    /// The last connection id handed out.
    last_conn: AtomicU64,
    /// One permit per connection being served, up to `config.max_connections`.
    pub(crate) connections: Arc<Semaphore>,
    pub(crate) shutdown: crate::shutdown::Shutdown,
    /// New sessions a second, and the slots of the connections shed beyond.
    pub(crate) admission: crate::admission::Slots,
    /// The engine's [`Readiness`](crate::Readiness), if it can be away.
    pub(crate) readiness: Option<tokio::sync::watch::Receiver<crate::Readiness>>,
    /// The engine, when it is the in-memory one the control API can reach into.
    #[cfg(feature = "control")]
    pub(crate) memory: Option<Arc<MemoryEngine>>,
    #[cfg(feature = "control")]
    pub(crate) monitor: crate::monitor::Monitor,
    #[cfg(feature = "control")]
    pub(crate) chaos: crate::chaos::Chaos,
}

impl App {
    pub(crate) fn next_conn_id(&self) -> ConnId {
        self.last_conn.fetch_add(1, Ordering::Relaxed) + 1
    }
}

/// The leptos-sync protocol server: mount its [`router`](Self::router) in
/// your axum app, or [`serve`](Self::serve) it on its own. Cloning is cheap
/// and every clone is the same server.
///
/// ```no_run
/// use axum::{Router, routing::get};
/// use leptos_sync_server::SyncServer;
/// # async fn demo() -> std::io::Result<()> {
/// let sync = SyncServer::builder().heartbeat_ms(15_000).build();
/// let app = Router::new()
///     .route("/health", get(|| async { "ok" }))
///     .merge(sync.router()); // the protocol at /ws
/// let listener = tokio::net::TcpListener::bind("127.0.0.1:8080").await?;
/// axum::serve(listener, app).await
/// # }
/// ```
#[derive(Clone)]
pub struct SyncServer {
    pub(crate) app: Arc<App>,
}

impl SyncServer {
    /// A builder with the defaults of [`Config::default`] and a
    /// [`MemoryEngine`](crate::MemoryEngine).
    ///
    /// ```
    /// use leptos_sync_server::SyncServer;
    /// let sync = SyncServer::builder().build(); // every default
    /// # let _ = sync;
    /// ```
    pub fn builder() -> SyncServerBuilder {
        SyncServerBuilder::default()
    }

    /// The routes to merge into an application's `Router`: the protocol at
    /// `/ws` (and, with the `control` feature and option, `/control`).
    ///
    /// ```no_run
    /// use leptos_sync_server::SyncServer;
    /// # async fn demo() -> std::io::Result<()> {
    /// let sync = SyncServer::builder().build();
    /// let app = axum::Router::new().nest("/sync", sync.router()); // ws://…/sync/ws
    /// let listener = tokio::net::TcpListener::bind("127.0.0.1:8080").await?;
    /// axum::serve(listener, app).await
    /// # }
    /// ```
    pub fn router(&self) -> Router {
        let router = Router::new().route("/ws", get(ws::upgrade));
        #[cfg(feature = "control")]
        let router = if self.app.config.control {
            router.nest("/control", crate::control::router())
        } else {
            router
        };
        router.with_state(self.app.clone())
    }

    /// Applies `key = value` to `topic` from the application (an HTTP
    /// handler, a background job): subscribers get an `update`, and history
    /// and recovery cover it like any mutation. Returns its seq. A topic
    /// that does not exist yet is first loaded by the
    /// [`load_topic`](SyncServerBuilder::load_topic) hook, if there is one.
    ///
    /// ```
    /// use leptos_sync_server::SyncServer;
    /// use serde_json::json;
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let sync = SyncServer::builder().build();
    /// let seq = sync.publish("Ticker", "ACME", json!({ "price": 101.5 })).await.unwrap();
    /// assert_eq!(seq, 1);
    /// let ticker = sync.topic("Ticker").await.unwrap().unwrap();
    /// assert_eq!(ticker.entries["ACME"]["price"], 101.5);
    /// # }
    /// ```
    pub async fn publish(&self, topic: &str, key: &str, value: Value) -> Result<u64, EngineError> {
        let applied = self.app.apply(topic, None, key, value).await?;
        Ok(applied.seq)
    }

    /// Removes `key` from `topic` (an `update` with a null value); returns its seq.
    ///
    /// ```
    /// use leptos_sync_server::SyncServer;
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let sync = SyncServer::builder().build();
    /// sync.publish("Ticker", "ACME", 101.into()).await.unwrap();
    /// assert_eq!(sync.remove("Ticker", "ACME").await.unwrap(), 2);
    /// assert!(sync.topic("Ticker").await.unwrap().unwrap().entries.is_empty());
    /// # }
    /// ```
    pub async fn remove(&self, topic: &str, key: &str) -> Result<u64, EngineError> {
        self.publish(topic, key, Value::Null).await
    }

    /// The current state of a topic, if it exists (a read: it loads nothing).
    ///
    /// ```
    /// use leptos_sync_server::SyncServer;
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let sync = SyncServer::builder().build();
    /// assert!(sync.topic("Chat").await.unwrap().is_none());
    /// sync.publish("Chat", "m1", "hi".into()).await.unwrap();
    /// let chat = sync.topic("Chat").await.unwrap().unwrap();
    /// assert_eq!((chat.seq, &chat.entries["m1"]), (1, &"hi".into()));
    /// # }
    /// ```
    pub async fn topic(&self, name: &str) -> Result<Option<TopicState>, EngineError> {
        self.app.engine.topic(name).await
    }

    /// The engine, when it is the default in-memory one.
    ///
    /// ```
    /// use leptos_sync_server::SyncServer;
    /// let sync = SyncServer::builder().build();
    /// assert!(sync.memory().is_some());
    /// ```
    #[cfg(feature = "control")]
    pub fn memory(&self) -> Option<&Arc<MemoryEngine>> {
        self.app.memory.as_ref()
    }

    /// Lets `POST /control/crash` end the process; for a server binary only.
    ///
    /// ```no_run
    /// use leptos_sync_server::SyncServer;
    /// let sync = SyncServer::builder().control(true).build();
    /// sync.allow_crash(); // this process is a test server, it may die
    /// ```
    #[cfg(feature = "control")]
    pub fn allow_crash(&self) {
        self.app.chaos.allow_crash();
    }

    /// Binds `addr` and serves [`router`](Self::router) in the background.
    ///
    /// ```
    /// use leptos_sync_server::SyncServer;
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> std::io::Result<()> {
    /// let server = SyncServer::builder().build().serve("127.0.0.1:0").await?;
    /// assert!(server.local_addr().port() != 0);
    /// # Ok(()) }
    /// ```
    pub async fn serve(self, addr: impl ToSocketAddrs) -> std::io::Result<Server> {
        self.serve_with(addr, |router| router).await
    }

    /// Like [`serve`](Self::serve), with the routes passed through `extend`
    /// first (for example to add a static fallback).
    ///
    /// ```no_run
    /// use axum::routing::get;
    /// use leptos_sync_server::SyncServer;
    /// # async fn demo() -> std::io::Result<()> {
    /// let server = SyncServer::builder()
    ///     .build()
    ///     .serve_with("127.0.0.1:8080", |routes| routes.route("/", get(|| async { "hello" })))
    ///     .await?;
    /// server.wait().await;
    /// # Ok(()) }
    /// ```
    pub async fn serve_with(
        self,
        addr: impl ToSocketAddrs,
        extend: impl FnOnce(Router) -> Router,
    ) -> std::io::Result<Server> {
        let listener = TcpListener::bind(addr).await?;
        let addr = listener.local_addr()?;
        // Small frames (updates, acks, pongs) must leave at once: with Nagle's
        // algorithm a reply waits for the client's delayed ACK, about 40 ms.
        let listener = listener.tap_io(|tcp| {
            if let Err(e) = tcp.set_nodelay(true) {
                eprintln!("leptos-sync-server: TCP_NODELAY: {e}");
            }
        });
        // The peer address lets the control API answer loopback peers only.
        let service = extend(self.router()).into_make_service_with_connect_info::<SocketAddr>();
        // Stop accepting as soon as `shutdown` signals.
        let mut signal = self.app.shutdown.subscribe();
        let stop = async move {
            let _ = signal.wait_for(Option::is_some).await;
        };
        let task = tokio::spawn(async move {
            let serving = axum::serve(listener, service).with_graceful_shutdown(stop);
            if let Err(e) = serving.await {
                eprintln!("leptos-sync-server: {e}");
            }
        });
        Ok(Server {
            addr,
            sync: self,
            task,
            tasks: Vec::new(),
        })
    }
}
