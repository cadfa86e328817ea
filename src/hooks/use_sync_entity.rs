use leptos::prelude::*;

use crate::data::component::SyncComponent;
use crate::hooks::use_sync_component;

/// One entry of topic `T::NAME`, by key; `None` while absent.
///
/// ## Usage
///
/// ```no_run
/// use leptos::prelude::*;
/// use leptos_sync::{SyncComponent, use_sync_entity};
/// # use serde::{Deserialize, Serialize};
/// # #[derive(Clone, PartialEq, Serialize, Deserialize, SyncComponent)]
/// # struct Task { title: String }
///
/// #[component]
/// fn Title(id: String) -> impl IntoView {
///     let task = use_sync_entity::<Task>(id);
///     view! { <h2>{move || task.get().map(|t| t.title)}</h2> }
/// }
/// ```
///
/// # Panics
/// Outside a `<SyncProvider>`, with a message naming it.
pub fn use_sync_entity<T: SyncComponent>(key: impl Into<Signal<String>>) -> Signal<Option<T>> {
    let entries = use_sync_component::<T>();
    let key = key.into();
    Memo::new(move |_| key.with(|key| entries.with(|map| map.get(key).cloned()))).into()
}
