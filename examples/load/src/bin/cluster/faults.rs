//! The run: start the cluster and the clients, inject the faults in order,
//! print a `CLUSTER` line for each, then hand over to the final checks.

use std::sync::Arc;
use std::sync::atomic::Ordering::Relaxed;
use std::time::{Duration, Instant};

use crate::procs::{Cluster, Shared};
use crate::subscriber::{self, Subscriber};
use crate::writer::{self, Writer};
use crate::{Args, Fleet, checks};

/// How long clients may take to be back after a fault before it is a violation.
const BACK_WITHIN: Duration = Duration::from_secs(30);

/// Runs everything; the violations found, or why the run could not happen.
pub async fn run(a: Args) -> Result<Vec<String>, String> {
    let server = a.server.clone().unwrap_or_else(|| {
        let exe = std::env::current_exe().unwrap_or_default();
        exe.with_file_name("leptos-sync-server")
    });
    let subs = a.subscribers.unwrap_or(if a.smoke { 6 } else { 40 });
    let writers = a.writers.unwrap_or(if a.smoke { 4 } else { 12 });
    let settle = Duration::from_secs(a.settle.unwrap_or(if a.smoke { 2 } else { 5 }));
    let topics: Vec<String> = (0..a.topics).map(|t| format!("cluster-{t}")).collect();
    println!(
        "cluster: redis-server and {} nodes, {subs} subscribers of {} topics, {writers} writers at {}/s each",
        a.nodes, a.topics, a.rate
    );
    let started = Instant::now();
    let shared = Arc::new(Shared::new(a.nodes));
    let mut cluster = Cluster::start(server, a.nodes, &shared).await?;
    let mut tasks = tokio::task::JoinSet::new();
    let fleet = Fleet {
        subscribers: (0..subs).map(|_| Arc::new(Subscriber::default())).collect(),
        writers: (0..writers).map(|_| Arc::new(Writer::default())).collect(),
    };
    for (i, s) in fleet.subscribers.iter().enumerate() {
        tasks.spawn(subscriber::run(
            i,
            topics.clone(),
            s.clone(),
            shared.clone(),
        ));
    }
    for (i, w) in fleet.writers.iter().enumerate() {
        tasks.spawn(writer::run(
            i,
            topics.clone(),
            a.rate,
            w.clone(),
            shared.clone(),
        ));
    }
    back(&fleet, &shared, "start", |_, _| true).await;
    tokio::time::sleep(settle).await;

    // node-kill: the busiest node, while the writers write.
    let busiest = (0..a.nodes)
        .max_by_key(|&i| shared.on_node[i].load(Relaxed))
        .unwrap_or(0);
    let clients = shared.on_node[busiest].load(Relaxed);
    let before = tally(&fleet);
    let t = Instant::now();
    cluster.kill_node(busiest, &shared).await;
    let ms = back(&fleet, &shared, "node-kill", |_, _| true).await;
    let after = tally(&fleet);
    println!(
        "CLUSTER node-kill node={busiest} clients={clients} back_ms={ms} crash_resumes={} recovered={}",
        after.crash_resumes - before.crash_resumes,
        after.recovered - before.recovered
    );
    if clients > 0 && after.crash_resumes == before.crash_resumes {
        shared.violation("node-kill: no subscriber resumed after the crash".into());
    }
    progress(&fleet, &shared, settle, "node-kill").await;

    cluster.start_node(busiest, &shared).await?;
    println!(
        "CLUSTER node-restart node={busiest} ms_since_kill={}",
        t.elapsed().as_millis()
    );
    progress(&fleet, &shared, settle, "node-restart").await;

    let mut con = cluster.redis().await?;
    let killed: u64 = redis::cmd("CLIENT")
        .arg(&["KILL", "TYPE", "pubsub"])
        .query_async(&mut con)
        .await
        .map_err(|e| format!("CLIENT KILL: {e}"))?;
    let applied = progress(&fleet, &shared, settle, "pubsub-kill").await;
    println!("CLUSTER pubsub-kill connections={killed} applied_after={applied}");
    if killed == 0 {
        shared.violation("pubsub-kill: no node had a pub/sub connection".into());
    }

    let epochs = held_epochs(&fleet);
    let before = tally(&fleet);
    let _: () = redis::cmd("FLUSHALL")
        .query_async(&mut con)
        .await
        .map_err(|e| format!("FLUSHALL: {e}"))?;
    let ms = back(&fleet, &shared, "epoch-change", |i, s| {
        new_epochs(s, &epochs[i])
    })
    .await;
    let after = tally(&fleet);
    println!(
        "CLUSTER epoch-change back_ms={ms} epoch_changes={} snapshots={}",
        after.epoch_changes - before.epoch_changes,
        after.snapshots - before.snapshots
    );
    progress(&fleet, &shared, settle, "epoch-change").await;

    let epochs = held_epochs(&fleet);
    let before = tally(&fleet);
    drop(con);
    cluster.kill_redis().await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    cluster.start_redis().await?;
    let ms = back(&fleet, &shared, "redis-restart", |i, s| {
        new_epochs(s, &epochs[i])
    })
    .await;
    let after = tally(&fleet);
    println!(
        "CLUSTER redis-restart down_ms=3000 back_ms={ms} closed_1013={} epoch_changes={}",
        after.try_again - before.try_again,
        after.epoch_changes - before.epoch_changes
    );
    if after.try_again == before.try_again {
        shared.violation("redis-restart: no client was closed with 1013".into());
    }
    progress(&fleet, &shared, settle, "redis-restart").await;

    checks::finish(&fleet, &shared, &cluster, &topics, started).await?;
    shared.stop.store(true, Relaxed);
    tasks.shutdown().await;
    Ok(shared.violations())
}

/// Sums of the subscribers' counters.
#[derive(Default)]
pub struct Tally {
    pub applied: u64,
    pub snapshots: u64,
    pub epoch_changes: u64,
    pub resumes: u64,
    pub recovered: u64,
    pub crash_resumes: u64,
    pub try_again: u64,
    pub acked: u64,
    pub resent: u64,
}

pub fn tally(f: &Fleet) -> Tally {
    let mut t = Tally::default();
    for s in &f.subscribers {
        t.applied += s.applied.load(Relaxed);
        t.snapshots += s.snapshots.load(Relaxed);
        t.epoch_changes += s.epoch_changes.load(Relaxed);
        t.resumes += s.resumes.load(Relaxed);
        t.recovered += s.recovered.load(Relaxed);
        t.crash_resumes += s.crash_resumes.load(Relaxed);
        t.try_again += s.try_again.load(Relaxed);
    }
    for w in &f.writers {
        t.acked += w.acked.load(Relaxed);
        t.resent += w.resent.load(Relaxed);
    }
    t
}

/// Waits until every subscriber is live and `ready` holds for it; the ms it
/// took, or a violation past [`BACK_WITHIN`].
async fn back(
    f: &Fleet,
    shared: &Shared,
    fault: &str,
    ready: impl Fn(usize, &Subscriber) -> bool,
) -> u128 {
    let t = Instant::now();
    // A subscriber still live on a killed node has not noticed yet: let the fault land first.
    tokio::time::sleep(Duration::from_millis(100)).await;
    while !f
        .subscribers
        .iter()
        .enumerate()
        .all(|(i, s)| s.live.load(Relaxed) && ready(i, s))
    {
        if t.elapsed() > BACK_WITHIN {
            shared.violation(format!(
                "{fault}: subscribers not back within {BACK_WITHIN:?}"
            ));
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    t.elapsed().as_millis()
}

/// Lets the load run for `settle`; a violation unless mutations were acked
/// and applied meanwhile. Returns the updates applied.
async fn progress(f: &Fleet, shared: &Shared, settle: Duration, fault: &str) -> u64 {
    let before = tally(f);
    tokio::time::sleep(settle).await;
    let after = tally(f);
    if after.acked == before.acked || after.applied == before.applied {
        shared.violation(format!("after {fault}: no progress in {settle:?}"));
    }
    after.applied - before.applied
}

type Epochs = Vec<Vec<Option<String>>>;

fn held_epochs(f: &Fleet) -> Epochs {
    let held = |s: &Subscriber| {
        s.held
            .lock()
            .unwrap()
            .iter()
            .map(|h| h.epoch.clone())
            .collect()
    };
    f.subscribers.iter().map(|s| held(s)).collect()
}

/// Every topic of `s` is on another epoch than it was.
fn new_epochs(s: &Subscriber, before: &[Option<String>]) -> bool {
    let held = s.held.lock().unwrap();
    held.iter().zip(before).all(|(h, b)| h.epoch != *b)
}
