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
use std::time::{Duration, Instant};

use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::{Query, State};
#[cfg(feature = "control")]
use axum::http::StatusCode;
#[cfg(feature = "control")]
use axum::response::IntoResponse;
use axum::response::Response;
use leptos_sync_protocol::close_code;
use serde::Deserialize;

use crate::admission::Ticket;
use crate::fanout::ConnId;
use crate::faults::{Admission, Scope};
use crate::hooks::Principal;
use crate::queue::{Out, Rx, Tx, queue};
use crate::server::App;

mod frames;
mod rate;
mod requests;
mod socket;

use socket::{finish_close, flush_if, refuse, send_close, write};

/// How long to wait for the client's half of a close handshake.
const CLOSE_GRACE: Duration = Duration::from_secs(2);
/// How long a server-initiated close (slow consumer, shutdown) may wait
/// behind the frames its socket still holds: a client that reads slowly
/// still learns why it was closed, and one that never reads is dropped then.
const CLOSE_WRITE_GRACE: Duration = Duration::from_secs(5);

/// tungstenite zeroes its free read buffer (default 128 KiB) on every read: half a Redis node's CPU.
const READ_BUFFER: usize = 8 * 1024;

/// Query of the WebSocket URL.
#[derive(Debug, Deserialize)]
pub struct WsQuery {
    /// Scopes statistics and faults to this client (used by tests).
    client: Option<String>,
}

/// Handles `GET /ws`: sheds what a shutdown, the connection cap or the
/// session rate turns away, applies refuse/overload faults, then upgrades.
pub async fn upgrade(
    State(app): State<Arc<App>>,
    Query(query): Query<WsQuery>,
    ws: WebSocketUpgrade,
) -> Response {
    let client = query.client.filter(|c| !c.is_empty());
    // Before anything else: a connection during a shutdown, over the cap or
    // beyond the session rate costs an upgrade and a close.
    if let Some(ms) = app.arriving_in_shutdown() {
        return refuse(ws, close_code::SERVICE_RESTART, app.restart_reason(ms));
    }
    if app.engine_down().is_some() {
        let ms = crate::Config::UNAVAILABLE_RETRY_AFTER_MS;
        return refuse(
            ws,
            close_code::TRY_AGAIN_LATER,
            close_code::retry_after_reason(ms),
        );
    }
    let Ok(slot) = app.connections.clone().try_acquire_owned() else {
        let ms = crate::Config::CONNECTIONS_RETRY_AFTER_MS;
        return refuse(
            ws,
            close_code::OVERLOADED,
            close_code::retry_after_reason(ms),
        );
    };
    match app.admission.take(Instant::now()) {
        Ticket::Admit => {}
        Ticket::Slot(ms) => return refuse(ws, close_code::OVERLOADED, close_code::slot_reason(ms)),
        Ticket::Full => {
            let reason = "overloaded: no admission slot within the backlog".to_owned();
            return refuse(ws, close_code::TRY_AGAIN_LATER, reason);
        }
    }
    match app.admit(&client) {
        #[cfg(feature = "control")]
        Admission::Refuse => (
            StatusCode::SERVICE_UNAVAILABLE,
            "connections refused for now",
        )
            .into_response(),
        #[cfg(feature = "control")]
        Admission::Overload(ms) => refuse(
            ws,
            close_code::OVERLOADED,
            close_code::retry_after_reason(ms),
        ),
        Admission::Accept(attempt) => {
            // tungstenite kills the connection past its limit, but an
            // oversized frame must only earn `too_large`: check it ourselves
            // and keep tungstenite's hard limit well above ours.
            let hard_limit = app.config.max_frame.saturating_mul(4).max(16 << 20);
            ws.max_message_size(hard_limit)
                .max_frame_size(hard_limit)
                .read_buffer_size(READ_BUFFER)
                .on_upgrade(move |socket| async move {
                    run(app, client, attempt, socket).await;
                    drop(slot);
                })
        }
    }
}

async fn run(app: Arc<App>, client: Scope, attempt: u64, mut socket: WebSocket) {
    let (tx, rx) = queue(app.config.send_queue_frames, app.config.send_queue_bytes);
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
        mutations: rate::Limiter::new(app.config.mutations_per_sec, Instant::now()),
        reads: rate::ReadBudget::new(
            app.config.read_frames_per_sec,
            app.config.read_bytes_per_sec,
            Instant::now(),
        ),
        requests: Arc::default(),
    };
    // It leaves the fanout itself, before any wait on a closing socket.
    conn.serve(&mut socket, rx).await;
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
    /// Per subscription, the seq its start covers: queued updates up to it
    /// are skipped. It has one entry per live subscription.
    floors: HashMap<u64, u64>,
    /// This connection's mutation rate.
    mutations: rate::Limiter,
    /// What may still be read from it this second.
    reads: rate::ReadBudget,
    /// Its requests running now.
    requests: Arc<std::sync::atomic::AtomicUsize>,
}

/// Why the frame loop ended.
enum Stop {
    /// The socket is gone, or the connection was closed or dropped on purpose.
    Done,
    /// The connection's queue overflowed: close it as a slow consumer.
    Slow,
    /// The server shuts down: close with 1012 and this `retry-after` in ms.
    Restart(u64),
    /// The engine cannot serve: close with 1013.
    Unavailable,
}

impl Conn {
    async fn serve(&mut self, socket: &mut WebSocket, mut rx: Rx) {
        let stop = self.pump(socket, &mut rx).await;
        // Free what is still queued, and stop encoding updates for this
        // connection, before waiting on the socket.
        drop(rx);
        self.app.fanout.remove_conn(self.id);
        self.app.conns.unregister(self.id);
        let (code, reason) = match stop {
            Stop::Done => return,
            Stop::Slow => (
                close_code::SLOW_CONSUMER,
                "slow consumer: reconnect and resume".to_owned(),
            ),
            Stop::Restart(ms) => (close_code::SERVICE_RESTART, self.app.restart_reason(ms)),
            Stop::Unavailable => (
                close_code::TRY_AGAIN_LATER,
                close_code::retry_after_reason(crate::Config::UNAVAILABLE_RETRY_AFTER_MS),
            ),
        };
        let close = send_close(socket, code, reason);
        if let Ok(true) = tokio::time::timeout(CLOSE_WRITE_GRACE, close).await {
            finish_close(socket).await;
        }
    }

    async fn pump(&mut self, socket: &mut WebSocket, rx: &mut Rx) -> Stop {
        let overflow = rx.overflow();
        let timeout = Duration::from_millis(self.app.config.handshake_timeout_ms);
        let hello_by = tokio::time::sleep(timeout);
        tokio::pin!(hello_by);
        // Set while the connection has read past its budget: its frames wait
        // in the socket (and TCP slows the sender) until this passes.
        let read_again = tokio::time::sleep(Duration::ZERO);
        tokio::pin!(read_again);
        let mut paused = false;
        let app = self.app.clone();
        let mut signal = app.shutdown.subscribe();
        let shutdown = app.shutting_down(&mut signal);
        tokio::pin!(shutdown);
        let down = app.engine_goes_down();
        tokio::pin!(down);
        // Frames written since the last flush. While more are queued they
        // only fill the socket's write buffer, so a backlog leaves in a few
        // large writes instead of one system call per frame; the last of a
        // run is flushed at once, so an idle queue adds no delay.
        let mut unflushed = false;
        loop {
            if rx.is_empty() {
                if let Err(stop) = flush_if(unflushed, socket, &overflow).await {
                    return stop;
                }
                unflushed = false;
            }
            tokio::select! {
                // Queued frames first: replies to a frame go out before the next is read.
                biased;
                () = overflow.happened() => return Stop::Slow,
                ms = &mut shutdown => return Stop::Restart(ms),
                () = &mut down => return Stop::Unavailable,
                // A socket that never says hello would hold its slot for ever.
                () = &mut hello_by, if self.session.is_none() => {
                    let reason = "no hello in time".to_owned();
                    if send_close(socket, close_code::HANDSHAKE_TIMEOUT, reason).await {
                        finish_close(socket).await;
                    }
                    return Stop::Done;
                }
                out = rx.recv() => match out {
                    Some(Out::Text(text)) => match write(socket, &overflow, text.into()).await {
                        Ok(()) => unflushed = true,
                        Err(stop) => return stop,
                    },
                    #[cfg(feature = "control")]
                    Some(Out::Binary(bytes)) => match write(socket, &overflow, bytes.into()).await {
                        Ok(()) => unflushed = true,
                        Err(stop) => return stop,
                    },
                    Some(Out::Update { sub, seq, text }) => {
                        if self.floors.get(&sub).is_some_and(|&floor| seq <= floor) {
                            continue;
                        }
                        if let Err(stop) = write(socket, &overflow, Message::Text(text)).await {
                            return stop;
                        }
                        unflushed = true;
                    }
                    Some(Out::Close(code, reason)) => {
                        if send_close(socket, code, reason).await {
                            finish_close(socket).await;
                        }
                        return Stop::Done;
                    }
                    #[cfg(feature = "control")]
                    Some(Out::Stall) => {
                        if let Err(stop) = flush_if(unflushed, socket, &overflow).await {
                            return stop;
                        }
                        // Hold the socket without touching it (a half-open link) until dropped.
                        while !matches!(rx.recv().await, Some(Out::Drop) | None) {}
                        return Stop::Done;
                    }
                    Some(Out::Drop) | None => {
                        // The frames queued before the drop still go out first.
                        let _ = flush_if(unflushed, socket, &overflow).await;
                        return Stop::Done;
                    }
                },
                () = &mut read_again, if paused => paused = false,
                msg = socket.recv(), if !paused => {
                    let len = match &msg {
                        Some(Ok(Message::Text(t))) => t.len(),
                        Some(Ok(Message::Binary(b) | Message::Ping(b) | Message::Pong(b))) => b.len(),
                        _ => 0,
                    };
                    let wait = self.reads.spend(len, Instant::now());
                    if !wait.is_zero() {
                        read_again.as_mut().reset(tokio::time::Instant::now() + wait);
                        paused = true;
                    }
                    let flow = match msg {
                        None | Some(Err(_)) => return Stop::Done,
                        Some(Ok(Message::Text(text))) => self.on_text(text.as_str()).await,
                        Some(Ok(Message::Binary(bytes))) => self.on_binary(bytes.len()),
                        // tungstenite answers pings and closes itself; after a
                        // close the next recv() ends the loop.
                        Some(Ok(_)) => Flow::Go,
                    };
                    match flow {
                        Flow::Go => {}
                        Flow::Close(code, reason) => {
                            // Behind the frames it answers; a full queue closes as slow instead.
                            self.tx.send(Out::Close(code, reason.to_owned()));
                        }
                        Flow::Drop => {
                            let _ = flush_if(unflushed, socket, &overflow).await;
                            return Stop::Done;
                        }
                        Flow::Joined { sub, floor, frames } => {
                            self.floors.insert(sub, floor);
                            for text in frames {
                                if let Err(stop) = write(socket, &overflow, text.into()).await {
                                    return stop;
                                }
                                unflushed = true;
                            }
                        }
                    }
                }
            }
        }
    }
}
