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

/// Called with a count: the retry number of [`SyncOptions::on_connecting`],
/// the retries of [`SyncOptions::on_reconnected`].
pub type AttemptFn = Arc<dyn Fn(u32) + Send + Sync>;

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
///
/// The core's options can also be set whole:
///
/// ```
/// use leptos_sync::{MachineOptions, SyncOptions};
///
/// let machine = MachineOptions { connect_timeout_ms: 5_000, ..Default::default() };
/// let options = SyncOptions::default().machine(machine).on_event(|event| log::info!("{event:?}"));
/// # let _ = options;
/// ```
#[derive(Clone, Default, DefaultBuilder)]
#[cfg_attr(feature = "ssr", allow(dead_code))]
pub struct SyncOptions {
    /// The core's options: the reconnect schedule, heartbeat, timeouts and
    /// queue bounds. Set them whole here, or one by one with the setters named
    /// after their fields. The provider's machine validates them once: a value
    /// out of range is clamped and reported to `last_error` as
    /// [`SyncError::InvalidOptions`](crate::SyncError::InvalidOptions).
    ///
    /// ```
    /// use leptos_sync::{MachineOptions, OutboxOptions, SyncOptions};
    ///
    /// let options = SyncOptions::default().machine(MachineOptions {
    ///     connect_timeout_ms: 5_000,
    ///     outbox: OutboxOptions { max_messages: 10, ..Default::default() },
    ///     ..Default::default()
    /// });
    /// # let _ = options;
    /// ```
    pub(crate) machine: MachineOptions,
    /// The token sent in `hello`. Evaluated on every connect.
    #[builder(skip)]
    pub(crate) token: Option<TokenFn>,
    /// Called on every lifecycle event.
    #[builder(skip)]
    pub(crate) on_event: Option<LifecycleFn>,
    /// Called when a socket starts to open, with its retry number.
    #[builder(skip)]
    pub(crate) on_connecting: Option<AttemptFn>,
    /// Called on a `welcome` after a disconnect, with the retries it took.
    #[builder(skip)]
    pub(crate) on_reconnected: Option<AttemptFn>,
}

impl SyncOptions {
    /// Sets [`MachineOptions::reconnect`]: the reconnect schedule and its rules.
    ///
    /// ```
    /// use leptos_sync::{ReconnectOptions, ReconnectPolicy, SyncOptions};
    ///
    /// // Retry every 3 s, at most 10 times, then show `Failed` and a Retry button.
    /// let options = SyncOptions::default().reconnect(ReconnectOptions {
    ///     policy: ReconnectPolicy::Fixed(3_000),
    ///     max_attempts: Some(10),
    ///     ..Default::default()
    /// });
    /// # let _ = options;
    /// ```
    pub fn reconnect(mut self, reconnect: ReconnectOptions) -> Self {
        self.machine.reconnect = reconnect;
        self
    }

    /// Sets [`MachineOptions::heartbeat_interval_ms`]: the ping interval;
    /// `None` uses the server's `welcome.heartbeat_ms`, else 30 s.
    ///
    /// ```
    /// use leptos_sync::SyncOptions;
    ///
    /// let every_15_s = SyncOptions::default().heartbeat_interval_ms(15_000);
    /// let as_the_server_says = SyncOptions::default().heartbeat_interval_ms(None);
    /// # let _ = (every_15_s, as_the_server_says);
    /// ```
    pub fn heartbeat_interval_ms(mut self, ms: impl Into<Option<u64>>) -> Self {
        self.machine.heartbeat_interval_ms = ms.into();
        self
    }

    /// Sets [`MachineOptions::pong_timeout_ms`]: how long to wait for any
    /// frame after a ping before the link counts as dead.
    ///
    /// ```
    /// use leptos_sync::SyncOptions;
    ///
    /// // A link that stays silent 5 s after a ping is dead: reconnect.
    /// let options = SyncOptions::default().pong_timeout_ms(5_000);
    /// # let _ = options;
    /// ```
    pub fn pong_timeout_ms(mut self, ms: u64) -> Self {
        self.machine.pong_timeout_ms = ms;
        self
    }

    /// Sets [`MachineOptions::connect_timeout_ms`]: how long opening a socket
    /// and receiving `welcome` may take.
    ///
    /// ```
    /// use leptos_sync::SyncOptions;
    ///
    /// let options = SyncOptions::default().connect_timeout_ms(4_000);
    /// # let _ = options;
    /// ```
    pub fn connect_timeout_ms(mut self, ms: u64) -> Self {
        self.machine.connect_timeout_ms = ms;
        self
    }

    /// Sets [`MachineOptions::outbox`]: the bounds and overflow policy of the
    /// mutation queue used while not connected.
    ///
    /// ```
    /// use leptos_sync::{OutboxOptions, Overflow, SyncOptions};
    ///
    /// // Keep up to 500 offline changes; refuse more rather than lose the oldest.
    /// let options = SyncOptions::default().outbox(OutboxOptions {
    ///     max_messages: 500,
    ///     overflow: Overflow::Fail,
    ///     ..Default::default()
    /// });
    /// # let _ = options;
    /// ```
    pub fn outbox(mut self, outbox: OutboxOptions) -> Self {
        self.machine.outbox = outbox;
        self
    }

    /// Sets the token function, called on every connect; its value goes in `hello`, never in the URL.
    ///
    /// ```
    /// use leptos_sync::SyncOptions;
    ///
    /// // Read on every connect, so a token refreshed meanwhile is the one sent.
    /// fn stored_token() -> Option<String> { Some("session-id".into()) }
    /// let options = SyncOptions::default().token(stored_token);
    /// # let _ = options;
    /// ```
    pub fn token(self, token: impl Fn() -> Option<String> + Send + Sync + 'static) -> Self {
        Self {
            token: Some(Arc::new(move || Box::pin(ready(token())))),
            ..self
        }
    }

    /// Sets an async token function, awaited on every connect before `hello`
    /// (within the connect timeout), so an expired token can be refreshed first.
    ///
    /// ```
    /// use leptos_sync::SyncOptions;
    ///
    /// // E.g. a fetch to your auth endpoint; `None` connects without a token.
    /// async fn refresh_token() -> Option<String> { Some("fresh-jwt".into()) }
    /// let options = SyncOptions::default().token_async(refresh_token);
    /// # let _ = options;
    /// ```
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
    ///
    /// ```
    /// use leptos_sync::{Lifecycle, SyncOptions};
    ///
    /// let options = SyncOptions::default().on_event(|event| match event {
    ///     Lifecycle::Reconnecting { attempt, delay_ms } => log::warn!("retry {attempt} in {delay_ms} ms"),
    ///     other => log::info!("{other:?}"),
    /// });
    /// # let _ = options;
    /// ```
    pub fn on_event(self, on_event: impl Fn(&Lifecycle) + Send + Sync + 'static) -> Self {
        Self {
            on_event: Some(Arc::new(on_event)),
            ..self
        }
    }
}

impl SyncOptions {
    /// Called when a socket starts to open: `attempt` is 0 for a first
    /// connect (and after `open()`), `n` for retry `n`. The same moment as
    /// [`Lifecycle::Connecting`] in [`on_event`](Self::on_event).
    ///
    /// ```
    /// use leptos_sync::SyncOptions;
    ///
    /// let options = SyncOptions::default().on_connecting(|attempt| match attempt {
    ///     0 => log::info!("connecting"),
    ///     n => log::warn!("retry {n}"),
    /// });
    /// # let _ = options;
    /// ```
    pub fn on_connecting(self, on_connecting: impl Fn(u32) + Send + Sync + 'static) -> Self {
        Self {
            on_connecting: Some(Arc::new(on_connecting)),
            ..self
        }
    }

    /// Called when the session is back after a disconnect (its `welcome`
    /// came), with the retries it took: 0 when the first try after the
    /// disconnect (or an `open()`) worked. Not called for the first connect
    /// ([`Lifecycle::Connected`]). The same moment as
    /// [`Lifecycle::Reconnected`] in [`on_event`](Self::on_event).
    ///
    /// ```
    /// use leptos_sync::SyncOptions;
    ///
    /// let options = SyncOptions::default()
    ///     .on_reconnected(|attempts| log::info!("back after {attempts} retries"));
    /// # let _ = options;
    /// ```
    pub fn on_reconnected(self, on_reconnected: impl Fn(u32) + Send + Sync + 'static) -> Self {
        Self {
            on_reconnected: Some(Arc::new(on_reconnected)),
            ..self
        }
    }

    /// One observer for the driver: `on_event`, then the callback for the event's kind.
    #[cfg(not(feature = "ssr"))]
    pub(crate) fn observer(&self) -> Option<LifecycleFn> {
        let (all, connecting, reconnected) = (
            self.on_event.clone(),
            self.on_connecting.clone(),
            self.on_reconnected.clone(),
        );
        if connecting.is_none() && reconnected.is_none() {
            return all;
        }
        Some(Arc::new(move |event: &Lifecycle| {
            if let Some(all) = &all {
                all(event);
            }
            match (event, &connecting, &reconnected) {
                (Lifecycle::Connecting { attempt }, Some(f), _) => f(*attempt),
                (Lifecycle::Reconnected { attempts }, _, Some(f)) => f(*attempts),
                _ => {}
            }
        }))
    }
}

impl fmt::Debug for SyncOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The token function is named, never called: its value must not reach logs.
        f.debug_struct("SyncOptions")
            .field("machine", &self.machine)
            .field("token", &self.token.as_ref().map(|_| ".."))
            .finish_non_exhaustive()
    }
}
