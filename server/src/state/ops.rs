//! Hub operations that only the control API uses: lost frames, bursts,
//! history size and simulated restarts.

use serde_json::Value;

use super::{Hub, Inner, apply, apply_to, topic_mut};

impl Hub {
    /// Applies a change like [`Hub::publish`] and records it in the history,
    /// but sends it to nobody: a lost frame, which the next update reveals
    /// as a seq gap. Returns its seq.
    pub fn lose_update(&self, topic: &str, key: &str, value: Value) -> u64 {
        apply(&mut self.lock(), self.boot, topic, key, value, false)
    }

    /// Publishes `count` changes made by `make(i)` for `i` in `0..count`,
    /// broadcasting each, and returns the last seq (the topic's seq when
    /// `count` is 0). The lock is released between chunks so that other
    /// connections are not starved by a large burst.
    pub fn publish_many(
        &self,
        topic: &str,
        count: u64,
        mut make: impl FnMut(u64) -> (String, Value),
    ) -> u64 {
        const CHUNK: u64 = 1024;
        if count == 0 {
            return self.topic(topic).map_or(0, |(seq, _)| seq);
        }
        let mut last = 0;
        let mut i = 0;
        while i < count {
            let end = (i + CHUNK).min(count);
            let mut inner = self.lock();
            let cap = inner.history_cap;
            let t = topic_mut(&mut inner.topics, self.boot, topic);
            for n in i..end {
                let (key, value) = make(n);
                last = apply_to(t, cap, key, value, true);
            }
            drop(inner);
            i = end;
        }
        last
    }

    /// Sets how many updates each topic keeps, trimming longer rings now.
    pub fn set_history(&self, cap: usize) {
        let mut inner = self.lock();
        inner.history_cap = cap;
        for t in inner.topics.values_mut() {
            let excess = t.history.len().saturating_sub(cap);
            t.history.drain(..excess);
        }
    }

    /// Forgets every topic (with its history, schema and subscribers) and
    /// every mutation id, as a fresh process would. Recreated topics get new
    /// epochs. The history size is kept.
    pub fn restart(&self) {
        let mut inner = self.lock();
        let history_cap = inner.history_cap;
        *inner = Inner {
            history_cap,
            ..Inner::default()
        };
    }
}
