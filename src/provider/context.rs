//! The values the provider shares with hooks.

use std::sync::Arc;

use leptos::prelude::*;
pub use leptos_use_websocket::ConnectionReadyState;

use crate::data::component::SyncComponent;
use crate::data::mutations::{MutateOptions, MutationHandle};
use crate::data::requests::{RequestHandle, RequestOptions};
use leptos_sync_core::SyncError;
use leptos_sync_core::state::{ConnectionMetrics, ConnectionState};
use leptos_sync_protocol::SyncRequest;

/// A callback without arguments, such as [`SyncConnection::open`] or
/// [`SyncContext::clear_error`]: cheap to clone, callable from any event
/// handler, and valid after the component that took it unmounts.
///
/// leptos-use returns its `open` and `close` as `impl Fn() + Clone + Send +
/// Sync`; this is the same thing under one nameable type, so it can live in a
/// struct. It is not named `Action`, which would clash with
/// `leptos::prelude::Action` under `use leptos::prelude::*; use leptos_sync::*;`.
///
/// ## Usage
///
/// ```no_run
/// use leptos::prelude::*;
/// use leptos_sync::{SyncCallback, use_sync_connection};
///
/// #[component]
/// fn Reconnect() -> impl IntoView {
///     let open: SyncCallback = use_sync_connection().open;
///     view! { <button on:click=move |_| open()>"Reconnect"</button> }
/// }
/// ```
pub type SyncCallback = Arc<dyn Fn() + Send + Sync>;

/// The connection, as returned by [`use_sync_connection`](crate::use_sync_connection).
///
/// Built only by the provider, so fields can be added in minor versions.
///
/// ```no_run
/// use leptos::prelude::*;
/// use leptos_sync::*;
///
/// #[component]
/// fn Connection() -> impl IntoView {
///     let SyncConnection { state, metrics, open, close, .. } = use_sync_connection();
///     view! {
///         <span>{move || state.get().to_string()}</span>
///         <span>{move || format!("{} reconnects", metrics.get().reconnects)}</span>
///         <button on:click=move |_| open()>"Connect"</button>
///         <button on:click=move |_| close()>"Disconnect"</button>
///     }
/// }
/// ```
#[derive(Clone)]
#[non_exhaustive]
pub struct SyncConnection {
    /// The session's ready state: `Open` only once the server's `welcome` has
    /// arrived and the subscriptions were sent again, `Connecting` while the
    /// socket opens and during the handshake; `Closing` and `Closed` follow
    /// the socket. The raw socket's is [`socket_ready_state`](Self::socket_ready_state),
    /// and [`state`](Self::state) says more (`Handshaking`, `Reconnecting`, why it `Failed`).
    pub ready_state: Signal<ConnectionReadyState>,
    /// The socket's own ready state, from leptos-use: `Open` as soon as the
    /// socket is, before the handshake.
    pub socket_ready_state: Signal<ConnectionReadyState>,
    /// The richer state: connecting, open, reconnecting with its next attempt, failed, closed.
    pub state: Signal<ConnectionState>,
    /// Counters and timings.
    pub metrics: Signal<ConnectionMetrics>,
    /// Whether the browser says it is online.
    pub online: Signal<bool>,
    /// Connects now: from `Idle`, `Closed` or `Failed`, or ahead of a scheduled retry.
    pub open: SyncCallback,
    /// Disconnects; nothing reconnects until `open` is called.
    pub close: SyncCallback,
}

/// The sync context, as returned by [`use_sync_context`](crate::use_sync_context).
///
/// ```no_run
/// use leptos::prelude::*;
/// use leptos_sync::*;
///
/// #[component]
/// fn Errors() -> impl IntoView {
///     let ctx = use_sync_context();
///     let clear = ctx.clear_error.clone();
///     view! {
///         <Show when=move || ctx.last_error.get().is_some()>
///             <p>{move || ctx.last_error.get().map(|e| e.to_string())}</p>
///             <button on:click={let clear = clear.clone(); move |_| clear()}>"Dismiss"</button>
///         </Show>
///     }
/// }
/// ```
#[derive(Clone)]
pub struct SyncContext {
    /// The most recent failure, until cleared.
    pub last_error: Signal<Option<SyncError>>,
    /// Clears `last_error`.
    pub clear_error: SyncCallback,
    /// Replaces the token (`None` removes it). A connection refused for auth retries with it.
    pub set_token: Arc<dyn Fn(Option<String>) + Send + Sync>,
    /// The connection.
    pub connection: SyncConnection,
    pub(crate) data: crate::data::access::DataAccess,
}

impl SyncContext {
    /// Sets entry `key` of topic `T::NAME` to `value`, or removes it with `None`.
    ///
    /// Queued while not connected (bounded, see
    /// [`OutboxOptions`](crate::OutboxOptions)), re-sent with the same id after
    /// a reconnect until acknowledged, and applied by the server exactly once.
    ///
    /// ```no_run
    /// use leptos::prelude::*;
    /// use leptos_sync::*;
    /// # use serde::{Deserialize, Serialize};
    /// # #[derive(Clone, PartialEq, Serialize, Deserialize, SyncComponent)]
    /// # struct Task { title: String, done: bool }
    ///
    /// #[component]
    /// fn Remove(key: String) -> impl IntoView {
    ///     let ctx = use_sync_context();
    ///     // `None` removes the entry; the handle's status follows the mutation.
    ///     view! { <button on:click=move |_| { ctx.mutate::<Task>(key.clone(), None); }>"Delete"</button> }
    /// }
    /// ```
    pub fn mutate<T: SyncComponent>(
        &self,
        key: impl Into<String>,
        value: Option<T>,
    ) -> MutationHandle {
        self.mutate_with_options(key, value, MutateOptions::default())
    }

    /// [`mutate`](Self::mutate) with options: optimistic apply with rollback, expiry.
    ///
    /// ```no_run
    /// use leptos::prelude::*;
    /// use leptos_sync::*;
    /// # use serde::{Deserialize, Serialize};
    /// # #[derive(Clone, PartialEq, Serialize, Deserialize, SyncComponent)]
    /// # struct Task { title: String, done: bool }
    ///
    /// #[component]
    /// fn TickOff(key: String, task: Task) -> impl IntoView {
    ///     let ctx = use_sync_context();
    ///     let options = MutateOptions { optimistic: true, expires_in_ms: Some(30_000) };
    ///     let done = Task { done: true, ..task };
    ///     view! { <button on:click=move |_| { ctx.mutate_with_options(key.clone(), Some(done.clone()), options); }>"Done"</button> }
    /// }
    /// ```
    pub fn mutate_with_options<T: SyncComponent>(
        &self,
        key: impl Into<String>,
        value: Option<T>,
        options: MutateOptions,
    ) -> MutationHandle {
        self.data
            .mutate(T::NAME.to_string(), key.into(), value, options)
    }

    /// Sets entry `key` of topic `T::NAME` with parameter `param` (the wire
    /// topic `<T::NAME>:<param>`, one room, board or document of `T`) to
    /// `value`, or removes it with `None`. Otherwise like [`mutate`](Self::mutate).
    ///
    /// ```no_run
    /// use leptos::prelude::*;
    /// use leptos_sync::*;
    /// # use serde::{Deserialize, Serialize};
    /// # #[derive(Clone, PartialEq, Serialize, Deserialize, SyncComponent)]
    /// # struct Message { text: String }
    ///
    /// #[component]
    /// fn Send(room: Signal<String>) -> impl IntoView {
    ///     let ctx = use_sync_context();
    ///     let send = move |_| {
    ///         let message = Message { text: "hello".into() };
    ///         // Goes to topic `Message:<room>`, seen by `use_sync_component_in::<Message>(room)`.
    ///         ctx.mutate_in(&room.get_untracked(), "m1", Some(message));
    ///     };
    ///     view! { <button on:click=send>"Send"</button> }
    /// }
    /// ```
    pub fn mutate_in<T: SyncComponent>(
        &self,
        param: &str,
        key: impl Into<String>,
        value: Option<T>,
    ) -> MutationHandle {
        self.mutate_in_with_options(param, key, value, MutateOptions::default())
    }

    /// [`mutate_in`](Self::mutate_in) with options: optimistic apply (to the
    /// entries of that parameter's topic) with rollback, expiry.
    ///
    /// ```no_run
    /// use leptos::prelude::*;
    /// use leptos_sync::*;
    /// # use serde::{Deserialize, Serialize};
    /// # #[derive(Clone, PartialEq, Serialize, Deserialize, SyncComponent)]
    /// # struct Task { title: String, done: bool }
    ///
    /// #[component]
    /// fn AddToBoard(board: String) -> impl IntoView {
    ///     let ctx = use_sync_context();
    ///     let options = MutateOptions { optimistic: true, ..Default::default() };
    ///     let task = Task { title: "Ship it".into(), done: false };
    ///     view! { <button on:click=move |_| { ctx.mutate_in_with_options(&board, "t1", Some(task.clone()), options); }>"Add"</button> }
    /// }
    /// ```
    pub fn mutate_in_with_options<T: SyncComponent>(
        &self,
        param: &str,
        key: impl Into<String>,
        value: Option<T>,
        options: MutateOptions,
    ) -> MutationHandle {
        let topic = leptos_sync_protocol::topic::join(T::NAME, param);
        self.data.mutate(topic, key.into(), value, options)
    }

    /// Calls server method [`R::METHOD`](SyncRequest::METHOD) with `request`;
    /// the handle's status goes `Pending`, then `Done(response)` or
    /// `Failed(error)`, and [`RequestHandle::response`] awaits it. Default
    /// options: a 30 s timeout, and failing at once when not connected or
    /// when the connection drops ([`RequestPolicy::FailOnDisconnect`](crate::RequestPolicy::FailOnDisconnect)).
    ///
    /// ```no_run
    /// use leptos::prelude::*;
    /// use leptos_sync::*;
    /// use serde::{Deserialize, Serialize};
    ///
    /// #[derive(Serialize, Deserialize)]
    /// struct Summary { topic: String }
    ///
    /// #[derive(Clone, PartialEq, Serialize, Deserialize)]
    /// struct Counts { done: u32, open: u32 }
    ///
    /// impl SyncRequest for Summary {
    ///     const METHOD: &'static str = "summary";
    ///     type Response = Counts;
    /// }
    ///
    /// #[component]
    /// fn SummaryButton() -> impl IntoView {
    ///     let ctx = use_sync_context();
    ///     let (last, set_last) = signal(None::<RequestHandle<Counts>>);
    ///     let ask = move |_| set_last.set(Some(ctx.request(&Summary { topic: "Task".into() })));
    ///     let shown = move || match last.get().map(|h| h.status.get()) {
    ///         Some(RequestState::Done(c)) => format!("{} done, {} open", c.done, c.open),
    ///         Some(RequestState::Failed(e)) => e.to_string(),
    ///         Some(RequestState::Pending) => "…".into(),
    ///         None => String::new(),
    ///     };
    ///     view! { <button on:click=ask>"Summary"</button> <span>{shown}</span> }
    /// }
    /// ```
    pub fn request<R>(&self, request: &R) -> RequestHandle<R::Response>
    where
        R: SyncRequest,
        R::Response: Clone + Send + Sync + 'static,
    {
        crate::data::requests::send(&self.data, request, RequestOptions::default())
    }

    /// [`request`](Self::request) with options: its timeout, and
    /// [`RequestPolicy::Replay`](crate::RequestPolicy::Replay) to keep it
    /// across a reconnect (sent again with the same id, run once by the server).
    ///
    /// ```no_run
    /// use leptos_sync::*;
    /// # use serde::{Deserialize, Serialize};
    /// # #[derive(Serialize, Deserialize)]
    /// # struct Summary { topic: String }
    /// # impl SyncRequest for Summary { const METHOD: &'static str = "summary"; type Response = u32; }
    ///
    /// fn ask(ctx: &SyncContext) -> RequestHandle<u32> {
    ///     let options = RequestOptions::default().timeout_ms(10_000).policy(RequestPolicy::Replay);
    ///     ctx.request_with_options(&Summary { topic: "Task".into() }, options)
    /// }
    /// ```
    pub fn request_with_options<R>(
        &self,
        request: &R,
        options: RequestOptions,
    ) -> RequestHandle<R::Response>
    where
        R: SyncRequest,
        R::Response: Clone + Send + Sync + 'static,
    {
        crate::data::requests::send(&self.data, request, options)
    }
}

pub(crate) fn expect_sync_context(hook: &str) -> SyncContext {
    use_context::<SyncContext>().unwrap_or_else(|| {
        panic!("{hook}() must be called inside <SyncProvider>: no SyncProvider is an ancestor of this component")
    })
}
