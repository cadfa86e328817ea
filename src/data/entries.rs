//! [`SyncEntries`]: the typed, live entries of one topic.

use std::collections::HashMap;
use std::ops::Deref;

use leptos::prelude::*;
use leptos_sync_core::{SubscriptionState, SyncError};

/// The live entries of a topic, as returned by [`use_sync_component`](crate::use_sync_component).
///
/// Derefs to `Signal<HashMap<String, T>>`, so `entries.get()` works directly.
///
/// ```no_run
/// use leptos::prelude::*;
/// use leptos_sync::*;
/// # use serde::{Deserialize, Serialize};
/// # #[derive(Clone, PartialEq, Serialize, Deserialize, SyncComponent)]
/// # struct Task { title: String, done: bool }
///
/// #[component]
/// fn Open() -> impl IntoView {
///     let tasks: SyncEntries<Task> = use_sync_component::<Task>();
///     // Keys are the server's entry keys (strings); values are typed.
///     let open = move || tasks.get().values().filter(|t| !t.done).count();
///     view! { <p>{move || format!("{} open", open())}</p> }
/// }
/// ```
pub struct SyncEntries<T: Send + Sync + 'static> {
    /// The entries by key. Kept while disconnected (see `state`).
    pub entries: Signal<HashMap<String, T>>,
    /// Pending, Live, Recovering, Stale or Error, and whether the last resubscribe recovered.
    pub state: Signal<SubscriptionState>,
    /// The keys whose value the server sent but this client could not decode
    /// into `T`, each with its [`SyncError::DeserializationFailed`]: empty
    /// while the entries hold everything the server has.
    ///
    /// Such a key is **not** in [`entries`](Self::entries): its old value is
    /// dropped rather than shown as current, and no resync is made, since
    /// the server would send the same value again. So `state` can say `Live`
    /// (the stream is healthy) while this says which keys are missing. A key
    /// leaves this map when a later value for it decodes, when the server
    /// removes it, or when a snapshot no longer fails on it. Each failure is
    /// also reported to `last_error` and counted in
    /// `ConnectionMetrics::subscriptions.undecodable`. See docs/recovery.md.
    ///
    /// ```no_run
    /// use leptos::prelude::*;
    /// use leptos_sync::*;
    /// # use serde::{Deserialize, Serialize};
    /// # #[derive(Clone, PartialEq, Serialize, Deserialize, SyncComponent)]
    /// # struct Task { title: String, done: bool }
    ///
    /// #[component]
    /// fn Warning() -> impl IntoView {
    ///     let tasks = use_sync_component::<Task>();
    ///     move || {
    ///         let missing = tasks.undecodable.get();
    ///         (!missing.is_empty()).then(|| {
    ///             let mut keys: Vec<String> = missing.into_keys().collect();
    ///             keys.sort();
    ///             format!("Reload to see {}: this version cannot read them", keys.join(", "))
    ///         })
    ///     }
    /// }
    /// ```
    pub undecodable: Signal<HashMap<String, SyncError>>,
}

impl<T: Send + Sync + 'static> Clone for SyncEntries<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T: Send + Sync + 'static> Copy for SyncEntries<T> {}

impl<T: Send + Sync + 'static> Deref for SyncEntries<T> {
    type Target = Signal<HashMap<String, T>>;

    fn deref(&self) -> &Self::Target {
        &self.entries
    }
}
