//! The drop-in widgets against the real reference server: classes, aria
//! attributes and texts follow what the connection really does.
#![cfg(target_arch = "wasm32")]

mod browser_support;
#[path = "browser_widgets/classes.rs"]
mod classes;
#[path = "browser_widgets/reconnect_banner.rs"]
mod reconnect_banner;

use browser_support::*;
use gloo_timers::future::TimeoutFuture;
use leptos::prelude::*;
use leptos_sync::{
    ConnectionIndicator, ConnectionState, ErrorBanner, ReconnectBanner, ReconnectOptions,
    ReconnectPolicy, StatusBar, SyncOptions, SyncRegistry,
};
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

/// Resets `client` on the server, then mounts `children` under a provider
/// that connects at once with `options` and no registered components.
async fn mount_widgets<V: IntoView + 'static>(
    client: &str,
    options: SyncOptions,
    children: impl Fn() -> V + Send + Sync + 'static,
) -> Mounted {
    control(&format!("reset?client={client}")).await;
    mount_with(
        &ws_url(client),
        options,
        true,
        SyncRegistry::new(),
        children,
    )
}

fn find(selector: &str) -> Option<web_sys::Element> {
    document().query_selector(selector).expect("valid selector")
}

fn text(selector: &str) -> Option<String> {
    find(selector).map(|e| e.text_content().unwrap_or_default())
}

fn attr(selector: &str, name: &str) -> Option<String> {
    find(selector).and_then(|e| e.get_attribute(name))
}

fn has_class(selector: &str, class: &str) -> bool {
    find(selector).is_some_and(|e| e.class_list().contains(class))
}

fn click(selector: &str) {
    find(selector)
        .unwrap_or_else(|| panic!("no {selector} to click"))
        .unchecked_into::<web_sys::HtmlElement>()
        .click();
}

fn browser_event(name: &str) {
    let event = web_sys::Event::new(name).expect("event");
    window().dispatch_event(&event).expect("dispatch");
}

/// The seconds of "Reconnecting in N s (attempt …)".
fn countdown(selector: &str) -> Option<u64> {
    let text = text(selector)?;
    text.strip_prefix("Reconnecting in ")?
        .split(' ')
        .next()?
        .parse()
        .ok()
}

/// Asserts that nothing matches `selector` for `ms`, checking every 10 ms.
async fn assert_absent_for(selector: &str, ms: u32) {
    let until = now() + f64::from(ms);
    while now() < until {
        assert!(find(selector).is_none(), "{selector} appeared");
        TimeoutFuture::new(10).await;
    }
}

async fn send_error(client: &str, code: &str, message: &str) {
    let body = serde_json::json!({ "type": "error", "code": code, "message": message });
    control_with_body(&format!("send?client={client}"), &body.to_string()).await;
}
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
#[wasm_bindgen_test]
async fn offline_is_shown_until_online() {
    let client = "w-offline";
    let m = mount_widgets(client, SyncOptions::default(), || {
        view! {
            <ConnectionIndicator class="t-off" show_text=true/>
            <ReconnectBanner class="t-off-banner"/>
        }
    })
    .await;
    m.wait_open(5_000).await;
    browser_event("offline");
    wait_until("indicator offline", 1_000, || {
        has_class(".t-off", "ls-indicator--offline")
    })
    .await;
    assert_eq!(attr(".t-off", "aria-label").as_deref(), Some("Offline"));
    assert_eq!(
        text(".t-off .ls-indicator__text").as_deref(),
        Some("Offline")
    );
    wait_until("offline banner", 2_500, || find(".t-off-banner").is_some()).await;
    assert!(has_class(".t-off-banner", "ls-reconnect-banner--offline"));
    assert_eq!(
        text(".t-off-banner .ls-reconnect-banner__message").as_deref(),
        Some("You are offline")
    );

    browser_event("online");
    wait_until("indicator open again", 2_000, || {
        has_class(".t-off", "ls-indicator--open")
    })
    .await;
    wait_until("banner gone", 1_000, || find(".t-off-banner").is_none()).await;
}
#[wasm_bindgen_test]
async fn error_banner_shows_the_error_and_dismisses_it() {
    let client = "w-error";
    let m = mount_widgets(
        client,
        SyncOptions::default(),
        || view! { <ErrorBanner class="t-err"/> },
    )
    .await;
    m.wait_open(5_000).await;
    assert!(find(".t-err").is_none());
    send_error(client, "boom", "kaboom").await;
    wait_until("error banner", 2_000, || find(".t-err").is_some()).await;
    assert_eq!(attr(".t-err", "role").as_deref(), Some("alert"));
    let shown = text(".t-err .ls-error-banner__message").unwrap();
    assert_eq!(
        Some(shown.clone()),
        m.ctx.last_error.get_untracked().map(|e| e.to_string())
    );
    assert!(
        shown.contains("boom") && shown.contains("kaboom"),
        "{shown}"
    );
    let dismiss = ".t-err .ls-error-banner__dismiss";
    assert_eq!(attr(dismiss, "aria-label").as_deref(), Some("Dismiss"));
    click(dismiss);
    wait_until("banner dismissed", 1_000, || find(".t-err").is_none()).await;
    assert_eq!(m.ctx.last_error.get_untracked(), None);
}

#[wasm_bindgen_test]
async fn server_text_is_rendered_as_text_not_html() {
    let client = "w-xss";
    let m = mount_widgets(
        client,
        SyncOptions::default(),
        || view! { <ErrorBanner class="t-xss"/> },
    )
    .await;
    m.wait_open(5_000).await;
    let payload = "<img src=x onerror=alert(1)>";
    send_error(client, "x", payload).await;
    wait_until("error banner", 2_000, || find(".t-xss").is_some()).await;
    let message = find(".t-xss .ls-error-banner__message").unwrap();
    assert!(
        message.text_content().unwrap().contains(payload),
        "{:?}",
        message.text_content()
    );
    assert!(
        message.inner_html().contains("&lt;img"),
        "{}",
        message.inner_html()
    );
    assert!(find(".t-xss img").is_none(), "an <img> was created");
    assert_eq!(document().get_elements_by_tag_name("img").length(), 0);
}

#[wasm_bindgen_test]
async fn auto_hide_restarts_for_each_new_error() {
    let client = "w-autohide";
    let m = mount_widgets(
        client,
        SyncOptions::default(),
        || view! { <ErrorBanner class="t-hide" auto_hide_ms=600/> },
    )
    .await;
    m.wait_open(5_000).await;
    send_error(client, "first", "one").await;
    wait_until("first error", 2_000, || find(".t-hide").is_some()).await;
    let first_at = now();
    // A second error while the first one's timer runs.
    TimeoutFuture::new(300).await;
    send_error(client, "second", "two").await;
    let message = ".t-hide .ls-error-banner__message";
    wait_until("second error", 2_000, || {
        text(message).is_some_and(|t| t.contains("second"))
    })
    .await;
    let second_at = now();
    wait_until("auto hidden", 3_000, || find(".t-hide").is_none()).await;
    let hidden_at = now();
    assert!(
        hidden_at - second_at >= 500.0,
        "hidden {} ms after the second error",
        hidden_at - second_at
    );
    assert!(hidden_at - first_at >= 800.0, "timer was not restarted");
    assert_eq!(m.ctx.last_error.get_untracked(), None);
}
