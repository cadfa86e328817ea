//! Reconnect-storm simulator: N clients lose the server at t = 0, the server
//! comes back after an outage and admits at most 200 new connections per
//! 100 ms window (2,000/s). How fast is everyone back, and how hard is the
//! server hit while they come back?
//!
//! A discrete-event simulation in virtual time: a priority queue of attempt
//! times and a seeded RNG, no I/O. Our client runs the library's own policy
//! code (`ReconnectOptions::next_delay`, which the machine's `lost()` calls); the
//! peers are small local functions faithful to their defaults.
//!
//! ```text
//! cargo run --release -p leptos-sync-storm --bin storm                 # 10,000 clients; 5 s, 30 s and 120 s outages
//! cargo run --release -p leptos-sync-storm --bin storm -- --smoke      # 500 clients, 5 s outage (CI)
//! cargo run --release -p leptos-sync-storm --bin storm -- --clients 2000
//! cargo run --release -p leptos-sync-storm --bin storm -- --sweep      # also search our parameter space (30 s outage;
//!                                                     # full jitter separately, checked on every outage)
//! cargo run --release -p leptos-sync-storm --bin storm -- --goals      # only: full-jitter schedules against the issue's goals
//! cargo run --release -p leptos-sync-storm --bin storm -- --predict --clients 2000 --rate 400 --outage-ms 10000
//!                                                     # only: one line of figures for scripts/bench storm-real
//! ```
//!
//! Model: a connection attempt succeeds or fails at the instant it is made (no
//! round trip). Attempts during the outage fail. Once the server is back, an
//! attempt beyond the current window's admission budget is refused and fails
//! the same way; the client schedules its next retry by its policy
//! (attempt + 1). With load shedding the server instead accepts and closes with
//! 4429 `retry-after=<ms>`; our client clamps that and spreads it by up to
//! +50 %, through the machine's own function, and the attempt counter still
//! grows. The peers ignore it.
//!
//! With admission slots (`slots.rs`), the server admits at most R sessions
//! a second and gives every client it sheds its own slot (4429
//! `retry-after=<ms>; exact`), as the server crate does; our client keeps the
//! slot, the peers back off by their own policy.
//!
//! A last table models a graceful restart (see `restart.rs`): the server
//! closes everyone with 1012 and a `retry-after` spread over its window; our
//! client waits it out, the peers ignore it.
//!
//! Metrics: restore time is from server-back to connected; percentiles are over
//! all clients, and a percentile that falls among clients that gave up prints
//! as `never`. Peak is the most attempts hitting the server in one 100 ms
//! window after it is back, refused or shed attempts included.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use leptos_sync_core::backoff::{Close, Exponential, Jitter, ReconnectOptions, ReconnectPolicy};
use leptos_sync_protocol::close_code;

mod goals;
mod outcome;
mod policies;
mod predict;
mod report;
mod restart;
mod slots;
mod sweep;
use outcome::*;
use policies::*;
use report::*;
use restart::*;
use slots::*;
use sweep::*;

/// Length of one admission and measurement window.
const WINDOW_MS: u64 = 100;
/// New connections the server admits per window once it is back (2,000/s).
const BUDGET: u32 = 200;
/// Outage lengths of the full run.
const OUTAGES_MS: [u64; 3] = [5_000, 30_000, 120_000];
/// The outage the tuning targets.
const TUNED_OUTAGE_MS: u64 = 30_000;
/// Every run is seeded from this, the outage and the row.
const SEED: u64 = 0x5EED_2026;
/// `--sweep` counts a peer as beaten only if every one of this many paired
/// seeds agrees.
const SWEEP_SEEDS: u64 = 5;
/// The full-jitter finalists of `--sweep` are checked again on this many
/// paired seeds (the first `SWEEP_SEEDS` included), since near a peer's
/// p99 or peak five seeds can agree by luck.
const CONFIRM_SEEDS: u64 = 30;
/// A first retry at most this late counts as fast: today's default retries
/// after 0.5–1 s.
const FAST_FIRST_RETRY_MS: u64 = 1_000;

struct Client {
    /// Failed attempts so far: the machine's `attempt`.
    attempt: u32,
    /// reconnecting-websocket's per-page `minReconnectionDelay`.
    rws_min_ms: f64,
}

// ---------------------------------------------------------------------------
// Simulation

/// What the server does with an attempt beyond its budget.
#[derive(Clone, Copy, PartialEq)]
enum Overload {
    /// Refuse it: the client backs off by its own policy.
    Refuse,
    /// Accept, then close with 4429 `retry-after=<ms>`, where the retry-after
    /// is the server's backlog over its admission rate. The backlog is the
    /// sessions it lost minus those re-admitted (a server knows how many
    /// sessions it had, e.g. from its session store). Counting only the
    /// clients it already sent away ignores those still on their way back and
    /// sends the first shed clients straight into the fresh wave; in the 5 s
    /// outage that raised the peak by 15–60 %.
    Shed,
    /// Admit at most R sessions a second and give every shed client a slot
    /// of its own, or 1013 past the backlog, as the server crate does.
    Slots,
}

/// The retry-after a shedding server sends while `pending` sessions are
/// still out, admitting `budget` per window.
fn shed_retry_after_ms(pending: usize, budget: u32) -> u64 {
    pending as u64 * WINDOW_MS / u64::from(budget)
}

#[derive(Clone, Copy)]
struct Scenario {
    clients: usize,
    outage_ms: u64,
    seed: u64,
    /// `None`: every client loses the server (1006). `Some(r)`: a graceful
    /// shutdown closes client i of n with 1012 and `r`'s reason for it.
    restart: Option<Restart>,
}

fn simulate(policy: &Policy, overload: Overload, sc: Scenario) -> Outcome {
    simulate_at(policy, overload, sc, RATE_PER_SEC)
}

/// [`simulate`] against a server that admits `rate` sessions a second.
fn simulate_at(policy: &Policy, overload: Overload, sc: Scenario, rate: u64) -> Outcome {
    let budget = per_window(rate);
    let mut rng = fastrand::Rng::with_seed(sc.seed);
    let back = sc.outage_ms;
    let mut clients: Vec<Client> = (0..sc.clients)
        .map(|_| Client {
            attempt: 0,
            rws_min_ms: 1_000.0 + rng.f64() * 4_000.0,
        })
        .collect();
    // (attempt time, insertion order, client): FIFO among attempts in the same ms.
    let mut queue: BinaryHeap<Reverse<(u64, u64, u32)>> = BinaryHeap::new();
    let mut seq = 0u64;
    let mut out = Outcome {
        restore_ms: Vec::with_capacity(sc.clients),
        never: 0,
        attempts: 0,
        arrivals: Vec::new(),
        admitted: Vec::new(),
        attempts_after: 0,
    };
    let mut gate = SlotServer::new(back, rate);

    // Everyone loses the server at t = 0: the machine's `lost()` with attempt 1.
    let n = sc.clients as u64;
    for (id, client) in clients.iter_mut().enumerate() {
        client.attempt = 1;
        let reason = sc.restart.map(|r| r.reason(id as u64, n));
        let close = match &reason {
            Some(reason) => Close::new(close_code::SERVICE_RESTART, reason),
            None => Close::ABNORMAL,
        };
        match policy.delay(1, close, client, &mut rng) {
            Some(d) => {
                queue.push(Reverse((d, seq, id as u32)));
                seq += 1;
            }
            None => out.never += 1,
        }
    }

    while let Some(Reverse((now, _, id))) = queue.pop() {
        out.attempts += 1;
        let mut reason = String::new();
        let mut code = close_code::ABNORMAL;
        if now >= back {
            out.attempts_after += 1;
            let w = ((now - back) / WINDOW_MS) as usize;
            if w >= out.arrivals.len() {
                out.arrivals.resize(w + 1, 0);
                out.admitted.resize(w + 1, 0);
            }
            out.arrivals[w] += 1;
            let ticket = match overload {
                Overload::Slots => gate.take(now),
                _ if out.admitted[w] < budget => Ticket::Admit,
                _ => Ticket::Full,
            };
            if ticket == Ticket::Admit {
                out.admitted[w] += 1;
                out.restore_ms.push(now - back);
                continue;
            }
            if let Ticket::Slot(ms) = ticket {
                code = close_code::OVERLOADED;
                reason = close_code::slot_reason(ms);
            } else if overload == Overload::Slots {
                code = close_code::TRY_AGAIN_LATER;
            } else if overload == Overload::Shed {
                // Through the close reason, as a real client reads it.
                let pending = sc.clients - out.restore_ms.len();
                code = close_code::OVERLOADED;
                reason = close_code::retry_after_reason(shed_retry_after_ms(pending, budget));
            }
        }
        // The attempt failed: the machine's `lost()`.
        let client = &mut clients[id as usize];
        client.attempt += 1;
        let close = Close::new(code, &reason);
        match policy.delay(client.attempt, close, client, &mut rng) {
            Some(d) => {
                queue.push(Reverse((now + d, seq, id)));
                seq += 1;
            }
            None => out.never += 1,
        }
    }
    out.restore_ms.sort_unstable();
    out
}

// ---------------------------------------------------------------------------
// Rows and tables

struct Row {
    name: &'static str,
    ours: bool,
    outcome: Outcome,
}

fn peers() -> Vec<Policy> {
    vec![
        Policy::SocketIo,
        Policy::Phoenix,
        Policy::GraphqlWs,
        Policy::Centrifuge,
        Policy::Rws,
        Policy::DocsReference,
    ]
}

/// The seed of row `row` in `outage_ms`, variant `variant` (0 in the tables).
fn seed(outage_ms: u64, row: u64, variant: u64) -> u64 {
    SEED ^ (outage_ms << 8) ^ row ^ (variant << 40)
}

fn run_outage(clients: usize, outage_ms: u64) -> Vec<Row> {
    let sc = |row: u64| Scenario {
        clients,
        outage_ms,
        seed: seed(outage_ms, row, 0),
        restart: None,
    };
    let default = Policy::Ours(ReconnectOptions::default());
    let old = Policy::Ours(old_default());
    let alternative = Policy::Ours(alternative());
    let ours = [
        ("ours", &default, Overload::Refuse),
        ("ours + 4429 shedding", &default, Overload::Shed),
        ("ours, old default", &old, Overload::Refuse),
        ("ours, old default + 4429", &old, Overload::Shed),
        ("ours, alternative", &alternative, Overload::Refuse),
        ("ours, alternative + 4429", &alternative, Overload::Shed),
    ];
    let mut rows: Vec<Row> = ours
        .iter()
        .enumerate()
        .map(|(i, (name, policy, overload))| Row {
            name,
            ours: true,
            outcome: simulate(policy, *overload, sc(i as u64)),
        })
        .collect();
    for (i, peer) in peers().iter().enumerate() {
        rows.push(Row {
            name: peer.name(),
            ours: false,
            outcome: simulate(peer, Overload::Refuse, sc(10 + i as u64)),
        });
    }
    rows
}

fn main() {
    let mut clients = 10_000;
    let mut outages: Vec<u64> = OUTAGES_MS.to_vec();
    let mut do_sweep = false;
    let mut smoke = false;
    let (mut predict, mut rate, mut outage) = (false, RATE_PER_SEC, 10_000);
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--smoke" => {
                smoke = true;
                clients = 500;
                outages = vec![5_000];
            }
            "--clients" => clients = number(args.next(), "--clients") as usize,
            "--sweep" => do_sweep = true,
            "--predict" => predict = true,
            "--rate" => rate = number(args.next(), "--rate"),
            "--outage-ms" => outage = number(args.next(), "--outage-ms"),
            "--goals" => {
                goals::search();
                return;
            }
            "-h" | "--help" => usage(""),
            other => usage(&format!("unknown argument {other}")),
        }
    }
    if predict {
        return predict::predict(clients, rate, outage);
    }
    println!(
        "Reconnect storm: {clients} clients lose the server at t = 0; once back it admits {BUDGET} per {WINDOW_MS} ms."
    );
    println!(
        "Restore time is from server-back to connected; peak counts every attempt that hits the server per {WINDOW_MS} ms."
    );
    println!(
        "ours = ReconnectOptions::default(); ours, old default = {:?}; ours, alternative = {:?}.",
        old_default().policy,
        alternative().policy
    );
    println!();
    for &outage_ms in &outages {
        let rows = run_outage(clients, outage_ms);
        print_table(&format!("Outage {} s", outage_ms / 1_000), &rows);
        print_summary(&rows);
        if outage_ms == TUNED_OUTAGE_MS {
            print_pareto(clients, &rows);
        }
        println!();
    }
    // The smoke fleet (500) never fills R's share of a window: check the
    // slots where they matter, with the issue's 10,000.
    let slot_clients = if smoke { SLOT_SMOKE_CLIENTS } else { clients };
    report_slots(slot_clients, &outages);
    report_restart(clients);
    goals::report_goals(smoke);
    if do_sweep {
        sweep(clients);
    }
}

/// A positive number after `flag`, or the usage.
fn number(arg: Option<String>, flag: &str) -> u64 {
    arg.and_then(|n| n.parse().ok())
        .filter(|&n| n > 0)
        .unwrap_or_else(|| usage(&format!("{flag} needs a positive number")))
}

fn usage(problem: &str) -> ! {
    if !problem.is_empty() {
        eprintln!("storm: {problem}");
    }
    eprintln!(
        "usage: storm [--smoke] [--clients N] [--sweep] [--goals] [--predict [--rate R] [--outage-ms T]]"
    );
    std::process::exit(if problem.is_empty() { 0 } else { 2 });
}
