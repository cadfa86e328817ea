#![cfg(not(target_arch = "wasm32"))]
//! The one reconnect rule, `ReconnectOptions::next_delay`, and the one check
//! of the options, `MachineOptions::validate`: a 4429's retry-after with its
//! floor, cap and spread, limits no value can break, and every impossible
//! value clamped and reported once instead of panicking.

mod common;

use std::sync::Arc;

use common::{Harness, errors, reconnecting};
use leptos_sync_core::SyncError;
use leptos_sync_core::backoff::{
    Close, Exponential, Jitter, MAX_DELAY_MS, ReconnectOptions, ReconnectPolicy,
};
use leptos_sync_core::machine::{Command, MIN_TIMEOUT_MS, Machine, MachineOptions};
use leptos_sync_protocol::close_code;

fn overloaded(reason: &str) -> Close<'_> {
    Close::new(close_code::OVERLOADED, reason)
}

/// A sequence of samples, handed out in order.
fn samples(values: &[f64]) -> impl FnMut() -> f64 + '_ {
    let mut it = values.iter();
    move || *it.next().expect("no more samples")
}

#[test]
fn without_retry_after_the_policy_decides() {
    let opts = ReconnectOptions {
        delay_offset_ms: 100,
        ..ReconnectOptions::default()
    };
    let closes = [
        Close::ABNORMAL,
        Close::new(close_code::GOING_AWAY, "retry-after=9000"),
        overloaded("busy"),
    ];
    for close in closes {
        for attempt in 1..=10 {
            for r in [0.0, 0.3, 0.999] {
                let own = opts.policy.delay(attempt, r).unwrap();
                let offset = if attempt == 1 { 100 } else { 0 };
                let delay = opts.next_delay(attempt, close, samples(&[r]));
                assert_eq!(delay, Some(own + offset), "{close:?} attempt {attempt}");
            }
            assert_eq!(opts.next_delay_bounds(attempt, close), opts.bounds(attempt));
        }
    }
}

#[test]
fn a_4429_retry_after_is_clamped_then_spread_by_up_to_half_again() {
    let opts = ReconnectOptions::default();
    for (retry_after, lo) in [(2_000, 2_000), (10, 500), (10_000_000, 120_000)] {
        let reason = close_code::retry_after_reason(retry_after);
        let close = overloaded(&reason);
        let hi = lo + lo / 2;
        assert_eq!(opts.next_delay_bounds(3, close), Some((lo, hi)));
        // The policy's sample is drawn first, then the spread's.
        assert_eq!(opts.next_delay(3, close, samples(&[0.9, 0.0])), Some(lo));
        assert_eq!(opts.next_delay(3, close, samples(&[0.0, 1.0])), Some(hi));
        assert_eq!(
            opts.next_delay(3, close, samples(&[0.0, 0.5])),
            Some(lo + lo / 4)
        );
    }
}

#[test]
fn a_retry_after_never_revives_a_policy_that_gave_up() {
    let custom = ReconnectPolicy::Custom(Arc::new(|n| (n < 3).then_some(10)));
    let cases = [
        (ReconnectPolicy::Never, None, 1),
        (ReconnectPolicy::default(), Some(2), 3),
        (custom, None, 3),
    ];
    let close = overloaded("retry-after=1000");
    for (policy, max_attempts, attempt) in cases {
        let opts = ReconnectOptions {
            policy,
            max_attempts,
            ..ReconnectOptions::default()
        };
        assert_eq!(opts.next_delay(attempt, close, || 0.5), None, "{opts:?}");
        assert_eq!(opts.next_delay_bounds(attempt, close), None);
    }
}

#[test]
fn the_longest_4429_wait_is_one_number() {
    let default = ReconnectOptions::default();
    assert_eq!(default.retry_after_max_ms(), 180_000);
    let huge = close_code::retry_after_reason(u64::MAX);
    for opts in [
        default,
        ReconnectOptions {
            retry_after_cap_ms: 10_000,
            ..ReconnectOptions::default()
        },
        // A cap below the floor: the floor is the cap.
        ReconnectOptions {
            retry_after_floor_ms: 4_000,
            retry_after_cap_ms: 1_000,
            ..ReconnectOptions::default()
        },
    ] {
        let (_, hi) = opts.next_delay_bounds(1, overloaded(&huge)).unwrap();
        assert_eq!(opts.retry_after_max_ms(), hi, "{opts:?}");
        let cap = opts.retry_after_cap_ms.max(opts.retry_after_floor_ms);
        assert_eq!(hi, cap + cap / 2);
    }
}

#[test]
fn no_wait_exceeds_max_delay_whatever_the_values() {
    let absurd = [
        ReconnectPolicy::Fixed(u64::MAX),
        ReconnectPolicy::Custom(Arc::new(|_| Some(u64::MAX))),
        ReconnectPolicy::Exponential(Exponential {
            initial_ms: u64::MAX,
            max_ms: u64::MAX,
            multiplier: f64::INFINITY,
            jitter: Jitter::Proportional(f64::INFINITY),
        }),
    ];
    let huge = close_code::retry_after_reason(u64::MAX);
    for policy in absurd {
        let opts = ReconnectOptions {
            policy,
            delay_offset_ms: u64::MAX,
            retry_after_floor_ms: u64::MAX,
            retry_after_cap_ms: u64::MAX,
            ..ReconnectOptions::default()
        };
        for close in [Close::ABNORMAL, overloaded(&huge)] {
            for attempt in [1, 2, u32::MAX] {
                let (lo, hi) = opts.next_delay_bounds(attempt, close).unwrap();
                assert!(lo <= hi && hi <= MAX_DELAY_MS, "{opts:?}: ({lo}, {hi})");
                // Samples outside [0, 1), even NaN, stay within the bounds.
                for r in [f64::NAN, -1.0, 0.0, 0.5, 1.0, 7.0] {
                    let d = opts.next_delay(attempt, close, || r).unwrap();
                    assert!((lo..=hi).contains(&d), "{opts:?} r {r}: {d}");
                }
            }
        }
    }
}

#[test]
fn each_impossible_value_is_clamped_and_reported_once() {
    let policy = |multiplier, jitter| {
        ReconnectPolicy::Exponential(Exponential {
            initial_ms: 30_000,
            max_ms: 20_000,
            multiplier,
            jitter,
        })
    };
    let mut opts = MachineOptions {
        reconnect: ReconnectOptions {
            policy: policy(f64::NAN, Jitter::Proportional(-0.5)),
            delay_offset_ms: u64::MAX,
            retry_after_floor_ms: 5_000,
            retry_after_cap_ms: 1_000,
            ..ReconnectOptions::default()
        },
        heartbeat_interval_ms: Some(0),
        pong_timeout_ms: 0,
        connect_timeout_ms: u64::MAX,
        ..MachineOptions::default()
    };
    let fields: Vec<String> = opts
        .validate()
        .into_iter()
        .map(|e| match e {
            SyncError::InvalidOptions { field, .. } => field,
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(
        fields,
        [
            "reconnect.policy.initial_ms",
            "reconnect.policy.multiplier",
            "reconnect.policy.jitter",
            "reconnect.delay_offset_ms",
            "reconnect.retry_after_cap_ms",
            "heartbeat_interval_ms",
            "pong_timeout_ms",
            "connect_timeout_ms",
        ]
    );
    let ReconnectPolicy::Exponential(e) = &opts.reconnect.policy else {
        panic!("still exponential");
    };
    let expected = Exponential {
        initial_ms: 20_000,
        max_ms: 20_000,
        multiplier: 1.0,
        jitter: Jitter::Proportional(0.0),
    };
    assert_eq!(*e, expected);
    let r = &opts.reconnect;
    assert_eq!(
        (r.delay_offset_ms, r.retry_after_cap_ms),
        (MAX_DELAY_MS, 5_000)
    );
    assert_eq!(opts.heartbeat_interval_ms, Some(MIN_TIMEOUT_MS));
    assert_eq!(opts.pong_timeout_ms, MIN_TIMEOUT_MS);
    assert_eq!(opts.connect_timeout_ms, MAX_DELAY_MS);
    // Checked once: the values in force are valid.
    assert!(opts.validate().is_empty());
    assert!(MachineOptions::default().validate().is_empty());
}

#[test]
fn validating_does_not_change_any_delay() {
    // The clamps of `validate` are the rules `next_delay` already follows.
    let policies = [
        ReconnectPolicy::Exponential(Exponential {
            initial_ms: 30_000,
            max_ms: 20_000,
            multiplier: f64::NAN,
            jitter: Jitter::Proportional(f64::NAN),
        }),
        ReconnectPolicy::Exponential(Exponential {
            initial_ms: 0,
            max_ms: u64::MAX,
            multiplier: -2.0,
            jitter: Jitter::Proportional(9.0),
        }),
        ReconnectPolicy::Fixed(u64::MAX),
    ];
    for policy in policies {
        let raw = ReconnectOptions {
            policy,
            delay_offset_ms: u64::MAX - 1,
            retry_after_floor_ms: 9_000,
            retry_after_cap_ms: 3,
            ..ReconnectOptions::default()
        };
        let mut opts = MachineOptions {
            reconnect: raw.clone(),
            ..MachineOptions::default()
        };
        assert!(!opts.validate().is_empty());
        for attempt in 1..=40 {
            for close in [Close::ABNORMAL, overloaded("retry-after=20")] {
                assert_eq!(
                    raw.next_delay_bounds(attempt, close),
                    opts.reconnect.next_delay_bounds(attempt, close),
                    "{raw:?} attempt {attempt}"
                );
            }
        }
    }
}

#[test]
fn the_machine_reports_option_errors_first_and_runs_with_the_clamped_values() {
    let opts = MachineOptions {
        pong_timeout_ms: 0,
        ..MachineOptions::default()
    };
    let mut machine = Machine::new(opts, || 0.5);
    assert!(matches!(
        machine.poll(),
        Some(Command::Error(SyncError::InvalidOptions { field, .. })) if field == "pong_timeout_ms"
    ));
    assert_eq!(machine.poll(), None, "reported once");
    assert_eq!(machine.options().pong_timeout_ms, MIN_TIMEOUT_MS);

    // Through the harness: the error reaches the log with the first event, and
    // a close 4429 waits within the clamped retry-after window.
    let opts = MachineOptions {
        reconnect: ReconnectOptions {
            retry_after_floor_ms: 2_000,
            retry_after_cap_ms: 0,
            ..ReconnectOptions::default()
        },
        ..MachineOptions::default()
    };
    let mut h = Harness::new(opts, 3);
    let cmds = h.open();
    assert!(matches!(
        &errors(&cmds)[..],
        [SyncError::InvalidOptions { field, .. }] if field == "reconnect.retry_after_cap_ms"
    ));
    h.establish(None);
    h.close(close_code::OVERLOADED, "retry-after=50000");
    let delay = reconnecting(&h, 1);
    assert!((2_000..=3_000).contains(&delay), "{delay}");
}
