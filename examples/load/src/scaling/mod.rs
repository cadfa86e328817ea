//! `load --cluster` (`scripts/bench cluster`): what Redis and more nodes
//! cost and give, in one run.
//!
//! 1. Fan-out ([`fanout`]): one topic, `--connections` subscribers on one
//!    node with the memory engine, the same on one node with Redis, then
//!    three times as many spread over three Redis nodes; one publisher on
//!    the first node at each of `--rates`. Delivered updates/s, latency, and
//!    the ratio of three nodes to one (goal >= 2).
//! 2. Recovery ([`recovery`]): `--recovery-clients` subscribers on the first
//!    of three Redis nodes while a writer changes the topic; the node is
//!    SIGKILLed and each client waits what the library's default reconnect
//!    schedule draws, resumes on another node, and is Live once its replay
//!    reaches the seq its `subscribed` announced. Time from the kill to
//!    Live, against the client's own schedule (goal: p99 within + 100 ms).
//!
//! Every process runs on this machine: the generator, the nodes and Redis
//! share its cores, so three nodes add no CPU, only processes. The load
//! average is printed before each part.

mod fanout;
mod recovery;

use std::path::PathBuf;
use std::process::ExitCode;

/// What `load --cluster` runs.
pub struct Plan {
    /// The reference server binary, with the `redis` feature.
    pub server: PathBuf,
    /// Subscribers per node in the fan-out part.
    pub connections: usize,
    /// Publishes per second, one step each.
    pub rates: Vec<u64>,
    /// Length of each step.
    pub seconds: u64,
    /// Subscribers on the node that is killed.
    pub recovery_clients: usize,
    /// Small and quick; any loss fails.
    pub smoke: bool,
}

/// Runs both parts; fails on a broken run (a lost or doubled update, a
/// client that never came back), not on a missed goal.
pub async fn main(plan: Plan) -> ExitCode {
    println!("load average: {}", load_average());
    let fanout = match fanout::run(&plan).await {
        Ok(problems) => problems,
        Err(e) => vec![e],
    };
    println!("\nload average: {}", load_average());
    let recovery = match recovery::run(&plan).await {
        Ok(problems) => problems,
        Err(e) => vec![e],
    };
    let problems: Vec<_> = fanout.into_iter().chain(recovery).collect();
    if problems.is_empty() {
        return ExitCode::SUCCESS;
    }
    for p in &problems {
        eprintln!("load --cluster: FAIL: {p}");
    }
    ExitCode::FAILURE
}

/// The 1, 5 and 15 minute load averages, from /proc/loadavg.
fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|e| format!("unknown ({e})"))
}

/// `a / b`, 0 when `b` is 0.
fn ratio(a: f64, b: f64) -> f64 {
    if b > 0.0 { a / b } else { 0.0 }
}
