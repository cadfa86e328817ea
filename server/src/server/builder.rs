//! [`SyncServerBuilder`]: the options and hooks of a [`SyncServer`].

use std::any::Any;
use std::sync::Arc;
use std::sync::atomic::AtomicU64;
use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::Value;
use tokio::sync::Semaphore;

use super::{App, SyncServer};
use crate::engine::Engine;
use crate::fanout::Fanout;
use crate::hooks::{Action, Hooks, Mutation, Principal, Reject};
use crate::lifecycle::Lifecycle;
use crate::{Config, MemoryEngine};

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
    pub(crate) requests: crate::requests::Requests,
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
        let fanout = Arc::new(Fanout::new(lifecycle.clone()));
        engine.listen(fanout.clone());
        let conns = Arc::new(crate::events::Connections::default());
        engine.listen(Arc::new(crate::events::EventSink {
            conns: conns.clone(),
            fanout: fanout.clone(),
        }));
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
                conns,
                hooks: self.hooks,
                lifecycle,
                requests: self.requests,
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
