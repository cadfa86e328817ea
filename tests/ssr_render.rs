//! The provider and hooks render on the server without touching browser APIs.
//! Run with `cargo test -p leptos-sync --features ssr --test ssr_render`.
#![cfg(feature = "ssr")]

use leptos::prelude::*;
use leptos_sync::{
    ConnectionState, SyncProvider, SyncRegistry, use_sync_connection, use_sync_context,
};

#[component]
fn Status() -> impl IntoView {
    let connection = use_sync_connection();
    let ctx = use_sync_context();
    view! {
        <p class="state">{move || connection.state.get().to_string()}</p>
        <p class="error">{move || ctx.last_error.get().map(|e| e.to_string())}</p>
    }
}

#[test]
fn renders_the_provider_and_hooks() {
    let owner = Owner::new();
    let html = owner.with(|| {
        view! {
            <SyncProvider url="ws://127.0.0.1:1/ws" registry=SyncRegistry::new()>
                <Status/>
            </SyncProvider>
        }
        .to_html()
    });
    assert!(html.contains(&ConnectionState::Idle.to_string()), "{html}");
    assert!(html.contains("class=\"state\""), "{html}");
}
