//! Fan-out on one node (memory), one node (Redis) and three Redis nodes
//! with three times the subscribers, through the `load` generator's
//! subscribers, publisher and publishing steps.

use std::sync::Arc;
use std::sync::atomic::Ordering::Relaxed;

use leptos_sync_load::client::{self, Fleet, Kind, Publisher};
use leptos_sync_load::redis::Redis;
use leptos_sync_load::run::{self, Step};
use leptos_sync_load::spawn::{Cpu, Server};
use leptos_sync_load::stats::Counters;

use super::{Plan, ratio};

/// A setup keeps up with a rate when it delivers at least this share of
/// rate × subscribers a second.
const KEEPS_UP: f64 = 0.95;

/// One deployment measured.
struct Setup {
    name: &'static str,
    nodes: usize,
    redis: bool,
}

const SETUPS: [Setup; 3] = [
    Setup {
        name: "1 node, memory",
        nodes: 1,
        redis: false,
    },
    Setup {
        name: "1 node, Redis",
        nodes: 1,
        redis: true,
    },
    Setup {
        name: "3 nodes, Redis",
        nodes: 3,
        redis: true,
    },
];

/// Runs the three setups and prints their comparison; returns what went wrong.
pub async fn run(plan: &Plan) -> Result<Vec<String>, String> {
    println!(
        "\n== fan-out: {} subscribers per node of one topic, one publisher on the first node; rates {:?}/s for {} s each",
        plan.connections, plan.rates, plan.seconds
    );
    println!(
        "   cpu = the nodes and Redis together, in % of one core (this machine has {})",
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );
    let mut results = Vec::new();
    let mut problems = Vec::new();
    for setup in &SETUPS {
        let (steps, mut p) = measure(setup, plan).await?;
        problems.append(&mut p);
        results.push(steps);
    }
    let [memory, one, three] = &results[..] else {
        unreachable!("three setups")
    };
    println!(
        "\n3 Redis nodes ({} subscribers) / 1 Redis node ({}), delivered updates/s (goal >= 2):",
        3 * plan.connections,
        plan.connections
    );
    for (t, o) in three.iter().zip(one) {
        compare_row(&format!("rate {:>5}/s", t.rate), t, o);
    }
    compare_row("best", best(three), best(one));
    println!("\n1 Redis node / 1 memory node, same subscribers, delivered updates/s:");
    for (r, m) in one.iter().zip(memory) {
        compare_row(&format!("rate {:>5}/s", r.rate), r, m);
    }
    println!(
        "\nfrontier: the highest rate each keeps up with (delivered/s >= {KEEPS_UP} x rate x subscribers):"
    );
    for (setup, steps) in SETUPS.iter().zip(&results) {
        let subscribers = (setup.nodes * plan.connections) as f64;
        let kept = steps
            .iter()
            .filter(|s| s.delivered_per_s >= KEEPS_UP * s.rate as f64 * subscribers)
            .max_by_key(|s| s.rate);
        match kept {
            Some(s) => println!(
                "  {:<16} {:>5} publishes/s = {:>10.0} delivered/s, p50 {:.1} ms, p99 {:.1} ms",
                setup.name, s.rate, s.delivered_per_s, s.p50_ms, s.p99_ms
            ),
            None => println!("  {:<16} none of the rates", setup.name),
        }
    }
    Ok(problems)
}

fn compare_row(label: &str, a: &Step, b: &Step) {
    println!(
        "  {label:<13} {:>10.0} / {:>10.0} = {:.2}   (p99 {:.1} / {:.1} ms)",
        a.delivered_per_s,
        b.delivered_per_s,
        ratio(a.delivered_per_s, b.delivered_per_s),
        a.p99_ms,
        b.p99_ms
    );
}

fn best(steps: &[Step]) -> &Step {
    steps
        .iter()
        .max_by(|a, b| a.delivered_per_s.total_cmp(&b.delivered_per_s))
        .expect("at least one rate")
}

/// Starts `setup`, runs every rate, stops it.
async fn measure(setup: &Setup, plan: &Plan) -> Result<(Vec<Step>, Vec<String>), String> {
    let redis = if setup.redis {
        Some(Redis::start().await?)
    } else {
        None
    };
    let url = redis.as_ref().map(Redis::url);
    // The fleet opens as fast as it can, and the one publisher may send
    // past a client's limits: measured here is fan-out, not admission.
    let mut args = vec!["--admission-per-sec", "0", "--read-frames-per-sec", "0"];
    args.extend(["--mutations-per-sec", "1000000"]);
    if let Some(url) = &url {
        args.extend(["--redis", url]);
    }
    let mut nodes = Vec::new();
    for _ in 0..setup.nodes {
        nodes.push(Server::start(&plan.server, &args).await?);
    }
    let counters = Arc::new(Counters::default());
    let (mut fleets, mut failed): (Vec<Fleet>, usize) = (Vec::new(), 0);
    for node in &nodes {
        let (fleet, f, errors) =
            client::open(Kind::Ours, node.addr, plan.connections, counters.clone()).await?;
        for e in errors {
            println!("[{}] connection failure: {e}", setup.name);
        }
        fleets.push(fleet);
        failed += f;
    }
    let held = (setup.nodes * plan.connections - failed) as u64;
    println!(
        "\n[{}] {held} subscribers held on {} node(s){}",
        setup.name,
        setup.nodes,
        if setup.redis {
            " sharing one redis-server"
        } else {
            ""
        }
    );
    Step::print_header(setup.name);
    let mut procs: Vec<&dyn Cpu> = nodes.iter().map(|n| n as &dyn Cpu).collect();
    if let Some(redis) = &redis {
        procs.push(redis);
    }
    let mut publisher = Publisher::open(Kind::Ours, nodes[0].addr).await?;
    let mut steps = Vec::new();
    for (i, &rate) in plan.rates.iter().enumerate() {
        let s = run::step(
            &procs,
            &mut publisher,
            &counters,
            i as u64 + 1,
            rate,
            plan.seconds,
            held,
        )
        .await?;
        s.print(setup.name);
        steps.push(s);
    }
    let mut problems = Vec::new();
    let n = setup.name;
    if failed > 0 {
        problems.push(format!("{n}: {failed} subscribers failed to set up"));
    }
    let rejected = publisher.rejected.load(Relaxed);
    if rejected > 0 {
        problems.push(format!("{n}: {rejected} mutations were not acknowledged"));
    }
    let closed: u64 = fleets.iter().map(|f| f.closed.load(Relaxed)).sum();
    if closed > 0 {
        problems.push(format!("{n}: {closed} subscribers' sockets ended"));
    }
    for s in &steps {
        if s.delivered == 0 || (plan.smoke && s.delivered < s.expected) {
            problems.push(format!(
                "{n}: rate {}/s delivered {} of {}",
                s.rate, s.delivered, s.expected
            ));
        }
    }
    publisher.close().await;
    for node in nodes {
        node.stop().await;
    }
    for fleet in fleets {
        fleet.close().await;
    }
    drop(redis);
    Ok((steps, problems))
}
