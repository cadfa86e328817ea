//! The page: the provider around the status panel and the fault panel.

use leptos::prelude::*;
use leptos_sync::{SyncProvider, SyncRegistry};

use crate::faults::FaultPanel;
use crate::status::StatusPanel;

/// The WebSocket endpoint, relative to the page's origin.
const WS_URL: &str = "/ws";

/// The whole demo page.
#[component]
pub fn App() -> impl IntoView {
    view! {
        <SyncProvider url=WS_URL registry=SyncRegistry::new()>
            <main class="demo">
                <header class="demo__header">
                    <h1>"leptos-sync"</h1>
                    <p class="demo__tagline">"One managed WebSocket, kept live against the server."</p>
                </header>
                <StatusPanel />
                <FaultPanel />
            </main>
        </SyncProvider>
    }
}
