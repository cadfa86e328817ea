//! A graceful restart: the server closes every client with 1012 and a
//! `retry-after` spread over its window (the server crate's default, 10 s),
//! and a new instance admits them at the usual rate from t = 0, as in a
//! rolling deploy. Our client waits its hint (floor, cap and +50 % spread);
//! the peers read no hint and come back on their own backoff at once. The
//! server crate with an admission rate gives exact slots instead (from
//! 500 ms, at least 1/R apart), and its next instance admits with slots: our
//! client keeps them, within 20 ms.

use super::*;

/// The server crate's default `shutdown_spread_ms`.
pub(super) const SHUTDOWN_SPREAD_MS: u64 = 10_000;

/// What a graceful shutdown tells client i of n.
#[derive(Clone, Copy)]
pub(super) enum Restart {
    /// `retry-after = window · i / n`: a server without an admission rate.
    Spread(u64),
    /// Exact slots from 500 ms over the window, at least 1/R apart
    /// (`admission::Slots::restart_slot`).
    Slots(u64),
}

impl Restart {
    pub(super) fn reason(self, i: u64, n: u64) -> String {
        match self {
            Self::Spread(window) => close_code::retry_after_reason(window * i / n),
            Self::Slots(spread) => {
                let needed = (n * 1_000).div_ceil(RATE_PER_SEC);
                let window = needed.max(spread.saturating_sub(500));
                close_code::slot_reason(500 + window * i / n)
            }
        }
    }
}

pub(super) fn run_restart(clients: usize) -> Vec<Row> {
    let sc = |row: u64, restart| Scenario {
        clients,
        outage_ms: 0,
        seed: seed(0, row, 1),
        restart: Some(restart),
    };
    let (spread, slots) = (
        Restart::Spread(SHUTDOWN_SPREAD_MS),
        Restart::Slots(SHUTDOWN_SPREAD_MS),
    );
    let default = || Policy::Ours(ReconnectOptions::default());
    let ours = [
        ("ours", default(), spread, Overload::Refuse),
        (
            "ours, alternative",
            Policy::Ours(alternative()),
            spread,
            Overload::Refuse,
        ),
        ("ours, exact slots", default(), slots, Overload::Slots),
    ];
    let ours = ours
        .into_iter()
        .enumerate()
        .map(|(i, (name, policy, restart, overload))| Row {
            name,
            ours: true,
            outcome: simulate(&policy, overload, sc(i as u64, restart)),
        });
    let peers = peers().into_iter().enumerate().map(|(i, peer)| Row {
        name: peer.name(),
        ours: false,
        outcome: simulate(&peer, Overload::Refuse, sc(10 + i as u64, spread)),
    });
    ours.chain(peers).collect()
}

/// Prints the table; fails the run when our client does not spread: every
/// client must be back within the window plus half again (what the server
/// asked, with our spread) and a few seconds for an attempt refused over the
/// budget, and its peak must stay below every peer's.
///
/// The first clients get hints under our `retry_after_floor_ms` (500 ms), so
/// they all wait 500–750 ms: with 10,000 clients that quarter second holds
/// about 2.5 times the even rate, our peak; the rest of the window is even.
pub(super) fn report_restart(clients: usize) {
    let rows = run_restart(clients);
    print_table(
        &format!(
            "Graceful restart: 1012 retry-after spread over {} s, a new server admits at once",
            SHUTDOWN_SPREAD_MS / 1_000
        ),
        &rows,
    );
    let ours = &rows[0].outcome;
    let gentlest = rows
        .iter()
        .filter(|r| !r.ours)
        .min_by_key(|r| r.outcome.peak());
    let gentlest = gentlest.expect("peers");
    println!(
        "ours: peak {} per {WINDOW_MS} ms (gentlest peer: {}, {}), every client back by {} s (the window is {} s)",
        ours.peak(),
        gentlest.outcome.peak(),
        gentlest.name,
        secs(ours.max()),
        SHUTDOWN_SPREAD_MS / 1_000
    );
    let latest = ours.max().unwrap_or(u64::MAX);
    if ours.peak() >= gentlest.outcome.peak() || latest > SHUTDOWN_SPREAD_MS * 3 / 2 + 5_000 {
        eprintln!("storm: our clients did not honour the graceful restart's retry-after");
        std::process::exit(1);
    }
    // With exact slots every client is admitted at its first attempt, and
    // back by the end of the window (plus the 20 ms jitter); a client that
    // spread its slot by half again would take until 15 s.
    let exact = &rows[2].outcome;
    println!(
        "ours, exact slots: {} attempts for {clients} clients, peak {} per {WINDOW_MS} ms, every client back by {} s",
        exact.attempts,
        exact.peak(),
        secs(exact.max())
    );
    let window = SHUTDOWN_SPREAD_MS.max((clients as u64 * 1_000).div_ceil(RATE_PER_SEC) + 500);
    let late = exact.max().is_none_or(|max| max > window + 100);
    if exact.attempts > clients as u64 || exact.peak_admitted() > BUDGET || late {
        eprintln!("storm: our clients did not keep the graceful restart's exact slots");
        std::process::exit(1);
    }
    println!();
}
