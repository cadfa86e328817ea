//! The well-behaved side: the server, its readers and their publisher, and
//! for each case a quiet window and a window with the attacker beside them.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::Stdio;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::time::{Duration, Instant};

use leptos_sync_load::client::{self, Kind, Publisher};
use leptos_sync_load::run;
use leptos_sync_load::spawn::Server;
use leptos_sync_load::stats::{Counters, quantile_of};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::Command;

use crate::attack::{self, Case};
use crate::report;

/// What to run.
pub struct Plan {
    /// The reference server binary.
    pub server: PathBuf,
    /// Well-behaved subscribers of the busy topic.
    pub readers: usize,
    /// Changes a second the publisher makes to it.
    pub rate: u64,
    /// Length of each window, quiet or hostile.
    pub seconds: u64,
    /// The attackers, one at a time.
    pub cases: Vec<Case>,
    /// The attackers' niceness: they yield the cores to the server and the readers.
    pub nice: u8,
    /// The bound on the server's RSS, in bytes.
    pub max_rss: u64,
    /// The bound on the readers' p99 ratio, when it is enforced.
    pub goal: Option<f64>,
    /// Runs of a case that misses only `goal` before it counts as missed:
    /// other processes on the machine can stall the server or the readers.
    pub attempts: u32,
}

/// The readers' view of one window, and the server's; a window with an
/// attacker spans one or more publishing steps, whose latencies count together.
#[derive(Default)]
pub struct Window {
    /// Delivery latency of the readers' updates, in ms.
    pub p50_ms: f64,
    /// See `p50_ms`.
    pub p99_ms: f64,
    /// Updates the readers should have had and did not.
    pub lost: u64,
    /// The server's peak RSS over the window, in bytes (sampled every 50 ms).
    pub rss_peak: u64,
    /// The server's CPU use, in % of one core (the highest of its steps).
    pub server_cpu_pct: f64,
    /// How long the server's threads were ready to run but waited for a
    /// core, in ms per second of the window: the machine's load.
    pub server_runq_ms: f64,
    /// The same for this process, which holds the readers and the publisher.
    pub readers_runq_ms: f64,
}

/// One case: its quiet window, its hostile window and the attacker's answer.
pub struct Outcome {
    /// The attacker.
    pub case: Case,
    /// Just before the attacker.
    pub quiet: Window,
    /// With the attacker.
    pub loaded: Window,
    /// The server still welcomes a new connection afterwards.
    pub survived: bool,
    /// Readers whose connection ended so far.
    pub readers_closed: u64,
    /// What the attacker saw.
    pub answer: attack::Answer,
    /// The attacker process's CPU use, in % of one core.
    pub attacker_cpu_pct: f64,
    /// Runs of this case; only the last is reported.
    pub attempts: u32,
}

/// Runs every case of `plan` against one server; stops after a case the
/// server did not survive.
pub async fn run(plan: &Plan) -> Result<Vec<Outcome>, String> {
    // The readers open at once; the attacks are per connection, not admission.
    let server = Server::start(&plan.server, &["--admission-per-sec", "0"]).await?;
    let counters = Arc::new(Counters::default());
    let (fleet, failed, errors) =
        client::open(Kind::Ours, server.addr, plan.readers, counters.clone()).await?;
    if failed > 0 {
        return Err(format!("{failed} readers failed to subscribe: {errors:?}"));
    }
    let mut publisher = Publisher::open(Kind::Ours, server.addr).await?;
    let rss_start = server.rss_bytes()?;
    println!(
        "server {} on {}: {} readers held, RSS {:.1} MiB",
        plan.server.display(),
        server.addr,
        plan.readers,
        rss_start as f64 / 1048576.0
    );
    let mut outcomes = Vec::new();
    let mut id = 0;
    let mut windows = Windows {
        server: &server,
        publisher: &mut publisher,
        counters: &counters,
        plan,
    };
    for &case in &plan.cases {
        let mut attempts = 0;
        let outcome = loop {
            attempts += 1;
            let (quiet, _) = windows.measure(&mut id, None).await?;
            let (loaded, attacker) = match windows.measure(&mut id, Some(case)).await {
                Ok(measured) => measured,
                // A server that dies fails the publisher's next send.
                Err(e) if !alive(server.addr).await => {
                    let answer = attack::Answer::new(false, format!("the window broke off: {e}"));
                    (Window::default(), Some((answer, 0.0)))
                }
                Err(e) => return Err(e),
            };
            let (answer, attacker_cpu_pct) = attacker.expect("an attacker ran");
            let survived = alive(server.addr).await && server.rss_bytes().is_ok();
            let outcome = Outcome {
                case,
                quiet,
                loaded,
                survived,
                readers_closed: fleet.closed.load(Relaxed),
                answer,
                attacker_cpu_pct,
                attempts,
            };
            let only_the_goal = report::problems(&[&outcome], plan.max_rss, None).is_empty()
                && !report::problems(&[&outcome], plan.max_rss, plan.goal).is_empty();
            if !only_the_goal || attempts >= plan.attempts {
                break outcome;
            }
            println!(
                "  {}: run {attempts} of {} missed only the p99 goal ({:.2} -> {:.2} ms; the server waited {:.0} ms a second for a core, the readers {:.0}): once more",
                case.name(),
                plan.attempts,
                outcome.quiet.p99_ms,
                outcome.loaded.p99_ms,
                outcome.loaded.server_runq_ms,
                outcome.loaded.readers_runq_ms,
            );
        };
        report::line(&outcome);
        let survived = outcome.survived;
        outcomes.push(outcome);
        if !survived {
            break;
        }
    }
    let rejected = publisher.rejected.load(Relaxed);
    publisher.close().await;
    server.stop().await;
    fleet.close().await;
    if rejected > 0 {
        return Err(format!(
            "{rejected} of the publisher's mutations were refused"
        ));
    }
    Ok(outcomes)
}

/// What a window needs.
struct Windows<'a> {
    server: &'a Server,
    publisher: &'a mut Publisher,
    counters: &'a Counters,
    plan: &'a Plan,
}

impl Windows<'_> {
    /// Publishes for one window (step `id`), or, with `case`'s attacker
    /// beside the readers, for as many windows as the attacker runs;
    /// returns the window, and the attacker's
    /// answer and CPU use.
    async fn measure(
        &mut self,
        id: &mut u64,
        case: Option<Case>,
    ) -> Result<(Window, Option<(attack::Answer, f64)>), String> {
        let Windows {
            server,
            publisher,
            counters,
            plan,
        } = self;
        let attacker = match case {
            Some(case) => {
                let child = spawn_attacker(case, server.addr, plan)?;
                Some(tokio::spawn(finish_attacker(child, plan.seconds)))
            }
            None => None,
        };
        let pid = server.pid().map(|p| p.to_string()).unwrap_or_default();
        let runq_before = (run_delay_ms(&pid), run_delay_ms("self"));
        let started = Instant::now();
        let peak = AtomicU64::new(server.rss_bytes()?);
        let sample = async {
            loop {
                if let Ok(rss) = server.rss_bytes() {
                    peak.fetch_max(rss, Relaxed);
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        };
        let mut window = Window::default();
        let readers = plan.readers as u64;
        // The latencies of every step together.
        let mut hist: Vec<u64> = Vec::new();
        let steps = async {
            loop {
                *id += 1;
                let s = run::step(
                    &[*server],
                    publisher,
                    counters,
                    *id,
                    plan.rate,
                    plan.seconds,
                    readers,
                )
                .await?;
                let counts = counters.counts();
                hist.resize(counts.len(), 0);
                hist.iter_mut().zip(counts).for_each(|(h, c)| *h += c);
                window.lost += s.expected.saturating_sub(s.delivered);
                window.server_cpu_pct = window.server_cpu_pct.max(s.cpu_pct);
                let Some(attacker) = &attacker else {
                    return Ok::<_, String>(());
                };
                // Most attackers end just after the step (the floods wait 2 s
                // for their last answers); one that does not gets another
                // step. A stalled client's queue fills only while the topic
                // changes: it gets the next step at once.
                let grace = if case == Some(Case::Stall) { 0 } else { 3 };
                let ending = Instant::now() + Duration::from_secs(grace);
                while !attacker.is_finished() && Instant::now() < ending {
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
                if attacker.is_finished() {
                    return Ok(());
                }
            }
        };
        tokio::select! {
            done = steps => done?,
            () = sample => unreachable!("the sampler never ends"),
        }
        window.p50_ms = quantile_of(&hist, 0.5) as f64 / 1000.0;
        window.p99_ms = quantile_of(&hist, 0.99) as f64 / 1000.0;
        window.rss_peak = peak.load(Relaxed);
        let secs = started.elapsed().as_secs_f64().max(0.001);
        window.server_runq_ms = (run_delay_ms(&pid) - runq_before.0).max(0.0) / secs;
        window.readers_runq_ms = (run_delay_ms("self") - runq_before.1).max(0.0) / secs;
        let answer = match attacker {
            Some(task) => Some(task.await.map_err(|e| format!("attacker task: {e}"))?),
            None => None,
        };
        Ok((window, answer))
    }
}

/// Starts `case`'s attacker: this binary again, at a lower priority.
fn spawn_attacker(
    case: Case,
    addr: SocketAddr,
    plan: &Plan,
) -> Result<tokio::process::Child, String> {
    let exe = std::env::current_exe().map_err(|e| format!("own path: {e}"))?;
    Command::new("nice")
        .arg("-n")
        .arg(plan.nice.to_string())
        .arg(exe)
        .args(["attack", case.name(), "--addr", &addr.to_string()])
        .args(["--seconds", &plan.seconds.to_string()])
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| format!("cannot start the {} attacker: {e}", case.name()))
}

/// Waits for the attacker's `ANSWER ok=<bool> cpu_pct=<%> <detail>` line.
async fn finish_attacker(mut child: tokio::process::Child, seconds: u64) -> (attack::Answer, f64) {
    let Some(stdout) = child.stdout.take() else {
        return (fail("the attacker has no stdout"), 0.0);
    };
    let mut lines = BufReader::new(stdout).lines();
    let find = async {
        while let Ok(Some(line)) = lines.next_line().await {
            if let Some(parsed) = parse_answer(&line) {
                return Some(parsed);
            }
        }
        None
    };
    // Its own deadlines bound it to the window plus a minute.
    let limit = Duration::from_secs(seconds + 60);
    let answer = match tokio::time::timeout(limit, find).await {
        Ok(Some(parsed)) => parsed,
        Ok(None) => (fail("the attacker ended without an answer"), 0.0),
        Err(_) => (fail("the attacker did not answer in time"), 0.0),
    };
    let _ = child.kill().await;
    answer
}

fn fail(why: &str) -> attack::Answer {
    attack::Answer::new(false, why.to_owned())
}

/// The attacker's answer line, with its CPU use in % of one core.
pub fn answer_line(answer: &attack::Answer, cpu_pct: f64) -> String {
    format!(
        "ANSWER ok={} cpu_pct={cpu_pct:.1} {}",
        answer.ok, answer.detail
    )
}

fn parse_answer(line: &str) -> Option<(attack::Answer, f64)> {
    let rest = line.strip_prefix("ANSWER ok=")?;
    let (ok, rest) = rest.split_once(" cpu_pct=")?;
    let (cpu, detail) = rest.split_once(' ').unwrap_or((rest, ""));
    let answer = attack::Answer::new(ok == "true", detail.to_owned());
    Some((answer, cpu.parse().ok()?))
}

/// How long the threads of process `pid` (or `"self"`) have been ready to
/// run but waited for a core, in ms: the second field of each thread's
/// /proc schedstat. 0 when unreadable (a kernel without schedstats).
fn run_delay_ms(pid: &str) -> f64 {
    let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) else {
        return 0.0;
    };
    let ns: u64 = tasks
        .filter_map(Result::ok)
        .filter_map(|t| std::fs::read_to_string(t.path().join("schedstat")).ok())
        .filter_map(|s| s.split_whitespace().nth(1)?.parse::<u64>().ok())
        .sum();
    ns as f64 / 1e6
}

/// Whether the server still welcomes a new connection.
async fn alive(addr: SocketAddr) -> bool {
    attack::connect(addr, "hostile-probe", None).await.is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_answer_line_reads_back() {
        let sent = attack::Answer::new(true, "sent 3; end Open".into());
        let (got, cpu) = parse_answer(&answer_line(&sent, 1.5)).unwrap();
        assert!(got.ok);
        assert_eq!(got.detail, "sent 3; end Open");
        assert_eq!(cpu, 1.5);
        let refused = attack::Answer::new(false, String::new());
        assert!(!parse_answer(&answer_line(&refused, 0.0)).unwrap().0.ok);
        assert!(parse_answer("something else").is_none());
    }
}
