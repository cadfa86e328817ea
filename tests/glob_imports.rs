//! The README's imports, `use leptos::prelude::*; use leptos_sync::*;`, are
//! all an app needs, and no name of leptos-sync clashes with leptos's
//! prelude. This file is the test: it fails to compile on a clash.
#![cfg(not(target_arch = "wasm32"))]
#![deny(warnings)]

/// Both globs re-exported side by side: `ambiguous_glob_reexports` (denied
/// above) fires for any name the two share, used or not, so a new export
/// that clashes fails here without being listed.
#[allow(unused_imports)]
pub mod both {
    pub use leptos::prelude::*;
    pub use leptos_sync::*;
}

use leptos::prelude::*;
use leptos_sync::*;
use serde::{Deserialize, Serialize};

#[derive(Clone, PartialEq, Serialize, Deserialize, SyncComponent)]
struct Task {
    title: String,
    done: bool,
}

/// The README's app, through the two globs alone.
#[component]
fn App() -> impl IntoView {
    let registry = SyncRegistry::new().register::<Task>();
    let options = SyncOptions::default().reconnect(ReconnectOptions {
        max_attempts: Some(30),
        ..Default::default()
    });
    view! {
        <SyncProvider url="/ws" registry=registry options=options auto_connect=false>
            <ConnectionIndicator show_text=true/>
            <Tasks/>
        </SyncProvider>
    }
}

#[component]
fn Tasks() -> impl IntoView {
    let tasks = use_sync_component::<Task>();
    let connection: SyncConnection = use_sync_connection();
    let open: SyncCallback = connection.open.clone();
    let ctx = use_sync_context();
    view! {
        <p>{move || connection.state.get().to_string()}</p>
        <p>{move || ctx.last_error.get().map(|e: SyncError| e.to_string())}</p>
        <p>{move || format!("{} tasks", tasks.get().len())}</p>
        <button on:click=move |_| open()>"Connect"</button>
    }
}

#[test]
fn the_readme_imports_resolve_every_name() {
    // Compiling is the test; naming the components keeps them used.
    let _ = (App, Tasks);
    assert_eq!(ConnectionState::default(), ConnectionState::Idle);
}
