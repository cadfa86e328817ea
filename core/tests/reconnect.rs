#![cfg(not(target_arch = "wasm32"))]
//! Reconnect scenarios under virtual time: backoff bounds, stable uptime and
//! flapping, auth rejection, 4429 retry-after, giving up, coming back online.
//! The harness in `common` checks the global invariants on every step.

mod common;

use common::{Harness, errors, harness, has, reconnecting, sends, with_reconnect};
use leptos_sync_core::backoff::{Exponential, Jitter, ReconnectOptions, ReconnectPolicy};
use leptos_sync_core::machine::{Command, Event, Timer};
use leptos_sync_core::{ConnectionState, FailReason, Lifecycle, SyncError};
use leptos_sync_protocol::{ClientMsg, close_code};

#[test]
fn drop_while_open_reconnects_within_bounds() {
    for seed in 0..200 {
        let mut h = with_reconnect(ReconnectOptions::default(), seed);
        h.open();
        h.establish(None);
        let cmds = h.close(close_code::ABNORMAL, "");
        let delay = reconnecting(&h, 1);
        assert!((500..=1_000).contains(&delay), "seed {seed}: {delay}");
        assert_eq!(
            errors(&cmds),
            vec![SyncError::Closed {
                code: 1006,
                reason: String::new()
            }]
        );
        assert!(has(&cmds, |c| matches!(
            c,
            Command::Lifecycle(Lifecycle::Disconnected { code: 1006, .. })
        )));
        assert!(!has(&h.advance(delay - 1), |c| *c == Command::Connect));
        assert_eq!(h.advance(1)[0], Command::Connect);
        assert_eq!(h.state(), ConnectionState::Connecting { attempt: 1 });
    }
}

#[test]
fn refused_connects_grow_the_attempt_and_stay_in_bounds() {
    let reconnect = ReconnectOptions::default();
    for seed in 0..20 {
        let mut h = with_reconnect(reconnect.clone(), seed);
        h.open();
        for attempt in 1..=12 {
            let cmds = h.refuse();
            let delay = reconnecting(&h, attempt);
            let (lo, hi) = reconnect.bounds(attempt).unwrap();
            assert!((lo..=hi).contains(&delay), "attempt {attempt}: {delay}");
            assert!(matches!(
                errors(&cmds)[..],
                [
                    SyncError::WebSocketError { .. },
                    SyncError::Closed { code: 1006, .. }
                ]
            ));
            assert_eq!(h.fire(Timer::Reconnect)[0], Command::Connect);
            assert_eq!(h.state(), ConnectionState::Connecting { attempt });
        }
        assert_eq!(h.connects(), 13);
        assert_eq!(h.machine.metrics().attempts, 13);
        assert_eq!(h.machine.metrics().reconnects, 0);
    }
}

/// Fails `n` connects in a row, then connects for good.
fn fail_then_open(h: &mut Harness, n: u32) {
    for _ in 0..n {
        h.refuse();
        h.fire(Timer::Reconnect);
    }
    h.establish(None);
}

#[test]
fn stable_uptime_resets_the_attempt_counter() {
    let mut h = harness();
    h.open();
    fail_then_open(&mut h, 3);
    h.advance(5_000);
    h.close(close_code::SERVICE_RESTART, "restart");
    assert!(reconnecting(&h, 1) <= 1_000);
}

#[test]
fn flapping_connections_do_not_reset_the_attempt_counter() {
    let mut h = harness();
    h.open();
    fail_then_open(&mut h, 3);
    // Accepted, welcomed and dropped at once.
    h.close(close_code::ABNORMAL, "");
    reconnecting(&h, 4);
    h.fire(Timer::Reconnect);
    h.establish(None);
    h.advance(4_999);
    h.close(close_code::ABNORMAL, "");
    let delay = reconnecting(&h, 5);
    assert!((500..=8_500).contains(&delay));
    // Open but never welcomed does not count as uptime either.
    h.fire(Timer::Reconnect);
    h.socket_opened();
    h.token();
    h.advance(9_000);
    h.close(close_code::ABNORMAL, "");
    reconnecting(&h, 6);
}

#[test]
fn auth_close_codes_stop_until_the_token_changes() {
    for code in [
        close_code::UNAUTHORIZED,
        close_code::FORBIDDEN,
        close_code::POLICY_VIOLATION,
    ] {
        let mut h = harness();
        h.open();
        h.socket_opened();
        h.token();
        let cmds = h.close(code, "bad token");
        assert_eq!(errors(&cmds), vec![SyncError::AuthRejected { code }]);
        let failed = ConnectionState::Failed {
            reason: FailReason::AuthRejected { code },
        };
        assert_eq!(h.state(), failed);
        h.advance(3_600_000);
        for event in [Event::Online, Event::Visible, Event::Offline] {
            assert!(h.handle(event).is_empty(), "code {code}");
        }
        assert_eq!(h.connects(), 1, "exactly one attempt for {code}");
        assert_eq!(h.state(), failed);
        assert_eq!(h.last_error(), Some(SyncError::AuthRejected { code }));

        assert_eq!(h.handle(Event::TokenChanged)[0], Command::Connect);
        assert_eq!(h.state(), ConnectionState::Connecting { attempt: 0 });
        // A token change while connected does nothing.
        h.establish(None);
        assert!(h.handle(Event::TokenChanged).is_empty());
        // Rejected while open (token expired): the same.
        h.close(code, "");
        assert_eq!(h.state(), failed);
        assert_eq!(h.open()[0], Command::Connect);
    }
}

#[test]
fn overloaded_close_honours_retry_after_with_floor_and_cap() {
    let reconnect = ReconnectOptions::default();
    for seed in 0..200 {
        for (retry_after, base) in [(2_000, 2_000), (10, 500), (10_000_000, 120_000)] {
            let mut h = with_reconnect(reconnect.clone(), seed);
            h.open();
            h.establish(None);
            let reason = close_code::retry_after_reason(retry_after);
            let cmds = h.close(close_code::OVERLOADED, &reason);
            let delay = reconnecting(&h, 1);
            assert_eq!(base, reconnect.clamp_retry_after(retry_after));
            assert!(
                (base..=base * 3 / 2).contains(&delay),
                "retry-after {retry_after}: {delay}"
            );
            assert_eq!(
                errors(&cmds),
                vec![SyncError::Closed { code: 4429, reason }]
            );
        }
    }
    // Without a retry-after, the policy applies.
    let mut h = harness();
    h.open();
    h.close(close_code::OVERLOADED, "busy");
    assert!(reconnecting(&h, 1) <= 1_000);
}

#[test]
fn max_attempts_ends_in_failed_with_an_error() {
    let mut h = with_reconnect(
        ReconnectOptions {
            max_attempts: Some(3),
            ..ReconnectOptions::default()
        },
        5,
    );
    h.open();
    for attempt in 1..=3 {
        h.refuse();
        reconnecting(&h, attempt);
        h.fire(Timer::Reconnect);
    }
    let cmds = h.refuse();
    let failed = ConnectionState::Failed {
        reason: FailReason::RetriesExhausted { attempts: 3 },
    };
    assert_eq!(h.state(), failed);
    assert_eq!(
        errors(&cmds).last(),
        Some(&SyncError::ReconnectExhausted { attempts: 3 })
    );
    assert_eq!(h.machine.metrics().attempts, 4);
    h.advance(3_600_000);
    h.handle(Event::Visible);
    h.handle(Event::TokenChanged);
    assert_eq!(h.connects(), 4);
    assert_eq!(h.state(), failed);
    // Coming back online is worth a fresh try.
    assert_eq!(h.handle(Event::Online)[0], Command::Connect);
    assert_eq!(h.state(), ConnectionState::Connecting { attempt: 0 });
}

#[test]
fn never_policy_and_retry_after_do_not_reconnect_on_their_own() {
    for reason in ["", "retry-after=1000"] {
        let mut h = with_reconnect(
            ReconnectOptions {
                policy: ReconnectPolicy::Never,
                ..ReconnectOptions::default()
            },
            6,
        );
        h.open();
        h.establish(None);
        let cmds = h.close(close_code::OVERLOADED, reason);
        assert_eq!(
            h.state(),
            ConnectionState::Failed {
                reason: FailReason::RetriesExhausted { attempts: 0 }
            },
            "reason {reason:?}"
        );
        assert!(matches!(
            errors(&cmds).last(),
            Some(SyncError::ReconnectExhausted { .. })
        ));
        h.advance(3_600_000);
        assert_eq!(h.connects(), 1);
        assert_eq!(h.open()[0], Command::Connect);
    }
}

#[test]
fn online_while_reconnecting_connects_now_and_resets_the_attempt() {
    let exact = ReconnectOptions {
        policy: ReconnectPolicy::Exponential(Exponential {
            jitter: Jitter::None,
            ..Exponential::default()
        }),
        ..ReconnectOptions::default()
    };
    let mut h = with_reconnect(exact, 7);
    h.open();
    for _ in 0..5 {
        h.refuse();
        h.fire(Timer::Reconnect);
    }
    h.refuse();
    assert_eq!(reconnecting(&h, 6), 5_000); // the default cap
    h.advance(100);
    assert_eq!(h.handle(Event::Online)[0], Command::Connect);
    assert_eq!(h.state(), ConnectionState::Connecting { attempt: 0 });
    h.refuse();
    assert_eq!(reconnecting(&h, 1), 500);
    // The replaced reconnect deadline is gone: a timer firing late opens no second socket.
    h.handle(Event::Online);
    h.establish(None);
    assert_eq!(h.machine.deadline(Timer::Reconnect), None);
    h.throttle(1_000);
    assert!(h.handle_timeout().is_empty());
    assert_eq!(h.connects(), 8);
}

#[test]
fn online_while_open_probes_a_link_that_may_have_died_offline() {
    // Found by the chaos suite: a socket the server closed while the browser
    // was offline stayed Open after `online` until the next heartbeat.
    let mut h = with_reconnect(ReconnectOptions::default(), 8);
    h.open();
    h.establish(None);
    let cmds = h.handle(Event::Online);
    assert!(
        sends(&cmds)
            .iter()
            .any(|m| matches!(m, ClientMsg::Ping { .. })),
        "{cmds:?}"
    );
    // No answer within the pong timeout: the link is dead, reconnect.
    let cmds = h.fire(Timer::Pong);
    assert!(errors(&cmds).contains(&SyncError::HeartbeatTimeout { timeout_ms: 10_000 }));
    assert!(matches!(h.state(), ConnectionState::Reconnecting { .. }));
    // Online while connecting still does nothing.
    h.fire(Timer::Reconnect);
    assert!(h.handle(Event::Online).is_empty());
}

#[test]
fn retry_after_still_counts_against_max_attempts() {
    let mut h = with_reconnect(
        ReconnectOptions {
            max_attempts: Some(1),
            ..ReconnectOptions::default()
        },
        8,
    );
    h.open();
    h.establish(None);
    h.close(close_code::OVERLOADED, "retry-after=2000");
    assert!((2_000..=3_000).contains(&reconnecting(&h, 1)));
    h.fire(Timer::Reconnect);
    h.socket_opened();
    h.close(close_code::OVERLOADED, "retry-after=2000");
    assert_eq!(
        h.state(),
        ConnectionState::Failed {
            reason: FailReason::RetriesExhausted { attempts: 1 }
        }
    );
    assert_eq!(
        h.last_error(),
        Some(SyncError::ReconnectExhausted { attempts: 1 })
    );
}
