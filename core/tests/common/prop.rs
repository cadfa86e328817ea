//! What the property tests share: a reproducible runner, and the coverage
//! check that proves a generator still explores what it claims to.

use std::cell::Cell;

use proptest::test_runner::{Config, RngSeed, TestRunner};

/// A runner of `cases` cases on a fixed seed, so a failure reproduces by
/// default; `PROPTEST_RNG_SEED` explores elsewhere, `PROPTEST_CASES` scales.
pub fn runner(cases: u32, seed: u64) -> TestRunner {
    let mut config = Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    };
    if matches!(config.rng_seed, RngSeed::Random) {
        config.rng_seed = RngSeed::Fixed(seed);
    }
    if let Some(cases) = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|c| c.parse().ok())
    {
        config.cases = cases;
    }
    TestRunner::new(config)
}

/// Counts one occurrence.
pub fn bump(c: &Cell<u32>) {
    c.set(c.get() + 1);
}

/// Each interesting thing happened at least 20 times over the run.
pub fn explored<const N: usize>(counts: [(&str, u32); N]) {
    println!("coverage: {counts:?}");
    for (what, n) in counts {
        assert!(
            n >= 20,
            "only {n} {what}: the generator no longer explores it"
        );
    }
}
