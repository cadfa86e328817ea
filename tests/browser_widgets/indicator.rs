//! `<ConnectionIndicator/>` and `<StatusBar/>`: connected with live metrics,
//! and one stylesheet however many widgets.

use super::*;

#[wasm_bindgen_test]
async fn open_shows_connected_and_live_metrics() {
    let client = "w-open";
    let m = mount_widgets(client, SyncOptions::default(), || {
        view! {
            <ConnectionIndicator show_text=true class="t-open"/>
            <StatusBar class="t-open-bar"/>
            <ReconnectBanner class="t-open-banner"/>
            <ErrorBanner class="t-open-error"/>
        }
    })
    .await;
    m.wait_open(5_000).await;
    wait_until("indicator open", 2_000, || {
        has_class(".t-open", "ls-indicator--open")
    })
    .await;
    assert!(has_class(".t-open", "ls-indicator"));
    assert_eq!(attr(".t-open", "role").as_deref(), Some("status"));
    assert_eq!(attr(".t-open", "aria-label").as_deref(), Some("Connected"));
    assert_eq!(attr(".t-open", "title").as_deref(), Some("Connected"));
    assert_eq!(
        text(".t-open .ls-indicator__text").as_deref(),
        Some("Connected")
    );
    assert!(find(".t-open .ls-indicator__dot").is_some());

    // One stylesheet per document, however many widgets.
    let styles = document().get_elements_by_tag_name("style");
    let ours = (0..styles.length())
        .filter_map(|i| styles.item(i))
        .filter(|s| s.id() == "leptos-sync-widgets")
        .count();
    assert_eq!(ours, 1);
    let style = find("head > #leptos-sync-widgets").expect("style in head");
    assert!(
        style
            .text_content()
            .unwrap()
            .contains(".ls-indicator--open")
    );

    assert!(has_class(".t-open-bar", "ls-status-bar--open"));
    assert_eq!(
        text(".t-open-bar .ls-status-bar__state").as_deref(),
        Some("Connected")
    );
    let value = |item: &str| {
        text(&format!(
            ".t-open-bar .ls-status-bar__item--{item} .ls-status-bar__value"
        ))
    };
    assert_eq!(value("reconnects").as_deref(), Some("0"));
    assert_eq!(value("queued").as_deref(), Some("0"));
    wait_until("connected-for shown", 2_000, || {
        value("connected-for").is_some()
    })
    .await;
    let first = value("connected-for").unwrap();
    assert!(first.ends_with(" s"), "{first}");
    wait_until("connected-for ticks", 2_500, || {
        value("connected-for").is_some_and(|v| v != first)
    })
    .await;

    assert!(
        find(".t-open-banner").is_none(),
        "no reconnect banner while open"
    );
    assert!(
        find(".t-open-error").is_none(),
        "no error banner without an error"
    );
}
