//! The server as an application uses it: built, mounted in the app's own
//! axum `Router` or served on its own, publishing from app code, and over
//! an engine of the app's choosing.

mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use async_trait::async_trait;
use axum::Router;
use axum::routing::get;
use leptos_sync_protocol::{ServerMsg, error_code};
use leptos_sync_server::{
    Applied, Deliver, Engine, EngineError, IfAbsent, Join, Joined, MemoryEngine, SyncServer,
    TopicState,
};
use serde_json::{Map, Value, json};
use support::Client;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

fn subscribe(sub: u64, topic: &str, since: Option<u64>) -> Value {
    json!({"type": "subscribe", "sub": sub, "topic": topic, "schema": 1, "since": since})
}

/// Subscribes fresh and consumes `subscribed` and the snapshot; returns the snapshot's entries.
async fn subscribe_fresh(c: &mut Client, sub: u64, topic: &str) -> serde_json::Map<String, Value> {
    c.send(subscribe(sub, topic, None)).await;
    assert!(matches!(c.recv().await, ServerMsg::Subscribed { sub: s, .. } if s == sub));
    match c.recv().await {
        ServerMsg::Snapshot { entries, .. } => entries,
        other => panic!("expected snapshot, got {other:?}"),
    }
}

#[tokio::test]
async fn the_router_mounts_in_an_app_router_beside_its_own_routes() {
    let sync = SyncServer::builder().heartbeat_ms(1234).build();
    let app = Router::new()
        .route("/health", get(|| async { "ok" }))
        .merge(sync.router());
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let serving = tokio::spawn(async move { axum::serve(listener, app).await });

    let mut tcp = TcpStream::connect(addr).await.unwrap();
    let request = format!("GET /health HTTP/1.1\r\nhost: {addr}\r\nconnection: close\r\n\r\n");
    tcp.write_all(request.as_bytes()).await.unwrap();
    let mut reply = String::new();
    tcp.read_to_string(&mut reply).await.unwrap();
    assert!(
        reply.starts_with("HTTP/1.1 200") && reply.ends_with("ok"),
        "{reply}"
    );

    let mut c = Client::connect(addr, "app").await;
    c.send(json!({"type": "hello", "protocol": 1, "token": null}))
        .await;
    match c.recv().await {
        ServerMsg::Welcome { heartbeat_ms, .. } => assert_eq!(heartbeat_ms, Some(1234)),
        other => panic!("expected welcome, got {other:?}"),
    }
    assert!(subscribe_fresh(&mut c, 1, "Ticker").await.is_empty());
    let seq = sync.publish("Ticker", "ACME", json!(101.5)).await.unwrap();
    assert_eq!(
        c.recv().await,
        ServerMsg::Update {
            sub: 1,
            seq,
            key: "ACME".into(),
            value: json!(101.5)
        }
    );
    serving.abort();
}

#[tokio::test]
async fn app_publish_and_remove_reach_subscribers_history_and_snapshots() {
    let server = SyncServer::builder()
        .build()
        .serve("127.0.0.1:0")
        .await
        .unwrap();
    let (sync, addr) = (server.sync().clone(), server.local_addr());
    let (mut live, _) = Client::welcomed(addr, "live").await;
    subscribe_fresh(&mut live, 1, "T").await;

    // From another task, as an HTTP handler or a background job would.
    let publisher = sync.clone();
    let seqs = tokio::spawn(async move {
        let a = publisher.publish("T", "a", json!(1)).await.unwrap();
        let b = publisher.publish("T", "b", json!(2)).await.unwrap();
        let gone = publisher.remove("T", "a").await.unwrap();
        [a, b, gone]
    })
    .await
    .unwrap();
    assert_eq!(seqs, [1, 2, 3]);
    let expected = [("a", json!(1)), ("b", json!(2)), ("a", Value::Null)];
    for (seq, (key, value)) in seqs.iter().zip(expected) {
        let update = ServerMsg::Update {
            sub: 1,
            seq: *seq,
            key: key.into(),
            value,
        };
        assert_eq!(live.recv().await, update);
    }

    // History covers it: a client that saw seq 1 gets exactly 2 and 3.
    let (mut late, _) = Client::welcomed(addr, "late").await;
    late.send(subscribe(1, "T", Some(1))).await;
    assert!(matches!(
        late.recv().await,
        ServerMsg::Subscribed {
            seq: 3,
            recovered: true,
            ..
        }
    ));
    assert!(matches!(
        late.recv().await,
        ServerMsg::Update { seq: 2, .. }
    ));
    assert!(matches!(
        late.recv().await,
        ServerMsg::Update {
            seq: 3,
            value: Value::Null,
            ..
        }
    ));
    late.assert_quiet_and_open(1).await;
    // And a fresh snapshot holds only what is left.
    let (mut fresh, _) = Client::welcomed(addr, "fresh").await;
    assert_eq!(
        Value::Object(subscribe_fresh(&mut fresh, 1, "T").await),
        json!({"b": 2})
    );
}

/// An engine that delegates to memory until switched off, as a networked
/// store that becomes unreachable.
struct Flaky {
    memory: MemoryEngine,
    down: Arc<AtomicBool>,
}

impl Flaky {
    fn check(&self) -> Result<(), EngineError> {
        if self.down.load(Ordering::SeqCst) {
            return Err(EngineError::Unavailable("store unreachable".into()));
        }
        Ok(())
    }
}

#[async_trait]
impl Engine for Flaky {
    fn listen(&self, sink: Arc<dyn Deliver>) {
        self.memory.listen(sink);
    }

    async fn join(&self, join: Join<'_>) -> Result<Joined, EngineError> {
        self.check()?;
        self.memory.join(join).await
    }

    async fn apply(
        &self,
        topic: &str,
        id: Option<&str>,
        key: &str,
        value: Value,
        if_absent: IfAbsent,
    ) -> Result<Applied, EngineError> {
        self.check()?;
        self.memory.apply(topic, id, key, value, if_absent).await
    }

    async fn seed(&self, topic: &str, entries: Map<String, Value>) -> Result<bool, EngineError> {
        self.check()?;
        self.memory.seed(topic, entries).await
    }

    async fn topic(&self, name: &str) -> Result<Option<TopicState>, EngineError> {
        self.check()?;
        self.memory.topic(name).await
    }
}

#[tokio::test]
async fn an_engine_failure_is_a_typed_error_and_the_connection_stays() {
    let down = Arc::new(AtomicBool::new(false));
    let engine = Flaky {
        memory: MemoryEngine::new(10),
        down: down.clone(),
    };
    let sync = SyncServer::builder().engine(engine).build();
    let server = sync.clone().serve("127.0.0.1:0").await.unwrap();
    let (mut c, _) = Client::welcomed(server.local_addr(), "c").await;
    subscribe_fresh(&mut c, 1, "T").await;
    sync.publish("T", "k", json!(1)).await.unwrap();
    assert!(matches!(c.recv().await, ServerMsg::Update { seq: 1, .. }));

    down.store(true, Ordering::SeqCst);
    c.send(subscribe(2, "U", None)).await;
    assert_eq!(
        c.recv_error().await,
        (error_code::UNAVAILABLE.into(), Some(2))
    );
    c.send(json!({"type": "mutate", "id": "m1", "topic": "T", "key": "k", "value": 2}))
        .await;
    match c.recv().await {
        ServerMsg::Error { code, id, .. } => {
            assert_eq!(
                (code.as_str(), id.as_deref()),
                (error_code::UNAVAILABLE, Some("m1"))
            );
        }
        other => panic!("expected error, got {other:?}"),
    }
    assert!(sync.publish("T", "k", json!(3)).await.is_err());
    c.assert_quiet_and_open(7).await;

    // Back up: the mutation is retried and applied once.
    down.store(false, Ordering::SeqCst);
    c.send(json!({"type": "mutate", "id": "m1", "topic": "T", "key": "k", "value": 2}))
        .await;
    assert!(matches!(c.recv().await, ServerMsg::Update { seq: 2, .. }));
    assert_eq!(
        c.recv().await,
        ServerMsg::Ack {
            id: "m1".into(),
            seq: 2
        }
    );
}

/// An engine whose `join` round trip races other writers: one change lands
/// before the engine reads the topic, one after, both while the client waits.
struct Racy {
    memory: MemoryEngine,
}

#[async_trait]
impl Engine for Racy {
    fn listen(&self, sink: Arc<dyn Deliver>) {
        self.memory.listen(sink);
    }

    async fn join(&self, join: Join<'_>) -> Result<Joined, EngineError> {
        let before = self
            .memory
            .apply(join.topic, None, "before", json!(1), IfAbsent::Create);
        before.await?;
        let joined = self.memory.join(join).await?;
        let after = self
            .memory
            .apply(join.topic, None, "after", json!(2), IfAbsent::Create);
        after.await?;
        Ok(joined)
    }

    async fn apply(
        &self,
        topic: &str,
        id: Option<&str>,
        key: &str,
        value: Value,
        if_absent: IfAbsent,
    ) -> Result<Applied, EngineError> {
        self.memory.apply(topic, id, key, value, if_absent).await
    }

    async fn seed(&self, topic: &str, entries: Map<String, Value>) -> Result<bool, EngineError> {
        self.memory.seed(topic, entries).await
    }

    async fn topic(&self, name: &str) -> Result<Option<TopicState>, EngineError> {
        self.memory.topic(name).await
    }
}

#[tokio::test]
async fn changes_racing_a_subscription_arrive_once_and_after_its_start() {
    let engine = Racy {
        memory: MemoryEngine::new(10),
    };
    let server = SyncServer::builder()
        .engine(engine)
        .build()
        .serve("127.0.0.1:0")
        .await
        .unwrap();
    let (mut c, _) = Client::welcomed(server.local_addr(), "c").await;
    c.send(subscribe(1, "T", None)).await;
    // "before" (seq 1) is in the snapshot and must not come again as an
    // update; "after" (seq 2) must come once, after the snapshot.
    assert!(matches!(
        c.recv().await,
        ServerMsg::Subscribed { seq: 1, .. }
    ));
    match c.recv().await {
        ServerMsg::Snapshot { seq, entries, .. } => {
            assert_eq!((seq, Value::Object(entries)), (1, json!({"before": 1})));
        }
        other => panic!("expected the snapshot, got {other:?}"),
    }
    let after = ServerMsg::Update {
        sub: 1,
        seq: 2,
        key: "after".into(),
        value: json!(2),
    };
    assert_eq!(c.recv().await, after);
    c.assert_quiet_and_open(1).await;
}
