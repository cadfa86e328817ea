//! A topic's lifecycle on this node: the engine's [`Engine::watch`] and
//! [`Engine::unwatch`], the application's `on_first_subscribe` and
//! `on_last_unsubscribe` hooks, and the seeding of a topic that does not
//! exist yet from its `load_topic` hook (the builder methods are in
//! `builder`).
//!
//! Per topic, a gate keeps what the engine and the hooks see simple:
//! - the [`Fanout`](crate::fanout::Fanout) marks, under its own lock and so
//!   in order, when the topic's subscribers on this node appear or all go;
//! - the engine is told and the hooks run one at a time per topic (an
//!   async lock), each reconciling "has subscribers" with "the engine and
//!   the app were told so", so they strictly alternate first, last, first,
//!   … and never overlap;
//! - a subscription waits for that before it starts, so its snapshot never
//!   goes out before `on_first_subscribe` returned, and a release runs in
//!   the background (the connection may be gone), counted so that a
//!   shutdown can wait for it.
//!
//! Loading is single-flight per node (another async lock, so a hook may
//! publish into its topic), and once across nodes by the engine's atomic
//! create-if-absent [`Engine::seed`]. No app hook runs under the fanout's
//! lock, the engine's, or the gate map's.

use std::collections::HashMap;
use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use serde_json::Value;
use tokio::sync::watch;

use crate::engine::{Applied, Engine, EngineError, IfAbsent, Join, Joined};
use crate::hooks::{Loader, TopicHook};
use crate::server::App;

mod builder;

/// One topic's state on this node; it exists while the topic has
/// subscribers here, is open for the app, or is being worked on.
#[derive(Default)]
struct Gate {
    /// Whether this node has subscribers of the topic: the fanout's truth.
    subscribed: AtomicBool,
    /// Whether the engine watches the topic and `on_first_subscribe` ran,
    /// without their `unwatch` and `on_last_unsubscribe` yet. Held while
    /// they run.
    open: tokio::sync::Mutex<bool>,
    /// Held while the topic is loaded, so this node loads it once.
    loading: tokio::sync::Mutex<()>,
}

/// The lifecycle hooks of one server, its engine, and the gates of its topics.
pub(crate) struct Lifecycle {
    engine: Arc<dyn Engine>,
    first: Option<TopicHook>,
    last: Option<TopicHook>,
    load: Option<Loader>,
    gates: Mutex<HashMap<String, Arc<Gate>>>,
    /// Releases whose hook has not returned yet.
    releasing: watch::Sender<usize>,
}

impl Lifecycle {
    pub(crate) fn new(
        engine: Arc<dyn Engine>,
        first: Option<TopicHook>,
        last: Option<TopicHook>,
        load: Option<Loader>,
    ) -> Self {
        Self {
            engine,
            first,
            last,
            load,
            gates: Mutex::default(),
            releasing: watch::Sender::new(0),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Arc<Gate>>> {
        self.gates.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn gate(&self, topic: &str) -> Arc<Gate> {
        let mut gates = self.lock();
        match gates.get(topic) {
            Some(gate) => gate.clone(),
            None => gates.entry(topic.to_owned()).or_default().clone(),
        }
    }

    /// Forgets the gate of a topic that nothing on this node uses any more.
    fn tidy(&self, topic: &str, gate: Arc<Gate>) {
        let mut gates = self.lock();
        // Held by the map and `gate` only, so nobody waits on its locks.
        let idle = Arc::strong_count(&gate) == 2
            && gates.get(topic).is_some_and(|g| Arc::ptr_eq(g, &gate))
            && !gate.subscribed.load(Ordering::SeqCst)
            && gate.open.try_lock().is_ok_and(|open| !*open);
        if idle {
            gates.remove(topic);
        }
    }

    /// Records that this node's subscribers of `topic` appeared (true) or
    /// all went; the fanout calls it under its lock, so in order.
    pub(crate) fn mark(&self, topic: &str, subscribed: bool) {
        let mut gates = self.lock();
        if subscribed {
            let gate = gates.entry(topic.to_owned()).or_default();
            gate.subscribed.store(true, Ordering::SeqCst);
        } else if let Some(gate) = gates.get(topic) {
            gate.subscribed.store(false, Ordering::SeqCst);
        }
    }

    /// After a subscription was added to the fanout: has the engine watch
    /// the topic and runs `on_first_subscribe` if it has just gained its
    /// subscribers here, or waits for that already running.
    pub(crate) async fn subscribed(&self, topic: &str) {
        self.reconcile(topic).await;
    }

    /// After `topics` lost their last subscriber here: runs their
    /// `on_last_unsubscribe` and has the engine unwatch them in the
    /// background (the caller may be a connection that is closing).
    pub(crate) fn released(self: &Arc<Self>, topics: Vec<String>) {
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return; // Only a connection task or a handler removes subscribers.
        };
        for topic in topics {
            let busy = Busy::new(self.clone());
            runtime.spawn(async move { busy.0.reconcile(&topic).await });
        }
    }

    /// Resolves once every release started so far has returned.
    pub(crate) async fn all_released(&self) {
        let mut releasing = self.releasing.subscribe();
        let _ = releasing.wait_for(|&n| n == 0).await;
    }

    /// Tells the engine and the app what changed since they were last told,
    /// one topic transition at a time. The engine watches a topic before
    /// the app hears of its first subscriber and unwatches it after the
    /// app heard of its last.
    async fn reconcile(&self, topic: &str) {
        let gate = self.gate(topic);
        let mut open = gate.open.lock().await;
        let subscribed = gate.subscribed.load(Ordering::SeqCst);
        if subscribed != *open {
            if subscribed {
                // A failure is the subscription's join to report, which watches again.
                let _ = self.engine.watch(topic).await;
            }
            let hook = if subscribed { &self.first } else { &self.last };
            if let Some(hook) = hook
                && let Err(e) = tokio::spawn(hook(topic.to_owned())).await
            {
                // Its own task: a panicking hook cannot take the connection down.
                let which = if subscribed { "first" } else { "last" };
                eprintln!("leptos-sync-server: the on_{which} hook of {topic:?} failed: {e}");
            }
            if !subscribed {
                self.engine.unwatch(topic).await;
            }
            *open = subscribed;
        }
        drop(open);
        self.tidy(topic, gate);
    }

    /// Joins, seeding the topic from `load_topic` first if it does not exist.
    pub(crate) async fn join(&self, join: Join<'_>) -> Result<Joined, EngineError> {
        let engine = &*self.engine;
        let op = |if_absent| engine.join(Join { if_absent, ..join });
        self.or_seed(join.topic, op).await
    }

    /// Applies a write, seeding the topic from `load_topic` first if it does
    /// not exist.
    pub(crate) async fn apply(
        &self,
        topic: &str,
        id: Option<&str>,
        key: &str,
        value: Value,
    ) -> Result<Applied, EngineError> {
        let engine = &*self.engine;
        if self.load.is_none() {
            return engine.apply(topic, id, key, value, IfAbsent::Create).await;
        }
        // A refused write consumes its value, so each attempt gets a copy.
        let op = |if_absent| engine.apply(topic, id, key, value.clone(), if_absent);
        self.or_seed(topic, op).await
    }

    /// Runs `op` as is without a loader. With one, `op` refuses a missing
    /// topic (in its own round trip, so an existing topic costs nothing
    /// more); then, one task per node at a time, it is checked again,
    /// loaded, seeded (create-if-absent), and `op` runs once more.
    async fn or_seed<T, F, Fut>(&self, topic: &str, op: F) -> Result<T, EngineError>
    where
        F: Fn(IfAbsent) -> Fut,
        Fut: Future<Output = Result<T, EngineError>>,
    {
        let Some(load) = &self.load else {
            return op(IfAbsent::Create).await;
        };
        match op(IfAbsent::Refuse).await {
            Err(EngineError::Absent) => {}
            done => return done,
        }
        let gate = self.gate(topic);
        let loading = gate.loading.lock().await;
        // Another task of this node may have seeded it while this one waited.
        let result = match op(IfAbsent::Refuse).await {
            Err(EngineError::Absent) => match seed(&*self.engine, load, topic).await {
                // A topic gone again since (a store that expires them) starts empty.
                Ok(()) => op(IfAbsent::Create).await,
                Err(e) => Err(e),
            },
            done => done,
        };
        drop(loading);
        self.tidy(topic, gate);
        result
    }
}

impl App {
    /// Applies a write from the application or a client, loading a missing
    /// topic first when the app has a loader.
    pub(crate) async fn apply(
        &self,
        topic: &str,
        id: Option<&str>,
        key: &str,
        value: Value,
    ) -> Result<Applied, EngineError> {
        self.lifecycle.apply(topic, id, key, value).await
    }
}

/// Loads `topic` and creates it with its entries, unless another node did first.
async fn seed(engine: &dyn Engine, load: &Loader, topic: &str) -> Result<(), EngineError> {
    let failed = |why: String| EngineError::Unavailable(format!("loading topic {topic:?} {why}"));
    // Its own task: a panicking loader cannot take the connection down.
    let entries = match tokio::spawn(load(topic.to_owned())).await {
        Ok(Ok(entries)) => entries,
        Ok(Err(reason)) => return Err(failed(format!("failed: {reason}"))),
        Err(e) => return Err(failed(format!("failed: {e}"))),
    };
    engine.seed(topic, entries).await.map(|_created| ())
}

/// Counts a release from its start until its task ends, however it ends.
struct Busy(Arc<Lifecycle>);

impl Busy {
    fn new(lifecycle: Arc<Lifecycle>) -> Self {
        lifecycle.releasing.send_modify(|n| *n += 1);
        Self(lifecycle)
    }
}

impl Drop for Busy {
    fn drop(&mut self) {
        self.0.releasing.send_modify(|n| *n -= 1);
    }
}
