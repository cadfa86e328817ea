//! The SSR + hydrate example: one [`App`] that the server renders to HTML
//! (feature `ssr`, see `main.rs`) and the browser hydrates (feature
//! `hydrate`, [`hydrate`]), then connects.
//!
//! The page shows the widgets and a live list of the reference server's
//! ticker (`leptos-sync-server --demo-data`). The server renders them in
//! their initial state (not connected, no entries), the client's first frame
//! is exactly that HTML, and the provider connects once hydration is done.

use leptos::prelude::*;
use leptos_sync::{
    ConnectionIndicator, ErrorBanner, ReconnectBanner, StatusBar, SyncComponent, SyncProvider,
    SyncRegistry, use_sync_component,
};
use serde::{Deserialize, Serialize};

/// The name of the `<meta>` that carries the sync server's URL from the
/// server's render to the client's hydration.
pub const URL_META: &str = "leptos-sync-url";

/// One symbol's price on topic "Ticker", as `leptos-sync-server --demo-data`
/// publishes it about once a second.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, SyncComponent)]
pub struct Ticker {
    /// The price.
    pub price: f64,
    /// When it was published (ms since the epoch).
    pub at: u64,
}

/// The page's body: the provider, the widgets and the live list.
#[component]
pub fn App(
    /// The sync server's WebSocket URL.
    url: String,
) -> impl IntoView {
    let registry = SyncRegistry::new().register::<Ticker>();
    view! {
        <SyncProvider url=url registry=registry>
            <header>
                <h1>"leptos-sync, server-rendered"</h1>
                <ConnectionIndicator show_text=true/>
            </header>
            <ReconnectBanner/>
            <ErrorBanner/>
            <TickerList/>
            <footer><StatusBar/></footer>
        </SyncProvider>
    }
}

/// The ticker's symbols and prices, sorted by symbol.
#[component]
fn TickerList() -> impl IntoView {
    let ticker = use_sync_component::<Ticker>();
    let rows = move || {
        let mut rows: Vec<(String, String)> = ticker.entries.with(|entries| {
            entries
                .iter()
                .map(|(symbol, t)| (symbol.clone(), format!("{:.2}", t.price)))
                .collect()
        });
        rows.sort_by(|a, b| a.0.cmp(&b.0));
        rows
    };
    view! {
        <ul class="ticker">
            <For each=rows key=|row| row.clone() let((symbol, price))>
                <li class="ticker__row">{symbol}": "{price}</li>
            </For>
        </ul>
        <p class="ticker__count">
            {move || {
                let status = format!("{:?}", ticker.state.get().status).to_lowercase();
                format!("{} symbols, {status}", ticker.entries.with(|e| e.len()))
            }}
        </p>
    }
}

/// The wasm's entry point, called by leptos's hydration script
/// (`<HydrationScripts>`) once the module has loaded: hydrates the body with
/// the URL the server rendered into the `<meta name="leptos-sync-url">`.
#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    let url = document()
        .query_selector(&format!("meta[name={URL_META}]"))
        .ok()
        .flatten()
        .and_then(|meta| meta.get_attribute("content"))
        .unwrap_or_default();
    leptos::mount::hydrate_body(move || view! { <App url/> });
}

/// The HTML of the client's first frame of `<App url/>`: built in the
/// browser under a hydrating owner, as [`hydrate`] builds it, into a detached
/// `<div>`, read, and dropped before any effect runs (so it never connects).
///
/// The test page compares it with the server's body: leptos reports a
/// structural hydration mismatch in the console, but keeps a text or an
/// attribute that differs silently, and the page would then show the
/// server's text for a state the client is not in.
#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn first_frame_html(url: String) -> String {
    use hydration_context::HydrateSharedContext;
    use leptos::tachys::view::{Mountable, Render};
    use std::sync::Arc;

    let owner = Owner::new_root(Some(Arc::new(HydrateSharedContext::new())));
    let Ok(parent) = document().create_element("div") else {
        return String::new();
    };
    let html = owner.with(|| {
        let mut view = view! { <App url/> }.into_view().build();
        view.mount(&parent, None);
        let html = parent.inner_html();
        view.unmount();
        html
    });
    owner.cleanup();
    html
}
