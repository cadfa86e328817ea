//! `--predict`: the simulator's figures for one storm of the default client
//! against the slot server, as one line of `key=value` pairs that the
//! real-socket storm (`storm-real` in the load crate) reads and compares
//! with what it measured. Means over [`PREDICT_SEEDS`] seeds; the p99's range
//! over them as well, since one real run is one draw.

use super::*;

/// Seeds averaged for a prediction.
const PREDICT_SEEDS: u64 = 20;

pub(super) fn predict(clients: usize, rate: u64, outage_ms: u64) {
    let policy = Policy::Ours(ReconnectOptions::default());
    let runs: Vec<Outcome> = (0..PREDICT_SEEDS)
        .map(|s| {
            let sc = Scenario {
                clients,
                outage_ms,
                seed: seed(outage_ms, 0, 200 + s),
                restart: None,
            };
            simulate_at(&policy, Overload::Slots, sc, rate)
        })
        .collect();
    let mean = |f: &dyn Fn(&Outcome) -> f64| runs.iter().map(f).sum::<f64>() / runs.len() as f64;
    let ms = |q: Option<u64>| q.map_or(f64::INFINITY, |v| v as f64);
    let p99s: Vec<f64> = runs.iter().map(|o| ms(o.p99())).collect();
    let lo = p99s.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = p99s.iter().copied().fold(0.0, f64::max);
    println!(
        "predict clients={clients} rate={rate} outage_ms={outage_ms} seeds={PREDICT_SEEDS} \
         p50_ms={:.0} p99_ms={:.0} p99_lo_ms={lo:.0} p99_hi_ms={hi:.0} max_ms={:.0} \
         admitted={:.1} handshakes={:.1} attempts={:.0} attempts_after={:.0} never={:.1}",
        mean(&|o| ms(o.quantile(0.5))),
        mean(&|o| ms(o.p99())),
        mean(&|o| ms(o.max())),
        mean(&|o| f64::from(o.peak_admitted())),
        mean(&|o| f64::from(o.peak())),
        mean(&|o| o.attempts as f64),
        mean(&|o| o.attempts_after as f64),
        mean(&|o| o.never as f64),
    );
}
