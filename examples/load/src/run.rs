//! One server's run: hold the subscribers, then publish at each rate.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::Ordering::Relaxed;
use std::time::{Duration, Instant};

use tokio::time::MissedTickBehavior;

use crate::client::{self, Kind, Publisher};
use crate::spawn::{Cpu, Server};
use crate::stats::{Counters, now_us};

/// What to measure.
pub struct Plan {
    /// Subscribers held at once.
    pub connections: usize,
    /// Publishes per second, one step each.
    pub rates: Vec<u64>,
    /// Length of each step.
    pub seconds: u64,
    /// Whether any loss is a failure (the smoke form).
    pub strict: bool,
}

/// One publishing step's result.
pub struct Step {
    /// Publishes per second asked for.
    pub rate: u64,
    /// Publishes sent.
    pub sent: u64,
    /// Updates expected: sent × subscribers.
    pub expected: u64,
    /// Updates received by all subscribers together.
    pub delivered: u64,
    /// Delivered updates per second, from the first send to the last delivery.
    pub delivered_per_s: f64,
    /// Delivery latency percentiles in ms.
    pub p50_ms: f64,
    /// See `p50_ms`.
    pub p99_ms: f64,
    /// Server CPU time per delivered update, in µs: the cost of the fan-out
    /// itself, whatever share of the cores the generator took.
    pub cpu_us_per_update: f64,
    /// Server CPU use over the step, in % of one core.
    pub cpu_pct: f64,
    /// Updates of an earlier step that arrived during this one.
    pub late: u64,
}

impl Step {
    /// Prints the table's header, under the server's `name`.
    pub fn print_header(name: &str) {
        println!(
            "[{name}] {:>7} {:>7} {:>10} {:>10} {:>12} {:>9} {:>9} {:>7} {:>10} {:>8}",
            "rate/s",
            "sent",
            "expected",
            "delivered",
            "delivered/s",
            "p50 ms",
            "p99 ms",
            "cpu %",
            "cpu us/upd",
            "late"
        );
    }

    /// Prints the step as a row of the table, under the server's `name`.
    pub fn print(&self, name: &str) {
        println!(
            "[{name}] {:>7} {:>7} {:>10} {:>10} {:>12.0} {:>9.2} {:>9.2} {:>7.0} {:>10.2} {:>8}",
            self.rate,
            self.sent,
            self.expected,
            self.delivered,
            self.delivered_per_s,
            self.p50_ms,
            self.p99_ms,
            self.cpu_pct,
            self.cpu_us_per_update,
            self.late
        );
    }
}

/// One server's results.
pub struct Report {
    name: &'static str,
    /// Subscribers that could not be set up.
    failed: usize,
    /// Subscribers whose socket ended during the run.
    closed: u64,
    /// Mutations answered with something other than `ack`.
    rejected: u64,
    /// Server RSS growth per held connection, in bytes.
    pub bytes_per_conn: f64,
    /// One entry per rate.
    pub steps: Vec<Step>,
}

impl Report {
    /// Why this run does not count as a success.
    pub fn problems(&self, strict: bool) -> Vec<String> {
        let n = self.name;
        let mut p = Vec::new();
        if self.failed > 0 {
            p.push(format!("{n}: {} connections failed to set up", self.failed));
        }
        if self.closed > 0 {
            p.push(format!(
                "{n}: {} connections ended during the run",
                self.closed
            ));
        }
        if self.rejected > 0 {
            p.push(format!(
                "{n}: {} mutations were not acknowledged",
                self.rejected
            ));
        }
        for s in &self.steps {
            if s.delivered == 0 {
                p.push(format!("{n}: rate {}/s delivered nothing", s.rate));
            } else if strict && s.delivered < s.expected {
                p.push(format!(
                    "{n}: rate {}/s delivered {} of {}",
                    s.rate, s.delivered, s.expected
                ));
            }
        }
        p
    }
}

/// Starts `bin`, measures it as `plan` says, and stops it.
pub async fn against(kind: Kind, bin: &Path, args: &[&str], plan: &Plan) -> Result<Report, String> {
    let name = match kind {
        Kind::Ours => "ours",
        Kind::Bare => "bare",
    };
    let server = Server::start(bin, args).await?;
    let counters = Arc::new(Counters::default());
    let rss_before = server.rss_bytes()?;
    let opened = Instant::now();
    let (fleet, failed, errors) =
        client::open(kind, server.addr, plan.connections, counters.clone()).await?;
    let open_s = opened.elapsed().as_secs_f64();
    let rss_after = server.rss_bytes()?;
    let held = plan.connections - failed;
    let bytes_per_conn = rss_after.saturating_sub(rss_before) as f64 / held.max(1) as f64;
    println!(
        "\n[{name}] {} on {}: {held} of {} subscribers held ({:.0}/s to open); RSS {:.1} -> {:.1} MiB, {:.1} KiB per connection",
        bin.display(),
        server.addr,
        plan.connections,
        held as f64 / open_s,
        rss_before as f64 / 1048576.0,
        rss_after as f64 / 1048576.0,
        bytes_per_conn / 1024.0
    );
    for e in &errors {
        println!("[{name}] connection failure: {e}");
    }
    let mut publisher = Publisher::open(kind, server.addr).await?;
    let mut steps = Vec::new();
    Step::print_header(name);
    for (i, &rate) in plan.rates.iter().enumerate() {
        let n = i as u64 + 1;
        let s = step(
            &[&server],
            &mut publisher,
            &counters,
            n,
            rate,
            plan.seconds,
            held as u64,
        )
        .await?;
        s.print(name);
        steps.push(s);
    }
    let rejected = publisher.rejected.load(Relaxed);
    let closed = fleet.closed.load(Relaxed);
    publisher.close().await;
    server.stop().await;
    fleet.close().await;
    Ok(Report {
        name,
        failed,
        closed,
        rejected,
        bytes_per_conn,
        steps,
    })
}

/// Publishes `rate` changes a second for `seconds`, then waits (bounded) until
/// every subscriber has them all. The CPU figures are those of `procs`
/// together (the server, or the nodes and their Redis).
pub async fn step(
    procs: &[&dyn Cpu],
    publisher: &mut Publisher,
    counters: &Counters,
    id: u64,
    rate: u64,
    seconds: u64,
    subscribers: u64,
) -> Result<Step, String> {
    let late_before = counters.late.load(Relaxed);
    counters.begin(id);
    let cpu = || procs.iter().map(|p| p.cpu_s()).sum::<Result<f64, String>>();
    let cpu_before = cpu()?;
    let count = rate * seconds;
    let mut tick = tokio::time::interval(Duration::from_secs_f64(1.0 / rate as f64));
    tick.set_missed_tick_behavior(MissedTickBehavior::Burst);
    let start = now_us();
    for i in 0..count {
        tick.tick().await;
        publisher.publish(id, i).await?;
    }
    let expected = count * subscribers;
    // Room for a backlog three times as long as the step itself, and then some.
    let deadline = Instant::now() + Duration::from_secs(3 * seconds + 10);
    while counters.delivered.load(Relaxed) < expected && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let delivered = counters.delivered.load(Relaxed);
    let span_s = counters.last_us.load(Relaxed).saturating_sub(start) as f64 / 1e6;
    let cpu_s = cpu()? - cpu_before;
    let wall_s = now_us().saturating_sub(start) as f64 / 1e6;
    Ok(Step {
        rate,
        sent: count,
        expected,
        delivered,
        delivered_per_s: if span_s > 0.0 {
            delivered as f64 / span_s
        } else {
            0.0
        },
        p50_ms: counters.quantile_us(0.5) as f64 / 1000.0,
        p99_ms: counters.quantile_us(0.99) as f64 / 1000.0,
        cpu_us_per_update: if delivered > 0 {
            cpu_s * 1e6 / delivered as f64
        } else {
            0.0
        },
        cpu_pct: if wall_s > 0.0 {
            100.0 * cpu_s / wall_s
        } else {
            0.0
        },
        late: counters.late.load(Relaxed) - late_before,
    })
}
