//! This process's subscribers.
//!
//! The [`Fanout`] is the [`Deliver`] sink the server gives its engine: each
//! change is encoded once (see [`UpdateFrames`]) and queued on every
//! subscriber's connection. Its lock is taken inside the engine's delivery
//! and never the other way round, and never across an `.await`.

use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;

use crate::engine::{Change, Deliver};
use crate::queue::{Out, Tx};
use crate::update::UpdateFrames;

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
#[derive(Default)]
pub struct Fanout {
    inner: Mutex<Inner>,
}

impl Fanout {
    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Registers `sub` of `conn` on `topic`, replacing a sub of that id.
    pub fn add(&self, conn: ConnId, sub: u64, topic: &str, tx: &Tx) {
        let mut inner = self.lock();
        remove(&mut inner, conn, sub);
        inner.subs.insert((conn, sub), topic.to_owned());
        let subscribers = inner.topics.entry(topic.to_owned()).or_default();
        subscribers.insert((conn, sub), tx.clone());
    }

    /// Ends a subscription; false when `conn` has no such sub.
    pub fn remove(&self, conn: ConnId, sub: u64) -> bool {
        remove(&mut self.lock(), conn, sub)
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
            remove(&mut inner, conn, sub);
        }
    }

    /// Forgets every subscription.
    #[cfg(feature = "control")]
    pub fn clear(&self) {
        *self.lock() = Inner::default();
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

impl Deliver for Fanout {
    fn deliver(&self, topic: &str, change: &Change) {
        // The change is serialized once, and before the lock: under it each
        // subscriber costs a lookup of its sub's frame and a queue push.
        let mut frames = UpdateFrames::new(change);
        let inner = self.lock();
        let Some(subscribers) = inner.topics.get(topic) else {
            return;
        };
        for (&(_, sub), tx) in subscribers {
            // An overflow is the connection's to handle: it closes as a slow consumer.
            tx.send(Out::Update {
                sub,
                seq: change.seq,
                text: frames.frame(sub),
            });
        }
    }
}

fn remove(inner: &mut Inner, conn: ConnId, sub: u64) -> bool {
    let Some(topic) = inner.subs.remove(&(conn, sub)) else {
        return false;
    };
    if let Some(subscribers) = inner.topics.get_mut(&topic) {
        subscribers.remove(&(conn, sub));
        if subscribers.is_empty() {
            inner.topics.remove(&topic);
        }
    }
    true
}
