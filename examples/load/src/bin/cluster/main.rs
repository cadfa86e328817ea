//! `cluster`: the multi-node chaos test (issue 15, `scripts/cluster`).
//!
//! Starts redis-server and three release reference server nodes on it
//! (`--redis`), all children of this process, killed when it ends. Native
//! protocol clients on random nodes: subscribers to a few topics, which
//! resume on another node after a close, and writers whose unacked
//! mutation is re-sent with the same id to another node. Then, in order:
//!
//! - `node-kill`: SIGKILL the node with the most clients, mid-stream;
//! - `node-restart`: start it again;
//! - `pubsub-kill`: `CLIENT KILL TYPE pubsub` (the nodes' live feeds);
//! - `epoch-change`: `FLUSHALL`, so every topic starts a new epoch;
//! - `redis-restart`: Redis down for 3 s (past the nodes' 2 s, so they
//!   close their clients with 1013) and back, empty: another epoch.
//!
//! Checks: every subscriber applied seqs contiguously within an epoch
//! (none lost, none twice; a snapshot restarts the count after an epoch
//! change), each mutation id at most once per epoch, a resume after the
//! node crash `recovered: true`, progress after every fault, and at the
//! end (after a final round in which each writer sets each of its keys)
//! that every subscriber's entries equal Redis's hash and the writers'
//! last values, and that each final id's seq in Redis's dedup set is the
//! seq its ack carried.
//!
//! Prints one `CLUSTER <fault> key=value...` line per fault and a
//! `CLUSTER summary` line; exits non-zero on any violation.

mod checks;
mod faults;
mod procs;
mod subscriber;
mod writer;

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use clap::Parser;

/// The multi-node chaos test: Redis, 3 nodes, faults, exactly-once checks.
#[derive(Parser, Debug)]
#[command(name = "cluster")]
pub struct Args {
    /// Few clients, short pauses (about 25 s in all).
    #[arg(long)]
    smoke: bool,
    /// Server nodes.
    #[arg(long, default_value_t = 3)]
    nodes: usize,
    /// Subscribers (default 6 smoke, 40 full).
    #[arg(long)]
    subscribers: Option<usize>,
    /// Writers (default 4 smoke, 12 full).
    #[arg(long)]
    writers: Option<usize>,
    /// Mutations a second per writer.
    #[arg(long, default_value_t = 20)]
    rate: u64,
    /// Topics each subscriber follows and the writers change.
    #[arg(long, default_value_t = 3)]
    topics: usize,
    /// Seconds of load between faults (default 2 smoke, 5 full).
    #[arg(long)]
    settle: Option<u64>,
    /// The reference server binary, built with the `redis` feature (default: next to this one).
    #[arg(long)]
    server: Option<PathBuf>,
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    let run = faults::run(args);
    let mut term = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("cluster: cannot watch SIGTERM: {e}");
            return ExitCode::FAILURE;
        }
    };
    // Dropping the run on a signal drops the processes it started, which kills them.
    let result = tokio::select! {
        r = run => r,
        _ = tokio::signal::ctrl_c() => Err("interrupted".into()),
        _ = term.recv() => Err("terminated".into()),
    };
    match result {
        Ok(violations) if violations.is_empty() => ExitCode::SUCCESS,
        Ok(violations) => {
            eprintln!("cluster: {} violation(s):", violations.len());
            for v in violations.iter().take(20) {
                eprintln!("  {v}");
            }
            ExitCode::FAILURE
        }
        Err(e) => {
            eprintln!("cluster: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Shared handles of the clients, for the checks.
pub struct Fleet {
    pub subscribers: Vec<Arc<subscriber::Subscriber>>,
    pub writers: Vec<Arc<writer::Writer>>,
}
