//! The goals for a default schedule, over paired seeds: against a
//! server that only refuses, its p99 on the 5 and 30 s outages at most
//! socket.io's in the same run, with a peak at most 1.3 × socket.io's; with
//! admission slots, p99 within 1.1 × N / R on every outage, at most R's share
//! admitted per window and at most 2.5 attempts per client once the server
//! is back. `--goals` searches full jitter for the schedules that meet them.

use super::*;

/// The refusing-server outages of the goal.
pub(super) const REFUSE_OUTAGES_MS: [u64; 2] = [5_000, 30_000];
/// The goal's bound on our peak against socket.io's.
pub(super) const PEAK_RATIO: f64 = 1.3;
/// Paired seeds per refusing outage.
pub(super) const GOAL_SEEDS: u64 = 10;

/// One schedule's figures, the worst over the seeds.
pub(super) struct Figures {
    /// Per refusing outage: worst p99 / socket.io's p99, worst peak / socket.io's peak.
    pub(super) refuse: Vec<(f64, f64)>,
    /// Per slot outage: worst p99 (ms), peak admitted, attempts per client after back.
    pub(super) slots: Vec<(u64, u32, f64)>,
    /// Mean attempts in the longest outage, with slots (the load on a dead server).
    pub(super) attempts_long: u64,
}

impl Figures {
    /// Met goals: refusing p99, refusing peak, slot p99, slot admitted, slot attempts.
    pub(super) fn met(&self, clients: usize) -> [bool; 5] {
        let floor_ms = clients as f64 * 1_000.0 / RATE_PER_SEC as f64;
        [
            self.refuse.iter().all(|r| r.0 <= 1.0),
            self.refuse.iter().all(|r| r.1 <= PEAK_RATIO),
            self.slots.iter().all(|s| s.0 as f64 <= 1.1 * floor_ms),
            self.slots.iter().all(|s| s.1 <= BUDGET),
            self.slots.iter().all(|s| s.2 <= MAX_ATTEMPTS_AFTER),
        ]
    }
}

/// `opts` against socket.io on the refusing server (paired seeds) and on the slot server.
pub(super) fn figures(clients: usize, opts: &ReconnectOptions, seeds: u64) -> Figures {
    let ours = Policy::Ours(opts.clone());
    let sc = |outage_ms, row, s| Scenario {
        clients,
        outage_ms,
        seed: seed(outage_ms, row, 100 + s),
        restart: None,
    };
    let refuse = REFUSE_OUTAGES_MS
        .iter()
        .map(|&outage_ms| {
            (0..seeds).fold((0f64, 0f64), |(p, k), s| {
                let o = simulate(&ours, Overload::Refuse, sc(outage_ms, 0, s));
                let t = simulate(&Policy::SocketIo, Overload::Refuse, sc(outage_ms, 10, s));
                let p99 = p99_key(&o) as f64 / p99_key(&t) as f64;
                let peak = f64::from(o.peak()) / f64::from(t.peak());
                (p.max(p99), k.max(peak))
            })
        })
        .collect();
    let mut attempts_long = 0;
    let slots = OUTAGES_MS
        .iter()
        .map(|&outage_ms| {
            (0..seeds).fold((0, 0, 0f64), |(p, a, n), s| {
                let o = simulate(&ours, Overload::Slots, sc(outage_ms, 0, s));
                attempts_long = o.attempts;
                let after = o.attempts_after as f64 / clients as f64;
                (p.max(p99_key(&o)), a.max(o.peak_admitted()), n.max(after))
            })
        })
        .collect();
    Figures {
        refuse,
        slots,
        attempts_long,
    }
}

pub(super) fn full(initial_ms: u64, max_ms: u64, multiplier: f64) -> ReconnectOptions {
    ReconnectOptions {
        policy: ReconnectPolicy::Exponential(Exponential {
            initial_ms,
            max_ms,
            multiplier,
            jitter: Jitter::Full,
        }),
        ..ReconnectOptions::default()
    }
}

fn label(opts: &ReconnectOptions) -> String {
    match &opts.policy {
        ReconnectPolicy::Exponential(e) => format!(
            "{} / {} / ×{} {:?}",
            e.initial_ms, e.max_ms, e.multiplier, e.jitter
        ),
        other => format!("{other:?}"),
    }
}

fn print_row(name: &str, clients: usize, f: &Figures) {
    let refuse: Vec<String> = f
        .refuse
        .iter()
        .map(|(p, k)| format!("{p:.2}/{k:.2}"))
        .collect();
    let slots: Vec<String> = f
        .slots
        .iter()
        .map(|(p, a, n)| format!("{}/{a}/{n:.2}", secs(Some(*p))))
        .collect();
    let met = f.met(clients).iter().filter(|m| **m).count();
    println!(
        "{name:<30} {:>22} {:>46} {:>9} {met}/5",
        refuse.join("  "),
        slots.join("  "),
        f.attempts_long
    );
}

/// The schedules of the goal table: the default, the one it replaced, and
/// its neighbours on the frontier (`--goals` prints the whole grid).
fn table_rows() -> Vec<(&'static str, ReconnectOptions)> {
    vec![
        ("ours (default)", ReconnectOptions::default()),
        ("ours, old default", old_default()),
        ("500 / 4500 / ×2", full(500, 4_500, 2.0)),
        ("500 / 5500 / ×2", full(500, 5_500, 2.0)),
    ]
}

fn print_header(clients: usize, seeds: u64) {
    println!(
        "The issue's goals, {clients} clients, worst of {seeds} paired seeds. Refusing server (5 s, 30 s): our p99 / socket.io's (goal ≤ 1) and peak / socket.io's (≤ {PEAK_RATIO})."
    );
    println!(
        "Slot server (5, 30, 120 s): p99 s (≤ {:.2}) / peak admitted (≤ {BUDGET}) / attempts per client after back (≤ {MAX_ATTEMPTS_AFTER}); attempts = the 120 s outage's, with slots.",
        1.1 * clients as f64 / RATE_PER_SEC as f64
    );
    println!(
        "{:<30} {:>22} {:>46} {:>9} met",
        "schedule", "refusing 5 s  30 s", "slots 5 s  30 s  120 s", "attempts"
    );
}

/// Prints the goal table (in `smoke`, the default's row only); fails the run
/// when the default misses a goal.
pub(super) fn report_goals(smoke: bool) {
    let clients = GOAL_CLIENTS;
    print_header(clients, GOAL_SEEDS);
    let mut missed = false;
    let rows = table_rows();
    for (i, (name, opts)) in rows
        .iter()
        .take(if smoke { 1 } else { rows.len() })
        .enumerate()
    {
        let f = figures(clients, opts, GOAL_SEEDS);
        print_row(name, clients, &f);
        missed |= i == 0 && f.met(clients).contains(&false);
    }
    println!();
    if missed {
        eprintln!("storm: the default misses one of the issue's goals");
        std::process::exit(1);
    }
}

/// The fleet of the goals: the 10,000, also in `--smoke`.
const GOAL_CLIENTS: usize = 10_000;

/// `--goals`: a full-jitter grid around the default against every goal, 30 seeds each.
pub(super) fn search() {
    let clients = GOAL_CLIENTS;
    print_header(clients, 30);
    for initial_ms in [250, 500, 750, 1_000] {
        for max_ms in [4_000, 4_500, 5_000, 5_500, 6_000] {
            for multiplier in [2.0, 3.0] {
                let opts = full(initial_ms, max_ms, multiplier);
                print_row(&label(&opts), clients, &figures(clients, &opts, 30));
            }
        }
    }
}
