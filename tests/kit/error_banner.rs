//! `<ErrorBanner/>` on the kit: shows the last error, dismisses it, renders
//! server text as text, and hides after a delay that restarts for each new
//! error, measured in virtual time to the millisecond.

use leptos_sync::ErrorBanner;

use super::*;

async fn banner(auto_hide_ms: Option<u32>) -> Mock {
    mount_mock(
        MockServer::default(),
        every(1_000),
        SyncRegistry::new(),
        move || match auto_hide_ms {
            Some(ms) => view! { <ErrorBanner class="k-err" auto_hide_ms=ms/> }.into_any(),
            None => view! { <ErrorBanner class="k-err"/> }.into_any(),
        },
    )
    .await
}

#[wasm_bindgen_test]
async fn error_banner_shows_the_error_and_dismisses_it() {
    let m = banner(None).await;
    assert!(find(".k-err").is_none(), "no banner without an error");
    m.server.error("boom", "kaboom");
    m.server.settle().await;
    assert_eq!(attr(".k-err", "role").as_deref(), Some("alert"));
    let shown = text(".k-err .ls-error-banner__message").unwrap();
    assert_eq!(
        Some(shown.clone()),
        m.ctx.last_error.get_untracked().map(|e| e.to_string())
    );
    assert!(
        shown.contains("boom") && shown.contains("kaboom"),
        "{shown}"
    );
    let dismiss = ".k-err .ls-error-banner__dismiss";
    assert_eq!(attr(dismiss, "aria-label").as_deref(), Some("Dismiss"));
    click(dismiss);
    m.server.settle().await;
    assert!(find(".k-err").is_none(), "dismissed");
    assert_eq!(m.ctx.last_error.get_untracked(), None);
}

#[wasm_bindgen_test]
async fn server_text_is_rendered_as_text_not_html() {
    let m = banner(None).await;
    let payload = "<img src=x onerror=alert(1)>";
    m.server.error("x", payload);
    m.server.settle().await;
    let message = find(".k-err .ls-error-banner__message").expect("banner");
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
    assert!(find(".k-err img").is_none(), "an <img> was created");
    assert_eq!(document().get_elements_by_tag_name("img").length(), 0);
}

#[wasm_bindgen_test]
async fn auto_hide_restarts_for_each_new_error() {
    let m = banner(Some(600)).await;
    m.server.error("first", "one");
    m.server.advance(300).await;
    m.server.error("second", "two");
    m.server.settle().await;
    let message = ".k-err .ls-error-banner__message";
    assert!(text(message).is_some_and(|t| t.contains("second")));
    // The first error's 600 ms are over, but the second restarted the timer.
    m.server.advance(599).await;
    assert!(find(".k-err").is_some(), "hidden before its own 600 ms");
    m.server.advance(1).await;
    assert!(find(".k-err").is_none(), "not hidden after 600 ms");
    assert_eq!(m.ctx.last_error.get_untracked(), None);
}
