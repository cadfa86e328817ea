use leptos::prelude::*;

use crate::data::component::SyncComponent;
use crate::data::entries::SyncEntries;
use crate::provider::expect_sync_context;

/// The keyed live entries of topic `T::NAME` with parameter `param`: one
/// room, board or document of `T`, the wire topic `<T::NAME>:<param>`.
///
/// When `param` changes, the subscription follows: the new topic is
/// subscribed, and the old one unsubscribed unless another component still
/// uses it. The returned signals switch with it, at once: from the first
/// read after the change they show the new topic's entries (empty and
/// `Pending` until its snapshot comes, unless another component already has
/// it live), never the old parameter's. Each parameter's topic is its own
/// subscription, shared, recovered after a reconnect and ended like the
/// topic of [`use_sync_component`](crate::use_sync_component). `T` must be in
/// the provider's [`SyncRegistry`](crate::SyncRegistry), by its name.
///
/// ## Usage
///
/// ```no_run
/// use leptos::prelude::*;
/// use leptos_sync::{SyncComponent, use_sync_component_in};
/// use serde::{Deserialize, Serialize};
///
/// #[derive(Clone, PartialEq, Serialize, Deserialize, SyncComponent)]
/// struct Message { text: String }
///
/// #[component]
/// fn Room() -> impl IntoView {
///     let (room, set_room) = signal("lobby".to_string());
///     // Topic `Message:lobby`, then `Message:general` after the click.
///     let messages = use_sync_component_in::<Message>(room);
///     view! {
///         <button on:click=move |_| set_room.set("general".into())>"#general"</button>
///         <p>{move || format!("{} messages in {}", messages.get().len(), room.get())}</p>
///     }
/// }
/// ```
///
/// # Panics
/// Outside a `<SyncProvider>`, with a message naming it.
pub fn use_sync_component_in<T: SyncComponent>(param: impl Into<Signal<String>>) -> SyncEntries<T> {
    expect_sync_context("use_sync_component_in")
        .data
        .acquire_in::<T>(param.into())
}
