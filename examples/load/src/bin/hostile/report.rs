//! One `HOSTILE` line per case, the table of all of them, and what fails the run.

use crate::bench::Outcome;

const MIB: f64 = 1048576.0;

/// The readers' p99 with the attacker over their p99 just before it.
pub fn ratio(o: &Outcome) -> f64 {
    if o.quiet.p99_ms > 0.0 {
        o.loaded.p99_ms / o.quiet.p99_ms
    } else {
        0.0
    }
}

/// Prints the case's `HOSTILE` line (key=value, for scripts) and what the attacker saw.
pub fn line(o: &Outcome) {
    println!(
        "HOSTILE {} survived={} expected_answer={} p99_ms={:.2} unloaded_p99_ms={:.2} ratio={:.2} rss_mb_peak={:.1} unloaded_rss_mb_peak={:.1} p50_ms={:.2} unloaded_p50_ms={:.2} lost={} readers_closed={} server_cpu_pct={:.0} attacker_cpu_pct={:.0} server_runq_ms_per_s={:.0} readers_runq_ms_per_s={:.0} attempts={}",
        o.case.name(),
        o.survived,
        o.answer.ok,
        o.loaded.p99_ms,
        o.quiet.p99_ms,
        ratio(o),
        o.loaded.rss_peak as f64 / MIB,
        o.quiet.rss_peak as f64 / MIB,
        o.loaded.p50_ms,
        o.quiet.p50_ms,
        o.loaded.lost,
        o.readers_closed,
        o.loaded.server_cpu_pct,
        o.attacker_cpu_pct,
        o.loaded.server_runq_ms,
        o.loaded.readers_runq_ms,
        o.attempts,
    );
    println!("  {}: {}", o.case.name(), o.answer.detail);
}

/// The results as a Markdown table.
pub fn table(outcomes: &[Outcome]) -> String {
    let mut t = String::from(
        "| case | survived | expected answer | readers' p99 ms (unloaded) | ratio | readers' p50 ms (unloaded) | updates lost | server RSS peak MiB (unloaded) | server CPU % | attacker CPU % | wait for a core, server / readers (ms/s) | runs | what the attacker saw |\n\
         |---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|\n",
    );
    for o in outcomes {
        t += &format!(
            "| {} | {} | {} | {:.2} ({:.2}) | {:.2} | {:.2} ({:.2}) | {} | {:.1} ({:.1}) | {:.0} | {:.0} | {:.0} / {:.0} | {} | {} |\n",
            o.case.name(),
            yes(o.survived),
            yes(o.answer.ok),
            o.loaded.p99_ms,
            o.quiet.p99_ms,
            ratio(o),
            o.loaded.p50_ms,
            o.quiet.p50_ms,
            o.loaded.lost,
            o.loaded.rss_peak as f64 / MIB,
            o.quiet.rss_peak as f64 / MIB,
            o.loaded.server_cpu_pct,
            o.attacker_cpu_pct,
            o.loaded.server_runq_ms,
            o.loaded.readers_runq_ms,
            o.attempts,
            o.answer.detail.replace('|', "/"),
        );
    }
    t
}

fn yes(b: bool) -> &'static str {
    if b { "yes" } else { "NO" }
}

/// What fails the run: a dead server, a missing answer, memory over
/// `max_rss` bytes, a reader that lost updates or its connection, and, when
/// `goal` is set, a p99 ratio above it.
pub fn problems(outcomes: &[&Outcome], max_rss: u64, goal: Option<f64>) -> Vec<String> {
    let mut p = Vec::new();
    for o in outcomes {
        let c = o.case.name();
        if !o.survived {
            p.push(format!("{c}: the server did not survive"));
        }
        if !o.answer.ok {
            p.push(format!("{c}: the expected answer did not come"));
        }
        if o.loaded.rss_peak > max_rss {
            p.push(format!(
                "{c}: server RSS peaked at {:.1} MiB, over the bound of {:.0} MiB",
                o.loaded.rss_peak as f64 / MIB,
                max_rss as f64 / MIB
            ));
        }
        if o.loaded.lost + o.quiet.lost > 0 || o.readers_closed > 0 {
            p.push(format!(
                "{c}: the readers lost {} updates and {} connections",
                o.loaded.lost + o.quiet.lost,
                o.readers_closed
            ));
        }
        if let Some(goal) = goal
            && ratio(o) > goal
        {
            p.push(format!(
                "{c}: the readers' p99 went from {:.2} to {:.2} ms, {:.2}x (goal <= {goal}x)",
                o.quiet.p99_ms,
                o.loaded.p99_ms,
                ratio(o)
            ));
        }
    }
    p
}
