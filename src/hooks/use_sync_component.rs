use crate::data::component::SyncComponent;
use crate::data::entries::SyncEntries;
use crate::provider::expect_sync_context;

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
/// #[derive(Clone, PartialEq, Serialize, Deserialize, SyncComponent)]
/// struct Task { title: String, done: bool }
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
