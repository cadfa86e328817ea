//! [`RedisOptions`]: how a [`RedisEngine`](super::RedisEngine) keeps topics.

use std::time::Duration;

/// How a [`RedisEngine`](super::RedisEngine) keeps topics.
///
/// ```
/// use leptos_sync_server::RedisOptions;
/// let options = RedisOptions { history: 1_000, ..RedisOptions::default() };
/// assert_eq!(options.prefix, "lsync");
/// ```
#[derive(Debug, Clone)]
pub struct RedisOptions {
    /// Prefix of every key and channel, so that several apps share a Redis.
    pub prefix: String,
    /// Changes kept per topic in its history stream (exact `MAXLEN`).
    pub history: usize,
    /// Expiry of a topic's history and mutation ids after its last change;
    /// its entries stay. None keeps them.
    pub history_ttl: Option<Duration>,
    /// Mutation ids remembered per topic for deduplication.
    pub dedup_window: usize,
    /// How long a Redis command may take before the engine answers
    /// [`EngineError::Unavailable`](crate::EngineError::Unavailable).
    pub timeout: Duration,
    /// How often an idle dispatcher checks its topic's top seq, healing a
    /// change pub/sub lost with no change after it.
    pub check_every: Duration,
    /// How long Redis may fail to answer (commands or pub/sub) before the
    /// engine reports [`Readiness::NotReady`](crate::Readiness::NotReady), which closes the node's
    /// clients with 1013; shorter outages go unnoticed by them.
    pub unavailable_after: Duration,
}

impl Default for RedisOptions {
    fn default() -> Self {
        Self {
            prefix: "lsync".to_owned(),
            history: crate::Config::HISTORY,
            history_ttl: None,
            dedup_window: 10_000,
            timeout: Duration::from_secs(2),
            check_every: Duration::from_secs(5),
            unavailable_after: Duration::from_secs(2),
        }
    }
}
