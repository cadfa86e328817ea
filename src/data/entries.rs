//! [`SyncEntries`]: the typed, live entries of one topic.

use std::collections::HashMap;
use std::ops::Deref;

use leptos::prelude::*;
use leptos_sync_core::SubscriptionState;

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
