//! Fault injection and inspection under `/control` (only with `--control`).
//!
//! Only loopback peers are answered; CORS allows any origin because browser
//! tests call these from the page under test. Every endpoint takes an
//! optional `client=<id>` that scopes it to that client's connections.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use axum::Json;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{ConnectInfo, Query, Request, State};
use axum::http::StatusCode;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use serde_json::{Value, json};
use tower_http::cors::{Any, CorsLayer};

use crate::MemoryEngine;
use crate::faults::Scope;
use crate::monitor::now_ms;
use crate::queue::Out;
use crate::server::App;

/// Query parameters shared by the control endpoints; each uses what it needs.
#[derive(Debug, Default, Deserialize)]
pub struct Params {
    client: Option<String>,
    ms: Option<u64>,
    retry_after: Option<u64>,
    on: Option<bool>,
    code: Option<u16>,
    reason: Option<String>,
    n: Option<u32>,
    value: Option<String>,
    name: Option<String>,
    topic: Option<String>,
}

impl Params {
    fn scope(&self) -> Scope {
        self.client.clone().filter(|c| !c.is_empty())
    }
}

type Ctl = State<Arc<App>>;
type Q = Query<Params>;

/// The `/control` routes, guarded and with permissive CORS.
pub fn router() -> Router<Arc<App>> {
    Router::new()
        .route("/drop", post(drop_conns))
        .route("/close", post(close))
        .route("/refuse", post(refuse))
        .route("/overload", post(overload))
        .route("/mute_pings", post(mute_pings))
        .route("/stall", post(stall))
        .route("/send", post(send_raw))
        .route("/reject_auth", post(reject_auth))
        .route("/token", post(token))
        .route("/publish", post(publish))
        .route("/drop_before_ack", post(drop_before_ack))
        .route("/subscribe_unavailable", post(subscribe_unavailable))
        .route("/reset", post(reset))
        .route("/restart", post(restart))
        .route("/lose_update", post(lose_update))
        .route("/publish_many", post(publish_many))
        .route("/history", post(history))
        .route("/subscriptions", get(subscriptions))
        .route("/stats", get(stats))
        .route("/topic", get(topic))
        .route("/mutations", get(mutations))
        .merge(crate::chaos::router())
        .layer(middleware::from_fn(loopback_only))
        .layer(
            CorsLayer::new()
                .allow_origin(Any)
                .allow_methods(Any)
                .allow_headers(Any),
        )
}

/// Whether a peer may use the control API: loopback only, including
/// IPv4-mapped IPv6 loopback.
pub fn is_allowed_peer(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => v4.is_loopback(),
        IpAddr::V6(v6) => {
            v6.is_loopback() || v6.to_ipv4_mapped().is_some_and(|v4| v4.is_loopback())
        }
    }
}

/// Answers 403 unless the peer is on loopback; without a known peer it refuses too.
pub async fn loopback_only(req: Request, next: Next) -> Response {
    let peer = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip());
    if peer.is_some_and(is_allowed_peer) {
        next.run(req).await
    } else {
        (
            StatusCode::FORBIDDEN,
            "control endpoints answer loopback peers only",
        )
            .into_response()
    }
}

fn bad_request(message: &str) -> Response {
    (StatusCode::BAD_REQUEST, message.to_owned()).into_response()
}

async fn drop_conns(State(app): Ctl, Query(p): Q) -> Json<Value> {
    let n = app.monitor.command(&p.scope(), || Out::Drop);
    Json(json!({ "dropped": n }))
}

async fn close(State(app): Ctl, Query(p): Q) -> Response {
    let code = p.code.unwrap_or(1000);
    // Codes a peer may put on the wire (RFC 6455 §7.4).
    let valid = matches!(code, 1000..=1003 | 1007..=1014 | 3000..=4999);
    if !valid {
        return bad_request("code must be a close code a peer may send");
    }
    let reason = p.reason.clone().unwrap_or_default();
    if reason.len() > 123 {
        return bad_request("reason must fit in 123 bytes");
    }
    let n = app
        .monitor
        .command(&p.scope(), || Out::Close(code, reason.clone()));
    Json(json!({ "closed": n })).into_response()
}

async fn refuse(State(app): Ctl, Query(p): Q) -> Json<Value> {
    let ms = p.ms.unwrap_or(3000);
    app.monitor.refuse(p.scope(), ms);
    Json(json!({ "ms": ms }))
}

async fn overload(State(app): Ctl, Query(p): Q) -> Json<Value> {
    let (ms, retry_after) = (p.ms.unwrap_or(5000), p.retry_after.unwrap_or(2000));
    app.monitor.overload(p.scope(), ms, retry_after);
    Json(json!({ "ms": ms, "retry_after": retry_after }))
}

async fn mute_pings(State(app): Ctl, Query(p): Q) -> Json<Value> {
    let on = p.on.unwrap_or(true);
    app.monitor.mute_pings(p.scope(), on);
    Json(json!({ "on": on }))
}

async fn stall(State(app): Ctl, Query(p): Q) -> Json<Value> {
    let n = app.monitor.command(&p.scope(), || Out::Stall);
    Json(json!({ "stalled": n }))
}

async fn send_raw(State(app): Ctl, Query(p): Q, body: String) -> Json<Value> {
    let n = app.monitor.command(&p.scope(), || Out::Text(body.clone()));
    Json(json!({ "sent": n }))
}

async fn reject_auth(State(app): Ctl, Query(p): Q) -> Json<Value> {
    let on = p.on.unwrap_or(true);
    app.monitor.reject_auth(p.scope(), on);
    Json(json!({ "on": on }))
}

async fn token(State(app): Ctl, Query(p): Q) -> Json<Value> {
    // The token is global: a hello does not know which test it belongs to
    // beyond its client id, and a per-client token would add nothing.
    let token = p.value.filter(|v| !v.is_empty());
    let required = token.is_some();
    app.monitor.set_token(token);
    Json(json!({ "required": required }))
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

async fn subscriptions(State(app): Ctl, Query(p): Q) -> Json<Value> {
    let scope = p.scope();
    let topic = p.topic.clone().filter(|t| !t.is_empty());
    let list = app
        .fanout
        .subscriptions()
        .into_iter()
        .filter(|s| topic.as_ref().is_none_or(|t| *t == s.topic))
        .filter_map(|s| {
            let (client, session) = app.monitor.conn_info(s.conn)?;
            (scope.is_none() || client == scope).then(
                || json!({ "client": client, "session": session, "sub": s.sub, "topic": s.topic }),
            )
        })
        .collect();
    Json(Value::Array(list))
}

async fn drop_before_ack(State(app): Ctl, Query(p): Q) -> Json<Value> {
    let n = p.n.unwrap_or(1);
    app.monitor.drop_before_ack(p.scope(), n);
    Json(json!({ "n": n }))
}

async fn subscribe_unavailable(State(app): Ctl, Query(p): Q) -> Json<Value> {
    let n = p.n.unwrap_or(1);
    app.monitor.subscribe_unavailable(p.scope(), n);
    Json(json!({ "n": n }))
}

async fn reset(State(app): Ctl, Query(p): Q) -> Json<Value> {
    app.monitor.reset(&p.scope());
    app.chaos.reset(&p.scope());
    Json(json!({ "reset": true }))
}

async fn stats(State(app): Ctl, Query(p): Q) -> Json<Value> {
    let scope = p.scope();
    let mut view = app.monitor.stats(&scope);
    for s in app.fanout.subscriptions() {
        let Some((client, session)) = app.monitor.conn_info(s.conn) else {
            continue;
        };
        if scope.is_none() || client == scope {
            view.subscriptions
                .push(json!({ "session": session, "sub": s.sub, "topic": s.topic }));
        }
    }
    Json(serde_json::to_value(view).unwrap_or_default())
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_loopback_peers_are_allowed() {
        for ok in ["127.0.0.1", "127.5.0.9", "::1", "::ffff:127.0.0.1"] {
            assert!(is_allowed_peer(ok.parse().unwrap()), "{ok}");
        }
        for no in [
            "10.0.0.1",
            "192.168.1.2",
            "0.0.0.0",
            "::",
            "::ffff:10.0.0.1",
            "fe80::1",
        ] {
            assert!(!is_allowed_peer(no.parse().unwrap()), "{no}");
        }
    }
}
