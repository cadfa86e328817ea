//! `load --non-reader`: one client that never reads, next to readers that do
//! (issue 13's slow-consumer measurement), against the reference server.
//!
//! Two phases of the same length and publish rate, in one run: the readers
//! alone, then the readers and one more subscriber that never reads its
//! socket. The server should close that one as a slow consumer (4413) once
//! its bounded send queue overflows, keep its memory flat meanwhile, and
//! deliver to the readers as fast as without it. The generator samples the
//! server's VmRSS, and watches the non-reader's subscription through
//! `GET /control/subscriptions` to learn when the server let it go; only then
//! does the non-reader read, to find the close frame.
//!
//! Changes are published with `POST /control/publish`, the path of an app's
//! own `publish`: a `mutate` frame would also be kept (cut to 8 KiB) in the
//! control API's per-client frame log, whose growth would hide the queue's.

use std::net::SocketAddr;
use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::Ordering::Relaxed;
use std::time::{Duration, Instant};

use serde_json::json;
use tokio::sync::watch;
use tokio::time::MissedTickBehavior;

use leptos_sync_load::client::{self, Kind, TOPIC, Ws};
use observe::{Fate, Rss, connect};

mod observe;
use crate::control::Control;
use leptos_sync_load::spawn::Server;
use leptos_sync_load::stats::{Counters, now_us};

/// What to measure.
pub struct Plan {
    /// Subscribers that read.
    pub readers: usize,
    /// Publishes per second in both phases.
    pub rate: u64,
    /// Length of each phase.
    pub seconds: u64,
    /// Bytes of padding in each published value.
    pub pad: usize,
    /// Extra arguments for the server (its send-queue bounds).
    pub server_args: Vec<String>,
    /// Largest acceptable growth of the server's RSS over the second phase, in MiB.
    pub rss_bound_mib: f64,
    /// Whether a reader's lost update is a failure (the smoke form).
    pub strict: bool,
}

/// The readers' side of one phase.
struct Readers {
    /// Updates expected: publishes × readers.
    expected: u64,
    /// Updates they received.
    delivered: u64,
    /// Delivery latency percentiles, ms.
    p50_ms: f64,
    /// See `p50_ms`.
    p99_ms: f64,
}

/// `load --non-reader [--smoke]`. The smoke form is small and gives the
/// server small send queues, so the close comes within a second or so; the
/// full form keeps the server's default bounds.
pub async fn main(a: crate::Args) -> ExitCode {
    let plan = Plan {
        readers: a.connections.unwrap_or(if a.smoke { 20 } else { 100 }),
        rate: a
            .rates
            .as_ref()
            .and_then(|r| r.first().copied())
            .unwrap_or(100),
        seconds: a.seconds.unwrap_or(if a.smoke { 3 } else { 10 }),
        pad: if a.smoke { 32 << 10 } else { 16 << 10 },
        server_args: {
            // A short history: the default ring of 1,000 changes of this size
            // would be 16-32 MiB filling up during the run, hiding the queue's share.
            let mut args = vec!["--history", "64"];
            if a.smoke {
                args.extend(["--send-queue-frames", "64", "--send-queue-bytes", "262144"]);
            }
            args.into_iter().map(str::to_owned).collect()
        },
        rss_bound_mib: 64.0,
        strict: a.smoke,
    };
    if plan.readers == 0 || plan.rate == 0 || plan.seconds == 0 {
        eprintln!("load: --connections, --seconds and the rate must be positive");
        return ExitCode::from(2);
    }
    let server = a
        .server
        .unwrap_or_else(|| crate::sibling("leptos-sync-server"));
    match run(&server, &plan).await {
        Ok(problems) if problems.is_empty() => ExitCode::SUCCESS,
        Ok(problems) => {
            for p in &problems {
                eprintln!("load: FAIL: non-reader: {p}");
            }
            ExitCode::FAILURE
        }
        Err(e) => {
            eprintln!("load: non-reader: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Runs both phases against `bin`; the problems found, empty on success.
pub async fn run(bin: &Path, plan: &Plan) -> Result<Vec<String>, String> {
    // The readers open at once: measured here is fan-out, not admission.
    let mut args = vec!["--control", "--admission-per-sec", "0"];
    args.extend(plan.server_args.iter().map(String::as_str));
    let server = Server::start(bin, &args).await?;
    let counters = Arc::new(Counters::default());
    let (fleet, failed, errors) =
        client::open(Kind::Ours, server.addr, plan.readers, counters.clone()).await?;
    if failed > 0 {
        return Err(format!("{failed} readers failed to set up: {errors:?}"));
    }
    println!(
        "\n[non-reader] {} {}: {} readers of one topic, {} publishes/s of ~{} B values, {} s per phase",
        bin.display(),
        plan.server_args.join(" "),
        plan.readers,
        plan.rate,
        plan.pad,
        plan.seconds
    );
    let (alone, (rss_alone, _)) = phase(&server, &counters, 1, plan, None).await;
    let alone = alone?;
    let rss_before = server.rss_bytes()?;
    let ws = connect(server.addr).await?;
    let ws = client::join(Kind::Ours, ws, plan.readers).await?;
    let (beside, (rss_beside, fate)) = phase(&server, &counters, 2, plan, Some(ws)).await;
    let beside = beside?;
    let closed = fleet.closed.load(Relaxed);
    server.stop().await;
    fleet.close().await;

    report(&alone, &beside, &fate);
    let start = rss_alone.first().map_or(rss_before, |&(_, b)| b);
    let growth_alone = growth(&rss_alone, start);
    let growth_beside = growth(&rss_beside, rss_before);
    println!(
        "[non-reader] server RSS peak growth: {growth_alone:+.1} MiB over the readers alone (from {:.1}), \
         {growth_beside:+.1} MiB beside the non-reader (from {:.1})",
        start as f64 / MIB,
        rss_before as f64 / MIB,
    );
    for (name, series) in [("alone", &rss_alone), ("beside", &rss_beside)] {
        println!(
            "[non-reader] server RSS {name:<6} (MiB, first reading each second): {}",
            per_second(series)
        );
    }

    let mut problems = Vec::new();
    match &fate {
        Fate::Held(_) => problems.push("the non-reader was never closed".to_owned()),
        Fate::Closed(_, end) if !end.starts_with("4413") => {
            problems.push(format!("the non-reader ended with {end}, not 4413"));
        }
        Fate::Closed(..) => {}
    }
    if growth_beside > plan.rss_bound_mib {
        problems.push(format!(
            "the server's RSS grew {growth_beside:.1} MiB beside the non-reader (bound {} MiB)",
            plan.rss_bound_mib
        ));
    }
    if closed > 0 {
        problems.push(format!("{closed} readers' connections ended"));
    }
    for (phase, r) in [("alone", &alone), ("beside the non-reader", &beside)] {
        if r.delivered == 0 || (plan.strict && r.delivered < r.expected) {
            problems.push(format!(
                "readers {phase}: {} of {} updates delivered",
                r.delivered, r.expected
            ));
        }
    }
    Ok(problems)
}

/// The peak of `series` above `from`, in MiB.
fn growth(series: &Rss, from: u64) -> f64 {
    let peak = series.iter().map(|&(_, b)| b).max().unwrap_or(from);
    (peak as f64 - from as f64) / MIB
}

const MIB: f64 = 1048576.0;

/// Phase `id`: publishes `plan.rate` changes a second for `plan.seconds`,
/// then waits (bounded) until every reader has them all; the server is
/// watched meanwhile.
async fn phase(
    server: &Server,
    counters: &Counters,
    id: u64,
    plan: &Plan,
    non_reader: Option<Ws>,
) -> (Result<Readers, String>, (Rss, Fate)) {
    let (stop, stopped) = watch::channel(false);
    let publishing = async {
        let readers = publish(server.addr, counters, id, plan).await;
        let _ = stop.send(true);
        readers
    };
    tokio::join!(publishing, observe::watch(server, non_reader, stopped))
}

async fn publish(
    addr: SocketAddr,
    counters: &Counters,
    id: u64,
    plan: &Plan,
) -> Result<Readers, String> {
    let mut control = Control::open(addr).await?;
    let pad = "x".repeat(plan.pad);
    counters.begin(id);
    let count = plan.rate * plan.seconds;
    let mut tick = tokio::time::interval(Duration::from_secs_f64(1.0 / plan.rate as f64));
    tick.set_missed_tick_behavior(MissedTickBehavior::Burst);
    for i in 0..count {
        tick.tick().await;
        let change = json!({
            "topic": TOPIC,
            "key": format!("k{}", i % 64),
            "value": { "s": id, "t": now_us(), "p": pad },
        });
        control.call("publish", Some(&change)).await?;
    }
    let expected = count * plan.readers as u64;
    let deadline = Instant::now() + Duration::from_secs(3 * plan.seconds + 10);
    while counters.delivered.load(Relaxed) < expected && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    Ok(Readers {
        expected,
        delivered: counters.delivered.load(Relaxed),
        p50_ms: counters.quantile_us(0.5) as f64 / 1000.0,
        p99_ms: counters.quantile_us(0.99) as f64 / 1000.0,
    })
}

fn report(alone: &Readers, beside: &Readers, fate: &Fate) {
    println!(
        "[non-reader] {:<24} {:>9} {:>10} {:>9} {:>9}",
        "readers", "expected", "delivered", "p50 ms", "p99 ms"
    );
    for (name, s) in [("alone", alone), ("beside the non-reader", beside)] {
        println!(
            "[non-reader] {name:<24} {:>9} {:>10} {:>9.2} {:>9.2}",
            s.expected, s.delivered, s.p50_ms, s.p99_ms
        );
    }
    let ratio = |a: f64, b: f64| if b > 0.0 { a / b } else { 0.0 };
    println!(
        "[non-reader] beside / alone: p50 {:.2}, p99 {:.2}",
        ratio(beside.p50_ms, alone.p50_ms),
        ratio(beside.p99_ms, alone.p99_ms)
    );
    match fate {
        Fate::Held(error) => println!(
            "[non-reader] never closed: still subscribed at the end{}",
            error
                .as_ref()
                .map_or(String::new(), |e| format!(" (last control error: {e})"))
        ),
        Fate::Closed(at, end) => println!(
            "[non-reader] let go {:.1} s into the phase; its socket ended with {end}",
            at.as_secs_f64()
        ),
    }
}

/// The first reading of each second, as `0s 12.5, 1s 12.9, ...`.
fn per_second(rss: &Rss) -> String {
    let mut second = None;
    let readings: Vec<String> = rss
        .iter()
        .filter(|(t, _)| second.replace(t.as_secs()) != Some(t.as_secs()))
        .map(|&(t, b)| format!("{}s {:.1}", t.as_secs(), b as f64 / MIB))
        .collect();
    readings.join(", ")
}
