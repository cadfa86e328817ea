//! Topics with a parameter render on the server like the parameterless ones:
//! empty and Pending, without touching browser APIs.
//! Run with `cargo test -p leptos-sync --features ssr --test ssr_rooms`.
#![cfg(feature = "ssr")]

use leptos::prelude::*;
use leptos_sync::{
    SyncComponent, SyncProvider, SyncRegistry, use_sync_component_in, use_sync_entity_in,
};
use serde::{Deserialize, Serialize};

#[derive(Clone, PartialEq, Serialize, Deserialize, SyncComponent)]
struct Message {
    text: String,
}

#[component]
fn Room() -> impl IntoView {
    let (room, set_room) = signal("lobby".to_string());
    let messages = use_sync_component_in::<Message>(room);
    let first = use_sync_entity_in::<Message>(room, "m1".to_string());
    // A switch while rendering is followed as in the browser.
    set_room.set("general".into());
    view! {
        <p class="room">{move || format!("{} in {}: {:?}", messages.get().len(), room.get(), messages.state.get().status)}</p>
        <p class="first">{move || first.get().map(|m| m.text).unwrap_or_default()}</p>
    }
}

#[test]
fn a_room_renders_empty_and_pending_on_the_server() {
    let owner = Owner::new();
    let html = owner.with(|| {
        let registry = SyncRegistry::new().register::<Message>();
        view! {
            <SyncProvider url="ws://127.0.0.1:1/ws" registry=registry>
                <Room/>
            </SyncProvider>
        }
        .to_html()
    });
    assert!(html.contains("0 in general: Pending"), "{html}");
}
