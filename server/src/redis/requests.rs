//! Requests shared by the nodes on one Redis: one key per `(principal, id)`,
//! holding `running` while a node runs it, then its outcome as JSON.

use redis::aio::ConnectionManager;
use serde_json::Value as Json;

use super::unavailable;
use crate::engine::{EngineError, RequestClaim};

/// The marker of a request being run; an outcome is a JSON object, never this.
const RUNNING: &str = "running";

fn key(prefix: &str, request: &str) -> String {
    format!("{prefix}:request:{request}")
}

/// `SET NX` the running marker, or read what is there.
pub(super) async fn claim(
    mut conn: ConnectionManager,
    prefix: &str,
    request: &str,
    running_ms: u64,
) -> Result<RequestClaim, EngineError> {
    let key = key(prefix, request);
    let set: Option<String> = redis::cmd("SET")
        .arg(&key)
        .arg(RUNNING)
        .arg("NX")
        .arg("PX")
        .arg(running_ms.max(1))
        .query_async(&mut conn)
        .await
        .map_err(unavailable)?;
    if set.is_some() {
        return Ok(RequestClaim::Run);
    }
    let held: Option<String> = redis::cmd("GET")
        .arg(&key)
        .query_async(&mut conn)
        .await
        .map_err(unavailable)?;
    Ok(match held.as_deref() {
        // Gone between the two commands (expired): ask again later.
        None | Some(RUNNING) => RequestClaim::Running,
        Some(outcome) => serde_json::from_str(outcome)
            .map(RequestClaim::Done)
            .map_err(|e| EngineError::Unavailable(format!("a stored response is not JSON: {e}")))?,
    })
}

/// Replaces the running marker with the outcome, kept `keep_ms`.
pub(super) async fn finish(
    mut conn: ConnectionManager,
    prefix: &str,
    request: &str,
    outcome: &Json,
    keep_ms: u64,
) -> Result<(), EngineError> {
    redis::cmd("SET")
        .arg(key(prefix, request))
        .arg(outcome.to_string())
        .arg("PX")
        .arg(keep_ms.max(1))
        .query_async::<()>(&mut conn)
        .await
        .map_err(unavailable)
}
