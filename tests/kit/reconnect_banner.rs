//! `<ReconnectBanner/>` on the kit: grace delay, a countdown that ticks
//! with virtual time, failure, retry, and when it must stay away.

use leptos_sync::{ConnectionIndicator, ReconnectBanner, StatusBar};

use super::*;

#[wasm_bindgen_test]
async fn reconnecting_shows_a_countdown_after_the_grace_delay() {
    let m = mount_mock(
        MockServer::default(),
        every(5_000),
        SyncRegistry::new(),
        || {
            view! {
                <ConnectionIndicator class="k-cd"/>
                <ReconnectBanner class="k-cd-banner"/>
            }
        },
    )
    .await;
    m.server.close(1006, "");
    m.server.settle().await;
    assert!(has_class(".k-cd", "ls-indicator--reconnecting"));
    assert_eq!(
        attr(".k-cd", "aria-label").as_deref(),
        Some("Reconnecting (attempt 1)")
    );
    m.server.advance(999).await;
    assert!(
        find(".k-cd-banner").is_none(),
        "shown before the grace delay"
    );
    m.server.advance(1).await;
    assert!(has_class(
        ".k-cd-banner",
        "ls-reconnect-banner--reconnecting"
    ));
    assert_eq!(attr(".k-cd-banner", "aria-live").as_deref(), Some("polite"));
    let message = ".k-cd-banner .ls-reconnect-banner__message";
    assert_eq!(
        text(message).as_deref(),
        Some("Reconnecting in 4 s (attempt 1)")
    );
    assert_eq!(
        text(".k-cd-banner .ls-reconnect-banner__announce").as_deref(),
        Some("Reconnecting… (attempt 1)")
    );
    assert_eq!(
        text(".k-cd-banner .ls-reconnect-banner__retry").as_deref(),
        Some("Retry now")
    );
    for left in [3, 2, 1] {
        m.server.advance(1_000).await;
        assert_eq!(countdown(message), Some(left));
    }
    m.server.advance(1_000).await;
    assert_eq!(m.state(), ConnectionState::Open);
    assert!(
        find(".k-cd-banner").is_none(),
        "banner stays after the reconnect"
    );
    assert!(has_class(".k-cd", "ls-indicator--open"));
}

#[wasm_bindgen_test]
async fn failed_shows_the_reason_and_retry_connects() {
    let options = SyncOptions::default().reconnect(ReconnectOptions {
        policy: ReconnectPolicy::Fixed(100),
        delay_offset_ms: 0,
        max_attempts: Some(1),
        ..Default::default()
    });
    let m = mount_mock(MockServer::default(), options, SyncRegistry::new(), || {
        view! {
            <ConnectionIndicator class="k-fail"/>
            <ReconnectBanner class="k-fail-banner"/>
        }
    })
    .await;
    m.server.set_accept_sockets(false);
    m.server.close(1006, "");
    m.server.advance(100).await;
    let ConnectionState::Failed { reason } = m.state() else {
        panic!("not Failed: {:?}", m.state());
    };
    let expected = format!("Connection failed: {reason}");
    assert!(has_class(".k-fail", "ls-indicator--failed"));
    assert_eq!(attr(".k-fail", "aria-label"), Some(expected.clone()));
    // A failure shows at once: it will not go away by itself.
    assert!(has_class(".k-fail-banner", "ls-reconnect-banner--failed"));
    assert_eq!(
        text(".k-fail-banner .ls-reconnect-banner__message"),
        Some(expected)
    );
    let retry = ".k-fail-banner .ls-reconnect-banner__retry";
    assert_eq!(text(retry).as_deref(), Some("Retry"));

    m.server.set_accept_sockets(true);
    click(retry);
    m.server.settle().await;
    assert_eq!(m.state(), ConnectionState::Open);
    assert!(find(".k-fail-banner").is_none());
    assert!(has_class(".k-fail", "ls-indicator--open"));
}

#[wasm_bindgen_test]
async fn a_blip_shorter_than_the_grace_delay_shows_no_banner() {
    let m = mount_mock(
        MockServer::default(),
        every(500),
        SyncRegistry::new(),
        || {
            view! { <ReconnectBanner class="k-blip"/> }
        },
    )
    .await;
    m.server.close(1006, "");
    m.server.settle().await;
    assert!(matches!(m.state(), ConnectionState::Reconnecting { .. }));
    assert!(find(".k-blip").is_none(), "banner shown at once");
    m.server.advance(499).await;
    assert!(
        find(".k-blip").is_none(),
        "banner shown within the grace delay"
    );
    m.server.advance(1).await;
    assert_eq!(m.state(), ConnectionState::Open);
    assert_eq!(m.ctx.connection.metrics.get_untracked().reconnects, 1);
    // The grace timer of the blip is cancelled, not merely late.
    m.server.advance(10_000).await;
    assert!(find(".k-blip").is_none(), "banner shown for a blip");
}

#[wasm_bindgen_test]
async fn retry_now_connects_at_once() {
    let m = mount_mock(
        MockServer::default(),
        every(60_000),
        SyncRegistry::new(),
        || {
            view! {
                <ReconnectBanner class="k-now"/>
                <StatusBar class="k-now-bar" compact=true/>
            }
        },
    )
    .await;
    m.server.close(1006, "");
    m.server.advance(1_000).await;
    assert_eq!(countdown(".k-now .ls-reconnect-banner__message"), Some(59));
    assert!(has_class(".k-now-bar", "ls-status-bar--reconnecting"));
    click(".k-now .ls-reconnect-banner__retry");
    m.server.settle().await;
    assert_eq!(m.state(), ConnectionState::Open);
    assert_eq!(m.server.connects(), 2);
    assert!(find(".k-now").is_none());
    assert_eq!(
        text(".k-now-bar .ls-status-bar__item--reconnects .ls-status-bar__value").as_deref(),
        Some("1")
    );
    assert!(has_class(".k-now-bar", "ls-status-bar--compact"));
}

#[wasm_bindgen_test]
async fn idle_and_user_closed_never_show_the_banner() {
    let server = MockServer::default();
    let options = MockMountOptions::default()
        .auto_connect(false)
        .options(every(100));
    let app = server
        .mount_with_options(
            || {
                view! {
                    <ConnectionIndicator class="k-idle"/>
                    <ReconnectBanner class="k-idle-banner" grace_ms=200/>
                    <StatusBar class="k-idle-bar"/>
                }
            },
            options,
        )
        .await;
    let ctx = &app.ctx;
    server.advance(600).await;
    assert!(has_class(".k-idle", "ls-indicator--idle"));
    assert_eq!(
        attr(".k-idle", "aria-label").as_deref(),
        Some("Not connected")
    );
    assert!(has_class(".k-idle-bar", "ls-status-bar--idle"));
    assert!(find(".k-idle-banner").is_none(), "banner while Idle");
    assert_eq!(server.connects(), 0);

    (ctx.connection.open)();
    server.settle().await;
    assert!(ctx.connection.state.get_untracked().is_open());
    (ctx.connection.close)();
    server.advance(600).await;
    assert!(has_class(".k-idle", "ls-indicator--closed"));
    assert_eq!(
        attr(".k-idle", "aria-label").as_deref(),
        Some("Disconnected")
    );
    assert!(
        find(".k-idle-banner").is_none(),
        "banner after a user close"
    );
    assert_eq!(
        ctx.connection.state.get_untracked(),
        ConnectionState::Closed
    );
}
