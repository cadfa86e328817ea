#![cfg(not(target_arch = "wasm32"))]
//! How the machine keeps an exact admission slot (`retry-after=<ms>; exact`
//! in a 4429 or 1012 close): it comes back at the slot, clamped to its floor
//! and cap, plus at most `SLOT_JITTER_MS`, not the +50 % spread a plain
//! `retry-after` gets. Virtual time; the harness checks the global
//! invariants on every step.

mod common;

use common::{connected_with, reconnecting, reconnects_exactly_after};
use leptos_sync_core::backoff::{
    Close, RETRY_AFTER_SPREAD, ReconnectOptions, ReconnectPolicy, SLOT_JITTER_MS,
};
use leptos_sync_core::machine::Timer;
use leptos_sync_core::{ConnectionState, FailReason};
use leptos_sync_protocol::close_code;

#[test]
fn an_exact_slot_is_kept_within_the_small_jitter_for_a_4429_and_a_1012() {
    let reconnect = ReconnectOptions::default();
    // (slot, what the floor and the cap make of it)
    let cases = [(2_000, 2_000), (500, 500), (37_250, 37_250), (0, 500)];
    for code in [close_code::OVERLOADED, close_code::SERVICE_RESTART] {
        for (slot, base) in cases {
            let mut latest = 0;
            for seed in 0..100 {
                let mut h = connected_with(reconnect.clone(), seed);
                h.close(code, &close_code::slot_reason(slot));
                let delay = reconnecting(&h, 1);
                assert!(
                    (base..=base + SLOT_JITTER_MS).contains(&delay),
                    "{code}, slot {slot}, seed {seed}: {delay}"
                );
                latest = latest.max(delay);
                reconnects_exactly_after(&mut h, delay);
            }
            // The jitter is there, not a constant offset.
            assert!(latest > base, "{code}, slot {slot}: never jittered");
        }
    }
}

#[test]
fn a_plain_retry_after_still_spreads_where_the_same_slot_would_not() {
    let reconnect = ReconnectOptions::default();
    let (mut plain, mut exact) = (Vec::new(), Vec::new());
    for seed in 0..200 {
        let mut h = connected_with(reconnect.clone(), seed);
        h.close(
            close_code::OVERLOADED,
            &close_code::retry_after_reason(4_000),
        );
        plain.push(reconnecting(&h, 1));
        let mut h = connected_with(reconnect.clone(), seed);
        h.close(close_code::OVERLOADED, &close_code::slot_reason(4_000));
        exact.push(reconnecting(&h, 1));
    }
    let top = (4_000.0 * (1.0 + RETRY_AFTER_SPREAD)) as u64;
    assert!(plain.iter().all(|d| (4_000..=top).contains(d)), "{plain:?}");
    // Today's spread: the plain hints cover most of [4000, 6000].
    let spread = plain.iter().max().unwrap() - plain.iter().min().unwrap();
    assert!(spread > 1_500, "plain spread {spread} ms");
    let spread = exact.iter().max().unwrap() - exact.iter().min().unwrap();
    assert!(spread <= SLOT_JITTER_MS, "exact spread {spread} ms");
}

#[test]
fn clients_with_consecutive_slots_come_back_in_their_order_without_bunching() {
    // A slot server hands out slots 50 ms apart: each client arrives within
    // its own slot's jitter, so no two share a 50 ms step.
    let reconnect = ReconnectOptions::default();
    let mut at = Vec::new();
    for i in 0..200u64 {
        let slot = 500 + 50 * i;
        let mut h = connected_with(reconnect.clone(), i);
        h.close(close_code::OVERLOADED, &close_code::slot_reason(slot));
        let delay = reconnecting(&h, 1);
        assert!((slot..=slot + SLOT_JITTER_MS).contains(&delay));
        at.push(delay);
    }
    assert!(at.windows(2).all(|w| w[0] < w[1]), "{at:?}");
    let per_step = |s: u64| at.iter().filter(|&&d| d / 50 == s).count();
    assert!((0..220).all(|s| per_step(s) <= 1));
}

#[test]
fn an_exact_slot_is_clamped_to_the_cap_and_raised_to_the_floor() {
    let reconnect = ReconnectOptions {
        retry_after_floor_ms: 1_000,
        retry_after_cap_ms: 30_000,
        ..ReconnectOptions::default()
    };
    let at = |slot: &str| reconnect.next_delay_bounds(1, Close::new(close_code::OVERLOADED, slot));
    let jitter = SLOT_JITTER_MS;
    assert_eq!(at("retry-after=10; exact"), Some((1_000, 1_000 + jitter)));
    assert_eq!(
        at("retry-after=90000; exact"),
        Some((30_000, 30_000 + jitter))
    );
    // A marker without a wait is no hint: the policy decides.
    assert_eq!(at("exact"), reconnect.bounds(1));
    // Other codes ignore the hint, exact or not.
    let going_away = Close::new(close_code::GOING_AWAY, "retry-after=9000; exact");
    assert_eq!(
        reconnect.next_delay_bounds(1, going_away),
        reconnect.bounds(1)
    );
}

#[test]
fn an_exact_slot_never_revives_a_client_that_gave_up_and_the_count_still_grows() {
    let reconnect = ReconnectOptions {
        policy: ReconnectPolicy::Fixed(1_000),
        max_attempts: Some(2),
        ..ReconnectOptions::default()
    };
    let mut h = connected_with(reconnect, 9);
    let slot = close_code::slot_reason(3_000);
    h.close(close_code::OVERLOADED, &slot);
    for attempt in 1..=2 {
        let delay = reconnecting(&h, attempt);
        assert!((3_000..=3_000 + SLOT_JITTER_MS).contains(&delay));
        h.fire(Timer::Reconnect);
        h.socket_opened();
        // Shed again at once, before the connection could count as stable.
        h.close(close_code::OVERLOADED, &slot);
    }
    assert_eq!(
        h.state(),
        ConnectionState::Failed {
            reason: FailReason::RetriesExhausted { attempts: 2 }
        }
    );
    h.advance(3_600_000);
    assert_eq!(h.connects(), 3);
}
