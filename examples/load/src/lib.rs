//! The generator's parts, shared by its binaries: `load` (`scripts/bench
//! server`, and `scripts/bench cluster` as `load --cluster`), `hostile` (the
//! native half of `scripts/chaos`), `cluster` (the multi-node chaos test,
//! `scripts/cluster`) and `storm-real` (the real-socket reconnect storm,
//! `scripts/bench storm-real`).
//!
//! - [`client`]: subscribers that count what they receive, and one publisher;
//! - [`run`]: one server's run of publishing steps;
//! - [`spawn`]: a server as a child process, with its RSS and CPU time;
//! - [`redis`]: a redis-server as a child process;
//! - [`stats`]: delivery counters and latency percentiles.

pub mod client;
pub mod redis;
pub mod run;
pub mod spawn;
pub mod stats;
