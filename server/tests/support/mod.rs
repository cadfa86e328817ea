//! A protocol client for the integration tests (tokio-tungstenite), shared
//! with the reference binary's tests.
#![allow(dead_code)] // Each test binary uses a different subset.

use std::net::SocketAddr;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use leptos_sync_protocol::ServerMsg;
use serde_json::{Value, json};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::{self, Message};
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream, connect_async};

/// How long any single expected event may take.
pub const DEADLINE: Duration = Duration::from_secs(5);

/// A protocol client over tokio-tungstenite.
pub struct Client {
    pub ws: WebSocketStream<MaybeTlsStream<TcpStream>>,
}

/// How a connection ended.
#[derive(Debug, PartialEq)]
pub enum End {
    /// A close frame with this code and reason.
    Closed(u16, String),
    /// The TCP connection ended without a close frame.
    Abrupt,
}

impl Client {
    /// Opens `/ws?client=<client>` without saying hello.
    pub async fn connect(addr: SocketAddr, client: &str) -> Self {
        Self::try_connect(addr, client).await.expect("ws connects")
    }

    /// Opens the socket, returning the handshake error (e.g. HTTP 503).
    pub async fn try_connect(addr: SocketAddr, client: &str) -> Result<Self, tungstenite::Error> {
        let url = format!("ws://{addr}/ws?client={client}");
        let (ws, _) = tokio::time::timeout(DEADLINE, connect_async(url))
            .await
            .expect("connect in time")?;
        Ok(Self { ws })
    }

    /// Connects and completes the hello/welcome handshake; returns the session.
    pub async fn welcomed(addr: SocketAddr, client: &str) -> (Self, String) {
        let mut c = Self::connect(addr, client).await;
        c.send(json!({"type": "hello", "protocol": 1, "token": null}))
            .await;
        match c.recv().await {
            ServerMsg::Welcome { session, .. } => (c, session),
            other => panic!("expected welcome, got {other:?}"),
        }
    }

    /// Sends a JSON frame.
    pub async fn send(&mut self, frame: Value) {
        self.send_text(&frame.to_string()).await;
    }

    /// Sends a raw text frame.
    pub async fn send_text(&mut self, text: &str) {
        self.ws.send(Message::text(text)).await.expect("send");
    }

    /// Sends a binary frame.
    pub async fn send_binary(&mut self, bytes: Vec<u8>) {
        self.ws.send(Message::binary(bytes)).await.expect("send");
    }

    /// The next text frame, raw; panics on anything else or after the deadline.
    pub async fn recv_text(&mut self) -> String {
        loop {
            let msg = tokio::time::timeout(DEADLINE, self.ws.next())
                .await
                .expect("a frame in time")
                .expect("stream open")
                .expect("no ws error");
            match msg {
                Message::Text(t) => return t.to_string(),
                Message::Ping(_) | Message::Pong(_) => continue,
                other => panic!("expected text, got {other:?}"),
            }
        }
    }

    /// The next frame, decoded.
    pub async fn recv(&mut self) -> ServerMsg {
        let text = self.recv_text().await;
        ServerMsg::decode(&text).unwrap_or_else(|e| panic!("{e}: {text}"))
    }

    /// The next frame, which must be an error; returns (code, sub).
    pub async fn recv_error(&mut self) -> (String, Option<u64>) {
        match self.recv().await {
            ServerMsg::Error {
                code, message, sub, ..
            } => {
                assert!(!message.is_empty(), "errors carry a message");
                (code, sub)
            }
            other => panic!("expected error, got {other:?}"),
        }
    }

    /// Pings and expects the pong as the very next frame: proves the
    /// connection is open and that nothing else was queued before it.
    pub async fn assert_quiet_and_open(&mut self, t: u64) {
        self.send(json!({"type": "ping", "t": t})).await;
        assert_eq!(self.recv().await, ServerMsg::Pong { t });
    }

    /// Waits for the end of the connection, skipping text frames.
    pub async fn end(&mut self) -> End {
        loop {
            let next = tokio::time::timeout(DEADLINE, self.ws.next())
                .await
                .expect("the end in time");
            match next {
                Some(Ok(Message::Close(Some(f)))) => {
                    return End::Closed(f.code.into(), f.reason.to_string());
                }
                Some(Ok(Message::Close(None))) => return End::Closed(1005, String::new()),
                Some(Ok(_)) => continue,
                Some(Err(_)) | None => return End::Abrupt,
            }
        }
    }
}

/// Polls `check` until it returns Some, or panics after the deadline.
pub async fn eventually<T, F, Fut>(what: &str, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let deadline = tokio::time::Instant::now() + DEADLINE;
    loop {
        if let Some(v) = check().await {
            return v;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Awaits `fut`, or panics naming `what` after the deadline.
pub async fn within<T>(what: &str, fut: impl Future<Output = T>) -> T {
    tokio::time::timeout(DEADLINE, fut)
        .await
        .unwrap_or_else(|_| panic!("timed out waiting for {what}"))
}
