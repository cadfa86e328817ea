//! The reference server as the tests see it: its address, the WebSocket URL
//! of a test's client, and its `/control` API (faults, publishing, statistics).
//!
//! Every call retries while the server cannot be reached (the chaos suite
//! crashes it; the supervisor restarts it on the same port), for up to 20 s;
//! a request the server rejects (4xx) fails the test at once.

use std::collections::HashMap;

use gloo_timers::future::TimeoutFuture;
use leptos_sync::SyncComponent;
use serde_json::{Value, json};

use super::now;

/// `host:port` of the reference server, set by `scripts/test` at compile time.
pub const SERVER: &str = match option_env!("LEPTOS_SYNC_TEST_SERVER") {
    Some(addr) => addr,
    None => "127.0.0.1:8080",
};

/// The WebSocket URL for a test; `client` scopes the server's stats and faults to this test.
pub fn ws_url(client: &str) -> String {
    format!("ws://{SERVER}/ws?client={client}")
}

/// POSTs to a control endpoint (`path` includes the query, e.g.
/// `drop?client=x`) and returns its JSON (`Null` for a body that is not JSON).
pub async fn control(path: &str) -> Value {
    control_with_body(path, "").await
}

/// Like [`control`], with a request body (e.g. the frame of `send?client=x`).
pub async fn control_with_body(path: &str, body: &str) -> Value {
    retrying("POST", path, body).await
}

/// GETs a control endpoint, e.g. `query("mutations")`.
pub async fn query(path: &str) -> Value {
    retrying("GET", path, "").await
}

/// Crashes the server process after `after_ms`; the supervisor of the chaos
/// suite restarts it. A lost reply (the process died first) counts as delivered.
pub async fn crash(after_ms: u32) {
    let _ = request("POST", &format!("crash?after_ms={after_ms}"), "").await;
}

/// A request that is retried while the server is down (restarting), up to 20 s.
async fn retrying(method: &str, path: &str, body: &str) -> Value {
    let deadline = now() + 20_000.0;
    loop {
        match request(method, path, body).await {
            Ok(value) => return value,
            Err(Failure::Unreachable(_)) if now() < deadline => TimeoutFuture::new(20).await,
            Err(Failure::Unreachable(e) | Failure::Rejected(e)) => panic!("control {path}: {e}"),
        }
    }
}

enum Failure {
    /// No answer, or a 5xx from a server that is going down.
    Unreachable(String),
    /// A 4xx: the request itself is wrong.
    Rejected(String),
}

async fn request(method: &str, path: &str, body: &str) -> Result<Value, Failure> {
    let url = format!("http://{SERVER}/control/{path}");
    let unreachable = |e: gloo_net::Error| Failure::Unreachable(e.to_string());
    let response = match method {
        "GET" => gloo_net::http::Request::get(&url).send().await,
        _ => {
            gloo_net::http::Request::post(&url)
                .body(body.to_string())
                .map_err(unreachable)?
                .send()
                .await
        }
    }
    .map_err(unreachable)?;
    let status = response.status();
    if (400..500).contains(&status) {
        return Err(Failure::Rejected(format!("HTTP {status}")));
    }
    if !response.ok() {
        return Err(Failure::Unreachable(format!("HTTP {status}")));
    }
    let text = response.text().await.map_err(unreachable)?;
    Ok(serde_json::from_str(&text).unwrap_or(Value::Null))
}

/// Publishes one entry of a topic; returns the topic's new seq.
pub async fn publish(topic: &str, key: &str, value: Value) -> u64 {
    let body = json!({"topic": topic, "key": key, "value": value}).to_string();
    control_with_body("publish", &body).await["seq"]
        .as_u64()
        .expect("publish returns the seq")
}

/// The server's statistics for one client: `attempts`, `hellos`, `frames`, `subscriptions`…
pub async fn stats(client: &str) -> Value {
    query(&format!("stats?client={client}")).await
}

/// Connection attempts the server saw from this client: `(at_ms, outcome)`.
pub async fn attempts(client: &str) -> Vec<(f64, String)> {
    stats(client).await["attempts"]
        .as_array()
        .expect("attempts array")
        .iter()
        .map(|a| {
            (
                a["at_ms"].as_f64().expect("at_ms"),
                a["outcome"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

/// A frame the client sent, as the server recorded it.
#[derive(Debug, Clone)]
pub struct ClientFrame {
    /// The session of the connection it came on (empty before `welcome`).
    pub session: String,
    /// Its `type`: `hello`, `subscribe`, `mutate`…
    pub kind: String,
    /// The whole frame.
    pub raw: Value,
}

/// Every frame this client sent, in order.
pub async fn client_frames(client: &str) -> Vec<ClientFrame> {
    stats(client).await["frames"]
        .as_array()
        .expect("frames array")
        .iter()
        .map(|f| ClientFrame {
            session: f["session"].as_str().unwrap_or_default().to_string(),
            kind: f["type"].as_str().unwrap_or_default().to_string(),
            raw: serde_json::from_str(f["raw"].as_str().unwrap_or("null")).unwrap_or(Value::Null),
        })
        .collect()
}

/// The server's entries of `T`'s topic.
pub async fn server_entries<T: SyncComponent>() -> HashMap<String, T> {
    let topic = query(&format!("topic?name={}", T::NAME)).await;
    serde_json::from_value(topic["entries"].clone()).expect("the topic's entries decode as T")
}

/// A subscription the server holds.
#[derive(Debug, Clone)]
pub struct ServerSubscription {
    pub client: String,
    /// `<boot>-<n>`: the boot prefix tells server processes apart.
    pub session: String,
    pub sub: u64,
    pub topic: String,
}

/// The subscriptions the server holds, filtered by `topic=…` and/or `client=…`.
pub async fn server_subscriptions(filter: &str) -> Vec<ServerSubscription> {
    query(&format!("subscriptions?{filter}"))
        .await
        .as_array()
        .expect("subscriptions array")
        .iter()
        .map(|s| ServerSubscription {
            client: s["client"].as_str().unwrap_or_default().to_string(),
            session: s["session"].as_str().unwrap_or_default().to_string(),
            sub: s["sub"].as_u64().expect("sub"),
            topic: s["topic"].as_str().unwrap_or_default().to_string(),
        })
        .collect()
}
