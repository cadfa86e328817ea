use crate::provider::{SyncContext, expect_sync_context};

/// The sync context of the enclosing [`SyncProvider`](crate::SyncProvider):
/// reactive `last_error` and `clear_error`, `set_token`, and the connection.
///
/// ## Usage
///
/// ```no_run
/// use leptos::prelude::*;
/// use leptos_sync::use_sync_context;
///
/// #[component]
/// fn LastError() -> impl IntoView {
///     let ctx = use_sync_context();
///     view! { <p>{move || ctx.last_error.get().map(|e| e.to_string())}</p> }
/// }
/// ```
///
/// # Panics
/// Outside a `<SyncProvider>`, with a message naming it.
pub fn use_sync_context() -> SyncContext {
    expect_sync_context("use_sync_context")
}
