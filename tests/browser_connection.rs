//! The provider against the real reference server, with real faults.
#![cfg(target_arch = "wasm32")]

mod support;

use leptos::prelude::*;
use leptos_sync::{
    ConnectionReadyState, ConnectionState, Exponential, FailReason, Jitter, Lifecycle,
    ReconnectOptions, ReconnectPolicy, SyncError, SyncOptions,
};
use support::*;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
async fn connects_and_says_hello_first() {
    let client = "connects";
    control(&format!("reset?client={client}")).await;
    let m = mount(&ws_url(client), SyncOptions::default(), true);
    m.wait_open(5_000).await;
    assert_eq!(
        m.ctx.connection.ready_state.get_untracked(),
        ConnectionReadyState::Open
    );
    assert_eq!(
        m.events(),
        vec![Lifecycle::Connecting { attempt: 0 }, Lifecycle::Connected]
    );
    let frames = stats(client).await["frames"].clone();
    assert_eq!(frames[0]["type"], "hello", "first frame: {frames}");
    assert_eq!(m.ctx.connection.metrics.get_untracked().attempts, 1);
}

#[wasm_bindgen_test]
async fn reconnects_after_the_server_drops_every_connection() {
    let client = "drop";
    control(&format!("reset?client={client}")).await;
    let m = mount(&ws_url(client), SyncOptions::default(), true);
    m.wait_open(5_000).await;
    control(&format!("drop?client={client}")).await;
    wait_until("Reconnecting{attempt: 1}", 3_000, || {
        matches!(m.state(), ConnectionState::Reconnecting { attempt: 1, .. })
    })
    .await;
    // Default policy: the first retry comes within initial + initial = 1 s.
    m.wait_open(3_000).await;
    assert_eq!(m.ctx.connection.metrics.get_untracked().reconnects, 1);
    assert!(
        m.events()
            .iter()
            .any(|e| matches!(e, Lifecycle::Reconnected { attempts: 1.. })),
        "events: {:?}",
        m.events()
    );
    let hellos = stats(client).await["hellos"].as_array().unwrap().len();
    assert_eq!(hellos, 2, "hello sent on both connections");
}

#[wasm_bindgen_test]
async fn refused_attempts_are_spaced_within_the_policy_bounds() {
    let client = "refuse";
    control(&format!("reset?client={client}")).await;
    let policy = ReconnectOptions {
        policy: ReconnectPolicy::Exponential(Exponential {
            initial_ms: 200,
            max_ms: 2_000,
            multiplier: 2.0,
            jitter: Jitter::Full,
        }),
        ..Default::default()
    };
    let m = mount(
        &ws_url(client),
        SyncOptions::default().reconnect(policy.clone()),
        true,
    );
    m.wait_open(5_000).await;
    control(&format!("refuse?ms=3000&client={client}")).await;
    let dropped_at = now();
    control(&format!("drop?client={client}")).await;
    wait_until("the drop is seen", 2_000, || !m.is_open()).await;
    m.wait_open(10_000).await;

    let attempts = attempts(client).await;
    let refused = attempts.iter().filter(|(_, o)| o == "refused").count();
    assert!(refused >= 2, "several attempts were refused: {attempts:?}");
    assert_eq!(attempts.last().unwrap().1, "accepted");
    // The delays the core chose are within the policy bounds, exactly.
    let chosen: Vec<(u32, u64)> = m
        .events()
        .iter()
        .filter_map(|e| match e {
            Lifecycle::Reconnecting { attempt, delay_ms } => Some((*attempt, *delay_ms)),
            _ => None,
        })
        .collect();
    assert_eq!(chosen.len(), attempts.len() - 1, "one delay per retry");
    // And the server saw them: attempt n follows the previous failure after
    // delay(n), never earlier. Later is allowed by a margin, because a loaded
    // 2-core machine runs timers late; the chosen delay is checked exactly above.
    let mut previous = dropped_at;
    for ((attempt, delay_ms), (at, _)) in chosen.iter().zip(attempts.iter().skip(1)) {
        let (lo, hi) = policy.bounds(*attempt).unwrap();
        let spacing = at - previous;
        web_sys::console::log_1(
            &format!("attempt {attempt}: chose {delay_ms} ms, server saw {spacing:.0} ms, bounds [{lo}, {hi}]").into(),
        );
        assert!(
            (lo..=hi).contains(delay_ms),
            "attempt {attempt}: delay {delay_ms} outside [{lo}, {hi}]"
        );
        assert!(
            spacing >= lo as f64 - 5.0 && spacing <= hi as f64 + 1_000.0,
            "attempt {attempt} came {spacing} ms after the previous failure, bounds [{lo}, {hi}]"
        );
        previous = *at;
    }
}

#[wasm_bindgen_test]
async fn close_4401_makes_exactly_one_attempt_and_reports_auth_rejected() {
    let client = "auth-close";
    control(&format!("reset?client={client}")).await;
    let m = mount(&ws_url(client), fixed(100), true);
    m.wait_open(5_000).await;
    control(&format!(
        "close?code=4401&reason=unauthorized&client={client}"
    ))
    .await;
    wait_until("AuthRejected", 3_000, || {
        m.ctx.last_error.get_untracked() == Some(SyncError::AuthRejected { code: 4401 })
    })
    .await;
    assert_eq!(
        m.state(),
        ConnectionState::Failed {
            reason: FailReason::AuthRejected { code: 4401 }
        }
    );
    // With a 100 ms retry policy, ten retry periods pass without a new attempt.
    throughout(1_000, || {
        assert_eq!(m.metrics().attempts, 1, "no retry after 4401")
    })
    .await;
    assert_eq!(attempts(client).await.len(), 1, "no retry after 4401");
}

#[wasm_bindgen_test]
async fn a_rejected_hello_is_tried_once_then_a_new_token_connects() {
    let client = "auth-hello";
    control(&format!("reset?client={client}")).await;
    control(&format!("reject_auth?on=true&client={client}")).await;
    let m = mount(
        &ws_url(client),
        fixed(100).token(|| Some("stale-token-value".into())),
        true,
    );
    wait_until("AuthRejected", 3_000, || {
        matches!(
            m.ctx.last_error.get_untracked(),
            Some(SyncError::AuthRejected { .. })
        )
    })
    .await;
    throughout(1_000, || assert_eq!(m.metrics().attempts, 1, "no retry")).await;
    assert_eq!(attempts(client).await.len(), 1, "exactly one attempt");
    let text = m.ctx.last_error.get_untracked().unwrap().to_string();
    assert!(
        !text.contains("stale-token-value"),
        "token leaked into: {text}"
    );

    control(&format!("reject_auth?on=false&client={client}")).await;
    (m.ctx.set_token)(Some("fresh-token".into()));
    m.wait_open(3_000).await;
    assert_eq!(attempts(client).await.len(), 2);
}

#[wasm_bindgen_test]
async fn user_close_stays_closed_until_open() {
    let client = "user-close";
    control(&format!("reset?client={client}")).await;
    let m = mount(&ws_url(client), fixed(100), true);
    m.wait_open(5_000).await;
    (m.ctx.connection.close)();
    wait_until("ready_state Closed", 2_000, || {
        m.ctx.connection.ready_state.get_untracked() == ConnectionReadyState::Closed
    })
    .await;
    // 5 s with a 100 ms retry policy: fifty chances to reconnect, none taken.
    throughout(5_000, || assert_eq!(m.state(), ConnectionState::Closed)).await;
    assert_eq!(attempts(client).await.len(), 1);
    (m.ctx.connection.open)();
    m.wait_open(3_000).await;
    assert_eq!(attempts(client).await.len(), 2);
}

#[wasm_bindgen_test]
async fn a_bad_url_is_a_typed_error_not_a_panic() {
    for url in [
        "",
        "localhost:8080/ws",
        "ws://[::1/ws",
        "ftp://127.0.0.1/ws",
        "ws://127.0.0.1:99999/ws",
        "ws://127.0.0.1/ws#fragment",
    ] {
        let m = mount(url, SyncOptions::default(), true);
        wait_until(&format!("InvalidUrl for {url}"), 1_000, || {
            matches!(
                m.ctx.last_error.get_untracked(),
                Some(SyncError::InvalidUrl { .. })
            )
        })
        .await;
        assert_eq!(
            m.state(),
            ConnectionState::Failed {
                reason: FailReason::InvalidUrl
            },
            "{url}"
        );
        (m.ctx.connection.open)(); // still no panic, still failed
        assert!(matches!(m.state(), ConnectionState::Failed { .. }));
    }
}

#[wasm_bindgen_test]
async fn an_online_event_connects_at_once() {
    let client = "online";
    control(&format!("reset?client={client}")).await;
    let m = mount(&ws_url(client), fixed(60_000), true);
    m.wait_open(5_000).await;
    control(&format!("drop?client={client}")).await;
    wait_until("Reconnecting", 3_000, || {
        matches!(m.state(), ConnectionState::Reconnecting { .. })
    })
    .await;
    let before = now();
    browser_event("online");
    // The retry was 60 s away; `online` connects now.
    m.wait_open(2_000).await;
    let elapsed = now() - before;
    web_sys::console::log_1(&format!("online → Open in {elapsed:.0} ms").into());
    assert_eq!(attempts(client).await.len(), 2);
}

#[wasm_bindgen_test]
async fn malformed_and_unknown_frames_are_typed_errors_and_the_connection_stays() {
    let client = "bad-frames";
    control(&format!("reset?client={client}")).await;
    let m = mount(&ws_url(client), SyncOptions::default(), true);
    m.wait_open(5_000).await;
    control_with_body(&format!("send?client={client}"), "{not json").await;
    wait_until("MalformedFrame", 2_000, || {
        matches!(
            m.ctx.last_error.get_untracked(),
            Some(SyncError::MalformedFrame { .. })
        )
    })
    .await;
    control_with_body(&format!("send?client={client}"), r#"{"type":"teleport"}"#).await;
    wait_until("UnknownMessage", 2_000, || {
        m.ctx.last_error.get_untracked()
            == Some(SyncError::UnknownMessage {
                kind: "teleport".into(),
            })
    })
    .await;
    assert!(m.is_open());
    assert_eq!(attempts(client).await.len(), 1, "the connection was kept");
}

#[wasm_bindgen_test]
async fn a_muted_server_is_detected_by_the_heartbeat_and_reconnected() {
    let client = "heartbeat";
    control(&format!("reset?client={client}")).await;
    let m = mount(
        &ws_url(client),
        fixed(100)
            .heartbeat_interval_ms(300u64)
            .pong_timeout_ms(300),
        true,
    );
    m.wait_open(5_000).await;
    wait_until("an RTT", 2_000, || {
        m.ctx.connection.metrics.get_untracked().rtt_ms.is_some()
    })
    .await;
    control(&format!("mute_pings?on=true&client={client}")).await;
    let muted_at = now();
    wait_until("HeartbeatTimeout", 3_000, || {
        m.ctx.last_error.get_untracked() == Some(SyncError::HeartbeatTimeout { timeout_ms: 300 })
    })
    .await;
    let detected = now() - muted_at;
    web_sys::console::log_1(&format!("dead link detected in {detected:.0} ms").into());
    // Within interval + timeout (600 ms), plus a margin for late timers on a
    // loaded machine; the exact rule is pinned by the native heartbeat tests.
    assert!(detected <= 600.0 + 500.0, "detected after {detected} ms");
    control(&format!("mute_pings?on=false&client={client}")).await;
    wait_until("reconnected", 3_000, || {
        m.ctx.connection.metrics.get_untracked().reconnects >= 1 && m.is_open()
    })
    .await;
}
