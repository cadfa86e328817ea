//! Request handlers, and the cache that makes a replayed request run at most once.
//!
//! A request id is the client's: a client replays a request with the same id
//! after a reconnect, possibly while the first run is still going. Each
//! `(principal, id)` gets one [`OnceCell`]: the first frame runs the
//! handler, a replay waits on the same cell and gets the same response.
//! Completed responses are kept for [`Requests::cache_ttl`] and at most
//! [`Requests::cache_capacity`] of them; a replay after that runs again.
//!
//! The cache lives in this process; an engine shared by several nodes (the
//! Redis engine) also claims each `(principal, id)` with
//! [`Engine::claim_request`], so a replay that lands on another node waits
//! for the first node's run, or gets its stored outcome, instead of running
//! again. With the in-process engine, a replay to a restarted process runs
//! again (the first run died with it): see PROTOCOL.md, "Requests".

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use leptos_sync_protocol::ResponseError;
use leptos_sync_protocol::request::code;
use serde_json::Value;
use tokio::sync::OnceCell;

use crate::engine::{Engine, RequestClaim};
use crate::hooks::{BoxFuture, Principal};

/// How long a node's claim on a running request holds in a shared engine: a
/// node that dies mid-run blocks the id no longer than this, and a handler
/// that runs longer may run again on another node.
const RUNNING_MS: u64 = 30_000;
/// How often a node asks whether another node's run has finished.
const POLL: Duration = Duration::from_millis(50);

/// What a handler answers: the result, or an error the client gets typed.
pub(crate) type Outcome = Result<Value, ResponseError>;

pub(crate) type Handler = Arc<dyn Fn(Principal, Value) -> BoxFuture<Outcome> + Send + Sync>;

/// The handlers of a server and how requests are bounded.
pub(crate) struct Requests {
    pub handlers: HashMap<String, Handler>,
    /// Requests one connection may have running at once.
    pub max_in_flight: usize,
    pub cache_capacity: usize,
    pub cache_ttl: Duration,
    cache: Mutex<Cache>,
}

impl Default for Requests {
    fn default() -> Self {
        Self {
            handlers: HashMap::new(),
            max_in_flight: Requests::MAX_IN_FLIGHT,
            cache_capacity: Requests::CACHE_CAPACITY,
            cache_ttl: Requests::CACHE_TTL,
            cache: Mutex::default(),
        }
    }
}

type Key = (String, String);

#[derive(Default)]
struct Cache {
    cells: HashMap<Key, Arc<OnceCell<Outcome>>>,
    /// Keys by the time they were first seen, oldest first.
    order: VecDeque<(Key, Instant)>,
}

impl Requests {
    /// Default of [`SyncServerBuilder::max_requests_in_flight`](crate::SyncServerBuilder::max_requests_in_flight).
    pub const MAX_IN_FLIGHT: usize = 16;
    /// Default of the cache's capacity, in requests.
    pub const CACHE_CAPACITY: usize = 10_000;
    /// Default of how long a response is kept for replays.
    pub const CACHE_TTL: Duration = Duration::from_secs(300);

    /// Runs request `id` of `who` once: the first call runs `method`'s
    /// handler, a call with the same `(who, id)` meanwhile or later (within
    /// the cache's bounds) gets the same outcome. An unknown method is an
    /// error and is not remembered.
    pub async fn run(
        &self,
        engine: &dyn Engine,
        who: Principal,
        id: String,
        method: &str,
        payload: Value,
    ) -> Outcome {
        let Some(handler) = self.handlers.get(method).cloned() else {
            let message = format!("no method {method:?} on this server");
            return Err(ResponseError::new(code::UNKNOWN_METHOD, message));
        };
        let shared = format!("{}:{id}", who.id);
        let cell = self.cell((who.id.clone(), id));
        let outcome = cell
            .get_or_init(|| async move {
                let keep_ms = self.cache_ttl.as_millis().min(u128::from(u64::MAX)) as u64;
                loop {
                    match engine.claim_request(&shared, RUNNING_MS).await {
                        Ok(RequestClaim::Unshared) => return call(handler, who, payload).await,
                        Ok(RequestClaim::Run) => {
                            let outcome = call(handler, who, payload).await;
                            // A lost store means a replay elsewhere runs again: nothing worse.
                            let _ = engine
                                .finish_request(&shared, &encode(&outcome), keep_ms)
                                .await;
                            return outcome;
                        }
                        Ok(RequestClaim::Done(stored)) => return decode(stored),
                        // The claim lapses after RUNNING_MS; then this node runs it.
                        Ok(RequestClaim::Running) => tokio::time::sleep(POLL).await,
                        Err(e) => {
                            return Err(ResponseError::new(
                                leptos_sync_protocol::error_code::UNAVAILABLE,
                                e.to_string(),
                            ));
                        }
                    }
                }
            })
            .await;
        outcome.clone()
    }

    /// The cell of `key`, made if new; the oldest and the expired go first.
    fn cell(&self, key: Key) -> Arc<OnceCell<Outcome>> {
        let mut cache = self.cache.lock().unwrap_or_else(|e| e.into_inner());
        let now = Instant::now();
        while let Some((old, at)) = cache.order.front() {
            let expired = now.duration_since(*at) >= self.cache_ttl;
            if !expired && cache.cells.len() < self.cache_capacity.max(1) {
                break;
            }
            let old = old.clone();
            cache.order.pop_front();
            cache.cells.remove(&old);
        }
        if let Some(cell) = cache.cells.get(&key) {
            return cell.clone();
        }
        let cell = Arc::new(OnceCell::new());
        cache.cells.insert(key.clone(), cell.clone());
        cache.order.push_back((key, now));
        cell
    }
}

/// Runs the handler on its own task: a panic is an `internal` error, not a dead connection.
async fn call(handler: Handler, who: Principal, payload: Value) -> Outcome {
    tokio::spawn(handler(who, payload))
        .await
        .unwrap_or_else(|e| {
            Err(ResponseError::new(
                code::INTERNAL,
                format!("the handler failed: {e}"),
            ))
        })
}

/// An outcome as a shared engine stores it.
fn encode(outcome: &Outcome) -> Value {
    match outcome {
        Ok(result) => serde_json::json!({ "result": result }),
        Err(error) => serde_json::json!({ "error": error }),
    }
}

fn decode(stored: Value) -> Outcome {
    match serde_json::from_value::<ResponseError>(stored["error"].clone()) {
        Ok(error) => Err(error),
        Err(_) => Ok(stored["result"].clone()),
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicU32, Ordering};

    use super::*;
    use crate::MemoryEngine;

    /// Runs `method` without payload as request `id` of `who`, on a memory engine.
    async fn call(requests: &Requests, who: Principal, id: &str, method: &str) -> Outcome {
        let engine = MemoryEngine::new(1);
        requests
            .run(&engine, who, id.into(), method, Value::Null)
            .await
    }

    fn counting(runs: Arc<AtomicU32>) -> Requests {
        let mut requests = Requests::default();
        let handler: Handler = Arc::new(move |_, _| {
            let runs = runs.clone();
            Box::pin(async move {
                tokio::time::sleep(Duration::from_millis(20)).await;
                Ok(Value::from(runs.fetch_add(1, Ordering::SeqCst) + 1))
            })
        });
        requests.handlers.insert("count".into(), handler);
        requests
    }

    #[tokio::test]
    async fn a_replay_during_and_after_the_run_gets_the_same_outcome() {
        let runs = Arc::new(AtomicU32::new(0));
        let requests = Arc::new(counting(runs.clone()));
        let who = Principal::new("alice");
        let first = tokio::spawn({
            let (requests, who) = (requests.clone(), who.clone());
            async move { call(&requests, who, "r1", "count").await }
        });
        let during = call(&requests, who.clone(), "r1", "count").await;
        let after = call(&requests, who.clone(), "r1", "count").await;
        assert_eq!(first.await.unwrap(), Ok(1.into()));
        assert_eq!((during, after), (Ok(1.into()), Ok(1.into())));
        // Another principal's id is another request.
        let bob = call(&requests, Principal::new("bob"), "r1", "count").await;
        assert_eq!(bob, Ok(2.into()));
        assert_eq!(runs.load(Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn the_cache_is_bounded_and_an_evicted_id_runs_again() {
        let runs = Arc::new(AtomicU32::new(0));
        let mut requests = counting(runs.clone());
        requests.cache_capacity = 2;
        let who = Principal::new("a");
        for id in ["r1", "r2", "r3", "r1"] {
            call(&requests, who.clone(), id, "count").await.unwrap();
        }
        assert_eq!(runs.load(Ordering::SeqCst), 4, "r1 was evicted by r3");
        assert!(requests.cache.lock().unwrap().cells.len() <= 2);
    }

    #[tokio::test]
    async fn an_unknown_method_and_a_panic_are_typed_errors() {
        let mut requests = Requests::default();
        let unknown = call(&requests, Principal::default(), "r", "nope").await;
        assert_eq!(unknown.unwrap_err().code, code::UNKNOWN_METHOD);
        let handler: Handler = Arc::new(|_, _| Box::pin(async { panic!("boom") }));
        requests.handlers.insert("panics".into(), handler);
        let panicked = call(&requests, Principal::default(), "r", "panics").await;
        assert_eq!(panicked.unwrap_err().code, code::INTERNAL);
    }
}
