use crate::provider::{SyncConnection, expect_sync_context};

/// The connection of the enclosing [`SyncProvider`](crate::SyncProvider):
/// reactive `ready_state`, `state` and `metrics`, and `open` / `close`.
///
/// ## Usage
///
/// ```no_run
/// use leptos::prelude::*;
/// use leptos_sync::use_sync_connection;
///
/// #[component]
/// fn Status() -> impl IntoView {
///     let connection = use_sync_connection();
///     let close = connection.close.clone();
///     view! {
///         <span>{move || connection.state.get().to_string()}</span>
///         <button on:click=move |_| close()>"Disconnect"</button>
///     }
/// }
/// ```
///
/// # Panics
/// Outside a `<SyncProvider>`, with a message naming it.
pub fn use_sync_connection() -> SyncConnection {
    expect_sync_context("use_sync_connection").connection
}
