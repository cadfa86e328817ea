//! The `/ws` endpoint: admission (faults) and the frame loop of one
//! connection; the handling of each client frame is in `frames`.
//!
//! Every frame to the client goes through the connection's queue ([`Out`]),
//! except the start of a subscription (`subscribed` and its replay or
//! snapshot), which the loop writes itself: updates of that subscription
//! already queued are then filtered by seq, so it sees every change exactly
//! once and in order, however the engine's round trip raced them.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::extract::{Query, State};
#[cfg(feature = "control")]
use axum::http::StatusCode;
#[cfg(feature = "control")]
use axum::response::IntoResponse;
use axum::response::Response;
#[cfg(feature = "control")]
use leptos_sync_protocol::close_code;
use serde::Deserialize;
use tokio::sync::mpsc::{UnboundedReceiver, unbounded_channel};

use crate::fanout::{ConnId, Out, Tx};
use crate::faults::{Admission, Scope};
use crate::hooks::Principal;
use crate::server::App;

mod frames;

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
        principal: Principal::default(),
        floors: HashMap::new(),
    };
    conn.serve(&mut socket, rx).await;
    app.fanout.remove_conn(id);
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
    /// Write the start of subscription `sub` now; its queued updates up to
    /// seq `floor` are in it.
    Joined {
        sub: u64,
        floor: u64,
        frames: Vec<String>,
    },
}

pub(super) struct Conn {
    app: Arc<App>,
    client: Scope,
    attempt: u64,
    id: ConnId,
    tx: Tx,
    session: Option<String>,
    /// Who `authenticate` said this connection is, once welcomed.
    principal: Principal,
    /// Per subscription, the seq its start covers: queued updates up to it are skipped.
    floors: HashMap<u64, u64>,
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
                    Some(Out::Update { sub, seq, text }) => {
                        if self.floors.get(&sub).is_some_and(|&floor| seq <= floor) {
                            continue;
                        }
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
                        Some(Ok(Message::Text(text))) => self.on_text(text.as_str()).await,
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
                        Flow::Joined { sub, floor, frames } => {
                            self.floors.insert(sub, floor);
                            for text in frames {
                                if socket.send(Message::Text(text.into())).await.is_err() {
                                    return;
                                }
                            }
                        }
                    }
                }
            }
        }
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
