//! The request methods of the reference server, registered as an app would
//! register its own. The demo and the tests call them:
//!
//! - [`Summary`] (`summary`): task counts of a board's topic, computed on the server;
//! - [`Slow`] (`slow`): answers after the delay it is given, with how many
//!   times this process ran its tag: the tests of timeouts and of replays
//!   across a restart;
//! - `fail` (by name, on JSON): answers the error code and message it is given.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use leptos_sync_server::{
    Action, Principal, ResponseError, SyncRequest, SyncServer, SyncServerBuilder,
};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::rules;

/// The counts of a task board.
#[derive(Debug, Serialize, Deserialize)]
pub struct Summary {
    /// The board's topic, e.g. `Task` or `Task:b1`.
    pub topic: String,
}

/// The answer to [`Summary`].
#[derive(Debug, PartialEq, Serialize, Deserialize)]
pub struct Counts {
    /// The topic counted.
    pub topic: String,
    /// Its tasks.
    pub total: u64,
    /// Those with `done: true`.
    pub done: u64,
    /// The others.
    pub open: u64,
}

impl SyncRequest for Summary {
    const METHOD: &'static str = "summary";
    type Response = Counts;
}

/// Waits `ms` (at most [`SLOW_MAX_MS`]), then answers how many times this
/// process has run `tag`.
#[derive(Debug, Serialize, Deserialize)]
pub struct Slow {
    /// How long to take.
    pub ms: u64,
    /// What to count the runs of.
    pub tag: String,
}

/// The answer to [`Slow`].
#[derive(Debug, PartialEq, Serialize, Deserialize)]
pub struct Ran {
    /// The request's tag.
    pub tag: String,
    /// Runs of the tag in this process, this one included.
    pub runs: u64,
}

impl SyncRequest for Slow {
    const METHOD: &'static str = "slow";
    type Response = Ran;
}

/// The longest delay [`Slow`] takes.
pub const SLOW_MAX_MS: u64 = 60_000;

/// The `fail` method's payload: the error it answers.
#[derive(Debug, Deserialize)]
struct Fail {
    code: String,
    message: String,
}

/// Registers the methods; `sync` is the built server, set once built
/// (the summary reads its topics).
pub fn register(builder: SyncServerBuilder, sync: Arc<OnceLock<SyncServer>>) -> SyncServerBuilder {
    let runs: Arc<Mutex<HashMap<String, u64>>> = Arc::default();
    builder
        .on_request::<Summary, _, _>(move |who, summary| {
            let sync = sync.clone();
            async move { summarize(&who, sync.get(), summary).await }
        })
        .on_request::<Slow, _, _>(move |_who, slow| {
            let runs = runs.clone();
            async move {
                tokio::time::sleep(Duration::from_millis(slow.ms.min(SLOW_MAX_MS))).await;
                let mut runs = runs.lock().unwrap_or_else(|e| e.into_inner());
                let n = runs.entry(slow.tag.clone()).or_default();
                *n += 1;
                Ok(Ran {
                    tag: slow.tag,
                    runs: *n,
                })
            }
        })
        .on_request_json("fail", |_who, payload: Value| async move {
            let fail: Fail = serde_json::from_value(payload)
                .map_err(|e| ResponseError::new("invalid_payload", e.to_string()))?;
            Err(ResponseError::new(fail.code, fail.message))
        })
}

/// Counts the tasks of `summary.topic`, for a principal that may read it.
async fn summarize(
    who: &Principal,
    sync: Option<&SyncServer>,
    summary: Summary,
) -> Result<Counts, ResponseError> {
    let topic = summary.topic;
    rules::authorize(who, &Action::Subscribe { topic: &topic })
        .map_err(|reason| ResponseError::new("forbidden", reason))?;
    let sync = sync.ok_or_else(|| ResponseError::new("unavailable", "the server is starting"))?;
    let state = sync
        .topic(&topic)
        .await
        .map_err(|e| ResponseError::new("unavailable", e.to_string()))?;
    let entries = state.map(|s| s.entries).unwrap_or_default();
    let done = entries
        .values()
        .filter(|task| task.get("done").and_then(Value::as_bool) == Some(true))
        .count() as u64;
    let total = entries.len() as u64;
    Ok(Counts {
        topic,
        total,
        done,
        open: total - done,
    })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[tokio::test]
    async fn a_summary_counts_done_and_open_tasks_of_its_topic() {
        let sync = SyncServer::builder().build();
        sync.publish("Task:b1", "t1", json!({"title": "a", "done": true}))
            .await
            .unwrap();
        sync.publish("Task:b1", "t2", json!({"title": "b", "done": false}))
            .await
            .unwrap();
        sync.publish("Task:b2", "t3", json!({"title": "c", "done": true}))
            .await
            .unwrap();
        let who = Principal::new("editor");
        let counts = summarize(
            &who,
            Some(&sync),
            Summary {
                topic: "Task:b1".into(),
            },
        )
        .await;
        let expected = Counts {
            topic: "Task:b1".into(),
            total: 2,
            done: 1,
            open: 1,
        };
        assert_eq!(counts.unwrap(), expected);
        let empty = summarize(
            &who,
            Some(&sync),
            Summary {
                topic: "Task:none".into(),
            },
        )
        .await;
        assert_eq!(empty.unwrap().total, 0);
        let private = Summary {
            topic: format!("{}-x", rules::PRIVATE),
        };
        assert_eq!(
            summarize(&who, Some(&sync), private)
                .await
                .unwrap_err()
                .code,
            "forbidden"
        );
    }
}
