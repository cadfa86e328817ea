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

use std::sync::Arc;

use async_trait::async_trait;
use serde_json::{Map, Value};

/// One applied change of a topic: `value` null means the key was removed.
#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    /// The topic's seq after this change.
    pub seq: u64,
    /// The key it set or removed.
    pub key: String,
    /// The new value, or null for a removal.
    pub value: Value,
}

/// What a subscription asks of a topic.
#[derive(Debug, Clone, Copy)]
pub struct Join<'a> {
    /// The topic.
    pub topic: &'a str,
    /// The client's schema hash; the first subscription fixes the topic's.
    pub schema: u32,
    /// The last seq the client applied, to resume from.
    pub since: Option<u64>,
    /// The epoch `since` belongs to.
    pub epoch: Option<&'a str>,
}

/// How a subscription starts.
#[derive(Debug, Clone, PartialEq)]
pub enum Start {
    /// Every change after the client's `since`, in order: it missed only these.
    Replay(Vec<Change>),
    /// The whole current state: `since` was absent, too old, or of another epoch.
    Snapshot(Map<String, Value>),
}

/// A topic's answer to a [`Join`].
#[derive(Debug, Clone, PartialEq)]
pub struct Joined {
    /// The topic's seq the start is consistent with.
    pub seq: u64,
    /// The topic's epoch (the incarnation of its history).
    pub epoch: String,
    /// Replay or snapshot.
    pub start: Start,
}

/// What [`Engine::apply`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Applied {
    /// The seq the change produced, or produced before for a repeated id.
    pub seq: u64,
    /// False when the mutation id was seen before and nothing was applied.
    pub fresh: bool,
}

/// A topic's current state, as [`Engine::topic`] reads it.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct TopicState {
    /// Its seq.
    pub seq: u64,
    /// Its epoch.
    pub epoch: String,
    /// Its entries.
    pub entries: Map<String, Value>,
}

/// Why an engine operation failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EngineError {
    /// The topic holds another schema than the subscription's.
    #[error("the topic has schema {expected}")]
    SchemaMismatch {
        /// The schema hash the topic was first seen with.
        expected: u32,
    },
    /// The engine could not be reached or failed; the operation may be retried.
    #[error("topic store unavailable: {0}")]
    Unavailable(String),
}

/// Receives every change an engine applies, in seq order per topic.
pub trait Deliver: Send + Sync + 'static {
    /// Called once per applied change. It must not block or call back into
    /// the engine: an in-process engine may call it under its own lock,
    /// which is what keeps deliveries in seq order.
    fn deliver(&self, topic: &str, change: &Change);
}

/// Topic state for a [`SyncServer`](crate::SyncServer).
///
/// ```
/// use leptos_sync_server::{Engine, Join, MemoryEngine, Start};
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let engine = MemoryEngine::new(100);
/// let applied = engine.apply("Todo", None, "a", "milk".into()).await.unwrap();
/// assert_eq!(applied.seq, 1);
/// let join = Join { topic: "Todo", schema: 7, since: None, epoch: None };
/// let joined = engine.join(join).await.unwrap();
/// assert!(matches!(joined.start, Start::Snapshot(entries) if entries["a"] == "milk"));
/// # }
/// ```
#[async_trait]
pub trait Engine: Send + Sync + 'static {
    /// Adds a sink that receives every change applied from now on.
    fn listen(&self, sink: Arc<dyn Deliver>);

    /// Starts a subscription: checks (or fixes) the topic's schema, creating
    /// the topic if needed, and answers with a replay of the changes after
    /// `since` when they are all kept and the epoch matches, else a snapshot.
    async fn join(&self, join: Join<'_>) -> Result<Joined, EngineError>;

    /// Applies `key = value` (null removes the key) to `topic`, creating it
    /// if needed, records it in the history and delivers it to the sinks. A
    /// mutation `id` seen before applies nothing and answers the earlier seq.
    async fn apply(
        &self,
        topic: &str,
        id: Option<&str>,
        key: &str,
        value: Value,
    ) -> Result<Applied, EngineError>;

    /// The current state of a topic, if it exists.
    async fn topic(&self, name: &str) -> Result<Option<TopicState>, EngineError>;
}
