//! A graceful restart: the server closes every client with 1012 and a
//! `retry-after` spread over its window (the server crate's default, 10 s),
//! and a new instance admits them at the usual rate from t = 0, as in a
//! rolling deploy. Our client waits its hint (floor, cap and +50 % spread);
//! the peers read no hint and come back on their own backoff at once.

use super::*;

/// The server crate's default `shutdown_spread_ms`.
pub(super) const SHUTDOWN_SPREAD_MS: u64 = 10_000;

pub(super) fn run_restart(clients: usize) -> Vec<Row> {
    let sc = |row: u64| Scenario {
        clients,
        outage_ms: 0,
        seed: seed(0, row, 1),
        shutdown_spread_ms: Some(SHUTDOWN_SPREAD_MS),
    };
    let ours = [
        ("ours", Policy::Ours(ReconnectOptions::default())),
        ("ours, alternative", Policy::Ours(alternative())),
    ];
    let ours = ours.into_iter().enumerate().map(|(i, (name, policy))| Row {
        name,
        ours: true,
        outcome: simulate(&policy, Overload::Refuse, sc(i as u64)),
    });
    let peers = peers().into_iter().enumerate().map(|(i, peer)| Row {
        name: peer.name(),
        ours: false,
        outcome: simulate(&peer, Overload::Refuse, sc(10 + i as u64)),
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
    println!();
}
