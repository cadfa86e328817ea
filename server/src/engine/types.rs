//! The values an [`Engine`](super::Engine) takes and returns.

use serde_json::{Map, Value};

/// One applied change of a topic: `value` null means the key was removed.
///
/// ```
/// use leptos_sync_server::Change;
/// let removal = Change { seq: 7, key: "a".into(), value: serde_json::Value::Null };
/// assert!(removal.value.is_null());
/// ```
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
///
/// ```
/// use leptos_sync_server::{Engine, IfAbsent, Join, MemoryEngine, Start};
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let engine = MemoryEngine::new(100);
/// let fresh = Join { topic: "Todo", schema: 7, since: None, epoch: None, if_absent: IfAbsent::Create };
/// let joined = engine.join(fresh).await.unwrap();
/// assert_eq!(joined.start, Start::Snapshot(Default::default()));
/// # }
/// ```
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
    /// What to do when the topic does not exist.
    pub if_absent: IfAbsent,
}

/// What a [`join`](super::Engine::join) or an [`apply`](super::Engine::apply) does when its
/// topic does not exist.
///
/// ```
/// use leptos_sync_server::{Engine, EngineError, IfAbsent, MemoryEngine};
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let engine = MemoryEngine::new(100);
/// let refused = engine.apply("Todo", None, "a", "milk".into(), IfAbsent::Refuse).await;
/// assert_eq!(refused, Err(EngineError::Absent));
/// let created = engine.apply("Todo", None, "a", "milk".into(), IfAbsent::Create).await;
/// assert_eq!(created.unwrap().seq, 1);
/// # }
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IfAbsent {
    /// Create it, empty, and go on.
    Create,
    /// Create nothing, change nothing, and answer [`EngineError::Absent`]
    /// (the server then seeds it from the application's loader).
    Refuse,
}

/// How a subscription starts.
///
/// ```
/// use leptos_sync_server::{Engine, IfAbsent, Join, MemoryEngine, Start};
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let engine = MemoryEngine::new(100);
/// let first = Join { topic: "T", schema: 1, since: None, epoch: None, if_absent: IfAbsent::Create };
/// let epoch = engine.join(first).await.unwrap().epoch;
/// engine.apply("T", None, "a", 1.into(), IfAbsent::Create).await.unwrap();
/// // Resuming from seq 0 of the same epoch replays the one change it missed.
/// let resume = Join { since: Some(0), epoch: Some(&epoch), ..first };
/// let Start::Replay(missed) = engine.join(resume).await.unwrap().start else { panic!() };
/// assert_eq!((missed.len(), missed[0].seq), (1, 1));
/// # }
/// ```
#[derive(Debug, Clone, PartialEq)]
pub enum Start {
    /// Every change after the client's `since`, in order: it missed only these.
    Replay(Vec<Change>),
    /// The whole current state: `since` was absent, too old, or of another epoch.
    Snapshot(Map<String, Value>),
}

/// A topic's answer to a [`Join`].
///
/// ```
/// use leptos_sync_server::{Engine, IfAbsent, Join, MemoryEngine};
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let engine = MemoryEngine::new(100);
/// engine.apply("T", None, "a", 1.into(), IfAbsent::Create).await.unwrap();
/// let join = Join { topic: "T", schema: 1, since: None, epoch: None, if_absent: IfAbsent::Create };
/// let joined = engine.join(join).await.unwrap();
/// assert_eq!(joined.seq, 1);
/// assert!(!joined.epoch.is_empty());
/// # }
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Joined {
    /// The topic's seq the start is consistent with.
    pub seq: u64,
    /// The topic's epoch (the incarnation of its history).
    pub epoch: String,
    /// Replay or snapshot.
    pub start: Start,
}

/// What [`Engine::apply`](super::Engine::apply) did.
///
/// ```
/// use leptos_sync_server::{Applied, Engine, IfAbsent, MemoryEngine};
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let engine = MemoryEngine::new(100);
/// let once = engine.apply("T", Some("m-1"), "a", 1.into(), IfAbsent::Create).await.unwrap();
/// let again = engine.apply("T", Some("m-1"), "a", 1.into(), IfAbsent::Create).await.unwrap();
/// assert_eq!(once, Applied { seq: 1, fresh: true });
/// assert_eq!(again, Applied { seq: 1, fresh: false }); // a retry, applied once
/// # }
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Applied {
    /// The seq the change produced, or produced before for a repeated id.
    pub seq: u64,
    /// False when the mutation id was seen before and nothing was applied.
    pub fresh: bool,
}

/// A topic's current state, as [`Engine::topic`](super::Engine::topic) reads it.
///
/// ```
/// use leptos_sync_server::{Engine, IfAbsent, MemoryEngine};
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let engine = MemoryEngine::new(100);
/// engine.apply("T", None, "a", "x".into(), IfAbsent::Create).await.unwrap();
/// let state = engine.topic("T").await.unwrap().unwrap();
/// assert_eq!((state.seq, &state.entries["a"]), (1, &"x".into()));
/// # }
/// ```
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
///
/// ```
/// use leptos_sync_server::{Engine, EngineError, IfAbsent, Join, MemoryEngine};
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let engine = MemoryEngine::new(100);
/// let join = Join { topic: "T", schema: 1, since: None, epoch: None, if_absent: IfAbsent::Create };
/// engine.join(join).await.unwrap();
/// let other = engine.join(Join { schema: 2, ..join }).await;
/// assert_eq!(other.unwrap_err(), EngineError::SchemaMismatch { expected: 1 });
/// # }
/// ```
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
    /// The topic does not exist and the operation was asked
    /// [`IfAbsent::Refuse`]: nothing was created or changed.
    #[error("the topic does not exist")]
    Absent,
}

/// Whether an engine can serve now, as [`Engine::readiness`](super::Engine::readiness) reports it.
///
/// ```
/// use leptos_sync_server::Readiness;
/// let down = Readiness::NotReady("redis: connection refused".into());
/// assert!(Readiness::Ready.is_ready() && !down.is_ready());
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Readiness {
    /// It answers.
    Ready,
    /// It has not answered for longer than its grace, for this reason.
    NotReady(String),
}

impl Readiness {
    /// True for [`Readiness::Ready`].
    ///
    /// ```
    /// use leptos_sync_server::Readiness;
    /// assert!(Readiness::Ready.is_ready());
    /// assert!(!Readiness::NotReady("redis down".into()).is_ready());
    /// ```
    pub fn is_ready(&self) -> bool {
        matches!(self, Self::Ready)
    }
}
