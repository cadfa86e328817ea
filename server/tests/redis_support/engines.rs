//! The engines a wire test runs on: [`on_both_engines!`] runs each listed
//! test once on a `MemoryEngine` and once on a `RedisEngine` over its own
//! throwaway `redis-server`, through one [`TestEngine`] handed to the test.

use std::sync::Arc;

use async_trait::async_trait;
use leptos_sync_server::{
    Applied, Config, Deliver, Engine, EngineError, IfAbsent, Join, Joined, MemoryEngine, Readiness,
    RedisEngine, RedisOptions, ServerEvent, SyncServer, SyncServerBuilder, TopicState,
};
use serde_json::{Map, Value};
use tokio::sync::watch;

use super::RedisServer;

/// Which engine a test's servers keep their topics in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EngineKind {
    Memory,
    Redis,
}

/// Topic storage for a test: every server built from one `TestEngine`
/// shares its topics, as nodes of one deployment do.
pub struct TestEngine {
    pub kind: EngineKind,
    /// Changes kept per topic.
    history: usize,
    memory: Arc<MemoryEngine>,
    /// Alive as long as the test runs; killed on drop.
    redis: Option<RedisServer>,
}

impl TestEngine {
    /// Starts the storage of `kind` (a `redis-server` child for Redis).
    pub fn start(kind: EngineKind) -> Self {
        Self::start_with(kind, Config::HISTORY)
    }

    /// Starts the storage of `kind`, keeping `history` changes per topic.
    pub fn start_with(kind: EngineKind, history: usize) -> Self {
        Self {
            kind,
            history,
            memory: Arc::new(MemoryEngine::new(history)),
            redis: (kind == EngineKind::Redis).then(RedisServer::start),
        }
    }

    /// [`start`](Self::start)s a memory one.
    pub fn start_memory() -> Self {
        Self::start(EngineKind::Memory)
    }

    /// [`start`](Self::start)s a Redis one.
    pub fn start_redis() -> Self {
        Self::start(EngineKind::Redis)
    }

    /// A builder on this storage: for Redis, a node with an engine of its own.
    pub fn builder(&self) -> SyncServerBuilder {
        SyncServer::builder().engine(self.engine())
    }

    /// An engine on this storage (for Redis, a node's own), for a wrapper
    /// of the test's own.
    pub fn engine(&self) -> Node {
        Node(match &self.redis {
            None => self.memory.clone(),
            Some(redis) => {
                let options = RedisOptions {
                    history: self.history,
                    ..RedisOptions::default()
                };
                let engine = RedisEngine::open(&redis.url(), options);
                Arc::new(engine.expect("a valid URL"))
            }
        })
    }

    /// The `redis-server`, for a Redis test.
    pub fn redis(&self) -> Option<&RedisServer> {
        self.redis.as_ref()
    }
}

/// Runs each listed `async fn name(engine: TestEngine)` of the test file
/// (with `TestEngine` in scope)
/// once per engine, as the tests `on_memory::name` and `on_redis::name`.
#[macro_export]
macro_rules! on_both_engines {
    ($($name:ident),+ $(,)?) => {
        mod on_memory {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let engine = super::TestEngine::start_memory();
                    super::$name(engine).await;
                }
            )+
        }
        mod on_redis {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let engine = super::TestEngine::start_redis();
                    super::$name(engine).await;
                }
            )+
        }
    };
}

/// A node's engine: the shared memory one, or a Redis one of its own.
#[derive(Clone)]
pub struct Node(pub Arc<dyn Engine>);

#[async_trait]
impl Engine for Node {
    fn listen(&self, sink: Arc<dyn Deliver>) {
        self.0.listen(sink);
    }

    async fn join(&self, join: Join<'_>) -> Result<Joined, EngineError> {
        self.0.join(join).await
    }

    async fn apply(
        &self,
        topic: &str,
        id: Option<&str>,
        key: &str,
        value: Value,
        if_absent: IfAbsent,
    ) -> Result<Applied, EngineError> {
        self.0.apply(topic, id, key, value, if_absent).await
    }

    async fn seed(&self, topic: &str, entries: Map<String, Value>) -> Result<bool, EngineError> {
        self.0.seed(topic, entries).await
    }

    async fn topic(&self, name: &str) -> Result<Option<TopicState>, EngineError> {
        self.0.topic(name).await
    }

    async fn watch(&self, topic: &str) -> Result<(), EngineError> {
        self.0.watch(topic).await
    }

    async fn unwatch(&self, topic: &str) {
        self.0.unwatch(topic).await;
    }

    fn readiness(&self) -> Option<watch::Receiver<Readiness>> {
        self.0.readiness()
    }

    async fn broadcast(&self, event: &ServerEvent) -> Result<(), EngineError> {
        self.0.broadcast(event).await
    }
}
