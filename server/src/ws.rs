//! The `/ws` endpoint: admission (faults), the `hello` handshake and the
//! frame loop of one connection.
//!
//! Every frame to the client, replies included, goes through the
//! connection's queue ([`Out`]). Broadcasts are queued under the topic lock,
//! so a reply queued after them can never overtake them.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::extract::{Query, State};
#[cfg(feature = "control")]
use axum::http::StatusCode;
#[cfg(feature = "control")]
use axum::response::IntoResponse;
use axum::response::Response;
use leptos_sync_protocol::{
    ClientMsg, DecodeError, PROTOCOL_VERSION, ServerMsg, close_code, error_code,
};
use serde::Deserialize;
use tokio::sync::mpsc::{UnboundedReceiver, unbounded_channel};

use crate::App;
use crate::faults::{Admission, Scope};
use crate::state::{ConnId, Out, SubRequest, Tx, send};

/// How long to wait for the client's half of a close handshake.
const CLOSE_GRACE: Duration = Duration::from_secs(2);

/// Query of the WebSocket URL.
#[derive(Debug, Deserialize)]
pub struct WsQuery {
    /// Scopes statistics and faults to this client (used by tests).
    client: Option<String>,
}

/// Handles `GET /ws`: applies refuse/overload faults, then upgrades.
pub async fn upgrade(
    State(app): State<Arc<App>>,
    Query(query): Query<WsQuery>,
    ws: WebSocketUpgrade,
) -> Response {
    let client = query.client.filter(|c| !c.is_empty());
    match app.admit(&client) {
        #[cfg(feature = "control")]
        Admission::Refuse => (
            StatusCode::SERVICE_UNAVAILABLE,
            "connections refused for now",
        )
            .into_response(),
        #[cfg(feature = "control")]
        Admission::Overload(ms) => ws.on_upgrade(move |mut socket| async move {
            let reason = close_code::retry_after_reason(ms);
            if send_close(&mut socket, close_code::OVERLOADED, reason).await {
                finish_close(&mut socket).await;
            }
        }),
        Admission::Accept(attempt) => {
            // tungstenite kills the connection past its limit, but an
            // oversized frame must only earn `too_large`: check it ourselves
            // and keep tungstenite's hard limit well above ours.
            let hard_limit = app.config.max_frame.saturating_mul(4).max(16 << 20);
            ws.max_message_size(hard_limit)
                .max_frame_size(hard_limit)
                .on_upgrade(move |socket| run(app, client, attempt, socket))
        }
    }
}

async fn run(app: Arc<App>, client: Scope, attempt: u64, mut socket: WebSocket) {
    let (tx, rx) = unbounded_channel();
    let id = app.next_conn_id();
    app.register(id, client.clone(), tx.clone());
    let mut conn = Conn {
        app: app.clone(),
        client,
        attempt,
        id,
        tx,
        session: None,
    };
    conn.serve(&mut socket, rx).await;
    app.hub.remove_conn(id);
    app.unregister(id);
    // Only now does the TCP connection end, and the client see its close: a
    // connection it opens after that is never counted together with this one.
    drop(socket);
}

/// What the frame loop does after handling one client frame.
enum Flow {
    Go,
    /// Close with this code and reason after the queued frames.
    Close(u16, &'static str),
    /// End the TCP connection now.
    Drop,
}

struct Conn {
    app: Arc<App>,
    client: Scope,
    attempt: u64,
    id: ConnId,
    tx: Tx,
    session: Option<String>,
}

impl Conn {
    async fn serve(&mut self, socket: &mut WebSocket, mut rx: UnboundedReceiver<Out>) {
        loop {
            tokio::select! {
                // Queued frames first: replies to a frame go out before the next is read.
                biased;
                out = rx.recv() => match out {
                    Some(Out::Text(text)) => {
                        if socket.send(Message::Text(text.into())).await.is_err() {
                            return;
                        }
                    }
                    Some(Out::Close(code, reason)) => {
                        if send_close(socket, code, reason).await {
                            finish_close(socket).await;
                        }
                        return;
                    }
                    #[cfg(feature = "control")]
                    Some(Out::Stall) => {
                        // Hold the socket without touching it: a half-open link.
                        while let Some(out) = rx.recv().await {
                            if matches!(out, Out::Drop) {
                                return;
                            }
                        }
                        return;
                    }
                    Some(Out::Drop) | None => return,
                },
                msg = socket.recv() => {
                    let flow = match msg {
                        None | Some(Err(_)) => return,
                        Some(Ok(Message::Text(text))) => self.on_text(text.as_str()),
                        Some(Ok(Message::Binary(bytes))) => self.on_binary(bytes.len()),
                        // tungstenite answers pings and closes itself; after a
                        // close the next recv() ends the loop.
                        Some(Ok(_)) => Flow::Go,
                    };
                    match flow {
                        Flow::Go => {}
                        Flow::Close(code, reason) => {
                            let _ = self.tx.send(Out::Close(code, reason.to_owned()));
                        }
                        Flow::Drop => return,
                    }
                }
            }
        }
    }

    fn on_binary(&mut self, len: usize) -> Flow {
        self.record(&format!("<binary {len} bytes>"), false);
        if self.session.is_none() {
            return self.hello_required();
        }
        self.error(
            error_code::BAD_FRAME,
            "binary frames are not part of the protocol".into(),
            None,
            None,
        );
        Flow::Go
    }

    fn on_text(&mut self, text: &str) -> Flow {
        let max = self.app.config.max_frame;
        if text.len() > max {
            self.record(text, false);
            if self.session.is_none() {
                return self.hello_required();
            }
            let message = format!("frame of {} bytes exceeds the limit of {max}", text.len());
            self.error(error_code::TOO_LARGE, message, None, None);
            return Flow::Go;
        }
        self.record(text, true);
        let msg = ClientMsg::decode(text);
        if self.session.is_none() {
            return self.handshake(msg);
        }
        match msg {
            Err(e) => self.decode_error(e),
            Ok(ClientMsg::Hello { .. }) => {
                let message = "hello was already answered on this connection".into();
                self.error(error_code::UNEXPECTED_HELLO, message, None, None);
            }
            Ok(ClientMsg::Subscribe {
                sub,
                topic,
                schema,
                since,
                epoch,
            }) => {
                let req = SubRequest {
                    sub,
                    topic: &topic,
                    schema,
                    since,
                    epoch: epoch.as_deref(),
                };
                if let Err(m) = self.app.hub.subscribe(self.id, &self.tx, &req) {
                    let message = format!(
                        "topic {topic:?} has schema {}, the subscription has {schema}",
                        m.expected
                    );
                    let error = ServerMsg::Error {
                        code: error_code::SCHEMA_MISMATCH.to_owned(),
                        message,
                        id: None,
                        sub: Some(sub),
                        schema: Some(m.expected),
                    };
                    send(&self.tx, &error);
                }
            }
            Ok(ClientMsg::Unsubscribe { sub }) => {
                if !self.app.hub.unsubscribe(self.id, sub) {
                    let message = format!("no subscription {sub} on this connection");
                    self.error(error_code::UNKNOWN_SUBSCRIPTION, message, None, Some(sub));
                }
            }
            Ok(ClientMsg::Mutate {
                id,
                topic,
                key,
                value,
            }) => {
                let (seq, _) = self.app.hub.mutate(&id, &topic, &key, value);
                if self.app.take_drop_before_ack(&self.client) {
                    return Flow::Drop;
                }
                send(&self.tx, &ServerMsg::Ack { id, seq });
            }
            Ok(ClientMsg::Ping { t }) => {
                if self.app.ping(&self.client) {
                    send(&self.tx, &ServerMsg::Pong { t });
                }
            }
        }
        Flow::Go
    }

    fn handshake(&mut self, msg: Result<ClientMsg, DecodeError>) -> Flow {
        let Ok(ClientMsg::Hello { protocol, token }) = msg else {
            return self.hello_required();
        };
        if protocol != PROTOCOL_VERSION {
            let message = format!("this server speaks protocol {PROTOCOL_VERSION}, not {protocol}");
            self.error(error_code::UNSUPPORTED_PROTOCOL, message, None, None);
            return Flow::Close(close_code::PROTOCOL_VIOLATION, "unsupported protocol");
        }
        if !self.app.hello(&self.client, self.attempt, token.as_deref()) {
            return Flow::Close(close_code::UNAUTHORIZED, "unauthorized");
        }
        let session = format!("{:x}-{}", self.app.boot, self.id);
        self.app.set_session(self.id, &session);
        self.session = Some(session.clone());
        let heartbeat_ms = Some(self.app.config.heartbeat_ms);
        send(
            &self.tx,
            &ServerMsg::Welcome {
                session,
                heartbeat_ms,
            },
        );
        if self.app.flapping(&self.client) {
            // Welcome goes out first (the queue is ordered), then the link dies.
            let _ = self.tx.send(Out::Drop);
        }
        Flow::Go
    }

    fn hello_required(&mut self) -> Flow {
        let message = "the first frame of a connection must be hello".into();
        self.error(error_code::HELLO_REQUIRED, message, None, None);
        Flow::Close(close_code::PROTOCOL_VIOLATION, "hello required")
    }

    fn decode_error(&mut self, e: DecodeError) {
        let code = match e {
            DecodeError::Malformed(_) => error_code::BAD_FRAME,
            DecodeError::UnknownType(_) => error_code::UNKNOWN_TYPE,
            DecodeError::InvalidFields { .. } => error_code::INVALID_FIELDS,
        };
        self.error(code, e.to_string(), None, None);
    }

    fn error(&self, code: &str, message: String, id: Option<String>, sub: Option<u64>) {
        let code = code.to_owned();
        send(
            &self.tx,
            &ServerMsg::Error {
                code,
                message,
                id,
                sub,
                schema: None,
            },
        );
    }

    fn record(&self, text: &str, parse: bool) {
        self.app
            .record(&self.client, self.session.clone(), text, parse);
    }
}

/// Sends a close frame; false when the socket is already gone.
async fn send_close(socket: &mut WebSocket, code: u16, reason: String) -> bool {
    let frame = CloseFrame {
        code,
        reason: reason.into(),
    };
    socket.send(Message::Close(Some(frame))).await.is_ok()
}

/// Waits (briefly) for the client's close reply so the handshake ends cleanly.
async fn finish_close(socket: &mut WebSocket) {
    let drain = async { while let Some(Ok(_)) = socket.recv().await {} };
    let _ = tokio::time::timeout(CLOSE_GRACE, drain).await;
}
