//! Printing the results: tables and the Pareto verdict.

use super::*;

pub(super) fn secs(ms: Option<u64>) -> String {
    match ms {
        Some(ms) => format!("{:.2}", ms as f64 / 1_000.0),
        None => "never".into(),
    }
}

/// p99 with "never" as the worst.
pub(super) fn p99_key(o: &Outcome) -> u64 {
    o.p99().unwrap_or(u64::MAX)
}

/// Lower p99 restore AND lower peak arrivals.
pub(super) fn dominates(a: &Outcome, b: &Outcome) -> bool {
    p99_key(a) < p99_key(b) && a.peak() < b.peak()
}

pub(super) fn print_table(title: &str, rows: &[Row]) {
    println!("{title}");
    let header = format!(
        "{:<24} {:>8} {:>8} {:>8} {:>10} {:>10} {:>7}",
        "policy", "p50 s", "p99 s", "max s", "peak/100ms", "attempts", "never"
    );
    println!("{header}");
    println!("{}", "-".repeat(header.len()));
    for row in rows {
        let o = &row.outcome;
        println!(
            "{:<24} {:>8} {:>8} {:>8} {:>10} {:>10} {:>7}",
            row.name,
            secs(o.quantile(0.5)),
            secs(o.p99()),
            secs(o.max()),
            o.peak(),
            o.attempts,
            o.never
        );
    }
}

/// "ours vs best peer": the default against the peer with the lowest p99 and
/// the one with the lowest peak, and how many peers it beats on both axes.
pub(super) fn print_summary(rows: &[Row]) {
    let ours = &rows[0].outcome;
    let peers: Vec<&Row> = rows.iter().filter(|r| !r.ours).collect();
    let fastest = peers.iter().min_by_key(|r| p99_key(&r.outcome)).unwrap();
    // The gentlest among the peers that bring 99 % back: giving up is not gentle.
    let gentlest = peers
        .iter()
        .filter(|r| r.outcome.p99().is_some())
        .min_by_key(|r| r.outcome.peak())
        .unwrap_or(fastest);
    let beaten: Vec<&str> = peers
        .iter()
        .filter(|r| dominates(ours, &r.outcome))
        .map(|r| r.name)
        .collect();
    println!(
        "ours vs best peer: p99 {} s vs {} s ({}), peak {} vs {} ({}); Pareto-better than {}/{} peers{}{}",
        secs(ours.p99()),
        secs(fastest.outcome.p99()),
        fastest.name,
        ours.peak(),
        gentlest.outcome.peak(),
        gentlest.name,
        beaten.len(),
        peers.len(),
        if beaten.is_empty() { "" } else { ": " },
        beaten.join(", ")
    );
}

/// The fewest arrivals the peak window must hold if 99 % of `clients` connect
/// before `p99_ms`: each needs an arrival of its own in one of the windows
/// that start before then.
pub(super) fn min_peak(clients: usize, p99_ms: u64) -> u64 {
    let needed = (clients as u64 * 99).div_ceil(100);
    let windows = p99_ms.saturating_sub(1) / WINDOW_MS + 1;
    needed.div_ceil(windows)
}

/// Which peers each of our rows beats, the peers' own frontier, and why
/// beating all of them at once may be impossible.
pub(super) fn print_pareto(clients: usize, rows: &[Row]) {
    let peers: Vec<&Row> = rows.iter().filter(|r| !r.ours).collect();
    println!("Pareto check (better = lower p99 AND lower peak):");
    for row in rows.iter().filter(|r| r.ours) {
        let beaten: Vec<&str> = peers
            .iter()
            .filter(|p| dominates(&row.outcome, &p.outcome))
            .map(|p| p.name)
            .collect();
        println!(
            "  {:<24} better than {}/{}: {}",
            row.name,
            beaten.len(),
            peers.len(),
            if beaten.is_empty() {
                "-".to_string()
            } else {
                beaten.join(", ")
            }
        );
    }
    let mut frontier: Vec<&Row> = peers
        .iter()
        .copied()
        .filter(|p| p.outcome.p99().is_some())
        .filter(|p| !peers.iter().any(|q| dominates(&q.outcome, &p.outcome)))
        .collect();
    frontier.sort_by_key(|p| p99_key(&p.outcome));
    let list: Vec<String> = frontier
        .iter()
        .map(|p| {
            format!(
                "{} {} s / {}",
                p.name,
                secs(p.outcome.p99()),
                p.outcome.peak()
            )
        })
        .collect();
    println!(
        "  peer frontier (p99 / peak, none beats another): {}",
        list.join(", ")
    );
    // Beating every peer needs p99 below the fastest and peak below the
    // gentlest; beating two neighbours A (faster) and B (gentler) needs p99
    // below A's and peak below B's. The counting bound says when no policy can.
    let mut pairs: Vec<(&Row, &Row)> = frontier.windows(2).map(|w| (w[0], w[1])).collect();
    if frontier.len() > 2 {
        pairs.insert(0, (frontier[0], frontier[frontier.len() - 1]));
    }
    for (a, b) in pairs {
        let p99 = p99_key(&a.outcome);
        let floor = min_peak(clients, p99);
        let verdict = if floor >= u64::from(b.outcome.peak()) {
            "impossible for any client policy"
        } else {
            "not excluded by this bound"
        };
        println!(
            "  beat {} and {}: p99 < {} s puts 99 % of {clients} arrivals in {} windows, so peak >= {floor}; want < {}: {verdict}",
            a.name,
            b.name,
            secs(a.outcome.p99()),
            p99.saturating_sub(1) / WINDOW_MS + 1,
            b.outcome.peak(),
        );
    }
}
