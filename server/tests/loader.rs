//! The `load_topic` hook: a topic that does not exist yet is seeded from the
//! application once, against real servers on 127.0.0.1.

mod redis_support;
mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use async_trait::async_trait;
use leptos_sync_protocol::{ServerMsg, error_code};
use leptos_sync_server::{
    Applied, Deliver, Engine, EngineError, IfAbsent, Join, Joined, Server, SyncServer,
    SyncServerBuilder, TopicState,
};
use redis_support::{Node, TestEngine};
use serde_json::{Map, Value, json};
use support::{Client, within};
use tokio::sync::watch;

/// A node's engine on the test's storage, counting (with every node made
/// from it) the seeds and the seeds that created a topic.
#[derive(Clone)]
struct Shared {
    inner: Node,
    seeds: Arc<AtomicUsize>,
    created: Arc<AtomicUsize>,
}

impl Shared {
    fn new(engine: &TestEngine) -> Self {
        Self {
            inner: engine.engine(),
            seeds: Arc::default(),
            created: Arc::default(),
        }
    }

    /// Another node, counted with this one.
    fn node(&self, engine: &TestEngine) -> Self {
        Self {
            inner: engine.engine(),
            ..self.clone()
        }
    }
}

#[async_trait]
impl Engine for Shared {
    fn listen(&self, sink: Arc<dyn Deliver>) {
        self.inner.listen(sink);
    }

    async fn join(&self, join: Join<'_>) -> Result<Joined, EngineError> {
        self.inner.join(join).await
    }

    async fn apply(
        &self,
        topic: &str,
        id: Option<&str>,
        key: &str,
        value: Value,
        if_absent: IfAbsent,
    ) -> Result<Applied, EngineError> {
        self.inner.apply(topic, id, key, value, if_absent).await
    }

    async fn seed(&self, topic: &str, entries: Map<String, Value>) -> Result<bool, EngineError> {
        self.seeds.fetch_add(1, Ordering::SeqCst);
        let created = self.inner.seed(topic, entries).await?;
        if created {
            self.created.fetch_add(1, Ordering::SeqCst);
        }
        Ok(created)
    }

    async fn topic(&self, name: &str) -> Result<Option<TopicState>, EngineError> {
        self.inner.topic(name).await
    }

    async fn watch(&self, topic: &str) -> Result<(), EngineError> {
        self.inner.watch(topic).await
    }

    async fn unwatch(&self, topic: &str) {
        self.inner.unwatch(topic).await;
    }
}

fn entries(v: Value) -> Map<String, Value> {
    match v {
        Value::Object(map) => map,
        other => panic!("not an object: {other}"),
    }
}

/// A loader that counts its calls in `calls`, waits until `go` holds at
/// least `after`, and answers `value`.
fn loader(
    builder: SyncServerBuilder,
    calls: watch::Sender<usize>,
    go: watch::Receiver<usize>,
    after: usize,
    value: Value,
) -> SyncServerBuilder {
    builder.load_topic(move |_topic| {
        calls.send_modify(|n| *n += 1);
        let (mut go, value) = (go.clone(), value.clone());
        async move {
            let _ = go.wait_for(|&n| n >= after).await;
            Ok(entries(value))
        }
    })
}

async fn serve(builder: SyncServerBuilder) -> Server {
    builder.build().serve("127.0.0.1:0").await.unwrap()
}

fn subscribe(sub: u64, topic: &str, since: Option<u64>, epoch: Option<&str>) -> Value {
    json!({"type": "subscribe", "sub": sub, "topic": topic, "schema": 1, "since": since, "epoch": epoch})
}

/// The start of a subscription: (seq, epoch, recovered), then its snapshot's
/// entries or, for a replay, the keys of its updates.
async fn start(c: &mut Client) -> ((u64, String, bool), Value) {
    let (seq, epoch, recovered) = match c.recv().await {
        ServerMsg::Subscribed {
            seq,
            epoch,
            recovered,
            ..
        } => (seq, epoch.expect("an epoch"), recovered),
        other => panic!("expected subscribed, got {other:?}"),
    };
    if recovered {
        let mut keys = Vec::new();
        let mut at = 0;
        while at < seq {
            match c.recv().await {
                ServerMsg::Update { seq, key, .. } => (at, _) = (seq, keys.push(key)),
                other => panic!("expected a replayed update, got {other:?}"),
            }
        }
        return ((seq, epoch, recovered), json!(keys));
    }
    match c.recv().await {
        ServerMsg::Snapshot { entries, .. } => ((seq, epoch, recovered), Value::Object(entries)),
        other => panic!("expected the snapshot, got {other:?}"),
    }
}

async fn concurrent_subscribers_load_and_seed_once(engine: TestEngine) {
    // The loader answers once both subscribers are past authorization, so
    // the second surely arrives while the first loads.
    let (arrived, arrivals) = watch::channel(0);
    let (calls, _) = watch::channel(0);
    let shared = Shared::new(&engine);
    let builder = SyncServer::builder()
        .engine(shared.clone())
        .authorize(move |_, _| {
            arrived.send_modify(|n| *n += 1);
            Ok(())
        });
    let builder = loader(builder, calls.clone(), arrivals, 2, json!({"a": 1}));
    let server = serve(builder).await;
    let (mut a, _) = Client::welcomed(server.local_addr(), "a").await;
    let (mut b, _) = Client::welcomed(server.local_addr(), "b").await;
    a.send(subscribe(1, "T", None, None)).await;
    b.send(subscribe(1, "T", None, None)).await;
    let (a_start, a_entries) = start(&mut a).await;
    let (b_start, b_entries) = start(&mut b).await;
    assert_eq!((a_start.0, a_start.2), (1, false));
    assert_eq!(a_start, b_start, "one topic, one epoch");
    assert_eq!((a_entries, b_entries), (json!({"a": 1}), json!({"a": 1})));
    assert_eq!(*calls.borrow(), 1, "loaded once");
    let seeds = (
        shared.seeds.load(Ordering::SeqCst),
        shared.created.load(Ordering::SeqCst),
    );
    assert_eq!(seeds, (1, 1), "seeded once");
    a.assert_quiet_and_open(1).await;
}

async fn two_nodes_loading_at_once_seed_once_and_agree(engine: TestEngine) {
    // Each node's loader answers only once both have been called.
    let shared = Shared::new(&engine);
    let (calls, started) = watch::channel(0);
    let one = loader(
        SyncServer::builder().engine(shared.clone()),
        calls.clone(),
        started.clone(),
        2,
        json!({"from": "one"}),
    );
    let two = loader(
        SyncServer::builder().engine(shared.node(&engine)),
        calls.clone(),
        started,
        2,
        json!({"from": "two"}),
    );
    let (one, two) = (serve(one).await, serve(two).await);
    let (mut a, _) = Client::welcomed(one.local_addr(), "a").await;
    let (mut b, _) = Client::welcomed(two.local_addr(), "b").await;
    a.send(subscribe(1, "T", None, None)).await;
    b.send(subscribe(1, "T", None, None)).await;
    let (a_start, a_entries) = start(&mut a).await;
    let (b_start, b_entries) = start(&mut b).await;
    assert_eq!(*calls.borrow(), 2, "each node loaded");
    let seeds = (
        shared.seeds.load(Ordering::SeqCst),
        shared.created.load(Ordering::SeqCst),
    );
    assert_eq!(seeds, (2, 1), "one seed won");
    assert_eq!((a_start, &a_entries), (b_start, &b_entries));
    assert!(a_entries == json!({"from": "one"}) || a_entries == json!({"from": "two"}));
}

async fn a_change_published_while_loading_is_applied_after_the_seed(engine: TestEngine) {
    let (calls, mut loading) = watch::channel(0);
    let (release, go) = watch::channel(0);
    let one = loader(engine.builder(), calls, go, 1, json!({"a": "loaded"}));
    let server = serve(one).await;
    let sync = server.sync().clone();
    let (mut c, _) = Client::welcomed(server.local_addr(), "c").await;
    c.send(subscribe(1, "T", None, None)).await;
    let _ = within("the load", loading.wait_for(|&n| n == 1)).await;
    // On this node the publish waits for the load, then applies on top.
    let (published, ()) = tokio::join!(sync.publish("T", "x", json!(1)), async {
        release.send_replace(1);
    });
    assert_eq!(published, Ok(2));
    // The subscription starts from the seed and gets the change live, or
    // (when the engine's join round trip comes after the apply) from both.
    let (start_1, entries_1) = start(&mut c).await;
    if start_1.0 == 1 {
        assert_eq!((start_1.2, entries_1), (false, json!({"a": "loaded"})));
        let update = ServerMsg::Update {
            sub: 1,
            seq: 2,
            key: "x".into(),
            value: json!(1),
        };
        assert_eq!(c.recv().await, update);
    } else {
        let both = json!({"a": "loaded", "x": 1});
        assert_eq!(((start_1.0, start_1.2), entries_1), ((2, false), both));
    }
    c.assert_quiet_and_open(1).await;

    // On another node (which loads without waiting), a change made while
    // this node loads is kept: the later seed changes nothing.
    let (release, go) = watch::channel(0);
    let (calls, mut loading) = watch::channel(0);
    let slow = loader(engine.builder(), calls, go, 1, json!({"b": "old"}));
    let (slow_calls, _) = watch::channel(0);
    let (_, ready) = watch::channel(1);
    let fast = loader(engine.builder(), slow_calls, ready, 1, json!({"b": "old"}));
    let (slow, fast) = (serve(slow).await, serve(fast).await);
    let (mut d, _) = Client::welcomed(slow.local_addr(), "d").await;
    d.send(subscribe(1, "U", None, None)).await;
    let _ = within("the load", loading.wait_for(|&n| n == 1)).await;
    // The fast node seeds "old" (seq 1) and applies "new" (seq 2).
    assert_eq!(fast.sync().publish("U", "b", json!("new")).await, Ok(2));
    release.send_replace(1);
    let (start_d, entries_d) = start(&mut d).await;
    assert_eq!(
        ((start_d.0, start_d.2), entries_d),
        ((2, false), json!({"b": "new"}))
    );
    d.assert_quiet_and_open(1).await;
}

async fn a_failed_load_answers_unavailable_creates_nothing_and_the_connection_stays(
    engine: TestEngine,
) {
    // The first load of each topic fails, the next succeeds.
    let failures = Arc::new(std::sync::Mutex::new(std::collections::HashSet::new()));
    let (released, mut releases) = watch::channel(0);
    let builder = engine
        .builder()
        .on_first_subscribe(|_| async {})
        .on_last_unsubscribe(move |_| {
            released.send_modify(|n| *n += 1);
            async {}
        });
    let server = serve(builder.load_topic(move |topic| {
        let first = failures.lock().unwrap().insert(topic.clone());
        async move {
            match first {
                true => Err(format!("{topic}: database unreachable")),
                false => Ok(entries(json!({"seeded": true}))),
            }
        }
    }))
    .await;
    let sync = server.sync();
    let (mut c, _) = Client::welcomed(server.local_addr(), "c").await;
    c.send(subscribe(1, "T", None, None)).await;
    match c.recv().await {
        ServerMsg::Error {
            code, message, sub, ..
        } => {
            assert_eq!((code.as_str(), sub), (error_code::UNAVAILABLE, Some(1)));
            assert!(message.contains("T: database unreachable"), "{message}");
        }
        other => panic!("expected unavailable, got {other:?}"),
    }
    // The failed subscription was the topic's only one here: it is released.
    let _ = within("the release", releases.wait_for(|&n| n == 1)).await;
    c.send(json!({"type": "mutate", "id": "m1", "topic": "M", "key": "k", "value": 1}))
        .await;
    match c.recv().await {
        ServerMsg::Error { code, id, .. } => {
            assert_eq!(
                (code.as_str(), id.as_deref()),
                (error_code::UNAVAILABLE, Some("m1"))
            );
        }
        other => panic!("expected unavailable, got {other:?}"),
    }
    let published = sync.publish("P", "k", json!(1)).await;
    assert!(
        matches!(published, Err(EngineError::Unavailable(_))),
        "{published:?}"
    );
    for topic in ["T", "M", "P"] {
        assert_eq!(sync.topic(topic).await, Ok(None), "{topic} was not created");
    }
    c.assert_quiet_and_open(1).await;

    // Each retry loads again, and works.
    c.send(subscribe(1, "T", None, None)).await;
    let (start_t, entries_t) = start(&mut c).await;
    assert_eq!(
        ((start_t.0, start_t.2), entries_t),
        ((1, false), json!({"seeded": true}))
    );
    c.send(json!({"type": "mutate", "id": "m1", "topic": "M", "key": "k", "value": 1}))
        .await;
    assert_eq!(
        c.recv().await,
        ServerMsg::Ack {
            id: "m1".into(),
            seq: 2
        }
    );
    assert_eq!(sync.publish("P", "k", json!(1)).await, Ok(2));
}

#[tokio::test]
async fn a_subscription_resumes_across_a_seed_by_seq_and_epoch() {
    let seed = || SyncServer::builder().load_topic(|_| async { Ok(entries(json!({"a": 1}))) });
    let server = serve(seed()).await;
    let addr = server.local_addr();
    let (mut c, _) = Client::welcomed(addr, "c").await;
    c.send(subscribe(1, "T", None, None)).await;
    let ((seq, epoch, recovered), got) = start(&mut c).await;
    assert_eq!((seq, recovered, got), (1, false, json!({"a": 1})));
    assert_eq!(server.sync().publish("T", "b", json!(2)).await, Ok(2));

    // From the seed's seq: a replay of what came after it.
    let (mut r, _) = Client::welcomed(addr, "r").await;
    r.send(subscribe(1, "T", Some(1), Some(&epoch))).await;
    let (resumed, keys) = start(&mut r).await;
    assert_eq!((resumed, keys), ((2, epoch.clone(), true), json!(["b"])));
    // From before the seed, which no history holds: a snapshot with it.
    r.send(subscribe(2, "T", Some(0), Some(&epoch))).await;
    let (resumed, got) = start(&mut r).await;
    assert_eq!(
        (resumed, got),
        ((2, epoch.clone(), false), json!({"a": 1, "b": 2}))
    );

    // A fresh process loads the topic again, under a new epoch: the old
    // history cannot be resumed, so the client gets the seeded snapshot.
    let restarted = serve(seed()).await;
    let (mut n, _) = Client::welcomed(restarted.local_addr(), "n").await;
    n.send(subscribe(1, "T", Some(2), Some(&epoch))).await;
    let ((seq, new_epoch, recovered), got) = start(&mut n).await;
    assert_eq!((seq, recovered, got), (1, false, json!({"a": 1})));
    assert_ne!(new_epoch, epoch);
}

on_both_engines!(
    concurrent_subscribers_load_and_seed_once,
    two_nodes_loading_at_once_seed_once_and_agree,
    a_change_published_while_loading_is_applied_after_the_seed,
    a_failed_load_answers_unavailable_creates_nothing_and_the_connection_stays,
);
