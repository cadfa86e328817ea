//! Operations that only the control API uses: lost frames, bursts, history
//! size, simulated restarts and the dedup table.

use serde_json::{Map, Value};

use super::{Inner, MemoryEngine, apply};

impl MemoryEngine {
    /// Applies a change like a publish and records it in the history, but
    /// delivers it to nobody: a lost frame, which the next update reveals as
    /// a seq gap. Returns its seq.
    ///
    /// ```
    /// use leptos_sync_server::MemoryEngine;
    /// let engine = MemoryEngine::new(100);
    /// assert_eq!(engine.lose_update("T", "a", 1.into()), 1);
    /// assert_eq!(engine.topic_now("T").unwrap().entries["a"], 1);
    /// ```
    pub fn lose_update(&self, topic: &str, key: &str, value: Value) -> u64 {
        apply(
            &mut self.lock(),
            self.boot,
            topic,
            key.to_owned(),
            value,
            false,
        )
    }

    /// Publishes `count` changes made by `make(i)` for `i` in `0..count`,
    /// delivering each, and returns the last seq (the topic's seq when
    /// `count` is 0). The lock is released between chunks so that other
    /// connections are not starved by a large burst.
    ///
    /// ```
    /// use leptos_sync_server::MemoryEngine;
    /// let engine = MemoryEngine::new(100);
    /// let last = engine.publish_many("T", 3, |i| (format!("k{i}"), i.into()));
    /// assert_eq!((last, engine.topic_now("T").unwrap().entries.len()), (3, 3));
    /// ```
    pub fn publish_many(
        &self,
        topic: &str,
        count: u64,
        mut make: impl FnMut(u64) -> (String, Value),
    ) -> u64 {
        const CHUNK: u64 = 1024;
        if count == 0 {
            return self.topic_now(topic).map_or(0, |t| t.seq);
        }
        let mut last = 0;
        let mut i = 0;
        while i < count {
            let end = (i + CHUNK).min(count);
            let mut inner = self.lock();
            for n in i..end {
                let (key, value) = make(n);
                last = apply(&mut inner, self.boot, topic, key, value, true);
            }
            drop(inner);
            i = end;
        }
        last
    }

    /// Sets how many changes each topic keeps, trimming longer rings now.
    ///
    /// ```
    /// use leptos_sync_server::{Engine, IfAbsent, Join, MemoryEngine, Start};
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let engine = MemoryEngine::new(100);
    /// engine.publish_many("T", 3, |i| ("k".into(), i.into()));
    /// engine.set_history(1);
    /// // Only the last change is kept: resuming from seq 1 needs a snapshot.
    /// let epoch = engine.topic_now("T").unwrap().epoch;
    /// let join = Join { topic: "T", schema: 0, since: Some(1), epoch: Some(&epoch), if_absent: IfAbsent::Create };
    /// assert!(matches!(engine.join(join).await.unwrap().start, Start::Snapshot(_)));
    /// # }
    /// ```
    pub fn set_history(&self, cap: usize) {
        let mut inner = self.lock();
        inner.history_cap = cap;
        for t in inner.topics.values_mut() {
            let excess = t.history.len().saturating_sub(cap);
            t.history.drain(..excess);
        }
    }

    /// Forgets every topic (with its history and schema) and every mutation
    /// id, as a fresh process would. Recreated topics get new epochs. The
    /// history size and the sinks are kept.
    ///
    /// ```
    /// use leptos_sync_server::MemoryEngine;
    /// let engine = MemoryEngine::new(100);
    /// engine.publish_many("T", 1, |_| ("a".into(), 1.into()));
    /// engine.restart();
    /// assert!(engine.topic_now("T").is_none());
    /// ```
    pub fn restart(&self) {
        let mut inner = self.lock();
        let history_cap = inner.history_cap;
        let sinks = std::mem::take(&mut inner.sinks);
        *inner = Inner {
            history_cap,
            sinks,
            ..Inner::default()
        };
    }

    /// Each remembered mutation id with how often it was applied: 1, as a
    /// repeat applies nothing (the control API's view of the dedup table).
    ///
    /// ```
    /// use leptos_sync_server::{Engine, IfAbsent, MemoryEngine};
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let engine = MemoryEngine::new(100);
    /// engine.apply("T", Some("m-1"), "a", 1.into(), IfAbsent::Create).await.unwrap();
    /// assert_eq!(engine.mutations()["m-1"], 1);
    /// # }
    /// ```
    pub fn mutations(&self) -> Map<String, Value> {
        let inner = self.lock();
        inner
            .applied
            .keys()
            .map(|id| (id.clone(), Value::from(1)))
            .collect()
    }
}
