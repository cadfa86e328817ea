//! In-memory topics: entries, per-topic seq, history ring, schema, subscribers,
//! and the mutation dedup table.
//!
//! Everything sits behind one mutex, and frames to subscribers are queued on
//! their connection's unbounded channel *while the lock is held*. That is what
//! makes "replay or snapshot, then live updates" gap-free and duplicate-free:
//! no update can be applied between the replay and the registration.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::Mutex;

use leptos_sync_protocol::ServerMsg;
use serde_json::{Map, Value};
use tokio::sync::mpsc::UnboundedSender;

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

#[derive(Default)]
struct Topic {
    seq: u64,
    entries: Map<String, Value>,
    history: VecDeque<Change>,
    schema: Option<u32>,
    subscribers: BTreeMap<(ConnId, u64), Tx>,
}

struct Applied {
    seq: u64,
    times: u64,
}

#[derive(Default)]
struct Inner {
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

/// All topics and the dedup table.
pub struct Hub {
    inner: Mutex<Inner>,
    history_cap: usize,
}

impl Hub {
    /// A hub whose topics keep the last `history_cap` updates each.
    pub fn new(history_cap: usize) -> Self {
        Self {
            inner: Mutex::default(),
            history_cap,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        // A panic elsewhere must not take the whole server down with it.
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Registers `sub` of `conn` on `topic` and queues `subscribed` followed by
    /// either the missed updates (when `since` is recoverable) or a snapshot.
    /// A sub id already in use on this connection is replaced.
    pub fn subscribe(
        &self,
        conn: ConnId,
        tx: &Tx,
        sub: u64,
        topic_name: &str,
        schema: u32,
        since: Option<u64>,
    ) -> Result<(), SchemaMismatch> {
        let mut inner = self.lock();
        let expected = inner.topics.get(topic_name).and_then(|t| t.schema);
        if let Some(expected) = expected.filter(|&e| e != schema) {
            return Err(SchemaMismatch { expected });
        }
        remove_sub(&mut inner, conn, sub);
        inner.subs.insert((conn, sub), topic_name.to_owned());
        let topic = inner.topics.entry(topic_name.to_owned()).or_default();
        topic.schema = Some(schema);
        let seq = topic.seq;
        let recovered = since.is_some_and(|s| recoverable(topic, s));
        send(
            tx,
            &ServerMsg::Subscribed {
                sub,
                seq,
                recovered,
                epoch: None,
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
        let seq = apply(&mut inner, self.history_cap, topic, key, value);
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
        apply(&mut self.lock(), self.history_cap, topic, key, value)
    }

    /// The current seq and entries of a topic, if it exists.
    pub fn topic(&self, name: &str) -> Option<(u64, Map<String, Value>)> {
        let inner = self.lock();
        inner.topics.get(name).map(|t| (t.seq, t.entries.clone()))
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

fn apply(inner: &mut Inner, cap: usize, topic: &str, key: &str, value: Value) -> u64 {
    let t = inner.topics.entry(topic.to_owned()).or_default();
    t.seq += 1;
    if value.is_null() {
        t.entries.remove(key);
    } else {
        t.entries.insert(key.to_owned(), value.clone());
    }
    let change = Change {
        seq: t.seq,
        key: key.to_owned(),
        value,
    };
    for (&(_, sub), tx) in &t.subscribers {
        send(tx, &update(sub, &change));
    }
    if cap > 0 {
        if t.history.len() >= cap {
            t.history.pop_front();
        }
        t.history.push_back(change);
    }
    t.seq
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::sync::mpsc::unbounded_channel;

    fn drain(rx: &mut tokio::sync::mpsc::UnboundedReceiver<Out>) -> Vec<ServerMsg> {
        let mut out = Vec::new();
        while let Ok(Out::Text(t)) = rx.try_recv() {
            out.push(ServerMsg::decode(&t).unwrap());
        }
        out
    }

    #[test]
    fn recovery_needs_the_whole_gap_in_the_ring() {
        let hub = Hub::new(3);
        for i in 0..5 {
            hub.publish("T", "k", Value::from(i));
        }
        let (tx, mut rx) = unbounded_channel();
        hub.subscribe(1, &tx, 1, "T", 9, Some(2)).unwrap();
        let got = drain(&mut rx);
        assert_eq!(
            got[0],
            ServerMsg::Subscribed {
                sub: 1,
                seq: 5,
                recovered: true,
                epoch: None,
            }
        );
        let seqs: Vec<u64> = got[1..]
            .iter()
            .map(|m| match m {
                ServerMsg::Update { seq, .. } => *seq,
                other => panic!("{other:?}"),
            })
            .collect();
        assert_eq!(seqs, [3, 4, 5]);

        hub.subscribe(1, &tx, 2, "T", 9, Some(1)).unwrap();
        let got = drain(&mut rx);
        assert!(matches!(
            got[0],
            ServerMsg::Subscribed {
                recovered: false,
                ..
            }
        ));
        assert!(matches!(got[1], ServerMsg::Snapshot { seq: 5, .. }));
        assert_eq!(
            hub.subscribe(2, &tx, 1, "T", 8, None),
            Err(SchemaMismatch { expected: 9 })
        );
    }

    #[test]
    fn a_repeated_mutation_id_is_applied_once() {
        let hub = Hub::new(10);
        assert_eq!(hub.mutate("a", "T", "k", Value::from(1)), (1, true));
        assert_eq!(hub.mutate("a", "T", "k", Value::from(2)), (1, false));
        assert_eq!(hub.topic("T").unwrap().1["k"], Value::from(1));
        assert_eq!(hub.mutations()["a"], Value::from(1));
    }
}
