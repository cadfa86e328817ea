//! [`MemoryEngine`]: topics in this process's memory.
//!
//! Everything sits behind one mutex that is never held across an `.await`
//! (the async methods do their work synchronously). Changes are handed to
//! the sinks under that mutex, so every sink sees each topic's changes in
//! seq order.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

use async_trait::async_trait;
use serde_json::{Map, Value};

use crate::engine::{
    Applied, Change, Deliver, Engine, EngineError, IfAbsent, Join, Joined, Start, TopicState,
};

#[cfg(feature = "control")]
mod ops;

/// How many mutation ids are remembered for deduplication.
///
/// ```
/// use leptos_sync_server::DEDUP_CAPACITY;
/// // A client's retried mutation is recognised among this many recent ids.
/// assert!(DEDUP_CAPACITY >= 100 * 1_000);
/// ```
pub const DEDUP_CAPACITY: usize = 100_000;

struct Topic {
    /// Names this incarnation of the topic's history, see [`new_epoch`].
    epoch: String,
    seq: u64,
    entries: Map<String, Value>,
    history: VecDeque<Change>,
    schema: Option<u32>,
}

impl Topic {
    fn new(boot: u64) -> Self {
        Self {
            epoch: new_epoch(boot),
            seq: 0,
            entries: Map::new(),
            history: VecDeque::new(),
            schema: None,
        }
    }
}

/// Counts topic creations in this process, across every engine.
static TOPICS_CREATED: AtomicU64 = AtomicU64::new(0);

/// A fresh epoch: the engine's boot nonce (differs between processes) and a
/// process-wide creation counter (differs between creations), in hex.
fn new_epoch(boot: u64) -> String {
    let n = TOPICS_CREATED.fetch_add(1, Ordering::Relaxed) + 1;
    format!("{boot:x}-{n:x}")
}

/// A remembered mutation id: it was applied once, producing `seq`.
struct Seen {
    seq: u64,
}

#[derive(Default)]
struct Inner {
    /// Updates kept per topic.
    history_cap: usize,
    topics: HashMap<String, Topic>,
    applied: HashMap<String, Seen>,
    applied_order: VecDeque<String>,
    sinks: Vec<Arc<dyn Deliver>>,
}

/// The embedded default [`Engine`]: topics, history and dedup in memory.
///
/// ```
/// use leptos_sync_server::{MemoryEngine, SyncServer};
/// // Keep the last 500 changes per topic for resuming subscriptions.
/// let server = SyncServer::builder().engine(MemoryEngine::new(500)).build();
/// # let _ = server;
/// ```
pub struct MemoryEngine {
    inner: Mutex<Inner>,
    /// Per-engine nonce in every epoch, so epochs differ across processes.
    boot: u64,
}

impl MemoryEngine {
    /// An engine whose topics keep the last `history_cap` changes each.
    ///
    /// ```
    /// use leptos_sync_server::MemoryEngine;
    /// let engine = MemoryEngine::new(1_000);
    /// assert!(engine.topic_now("Todo").is_none());
    /// ```
    pub fn new(history_cap: usize) -> Self {
        let boot = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as u64);
        Self {
            inner: Mutex::new(Inner {
                history_cap,
                ..Inner::default()
            }),
            boot,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        // A panic elsewhere must not take the whole server down with it.
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn join_now(&self, join: Join<'_>) -> Result<Joined, EngineError> {
        let mut inner = self.lock();
        refuse_absent(&inner, join.topic, join.if_absent)?;
        let topic = topic_mut(&mut inner.topics, self.boot, join.topic);
        if let Some(expected) = topic.schema.filter(|&e| e != join.schema) {
            return Err(EngineError::SchemaMismatch { expected });
        }
        topic.schema = Some(join.schema);
        let same_epoch = join.epoch.is_none_or(|e| e == topic.epoch);
        let replay = same_epoch && join.since.is_some_and(|s| recoverable(topic, s));
        let start = match join.since {
            Some(since) if replay => {
                let missed = topic.history.iter().filter(|c| c.seq > since);
                Start::Replay(missed.cloned().collect())
            }
            _ => Start::Snapshot(topic.entries.clone()),
        };
        Ok(Joined {
            seq: topic.seq,
            epoch: topic.epoch.clone(),
            start,
        })
    }

    fn apply_now(
        &self,
        topic: &str,
        id: Option<&str>,
        key: &str,
        value: Value,
        if_absent: IfAbsent,
    ) -> Result<Applied, EngineError> {
        let mut inner = self.lock();
        if let Some(seen) = id.and_then(|id| inner.applied.get(id)) {
            return Ok(Applied {
                seq: seen.seq,
                fresh: false,
            });
        }
        refuse_absent(&inner, topic, if_absent)?;
        let seq = apply(&mut inner, self.boot, topic, key.to_owned(), value, true);
        if let Some(id) = id {
            if inner.applied_order.len() >= DEDUP_CAPACITY
                && let Some(old) = inner.applied_order.pop_front()
            {
                inner.applied.remove(&old);
            }
            inner.applied_order.push_back(id.to_owned());
            inner.applied.insert(id.to_owned(), Seen { seq });
        }
        Ok(Applied { seq, fresh: true })
    }

    fn seed_now(&self, name: &str, entries: Map<String, Value>) -> bool {
        let mut inner = self.lock();
        if inner.topics.contains_key(name) {
            return false;
        }
        let mut topic = Topic::new(self.boot);
        // A non-empty seed is a change that the history does not hold, so a
        // client resuming from seq 0 gets a snapshot with the entries.
        topic.seq = u64::from(!entries.is_empty());
        topic.entries = entries;
        inner.topics.insert(name.to_owned(), topic);
        true
    }

    /// The current state of a topic, without a round trip.
    ///
    /// ```
    /// use leptos_sync_server::{Engine, IfAbsent, MemoryEngine};
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let engine = MemoryEngine::new(100);
    /// engine.apply("T", None, "a", 1.into(), IfAbsent::Create).await.unwrap();
    /// assert_eq!(engine.topic_now("T").unwrap().seq, 1);
    /// # }
    /// ```
    pub fn topic_now(&self, name: &str) -> Option<TopicState> {
        let inner = self.lock();
        inner.topics.get(name).map(|t| TopicState {
            seq: t.seq,
            epoch: t.epoch.clone(),
            entries: t.entries.clone(),
        })
    }
}

impl Default for MemoryEngine {
    /// Keeps [`Config::HISTORY`](crate::Config::HISTORY) changes per topic.
    fn default() -> Self {
        Self::new(crate::Config::HISTORY)
    }
}

#[async_trait]
impl Engine for MemoryEngine {
    fn listen(&self, sink: Arc<dyn Deliver>) {
        self.lock().sinks.push(sink);
    }

    /// Hands the event to every sink: every server sharing this engine.
    async fn broadcast(&self, event: &crate::ServerEvent) -> Result<(), EngineError> {
        // Outside the lock: an event needs no order with the changes.
        let sinks = self.lock().sinks.clone();
        for sink in sinks {
            sink.event(event);
        }
        Ok(())
    }

    async fn join(&self, join: Join<'_>) -> Result<Joined, EngineError> {
        self.join_now(join)
    }

    async fn apply(
        &self,
        topic: &str,
        id: Option<&str>,
        key: &str,
        value: Value,
        if_absent: IfAbsent,
    ) -> Result<Applied, EngineError> {
        self.apply_now(topic, id, key, value, if_absent)
    }

    async fn seed(&self, topic: &str, entries: Map<String, Value>) -> Result<bool, EngineError> {
        Ok(self.seed_now(topic, entries))
    }

    async fn topic(&self, name: &str) -> Result<Option<TopicState>, EngineError> {
        Ok(self.topic_now(name))
    }
}

/// True when every change after `since` is still in the ring.
fn recoverable(topic: &Topic, since: u64) -> bool {
    if since > topic.seq {
        return false; // The client saw a future: this is another server's history.
    }
    if since == topic.seq {
        return true;
    }
    // The ring is contiguous and ends at topic.seq.
    topic.history.front().is_some_and(|c| c.seq <= since + 1)
}

/// [`EngineError::Absent`] when `name` does not exist and may not be created.
fn refuse_absent(inner: &Inner, name: &str, if_absent: IfAbsent) -> Result<(), EngineError> {
    match if_absent {
        IfAbsent::Refuse if !inner.topics.contains_key(name) => Err(EngineError::Absent),
        _ => Ok(()),
    }
}

fn topic_mut<'a>(topics: &'a mut HashMap<String, Topic>, boot: u64, name: &str) -> &'a mut Topic {
    topics
        .entry(name.to_owned())
        .or_insert_with(|| Topic::new(boot))
}

/// Applies one change and, when `deliver`, hands it to every sink.
fn apply(
    inner: &mut Inner,
    boot: u64,
    topic: &str,
    key: String,
    value: Value,
    deliver: bool,
) -> u64 {
    let cap = inner.history_cap;
    let t = topic_mut(&mut inner.topics, boot, topic);
    t.seq += 1;
    if value.is_null() {
        t.entries.remove(&key);
    } else {
        t.entries.insert(key.clone(), value.clone());
    }
    let change = Change {
        seq: t.seq,
        key,
        value,
    };
    if deliver {
        for sink in &inner.sinks {
            sink.deliver(topic, &change);
        }
    }
    if cap > 0 {
        while t.history.len() >= cap {
            t.history.pop_front();
        }
        t.history.push_back(change);
    }
    t.seq
}

#[cfg(test)]
mod tests;
