//! Recovery after a node kill: clients on the first of three Redis nodes,
//! each following the library's default reconnect schedule (the core's
//! `ReconnectOptions`), resume on another node when it is SIGKILLed.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::Relaxed};
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use leptos_sync_core::backoff::{Close, ReconnectOptions};
use leptos_sync_load::client::{Kind, Publisher, SCHEMA, TOPIC, Ws};
use leptos_sync_load::redis::Redis;
use leptos_sync_load::spawn::Server;
use leptos_sync_load::stats::now_us;
use leptos_sync_protocol::{ClientMsg, PROTOCOL_VERSION, ServerMsg, close_code};
use tokio::sync::{Semaphore, SemaphorePermit};
use tokio_tungstenite::connect_async;
use tokio_tungstenite::tungstenite::Message;

use super::{Plan, ratio};

/// Changes a second the writer makes throughout, so every resume has a replay.
const WRITE_RATE: u64 = 20;
/// How long all the clients may take to be Live again.
const BACK_WITHIN: Duration = Duration::from_secs(60);
/// Handshakes in flight at once while the clients first connect.
const OPENING: usize = 64;
/// The goal: p99 from the kill to Live at most the schedule's p99 plus this.
const GOAL_MS: f64 = 100.0;

/// One client's story, read by the report.
#[derive(Default)]
struct Client {
    /// The last seq applied.
    seq: AtomicU64,
    /// Subscribed (and, after a resume, replayed up to the announced seq).
    live: AtomicBool,
    /// When it was Live again after the kill ([`now_us`]; 0: not yet).
    back_us: AtomicU64,
    /// What its reconnect schedule made it wait since the kill, in ms.
    waited_ms: AtomicU64,
    /// Whether the resume was answered `recovered: true`.
    recovered: AtomicBool,
    lost: AtomicU64,
    doubled: AtomicU64,
    /// Closes 4429 (admission) it got on the way back.
    shed: AtomicU64,
}

/// Runs the recovery part; returns what went wrong.
pub async fn run(plan: &Plan) -> Result<Vec<String>, String> {
    let n = plan.recovery_clients;
    let opts = ReconnectOptions::default();
    let (lo, hi) = opts.bounds(1).ok_or("the default schedule never retries")?;
    println!(
        "\n== recovery: {n} subscribers on node 1 of 3 (Redis, default admission), a writer on node 2 at {WRITE_RATE} changes/s; node 1 SIGKILLed"
    );
    println!(
        "   each client waits what the default ReconnectOptions draws (first retry {lo}-{hi} ms), then resumes on node 2 or 3"
    );
    let redis = Redis::start().await?;
    let url = redis.url();
    let mut nodes = Vec::new();
    for _ in 0..3 {
        nodes.push(Server::start(&plan.server, &["--redis", &url]).await?);
    }
    let addrs: Arc<Vec<SocketAddr>> = Arc::new(nodes.iter().map(|n| n.addr).collect());
    let clients: Vec<Arc<Client>> = (0..n).map(|_| Arc::default()).collect();
    let gate = Arc::new(Semaphore::new(OPENING));
    let killed = Arc::new(AtomicBool::new(false));
    let tasks: Vec<_> = clients
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let to = To {
                addrs: addrs.clone(),
                gate: gate.clone(),
                killed: killed.clone(),
            };
            tokio::spawn(follow(i, c.clone(), to))
        })
        .collect();
    let live = || clients.iter().filter(|c| c.live.load(Relaxed)).count();
    let sheds = || clients.iter().map(|c| c.shed.load(Relaxed)).sum::<u64>();
    if let Err(e) = wait_until("every client live", Duration::from_secs(60), || live() == n).await {
        return Err(format!("{e}: {} live, {} closes 4429", live(), sheds()));
    }
    let mut writer = Publisher::open(Kind::Ours, addrs[1]).await?;
    let written = Arc::new(AtomicU64::new(0));
    let writing = Arc::new(AtomicBool::new(true));
    let write = {
        let (written, writing) = (written.clone(), writing.clone());
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_millis(1000 / WRITE_RATE));
            while writing.load(Relaxed) {
                tick.tick().await;
                let i = written.load(Relaxed);
                if writer.publish(0, i).await.is_err() {
                    break;
                }
                written.store(i + 1, Relaxed);
            }
            writer
        })
    };
    tokio::time::sleep(Duration::from_secs(1)).await;

    // Every client is Live and waits for nothing: what they wait from here on is the outage's.
    clients.iter().for_each(|c| c.waited_ms.store(0, Relaxed));
    killed.store(true, Relaxed);
    let killed_us = now_us();
    nodes.remove(0).stop().await;
    let back = wait_until("every client live again", BACK_WITHIN, || {
        clients.iter().all(|c| c.back_us.load(Relaxed) > 0)
    })
    .await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    writing.store(false, Relaxed);
    let writer = write.await.map_err(|e| e.to_string())?;
    let rejected = writer.rejected.load(Relaxed);
    writer.close().await;
    let total = written.load(Relaxed);
    let caught_up = wait_until(
        "every client at the last seq",
        Duration::from_secs(10),
        || clients.iter().all(|c| c.seq.load(Relaxed) >= total),
    )
    .await;
    tasks.iter().for_each(|t| t.abort());
    for node in nodes {
        node.stop().await;
    }
    drop(redis);

    let mut problems = Vec::new();
    problems.extend(back.err());
    problems.extend(caught_up.err());
    report(&clients, killed_us, &mut problems);
    if rejected > 0 {
        problems.push(format!("recovery: {rejected} writes were not acknowledged"));
    }
    Ok(problems)
}

/// Prints the percentiles and the goal; adds lost or doubled updates to `problems`.
fn report(clients: &[Arc<Client>], killed_us: u64, problems: &mut Vec<String>) {
    let mut back = Vec::new();
    let mut waited = Vec::new();
    let mut over = Vec::new();
    for c in clients {
        let at = c.back_us.load(Relaxed);
        if at == 0 {
            continue;
        }
        let ms = at.saturating_sub(killed_us) as f64 / 1000.0;
        let w = c.waited_ms.load(Relaxed) as f64;
        back.push(ms);
        waited.push(w);
        over.push(ms - w);
    }
    let sum = |f: fn(&Client) -> u64| clients.iter().map(|c| f(c)).sum::<u64>();
    let recovered = clients.iter().filter(|c| c.recovered.load(Relaxed)).count();
    let (lost, doubled) = (
        sum(|c| c.lost.load(Relaxed)),
        sum(|c| c.doubled.load(Relaxed)),
    );
    println!(
        "clients Live again: {} of {} ({recovered} resumed with recovered: true); closes 4429 on the way: {}",
        back.len(),
        clients.len(),
        sum(|c| c.shed.load(Relaxed))
    );
    println!("  {:<34} {:>8} {:>8} {:>8}", "ms", "p50", "p99", "max");
    for (label, v) in [
        ("kill -> Live", &mut back),
        ("the client's schedule (waits)", &mut waited),
        ("kill -> Live minus the schedule", &mut over),
    ] {
        v.sort_by(f64::total_cmp);
        println!(
            "  {label:<34} {:>8.1} {:>8.1} {:>8.1}",
            pct(v, 0.5),
            pct(v, 0.99),
            pct(v, 1.0)
        );
    }
    let (p99, schedule) = (pct(&back, 0.99), pct(&waited, 0.99));
    println!(
        "goal: p99 kill -> Live <= p99 schedule + {GOAL_MS} ms: {p99:.1} <= {:.1} ({}); ratio to the schedule {:.2}",
        schedule + GOAL_MS,
        if p99 <= schedule + GOAL_MS {
            "met"
        } else {
            "missed"
        },
        ratio(p99, schedule)
    );
    println!("updates lost {lost}, doubled {doubled}");
    if lost + doubled > 0 {
        problems.push(format!("recovery: {lost} updates lost, {doubled} doubled"));
    }
}

/// The `q` quantile of sorted `v` (nearest rank); 0 when empty.
fn pct(v: &[f64], q: f64) -> f64 {
    if v.is_empty() {
        return 0.0;
    }
    let rank = ((v.len() as f64) * q).ceil().max(1.0) as usize;
    v[rank.min(v.len()) - 1]
}

async fn wait_until(what: &str, within: Duration, done: impl Fn() -> bool) -> Result<(), String> {
    let deadline = tokio::time::Instant::now() + within;
    while !done() {
        if tokio::time::Instant::now() > deadline {
            return Err(format!("recovery: not {what} within {within:?}"));
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    Ok(())
}

/// How a session ended.
enum End {
    /// Without a close frame (1006): the node died, or refused.
    Abnormal,
    /// With this close code and reason.
    Closed(u16, String),
}

/// What a client connects to.
struct To {
    /// The nodes; the first is the one killed.
    addrs: Arc<Vec<SocketAddr>>,
    /// Bounds the handshakes of the first connections.
    gate: Arc<Semaphore>,
    /// Set just before the kill: a Live from then on is a recovery.
    killed: Arc<AtomicBool>,
}

/// Client `me`: on node 1 first; after losing it, waits its schedule and
/// resumes on node 2 or 3 (what a load balancer would pick), forever.
async fn follow(me: usize, c: Arc<Client>, to: To) {
    let opts = ReconnectOptions::default();
    let addrs = &to.addrs;
    let (mut node, mut epoch, mut attempt) = (0, None::<String>, 0u32);
    let mut end = End::Abnormal;
    loop {
        if attempt > 0 {
            let close = match &end {
                End::Abnormal => Close::ABNORMAL,
                End::Closed(code, reason) => Close::new(*code, reason),
            };
            let Some(ms) = opts.next_delay(attempt, close, fastrand::f64) else {
                return;
            };
            c.waited_ms.fetch_add(ms, Relaxed);
            tokio::time::sleep(Duration::from_millis(ms)).await;
        }
        let permit = if attempt == 0 {
            to.gate.acquire().await.ok()
        } else {
            None
        };
        let session = session(me, &c, addrs[node], &mut epoch, &to.killed, permit).await;
        end = match session {
            Ok(end) | Err(end) => end,
        };
        c.live.store(false, Relaxed);
        attempt += 1;
        if matches!(&end, End::Closed(code, _) if *code == close_code::OVERLOADED) {
            c.shed.fetch_add(1, Relaxed);
        } else {
            // A lost or refused node: the balancer sends it elsewhere.
            node = 1 + fastrand::usize(..addrs.len() - 1);
        }
    }
}

/// One connection: subscribes (resuming from the last seq) and applies
/// updates until it ends, holding `opening` until Live. `Err` when it
/// ended before Live.
async fn session(
    me: usize,
    c: &Client,
    addr: SocketAddr,
    epoch: &mut Option<String>,
    killed: &AtomicBool,
    mut opening: Option<SemaphorePermit<'_>>,
) -> Result<End, End> {
    let url = format!("ws://{addr}/ws?client=recover-{me}");
    let step = Duration::from_secs(10);
    let mut ws = match tokio::time::timeout(step, connect_async(url)).await {
        Ok(Ok((ws, _))) => ws,
        _ => return Err(End::Abnormal),
    };
    let hello = ClientMsg::Hello {
        protocol: PROTOCOL_VERSION,
        token: None,
    };
    if ws.send(Message::text(hello.encode())).await.is_err() {
        return Err(End::Abnormal);
    }
    // A node past its admission rate closes with 4429 and a slot instead.
    match tokio::time::timeout(step, next(&mut ws)).await {
        Ok(Ok(text)) if matches!(ServerMsg::decode(&text), Ok(ServerMsg::Welcome { .. })) => {}
        Ok(Err(end)) => return Err(end),
        _ => return Err(End::Abnormal),
    }
    let seq = c.seq.load(Relaxed);
    let resume = epoch.is_some();
    let subscribe = ClientMsg::Subscribe {
        sub: 1,
        topic: TOPIC.into(),
        schema: SCHEMA,
        since: resume.then_some(seq),
        epoch: epoch.clone(),
    };
    if ws.send(Message::text(subscribe.encode())).await.is_err() {
        return Err(End::Abnormal);
    }
    // Live once `subscribed` came and the replay reached the seq it announced.
    let mut live_at: Option<u64> = None;
    loop {
        let text = match next(&mut ws).await {
            Ok(text) => text,
            Err(end) if live_at.is_some_and(|top| c.seq.load(Relaxed) >= top) => return Ok(end),
            Err(end) => return Err(end),
        };
        match ServerMsg::decode(&text) {
            Ok(ServerMsg::Subscribed {
                seq: top,
                recovered,
                epoch: e,
                ..
            }) => {
                *epoch = e;
                c.recovered.store(resume && recovered, Relaxed);
                live_at = Some(top);
            }
            Ok(ServerMsg::Snapshot { seq, .. }) => c.seq.store(seq, Relaxed),
            Ok(ServerMsg::Update { seq, .. }) => {
                let last = c.seq.load(Relaxed);
                if seq <= last {
                    c.doubled.fetch_add(1, Relaxed);
                } else {
                    c.lost.fetch_add(seq - last - 1, Relaxed);
                    c.seq.store(seq, Relaxed);
                }
            }
            _ => {}
        }
        if live_at.is_some_and(|top| c.seq.load(Relaxed) >= top) && !c.live.load(Relaxed) {
            c.live.store(true, Relaxed);
            opening.take(); // the next client may open
            if killed.load(Relaxed) && c.back_us.load(Relaxed) == 0 {
                c.back_us.store(now_us(), Relaxed);
            }
        }
    }
}

/// The next text frame; how the socket ended otherwise.
async fn next(ws: &mut Ws) -> Result<String, End> {
    loop {
        match ws.next().await {
            Some(Ok(Message::Text(t))) => return Ok(t.to_string()),
            Some(Ok(Message::Close(Some(f)))) => {
                return Err(End::Closed(f.code.into(), f.reason.to_string()));
            }
            Some(Ok(Message::Close(None))) | Some(Err(_)) | None => return Err(End::Abnormal),
            Some(Ok(_)) => {}
        }
    }
}
