//! `<ConnectionIndicator/>` and `<StatusBar/>` on the kit: offline until
//! the browser is online, and a connected-for that ticks with virtual time.

use leptos_sync::{ConnectionIndicator, ReconnectBanner, StatusBar};

use super::*;

#[wasm_bindgen_test]
async fn offline_is_shown_until_online() {
    let m = mount_mock(
        MockServer::default(),
        every(1_000),
        SyncRegistry::new(),
        || {
            view! {
                <ConnectionIndicator class="k-off" show_text=true/>
                <ReconnectBanner class="k-off-banner"/>
            }
        },
    )
    .await;
    m.server.set_online(false);
    m.server.settle().await;
    assert!(has_class(".k-off", "ls-indicator--offline"));
    assert_eq!(attr(".k-off", "aria-label").as_deref(), Some("Offline"));
    assert_eq!(
        text(".k-off .ls-indicator__text").as_deref(),
        Some("Offline")
    );
    m.server.advance(1_000).await;
    assert!(has_class(".k-off-banner", "ls-reconnect-banner--offline"));
    assert_eq!(
        text(".k-off-banner .ls-reconnect-banner__message").as_deref(),
        Some("You are offline")
    );

    m.server.set_online(true);
    m.server.settle().await;
    assert!(has_class(".k-off", "ls-indicator--open"));
    assert!(find(".k-off-banner").is_none());
}

#[wasm_bindgen_test]
async fn the_status_bar_counts_connected_time_and_reconnects() {
    let m = mount_mock(
        MockServer::default(),
        every(2_000),
        SyncRegistry::new(),
        || {
            view! { <StatusBar class="k-bar"/> }
        },
    )
    .await;
    let value = |item: &str| {
        text(&format!(
            ".k-bar .ls-status-bar__item--{item} .ls-status-bar__value"
        ))
    };
    assert!(has_class(".k-bar", "ls-status-bar--open"));
    assert_eq!(
        text(".k-bar .ls-status-bar__state").as_deref(),
        Some("Connected")
    );
    assert_eq!(value("reconnects").as_deref(), Some("0"));
    m.server.advance(61_000).await;
    assert_eq!(value("connected-for").as_deref(), Some("1 min 01 s"));

    m.server.close(1006, "");
    m.server.advance(2_000).await;
    assert_eq!(value("reconnects").as_deref(), Some("1"));
    m.server.advance(5_000).await;
    assert_eq!(value("connected-for").as_deref(), Some("5 s"));
}
