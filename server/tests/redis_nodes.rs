//! Several `RedisEngine` nodes on one Redis: they share topics, see each
//! other's changes in order with no gap or duplicate, survive the loss of
//! their pub/sub connections, resync on a new epoch and answer
//! `Unavailable` while Redis is away.

mod redis_support;

use std::sync::Arc;
use std::time::Duration;

use leptos_sync_server::{Engine, EngineError, IfAbsent, Join, RedisEngine, RedisOptions, Start};
use redis::AsyncCommands;
use redis_support::{Recorder, RedisServer};
use serde_json::json;

const DEADLINE: Duration = Duration::from_secs(10);

/// A node: an engine with a recording sink.
fn node(redis: &RedisServer, options: RedisOptions) -> (Arc<RedisEngine>, Arc<Recorder>) {
    let engine = Arc::new(RedisEngine::open(&redis.url(), options).expect("a valid URL"));
    let sink = Arc::new(Recorder::default());
    engine.listen(sink.clone());
    (engine, sink)
}

fn fresh(topic: &str) -> Join<'_> {
    Join {
        topic,
        schema: 1,
        since: None,
        epoch: None,
        if_absent: IfAbsent::Create,
    }
}

fn writer(engine: Arc<RedisEngine>, name: &'static str, n: u64) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        for i in 0..n {
            engine
                .apply("T", None, name, json!(i), IfAbsent::Create)
                .await
                .expect("applied");
        }
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_nodes_see_each_others_changes_in_order_without_gaps_or_repeats() {
    let redis = RedisServer::start();
    let (a, sink_a) = node(&redis, RedisOptions::default());
    let (b, sink_b) = node(&redis, RedisOptions::default());
    a.join(fresh("T")).await.unwrap();
    b.join(fresh("T")).await.unwrap();
    let writers = [writer(a.clone(), "a", 150), writer(b.clone(), "b", 150)];
    for w in writers {
        w.await.unwrap();
    }
    let all: Vec<u64> = (1..=300).collect();
    sink_a
        .wait_until("node a has 1..=300", |s| s.len() >= 300)
        .await;
    sink_b
        .wait_until("node b has 1..=300", |s| s.len() >= 300)
        .await;
    assert_eq!(sink_a.seqs(), all);
    assert_eq!(sink_b.seqs(), all);
    assert_eq!(*sink_a.seen.lock().unwrap(), *sink_b.seen.lock().unwrap());
    let state = a.topic("T").await.unwrap().unwrap();
    assert_eq!(json!(state.entries), json!({"a": 149, "b": 149}));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_mutation_id_sent_to_two_nodes_applies_once() {
    let redis = RedisServer::start();
    let (a, _) = node(&redis, RedisOptions::default());
    let (b, _) = node(&redis, RedisOptions::default());
    for round in 0..20 {
        let id = format!("m{round}");
        let (x, y) = tokio::join!(
            a.apply("T", Some(&id), "k", json!("a"), IfAbsent::Create),
            b.apply("T", Some(&id), "k", json!("b"), IfAbsent::Create)
        );
        let (x, y) = (x.unwrap(), y.unwrap());
        assert_eq!(x.seq, y.seq, "round {round}");
        assert!(x.fresh != y.fresh, "round {round}: exactly one applies");
    }
    assert_eq!(a.topic("T").await.unwrap().unwrap().seq, 20);
}

/// Options under which only the gap backfill, the catch-up after a pub/sub
/// reconnect and the ack path can bring a node a change.
fn without_periodic_check() -> RedisOptions {
    RedisOptions {
        check_every: Duration::from_secs(600),
        ..RedisOptions::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killing_the_pubsub_connections_loses_nothing() {
    let redis = RedisServer::start();
    let options = without_periodic_check();
    let (a, _) = node(&redis, options.clone());
    let (b, sink_b) = node(&redis, options);
    b.join(fresh("T")).await.unwrap();
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let w = {
        let (a, stop) = (a.clone(), stop.clone());
        tokio::spawn(async move {
            let mut n = 0u64;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                a.apply("T", None, "k", json!(n), IfAbsent::Create)
                    .await
                    .expect("applied");
                n += 1;
            }
            n
        })
    };
    let mut admin = redis.conn().await;
    for _ in 0..5 {
        let before = sink_b.seqs().len();
        // Node b is subscribed again and changes flow.
        let deadline = tokio::time::Instant::now() + DEADLINE;
        loop {
            let subscribers: (String, u64) = redis::cmd("PUBSUB")
                .arg(&["NUMSUB", "lsync:{T}:live"])
                .query_async(&mut admin)
                .await
                .unwrap();
            if subscribers.1 == 1 && sink_b.seqs().len() > before + 20 {
                break;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "node b resubscribes"
            );
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        let killed: u64 = redis::cmd("CLIENT")
            .arg(&["KILL", "TYPE", "pubsub"])
            .query_async(&mut admin)
            .await
            .unwrap();
        // Each node holds one, on the server events channel at least.
        assert_eq!(killed, 2, "the nodes' pub/sub connections");
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let written = w.await.unwrap();
    let seqs = sink_b
        .wait_until("node b has every change", |s| s.len() as u64 >= written)
        .await;
    assert_eq!(seqs, (1..=written).collect::<Vec<_>>());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_epoch_makes_the_clients_resync_and_a_resume_gets_a_snapshot() {
    let redis = RedisServer::start();
    let (a, sink_a) = node(&redis, RedisOptions::default());
    let (b, _) = node(&redis, RedisOptions::default());
    let joined = a.join(fresh("T")).await.unwrap();
    for i in 0..3 {
        b.apply("T", None, "k", json!(i), IfAbsent::Create)
            .await
            .unwrap();
    }
    sink_a.wait_until("1..=3", |s| s == [1, 2, 3]).await;
    // The topic's incarnation ends (a flush, a restart without persistence).
    let mut admin = redis.conn().await;
    redis::cmd("FLUSHALL")
        .query_async::<()>(&mut admin)
        .await
        .unwrap();
    b.apply("T", None, "new", json!(true), IfAbsent::Create)
        .await
        .unwrap();
    sink_a
        .wait_resyncs("a resync after 3 changes", |r| r == [3])
        .await;
    let resume = Join {
        topic: "T",
        schema: 1,
        since: Some(3),
        epoch: Some(&joined.epoch),
        if_absent: IfAbsent::Create,
    };
    let resumed = a.join(resume).await.unwrap();
    assert_ne!(resumed.epoch, joined.epoch);
    let Start::Snapshot(entries) = resumed.start else {
        panic!("a snapshot of the new epoch")
    };
    assert_eq!(json!(entries), json!({"new": true}));
    b.apply("T", None, "after", json!(1), IfAbsent::Create)
        .await
        .unwrap();
    sink_a
        .wait_until("the new epoch's seq 2", |s| s.last() == Some(&2))
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn history_is_capped_exactly_and_the_dedup_window_is_bounded() {
    let redis = RedisServer::start();
    let options = RedisOptions {
        history: 3,
        dedup_window: 2,
        history_ttl: Some(Duration::from_secs(60)),
        ..RedisOptions::default()
    };
    let (a, _) = node(&redis, options);
    for id in ["m1", "m2", "m3", "m4", "m5"] {
        a.apply("T", Some(id), "k", json!(id), IfAbsent::Create)
            .await
            .unwrap();
    }
    let mut admin = redis.conn().await;
    let history: u64 = admin.xlen("lsync:{T}:history").await.unwrap();
    let ids: u64 = admin.zcard("lsync:{T}:ids").await.unwrap();
    let ttl: i64 = admin.pttl("lsync:{T}:history").await.unwrap();
    assert_eq!((history, ids), (3, 2));
    assert!(ttl > 0 && ttl <= 60_000, "history TTL {ttl}");
    let recent = a
        .apply("T", Some("m5"), "k", json!("again"), IfAbsent::Create)
        .await
        .unwrap();
    assert_eq!((recent.seq, recent.fresh), (5, false));
    let forgotten = a
        .apply("T", Some("m1"), "k", json!("again"), IfAbsent::Create)
        .await
        .unwrap();
    assert_eq!(
        (forgotten.seq, forgotten.fresh),
        (6, true),
        "past the window"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_redis_operations_are_unavailable_and_recover_when_it_returns() {
    let redis = RedisServer::start();
    let options = RedisOptions {
        timeout: Duration::from_millis(500),
        ..RedisOptions::default()
    };
    let (a, sink) = node(&redis, options);
    a.join(fresh("T")).await.unwrap();
    a.apply("T", None, "k", json!(1), IfAbsent::Create)
        .await
        .unwrap();
    let port = redis.stop();
    let failed = a
        .apply("T", Some("m"), "k", json!(2), IfAbsent::Create)
        .await;
    assert!(
        matches!(failed, Err(EngineError::Unavailable(_))),
        "{failed:?}"
    );
    let failed = a.join(fresh("T")).await;
    assert!(
        matches!(failed, Err(EngineError::Unavailable(_))),
        "{failed:?}"
    );
    assert!(matches!(
        a.topic("T").await,
        Err(EngineError::Unavailable(_))
    ));
    // Back, empty (no persistence): the engine reconnects by itself.
    let redis = RedisServer::start_on(port).expect("redis-server again on its port");
    let deadline = tokio::time::Instant::now() + DEADLINE;
    let applied = loop {
        match a
            .apply("T", Some("m"), "k", json!(2), IfAbsent::Create)
            .await
        {
            Ok(applied) => break applied,
            Err(e) => assert!(tokio::time::Instant::now() < deadline, "still {e}"),
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!((applied.seq, applied.fresh), (1, true), "a new incarnation");
    // The watching node noticed the new epoch and tells its clients to resync.
    sink.wait_resyncs("a resync", |r| !r.is_empty()).await;
    drop(redis);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unwatched_topic_leaves_its_channel_and_a_new_watch_starts_at_the_top() {
    let redis = RedisServer::start();
    let (a, sink_a) = node(&redis, RedisOptions::default());
    let (b, _) = node(&redis, RedisOptions::default());
    a.watch("T").await.unwrap();
    assert_eq!(a.watched(), ["T"]);
    b.apply("T", None, "k", json!(1), IfAbsent::Create)
        .await
        .unwrap();
    sink_a.wait_until("seq 1", |s| s == [1]).await;
    a.unwatch("T").await;
    a.unwatch("T").await; // twice is harmless
    assert!(a.watched().is_empty());
    let mut admin = redis.conn().await;
    let deadline = tokio::time::Instant::now() + DEADLINE;
    loop {
        let (_, subscribers): (String, u64) = redis::cmd("PUBSUB")
            .arg(&["NUMSUB", "lsync:{T}:live"])
            .query_async(&mut admin)
            .await
            .unwrap();
        if subscribers == 0 {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the channel is left"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    for i in 2..=4 {
        b.apply("T", None, "k", json!(i), IfAbsent::Create)
            .await
            .unwrap();
    }
    // Watched again: from where the topic stands, not from where it was.
    a.watch("T").await.unwrap();
    b.apply("T", None, "k", json!(5), IfAbsent::Create)
        .await
        .unwrap();
    let seqs = sink_a.wait_until("seq 5", |s| s.last() == Some(&5)).await;
    assert_eq!(seqs, [1, 5]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_repeated_id_is_acked_after_its_change_reached_the_nodes_sinks() {
    let redis = RedisServer::start();
    let options = without_periodic_check();
    let (a, _) = node(&redis, options.clone());
    let (b, sink_b) = node(&redis, options);
    b.watch("T").await.unwrap();
    // Node b's pub/sub is down (it reconnects after a backoff), so only the
    // ack path can bring it the change a sent first.
    let mut admin = redis.conn().await;
    let killed: u64 = redis::cmd("CLIENT")
        .arg(&["KILL", "TYPE", "pubsub"])
        .query_async(&mut admin)
        .await
        .unwrap();
    assert_eq!(killed, 2, "each node holds one, for server events");
    let first = a
        .apply("T", Some("m"), "k", json!(1), IfAbsent::Create)
        .await
        .unwrap();
    let again = b
        .apply("T", Some("m"), "k", json!(1), IfAbsent::Create)
        .await
        .unwrap();
    assert_eq!((again.seq, again.fresh), (first.seq, false));
    assert_eq!(
        sink_b.seqs(),
        [1],
        "update before ack, for a re-sent id too"
    );
}
