//! Helpers for the integration tests: an in-process server, the protocol
//! client of the server crate's tests, and a tiny HTTP/1.1 client.
#![allow(dead_code)] // Each test binary uses a different subset.

use std::net::SocketAddr;

use leptos_sync_server::{Config, Server, serve};
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

#[path = "../../../../server/tests/support/mod.rs"]
mod support;
pub use support::*;
#[path = "../../../../server/tests/redis_support/mod.rs"]
mod redis_support;
pub use redis_support::*;

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

/// Starts a server on `engine`'s storage with this config (its `history`
/// is the engine's), and the control endpoints.
pub async fn start_on(engine: &TestEngine, config: Config) -> Server {
    let config = Config {
        control: true,
        ..config
    };
    let sync = engine.builder().config(config).build();
    sync.serve("127.0.0.1:0").await.expect("server starts")
}

/// Publishes from the application side; returns the seq.
pub async fn publish(server: &Server, topic: &str, key: &str, value: Value) -> u64 {
    let published = server.sync().publish(topic, key, value).await;
    published.expect("the engine publishes")
}

/// The epoch of a topic, if it exists.
pub async fn epoch(server: &Server, topic: &str) -> Option<String> {
    let state = server.sync().topic(topic).await;
    state.expect("the engine answers").map(|t| t.epoch)
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

/// `GET /control/topic?name=<name>` without its `epoch`: `{"seq","entries"}`.
pub async fn topic_state(addr: SocketAddr, name: &str) -> Value {
    let mut t = inspect(addr, &format!("topic?name={name}")).await;
    t.as_object_mut().expect("an object").remove("epoch");
    t
}
