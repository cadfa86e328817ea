#![cfg(not(target_arch = "wasm32"))]
//! A node whose topic store (Redis) is away closes its clients with 1013
//! (try again later) and `retry-after=<ms>`, and refuses new connections the
//! same way until the store is back. The client waits the hint (floor, cap,
//! spread, as for 1012 and 4429), keeps retrying while refused, and resumes
//! its subscriptions from their last seq. Virtual time; the harness checks
//! the global invariants on every step.

mod common;

use common::subs::{SCHEMA, live_sub, replaced, snapshot, subscribe, subscribed, subscribes};
use common::{Harness, errors, reconnecting, with_reconnect};
use leptos_sync_core::backoff::ReconnectOptions;
use leptos_sync_core::machine::{Command, Timer};
use leptos_sync_core::{ConnectionState, SubscriptionStatus, SyncError};
use leptos_sync_protocol::close_code;

/// The reason of the reference server's 1013.
const REASON: &str = "retry-after=2000";

fn connected(seed: u64) -> Harness {
    let mut h = with_reconnect(ReconnectOptions::default(), seed);
    h.open();
    h.establish(None);
    h
}

#[test]
fn a_try_again_later_close_waits_its_retry_after_then_resumes_from_the_last_seq() {
    for seed in 0..50 {
        let mut h = connected(seed);
        subscribe(&mut h, "Task");
        let sub = live_sub(&h, "Task");
        subscribed(&mut h, sub, 7, false, "e1");
        assert!(replaced(&snapshot(&mut h, sub, 7, SCHEMA), "Task"));

        let cmds = h.close(close_code::TRY_AGAIN_LATER, REASON);
        let delay = reconnecting(&h, 1);
        assert!((2_000..=3_000).contains(&delay), "seed {seed}: {delay}");
        assert_eq!(
            errors(&cmds),
            [SyncError::Closed {
                code: 1013,
                reason: REASON.into()
            }]
        );
        let state = h.machine.subscriptions().state("Task").unwrap();
        assert_eq!(state.status, SubscriptionStatus::Stale, "data kept");

        let connects = h.connects();
        h.advance(delay - 1);
        assert_eq!(h.connects(), connects, "seed {seed}: connected early");
        assert_eq!(h.advance(1).first(), Some(&Command::Connect));
        h.socket_opened();
        h.token();
        let resumed = subscribes(&h.welcome(None));
        assert_eq!(resumed.len(), 1, "seed {seed}");
        let (_, topic, since, epoch) = &resumed[0];
        assert_eq!(
            (topic.as_str(), *since, epoch.as_deref()),
            ("Task", Some(7), Some("e1"))
        );
    }
}

#[test]
fn a_client_refused_with_try_again_later_keeps_retrying_until_it_is_let_in() {
    let mut h = connected(9);
    h.close(close_code::TRY_AGAIN_LATER, REASON);
    // The store stays away: each attempt is upgraded, then closed at once.
    for attempt in 1..=20 {
        let delay = reconnecting(&h, attempt);
        assert!(
            (2_000..=3_000).contains(&delay),
            "attempt {attempt}: {delay}"
        );
        h.fire(Timer::Reconnect);
        h.socket_opened();
        h.close(close_code::TRY_AGAIN_LATER, REASON);
    }
    h.fire(Timer::Reconnect);
    h.establish(None);
    assert!(h.state().is_open(), "{:?}", h.state());
}

#[test]
fn a_try_again_later_without_a_hint_uses_the_policy() {
    let reconnect = ReconnectOptions::default();
    let mut h = connected(4);
    h.close(close_code::TRY_AGAIN_LATER, "");
    let delay = reconnecting(&h, 1);
    let (lo, hi) = reconnect.bounds(1).unwrap();
    assert!((lo..=hi).contains(&delay), "{delay}");
    assert!(matches!(h.state(), ConnectionState::Reconnecting { .. }));
}
