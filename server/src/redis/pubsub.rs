//! The engine's pub/sub connection and the topics it watches.
//!
//! One task holds the connection: it routes each message to its topic's
//! dispatcher, and when the connection drops it reconnects, subscribes to
//! every watched channel again and tells every dispatcher to catch up from
//! the history stream (what was published meanwhile is lost to pub/sub).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::StreamExt;
use redis::aio::PubSubSink;
use tokio::sync::{OnceCell, mpsc};
use tokio::task::AbortHandle;

use super::dispatch::{Event, Store};
use super::scripts::{channel, parse_published, topic_of};
use super::unavailable;
use crate::engine::EngineError;
use crate::events::ServerEvent;

/// The first wait before reconnecting, doubled up to [`MAX_BACKOFF`].
const MIN_BACKOFF: Duration = Duration::from_millis(50);
const MAX_BACKOFF: Duration = Duration::from_secs(1);

/// A watched topic: its dispatcher's inbox.
pub(super) struct Watch {
    pub events: mpsc::UnboundedSender<Event>,
    /// Set once the dispatcher knows its starting point and the channel is
    /// subscribed (or will be, on the next connection).
    pub ready: Arc<OnceCell<()>>,
    pub task: AbortHandle,
}

impl Drop for Watch {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// The watched topics and the current pub/sub connection, if any.
#[derive(Default)]
pub(super) struct Watches {
    topics: Mutex<HashMap<String, Watch>>,
    sink: Mutex<Option<PubSubSink>>,
}

impl Watches {
    fn topics(&self) -> std::sync::MutexGuard<'_, HashMap<String, Watch>> {
        self.topics.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The watch of `topic`, made with `make` if there is none.
    pub fn get_or(
        &self,
        topic: &str,
        make: impl FnOnce() -> Watch,
    ) -> (mpsc::UnboundedSender<Event>, Arc<OnceCell<()>>) {
        let mut topics = self.topics();
        let watch = topics.entry(topic.to_owned()).or_insert_with(make);
        (watch.events.clone(), watch.ready.clone())
    }

    /// The inbox of `topic`'s dispatcher, if it is watched.
    pub fn events(&self, topic: &str) -> Option<mpsc::UnboundedSender<Event>> {
        self.topics().get(topic).map(|w| w.events.clone())
    }

    /// Forgets `topic`; true when it was watched.
    pub fn remove(&self, topic: &str) -> bool {
        self.topics().remove(topic).is_some()
    }

    /// The watched topics.
    pub fn list(&self) -> Vec<String> {
        self.topics().keys().cloned().collect()
    }

    /// The current connection's sink (clone it, then await without the lock).
    pub fn sink(&self) -> Option<PubSubSink> {
        self.sink.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    fn set_sink(&self, sink: Option<PubSubSink>) {
        *self.sink.lock().unwrap_or_else(|e| e.into_inner()) = sink;
    }

    fn tell_all(&self, event: impl Fn() -> Event) {
        for watch in self.topics().values() {
            let _ = watch.events.send(event());
        }
    }
}

/// Holds the pub/sub connection of an engine for as long as it runs.
pub(super) async fn run(client: redis::Client, store: Arc<Store>, watches: Arc<Watches>) {
    let prefix = store.prefix.clone();
    let events = events_channel(&prefix);
    let mut backoff = MIN_BACKOFF;
    loop {
        if let Ok(pubsub) = client.get_async_pubsub().await {
            let (mut sink, mut stream) = pubsub.split();
            // Published first: a topic watched from now on subscribes itself,
            // and one watched before is in the list read after.
            watches.set_sink(Some(sink.clone()));
            let mut channels: Vec<String> =
                watches.list().iter().map(|t| channel(&prefix, t)).collect();
            channels.push(events.clone());
            let subscribed = sink.subscribe(&channels).await.is_ok();
            if subscribed {
                backoff = MIN_BACKOFF;
                watches.tell_all(|| Event::CatchUp);
                while let Some(msg) = stream.next().await {
                    if msg.get_channel_name() == events {
                        deliver_event(&store, msg.get_payload_bytes());
                        continue;
                    }
                    route(
                        &prefix,
                        &watches,
                        msg.get_channel_name(),
                        msg.get_payload_bytes(),
                    );
                }
            }
            watches.set_sink(None);
            // Lost while we were away: caught up on the next connection.
        }
        tokio::time::sleep(backoff).await;
        backoff = (backoff * 2).min(MAX_BACKOFF);
    }
}

fn route(prefix: &str, watches: &Watches, channel: &str, payload: &[u8]) {
    let Some(events) = topic_of(prefix, channel).and_then(|t| watches.events(t)) else {
        return; // unwatched since
    };
    // A payload we cannot read still says the topic moved.
    let event = parse_published(payload).map_or(Event::CatchUp, Event::Live);
    let _ = events.send(event);
}

/// The channel server events go through: every node subscribes to it. A
/// topic's channel is `{prefix}:{<topic>}:live`, so no topic can name this one.
fn events_channel(prefix: &str) -> String {
    format!("{prefix}:events")
}

/// Publishes `event` to every node, this one included.
pub(super) async fn publish_event(store: &Store, event: &ServerEvent) -> Result<(), EngineError> {
    let text = serde_json::to_string(event).expect("a server event always serializes");
    let mut conn = store.conn.clone();
    redis::cmd("PUBLISH")
        .arg(events_channel(&store.prefix))
        .arg(text)
        .query_async::<()>(&mut conn)
        .await
        .map_err(unavailable)
}

/// Hands an event from the channel to the sinks; one that does not parse
/// (another release's, say) is dropped with a log line.
fn deliver_event(store: &Store, payload: &[u8]) {
    match serde_json::from_slice::<ServerEvent>(payload) {
        Ok(event) => {
            for sink in store.sinks().iter() {
                sink.event(&event);
            }
        }
        Err(e) => eprintln!("leptos-sync-server: an unreadable server event on redis: {e}"),
    }
}
