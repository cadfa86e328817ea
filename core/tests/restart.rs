#![cfg(not(target_arch = "wasm32"))]
//! How the machine answers the closes of a server that sheds or restarts:
//! a graceful shutdown's 1012 `retry-after=<ms>` steers the reconnect like a
//! 4429's (floor, cap, spread), and a 4413 (slow consumer) is retried with the
//! ordinary backoff, resuming every subscription from its last seq. Virtual
//! time; the harness checks the global invariants on every step.

mod common;

use common::subs::{SCHEMA, live_sub, replaced, snapshot, subscribe, subscribed, subscribes};
use common::{connected_with, errors, harness, reconnecting, reconnects_exactly_after};
use leptos_sync_core::backoff::{ReconnectOptions, ReconnectPolicy};
use leptos_sync_core::machine::Timer;
use leptos_sync_core::{ConnectionState, FailReason, SubscriptionStatus, SyncError};
use leptos_sync_protocol::close_code;

#[test]
fn a_restart_close_waits_its_retry_after_within_floor_cap_and_spread() {
    let reconnect = ReconnectOptions::default();
    // (retry-after, what the floor and the cap make of it)
    let cases = [
        (2_000, 2_000),
        (0, 500),
        (10_000, 10_000),
        (10_000_000, 120_000),
    ];
    for seed in 0..100 {
        for (retry_after, base) in cases {
            let mut h = connected_with(reconnect.clone(), seed);
            let reason = close_code::retry_after_reason(retry_after);
            let cmds = h.close(close_code::SERVICE_RESTART, &reason);
            let delay = reconnecting(&h, 1);
            assert!(
                (base..=base * 3 / 2).contains(&delay),
                "seed {seed}, retry-after {retry_after}: {delay}"
            );
            assert_eq!(errors(&cmds), [SyncError::Closed { code: 1012, reason }]);
            reconnects_exactly_after(&mut h, delay);
        }
    }
}

#[test]
fn a_restart_hint_overrides_a_shorter_and_a_longer_policy() {
    // The policy alone would retry after 100 ms, or after a minute.
    for policy_ms in [100, 60_000] {
        let reconnect = ReconnectOptions {
            policy: ReconnectPolicy::Fixed(policy_ms),
            ..ReconnectOptions::default()
        };
        let mut h = connected_with(reconnect, 3);
        h.close(close_code::SERVICE_RESTART, "retry-after=4000");
        let delay = reconnecting(&h, 1);
        assert!(
            (4_000..=6_000).contains(&delay),
            "policy {policy_ms}: {delay}"
        );
    }
}

#[test]
fn a_restart_without_a_hint_uses_the_policy() {
    let mut h = connected_with(ReconnectOptions::default(), 4);
    h.close(close_code::SERVICE_RESTART, "restart");
    let delay = reconnecting(&h, 1);
    assert!((500..=1_000).contains(&delay), "{delay}");
}

#[test]
fn a_graceful_shutdown_spreads_the_clients_over_its_window() {
    // The server gives the i-th of n connections i/n of its window; each
    // client waits at least its hint (or the floor), at most half again more.
    let (n, window) = (200u64, 10_000u64);
    let reconnect = ReconnectOptions::default();
    let mut at = Vec::new();
    for i in 0..n {
        let hint = window * i / n;
        let mut h = connected_with(reconnect.clone(), i);
        h.close(
            close_code::SERVICE_RESTART,
            &close_code::retry_after_reason(hint),
        );
        let delay = reconnecting(&h, 1);
        let base = hint.max(reconnect.retry_after_floor_ms);
        assert!(
            (base..=base * 3 / 2).contains(&delay),
            "client {i}: {delay}"
        );
        at.push(delay);
    }
    // No storm: no second of the window gets more than a sixth of the clients
    // (an even spread puts a tenth in each, the floor a few more in the first).
    let per_second = |s: u64| at.iter().filter(|&&d| d / 1_000 == s).count() as u64;
    let busiest = (0..15).map(per_second).max().unwrap();
    assert!(busiest <= n / 6, "{busiest} of {n} in one second: {at:?}");
    assert!(at.iter().all(|&d| d <= window * 3 / 2));
}

#[test]
fn a_restart_hint_never_revives_a_client_that_gave_up() {
    let reconnect = ReconnectOptions {
        policy: ReconnectPolicy::Never,
        ..ReconnectOptions::default()
    };
    let mut h = connected_with(reconnect, 5);
    h.close(close_code::SERVICE_RESTART, "retry-after=1000");
    assert_eq!(
        h.state(),
        ConnectionState::Failed {
            reason: FailReason::RetriesExhausted { attempts: 0 }
        }
    );
    h.advance(3_600_000);
    assert_eq!(h.connects(), 1);
}

#[test]
fn a_slow_consumer_close_backs_off_normally_and_resumes_from_the_last_seq() {
    for seed in 0..50 {
        let reconnect = ReconnectOptions::default();
        let mut h = connected_with(reconnect.clone(), seed);
        subscribe(&mut h, "Task");
        let sub = live_sub(&h, "Task");
        subscribed(&mut h, sub, 7, false, "e1");
        assert!(replaced(&snapshot(&mut h, sub, 7, SCHEMA), "Task"));
        // A 4413 is no hint, even with a retry-after in its reason.
        let cmds = h.close(close_code::SLOW_CONSUMER, "retry-after=60000");
        let delay = reconnecting(&h, 1);
        let (lo, hi) = reconnect.bounds(1).unwrap();
        assert!((lo..=hi).contains(&delay), "seed {seed}: {delay}");
        assert!(matches!(
            errors(&cmds)[..],
            [SyncError::Closed { code: 4413, .. }]
        ));
        let state = h.machine.subscriptions().state("Task").unwrap();
        assert_eq!(state.status, SubscriptionStatus::Stale, "data kept");
        h.fire(Timer::Reconnect);
        h.socket_opened();
        h.token();
        let cmds = h.welcome(None);
        let resumed = subscribes(&cmds);
        assert_eq!(resumed.len(), 1, "{cmds:?}");
        let (_, topic, since, epoch) = &resumed[0];
        assert_eq!(
            (topic.as_str(), *since, epoch.as_deref()),
            ("Task", Some(7), Some("e1"))
        );
    }
}

#[test]
fn a_restart_after_a_stable_connection_starts_the_count_over() {
    let mut h = harness();
    h.open();
    for _ in 0..3 {
        h.refuse();
        h.fire(Timer::Reconnect);
    }
    h.establish(None);
    h.advance(5_000);
    h.close(close_code::SERVICE_RESTART, "retry-after=3000");
    let delay = reconnecting(&h, 1);
    assert!((3_000..=4_500).contains(&delay), "{delay}");
}
