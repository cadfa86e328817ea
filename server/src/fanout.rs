//! This process's subscribers.
//!
//! The [`Fanout`] is the [`Deliver`] sink the server gives its engine: each
//! change is encoded once (see [`UpdateFrames`]) and queued on every
//! subscriber's connection. Its lock is taken inside the engine's delivery
//! and never the other way round, and never across an `.await`.
//!
//! It also tells the [`Lifecycle`] when a topic's subscribers on this node
//! appear or all go (under its lock, so in order); the engine's watch and
//! the application's hooks run later, outside it.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

use crate::engine::{Change, Deliver};
use crate::lifecycle::Lifecycle;
use crate::queue::{Out, Tx};
use crate::update::{RESYNC_SEQ, UpdateFrames};

/// Identifies one WebSocket connection for the lifetime of the process.
pub type ConnId = u64;

/// One live subscription, as listed by the control API.
#[cfg(feature = "control")]
#[derive(Debug, Clone)]
pub struct SubInfo {
    /// The owning connection.
    pub conn: ConnId,
    /// The client's subscription id.
    pub sub: u64,
    /// The topic.
    pub topic: String,
}

#[derive(Default)]
struct Inner {
    /// Subscribers of each topic.
    topics: HashMap<String, BTreeMap<(ConnId, u64), Tx>>,
    /// Which topic each (connection, sub) is on, for unsubscribe and cleanup.
    subs: HashMap<(ConnId, u64), String>,
}

/// The subscribers of this process.
pub struct Fanout {
    inner: Mutex<Inner>,
    /// Told when a topic's subscribers appear or all go (the server always
    /// gives one: its engine and the application's hooks follow them).
    lifecycle: Arc<Lifecycle>,
}

impl Fanout {
    /// A fanout that reports its topics' transitions to `lifecycle`.
    pub fn new(lifecycle: Arc<Lifecycle>) -> Self {
        Self {
            inner: Mutex::default(),
            lifecycle,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Registers `sub` of `conn` on `topic`, replacing a sub of that id.
    pub fn add(&self, conn: ConnId, sub: u64, topic: &str, tx: &Tx) {
        let mut inner = self.lock();
        let emptied = self.unlink(&mut inner, conn, sub).flatten();
        inner.subs.insert((conn, sub), topic.to_owned());
        let subscribers = inner.topics.entry(topic.to_owned()).or_default();
        if subscribers.is_empty() {
            self.lifecycle.mark(topic, true);
        }
        subscribers.insert((conn, sub), tx.clone());
        drop(inner);
        self.released(emptied.into_iter().collect());
    }

    /// Ends a subscription; false when `conn` has no such sub.
    pub fn remove(&self, conn: ConnId, sub: u64) -> bool {
        let removed = self.unlink(&mut self.lock(), conn, sub);
        let found = removed.is_some();
        self.released(removed.flatten().into_iter().collect());
        found
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
        let emptied = subs
            .into_iter()
            .filter_map(|sub| self.unlink(&mut inner, conn, sub).flatten())
            .collect();
        drop(inner);
        self.released(emptied);
    }

    /// Forgets every subscription.
    #[cfg(feature = "control")]
    pub fn clear(&self) {
        let mut inner = self.lock();
        let emptied: Vec<String> = inner.topics.keys().cloned().collect();
        for topic in &emptied {
            self.mark_empty(topic);
        }
        *inner = Inner::default();
        drop(inner);
        self.released(emptied);
    }

    /// Removes `sub` of `conn` (under the lock): `None` when there is no
    /// such sub, else `Some` of the topic it emptied, if it did.
    fn unlink(&self, inner: &mut Inner, conn: ConnId, sub: u64) -> Option<Option<String>> {
        let topic = inner.subs.remove(&(conn, sub))?;
        let Some(subscribers) = inner.topics.get_mut(&topic) else {
            return Some(None);
        };
        subscribers.remove(&(conn, sub));
        if !subscribers.is_empty() {
            return Some(None);
        }
        inner.topics.remove(&topic);
        self.mark_empty(&topic);
        Some(Some(topic))
    }

    fn mark_empty(&self, topic: &str) {
        self.lifecycle.mark(topic, false);
    }

    /// Hands topics that lost their last subscriber to the lifecycle, out of the lock.
    fn released(&self, topics: Vec<String>) {
        if !topics.is_empty() {
            self.lifecycle.released(topics);
        }
    }

    /// Every live subscription, ordered by connection and sub.
    #[cfg(feature = "control")]
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

impl Fanout {
    /// Queues `seq`'s frame on every subscriber of `topic`.
    fn queue(&self, topic: &str, seq: u64, mut frames: UpdateFrames) {
        let inner = self.lock();
        let Some(subscribers) = inner.topics.get(topic) else {
            return;
        };
        for (&(_, sub), tx) in subscribers {
            // An overflow is the connection's to handle: it closes as a slow consumer.
            tx.send(Out::Update {
                sub,
                seq,
                text: frames.frame(sub),
            });
        }
    }
}

impl Fanout {
    /// Queues `text` once on each connection subscribed to `topic` (one with
    /// several subscriptions of it gets it once), if `to` wants it.
    pub fn send_to_topic(&self, topic: &str, text: &str, to: impl Fn(ConnId) -> bool) {
        let inner = self.lock();
        let Some(subscribers) = inner.topics.get(topic) else {
            return;
        };
        let mut last = None;
        // Keyed by (connection, sub): one connection's subs are adjacent.
        for (&(conn, _), tx) in subscribers {
            if last != Some(conn) && to(conn) {
                last = Some(conn);
                tx.send(Out::Text(text.to_owned()));
            }
        }
    }
}

impl Deliver for Fanout {
    fn deliver(&self, topic: &str, change: &Change) {
        // The change is serialized once, and before the lock: under it each
        // subscriber costs a lookup of its sub's frame and a queue push.
        self.queue(topic, change.seq, UpdateFrames::new(change));
    }

    /// Sends every subscriber of `topic` an update past any seq it holds:
    /// a gap, so it resubscribes, and the engine answers with a snapshot.
    fn resync(&self, topic: &str) {
        self.queue(topic, RESYNC_SEQ, UpdateFrames::resync());
    }
}
