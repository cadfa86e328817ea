//! The `/control` endpoints about topics: publish (one, or a burst), lose an
//! update, resize the history, restart the topic store, and read a topic or
//! the mutation dedup table.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};

use super::{Ctl, Q, bad_request};
use crate::MemoryEngine;
use crate::monitor::now_ms;
use crate::queue::Out;
use crate::server::App;

pub(super) fn router() -> Router<Arc<App>> {
    Router::new()
        .route("/publish", post(publish))
        .route("/restart", post(restart))
        .route("/lose_update", post(lose_update))
        .route("/publish_many", post(publish_many))
        .route("/history", post(history))
        .route("/topic", get(topic))
        .route("/mutations", get(mutations))
}

#[derive(Deserialize)]
struct Publish {
    topic: String,
    key: String,
    #[serde(default)]
    value: Value,
}

async fn publish(State(app): Ctl, body: Bytes) -> Response {
    let p = match parse_change(&body) {
        Ok(p) => p,
        Err(refusal) => return refusal.into_response(),
    };
    match app.apply(&p.topic, None, &p.key, p.value).await {
        Ok(applied) => Json(json!({ "seq": applied.seq })).into_response(),
        Err(e) => (StatusCode::SERVICE_UNAVAILABLE, e.to_string()).into_response(),
    }
}

async fn lose_update(State(app): Ctl, body: Bytes) -> Response {
    let memory = match memory(&app) {
        Ok(memory) => memory,
        Err(refusal) => return refusal.into_response(),
    };
    match parse_change(&body) {
        Ok(p) => {
            Json(json!({ "seq": memory.lose_update(&p.topic, &p.key, p.value) })).into_response()
        }
        Err(refusal) => refusal.into_response(),
    }
}

/// Parses a `{"topic","key","value"}` body by hand, so that a fetch without a
/// JSON content type works too.
fn parse_change(body: &[u8]) -> Result<Publish, Refusal> {
    serde_json::from_slice::<Publish>(body).map_err(|e| {
        let message = format!("expected {{\"topic\",\"key\",\"value\"}}: {e}");
        (StatusCode::BAD_REQUEST, message)
    })
}

/// A refused request: small, unlike a `Response`, and one `into_response` away.
type Refusal = (StatusCode, String);

/// The in-memory engine, which the endpoints that reach into topic internals need.
fn memory(app: &App) -> Result<Arc<MemoryEngine>, Refusal> {
    app.memory.clone().ok_or_else(|| {
        let message = "this endpoint needs the in-memory engine".to_owned();
        (StatusCode::NOT_IMPLEMENTED, message)
    })
}

/// Most updates one `publish_many` may ask for.
pub const PUBLISH_MANY_CAP: u64 = 1_000_000;

#[derive(Deserialize)]
struct PublishMany {
    topic: String,
    count: u64,
    #[serde(default = "default_prefix")]
    key_prefix: String,
    keys: Option<u64>,
    /// The field of each value that holds the update's number (default `n`),
    /// so a typed client (say `{price, at}`) can decode the burst.
    #[serde(default = "default_field")]
    field: String,
}

fn default_field() -> String {
    "n".to_owned()
}

fn default_prefix() -> String {
    "k".to_owned()
}

async fn publish_many(State(app): Ctl, body: Bytes) -> Response {
    let p = match serde_json::from_slice::<PublishMany>(&body) {
        Ok(p) => p,
        Err(e) => return bad_request(&format!("expected {{\"topic\",\"count\"}}: {e}")),
    };
    if p.count > PUBLISH_MANY_CAP {
        return bad_request(&format!("count must be at most {PUBLISH_MANY_CAP}"));
    }
    let keys = p.keys.unwrap_or(p.count).max(1);
    let memory = match memory(&app) {
        Ok(memory) => memory,
        Err(refusal) => return refusal.into_response(),
    };
    // A large burst is CPU work: keep it off the async workers.
    let seq = tokio::task::spawn_blocking(move || {
        memory.publish_many(&p.topic, p.count, |i| {
            let key = format!("{}{}", p.key_prefix, i % keys);
            let mut value = json!({ "at": now_ms() });
            value[&p.field] = i.into();
            (key, value)
        })
    })
    .await;
    match seq {
        Ok(seq) => Json(json!({ "seq": seq })).into_response(),
        Err(e) => (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()).into_response(),
    }
}

async fn history(State(app): Ctl, Query(p): Q) -> Response {
    let Some(n) = p.n else {
        return bad_request("n is required");
    };
    match memory(&app) {
        Ok(memory) => memory.set_history(n as usize),
        Err(refusal) => return refusal.into_response(),
    }
    Json(json!({ "history": n })).into_response()
}

async fn restart(State(app): Ctl) -> Response {
    let memory = match memory(&app) {
        Ok(memory) => memory,
        Err(refusal) => return refusal.into_response(),
    };
    // Wipe first, then drop: a connection that subscribes in between is
    // dropped too, and one accepted after the drop only sees the new state.
    memory.restart();
    app.fanout.clear();
    app.monitor.command(&None, || Out::Drop);
    Json(json!({ "restarted": true })).into_response()
}

async fn topic(State(app): Ctl, Query(p): Q) -> Response {
    let Some(name) = p.name else {
        return bad_request("name is required");
    };
    match app.engine.topic(&name).await {
        Ok(Some(t)) => Json(json!({ "seq": t.seq, "entries": t.entries, "epoch": t.epoch })),
        Ok(None) => Json(json!({ "seq": 0, "entries": {}, "epoch": null })),
        Err(e) => return (StatusCode::SERVICE_UNAVAILABLE, e.to_string()).into_response(),
    }
    .into_response()
}

async fn mutations(State(app): Ctl) -> Response {
    match memory(&app) {
        Ok(memory) => Json(Value::Object(memory.mutations())).into_response(),
        Err(refusal) => refusal.into_response(),
    }
}
