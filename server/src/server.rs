//! [`SyncServer`]: the protocol server an application builds, mounts and
//! publishes through.

use std::any::Any;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::routing::get;
use axum::serve::ListenerExt;
use serde_json::Value;
use tokio::net::{TcpListener, ToSocketAddrs};
use tokio::sync::Semaphore;
use tokio::task::JoinHandle;

use crate::engine::{Engine, EngineError, TopicState};
use crate::fanout::{ConnId, Fanout};
use crate::hooks::{Action, Hooks, Mutation, Principal, Reject};
use crate::lifecycle::Lifecycle;
use crate::{Config, MemoryEngine, ws};

/// Shared state of one server: what every connection task and handler sees.
pub(crate) struct App {
    pub(crate) engine: Arc<dyn Engine>,
    pub(crate) fanout: Arc<Fanout>,
    pub(crate) config: Config,
    pub(crate) hooks: Hooks,
    /// The topic lifecycle hooks, and the loading of missing topics.
    pub(crate) lifecycle: Arc<Lifecycle>,
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

/// Builds a [`SyncServer`]; start with [`SyncServer::builder`].
///
/// ```
/// use leptos_sync_server::SyncServer;
/// let sync = SyncServer::builder().history(200).heartbeat_ms(10_000).build();
/// # let _ = sync;
/// ```
#[derive(Default)]
pub struct SyncServerBuilder {
    pub(crate) config: Config,
    /// The app's engine, also as `Any` so the control API can find a `MemoryEngine`.
    engine: Option<(Arc<dyn Engine>, Arc<dyn Any + Send + Sync>)>,
    pub(crate) hooks: Hooks,
}

impl SyncServerBuilder {
    /// Takes every option of `config` (its `addr` and `port` matter only to [`serve`](crate::serve)).
    ///
    /// ```
    /// use leptos_sync_server::{Config, SyncServer};
    /// let config = Config { history: 50, max_subscriptions: 32, ..Config::default() };
    /// let sync = SyncServer::builder().config(config).build();
    /// # let _ = sync;
    /// ```
    pub fn config(mut self, config: Config) -> Self {
        self.config = config;
        self
    }

    /// Changes kept per topic by the default [`MemoryEngine`], for resuming
    /// subscriptions (default [`Config::HISTORY`]). Ignored with [`engine`](Self::engine).
    ///
    /// ```
    /// use leptos_sync_server::SyncServer;
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let sync = SyncServer::builder().history(2).build();
    /// for n in 0..5 {
    ///     sync.publish("Ticker", "ACME", n.into()).await.unwrap();
    /// }
    /// assert_eq!(sync.topic("Ticker").await.unwrap().unwrap().seq, 5);
    /// # }
    /// ```
    pub fn history(mut self, changes: usize) -> Self {
        self.config.history = changes;
        self
    }

    /// Ping interval suggested to clients in `welcome`, in ms.
    ///
    /// ```
    /// use leptos_sync_server::SyncServer;
    /// // Behind a proxy that drops connections idle for 30 s.
    /// let sync = SyncServer::builder().heartbeat_ms(20_000).build();
    /// # let _ = sync;
    /// ```
    pub fn heartbeat_ms(mut self, ms: u64) -> Self {
        self.config.heartbeat_ms = ms;
        self
    }

    /// A token every `hello` must carry (an empty one requires none).
    ///
    /// ```
    /// use leptos_sync_server::SyncServer;
    /// // A `hello` without this token is closed with 4401.
    /// let sync = SyncServer::builder().token("shared-secret").build();
    /// # let _ = sync;
    /// ```
    pub fn token(mut self, token: impl Into<String>) -> Self {
        self.config.token = Some(token.into());
        self
    }

    /// Serves the fault-injection API under `/control` too (loopback peers only).
    ///
    /// ```
    /// use leptos_sync_server::SyncServer;
    /// // For the project's own test servers; never in an app.
    /// let sync = SyncServer::builder().control(true).build();
    /// # let _ = sync;
    /// ```
    #[cfg(feature = "control")]
    pub fn control(mut self, on: bool) -> Self {
        self.config.control = on;
        self
    }

    /// Keeps topic state in `engine` instead of a default [`MemoryEngine`].
    ///
    /// ```
    /// use leptos_sync_server::{MemoryEngine, SyncServer};
    /// let sync = SyncServer::builder().engine(MemoryEngine::new(100)).build();
    /// # let _ = sync;
    /// ```
    pub fn engine(mut self, engine: impl Engine) -> Self {
        let engine = Arc::new(engine);
        self.engine = Some((engine.clone(), engine));
        self
    }

    /// Decides who a connection is from the token of its `hello` (after the
    /// [`token`](Self::token) check, if any). A [`Reject`] closes it with 4401
    /// or 4403; a [`Principal`] stays attached to it for the other hooks.
    /// Without this hook every connection is `Principal::default()`.
    ///
    /// ```
    /// use leptos_sync_server::{Principal, Reject, SyncServer};
    /// let server = SyncServer::builder()
    ///     .authenticate(|token| async move {
    ///         match token.as_deref() {
    ///             Some("observer") => Ok(Principal::new("observer")),
    ///             Some("editor") => Ok(Principal::new("editor")),
    ///             _ => Err(Reject::Unauthorized),
    ///         }
    ///     })
    ///     .build();
    /// # let _ = server;
    /// ```
    pub fn authenticate<F, Fut>(mut self, hook: F) -> Self
    where
        F: Fn(Option<String>) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<Principal, Reject>> + Send + 'static,
    {
        self.hooks.authenticate = Some(Arc::new(move |token| Box::pin(hook(token))));
        self
    }

    /// Allows or denies each subscription and mutation. A denial (`Err` with
    /// a reason) answers an `error` frame with code `forbidden` naming the
    /// subscription or mutation; nothing is applied and the connection stays.
    /// It runs on the connection's task: keep it quick (load what it needs
    /// into the [`Principal`] in `authenticate`).
    ///
    /// ```
    /// use leptos_sync_server::{Action, SyncServer};
    /// let server = SyncServer::builder()
    ///     .authorize(|who, action| match action {
    ///         Action::Mutate { .. } if who.id == "observer" => Err("observers only read".into()),
    ///         _ => Ok(()),
    ///     })
    ///     .build();
    /// # let _ = server;
    /// ```
    pub fn authorize<F>(mut self, hook: F) -> Self
    where
        F: Fn(&Principal, &Action<'_>) -> Result<(), String> + Send + Sync + 'static,
    {
        self.hooks.authorize = Some(Arc::new(hook));
        self
    }

    /// Checks or rewrites an authorized mutation's value before it is
    /// applied: `Ok(value)` applies that value (say, stamped with a server
    /// time); `Err(reason)` applies nothing and answers an `error` frame with
    /// code `rejected` and the reason, naming the mutation.
    ///
    /// ```
    /// use leptos_sync_server::SyncServer;
    /// let server = SyncServer::builder()
    ///     .validate(|_who, mutation, mut value| {
    ///         if mutation.topic == "Todo" && !value["title"].is_string() {
    ///             return Err("a todo needs a title".into());
    ///         }
    ///         value["by_server"] = true.into();
    ///         Ok(value)
    ///     })
    ///     .build();
    /// # let _ = server;
    /// ```
    pub fn validate<F>(mut self, hook: F) -> Self
    where
        F: Fn(&Principal, &Mutation<'_>, Value) -> Result<Value, String> + Send + Sync + 'static,
    {
        self.hooks.validate = Some(Arc::new(hook));
        self
    }

    /// The server, ready to mount ([`SyncServer::router`]) or serve ([`SyncServer::serve`]).
    ///
    /// ```
    /// use leptos_sync_server::SyncServer;
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let sync = SyncServer::builder().build();
    /// assert_eq!(sync.topic("Todo").await.unwrap(), None); // no topic yet
    /// # }
    /// ```
    pub fn build(mut self) -> SyncServer {
        let (engine, any) = match self.engine {
            Some(engine) => engine,
            None => {
                let memory = Arc::new(MemoryEngine::new(self.config.history));
                (
                    memory.clone() as Arc<dyn Engine>,
                    memory as Arc<dyn Any + Send + Sync>,
                )
            }
        };
        #[cfg(not(feature = "control"))]
        let _ = any;
        let lifecycle = Arc::new(Lifecycle::new(
            engine.clone(),
            self.hooks.first_subscribe.take(),
            self.hooks.last_unsubscribe.take(),
            self.hooks.load_topic.take(),
        ));
        let fanout = Arc::new(Fanout::new(Some(lifecycle.clone())));
        engine.listen(fanout.clone());
        let boot = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as u64)
            & 0xffff_ffff;
        let mut config = self.config;
        // A semaphore holds fewer permits than a usize counts, and `shutdown`
        // takes them all back at once, in a u32.
        config.max_connections = config
            .max_connections
            .min(Semaphore::MAX_PERMITS)
            .min(u32::MAX as usize);
        let readiness = engine.readiness();
        SyncServer {
            app: Arc::new(App {
                engine,
                fanout,
                hooks: self.hooks,
                lifecycle,
                boot,
                last_conn: AtomicU64::new(0),
                connections: Arc::new(Semaphore::new(config.max_connections)),
                shutdown: Default::default(),
                admission: crate::admission::Slots::starting_now(&config),
                readiness,
                #[cfg(feature = "control")]
                memory: any.downcast::<MemoryEngine>().ok(),
                #[cfg(feature = "control")]
                monitor: crate::monitor::Monitor::new(config.required_token()),
                #[cfg(feature = "control")]
                chaos: crate::chaos::Chaos::default(),
                config,
            }),
        }
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
    /// A builder with the defaults of [`Config::default`] and a [`MemoryEngine`].
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

/// A [`SyncServer`] serving on the current tokio runtime; stopped when dropped.
///
/// ```
/// use leptos_sync_server::SyncServer;
/// # #[tokio::main(flavor = "current_thread")] async fn main() -> std::io::Result<()> {
/// let server = SyncServer::builder().build().serve("127.0.0.1:0").await?;
/// let url = format!("ws://{}/ws", server.local_addr());
/// assert!(url.starts_with("ws://127.0.0.1:"));
/// server.shutdown().await;
/// # Ok(()) }
/// ```
pub struct Server {
    addr: SocketAddr,
    sync: SyncServer,
    task: JoinHandle<()>,
    /// Background tasks that live as long as the server.
    tasks: Vec<JoinHandle<()>>,
}

impl Server {
    /// The address it listens on (with the real port when 0 was asked for).
    ///
    /// ```
    /// use leptos_sync_server::SyncServer;
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> std::io::Result<()> {
    /// let server = SyncServer::builder().build().serve("127.0.0.1:0").await?;
    /// assert!(server.local_addr().ip().is_loopback());
    /// # Ok(()) }
    /// ```
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// The server it serves, to publish through or inspect.
    ///
    /// ```
    /// use leptos_sync_server::SyncServer;
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> std::io::Result<()> {
    /// let server = SyncServer::builder().build().serve("127.0.0.1:0").await?;
    /// let seq = server.sync().publish("Ticker", "ACME", 101.into()).await.unwrap();
    /// assert_eq!(seq, 1);
    /// # Ok(()) }
    /// ```
    pub fn sync(&self) -> &SyncServer {
        &self.sync
    }

    /// Ties a background task (say, a feed that publishes) to the server:
    /// it is aborted when the server is dropped.
    ///
    /// ```
    /// use std::time::Duration;
    /// use leptos_sync_server::SyncServer;
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> std::io::Result<()> {
    /// let mut server = SyncServer::builder().build().serve("127.0.0.1:0").await?;
    /// let sync = server.sync().clone();
    /// server.attach(tokio::spawn(async move {
    ///     for tick in 0u64.. {
    ///         let _ = sync.publish("Clock", "now", tick.into()).await;
    ///         tokio::time::sleep(Duration::from_secs(1)).await;
    ///     }
    /// }));
    /// drop(server); // aborts the feed too
    /// # Ok(()) }
    /// ```
    pub fn attach(&mut self, task: JoinHandle<()>) {
        self.tasks.push(task);
    }

    /// Waits until the server stops: after [`shutdown`](Self::shutdown), or
    /// on an accept error.
    ///
    /// ```no_run
    /// use leptos_sync_server::SyncServer;
    /// # #[tokio::main] async fn main() -> std::io::Result<()> {
    /// let server = SyncServer::builder().build().serve("0.0.0.0:8080").await?;
    /// server.wait().await; // serves until the process ends
    /// # Ok(()) }
    /// ```
    pub async fn wait(mut self) {
        let _ = (&mut self.task).await;
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.task.abort();
        for task in &self.tasks {
            task.abort();
        }
    }
}
