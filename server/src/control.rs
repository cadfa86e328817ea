//! Fault injection and inspection under `/control` (only with `--control`).
//!
//! Only loopback peers are answered; CORS allows any origin because browser
//! tests call these from the page under test. Every endpoint takes an
//! optional `client=<id>` that scopes it to that client's connections.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use axum::Json;
use axum::Router;
use axum::extract::{ConnectInfo, Query, Request, State};
use axum::http::StatusCode;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use serde_json::{Value, json};
use tower_http::cors::{Any, CorsLayer};

use crate::faults::Scope;
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

mod events;
mod topics;

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
        .route("/send_binary", post(send_binary))
        .route("/reject_auth", post(reject_auth))
        .route("/token", post(token))
        .route("/drop_before_ack", post(drop_before_ack))
        .route("/subscribe_unavailable", post(subscribe_unavailable))
        .route("/reset", post(reset))
        .route("/subscriptions", get(subscriptions))
        .route("/stats", get(stats))
        .merge(topics::router())
        .merge(events::router())
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

pub(crate) fn bad_request(message: &str) -> Response {
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

/// Sends the body as a binary frame: outside the protocol, for clients'
/// handling of one (a typed error, the connection kept).
async fn send_binary(State(app): Ctl, Query(p): Q, body: axum::body::Bytes) -> Json<Value> {
    let n = app
        .monitor
        .command(&p.scope(), || Out::Binary(body.to_vec()));
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
