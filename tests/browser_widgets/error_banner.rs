//! `<ErrorBanner/>`: shows the last error, dismisses it, hides it after a
//! delay that restarts for each new error, and renders server text as text.

use super::*;

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
