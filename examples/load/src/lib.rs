//! The generator's parts, shared by its binaries: `load` (`scripts/bench
//! server`), `hostile` (the native half of `scripts/chaos`), `cluster`
//! (the multi-node chaos test, `scripts/cluster`) and `storm-real` (the
//! real-socket reconnect storm, `scripts/bench storm-real`).
//!
//! - [`client`]: subscribers that count what they receive, and one publisher;
//! - [`run`]: one server's run of publishing steps;
//! - [`spawn`]: a server as a child process, with its RSS and CPU time;
//! - [`stats`]: delivery counters and latency percentiles.

pub mod client;
pub mod run;
pub mod spawn;
pub mod stats;
