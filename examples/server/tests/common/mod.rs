//! Helpers for the integration tests: an in-process server, a WebSocket
//! client that speaks protocol frames, and a tiny HTTP/1.1 client.
#![allow(dead_code)] // Each test binary uses a different subset.

use std::net::SocketAddr;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use leptos_sync_protocol::ServerMsg;
use leptos_sync_server::{Config, Server, serve};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::{self, Message};
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream, connect_async};

/// How long any single expected event may take.
pub const DEADLINE: Duration = Duration::from_secs(5);

/// Starts a server with control endpoints on a free port.
pub async fn start() -> Server {
    start_with(Config {
        control: true,
        ..Config::default()
    })
    .await
}

/// Starts a server with this config (port 0 from the default).
pub async fn start_with(config: Config) -> Server {
    serve(config).await.expect("server starts")
}

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

/// An HTTP response, headers lower-cased.
pub struct Response {
    pub status: u16,
    pub headers: String,
    pub body: String,
}

impl Response {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("{e}: {}", self.body))
    }
}

/// One HTTP/1.1 request on a fresh connection.
pub async fn http(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> Response {
    let mut s = TcpStream::connect(addr).await.expect("tcp connect");
    let mut req = format!(
        "{method} {path} HTTP/1.1\r\nhost: {addr}\r\nconnection: close\r\ncontent-length: {}\r\n",
        body.len()
    );
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str("\r\n");
    req.push_str(body);
    s.write_all(req.as_bytes()).await.expect("write");
    let mut buf = Vec::new();
    tokio::time::timeout(DEADLINE, s.read_to_end(&mut buf))
        .await
        .expect("response in time")
        .expect("read");
    let text = String::from_utf8(buf).expect("utf-8 response");
    let (head, body) = text.split_once("\r\n\r\n").expect("a header block");
    let status = head[9..12].parse().expect("status");
    let headers = head.to_ascii_lowercase();
    let body = if headers.contains("transfer-encoding: chunked") {
        dechunk(body)
    } else {
        body.to_owned()
    };
    Response {
        status,
        headers,
        body,
    }
}

fn dechunk(mut rest: &str) -> String {
    let mut out = String::new();
    while let Some((size, tail)) = rest.split_once("\r\n") {
        let n = usize::from_str_radix(size.trim(), 16).expect("chunk size");
        if n == 0 {
            break;
        }
        out.push_str(&tail[..n]);
        rest = &tail[n + 2..];
    }
    out
}

/// `POST /control/<path>` with a body; asserts 200 and returns the JSON.
pub async fn control(addr: SocketAddr, path: &str, body: &str) -> Value {
    let r = http(addr, "POST", &format!("/control/{path}"), &[], body).await;
    assert_eq!(r.status, 200, "{path}: {}", r.body);
    r.json()
}

/// `GET /control/<path>`; asserts 200 and returns the JSON.
pub async fn inspect(addr: SocketAddr, path: &str) -> Value {
    let r = http(addr, "GET", &format!("/control/{path}"), &[], "").await;
    assert_eq!(r.status, 200, "{path}: {}", r.body);
    r.json()
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

/// `GET /control/topic?name=<name>` without its `epoch`: `{"seq","entries"}`.
pub async fn topic_state(addr: SocketAddr, name: &str) -> Value {
    let mut t = inspect(addr, &format!("topic?name={name}")).await;
    t.as_object_mut().expect("an object").remove("epoch");
    t
}
