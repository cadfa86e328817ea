//! In-memory topics: entries, per-topic seq and epoch, history ring, schema,
//! subscribers, and the mutation dedup table.
//!
//! Everything sits behind one mutex, and frames to subscribers are queued on
//! their connection's unbounded channel *while the lock is held*. That is what
//! makes "replay or snapshot, then live updates" gap-free and duplicate-free:
//! no update can be applied between the replay and the registration.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use leptos_sync_protocol::ServerMsg;
use serde_json::{Map, Value};
use tokio::sync::mpsc::UnboundedSender;

#[cfg(feature = "control")]
mod ops;

/// Identifies one WebSocket connection for the lifetime of the process.
pub type ConnId = u64;

/// What a connection task is told to do; the only way anything reaches a socket.
#[derive(Debug)]
pub enum Out {
    /// Send this text frame.
    Text(String),
    /// Send a close frame with this code and reason, then end.
    Close(u16, String),
    /// End the TCP connection at once, without a close frame.
    Drop,
    /// Stop reading and writing, but keep the TCP connection, until [`Out::Drop`].
    #[cfg(feature = "control")]
    Stall,
}

/// The sending half of a connection's queue.
pub type Tx = UnboundedSender<Out>;

/// Queues one protocol frame; a closed queue means the connection is gone,
/// and its cleanup removes it from every table, so the error is moot.
pub fn send(tx: &Tx, msg: &ServerMsg) {
    let _ = tx.send(Out::Text(msg.encode()));
}

/// How many mutation ids are remembered for deduplication.
pub const DEDUP_CAPACITY: usize = 100_000;

struct Change {
    seq: u64,
    key: String,
    value: Value,
}

struct Topic {
    /// Names this incarnation of the topic's history, see [`new_epoch`].
    epoch: String,
    seq: u64,
    entries: Map<String, Value>,
    history: VecDeque<Change>,
    schema: Option<u32>,
    subscribers: BTreeMap<(ConnId, u64), Tx>,
}

impl Topic {
    fn new(boot: u64) -> Self {
        Self {
            epoch: new_epoch(boot),
            seq: 0,
            entries: Map::new(),
            history: VecDeque::new(),
            schema: None,
            subscribers: BTreeMap::new(),
        }
    }
}

/// Counts topic creations in this process, across every hub.
static TOPICS_CREATED: AtomicU64 = AtomicU64::new(0);

/// A fresh epoch: the hub's boot nonce (differs between processes) and a
/// process-wide creation counter (differs between creations), in hex.
fn new_epoch(boot: u64) -> String {
    let n = TOPICS_CREATED.fetch_add(1, Ordering::Relaxed) + 1;
    format!("{boot:x}-{n:x}")
}

struct Applied {
    seq: u64,
    times: u64,
}

#[derive(Default)]
struct Inner {
    /// Updates kept per topic.
    history_cap: usize,
    topics: HashMap<String, Topic>,
    /// Which topic each (connection, sub) is on, for unsubscribe and cleanup.
    subs: HashMap<(ConnId, u64), String>,
    applied: HashMap<String, Applied>,
    applied_order: VecDeque<String>,
}

/// The subscription was refused because the topic holds another schema.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SchemaMismatch {
    /// The schema hash the topic was first seen with.
    pub expected: u32,
}

/// One live subscription, as listed by the control API.
#[derive(Debug, Clone)]
pub struct SubInfo {
    /// The owning connection.
    pub conn: ConnId,
    /// The client's subscription id.
    pub sub: u64,
    /// The topic.
    pub topic: String,
}

/// What a `subscribe` frame asks for.
#[derive(Debug, Clone, Copy)]
pub struct SubRequest<'a> {
    /// The client's subscription id.
    pub sub: u64,
    /// The topic.
    pub topic: &'a str,
    /// The client's schema hash.
    pub schema: u32,
    /// The last seq the client applied.
    pub since: Option<u64>,
    /// The epoch `since` belongs to.
    pub epoch: Option<&'a str>,
}

/// All topics and the dedup table.
pub struct Hub {
    inner: Mutex<Inner>,
    /// Per-hub nonce in every epoch, so epochs differ across processes.
    boot: u64,
}

impl Hub {
    /// A hub whose topics keep the last `history_cap` updates each.
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

    /// Registers `req.sub` of `conn` on `req.topic` and queues `subscribed`
    /// followed by either the missed updates or a snapshot. Updates are
    /// replayed only when `since` is recoverable and the client's epoch, if it
    /// sent one, is the topic's. A sub id already in use on this connection
    /// is replaced.
    pub fn subscribe(
        &self,
        conn: ConnId,
        tx: &Tx,
        req: &SubRequest<'_>,
    ) -> Result<(), SchemaMismatch> {
        let SubRequest {
            sub,
            topic: topic_name,
            schema,
            since,
            epoch,
        } = *req;
        let mut inner = self.lock();
        let expected = inner.topics.get(topic_name).and_then(|t| t.schema);
        if let Some(expected) = expected.filter(|&e| e != schema) {
            return Err(SchemaMismatch { expected });
        }
        remove_sub(&mut inner, conn, sub);
        inner.subs.insert((conn, sub), topic_name.to_owned());
        let topic = topic_mut(&mut inner.topics, self.boot, topic_name);
        topic.schema = Some(schema);
        let seq = topic.seq;
        let same_epoch = epoch.is_none_or(|e| e == topic.epoch);
        let recovered = same_epoch && since.is_some_and(|s| recoverable(topic, s));
        send(
            tx,
            &ServerMsg::Subscribed {
                sub,
                seq,
                recovered,
                epoch: Some(topic.epoch.clone()),
            },
        );
        if recovered {
            let since = since.unwrap_or(seq);
            for c in topic.history.iter().filter(|c| c.seq > since) {
                send(tx, &update(sub, c));
            }
        } else {
            let entries = topic.entries.clone();
            send(
                tx,
                &ServerMsg::Snapshot {
                    sub,
                    seq,
                    schema,
                    entries,
                },
            );
        }
        topic.subscribers.insert((conn, sub), tx.clone());
        Ok(())
    }

    /// Ends a subscription; false when `conn` has no such sub.
    pub fn unsubscribe(&self, conn: ConnId, sub: u64) -> bool {
        remove_sub(&mut self.lock(), conn, sub)
    }

    /// Removes every subscription of a connection that has gone.
    pub fn remove_conn(&self, conn: ConnId) {
        let mut inner = self.lock();
        let subs: Vec<u64> = inner
            .subs
            .keys()
            .filter(|(c, _)| *c == conn)
            .map(|&(_, s)| s)
            .collect();
        for sub in subs {
            remove_sub(&mut inner, conn, sub);
        }
    }

    /// Applies a client mutation once per `id`, broadcasting it to the
    /// topic's subscribers. Returns the seq it produced (the first time) or
    /// produced before (a repeat), and whether it was applied now.
    pub fn mutate(&self, id: &str, topic: &str, key: &str, value: Value) -> (u64, bool) {
        let mut inner = self.lock();
        if let Some(done) = inner.applied.get(id) {
            return (done.seq, false);
        }
        let seq = apply(&mut inner, self.boot, topic, key, value, true);
        if inner.applied_order.len() >= DEDUP_CAPACITY
            && let Some(old) = inner.applied_order.pop_front()
        {
            inner.applied.remove(&old);
        }
        inner.applied_order.push_back(id.to_owned());
        inner
            .applied
            .insert(id.to_owned(), Applied { seq, times: 1 });
        (seq, true)
    }

    /// Applies a change with no dedup id (server-side publishers) and returns its seq.
    pub fn publish(&self, topic: &str, key: &str, value: Value) -> u64 {
        apply(&mut self.lock(), self.boot, topic, key, value, true)
    }

    /// The current seq and entries of a topic, if it exists.
    pub fn topic(&self, name: &str) -> Option<(u64, Map<String, Value>)> {
        let inner = self.lock();
        inner.topics.get(name).map(|t| (t.seq, t.entries.clone()))
    }

    /// The epoch of a topic, if it exists.
    pub fn epoch(&self, name: &str) -> Option<String> {
        self.lock().topics.get(name).map(|t| t.epoch.clone())
    }

    /// How often each remembered mutation id was applied (1 unless dedup failed).
    pub fn mutations(&self) -> Map<String, Value> {
        let inner = self.lock();
        inner
            .applied
            .iter()
            .map(|(id, a)| (id.clone(), Value::from(a.times)))
            .collect()
    }

    /// Every live subscription.
    pub fn subscriptions(&self) -> Vec<SubInfo> {
        let inner = self.lock();
        let mut all: Vec<SubInfo> = inner
            .subs
            .iter()
            .map(|(&(conn, sub), topic)| SubInfo {
                conn,
                sub,
                topic: topic.clone(),
            })
            .collect();
        all.sort_by_key(|s| (s.conn, s.sub));
        all
    }
}

/// True when every update after `since` is still in the ring.
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

fn update(sub: u64, c: &Change) -> ServerMsg {
    ServerMsg::Update {
        sub,
        seq: c.seq,
        key: c.key.clone(),
        value: c.value.clone(),
    }
}

fn remove_sub(inner: &mut Inner, conn: ConnId, sub: u64) -> bool {
    let Some(topic) = inner.subs.remove(&(conn, sub)) else {
        return false;
    };
    if let Some(t) = inner.topics.get_mut(&topic) {
        t.subscribers.remove(&(conn, sub));
    }
    true
}

fn topic_mut<'a>(topics: &'a mut HashMap<String, Topic>, boot: u64, name: &str) -> &'a mut Topic {
    if !topics.contains_key(name) {
        topics.insert(name.to_owned(), Topic::new(boot));
    }
    topics.get_mut(name).expect("inserted above")
}

fn apply(
    inner: &mut Inner,
    boot: u64,
    topic: &str,
    key: &str,
    value: Value,
    broadcast: bool,
) -> u64 {
    let cap = inner.history_cap;
    let t = topic_mut(&mut inner.topics, boot, topic);
    apply_to(t, cap, key.to_owned(), value, broadcast)
}

fn apply_to(t: &mut Topic, cap: usize, key: String, value: Value, broadcast: bool) -> u64 {
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
    if broadcast {
        for (&(_, sub), tx) in &t.subscribers {
            send(tx, &update(sub, &change));
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
