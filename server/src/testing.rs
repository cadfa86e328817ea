//! A scripted protocol client for testing a server (feature `testing`).
//!
//! [`TestClient`] speaks the leptos-sync protocol over a real WebSocket
//! (tokio-tungstenite) in typed frames, one step at a time: say `hello`,
//! subscribe, mutate, wait for an update or for the close. Every wait has a
//! deadline ([`TestClientOptions::timeout`]) and every failure is a typed
//! [`TestClientError`], so a test of your hooks, limits or engine reads as
//! the conversation it checks.
//!
//! ```no_run
//! use leptos_sync_server::SyncServer;
//! use leptos_sync_server::testing::{TestClient, TestClientError};
//! use serde_json::json;
//!
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! let sync = SyncServer::builder()
//!     .validate(|_, _, value| match value["title"].as_str() {
//!         Some("") => Err("a title is needed".into()),
//!         _ => Ok(value),
//!     })
//!     .build();
//! let server = sync.serve("127.0.0.1:0").await?;
//! let mut client = TestClient::connect(&format!("ws://{}/ws", server.local_addr())).await?;
//! client.hello(None).await?;
//! let snapshot = client.subscribe(1, "Task", 7, None).await?;
//! assert!(snapshot.entries.is_empty());
//! let seq = client.mutate("m1", "Task", "t1", json!({ "title": "Ship" })).await?;
//! let refused = client.mutate("m2", "Task", "t2", json!({ "title": "" })).await;
//! assert!(matches!(refused, Err(TestClientError::Refused { code, .. }) if code == "rejected"));
//! # let _ = seq; Ok(()) }
//! ```

use std::collections::VecDeque;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use leptos_sync_protocol::{ClientMsg, DecodeError, PROTOCOL_VERSION, ServerMsg};
use serde_json::{Map, Value};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream, connect_async};

/// Options of a [`TestClient`].
///
/// ```
/// use std::time::Duration;
/// use leptos_sync_server::testing::TestClientOptions;
/// let options = TestClientOptions { timeout: Duration::from_secs(1) };
/// assert!(options.timeout < TestClientOptions::default().timeout);
/// ```
#[derive(Debug, Clone)]
pub struct TestClientOptions {
    /// The longest wait for the connection and for each expected frame. Default 5 s.
    pub timeout: Duration,
}

impl Default for TestClientOptions {
    fn default() -> Self {
        Self {
            timeout: Duration::from_secs(5),
        }
    }
}

/// Why a [`TestClient`] step failed.
///
/// ```
/// use leptos_sync_server::testing::TestClientError;
/// let closed = TestClientError::Closed { code: 4401, reason: "who are you?".into() };
/// assert_eq!(closed.to_string(), "the server closed the connection: 4401 who are you?");
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TestClientError {
    /// The WebSocket could not be opened (refused, HTTP error, bad URL).
    #[error("cannot connect: {0}")]
    Connect(String),
    /// Nothing that was waited for came in time.
    #[error("timed out after {after:?} waiting for {waiting_for}")]
    Timeout {
        /// What the step waited for.
        waiting_for: String,
        /// How long it waited.
        after: Duration,
    },
    /// The server closed the connection.
    #[error("the server closed the connection: {code} {reason}")]
    Closed {
        /// Close code.
        code: u16,
        /// Close reason.
        reason: String,
    },
    /// The connection ended without a close frame, or failed.
    #[error("the connection ended: {0}")]
    Ended(String),
    /// The server sent a frame outside the protocol.
    #[error("the server sent an invalid frame: {0}")]
    Decode(#[from] DecodeError),
    /// The server answered with something else than the step expects.
    #[error("expected {expected}, got {got:?}")]
    Unexpected {
        /// What the step expected.
        expected: String,
        /// What came instead.
        got: Box<ServerMsg>,
    },
    /// The server refused the request with an `error` frame.
    #[error("refused: {code}: {message}")]
    Refused {
        /// The error code (see `leptos_sync_protocol::error_code`).
        code: String,
        /// The server's text.
        message: String,
    },
}

/// A subscription's answer: `subscribed`, and the snapshot unless recovered.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Subscribed {
    /// The topic's seq.
    pub seq: u64,
    /// Whether the missed updates are replayed (no snapshot then).
    pub recovered: bool,
    /// The topic's epoch, if the server names one.
    pub epoch: Option<String>,
    /// The snapshot's entries (empty when recovered).
    pub entries: Map<String, Value>,
}

/// A scripted protocol client over a real WebSocket. See the [module](self).
pub struct TestClient {
    ws: WebSocketStream<MaybeTlsStream<TcpStream>>,
    timeout: Duration,
    /// Frames that came while a step waited for another one, for [`recv`](Self::recv).
    held: VecDeque<ServerMsg>,
}

impl TestClient {
    /// Opens a WebSocket to `url` (such as `ws://127.0.0.1:8080/ws`), without `hello`.
    pub async fn connect(url: &str) -> Result<Self, TestClientError> {
        Self::connect_with_options(url, TestClientOptions::default()).await
    }

    /// [`connect`](Self::connect) with options.
    pub async fn connect_with_options(
        url: &str,
        options: TestClientOptions,
    ) -> Result<Self, TestClientError> {
        let timeout = options.timeout;
        let (ws, _) = tokio::time::timeout(timeout, connect_async(url))
            .await
            .map_err(|_| TestClientError::Timeout {
                waiting_for: format!("a connection to {url}"),
                after: timeout,
            })?
            .map_err(|e| TestClientError::Connect(e.to_string()))?;
        Ok(Self {
            ws,
            timeout,
            held: VecDeque::new(),
        })
    }

    /// Says `hello` with `token` and waits for `welcome`; returns the session id.
    /// A refused token comes back as [`TestClientError::Closed`] (4401, 4403).
    pub async fn hello(&mut self, token: Option<&str>) -> Result<String, TestClientError> {
        self.send(&ClientMsg::Hello {
            protocol: PROTOCOL_VERSION,
            token: token.map(str::to_owned),
        })
        .await?;
        match self.recv().await? {
            ServerMsg::Welcome { session, .. } => Ok(session),
            other => Err(unexpected("welcome", other)),
        }
    }

    /// Sends one frame.
    pub async fn send(&mut self, msg: &ClientMsg) -> Result<(), TestClientError> {
        self.send_text(&msg.encode()).await
    }

    /// Sends one raw text frame, for tests of malformed input.
    pub async fn send_text(&mut self, text: &str) -> Result<(), TestClientError> {
        self.ws
            .send(Message::text(text))
            .await
            .map_err(|e| TestClientError::Ended(e.to_string()))
    }

    /// The next frame: one held back by an earlier step, or the next to arrive.
    pub async fn recv(&mut self) -> Result<ServerMsg, TestClientError> {
        if let Some(held) = self.held.pop_front() {
            return Ok(held);
        }
        self.next("a frame").await
    }

    /// Waits for the first frame that `pick` accepts; frames before it are
    /// held for [`recv`](Self::recv). `what` names it in a timeout.
    pub async fn recv_until<T>(
        &mut self,
        what: &str,
        mut pick: impl FnMut(&ServerMsg) -> Option<T>,
    ) -> Result<T, TestClientError> {
        if let Some(i) = self.held.iter().position(|m| pick(m).is_some()) {
            let msg = self.held.remove(i).expect("the position is in the queue");
            return Ok(pick(&msg).expect("it was picked"));
        }
        let deadline = tokio::time::Instant::now() + self.timeout;
        loop {
            let msg = tokio::time::timeout_at(deadline, self.next(what))
                .await
                .map_err(|_| self.timed_out(what))??;
            match pick(&msg) {
                Some(found) => return Ok(found),
                None => self.held.push_back(msg),
            }
        }
    }

    /// Subscribes `sub` to `topic` and waits for its answer: `subscribed`,
    /// then the snapshot unless the server recovered from `since`. A refusal
    /// (`schema_mismatch`, `forbidden`) is [`TestClientError::Refused`].
    pub async fn subscribe(
        &mut self,
        sub: u64,
        topic: &str,
        schema: u32,
        since: Option<u64>,
    ) -> Result<Subscribed, TestClientError> {
        self.send(&ClientMsg::Subscribe {
            sub,
            topic: topic.into(),
            schema,
            since,
            epoch: None,
        })
        .await?;
        let about = |m: &ServerMsg| match m {
            ServerMsg::Subscribed { sub: s, .. } | ServerMsg::Snapshot { sub: s, .. } => *s == sub,
            ServerMsg::Error { sub: s, .. } => *s == Some(sub),
            _ => false,
        };
        let (seq, recovered, epoch) = match self
            .recv_until("subscribed", |m| about(m).then(|| m.clone()))
            .await?
        {
            ServerMsg::Subscribed {
                seq,
                recovered,
                epoch,
                ..
            } => (seq, recovered, epoch),
            other => return Err(refused_or_unexpected("subscribed", other)),
        };
        let mut entries = Map::new();
        if !recovered {
            match self
                .recv_until("snapshot", |m| about(m).then(|| m.clone()))
                .await?
            {
                ServerMsg::Snapshot { entries: e, .. } => entries = e,
                other => return Err(refused_or_unexpected("snapshot", other)),
            }
        }
        Ok(Subscribed {
            seq,
            recovered,
            epoch,
            entries,
        })
    }

    /// Sets `key` of `topic` (`Value::Null` removes it) as mutation `id`
    /// and waits for its `ack`; returns its seq. An `error` about `id` is
    /// [`TestClientError::Refused`].
    pub async fn mutate(
        &mut self,
        id: &str,
        topic: &str,
        key: &str,
        value: Value,
    ) -> Result<u64, TestClientError> {
        self.send(&ClientMsg::Mutate {
            id: id.into(),
            topic: topic.into(),
            key: key.into(),
            value,
        })
        .await?;
        let answer = self
            .recv_until("ack", |m| match m {
                ServerMsg::Ack { id: a, .. } | ServerMsg::Error { id: Some(a), .. } if a == id => {
                    Some(m.clone())
                }
                _ => None,
            })
            .await?;
        match answer {
            ServerMsg::Ack { seq, .. } => Ok(seq),
            other => Err(refused_or_unexpected("ack", other)),
        }
    }

    /// Waits for the server to close the connection; returns its code and reason.
    pub async fn closed(&mut self) -> Result<(u16, String), TestClientError> {
        match self.recv_until("the close", |_| None::<()>).await {
            Err(TestClientError::Closed { code, reason }) => Ok((code, reason)),
            Err(e) => Err(e),
            Ok(()) => unreachable!("nothing is picked"),
        }
    }

    /// Closes the connection from the client's side.
    pub async fn close(mut self) {
        let _ = self.ws.close(None).await;
    }

    fn timed_out(&self, what: &str) -> TestClientError {
        TestClientError::Timeout {
            waiting_for: what.into(),
            after: self.timeout,
        }
    }

    /// The next protocol frame off the socket, skipping WebSocket pings.
    async fn next(&mut self, what: &str) -> Result<ServerMsg, TestClientError> {
        loop {
            let next = tokio::time::timeout(self.timeout, self.ws.next())
                .await
                .map_err(|_| self.timed_out(what))?;
            match next {
                Some(Ok(Message::Text(text))) => return Ok(ServerMsg::decode(&text)?),
                Some(Ok(Message::Close(frame))) => {
                    let (code, reason) = frame.map_or((1005, String::new()), |f| {
                        (f.code.into(), f.reason.to_string())
                    });
                    return Err(TestClientError::Closed { code, reason });
                }
                Some(Ok(_)) => continue,
                Some(Err(e)) => return Err(TestClientError::Ended(e.to_string())),
                None => return Err(TestClientError::Ended("no close frame".into())),
            }
        }
    }
}

fn unexpected(expected: &str, got: ServerMsg) -> TestClientError {
    TestClientError::Unexpected {
        expected: expected.into(),
        got: Box::new(got),
    }
}

fn refused_or_unexpected(expected: &str, got: ServerMsg) -> TestClientError {
    match got {
        ServerMsg::Error { code, message, .. } => TestClientError::Refused { code, message },
        other => unexpected(expected, other),
    }
}
