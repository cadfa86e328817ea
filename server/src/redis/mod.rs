//! [`RedisEngine`]: topics in Redis, shared by every server node on it.
//!
//! A change is published by one Lua script (epoch, dedup, seq, entry,
//! capped history stream, `PUBLISH`), a subscription starts with another
//! (schema, epoch, top seq, replay or snapshot), and a third seeds a topic
//! once, so two nodes racing on one topic or one mutation id see one order.
//! Each node subscribes to the channel of every topic it
//! [watches](Engine::watch) (while it has subscribers of it; a join watches
//! its topic first) and a per-topic dispatcher hands the changes to the
//! sinks, healing what pub/sub loses from the history stream.
//!
//! Limits: Redis must run with `maxmemory-policy noeviction` (an evicted key
//! loses data or history); with replication, a failover can lose changes
//! that were already acked; mutation ids are remembered per topic, for the
//! last [`RedisOptions::dedup_window`] mutations.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use async_trait::async_trait;
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::{RedisError, Value};
use serde_json::{Map, Value as Json};
use tokio::sync::{OnceCell, mpsc, oneshot, watch};

use crate::engine::{
    Applied, Change, Deliver, Engine, EngineError, IfAbsent, Join, Joined, Readiness, TopicState,
};

mod dispatch;
mod health;
mod options;
mod pubsub;
mod requests;
mod scripts;

use dispatch::{Event, Store};
pub use options::RedisOptions;
use pubsub::{Watch, Watches};
use scripts::{Keys, Published, Scripts, parse_entries, parse_joined, refuse};

/// An [`Engine`] on Redis: every node on the same Redis and prefix shares
/// the topics, their history and the mutation dedup.
///
/// ```no_run
/// use leptos_sync_server::{RedisEngine, RedisOptions, SyncServer};
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// let engine = RedisEngine::open("redis://127.0.0.1:6379", RedisOptions::default())?;
/// engine.ping().await?; // optional: fail fast when Redis is not there
/// let sync = SyncServer::builder().engine(engine).build();
/// # let _ = sync; Ok(()) }
/// ```
pub struct RedisEngine {
    store: Arc<Store>,
    watches: Arc<Watches>,
    options: RedisOptions,
    /// Differs between processes, so epochs differ between nodes.
    boot: u64,
    epochs: AtomicU64,
    /// The pub/sub connection's task and the health probe's.
    tasks: [tokio::task::AbortHandle; 2],
    ready: watch::Receiver<Readiness>,
}

impl RedisEngine {
    /// An engine on the Redis at `url` (`redis://host:port/db`). It
    /// connects lazily and reconnects by itself, so Redis may come later;
    /// until then operations answer [`EngineError::Unavailable`]. Must be
    /// called within a Tokio runtime. Fails only on a malformed URL.
    ///
    /// ```
    /// use leptos_sync_server::{RedisEngine, RedisOptions};
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// // Lazy: no Redis needs to run here; a bad URL fails at once.
    /// assert!(RedisEngine::open("redis://127.0.0.1:6379/0", RedisOptions::default()).is_ok());
    /// assert!(RedisEngine::open("not a url", RedisOptions::default()).is_err());
    /// # }
    /// ```
    pub fn open(url: &str, options: RedisOptions) -> Result<Self, RedisError> {
        let client = redis::Client::open(url)?;
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(options.timeout))
            .set_response_timeout(Some(options.timeout))
            .set_number_of_retries(1)
            .set_max_delay(Duration::from_millis(200));
        let conn = ConnectionManager::new_lazy_with_config(client.clone(), config)?;
        let store = Arc::new(Store {
            conn,
            scripts: Scripts::new(),
            prefix: options.prefix.clone(),
            check_every: options.check_every,
            sinks: Mutex::new(Arc::new(Vec::new())),
        });
        let watches = Arc::new(Watches::default());
        let task = pubsub::run(client, store.clone(), watches.clone());
        let pubsub = tokio::spawn(task).abort_handle();
        let (tell, ready) = watch::channel(Readiness::Ready);
        let probe = health::run(
            store.conn.clone(),
            watches.clone(),
            options.unavailable_after,
            tell,
        );
        let probe = tokio::spawn(probe).abort_handle();
        let boot = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as u64);
        Ok(Self {
            store,
            watches,
            options,
            boot,
            epochs: AtomicU64::new(0),
            tasks: [pubsub, probe],
            ready,
        })
    }

    /// Checks that Redis answers.
    ///
    /// ```no_run
    /// use leptos_sync_server::{RedisEngine, RedisOptions};
    /// # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
    /// let engine = RedisEngine::open("redis://127.0.0.1:6379", RedisOptions::default())?;
    /// if let Err(e) = engine.ping().await {
    ///     eprintln!("Redis is not there yet ({e}); serving anyway, clients get 1013");
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn ping(&self) -> Result<(), EngineError> {
        let mut conn = self.store.conn.clone();
        redis::cmd("PING")
            .query_async::<()>(&mut conn)
            .await
            .map_err(unavailable)
    }

    /// The topics this node watches.
    ///
    /// ```
    /// use leptos_sync_server::{RedisEngine, RedisOptions};
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let engine = RedisEngine::open("redis://127.0.0.1:6379", RedisOptions::default()).unwrap();
    /// assert!(engine.watched().is_empty()); // no subscribers on this node yet
    /// # }
    /// ```
    pub fn watched(&self) -> Vec<String> {
        self.watches.list()
    }

    fn new_epoch(&self) -> String {
        let n = self.epochs.fetch_add(1, Ordering::Relaxed) + 1;
        format!("{:x}-{n:x}", self.boot)
    }
}

impl Drop for RedisEngine {
    fn drop(&mut self) {
        self.tasks.iter().for_each(|task| task.abort());
    }
}

/// A failed Redis operation.
pub(super) fn unavailable(e: RedisError) -> EngineError {
    EngineError::Unavailable(format!("redis: {e}"))
}

#[async_trait]
impl Engine for RedisEngine {
    /// Adds a sink. It receives the changes of the watched topics only.
    fn listen(&self, sink: Arc<dyn Deliver>) {
        let mut sinks = self.store.sinks.lock().unwrap_or_else(|e| e.into_inner());
        let mut all = sinks.as_ref().clone();
        all.push(sink);
        *sinks = Arc::new(all);
    }

    /// Starts delivering `topic`'s changes from every node to the sinks
    /// (a [`join`](Engine::join) does it itself). Returns once the
    /// dispatcher knows where the topic stands: every change after that
    /// point is delivered, in order.
    ///
    /// ```no_run
    /// use std::sync::Arc;
    /// use leptos_sync_server::{Change, Deliver, Engine, RedisEngine, RedisOptions};
    /// struct Log;
    /// impl Deliver for Log {
    ///     fn deliver(&self, topic: &str, change: &Change) {
    ///         println!("{topic} #{}", change.seq);
    ///     }
    /// }
    /// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
    /// let engine = RedisEngine::open("redis://127.0.0.1:6379", RedisOptions::default())?;
    /// engine.listen(Arc::new(Log));
    /// engine.watch("Ticker").await?; // every node's changes of "Ticker" from now on
    /// // ...
    /// engine.unwatch("Ticker").await;
    /// # Ok(()) }
    /// ```
    /// Publishes the event on the engine's event channel, which every
    /// node's pub/sub connection (this one's too) hands to its sinks.
    async fn broadcast(&self, event: &crate::ServerEvent) -> Result<(), EngineError> {
        pubsub::publish_event(&self.store, event).await
    }

    async fn watch(&self, topic: &str) -> Result<(), EngineError> {
        let (events, ready) = self.watches.get_or(topic, || {
            let (tx, rx) = mpsc::unbounded_channel();
            let run = dispatch::run(self.store.clone(), topic.to_owned(), rx);
            Watch {
                events: tx,
                ready: Arc::new(OnceCell::new()),
                task: tokio::spawn(run).abort_handle(),
            }
        });
        let keys = Keys::new(&self.options.prefix, topic);
        let init = || async {
            let _ = events.send(dispatch::position(&self.store, &keys).await?);
            if let Some(mut sink) = self.watches.sink() {
                // On failure the connection is going: the next one subscribes.
                let _ = sink.subscribe(&keys.channel).await;
            }
            // Covers what was published between the position and the subscription.
            let _ = events.send(Event::CatchUp);
            Ok(())
        };
        ready.get_or_try_init(init).await.map(|_| ())
    }

    /// Stops delivering `topic`'s changes and leaves its channel.
    async fn unwatch(&self, topic: &str) {
        if !self.watches.remove(topic) {
            return;
        }
        if let Some(mut sink) = self.watches.sink() {
            let channel = scripts::channel(&self.options.prefix, topic);
            // A hung connection must not hold up the topic's lifecycle; what
            // it still brings of the topic is dropped, the topic being unwatched.
            let _ = tokio::time::timeout(self.options.timeout, sink.unsubscribe(channel)).await;
        }
    }

    async fn join(&self, join: Join<'_>) -> Result<Joined, EngineError> {
        // Watch first, then read: a change after the read is delivered.
        self.watch(join.topic).await?;
        let keys = Keys::new(&self.options.prefix, join.topic);
        let mut conn = self.store.conn.clone();
        let answer: Vec<Value> = self
            .store
            .scripts
            .join
            .key(&keys.meta)
            .key(&keys.entries)
            .key(&keys.history)
            .key(&keys.ids)
            .arg(self.new_epoch())
            .arg(join.schema)
            .arg(join.since.map(|s| s.to_string()).unwrap_or_default())
            .arg(join.epoch.unwrap_or_default())
            .arg(refuse(join.if_absent))
            .invoke_async(&mut conn)
            .await
            .map_err(unavailable)?;
        let joined = parse_joined(answer)?;
        if let Some(events) = self.watches.events(join.topic) {
            let hint = Event::Hint {
                epoch: joined.epoch.clone(),
                seq: joined.seq,
            };
            let _ = events.send(hint);
        }
        Ok(joined)
    }

    async fn apply(
        &self,
        topic: &str,
        id: Option<&str>,
        key: &str,
        value: Json,
        if_absent: IfAbsent,
    ) -> Result<Applied, EngineError> {
        let keys = Keys::new(&self.options.prefix, topic);
        let ttl = self.options.history_ttl.map_or(0, |t| t.as_millis().max(1));
        let mut conn = self.store.conn.clone();
        let (seq, fresh, epoch): (u64, u8, String) = self
            .store
            .scripts
            .apply
            .key(&keys.meta)
            .key(&keys.entries)
            .key(&keys.history)
            .key(&keys.ids)
            .arg(self.new_epoch())
            .arg(id.unwrap_or_default())
            .arg(key)
            .arg(value.to_string())
            .arg(self.options.history)
            .arg(self.options.dedup_window)
            .arg(ttl as u64)
            .arg(&keys.channel)
            .arg(refuse(if_absent))
            .invoke_async(&mut conn)
            .await
            .map_err(unavailable)?;
        if fresh == 2 {
            return Err(EngineError::Absent);
        }
        let fresh = fresh == 1;
        // Update before ack: our own subscribers get it (or, for a repeated
        // id, everything up to its seq) before we answer.
        if let Some(events) = self.watches.events(topic) {
            let (done, delivered) = oneshot::channel();
            let event = if fresh {
                let change = Change {
                    seq,
                    key: key.to_owned(),
                    value,
                };
                Event::Local(Published { epoch, change }, done)
            } else {
                Event::Reach { epoch, seq, done }
            };
            if events.send(event).is_ok() {
                let _ = delivered.await;
            }
        }
        Ok(Applied { seq, fresh })
    }

    async fn seed(&self, topic: &str, entries: Map<String, Json>) -> Result<bool, EngineError> {
        let keys = Keys::new(&self.options.prefix, topic);
        let mut conn = self.store.conn.clone();
        let mut seed = self.store.scripts.seed.prepare_invoke();
        seed.key(&keys.meta)
            .key(&keys.entries)
            .key(&keys.history)
            .key(&keys.ids)
            .arg(self.new_epoch());
        for (key, value) in &entries {
            seed.arg(key).arg(value.to_string());
        }
        let created: u8 = seed.invoke_async(&mut conn).await.map_err(unavailable)?;
        Ok(created == 1)
    }

    /// Not ready once Redis has failed to answer for
    /// [`RedisOptions::unavailable_after`]; ready again as soon as it does.
    fn readiness(&self) -> Option<watch::Receiver<Readiness>> {
        Some(self.ready.clone())
    }

    /// `SET NX` of a running marker under the prefix, or the stored outcome.
    async fn claim_request(
        &self,
        key: &str,
        running_ms: u64,
    ) -> Result<crate::engine::RequestClaim, EngineError> {
        let conn = self.store.conn.clone();
        requests::claim(conn, &self.options.prefix, key, running_ms).await
    }

    /// Stores the outcome in place of the running marker.
    async fn finish_request(
        &self,
        key: &str,
        outcome: &Json,
        keep_ms: u64,
    ) -> Result<(), EngineError> {
        let conn = self.store.conn.clone();
        requests::finish(conn, &self.options.prefix, key, outcome, keep_ms).await
    }

    async fn topic(&self, name: &str) -> Result<Option<TopicState>, EngineError> {
        let keys = Keys::new(&self.options.prefix, name);
        let mut conn = self.store.conn.clone();
        let ((epoch, seq), entries): ((Option<String>, Option<u64>), Value) = redis::pipe()
            .atomic()
            .hmget(&keys.meta, &["epoch", "seq"])
            .hgetall(&keys.entries)
            .query_async(&mut conn)
            .await
            .map_err(unavailable)?;
        let Some(epoch) = epoch else {
            return Ok(None);
        };
        Ok(Some(TopicState {
            seq: seq.unwrap_or(0),
            epoch,
            entries: parse_entries(entries)?,
        }))
    }
}
