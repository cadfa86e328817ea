use leptos::prelude::*;

use crate::data::events::{SyncEvent, SyncEventMeta};
use crate::provider::expect_sync_context;
use leptos_sync_core::SyncError;

/// Calls `handler` with each server event of type `E` that arrives while
/// the calling component is mounted, and with what came with it (its
/// topic); the handler is removed when the component unmounts. (Unlike
/// leptos-use's `use_event_listener` it returns no stop function: the
/// component's lifetime is the handler's, and a handler can ignore what it
/// no longer wants.)
///
/// `E` must be registered with [`SyncRegistry::event`](crate::SyncRegistry::event):
/// an unregistered `E` (or another type registered under its name) is
/// [`SyncError::TypeNotRegistered`] in `last_error`, and the handler is never called.
/// A payload that does not decode into `E` is
/// [`SyncError::EventDeserializationFailed`] in `last_error`, and an event
/// name no one registered is ignored and counted in
/// [`ConnectionMetrics::events_ignored`](crate::ConnectionMetrics::events_ignored).
/// Events are not replayed: one sent while the client was disconnected is
/// never seen. To keep the last one, set a signal in the handler.
///
/// ## Usage
///
/// ```no_run
/// use leptos::prelude::*;
/// use leptos_sync::{SyncEvent, use_sync_event};
/// use serde::Deserialize;
///
/// #[derive(Clone, Deserialize, SyncEvent)]
/// #[sync(name = "joined")]
/// struct Joined { who: String }
///
/// #[component]
/// fn Toast() -> impl IntoView {
///     let last = RwSignal::new(None::<String>);
///     // Every `joined` event while mounted; `meta.topic` says which topic's
///     // subscribers it went to, if any.
///     use_sync_event::<Joined>(move |joined, meta| {
///         if meta.topic.is_none() {
///             last.set(Some(format!("{} joined", joined.who)));
///         }
///     });
///     view! { <p>{move || last.get()}</p> }
/// }
/// ```
///
/// # Panics
/// Outside a `<SyncProvider>`, with a message naming it.
pub fn use_sync_event<E: SyncEvent>(handler: impl Fn(&E, &SyncEventMeta) + 'static) {
    let data = expect_sync_context("use_sync_event").data;
    let handlers = data.handlers;
    let id = if data.registry.registers_event::<E>() {
        handlers.try_update_value(|h| h.add::<E>(handler))
    } else {
        // Not registered, or its name is another type's: that one's
        // payloads would never reach this handler.
        let component_name = if data.registry.handles_event(E::NAME) {
            format!("{} ({})", E::NAME, std::any::type_name::<E>())
        } else {
            E::NAME.to_string()
        };
        data.report(SyncError::TypeNotRegistered { component_name });
        None
    };
    if let Some(id) = id {
        on_cleanup(move || {
            handlers.try_update_value(|h| h.remove(id));
        });
    }
}
