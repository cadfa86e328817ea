//! Hostile auth and server text: a rejected token (close 4401, 4403, 1008,
//! or a refused `hello`) makes at most one attempt until the token changes;
//! no token ever reaches a URL, a log line, the DOM or the server's
//! statistics; server error text with markup renders as inert text.

use gloo_timers::future::TimeoutFuture;
use leptos::prelude::*;
use leptos_sync::{
    ConnectionIndicator, ConnectionState, ErrorBanner, FailReason, ReconnectOptions,
    ReconnectPolicy, StatusBar, SyncError, SyncOptions, SyncRegistry,
};
use serde_json::json;
use wasm_bindgen_test::*;

use crate::report::*;
use crate::support::*;

const CLIENT: &str = "chaos-auth";
const MARKUP: &str = r#"<img src=x onerror="window.__chaosXss=1"><b id="chaos-bold">bold</b><script>window.__chaosXss=2</script>"#;

fn token() -> String {
    format!(
        "secret-{:08x}{:08x}",
        rand(0, u32::MAX - 1),
        rand(0, u32::MAX - 1)
    )
}

fn banner() -> Option<web_sys::Element> {
    find(".ls-error-banner")
}

#[wasm_bindgen_test]
async fn chaos_auth() {
    let scale = scale();
    install_probes();
    let logs = capture_logs();
    let mut report = Report::new();
    control(&format!("reset?client={CLIENT}")).await;
    let first = token();
    let mut tokens = vec![first.clone()];
    control(&format!("token?value={first}")).await;
    let options = SyncOptions::default()
        .reconnect(ReconnectOptions {
            policy: ReconnectPolicy::Fixed(20),
            ..Default::default()
        })
        .token(move || Some(first.clone()));
    let children = || view! { <ErrorBanner/> <StatusBar/> <ConnectionIndicator/> };
    let m = mount_with(
        &ws_url(CLIENT),
        options,
        true,
        SyncRegistry::new(),
        children,
    );
    assert!(wait_for(10_000, || m.is_open()).await, "first connect");

    let ways = ["close 4401", "close 4403", "close 1008", "hello refused"];
    for i in 0..count(20, scale) {
        report.tried += 1;
        let way = ways[i as usize % ways.len()];
        // The server moves on to a new token: the client's is now stale.
        let next = token();
        tokens.push(next.clone());
        control(&format!("token?value={next}")).await;
        let before = m.metrics().attempts;
        match way {
            "close 4401" => {
                control(&format!(
                    "close?code=4401&reason=unauthorized&client={CLIENT}"
                ))
                .await
            }
            "close 4403" => {
                control(&format!("close?code=4403&reason=forbidden&client={CLIENT}")).await
            }
            "close 1008" => {
                control(&format!("close?code=1008&reason=policy&client={CLIENT}")).await
            }
            _ => control(&format!("drop?client={CLIENT}")).await, // reconnects with the stale token
        };
        let rejected = wait_for(5_000, || {
            matches!(
                m.state(),
                ConnectionState::Failed {
                    reason: FailReason::AuthRejected { .. }
                }
            ) && matches!(
                m.ctx.last_error.get_untracked(),
                Some(SyncError::AuthRejected { .. })
            )
        })
        .await;
        let tried_after = m.metrics().attempts;
        // Fifteen retry periods of the 20 ms policy pass: no new attempt.
        TimeoutFuture::new(300).await;
        let idle = m.metrics().attempts == tried_after;
        let expected = before + u32::from(way == "hello refused");
        let rotated_at = now();
        (m.ctx.set_token)(Some(next.clone()));
        let reopened = wait_for(5_000, || m.is_open()).await;
        report.recovery(now() - rotated_at);
        let one_more = m.metrics().attempts == expected + 1;

        // Server text with markup shows as text, not HTML.
        let frame = json!({"type": "error", "code": "<i>teapot</i>", "message": MARKUP});
        control_with_body(&format!("send?client={CLIENT}"), &frame.to_string()).await;
        let shown = wait_for(3_000, || {
            banner().is_some_and(|b| b.text_content().unwrap_or_default().contains("<img src=x"))
        })
        .await;
        let inert = banner().is_some_and(|b| {
            b.query_selector("img, b, i, script")
                .ok()
                .flatten()
                .is_none()
        }) && document().get_element_by_id("chaos-bold").is_none()
            && js_sys::Reflect::get(&window(), &"__chaosXss".into())
                .is_ok_and(|v| v.is_undefined());
        if rejected && idle && tried_after == expected && reopened && one_more && shown && inert {
            report.survived += 1;
        } else {
            report.fail(format!(
                "cycle {i} ({way}): rejected {rejected}, attempts {before}→{tried_after} (want {expected}), \
                 idle {idle}, reopened {reopened} with one attempt {one_more}, markup shown {shown} inert {inert}"
            ));
        }
    }
    control("token?value=").await;

    // No token in any URL, log line, the DOM, the server's statistics or an error text.
    let stats = stats(CLIENT).await.to_string();
    let dom = document().document_element().unwrap().outer_html();
    let error = format!("{:?}", m.ctx.last_error.get_untracked());
    let urls = socket_urls();
    let logs = logs.lock().unwrap().clone();
    let mut places = vec![("server stats", stats), ("DOM", dom), ("last_error", error)];
    places.extend(urls.iter().map(|u| ("socket URL", u.clone())));
    places.extend(logs.iter().map(|l| ("log", l.clone())));
    for (place, text) in &places {
        if let Some(t) = tokens.iter().find(|t| text.contains(t.as_str())) {
            report.fail(format!("token {t} leaked into the {place}"));
        }
    }
    report.extra("tokens", tokens.len());
    report.extra("places_checked", places.len());
    report.extra("log_lines", logs.len());
    report.finish("auth");
}
