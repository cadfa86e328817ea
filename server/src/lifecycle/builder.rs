//! The builder methods of the lifecycle hooks.

use std::future::Future;
use std::sync::Arc;

use serde_json::{Map, Value};

use crate::SyncServerBuilder;

impl SyncServerBuilder {
    /// Runs when a topic gains its first subscriber **on this node**, before
    /// that subscription starts: its snapshot (and that of any other
    /// subscription of the topic arriving meanwhile) goes out only after the
    /// hook returns. Start what keeps the topic current here, say a listener
    /// on your database that [`publish`](crate::SyncServer::publish)es into
    /// it (a hook may publish into its topic).
    ///
    /// It is per node: it counts this process's subscriptions, over all its
    /// connections. With several server processes sharing a distributed
    /// engine, each runs its own hooks for its own subscribers.
    ///
    /// The lifecycle hooks of one topic never overlap, and strictly alternate
    /// with [`on_last_unsubscribe`](Self::on_last_unsubscribe): first, last,
    /// first, … A subscriber that arrives while the last one leaves may keep
    /// the topic open without a last and first in between. The hook is
    /// awaited (a subscription waits for it, so keep it bounded) in a task of
    /// its own, never under a lock of the server or the engine; a panic in
    /// it is logged and counts as returned.
    ///
    /// ```
    /// use std::collections::HashSet;
    /// use std::sync::{Arc, Mutex};
    /// use leptos_sync_server::SyncServer;
    /// let watched = Arc::new(Mutex::new(HashSet::new()));
    /// let (start, stop) = (watched.clone(), watched.clone());
    /// let server = SyncServer::builder()
    ///     .on_first_subscribe(move |topic| {
    ///         let watched = start.clone();
    ///         async move {
    ///             // e.g. LISTEN on the table behind `topic`
    ///             watched.lock().unwrap().insert(topic);
    ///         }
    ///     })
    ///     .on_last_unsubscribe(move |topic| {
    ///         let watched = stop.clone();
    ///         async move {
    ///             watched.lock().unwrap().remove(&topic);
    ///         }
    ///     })
    ///     .build();
    /// # let _ = server;
    /// ```
    pub fn on_first_subscribe<F, Fut>(mut self, hook: F) -> Self
    where
        F: Fn(String) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        self.hooks.first_subscribe = Some(Arc::new(move |topic| Box::pin(hook(topic))));
        self
    }

    /// Runs when a topic loses its last subscriber **on this node**: it
    /// unsubscribed, or its connection dropped, was closed as a slow
    /// consumer, or was closed by a shutdown. Release what
    /// [`on_first_subscribe`](Self::on_first_subscribe) started.
    ///
    /// It runs after the fact, in the background, under the same rules as
    /// `on_first_subscribe` (per node, one hook of a topic at a time, never
    /// under a lock). [`SyncServer::shutdown`](crate::SyncServer::shutdown)
    /// resolves only after every one of them has returned.
    ///
    /// ```
    /// use leptos_sync_server::SyncServer;
    /// let server = SyncServer::builder()
    ///     .on_last_unsubscribe(|topic| async move {
    ///         println!("nobody here watches {topic} any more");
    ///     })
    ///     .build();
    /// # let _ = server;
    /// ```
    pub fn on_last_unsubscribe<F, Fut>(mut self, hook: F) -> Self
    where
        F: Fn(String) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        self.hooks.last_unsubscribe = Some(Arc::new(move |topic| Box::pin(hook(topic))));
        self
    }

    /// Loads a topic that does not exist in the engine yet: its initial
    /// entries (an empty map when there is nothing: it starts empty), or
    /// why they cannot be loaded.
    ///
    /// It is asked whenever a subscription, a client's mutation or
    /// [`SyncServer::publish`](crate::SyncServer::publish) names a missing
    /// topic: every path that would create it, so a topic is never created
    /// without its loaded entries. The engine is then seeded with them once
    /// ([`Engine::seed`](crate::Engine::seed), create-if-absent): of racing
    /// loads, on this node or others, one seed wins and no change applied
    /// meanwhile is overwritten. A node loads a topic once at a time. The
    /// operation goes on after the seed; a topic that exists costs the same
    /// one round trip to the engine as without a loader.
    ///
    /// A seeded topic has a fresh epoch and seq 1 (0 when empty), so a
    /// client resuming an older history gets a snapshot with the entries.
    ///
    /// An `Err(reason)` creates nothing (the next attempt loads again) and
    /// answers an `error` frame with code `unavailable` naming the
    /// subscription or mutation, which the client may retry; the connection
    /// stays. `publish` answers [`EngineError::Unavailable`](crate::EngineError::Unavailable).
    /// The loader must not publish into the topic it loads (return the
    /// entries instead): that publish would wait for the load.
    ///
    /// ```
    /// use leptos_sync_server::SyncServer;
    /// use serde_json::{Map, json};
    /// let server = SyncServer::builder()
    ///     .load_topic(|topic| async move {
    ///         // e.g. SELECT key, value FROM entries WHERE topic = $1
    ///         let mut entries = Map::new();
    ///         if topic == "Chat" {
    ///             entries.insert("welcome".into(), json!({ "text": "Hello!" }));
    ///         }
    ///         Ok(entries)
    ///     })
    ///     .build();
    /// # let _ = server;
    /// ```
    pub fn load_topic<F, Fut>(mut self, loader: F) -> Self
    where
        F: Fn(String) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<Map<String, Value>, String>> + Send + 'static,
    {
        self.hooks.load_topic = Some(Arc::new(move |topic| Box::pin(loader(topic))));
        self
    }
}
