//! `<ReconnectBanner/>`: grace delay, countdown, failure, retry, and when it must stay away.

use super::*;

#[wasm_bindgen_test]
async fn reconnecting_shows_a_countdown_that_decreases() {
    let client = "w-countdown";
    let m = mount_widgets(client, fixed(5_000), || {
        view! {
            <ConnectionIndicator class="t-cd"/>
            <ReconnectBanner class="t-cd-banner"/>
        }
    })
    .await;
    m.wait_open(5_000).await;
    control(&format!("drop?client={client}")).await;
    let dropped = now();
    wait_until("indicator reconnecting", 2_000, || {
        has_class(".t-cd", "ls-indicator--reconnecting")
    })
    .await;
    assert_eq!(
        attr(".t-cd", "aria-label").as_deref(),
        Some("Reconnecting (attempt 1)")
    );
    wait_until("banner shown", 3_000, || find(".t-cd-banner").is_some()).await;
    assert!(now() - dropped >= 900.0, "shown before the grace delay");
    assert!(has_class(
        ".t-cd-banner",
        "ls-reconnect-banner--reconnecting"
    ));
    assert_eq!(attr(".t-cd-banner", "aria-live").as_deref(), Some("polite"));
    let message = ".t-cd-banner .ls-reconnect-banner__message";
    let first = countdown(message).unwrap_or_else(|| panic!("countdown: {:?}", text(message)));
    assert!((2..=4).contains(&first), "{:?}", text(message));
    assert!(
        text(message).unwrap().ends_with("s (attempt 1)"),
        "{:?}",
        text(message)
    );
    assert_eq!(
        text(".t-cd-banner .ls-reconnect-banner__announce").as_deref(),
        Some("Reconnecting… (attempt 1)")
    );
    assert_eq!(
        text(".t-cd-banner .ls-reconnect-banner__retry").as_deref(),
        Some("Retry now")
    );
    wait_until("countdown decreases", 1_600, || {
        countdown(message).is_some_and(|n| n == first - 1)
    })
    .await;
    m.wait_open(6_000).await;
    wait_until("banner gone", 1_000, || find(".t-cd-banner").is_none()).await;
    assert!(has_class(".t-cd", "ls-indicator--open"));
}
#[wasm_bindgen_test]
async fn failed_shows_the_reason_and_retry_connects() {
    let client = "w-failed";
    let options = SyncOptions::default().reconnect(ReconnectOptions {
        policy: ReconnectPolicy::Fixed(100),
        max_attempts: Some(1),
        ..Default::default()
    });
    let m = mount_widgets(client, options, || {
        view! {
            <ConnectionIndicator class="t-fail"/>
            <ReconnectBanner class="t-fail-banner"/>
        }
    })
    .await;
    m.wait_open(5_000).await;
    control(&format!("refuse?ms=60000&client={client}")).await;
    control(&format!("drop?client={client}")).await;
    wait_until("Failed", 3_000, || {
        matches!(m.state(), ConnectionState::Failed { .. })
    })
    .await;
    let ConnectionState::Failed { reason } = m.state() else {
        unreachable!()
    };
    let expected = format!("Connection failed: {reason}");
    wait_until("indicator failed", 1_000, || {
        has_class(".t-fail", "ls-indicator--failed")
    })
    .await;
    assert_eq!(attr(".t-fail", "aria-label"), Some(expected.clone()));
    wait_until("failure banner", 1_000, || {
        has_class(".t-fail-banner", "ls-reconnect-banner--failed")
    })
    .await;
    assert_eq!(
        text(".t-fail-banner .ls-reconnect-banner__message"),
        Some(expected)
    );
    let retry = ".t-fail-banner .ls-reconnect-banner__retry";
    assert_eq!(text(retry).as_deref(), Some("Retry"));

    control(&format!("refuse?ms=0&client={client}")).await;
    click(retry);
    m.wait_open(3_000).await;
    wait_until("banner gone", 1_000, || find(".t-fail-banner").is_none()).await;
    wait_until("indicator open", 1_000, || {
        has_class(".t-fail", "ls-indicator--open")
    })
    .await;
}
#[wasm_bindgen_test]
async fn a_blip_shorter_than_the_grace_delay_shows_no_banner() {
    let client = "w-blip";
    let m = mount_widgets(client, fixed(50), || {
        view! { <ReconnectBanner class="t-blip"/> }
    })
    .await;
    m.wait_open(5_000).await;
    control(&format!("drop?client={client}")).await;
    let deadline = now() + 3_000.0;
    let mut saw_down = false;
    loop {
        assert!(find(".t-blip").is_none(), "banner shown for a blip");
        saw_down |= !m.is_open();
        if m.is_open() && m.ctx.connection.metrics.get_untracked().reconnects == 1 {
            break;
        }
        assert!(now() < deadline, "no reconnect within 3 s");
        TimeoutFuture::new(10).await;
    }
    assert!(saw_down, "the drop was never seen");
    // The grace timer of the blip must be cancelled, not merely late.
    assert_absent_for(".t-blip", 1_300).await;
}

#[wasm_bindgen_test]
async fn retry_now_connects_at_once() {
    let client = "w-retry-now";
    let m = mount_widgets(client, fixed(60_000), || {
        view! {
            <ReconnectBanner class="t-now"/>
            <StatusBar class="t-now-bar" compact=true/>
        }
    })
    .await;
    m.wait_open(5_000).await;
    control(&format!("drop?client={client}")).await;
    let retry = ".t-now .ls-reconnect-banner__retry";
    wait_until("retry button", 3_000, || find(retry).is_some()).await;
    let left = countdown(".t-now .ls-reconnect-banner__message").expect("countdown");
    assert!((57..=60).contains(&left), "{left} s left");
    assert!(has_class(".t-now-bar", "ls-status-bar--reconnecting"));
    let clicked = now();
    click(retry);
    m.wait_open(2_000).await;
    assert!(now() - clicked < 2_000.0);
    wait_until("banner gone", 1_000, || find(".t-now").is_none()).await;
    wait_until("one reconnect in the status bar", 1_000, || {
        text(".t-now-bar .ls-status-bar__item--reconnects .ls-status-bar__value").as_deref()
            == Some("1")
    })
    .await;
    assert!(has_class(".t-now-bar", "ls-status-bar--compact"));
}

#[wasm_bindgen_test]
async fn idle_and_user_closed_never_show_the_banner() {
    let client = "w-idle";
    control(&format!("reset?client={client}")).await;
    let m = mount_with(
        &ws_url(client),
        fixed(100),
        false,
        SyncRegistry::new(),
        || {
            view! {
                <ConnectionIndicator class="t-idle"/>
                <ReconnectBanner class="t-idle-banner" grace_ms=200/>
                <StatusBar class="t-idle-bar"/>
            }
        },
    );
    wait_until("indicator idle", 1_000, || {
        has_class(".t-idle", "ls-indicator--idle")
    })
    .await;
    assert_eq!(
        attr(".t-idle", "aria-label").as_deref(),
        Some("Not connected")
    );
    assert!(has_class(".t-idle-bar", "ls-status-bar--idle"));
    assert_absent_for(".t-idle-banner", 600).await;

    (m.ctx.connection.open)();
    m.wait_open(5_000).await;
    (m.ctx.connection.close)();
    wait_until("indicator closed", 2_000, || {
        has_class(".t-idle", "ls-indicator--closed")
    })
    .await;
    assert_eq!(
        attr(".t-idle", "aria-label").as_deref(),
        Some("Disconnected")
    );
    assert_absent_for(".t-idle-banner", 600).await;
    assert_eq!(m.state(), ConnectionState::Closed);
}
