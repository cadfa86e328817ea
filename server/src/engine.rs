//! The [`Engine`] trait: where topic state lives.
//!
//! An engine owns each topic's entries, seq, epoch, history ring and schema,
//! and the mutation dedup table. The server owns the sockets: an engine only
//! hands every applied change to the [`Deliver`] sinks it was given, in seq
//! order per topic, and the server fans it out to its local subscribers.
//!
//! The trait is shaped for an engine behind a network round trip (a store
//! such as Redis): every state operation is async, and an implementation
//! must not hold a lock across an `.await`. [`MemoryEngine`](crate::MemoryEngine)
//! is the embedded default.
//!
//! ## Topics that do not exist yet
//!
//! Without a [`load_topic`](crate::SyncServerBuilder::load_topic) hook the
//! server asks [`IfAbsent::Create`]: a join or a write creates a missing
//! topic, empty. With one, it asks [`IfAbsent::Refuse`] first: the same
//! round trip answers [`EngineError::Absent`] for a missing topic (so the
//! hot path costs no extra read), the server loads the topic's entries from
//! the application and creates it with [`Engine::seed`], then asks again.

mod types;

use std::sync::Arc;

use async_trait::async_trait;
use serde_json::{Map, Value};

use crate::events::ServerEvent;

pub use types::{
    Applied, Change, EngineError, IfAbsent, Join, Joined, Readiness, Start, TopicState,
};

/// Receives every change an engine applies, in seq order per topic.
///
/// ```
/// use std::sync::{Arc, Mutex};
/// use leptos_sync_server::{Change, Deliver, Engine, IfAbsent, MemoryEngine};
/// #[derive(Default)]
/// struct Log(Mutex<Vec<u64>>);
/// impl Deliver for Log {
///     fn deliver(&self, _topic: &str, change: &Change) {
///         self.0.lock().unwrap().push(change.seq);
///     }
/// }
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let (engine, log) = (MemoryEngine::new(100), Arc::new(Log::default()));
/// engine.listen(log.clone());
/// engine.apply("T", None, "a", 1.into(), IfAbsent::Create).await.unwrap();
/// engine.apply("T", None, "b", 2.into(), IfAbsent::Create).await.unwrap();
/// assert_eq!(*log.0.lock().unwrap(), [1, 2]);
/// # }
/// ```
pub trait Deliver: Send + Sync + 'static {
    /// Called once per applied change. It must not block or call back into
    /// the engine: an in-process engine may call it under its own lock,
    /// which is what keeps deliveries in seq order.
    ///
    /// ```
    /// # use leptos_sync_server::{Change, Deliver};
    /// struct Print;
    /// impl Deliver for Print {
    ///     fn deliver(&self, topic: &str, change: &Change) { println!("{topic} #{}", change.seq) }
    /// }
    /// ```
    fn deliver(&self, topic: &str, change: &Change);

    /// Called instead of a change when the engine cannot continue `topic`'s
    /// stream from what it delivered (a new epoch after its store lost the
    /// data, a topic that went back, or history trimmed past what was
    /// missed): every holder of the topic must start over from a fresh
    /// [`Engine::join`]. The server's sink makes each subscriber resubscribe
    /// (PROTOCOL.md, "Sequence numbers and recovery") and get a snapshot. The
    /// default does nothing; [`MemoryEngine`](crate::MemoryEngine) never calls it.
    ///
    /// ```
    /// use std::{collections::HashMap, sync::Mutex};
    /// use leptos_sync_server::{Change, Deliver};
    /// #[derive(Default)] // The last seq of each topic.
    /// struct Tops(Mutex<HashMap<String, u64>>);
    /// impl Deliver for Tops {
    ///     fn deliver(&self, topic: &str, change: &Change) {
    ///         self.0.lock().unwrap().insert(topic.to_owned(), change.seq);
    ///     }
    ///     fn resync(&self, topic: &str) {
    ///         self.0.lock().unwrap().remove(topic); // its seqs start over
    ///     }
    /// }
    /// let tops = Tops::default();
    /// tops.deliver("T", &Change { seq: 3, key: "k".into(), value: 1.into() });
    /// tops.resync("T");
    /// assert!(tops.0.lock().unwrap().is_empty());
    /// ```
    fn resync(&self, topic: &str) {
        let _ = topic;
    }

    /// Called with a [`ServerEvent`] a node [broadcast](Engine::broadcast):
    /// the server's sink hands it to its own connections. The default does nothing.
    ///
    /// ```
    /// use std::sync::Mutex;
    /// use leptos_sync_server::{Change, Deliver, EventTarget, ServerEvent};
    /// #[derive(Default)]
    /// struct Names(Mutex<Vec<String>>);
    /// impl Deliver for Names {
    ///     fn deliver(&self, _topic: &str, _change: &Change) {}
    ///     fn event(&self, event: &ServerEvent) {
    ///         self.0.lock().unwrap().push(event.name.clone());
    ///     }
    /// }
    /// let names = Names::default();
    /// names.event(&ServerEvent { to: EventTarget::Everyone, name: "joined".into(), payload: 1.into(), except: None });
    /// assert_eq!(*names.0.lock().unwrap(), ["joined"]);
    /// ```
    fn event(&self, event: &ServerEvent) {
        let _ = event;
    }
}

/// Topic state for a [`SyncServer`](crate::SyncServer).
///
/// ```
/// use leptos_sync_server::{Engine, IfAbsent, Join, MemoryEngine, Start};
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let engine = MemoryEngine::new(100);
/// let applied = engine.apply("Todo", None, "a", "milk".into(), IfAbsent::Create).await.unwrap();
/// assert_eq!(applied.seq, 1);
/// let join = Join { topic: "Todo", schema: 7, since: None, epoch: None, if_absent: IfAbsent::Create };
/// let joined = engine.join(join).await.unwrap();
/// assert!(matches!(joined.start, Start::Snapshot(entries) if entries["a"] == "milk"));
/// # }
/// ```
#[async_trait]
pub trait Engine: Send + Sync + 'static {
    /// Adds a sink that receives every change applied from now on.
    ///
    /// ```
    /// # use std::sync::Arc; use leptos_sync_server::{Change, Deliver, Engine, MemoryEngine};
    /// # struct Print; impl Deliver for Print { fn deliver(&self, _: &str, _: &Change) {} }
    /// let engine = MemoryEngine::new(100);
    /// engine.listen(Arc::new(Print)); // every change applied from now on reaches it
    /// ```
    fn listen(&self, sink: Arc<dyn Deliver>);

    /// Starts a subscription: checks (or fixes) the topic's schema and
    /// answers with a replay of the changes after `since` when they are all
    /// kept and the epoch matches, else a snapshot. A missing topic is
    /// created empty, or with [`IfAbsent::Refuse`] answers
    /// [`EngineError::Absent`] in the same round trip, creating nothing.
    ///
    /// ```
    /// use leptos_sync_server::{Engine, IfAbsent, Join, MemoryEngine, Start};
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let engine = MemoryEngine::new(100);
    /// engine.apply("T", None, "a", 1.into(), IfAbsent::Create).await.unwrap();
    /// let epoch = engine.topic("T").await.unwrap().unwrap().epoch;
    /// engine.apply("T", None, "b", 2.into(), IfAbsent::Create).await.unwrap();
    /// // Resume after seq 1 of this epoch: a replay of seq 2 only.
    /// let join = Join { topic: "T", schema: 1, since: Some(1), epoch: Some(&epoch), if_absent: IfAbsent::Refuse };
    /// assert!(matches!(engine.join(join).await.unwrap().start, Start::Replay(changes) if changes.len() == 1));
    /// # }
    /// ```
    async fn join(&self, join: Join<'_>) -> Result<Joined, EngineError>;

    /// Applies `key = value` (null removes the key) to `topic`, records it in
    /// the history and delivers it to the sinks. A mutation `id` seen before
    /// applies nothing and answers the earlier seq. A missing topic is
    /// created first, or with [`IfAbsent::Refuse`] the answer is
    /// [`EngineError::Absent`] and nothing is applied.
    ///
    /// ```
    /// use leptos_sync_server::{Engine, IfAbsent, MemoryEngine};
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let engine = MemoryEngine::new(100);
    /// let first = engine.apply("T", Some("m-1"), "a", 1.into(), IfAbsent::Create).await.unwrap();
    /// // The same mutation id again (a client re-sent it): applied once, same seq.
    /// let again = engine.apply("T", Some("m-1"), "a", 1.into(), IfAbsent::Create).await.unwrap();
    /// assert_eq!(first.seq, again.seq);
    /// # }
    /// ```
    async fn apply(
        &self,
        topic: &str,
        id: Option<&str>,
        key: &str,
        value: Value,
        if_absent: IfAbsent,
    ) -> Result<Applied, EngineError>;

    /// Creates `topic` holding `entries`, unless it exists: true when this
    /// call created it. The contract, for an engine shared by several
    /// processes too:
    /// - create-if-absent, atomically: of concurrent seeds of one topic
    ///   exactly one creates it, and an existing topic (even one created by a
    ///   write a moment ago) is left exactly as it is;
    /// - a created topic has a fresh epoch and an empty history; its seq is
    ///   0 when `entries` is empty, else 1 (the seed counts as one change that
    ///   is not in the history, so a client resuming from before it gets a
    ///   snapshot);
    /// - nothing is delivered to the sinks: subscribers get the entries in
    ///   their snapshot.
    ///
    /// ```
    /// use leptos_sync_server::{Engine, IfAbsent, Join, MemoryEngine, Start};
    /// use serde_json::{Map, json};
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let engine = MemoryEngine::new(100);
    /// let mut entries = Map::new();
    /// entries.insert("welcome".into(), json!("hello"));
    /// assert!(engine.seed("Chat", entries.clone()).await.unwrap());
    /// assert!(!engine.seed("Chat", Map::new()).await.unwrap()); // seeded once
    /// let join = Join { topic: "Chat", schema: 1, since: None, epoch: None, if_absent: IfAbsent::Refuse };
    /// let joined = engine.join(join).await.unwrap();
    /// assert_eq!((joined.seq, joined.start), (1, Start::Snapshot(entries)));
    /// # }
    /// ```
    async fn seed(&self, topic: &str, entries: Map<String, Value>) -> Result<bool, EngineError>;

    /// The current state of a topic, if it exists.
    ///
    /// ```
    /// use leptos_sync_server::{Engine, IfAbsent, MemoryEngine};
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let engine = MemoryEngine::new(100);
    /// assert!(engine.topic("T").await.unwrap().is_none());
    /// engine.apply("T", None, "a", 1.into(), IfAbsent::Create).await.unwrap();
    /// assert_eq!(engine.topic("T").await.unwrap().map(|t| t.seq), Some(1));
    /// # }
    /// ```
    async fn topic(&self, name: &str) -> Result<Option<TopicState>, EngineError>;

    /// This node has gained subscribers of `topic`. An engine that hands
    /// the sinks only the topics a node follows (one shared by several
    /// processes) starts following it here; it must still follow a topic
    /// on [`join`](Engine::join) before it reads it, so no change falls
    /// between the read and the delivery. The server calls `watch` and
    /// [`unwatch`](Engine::unwatch) outside its locks, strictly alternating
    /// per topic. An error is the next join's to report. The default does
    /// nothing: the in-process engine delivers every topic.
    ///
    /// ```
    /// use leptos_sync_server::{Engine, MemoryEngine};
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let engine = MemoryEngine::new(100);
    /// engine.watch("Todo").await.unwrap();
    /// engine.unwatch("Todo").await;
    /// # }
    /// ```
    async fn watch(&self, topic: &str) -> Result<(), EngineError> {
        let _ = topic;
        Ok(())
    }

    /// This node's last subscriber of `topic` has gone: the engine may stop
    /// following it (see [`watch`](Engine::watch)). The default does nothing.
    ///
    /// ```
    /// use leptos_sync_server::{Engine, MemoryEngine};
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// // The server calls it when this node's last subscriber of a topic leaves;
    /// // one process's memory engine follows every topic anyway.
    /// MemoryEngine::new(100).unwatch("T").await;
    /// # }
    /// ```
    async fn unwatch(&self, topic: &str) {
        let _ = topic;
    }

    /// Where the engine tells whether it can serve, for an engine behind a
    /// network (Redis) that can be away. While it says
    /// [`Readiness::NotReady`] the server closes its connections with 1013
    /// (try again later), refuses new ones the same way and answers 503 on
    /// its [health route](crate::SyncServer::health_router); when it says
    /// [`Readiness::Ready`] again, everything is back by itself. None (the
    /// default, and the in-process engine's): always ready.
    ///
    /// ```
    /// use leptos_sync_server::{Engine, MemoryEngine};
    /// assert!(MemoryEngine::new(100).readiness().is_none());
    /// ```
    fn readiness(&self) -> Option<tokio::sync::watch::Receiver<Readiness>> {
        None
    }

    /// Hands a [`ServerEvent`] for a topic's subscribers, a principal or
    /// everyone to the sinks of **every** node sharing this engine, this one
    /// included, in [`Deliver::event`]. Events are fire-and-forget: a node
    /// that is away misses them. The default answers
    /// [`EngineError::Unavailable`]: an engine must say how its nodes hear
    /// each other ([`MemoryEngine`](crate::MemoryEngine) calls its own sinks).
    ///
    /// ```
    /// use std::sync::{Arc, Mutex};
    /// use leptos_sync_server::{Change, Deliver, Engine, EventTarget, MemoryEngine, ServerEvent};
    /// #[derive(Default)]
    /// struct Names(Mutex<Vec<String>>);
    /// impl Deliver for Names {
    ///     fn deliver(&self, _: &str, _: &Change) {}
    ///     fn event(&self, event: &ServerEvent) { self.0.lock().unwrap().push(event.name.clone()) }
    /// }
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let (engine, names) = (MemoryEngine::new(100), Arc::new(Names::default()));
    /// engine.listen(names.clone());
    /// let event = ServerEvent { to: EventTarget::Topic("Chat:42".into()), name: "typing".into(), payload: "ana".into(), except: None };
    /// engine.broadcast(&event).await.unwrap();
    /// assert_eq!(*names.0.lock().unwrap(), ["typing"]);
    /// # }
    /// ```
    async fn broadcast(&self, event: &ServerEvent) -> Result<(), EngineError> {
        let _ = event;
        Err(EngineError::Unavailable(
            "this engine does not relay server events".into(),
        ))
    }
    /// Claims request `key` (a principal and a request id) for a run on
    /// this node, for an engine shared by several nodes: a client's replay
    /// may land on another node than its first frame, and must not run
    /// again. [`Run`](RequestClaim::Run): this node runs it, then calls
    /// [`finish_request`](Engine::finish_request); the claim lapses after
    /// `running_ms`, so a node that dies mid-run does not block the id for
    /// longer. [`Running`](RequestClaim::Running): another node runs it,
    /// ask again later. [`Done`](RequestClaim::Done): its outcome, as
    /// `finish_request` stored it. The default,
    /// [`Unshared`](RequestClaim::Unshared), keeps nothing: each process's own
    /// cache is the only guard, as with the in-process engine.
    ///
    /// ```
    /// use leptos_sync_server::{Engine, MemoryEngine, RequestClaim};
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let engine = MemoryEngine::new(100);
    /// assert_eq!(engine.claim_request("alice:r1", 30_000).await.unwrap(), RequestClaim::Unshared);
    /// # }
    /// ```
    async fn claim_request(&self, key: &str, running_ms: u64) -> Result<RequestClaim, EngineError> {
        let _ = (key, running_ms);
        Ok(RequestClaim::Unshared)
    }

    /// Stores the outcome of request `key` claimed with
    /// [`claim_request`](Engine::claim_request), for `keep_ms`. The default does nothing.
    ///
    /// ```
    /// use leptos_sync_server::{Engine, MemoryEngine};
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let outcome = serde_json::json!({ "result": 3 });
    /// MemoryEngine::new(100).finish_request("alice:r1", &outcome, 300_000).await.unwrap();
    /// # }
    /// ```
    async fn finish_request(
        &self,
        key: &str,
        outcome: &Value,
        keep_ms: u64,
    ) -> Result<(), EngineError> {
        let _ = (key, outcome, keep_ms);
        Ok(())
    }
}

/// What [`Engine::claim_request`] found.
///
/// ```
/// use leptos_sync_server::RequestClaim;
/// let done = RequestClaim::Done(serde_json::json!({ "result": 1 }));
/// assert_ne!(done, RequestClaim::Run);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub enum RequestClaim {
    /// The engine shares no requests between nodes.
    Unshared,
    /// This node runs the request.
    Run,
    /// Another node runs it now.
    Running,
    /// It ran: its stored outcome, `{"result": …}` or `{"error": {"code", "message"}}`.
    Done(Value),
}
