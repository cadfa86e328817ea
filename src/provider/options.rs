//! [`SyncOptions`]: how the provider connects, retries and reports.

use std::fmt;
use std::future::{Future, ready};
use std::pin::Pin;
use std::sync::Arc;

use default_struct_builder::DefaultBuilder;

use leptos_sync_core::backoff::ReconnectOptions;
use leptos_sync_core::machine::MachineOptions;
use leptos_sync_core::outbox::OutboxOptions;
use leptos_sync_core::state::Lifecycle;

/// The auth token, possibly still being fetched (for example refreshed over HTTP).
pub type TokenFuture = Pin<Box<dyn Future<Output = Option<String>>>>;

/// Returns the current auth token; called again on every connect, so a refreshed token is used.
pub type TokenFn = Arc<dyn Fn() -> TokenFuture + Send + Sync>;

/// Observes lifecycle events, for logging and analytics.
pub type LifecycleFn = Arc<dyn Fn(&Lifecycle) + Send + Sync>;

/// Options of [`SyncProvider`](crate::SyncProvider), in leptos-use builder style.
///
/// ```
/// use leptos_sync::{Exponential, Jitter, ReconnectOptions, ReconnectPolicy, SyncOptions};
///
/// let options = SyncOptions::default()
///     .reconnect(ReconnectOptions {
///         policy: ReconnectPolicy::Exponential(Exponential { initial_ms: 250, ..Default::default() }),
///         max_attempts: Some(20),
///         ..Default::default()
///     })
///     .pong_timeout_ms(5_000)
///     .token(|| Some("secret".to_string()));
/// # let _ = options;
/// ```
#[derive(Clone, DefaultBuilder)]
#[cfg_attr(feature = "ssr", allow(dead_code))]
pub struct SyncOptions {
    /// The reconnect schedule and its rules.
    pub(crate) reconnect: ReconnectOptions,
    /// Ping interval; `None` uses the server's `welcome.heartbeat_ms`, else 30 s.
    #[builder(into)]
    pub(crate) heartbeat_interval_ms: Option<u64>,
    /// How long to wait for any frame after a ping before the link counts as dead.
    pub(crate) pong_timeout_ms: u64,
    /// How long opening a socket and receiving `welcome` may take.
    pub(crate) connect_timeout_ms: u64,
    /// Bounds and overflow policy of the mutation queue used while not connected.
    pub(crate) outbox: OutboxOptions,
    /// The token sent in `hello`. Evaluated on every connect.
    #[builder(skip)]
    pub(crate) token: Option<TokenFn>,
    /// Called on every lifecycle event.
    #[builder(skip)]
    pub(crate) on_event: Option<LifecycleFn>,
}

impl Default for SyncOptions {
    fn default() -> Self {
        let machine = MachineOptions::default();
        Self {
            reconnect: machine.reconnect,
            heartbeat_interval_ms: machine.heartbeat_interval_ms,
            pong_timeout_ms: machine.pong_timeout_ms,
            connect_timeout_ms: machine.connect_timeout_ms,
            outbox: machine.outbox,
            token: None,
            on_event: None,
        }
    }
}

impl SyncOptions {
    /// Sets the token function, called on every connect; its value goes in `hello`, never in the URL.
    pub fn token(self, token: impl Fn() -> Option<String> + Send + Sync + 'static) -> Self {
        Self {
            token: Some(Arc::new(move || Box::pin(ready(token())))),
            ..self
        }
    }

    /// Sets an async token function, awaited on every connect before `hello`
    /// (within the connect timeout), so an expired token can be refreshed first.
    pub fn token_async<F, Fut>(self, token: F) -> Self
    where
        F: Fn() -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Option<String>> + 'static,
    {
        Self {
            token: Some(Arc::new(move || Box::pin(token()))),
            ..self
        }
    }

    /// Sets the lifecycle observer.
    pub fn on_event(self, on_event: impl Fn(&Lifecycle) + Send + Sync + 'static) -> Self {
        Self {
            on_event: Some(Arc::new(on_event)),
            ..self
        }
    }

    #[cfg_attr(feature = "ssr", allow(dead_code))]
    pub(crate) fn machine(&self) -> MachineOptions {
        MachineOptions {
            reconnect: self.reconnect.clone(),
            heartbeat_interval_ms: self.heartbeat_interval_ms,
            pong_timeout_ms: self.pong_timeout_ms,
            connect_timeout_ms: self.connect_timeout_ms,
            outbox: self.outbox,
        }
    }
}

impl fmt::Debug for SyncOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The token function is named, never called: its value must not reach logs.
        f.debug_struct("SyncOptions")
            .field("reconnect", &self.reconnect)
            .field("heartbeat_interval_ms", &self.heartbeat_interval_ms)
            .field("pong_timeout_ms", &self.pong_timeout_ms)
            .field("connect_timeout_ms", &self.connect_timeout_ms)
            .field("outbox", &self.outbox)
            .field("token", &self.token.as_ref().map(|_| ".."))
            .finish_non_exhaustive()
    }
}
