//! The parameter sweep (`--sweep`): candidates judged against the peers over paired seeds.

use super::*;

/// One candidate on one outage, over paired seeds.
struct Verdict {
    /// Worst p99 over the seeds ("never" as the worst).
    p99: u64,
    /// Worst peak over the seeds.
    peak: u32,
    /// Mean attempts over the seeds.
    attempts: u64,
    /// Per peer, in how many seeds the candidate beats it.
    wins: Vec<u64>,
    /// How many seeds were run.
    seeds: u64,
}

impl Verdict {
    /// The peers beaten in every seed.
    fn beaten(&self) -> Vec<&'static str> {
        peers()
            .iter()
            .zip(&self.wins)
            .filter(|(_, w)| **w == self.seeds)
            .map(|(p, _)| p.name())
            .collect()
    }

    /// "p99 / peak / peers beaten in every seed".
    fn cell(&self) -> String {
        format!(
            "{} / {} / {}",
            secs(Some(self.p99)),
            self.peak,
            self.beaten().len()
        )
    }
}

/// The peers' runs on `outage_ms` with seed variants `0..seeds`.
fn peer_runs(clients: usize, outage_ms: u64, seeds: u64) -> Vec<Vec<Outcome>> {
    peers()
        .iter()
        .enumerate()
        .map(|(i, peer)| {
            (0..seeds)
                .map(|s| {
                    let sc = Scenario {
                        clients,
                        outage_ms,
                        seed: seed(outage_ms, 10 + i as u64, s),
                        restart: None,
                    };
                    simulate(peer, Overload::Refuse, sc)
                })
                .collect()
        })
        .collect()
}

/// `opts` without shedding on `outage_ms`, seed by seed against `peer_runs`
/// of the same outage (as many seeds as they have).
fn judge(
    clients: usize,
    outage_ms: u64,
    opts: &ReconnectOptions,
    peer_runs: &[Vec<Outcome>],
) -> Verdict {
    let seeds = peer_runs[0].len() as u64;
    let ours = Policy::Ours(opts.clone());
    let runs: Vec<Outcome> = (0..seeds)
        .map(|s| {
            let sc = Scenario {
                clients,
                outage_ms,
                seed: seed(outage_ms, 0, s),
                restart: None,
            };
            simulate(&ours, Overload::Refuse, sc)
        })
        .collect();
    Verdict {
        p99: runs.iter().map(p99_key).max().unwrap_or(u64::MAX),
        peak: runs.iter().map(Outcome::peak).max().unwrap_or(0),
        attempts: runs.iter().map(|o| o.attempts).sum::<u64>() / seeds.max(1),
        wins: peer_runs
            .iter()
            .map(|theirs| {
                runs.iter()
                    .zip(theirs)
                    .filter(|(o, t)| dominates(o, t))
                    .count() as u64
            })
            .collect(),
        seeds,
    }
}

struct Candidate {
    label: String,
    opts: ReconnectOptions,
    /// On the tuned outage, `SWEEP_SEEDS` seeds.
    tuned: Verdict,
}

impl Candidate {
    /// An exponential policy, judged on the tuned outage against `tuned_peers`.
    fn judged(clients: usize, tuned_peers: &[Vec<Outcome>], e: Exponential) -> Self {
        let opts = ReconnectOptions {
            policy: ReconnectPolicy::Exponential(e),
            ..ReconnectOptions::default()
        };
        Self {
            label: format!(
                "{} / {} / ×{} / {:?}",
                e.initial_ms, e.max_ms, e.multiplier, e.jitter
            ),
            tuned: judge(clients, TUNED_OUTAGE_MS, &opts, tuned_peers),
            opts,
        }
    }

    fn is_default(&self) -> bool {
        matches!(&self.opts.policy, ReconnectPolicy::Exponential(e) if *e == Exponential::default())
    }
}

/// Searches our parameter space on the tuned outage, `SWEEP_SEEDS` seeds per
/// candidate, paired with the peers' runs; a candidate beats a peer only if
/// it does so in every pair. First the opt-in jitter modes, then full jitter
/// (the default's mode) on a finer grid, checked on every outage.
pub(super) fn sweep(clients: usize) {
    let tuned_peers = peer_runs(clients, TUNED_OUTAGE_MS, SWEEP_SEEDS);
    let judged = |initial_ms, max_ms, multiplier, jitter| {
        let e = Exponential {
            initial_ms,
            max_ms,
            multiplier,
            jitter,
        };
        Candidate::judged(clients, &tuned_peers, e)
    };
    let mut others = Vec::new();
    for jitter in [
        Jitter::Equal,
        Jitter::Proportional(0.25),
        Jitter::Proportional(0.5),
    ] {
        for initial_ms in [250, 500, 1_000, 2_000] {
            for max_ms in [5_000, 5_500, 6_000, 8_000, 10_000, 14_000, 20_000] {
                for multiplier in [2.0, 3.0, 4.0] {
                    others.push(judged(initial_ms, max_ms, multiplier, jitter));
                }
            }
        }
    }
    sweep_others(clients, others);
    // Finer where full jitter crosses socket.io's p99 and graphql-ws's peak.
    let mut full = Vec::new();
    for initial_ms in [250, 500, 750, 1_000, 1_500, 2_000] {
        for max_ms in [
            5_000, 6_000, 7_000, 8_000, 8_400, 8_700, 9_000, 10_000, 14_000, 20_000,
        ] {
            for multiplier in [2.0, 3.0, 4.0] {
                full.push(judged(initial_ms, max_ms, multiplier, Jitter::Full));
            }
        }
    }
    let confirm_peers = peer_runs(clients, TUNED_OUTAGE_MS, CONFIRM_SEEDS);
    sweep_full(clients, full, &confirm_peers);
    // The same check for the alternative, which is not full jitter.
    let alt = judge(clients, TUNED_OUTAGE_MS, &alternative(), &confirm_peers);
    let wins: Vec<String> = peers()
        .iter()
        .zip(&alt.wins)
        .filter(|(_, w)| **w > 0)
        .map(|(p, w)| format!("{} {w}", p.name()))
        .collect();
    println!(
        "For comparison, ours, alternative (not full jitter): {} s wins in {CONFIRM_SEEDS} seeds: {}.",
        TUNED_OUTAGE_MS / 1_000,
        wins.join(", ")
    );
}

/// The opt-in jitter modes: the frontier on the tuned outage, and the
/// candidates that beat the most peers there on every outage (one seed each).
fn sweep_others(clients: usize, mut candidates: Vec<Candidate>) {
    let best = candidates
        .iter()
        .map(|c| c.tuned.beaten().len())
        .max()
        .unwrap_or(0);
    println!();
    println!(
        "Sweep, {} s outage, equal and proportional jitter: {} candidates × {SWEEP_SEEDS} seeds; worst p99 and peak over the seeds.",
        TUNED_OUTAGE_MS / 1_000,
        candidates.len()
    );
    println!(
        "The most peers any candidate beats in every seed: {best}/{}.",
        peers().len()
    );
    println!("Candidates no other candidate beats on both axes:");
    println!(
        "{:<40} {:>8} {:>10}  beats",
        "initial / max / multiplier / jitter", "p99 s", "peak/100ms"
    );
    candidates.sort_by_key(|c| (c.tuned.p99, c.tuned.peak));
    let mut lowest_peak = u32::MAX;
    for c in &candidates {
        if c.tuned.peak < lowest_peak {
            lowest_peak = c.tuned.peak;
            println!(
                "{:<40} {:>8} {:>10}  {}",
                c.label,
                secs(Some(c.tuned.p99)),
                c.tuned.peak,
                c.tuned.beaten().join(", ")
            );
        }
    }
    // A default must not win one outage and lose the others: the candidates
    // that beat the most peers, on the other outages (one seed each).
    println!();
    println!("Candidates that beat {best} peers, on every outage (p99 s / peak, peers beaten):");
    let table_peers: Vec<Vec<Vec<Outcome>>> = OUTAGES_MS
        .iter()
        .map(|&o| peer_runs(clients, o, 1))
        .collect();
    print!("{:<40}", "initial / max / multiplier / jitter");
    for o in &OUTAGES_MS {
        print!(" {:>20}", format!("{} s", o / 1_000));
    }
    println!();
    for c in candidates
        .iter()
        .filter(|c| best > 0 && c.tuned.beaten().len() == best)
    {
        print!("{:<40}", c.label);
        for (&outage_ms, peers) in OUTAGES_MS.iter().zip(&table_peers) {
            print!(" {:>20}", judge(clients, outage_ms, &c.opts, peers).cell());
        }
        println!();
    }
}

/// Full jitter: the candidates that beat the most peers on the tuned outage
/// and today's default, on every outage with `SWEEP_SEEDS` seeds, their
/// retry load in the longest outage, and how their wins on the tuned outage
/// hold over `CONFIRM_SEEDS` seeds.
fn sweep_full(clients: usize, candidates: Vec<Candidate>, confirm_peers: &[Vec<Outcome>]) {
    let first_retry = |c: &Candidate| c.opts.bounds(1).unwrap_or((0, 0));
    let fast = |c: &Candidate| first_retry(c).1 <= FAST_FIRST_RETRY_MS;
    let beats = |c: &Candidate| c.tuned.beaten().len();
    let best = candidates.iter().map(beats).max().unwrap_or(0);
    let best_fast = candidates
        .iter()
        .filter(|c| fast(c))
        .map(beats)
        .max()
        .unwrap_or(0);
    println!();
    println!(
        "Full jitter only (the default's mode), {} s outage: {} candidates × {SWEEP_SEEDS} seeds.",
        TUNED_OUTAGE_MS / 1_000,
        candidates.len()
    );
    println!(
        "The most peers a full-jitter candidate beats in every seed: {best}/{}; with a first retry within {FAST_FIRST_RETRY_MS} ms: {best_fast}/{}.",
        peers().len(),
        peers().len()
    );
    let mut rows: Vec<&Candidate> = candidates
        .iter()
        .filter(|c| (best > 0 && beats(c) == best) || c.is_default())
        .collect();
    rows.sort_by_key(|c| (c.is_default(), !fast(c), c.tuned.p99, c.tuned.peak));
    println!(
        "Those that beat {best}, and the default (*), on every outage: worst p99 s / worst peak / peers beaten in all {SWEEP_SEEDS} seeds;"
    );
    println!(
        "attempts: mean in the {} s outage; last, in how many of {CONFIRM_SEEDS} seeds each {} s win holds.",
        OUTAGES_MS[OUTAGES_MS.len() - 1] / 1_000,
        TUNED_OUTAGE_MS / 1_000
    );
    let outage_peers: Vec<Vec<Vec<Outcome>>> = OUTAGES_MS
        .iter()
        .map(|&o| peer_runs(clients, o, SWEEP_SEEDS))
        .collect();
    print!("{:<24} {:>11}", "initial / max / ×", "1st retry s");
    for o in &OUTAGES_MS {
        print!(" {:>16}", format!("{} s", o / 1_000));
    }
    println!(
        " {:>9}  {} s wins in {CONFIRM_SEEDS} seeds",
        "attempts",
        TUNED_OUTAGE_MS / 1_000
    );
    // Per row: its first retry and how many peers it beats in all confirm seeds.
    let mut confirmed: Vec<((u64, u64), usize, String)> = Vec::new();
    for c in rows {
        let ReconnectPolicy::Exponential(e) = &c.opts.policy else {
            continue;
        };
        let (lo, hi) = first_retry(c);
        let star = if c.is_default() { " *" } else { "" };
        print!(
            "{:<24} {:>11}",
            format!("{} / {} / ×{}{star}", e.initial_ms, e.max_ms, e.multiplier),
            format!("{}–{}", secs(Some(lo)), secs(Some(hi)))
        );
        let mut attempts = 0;
        for (&outage_ms, peers) in OUTAGES_MS.iter().zip(&outage_peers) {
            // The tuned outage was judged already, with the same seeds.
            let v =
                (outage_ms != TUNED_OUTAGE_MS).then(|| judge(clients, outage_ms, &c.opts, peers));
            let v = v.as_ref().unwrap_or(&c.tuned);
            attempts = v.attempts;
            print!(" {:>16}", v.cell());
        }
        let v = judge(clients, TUNED_OUTAGE_MS, &c.opts, confirm_peers);
        let wins: Vec<String> = peers()
            .iter()
            .zip(&c.tuned.wins)
            .zip(&v.wins)
            .filter(|((_, w5), _)| **w5 == SWEEP_SEEDS)
            .map(|((p, _), w)| format!("{} {w}", p.name()))
            .collect();
        println!(" {:>9}  {}", attempts, wins.join(", "));
        confirmed.push(((lo, hi), v.beaten().len(), c.label.clone()));
    }
    let fast_best = confirmed
        .iter()
        .filter(|c| c.0.1 <= FAST_FIRST_RETRY_MS)
        .map(|c| c.1)
        .max()
        .unwrap_or(0);
    println!(
        "Peers beaten in all {CONFIRM_SEEDS} seeds by a row above with a first retry within {FAST_FIRST_RETRY_MS} ms: at most {fast_best}/{}.",
        peers().len()
    );
    match confirmed.iter().filter(|c| c.1 == best).min_by_key(|c| c.0) {
        Some(((lo, hi), _, label)) => println!(
            "The fastest first retry with {best}/{} in all {CONFIRM_SEEDS} seeds: {}–{} s ({label}).",
            peers().len(),
            secs(Some(*lo)),
            secs(Some(*hi)),
        ),
        None => println!(
            "No row above beats {best}/{} in all {CONFIRM_SEEDS} seeds.",
            peers().len()
        ),
    }
}
