//! The real-socket reconnect storm (`scripts/bench storm-real`; `--smoke` in
//! `scripts/test`): N native clients, each the library's own core machine
//! with `ReconnectOptions::default()` over a tokio-tungstenite socket
//! (client.rs), against the reference server with admission slots at R
//! sessions a second. Once every client is Live, the server is SIGKILLed,
//! and restarted on the same port after the outage. Measured from the
//! clients' timestamps (one process, one monotonic clock; the server is
//! back when it prints its listening line): restore p50 / p99 / max from
//! the restart to each client Live again, peak sessions admitted and
//! handshakes per 100 ms, and attempts. The storm simulator predicts the
//! same storm (`storm --predict`), and both are printed with their ratios.
//!
//! ```text
//! storm-real                      # 2,000 clients, R = 400/s, 10 s outage
//! storm-real --smoke              # 200 clients, R = 40/s: the same N / R
//! ```
//!
//! Fails when a client is not back, when more sessions are admitted in a
//! window than the server's cap allows, or when the p99 passes 1.2 × N / R.
//! Needs about 2 × N open files (the script raises `ulimit -n`).

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::Ordering::Relaxed;
use std::time::Duration;

use clap::Parser;
use leptos_sync_core::ReconnectOptions;
use leptos_sync_load::spawn::Server;
use tokio::task::JoinSet;

mod client;
mod figures;

#[derive(Parser)]
#[command(about = "Real-socket reconnect storm against the reference server with admission slots")]
struct Args {
    /// Clients.
    #[arg(long, default_value_t = 2_000)]
    clients: usize,
    /// The server's admission rate R, sessions a second.
    #[arg(long, default_value_t = 400)]
    rate: u32,
    /// How long the server stays dead, in ms.
    #[arg(long, default_value_t = 10_000)]
    outage_ms: u64,
    /// 200 clients at R = 40/s (the full run's N / R), for scripts/test.
    #[arg(long)]
    smoke: bool,
    /// The reference server binary (default: next to this one).
    #[arg(long)]
    server: Option<PathBuf>,
    /// The storm simulator binary (default: next to this one).
    #[arg(long)]
    storm: Option<PathBuf>,
}

/// The goal: p99 within this fraction of the simulator's.
const P99_TOLERANCE: f64 = 0.15;
/// The goal: p99 at most this many times N / R.
const P99_FLOOR_FACTOR: f64 = 1.2;

// The core's machine holds its random source and is not `Send`: every client
// runs on this one thread (the server is a process of its own).
#[tokio::main(flavor = "current_thread")]
async fn main() {
    let mut args = Args::parse();
    if args.smoke {
        (args.clients, args.rate) = (200, 40);
    }
    let local = tokio::task::LocalSet::new();
    match local.run_until(run(&args)).await {
        Ok(problems) if problems.is_empty() => {}
        Ok(problems) => {
            eprintln!("storm-real: {}", problems.join("; "));
            std::process::exit(1);
        }
        Err(e) => {
            eprintln!("storm-real: {e}");
            std::process::exit(2);
        }
    }
}

fn sibling(name: &str) -> PathBuf {
    let exe = std::env::current_exe().unwrap_or_default();
    exe.with_file_name(name)
}

async fn run(args: &Args) -> Result<Vec<String>, String> {
    let bin = args
        .server
        .clone()
        .unwrap_or_else(|| sibling("leptos-sync-server"));
    let storm = args.storm.clone().unwrap_or_else(|| sibling("storm"));
    let (n, rate) = (args.clients, args.rate);
    let rate_arg = rate.to_string();
    let server_args = ["--admission-per-sec", rate_arg.as_str()];
    let server = Server::start(&bin, &server_args).await?;
    let addr = server.addr;
    println!(
        "Real-socket storm: {n} clients (the core machine, ReconnectOptions::default()), server admits R = {rate}/s, \
         SIGKILL then restart on {addr} after {} s; N / R = {:.2} s.",
        args.outage_ms / 1_000,
        n as f64 / f64::from(rate)
    );
    let shared = Arc::new(client::Shared::new());
    let mut tasks = JoinSet::new();
    for id in 0..n as u32 {
        let url = format!("ws://{addr}/ws?client=storm-{id}");
        let seed = 0x5EED ^ (u64::from(id) << 20);
        tasks.spawn_local(client::run(id, url, seed, shared.clone()));
    }
    // Joining takes N / R with slots, plus the schedule's last retry.
    let join_ms = (n as u64 * 3_000).div_ceil(u64::from(rate)) + 30_000;
    wait_live(&shared, n, join_ms, "to join").await?;
    // Connected past the stable uptime, every client's backoff starts from
    // attempt 1 when the server dies, as the simulator's do.
    let stable = ReconnectOptions::default().stable_uptime_ms + 500;
    tokio::time::sleep(Duration::from_millis(stable)).await;
    if shared.live.load(Relaxed) != n {
        return Err("a client dropped before the kill".into());
    }
    println!("all {n} Live for {} s; killing the server", stable / 1_000);
    let kill_us = shared.now_us();
    server.stop().await;
    wait_live(&shared, 0, 10_000, "to see the server gone").await?;
    let outage_at = shared.start + Duration::from_micros(kill_us + args.outage_ms * 1_000);
    tokio::time::sleep_until(outage_at.into()).await;
    let server = Server::start_at(&bin, &server_args, addr.port()).await?;
    let back_us = shared.now_us();
    println!(
        "restarted {:.2} s after the kill",
        (back_us - kill_us) as f64 / 1e6
    );
    let restored = wait_live(&shared, n, join_ms, "to come back").await;
    tasks.shutdown().await;
    server.stop().await;
    let log = std::mem::take(&mut *shared.log.lock().expect("log"));
    let measured = figures::measure(&log, n, kill_us, back_us);
    let predicted = figures::predict(&storm, n, rate, args.outage_ms)?;
    println!();
    figures::print(&measured, &predicted, n);
    println!();
    let mut problems = Vec::new();
    if let Err(e) = restored {
        problems.push(e);
    }
    // The server admits at most R/10 per window of its own, with positions
    // 1/R apart that may be taken 25 ms late: a client-side window, offset
    // from the server's, sees at most R/10 + R · 25 ms + 1. Allow one more
    // for the time between the server's decision and the client's clock.
    let cap = f64::from(rate.div_ceil(10) + rate.div_ceil(40) + 2);
    if measured.admitted > cap {
        problems.push(format!(
            "{} sessions admitted in one 100 ms window (cap {cap})",
            measured.admitted
        ));
    }
    let floor_ms = n as f64 * 1_000.0 / f64::from(rate);
    let bound = P99_FLOOR_FACTOR * floor_ms;
    let ratio = measured.p99_ms / predicted.p99_ms;
    let near = (ratio - 1.0).abs() <= P99_TOLERANCE;
    let verdict = |met: bool| if met { "met" } else { "missed" };
    println!(
        "goal: p99 within {:.0} % of the simulator's: {:.2} s against {:.2} s ({ratio:.2}x): {}",
        P99_TOLERANCE * 100.0,
        measured.p99_ms / 1e3,
        predicted.p99_ms / 1e3,
        verdict(near)
    );
    println!(
        "goal: p99 at most {P99_FLOOR_FACTOR} x N / R = {:.2} s: {:.2} s: {}",
        bound / 1e3,
        measured.p99_ms / 1e3,
        verdict(measured.p99_ms <= bound)
    );
    if measured.p99_ms > bound {
        problems.push(format!(
            "p99 {:.2} s over {:.2} s",
            measured.p99_ms / 1e3,
            bound / 1e3
        ));
    }
    Ok(problems)
}

/// Waits until exactly `want` clients are Live, at most `within_ms`.
async fn wait_live(
    shared: &client::Shared,
    want: usize,
    within_ms: u64,
    what: &str,
) -> Result<(), String> {
    let deadline = tokio::time::Instant::now() + Duration::from_millis(within_ms);
    loop {
        let live = shared.live.load(Relaxed);
        if live == want {
            return Ok(());
        }
        if tokio::time::Instant::now() >= deadline {
            return Err(format!(
                "{live} clients Live, not {want}, after {within_ms} ms waiting {what}"
            ));
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}
