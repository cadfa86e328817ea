use leptos::prelude::*;

use crate::data::component::SyncComponent;
use crate::data::mutations::MutateOptions;
use crate::hooks::{UseSyncMutationReturn, use_sync_mutation_with_options};

/// Mutations of topic `T::NAME` with parameter `param` (the wire topic
/// `<T::NAME>:<param>`), with default options; see
/// [`use_sync_mutation_in_with_options`].
///
/// Each mutation goes to the topic of the parameter's value when it is made,
/// so a component whose parameter follows the user's room writes to the room
/// on screen.
///
/// ## Usage
///
/// ```no_run
/// use leptos::prelude::*;
/// use leptos_sync::{SyncComponent, use_sync_component_in, use_sync_mutation_in};
/// # use serde::{Deserialize, Serialize};
/// # #[derive(Clone, PartialEq, Serialize, Deserialize, SyncComponent)]
/// # struct Message { text: String }
///
/// #[component]
/// fn Room(room: Signal<String>) -> impl IntoView {
///     let messages = use_sync_component_in::<Message>(room);
///     let send = use_sync_mutation_in::<Message>(room);
///     view! {
///         <button on:click=move |_| { send.set("m1", Message { text: "hi".into() }); }>"Say hi"</button>
///         <p>{move || messages.get().len()}</p>
///     }
/// }
/// ```
///
/// # Panics
/// Outside a `<SyncProvider>`, with a message naming it.
pub fn use_sync_mutation_in<T: SyncComponent>(
    param: impl Into<Signal<String>>,
) -> UseSyncMutationReturn<T> {
    use_sync_mutation_in_with_options(param, MutateOptions::default())
}

/// Mutations of topic `T::NAME` with parameter `param`, with options: with
/// `optimistic`, the value shows at once in that parameter's entries and is
/// rolled back on failure.
///
/// ```no_run
/// use leptos::prelude::*;
/// use leptos_sync::*;
/// # use serde::{Deserialize, Serialize};
/// # #[derive(Clone, PartialEq, Serialize, Deserialize, SyncComponent)]
/// # struct Task { title: String, done: bool }
///
/// #[component]
/// fn QuickAdd(board: Signal<String>) -> impl IntoView {
///     let options = MutateOptions { optimistic: true, ..Default::default() };
///     let tasks = use_sync_mutation_in_with_options::<Task>(board, options);
///     view! { <button on:click=move |_| { tasks.set("t1", Task { title: "Draft".into(), done: false }); }>"Add"</button> }
/// }
/// ```
///
/// # Panics
/// Outside a `<SyncProvider>`, with a message naming it.
pub fn use_sync_mutation_in_with_options<T: SyncComponent>(
    param: impl Into<Signal<String>>,
    options: MutateOptions,
) -> UseSyncMutationReturn<T> {
    let mut mutations = use_sync_mutation_with_options(options);
    mutations.param = Some(param.into());
    mutations
}
