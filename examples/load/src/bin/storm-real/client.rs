//! One client of the real-socket storm: the library's own sans-IO core
//! (`leptos_sync_core::Machine`, with `ReconnectOptions::default()`) driven
//! by a tokio-tungstenite socket, as the browser driver drives it with a
//! WebSocket. Every reconnect decision (backoff, the close code, an exact
//! slot's `retry-after`) is the machine's; this file only carries out its
//! commands and feeds it the socket's events and the time.

use std::pin::Pin;
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use leptos_sync_core::{
    Command, ConnectionState, Event, Machine, MachineOptions, SubscriptionStatus,
};
use leptos_sync_load::client::{SCHEMA, TOPIC, Ws};
use tokio_tungstenite::connect_async;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;

/// What a client saw, with its time in µs since [`Shared::start`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Seen {
    /// The machine asked for a socket: one attempt.
    Attempt,
    /// The server answered the upgrade: one handshake, shed or not.
    Handshake,
    /// The session was admitted: `welcome` came on a socket upgraded at this time.
    Admitted,
    /// Connected and the topic Live.
    Live,
}

/// What every client reports to.
pub struct Shared {
    pub start: Instant,
    /// `(client, µs, what)`, in the order they were seen.
    pub log: Mutex<Vec<(u32, u64, Seen)>>,
    /// Clients connected with their topic Live right now.
    pub live: AtomicUsize,
}

impl Shared {
    pub fn new() -> Self {
        Self {
            start: Instant::now(),
            log: Mutex::new(Vec::new()),
            live: AtomicUsize::new(0),
        }
    }

    /// µs since the start.
    pub fn now_us(&self) -> u64 {
        self.start.elapsed().as_micros() as u64
    }

    fn record(&self, id: u32, at_us: u64, seen: Seen) {
        self.log.lock().expect("log").push((id, at_us, seen));
    }
}

type Connecting = Pin<Box<dyn Future<Output = Result<Ws, String>> + Send>>;

/// Client `id` against `url`, until its task is aborted.
pub async fn run(id: u32, url: String, seed: u64, shared: Arc<Shared>) {
    let ms = |s: &Shared| s.start.elapsed().as_millis() as u64;
    let mut rng = fastrand::Rng::with_seed(seed);
    let mut m = Machine::new(MachineOptions::default(), move || rng.f64());
    let subscribe = Event::Subscribe {
        topic: TOPIC.into(),
        schema: SCHEMA,
    };
    m.handle(subscribe, ms(&shared));
    m.handle(Event::UserOpen, ms(&shared));
    let mut ws: Option<Ws> = None;
    let mut connecting: Option<Connecting> = None;
    // The close frame of the socket, until its stream ends.
    let mut close: Option<(u16, String)> = None;
    let mut upgraded_us = 0;
    let mut live = false;
    loop {
        let mut events = Vec::new();
        while let Some(command) = m.poll() {
            match command {
                Command::Connect => {
                    shared.record(id, shared.now_us(), Seen::Attempt);
                    let url = url.clone();
                    connecting = Some(Box::pin(async move {
                        let (ws, _) = connect_async(url).await.map_err(|e| e.to_string())?;
                        Ok(ws)
                    }));
                }
                Command::FetchToken => events.push(Event::Token(None)),
                Command::Send(msg) => {
                    if let Some(ws) = ws.as_mut() {
                        // A failed send ends the stream: its close event follows.
                        let _ = ws.send(Message::text(msg.encode())).await;
                    }
                }
                Command::CloseSocket { code, reason } => {
                    if let Some(ws) = ws.as_mut() {
                        let frame = CloseFrame {
                            code: CloseCode::from(code),
                            reason: reason.into(),
                        };
                        let _ = ws.close(Some(frame)).await;
                    } else if connecting.take().is_some() {
                        // A browser reports a socket closed while connecting as 1006.
                        events.push(Event::SocketClosed {
                            code: 1006,
                            reason: String::new(),
                        });
                    }
                }
                _ => {}
            }
        }
        if !events.is_empty() {
            for event in events {
                m.handle(event, ms(&shared));
            }
            continue;
        }
        let deadline = m
            .poll_timeout()
            .map(|at| tokio::time::Instant::from_std(shared.start + Duration::from_millis(at)));
        tokio::select! {
            result = async { connecting.as_mut().expect("connecting").await }, if connecting.is_some() => {
                connecting = None;
                match result {
                    Ok(socket) => {
                        upgraded_us = shared.now_us();
                        shared.record(id, upgraded_us, Seen::Handshake);
                        ws = Some(socket);
                        close = None;
                        m.handle(Event::SocketOpened, ms(&shared));
                    }
                    Err(_) => {
                        m.handle(Event::SocketError, ms(&shared));
                        let closed = Event::SocketClosed { code: 1006, reason: String::new() };
                        m.handle(closed, ms(&shared));
                    }
                }
            }
            frame = async { ws.as_mut().expect("socket").next().await }, if ws.is_some() => {
                match frame {
                    Some(Ok(Message::Text(text))) => {
                        let was_open = m.state() == &ConnectionState::Open;
                        m.handle(Event::Frame(text.to_string()), ms(&shared));
                        if !was_open && m.state() == &ConnectionState::Open {
                            shared.record(id, upgraded_us, Seen::Admitted);
                        }
                    }
                    Some(Ok(Message::Close(frame))) => {
                        close = frame.map(|f| (u16::from(f.code), f.reason.to_string()));
                    }
                    Some(Ok(_)) => {}
                    Some(Err(_)) | None => {
                        ws = None;
                        let (code, reason) = close.take().unwrap_or((1006, String::new()));
                        m.handle(Event::SocketClosed { code, reason }, ms(&shared));
                    }
                }
            }
            () = sleep_until(deadline) => m.handle_timeout(ms(&shared)),
        }
        let now_live = m.state() == &ConnectionState::Open
            && m.subscriptions()
                .state(TOPIC)
                .is_some_and(|s| s.status == SubscriptionStatus::Live);
        if now_live != live {
            live = now_live;
            if live {
                shared.record(id, shared.now_us(), Seen::Live);
                shared.live.fetch_add(1, Relaxed);
            } else {
                shared.live.fetch_sub(1, Relaxed);
            }
        }
    }
}

/// Sleeps until `deadline`, or forever without one.
async fn sleep_until(deadline: Option<tokio::time::Instant>) {
    match deadline {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}
