//! One suite through the `Engine` trait, run against every engine: the
//! in-memory default and Redis (a `redis-server` child per test). The
//! cases of missing topics and seeds are in `lifecycle`.

#[path = "engine_conformance/lifecycle.rs"]
mod lifecycle;
mod redis_support;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use leptos_sync_server::{
    Change, Deliver, Engine, EngineError, IfAbsent, Join, MemoryEngine, RedisEngine, RedisOptions,
    Start,
};
use redis_support::RedisServer;
use serde_json::{Value, json};

/// How long a delivery may take to arrive.
const DEADLINE: Duration = Duration::from_secs(5);

/// An engine under test, with the Redis it runs on.
struct Subject {
    engine: Arc<dyn Engine>,
    redis: Option<RedisServer>,
}

impl Subject {
    /// Another node on the same store: a second `RedisEngine` on the same
    /// Redis, or the same memory engine (one process shares its topics).
    fn peer(&self) -> Arc<dyn Engine> {
        match &self.redis {
            Some(server) => {
                let engine = RedisEngine::open(&server.url(), RedisOptions::default());
                Arc::new(engine.expect("a valid URL"))
            }
            None => self.engine.clone(),
        }
    }
}

fn memory(history: usize) -> Subject {
    Subject {
        engine: Arc::new(MemoryEngine::new(history)),
        redis: None,
    }
}

fn redis(history: usize) -> Subject {
    let server = RedisServer::start();
    let options = RedisOptions {
        history,
        ..RedisOptions::default()
    };
    let engine = RedisEngine::open(&server.url(), options).expect("a valid URL");
    Subject {
        engine: Arc::new(engine),
        redis: Some(server),
    }
}

/// A sink that records what it is given.
#[derive(Default)]
struct Recorder {
    seen: Mutex<Vec<(String, Change)>>,
}

impl Deliver for Recorder {
    fn deliver(&self, topic: &str, change: &Change) {
        let mut seen = self.seen.lock().unwrap();
        seen.push((topic.to_owned(), change.clone()));
    }
}

impl Recorder {
    fn seqs(&self, topic: &str) -> Vec<u64> {
        let seen = self.seen.lock().unwrap();
        seen.iter()
            .filter(|(t, _)| t == topic)
            .map(|(_, c)| c.seq)
            .collect()
    }

    /// Waits until `topic` has `n` deliveries, then returns their seqs.
    async fn wait_for(&self, topic: &str, n: usize) -> Vec<u64> {
        let deadline = tokio::time::Instant::now() + DEADLINE;
        loop {
            let seqs = self.seqs(topic);
            if seqs.len() >= n {
                return seqs;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "{topic}: {} deliveries of {n} in time: {seqs:?}",
                seqs.len()
            );
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }
}

fn join<'a>(topic: &'a str, schema: u32, since: Option<u64>, epoch: Option<&'a str>) -> Join<'a> {
    Join {
        topic,
        schema,
        since,
        epoch,
        if_absent: IfAbsent::Create,
    }
}

async fn apply(e: &dyn Engine, topic: &str, id: Option<&str>, key: &str, v: Value) -> (u64, bool) {
    let applied = e
        .apply(topic, id, key, v, IfAbsent::Create)
        .await
        .expect("applied");
    (applied.seq, applied.fresh)
}

async fn seqs_grow_by_one_per_topic_and_state_follows(s: Subject) {
    let e = s.engine.as_ref();
    assert_eq!(e.topic("A").await.unwrap(), None);
    for n in 1..=5 {
        assert_eq!(
            apply(e, "A", None, &format!("k{n}"), json!(n)).await,
            (n, true)
        );
    }
    assert_eq!(apply(e, "B", None, "x", json!("one")).await, (1, true));
    assert_eq!(apply(e, "A", None, "k2", Value::Null).await, (6, true));
    let a = e.topic("A").await.unwrap().expect("topic A");
    assert_eq!(a.seq, 6);
    assert_eq!(
        json!(a.entries),
        json!({"k1": 1, "k3": 3, "k4": 4, "k5": 5})
    );
    let b = e.topic("B").await.unwrap().expect("topic B");
    assert_eq!((b.seq, json!(b.entries)), (1, json!({"x": "one"})));
    assert_ne!(a.epoch, b.epoch, "each topic has its own incarnation");
    let again = e.topic("A").await.unwrap().unwrap();
    assert_eq!(again.epoch, a.epoch, "the epoch is stable across reads");
}

async fn a_repeated_mutation_id_applies_once(s: Subject) {
    let e = s.engine.as_ref();
    assert_eq!(apply(e, "T", Some("m1"), "a", json!(1)).await, (1, true));
    assert_eq!(apply(e, "T", Some("m2"), "b", json!(2)).await, (2, true));
    assert_eq!(apply(e, "T", Some("m1"), "a", json!(99)).await, (1, false));
    let t = e.topic("T").await.unwrap().unwrap();
    assert_eq!((t.seq, json!(t.entries)), (2, json!({"a": 1, "b": 2})));
}

async fn concurrent_applies_of_one_id_apply_once_with_one_seq(s: Subject) {
    let e = s.engine.clone();
    let tasks: Vec<_> = (0..8)
        .map(|n| {
            let e = e.clone();
            tokio::spawn(async move {
                e.apply("T", Some("same"), "k", json!(n), IfAbsent::Create)
                    .await
                    .unwrap()
            })
        })
        .collect();
    let mut applied = Vec::new();
    for task in tasks {
        applied.push(task.await.unwrap());
    }
    assert_eq!(applied.iter().filter(|a| a.fresh).count(), 1, "{applied:?}");
    assert!(applied.iter().all(|a| a.seq == 1), "{applied:?}");
    assert_eq!(e.topic("T").await.unwrap().unwrap().seq, 1);
}

async fn a_join_replays_within_history_and_epoch_else_snapshots(s: Subject) {
    let e = s.engine.as_ref();
    let first = e.join(join("T", 1, None, None)).await.unwrap();
    assert_eq!(
        (first.seq, first.start),
        (0, Start::Snapshot(Default::default()))
    );
    for n in 1..=5u64 {
        apply(e, "T", None, &format!("k{}", n % 2), json!(n)).await;
    }
    let epoch = first.epoch.clone();
    fn replay(since: u64, epoch: &str) -> Join<'_> {
        join("T", 1, Some(since), Some(epoch))
    }
    let seqs = |start: Start| match start {
        Start::Replay(changes) => Some(changes.iter().map(|c| c.seq).collect::<Vec<_>>()),
        Start::Snapshot(_) => None,
    };
    // History 3 holds seqs 3..=5.
    for (since, expected) in [
        (5, Some(vec![])),
        (3, Some(vec![4, 5])),
        (2, Some(vec![3, 4, 5])),
    ] {
        let joined = e.join(replay(since, &epoch)).await.unwrap();
        assert_eq!((joined.seq, &joined.epoch), (5, &epoch));
        assert_eq!(seqs(joined.start), expected, "since {since}");
    }
    let joined = e.join(replay(4, &epoch)).await.unwrap();
    let Start::Replay(changes) = joined.start else {
        panic!("a replay")
    };
    assert_eq!(
        changes,
        vec![Change {
            seq: 5,
            key: "k1".into(),
            value: json!(5)
        }]
    );
    let no_epoch = e.join(join("T", 1, Some(4), None)).await.unwrap();
    assert_eq!(seqs(no_epoch.start), Some(vec![5]), "no epoch: any epoch");
    for (since, ep) in [(1, epoch.as_str()), (4, "another"), (6, epoch.as_str())] {
        let joined = e.join(replay(since, ep)).await.unwrap();
        let Start::Snapshot(entries) = joined.start else {
            panic!("since {since} of {ep}: a snapshot")
        };
        assert_eq!(json!(entries), json!({"k0": 4, "k1": 5}));
    }
}

async fn the_first_schema_wins(s: Subject) {
    let e = s.engine.as_ref();
    apply(e, "T", None, "a", json!(1)).await; // a publish fixes no schema
    e.join(join("T", 7, None, None)).await.unwrap();
    let refused = e.join(join("T", 8, None, None)).await;
    assert_eq!(refused, Err(EngineError::SchemaMismatch { expected: 7 }));
    e.join(join("T", 7, None, None)).await.unwrap();
    e.join(join("U", 8, None, None)).await.unwrap();
}

async fn sinks_get_every_change_in_order_before_apply_returns(s: Subject) {
    let e = s.engine.clone();
    let sink = Arc::new(Recorder::default());
    e.listen(sink.clone());
    e.join(join("T", 1, None, None)).await.unwrap();
    for n in 1..=3u64 {
        apply(e.as_ref(), "T", None, "k", json!(n)).await;
        // Update before ack: the sink has it when apply returns.
        assert_eq!(sink.seqs("T").last(), Some(&n));
    }
    let writers: Vec<_> = (0..4)
        .map(|w| {
            let e = e.clone();
            tokio::spawn(async move {
                for n in 0..25 {
                    e.apply("T", None, &format!("w{w}"), json!(n), IfAbsent::Create)
                        .await
                        .unwrap();
                }
            })
        })
        .collect();
    for w in writers {
        w.await.unwrap();
    }
    let seqs = sink.wait_for("T", 103).await;
    assert_eq!(seqs, (1..=103).collect::<Vec<_>>());
    let seen = sink.seen.lock().unwrap().clone();
    let mut state = serde_json::Map::new();
    for (_, c) in seen {
        state.insert(c.key, c.value);
    }
    let t = e.topic("T").await.unwrap().unwrap();
    assert_eq!(state, t.entries, "the deliveries rebuild the state");
}

macro_rules! conformance {
    ($engine:ident) => {
        mod $engine {
            use super::*;

            async fn subject(history: usize) -> Subject {
                super::$engine(history)
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn seqs_grow_by_one_per_topic_and_state_follows() {
                super::seqs_grow_by_one_per_topic_and_state_follows(subject(10).await).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn a_repeated_mutation_id_applies_once() {
                super::a_repeated_mutation_id_applies_once(subject(10).await).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn concurrent_applies_of_one_id_apply_once_with_one_seq() {
                let s = subject(10).await;
                super::concurrent_applies_of_one_id_apply_once_with_one_seq(s).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn a_join_replays_within_history_and_epoch_else_snapshots() {
                let s = subject(3).await;
                super::a_join_replays_within_history_and_epoch_else_snapshots(s).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn the_first_schema_wins() {
                super::the_first_schema_wins(subject(10).await).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sinks_get_every_change_in_order_before_apply_returns() {
                let s = subject(200).await;
                super::sinks_get_every_change_in_order_before_apply_returns(s).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn refuse_creates_and_changes_nothing_for_a_missing_topic() {
                let s = subject(10).await;
                lifecycle::refuse_creates_and_changes_nothing_for_a_missing_topic(s).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn a_seed_creates_a_fresh_topic_once_and_delivers_nothing() {
                let s = subject(10).await;
                lifecycle::a_seed_creates_a_fresh_topic_once_and_delivers_nothing(s).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn a_seed_never_clobbers_an_existing_topic() {
                lifecycle::a_seed_never_clobbers_an_existing_topic(subject(10).await).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn nodes_racing_to_seed_one_topic_create_it_once() {
                let s = subject(10).await;
                lifecycle::nodes_racing_to_seed_one_topic_create_it_once(s).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn a_seed_racing_a_write_leaves_one_consistent_topic() {
                let s = subject(10).await;
                lifecycle::a_seed_racing_a_write_leaves_one_consistent_topic(s).await;
            }
        }
    };
}

conformance!(memory);
conformance!(redis);
