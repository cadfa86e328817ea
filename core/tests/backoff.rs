#![cfg(not(target_arch = "wasm32"))]
//! Reconnect policies: every sample stays within `bounds`, full jitter has the
//! theoretical mean, jitter is applied after the cap, and the options around
//! the policy (offset, max attempts, retry-after clamp) behave.

use std::sync::Arc;

use leptos_sync_core::backoff::{Close, Exponential, Jitter, ReconnectOptions, ReconnectPolicy};

const SAMPLES: usize = 10_000;
const ATTEMPTS: u32 = 16;

fn exponential(jitter: Jitter) -> ReconnectPolicy {
    ReconnectPolicy::Exponential(Exponential {
        initial_ms: 500,
        max_ms: 20_000,
        multiplier: 2.0,
        jitter,
    })
}

/// Draws `SAMPLES` delays for `attempt` with a seeded generator.
fn samples(policy: &ReconnectPolicy, attempt: u32, seed: u64) -> Vec<u64> {
    let mut rng = fastrand::Rng::with_seed(seed ^ u64::from(attempt));
    (0..SAMPLES)
        .map(|_| {
            policy
                .delay(attempt, rng.f64())
                .expect("policy gives a delay")
        })
        .collect()
}

/// The options' delay after a close without retry-after, for one sample.
fn delay(opts: &ReconnectOptions, attempt: u32, random: f64) -> Option<u64> {
    opts.next_delay(attempt, Close::ABNORMAL, || random)
}

/// Every sample of every attempt lies within `bounds(attempt)`; returns the bounds per attempt.
fn assert_within_bounds(policy: &ReconnectPolicy, seed: u64) -> Vec<(u64, u64)> {
    (1..=ATTEMPTS)
        .map(|attempt| {
            let (lo, hi) = policy.bounds(attempt).expect("policy has bounds");
            assert!(lo <= hi, "{policy:?} attempt {attempt}: ({lo}, {hi})");
            for d in samples(policy, attempt, seed) {
                assert!(
                    (lo..=hi).contains(&d),
                    "{policy:?} attempt {attempt}: {d} outside [{lo}, {hi}]"
                );
            }
            // The extremes of the random sample map onto the bounds themselves.
            assert_eq!(policy.delay(attempt, 0.0), Some(lo));
            assert_eq!(policy.delay(attempt, 1.0), Some(hi));
            (lo, hi)
        })
        .collect()
}

/// The capped exponential part `min(max, initial·2^(n-1))` of the test policy.
fn capped(attempt: u32) -> u64 {
    (500u64 << (attempt - 1).min(20)).min(20_000)
}

#[test]
fn full_jitter_stays_within_bounds_with_a_floor() {
    let bounds = assert_within_bounds(&exponential(Jitter::Full), 1);
    for (i, (lo, hi)) in bounds.into_iter().enumerate() {
        let attempt = i as u32 + 1;
        assert_eq!(lo, 500, "the floor is initial_ms");
        assert_eq!(hi, (500 + capped(attempt)).min(20_000), "attempt {attempt}");
    }
}

#[test]
fn equal_jitter_stays_within_bounds() {
    let bounds = assert_within_bounds(&exponential(Jitter::Equal), 2);
    for (i, bound) in bounds.into_iter().enumerate() {
        let e = capped(i as u32 + 1);
        assert_eq!(bound, (e / 2, e));
    }
}

#[test]
fn proportional_jitter_stays_within_bounds() {
    let bounds = assert_within_bounds(&exponential(Jitter::Proportional(0.25)), 3);
    for (i, bound) in bounds.into_iter().enumerate() {
        let e = capped(i as u32 + 1);
        assert_eq!(bound, (e * 3 / 4, e * 5 / 4));
    }
    // The fraction is clamped to [0, 1].
    let wide = assert_within_bounds(&exponential(Jitter::Proportional(3.0)), 4);
    assert_eq!(wide[0], (0, 1_000));
    let none = assert_within_bounds(&exponential(Jitter::Proportional(-1.0)), 5);
    assert_eq!(none[0], (500, 500));
}

#[test]
fn no_jitter_is_exactly_the_capped_exponential() {
    let bounds = assert_within_bounds(&exponential(Jitter::None), 6);
    let expected: Vec<u64> = (1..=ATTEMPTS).map(capped).collect();
    assert_eq!(bounds.iter().map(|b| b.0).collect::<Vec<_>>(), expected);
    assert_eq!(bounds.iter().map(|b| b.1).collect::<Vec<_>>(), expected);
    assert_eq!(&expected[..7], &[500, 1000, 2000, 4000, 8000, 16000, 20000]);
}

#[test]
fn full_jitter_mean_matches_uniform_theory() {
    let policy = exponential(Jitter::Full);
    for attempt in 1..=ATTEMPTS {
        let (lo, hi) = policy.bounds(attempt).unwrap();
        let theory = (lo + hi) as f64 / 2.0;
        let s = samples(&policy, attempt, 7);
        let mean = s.iter().sum::<u64>() as f64 / s.len() as f64;
        assert!(
            (mean - theory).abs() <= 0.05 * theory,
            "attempt {attempt}: mean {mean} vs theory {theory}"
        );
    }
}

#[test]
fn jitter_is_applied_after_the_cap() {
    for (jitter, seed) in [
        (Jitter::Full, 8),
        (Jitter::Equal, 9),
        (Jitter::Proportional(0.3), 10),
    ] {
        let policy = exponential(jitter);
        for attempt in [8, 10, 12, 30, u32::MAX] {
            let s = samples(&policy, attempt, seed);
            let (lo, hi) = policy.bounds(attempt).unwrap();
            let at_max = s.iter().filter(|&&d| d == 20_000).count();
            let mut distinct = s.clone();
            distinct.sort_unstable();
            distinct.dedup();
            assert!(
                at_max < SAMPLES / 100,
                "{jitter:?} attempt {attempt}: {at_max} samples exactly at the cap"
            );
            assert!(
                distinct.len() > 1_000,
                "{jitter:?}: only {} values",
                distinct.len()
            );
            // The samples cover the range, not a corner of it.
            let spread = (hi - lo) as f64;
            assert!((distinct[0] - lo) as f64 <= 0.01 * spread);
            assert!((hi - distinct[distinct.len() - 1]) as f64 <= 0.01 * spread);
        }
    }
}

#[test]
fn fixed_never_and_custom_policies() {
    let fixed = ReconnectPolicy::Fixed(1_234);
    for (lo, hi) in assert_within_bounds(&fixed, 11) {
        assert_eq!((lo, hi), (1_234, 1_234));
    }

    let never = ReconnectPolicy::Never;
    for attempt in 1..=ATTEMPTS {
        assert_eq!(never.delay(attempt, 0.5), None);
        assert_eq!(never.bounds(attempt), None);
    }

    let custom = ReconnectPolicy::Custom(Arc::new(|n| (n <= 12).then(|| u64::from(n) * 100)));
    for attempt in 1..=12 {
        assert_eq!(
            custom.bounds(attempt),
            Some((u64::from(attempt) * 100, u64::from(attempt) * 100))
        );
        let mut rng = fastrand::Rng::with_seed(12);
        for _ in 0..SAMPLES {
            assert_eq!(
                custom.delay(attempt, rng.f64()),
                Some(u64::from(attempt) * 100)
            );
        }
    }
    assert_eq!(custom.delay(13, 0.5), None);
    assert_eq!(custom.bounds(13), None);
}

#[test]
fn default_policy_is_full_jitter_exponential() {
    let ReconnectPolicy::Exponential(e) = ReconnectPolicy::default() else {
        panic!("default policy is exponential");
    };
    // The storm benchmark's choice (BENCHMARKS.md, "Tuning"): a first retry
    // within 1 s, and the 5 s cap's window, under the slot server's floor
    // N / R, from the fifth retry on.
    assert_eq!(e.jitter, Jitter::Full);
    assert_eq!((e.initial_ms, e.max_ms, e.multiplier), (500, 5_000, 2.0));
    let opts = ReconnectOptions::default();
    assert_eq!(opts.bounds(1), Some((500, 1_000)));
    assert_eq!(opts.bounds(2), Some((500, 1_500)));
    assert_eq!(opts.bounds(4), Some((500, 4_500)));
    assert_eq!(opts.bounds(5), Some((500, 5_000)));
    assert_eq!(opts.bounds(6), Some((500, 5_000)));
}

#[test]
fn degenerate_exponentials_stay_sane() {
    // A floor above the cap: the cap wins, no spread to negative numbers.
    let high_floor = ReconnectPolicy::Exponential(Exponential {
        initial_ms: 30_000,
        max_ms: 20_000,
        multiplier: 2.0,
        jitter: Jitter::Full,
    });
    for (lo, hi) in assert_within_bounds(&high_floor, 13) {
        assert_eq!((lo, hi), (20_000, 20_000));
    }
    // A multiplier that overflows to infinity stays at the cap.
    let huge = ReconnectPolicy::Exponential(Exponential {
        initial_ms: 100,
        max_ms: 60_000,
        multiplier: 1e300,
        jitter: Jitter::Equal,
    });
    assert_within_bounds(&huge, 14);
    assert_eq!(huge.bounds(u32::MAX), Some((30_000, 60_000)));
}

#[test]
fn delay_offset_is_added_before_the_first_retry_only() {
    let opts = ReconnectOptions {
        policy: exponential(Jitter::Full),
        delay_offset_ms: 3_000,
        ..ReconnectOptions::default()
    };
    assert_eq!(opts.bounds(1), Some((3_500, 4_000)));
    assert_eq!(opts.bounds(2), Some((500, 1_500)));
    let mut rng = fastrand::Rng::with_seed(15);
    for attempt in 1..=ATTEMPTS {
        let (lo, hi) = opts.bounds(attempt).unwrap();
        let (plo, phi) = opts.policy.bounds(attempt).unwrap();
        let offset = if attempt == 1 { 3_000 } else { 0 };
        assert_eq!((lo, hi), (plo + offset, phi + offset));
        for _ in 0..SAMPLES {
            let d = delay(&opts, attempt, rng.f64()).unwrap();
            assert!((lo..=hi).contains(&d), "attempt {attempt}: {d}");
        }
    }
    let fixed = ReconnectOptions {
        policy: ReconnectPolicy::Fixed(1_000),
        delay_offset_ms: 250,
        ..ReconnectOptions::default()
    };
    assert_eq!(delay(&fixed, 1, 0.3), Some(1_250));
    assert_eq!(delay(&fixed, 2, 0.3), Some(1_000));
    assert_eq!(delay(&fixed, 9, 0.3), Some(1_000));
    // Never stays never, offset or not.
    let never = ReconnectOptions {
        policy: ReconnectPolicy::Never,
        delay_offset_ms: 250,
        ..ReconnectOptions::default()
    };
    assert_eq!(delay(&never, 1, 0.3), None);
    assert_eq!(never.bounds(1), None);
}

#[test]
fn max_attempts_gives_none_after_the_max() {
    let opts = ReconnectOptions {
        max_attempts: Some(3),
        ..ReconnectOptions::default()
    };
    for attempt in 1..=3 {
        assert!(delay(&opts, attempt, 0.5).is_some());
        assert!(opts.bounds(attempt).is_some());
    }
    for attempt in [4, 5, 100, u32::MAX] {
        assert_eq!(delay(&opts, attempt, 0.5), None, "attempt {attempt}");
        assert_eq!(opts.bounds(attempt), None, "attempt {attempt}");
    }
    let zero = ReconnectOptions {
        max_attempts: Some(0),
        ..ReconnectOptions::default()
    };
    assert_eq!(delay(&zero, 1, 0.5), None);
    let unlimited = ReconnectOptions::default();
    assert_eq!(unlimited.max_attempts, None);
    assert_eq!(unlimited.bounds(1_000_000), Some((500, 5_000)));
}

#[test]
fn clamp_retry_after_applies_floor_and_cap() {
    let opts = ReconnectOptions {
        retry_after_floor_ms: 500,
        retry_after_cap_ms: 120_000,
        ..ReconnectOptions::default()
    };
    assert_eq!(opts.clamp_retry_after(0), 500);
    assert_eq!(opts.clamp_retry_after(499), 500);
    assert_eq!(opts.clamp_retry_after(500), 500);
    assert_eq!(opts.clamp_retry_after(2_000), 2_000);
    assert_eq!(opts.clamp_retry_after(120_000), 120_000);
    assert_eq!(opts.clamp_retry_after(120_001), 120_000);
    assert_eq!(opts.clamp_retry_after(u64::MAX), 120_000);
    // A cap below the floor does not panic: the floor wins.
    let inverted = ReconnectOptions {
        retry_after_floor_ms: 5_000,
        retry_after_cap_ms: 1_000,
        ..ReconnectOptions::default()
    };
    assert_eq!(inverted.clamp_retry_after(0), 5_000);
    assert_eq!(inverted.clamp_retry_after(3_000), 5_000);
    assert_eq!(inverted.clamp_retry_after(1_000_000), 5_000);
}
