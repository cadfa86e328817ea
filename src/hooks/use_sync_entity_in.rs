use leptos::prelude::*;

use crate::data::component::SyncComponent;
use crate::hooks::use_sync_component_in;

/// One entry, by key, of topic `T::NAME` with parameter `param`; `None`
/// while absent. Both may change: see [`use_sync_component_in`] for how the
/// subscription follows `param` without showing the old parameter's entry.
///
/// ## Usage
///
/// ```no_run
/// use leptos::prelude::*;
/// use leptos_sync::{SyncComponent, use_sync_entity_in};
/// # use serde::{Deserialize, Serialize};
/// # #[derive(Clone, PartialEq, Serialize, Deserialize, SyncComponent)]
/// # struct Task { title: String }
///
/// #[component]
/// fn Title(board: Signal<String>, id: String) -> impl IntoView {
///     // Entry `id` of topic `Task:<board>`.
///     let task = use_sync_entity_in::<Task>(board, id);
///     view! { <h2>{move || task.get().map(|t| t.title)}</h2> }
/// }
/// ```
///
/// # Panics
/// Outside a `<SyncProvider>`, with a message naming it.
pub fn use_sync_entity_in<T: SyncComponent>(
    param: impl Into<Signal<String>>,
    key: impl Into<Signal<String>>,
) -> Signal<Option<T>> {
    let entries = use_sync_component_in::<T>(param);
    let key = key.into();
    Memo::new(move |_| key.with(|key| entries.with(|map| map.get(key).cloned()))).into()
}
