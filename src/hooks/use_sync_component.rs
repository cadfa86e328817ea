use std::collections::HashMap;
use std::ops::Deref;

use leptos::prelude::*;

use crate::component::SyncComponent;
use crate::context::expect_sync_context;
use crate::core::subscriptions::SubscriptionState;

/// The live entries of a topic, as returned by [`use_sync_component`].
///
/// Derefs to `Signal<HashMap<String, T>>`, so `entries.get()` works directly.
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

/// The keyed live entries of topic `T::NAME`.
///
/// Every component using the same `T` shares one server subscription, owned
/// by the provider: it is re-sent after every reconnect (resuming from the
/// last seq, so missed updates are replayed) and ended when the last user
/// unmounts. `T` must be in the provider's [`SyncRegistry`](crate::SyncRegistry).
///
/// ## Usage
///
/// ```no_run
/// use leptos::prelude::*;
/// use leptos_sync::{SyncComponent, use_sync_component};
/// use serde::{Deserialize, Serialize};
///
/// #[derive(Clone, PartialEq, Serialize, Deserialize)]
/// struct Task { title: String, done: bool }
/// impl SyncComponent for Task { const NAME: &'static str = "Task"; }
///
/// #[component]
/// fn Tasks() -> impl IntoView {
///     let tasks = use_sync_component::<Task>();
///     view! { <p>{move || format!("{} tasks", tasks.get().len())}</p> }
/// }
/// ```
///
/// # Panics
/// Outside a `<SyncProvider>`, with a message naming it.
pub fn use_sync_component<T: SyncComponent>() -> SyncEntries<T> {
    expect_sync_context("use_sync_component")
        .data
        .acquire::<T>()
}
