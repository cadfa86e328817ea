//! The page: the provider around the widgets, the live panels and the fault panel.

use leptos::prelude::*;
use leptos_sync::{
    ConnectionIndicator, ErrorBanner, ReconnectBanner, StatusBar, SyncOptions, SyncProvider,
};

use crate::board::TaskBoard;
use crate::debug::DebugSnapshot;
use crate::faults::FaultPanel;
use crate::model::registry;
use crate::role::{OBSERVER_TOKEN, RoleSwitch, is_observer};
use crate::rooms::Board;
use crate::status::StatusPanel;
use crate::summary::SummaryPanel;
use crate::ticker::TickerPanel;
use crate::toast::JoinToasts;

/// The WebSocket endpoint, relative to the page's origin.
const WS_URL: &str = "/ws";

/// How long the connection must be down before the reconnect banner shows:
/// longer than the first retry's delay (0.5–1 s), so a lone blip never flickers.
const GRACE_MS: u32 = 1_500;

/// The whole demo page.
#[component]
pub fn App() -> impl IntoView {
    let options = if is_observer() {
        SyncOptions::default().token(|| Some(OBSERVER_TOKEN.to_owned()))
    } else {
        SyncOptions::default()
    };
    let board = Board::from_url();
    provide_context(board);
    view! {
        <SyncProvider url=WS_URL registry=registry() options=options>
            <div class="page">
                <header class="topbar">
                    <div class="topbar__inner">
                        <div class="topbar__brand">
                            <h1>"leptos-sync"</h1>
                            <span class="topbar__tagline">"live demo"</span>
                        </div>
                        <RoleSwitch />
                        <ConnectionIndicator show_text=true class="topbar__indicator" />
                    </div>
                </header>
                <div class="notices">
                    <ReconnectBanner grace_ms=GRACE_MS />
                    <ErrorBanner />
                </div>
                <main class="demo">
                    <TaskBoard />
                    <SummaryPanel topic=board.topic() />
                    <TickerPanel />
                    <StatusPanel />
                    <FaultPanel />
                </main>
                <footer class="footer">
                    <StatusBar class="footer__bar" />
                </footer>
                <DebugSnapshot />
                <JoinToasts />
            </div>
        </SyncProvider>
    }
}
