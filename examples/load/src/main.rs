//! `scripts/bench server`: the reference server under real sockets on
//! 127.0.0.1, against a bare axum broadcast server (`bare-broadcast`) driven
//! the same way. For each server it holds `--connections` subscribers of one
//! topic (reading the server's RSS before and after), then publishes at each
//! of `--rates` for `--seconds` and counts the updates delivered to all
//! subscribers, with their delivery latency. The generator and the server
//! share the machine's cores, so the figures are a floor for the server alone.
//!
//! Ours publishes with `mutate` frames from one client: each one is decoded,
//! applied and fanned out as an `update` to every subscriber, which is the
//! path an app's writes take. Bare broadcasts every text frame it receives.
//!
//! Exits non-zero when a connection fails or ends, a mutation is refused, or
//! a step delivers nothing; with `--smoke`, also when a step loses anything.

use leptos_sync_load::{client, run};

mod control;
mod nonreader;
mod scaling;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;

use crate::run::{Plan, Report};

/// Load benchmark of the reference server against a bare broadcast baseline.
#[derive(Parser, Debug)]
#[command(name = "load")]
struct Args {
    /// Small and quick (200 connections, 2 s steps); fails on any loss.
    #[arg(long)]
    smoke: bool,
    /// Subscribers held at once.
    #[arg(long)]
    connections: Option<usize>,
    /// Publishes per second, one step each (comma-separated).
    #[arg(long, value_delimiter = ',')]
    rates: Option<Vec<u64>>,
    /// Length of each publishing step.
    #[arg(long)]
    seconds: Option<u64>,
    /// The reference server binary (default: next to this one).
    #[arg(long)]
    server: Option<PathBuf>,
    /// The baseline binary (default: next to this one).
    #[arg(long)]
    bare: Option<PathBuf>,
    /// Instead: the slow-consumer scenario (see nonreader.rs), where
    /// `--connections` (100) are the readers, the first of `--rates` (100)
    /// the publish rate and `--seconds` (10) each phase's length.
    #[arg(long)]
    non_reader: bool,
    /// Instead: the cluster benchmark (see scaling/mod.rs): fan-out on one
    /// memory node, one Redis node and three Redis nodes with `--connections`
    /// (1,000) subscribers per node at `--rates` (10,25,50,100), then the
    /// recovery of `--recovery-clients` after a node kill.
    #[arg(long)]
    cluster: bool,
    /// With `--cluster`: subscribers on the node that is killed.
    #[arg(long)]
    recovery_clients: Option<usize>,
}

fn sibling(name: &str) -> PathBuf {
    let exe = std::env::current_exe().unwrap_or_default();
    exe.with_file_name(name)
}

#[tokio::main]
async fn main() -> ExitCode {
    let a = Args::parse();
    if a.non_reader {
        return nonreader::main(a).await;
    }
    if a.cluster {
        return cluster(a).await;
    }
    let plan = Plan {
        connections: a.connections.unwrap_or(if a.smoke { 200 } else { 10_000 }),
        rates: a.rates.unwrap_or_else(|| {
            if a.smoke {
                vec![20, 100]
            } else {
                vec![2, 5, 10, 20, 50, 100]
            }
        }),
        seconds: a.seconds.unwrap_or(if a.smoke { 2 } else { 5 }),
        strict: a.smoke,
    };
    if plan.rates.is_empty()
        || plan.rates.contains(&0)
        || plan.connections == 0
        || plan.seconds == 0
    {
        eprintln!("load: --connections, --seconds and every rate must be positive");
        return ExitCode::from(2);
    }
    let server = a.server.unwrap_or_else(|| sibling("leptos-sync-server"));
    let bare = a.bare.unwrap_or_else(|| sibling("bare-broadcast"));
    println!(
        "{} subscribers of one topic; publish rates {:?}/s for {} s each; generator and server share this machine",
        plan.connections, plan.rates, plan.seconds
    );
    // The fleet opens as fast as it can: measured here is fan-out, not admission.
    let args = ["--control", "--admission-per-sec", "0"];
    let ours = run::against(client::Kind::Ours, &server, &args, &plan).await;
    let bare = run::against(client::Kind::Bare, &bare, &[], &plan).await;
    let (ours, bare) = match (ours, bare) {
        (Ok(o), Ok(b)) => (o, b),
        (Err(e), _) | (_, Err(e)) => {
            eprintln!("load: {e}");
            return ExitCode::FAILURE;
        }
    };
    compare(&ours, &bare);
    let problems: Vec<String> = [&ours, &bare]
        .iter()
        .flat_map(|r| r.problems(plan.strict))
        .collect();
    if problems.is_empty() {
        ExitCode::SUCCESS
    } else {
        for p in &problems {
            eprintln!("load: FAIL: {p}");
        }
        ExitCode::FAILURE
    }
}

fn compare(ours: &Report, bare: &Report) {
    println!("\nours / bare, delivered updates per second (goal >= 0.7):");
    for (o, b) in ours.steps.iter().zip(&bare.steps) {
        println!(
            "  rate {:>5}/s  {:>10.0} / {:>10.0}  = {:.2}",
            o.rate,
            o.delivered_per_s,
            b.delivered_per_s,
            ratio(o.delivered_per_s, b.delivered_per_s)
        );
    }
    let best = |r: &Report| {
        r.steps
            .iter()
            .map(|s| s.delivered_per_s)
            .fold(0.0, f64::max)
    };
    println!(
        "  best          {:>10.0} / {:>10.0}  = {:.2}",
        best(ours),
        best(bare),
        ratio(best(ours), best(bare))
    );
    println!(
        "\nserver CPU per delivered update, ours / bare (lower is cheaper; independent of the generator's share):"
    );
    for (o, b) in ours.steps.iter().zip(&bare.steps) {
        println!(
            "  rate {:>5}/s  {:>7.2} us / {:>7.2} us  = {:.2}",
            o.rate,
            o.cpu_us_per_update,
            b.cpu_us_per_update,
            ratio(o.cpu_us_per_update, b.cpu_us_per_update)
        );
    }
    println!(
        "memory per connection: ours {:.1} KiB, bare {:.1} KiB",
        ours.bytes_per_conn / 1024.0,
        bare.bytes_per_conn / 1024.0
    );
}

async fn cluster(a: Args) -> ExitCode {
    let plan = scaling::Plan {
        server: a.server.unwrap_or_else(|| sibling("leptos-sync-server")),
        connections: a.connections.unwrap_or(if a.smoke { 100 } else { 1_000 }),
        rates: a.rates.unwrap_or_else(|| {
            if a.smoke {
                vec![50]
            } else {
                vec![10, 25, 50, 100]
            }
        }),
        seconds: a.seconds.unwrap_or(if a.smoke { 2 } else { 5 }),
        recovery_clients: a
            .recovery_clients
            .unwrap_or(if a.smoke { 100 } else { 1_000 }),
        smoke: a.smoke,
    };
    if plan.rates.is_empty()
        || plan.rates.contains(&0)
        || plan.connections == 0
        || plan.seconds == 0
        || plan.recovery_clients == 0
    {
        eprintln!(
            "load: --connections, --seconds, --recovery-clients and every rate must be positive"
        );
        return ExitCode::from(2);
    }
    scaling::main(plan).await
}

fn ratio(a: f64, b: f64) -> f64 {
    if b > 0.0 { a / b } else { 0.0 }
}
