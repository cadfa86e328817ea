//! The slot server: at most R sessions a second, and every client it sheds
//! gets a slot of its own, 4429 `retry-after=<ms>; exact`, 1/R after the
//! previous one's; past the backlog, 1013 and no slot. A model of the server
//! crate's admission (server/src/admission.rs), in µs of virtual time, with
//! its constants. The tables report two peaks: sessions admitted per window
//! (the expensive work, at most R's share) and handshakes per window (every
//! attempt that reaches the server, cheap sheds included).

use super::*;

/// R: the sessions a second the server admits, the refusing server's budget.
pub(super) const RATE_PER_SEC: u64 = BUDGET as u64 * 1_000 / WINDOW_MS;
/// How late a position may be taken (`admission::TOLERANCE`).
const TOLERANCE_US: u64 = 25_000;
/// The nearest slot handed out (`admission::MIN_LEAD`).
const MIN_LEAD_US: u64 = 500_000;
/// The farthest slot (`Config::ADMISSION_BACKLOG_MS`).
const BACKLOG_US: u64 = 60_000_000;
/// Admissions are also capped at R's share of each window from the start.
const WINDOW_US: u64 = WINDOW_MS * 1_000;

/// What the server does with an attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Ticket {
    Admit,
    /// Shed with an exact slot this many ms away.
    Slot(u64),
    /// Refused without a slot: over the window's budget, or past the backlog.
    Full,
}

/// R's share of a window, rounded up (`Slots::per_window`).
pub(super) fn per_window(rate: u64) -> u32 {
    (rate * WINDOW_MS).div_ceil(1_000).max(1) as u32
}

/// The admission state of the server that came back at `back`.
pub(super) struct SlotServer {
    /// 1/R in µs, and R's share of a window.
    interval_us: u64,
    budget: u32,
    /// The earliest position not taken by an admission, in µs.
    due: u64,
    /// The earliest position not reserved for a shed client, in µs.
    cursor: u64,
    /// The start of the current window, and its admissions so far.
    window: u64,
    admitted: u32,
}

impl SlotServer {
    /// A server that starts at `back_ms` without credit and admits `rate` a second.
    pub(super) fn new(back_ms: u64, rate: u64) -> Self {
        Self {
            interval_us: 1_000_000 / rate.max(1),
            budget: per_window(rate),
            due: back_ms * 1_000,
            cursor: back_ms * 1_000,
            window: back_ms * 1_000,
            admitted: 0,
        }
    }

    pub(super) fn take(&mut self, now_ms: u64) -> Ticket {
        let now = now_ms * 1_000;
        let due = self.due.max(now.saturating_sub(TOLERANCE_US));
        if now >= self.window + WINDOW_US {
            self.window = now - (now - self.window) % WINDOW_US;
            self.admitted = 0;
        }
        if due <= now && self.admitted < self.budget {
            self.due = due + self.interval_us;
            self.admitted += 1;
            return Ticket::Admit;
        }
        let slot = self.cursor.max(due).max(now + MIN_LEAD_US);
        if slot - now > BACKLOG_US {
            return Ticket::Full;
        }
        self.cursor = slot + self.interval_us;
        Ticket::Slot((slot - now).div_ceil(1_000))
    }
}

fn run_slots(clients: usize, outage_ms: u64) -> Vec<Row> {
    let sc = |row: u64| Scenario {
        clients,
        outage_ms,
        seed: seed(outage_ms, row, 2),
        restart: None,
    };
    let ours = [
        (DEFAULT, Policy::Ours(ReconnectOptions::default())),
        ("ours, old default + slots", Policy::Ours(old_default())),
        ("ours, alternative + slots", Policy::Ours(alternative())),
    ];
    let ours = ours.into_iter().enumerate().map(|(i, (name, policy))| Row {
        name,
        ours: true,
        outcome: simulate(&policy, Overload::Slots, sc(i as u64)),
    });
    let peers = peers().into_iter().enumerate().map(|(i, peer)| Row {
        name: peer.name(),
        ours: false,
        outcome: simulate(&peer, Overload::Slots, sc(10 + i as u64)),
    });
    ours.chain(peers).collect()
}

fn print_slots(title: &str, clients: usize, rows: &[Row]) {
    println!("{title}");
    let header = format!(
        "{:<32} {:>7} {:>7} {:>7} {:>9} {:>11} {:>13} {:>9} {:>6}",
        "policy",
        "p50 s",
        "p99 s",
        "max s",
        "admitted",
        "handshakes",
        "after back/cl",
        "attempts",
        "never"
    );
    println!("{header}");
    println!("{}", "-".repeat(header.len()));
    for row in rows {
        let o = &row.outcome;
        println!(
            "{:<32} {:>7} {:>7} {:>7} {:>9} {:>11} {:>13.2} {:>9} {:>6}",
            row.name,
            secs(o.quantile(0.5)),
            secs(o.p99()),
            secs(o.max()),
            o.peak_admitted(),
            o.peak(),
            o.attempts_after as f64 / clients as f64,
            o.attempts,
            o.never
        );
    }
}

/// Prints a table per outage; fails the run when any row admits more than
/// R's share of a window (the server's promise), or when one of our rows
/// needs more than `MAX_ATTEMPTS_AFTER` attempts per client once the server
/// is back: a client that spread its slots would miss them and be shed again.
pub(super) fn report_slots(clients: usize, outages: &[u64]) {
    let floor = clients as f64 / RATE_PER_SEC as f64;
    println!(
        "With admission slots: R = {RATE_PER_SEC}/s, a shed client gets its own slot (4429 retry-after=<ms>; exact), \
         1013 past {} s of backlog. Floor N / R = {floor:.2} s.",
        BACKLOG_US / 1_000_000
    );
    println!(
        "admitted = peak sessions admitted per {WINDOW_MS} ms (at most {BUDGET}); handshakes = peak attempts per {WINDOW_MS} ms, sheds included;"
    );
    println!("after back/cl = attempts per client once the server is back.");
    println!();
    let mut failed = Vec::new();
    for &outage_ms in outages {
        let rows = run_slots(clients, outage_ms);
        let title = format!("Outage {} s, slot server", outage_ms / 1_000);
        print_slots(&title, clients, &rows);
        for row in &rows {
            let o = &row.outcome;
            if o.peak_admitted() > BUDGET {
                failed.push(format!(
                    "{}: {} admitted in one window",
                    row.name,
                    o.peak_admitted()
                ));
            }
            // The goal: the default back within 1.1 × the floor.
            if row.name == DEFAULT && o.p99().is_none_or(|p99| p99 as f64 > 1_100.0 * floor) {
                failed.push(format!("{}: p99 {} s", row.name, secs(o.p99())));
            }
            let per_client = o.attempts_after as f64 / clients as f64;
            if row.ours && per_client > MAX_ATTEMPTS_AFTER {
                failed.push(format!("{}: {per_client:.2} attempts per client", row.name));
            }
        }
        println!();
    }
    if !failed.is_empty() {
        eprintln!("storm: with slots, {}", failed.join("; "));
        std::process::exit(1);
    }
}

/// The default's row.
const DEFAULT: &str = "ours + slots";

/// The fleet of the slot tables in `--smoke`: enough to fill R's share.
pub(super) const SLOT_SMOKE_CLIENTS: usize = 10_000;

/// The goal for the attempts per client once the server is back.
pub(super) const MAX_ATTEMPTS_AFTER: f64 = 2.5;
