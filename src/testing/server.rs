//! [`MockServer`]: the test's end of the mock transport.

use std::sync::{Arc, Mutex};

use leptos_sync_core::Millis;
use leptos_sync_core::machine::Event;
use leptos_sync_protocol::{ClientMsg, ServerMsg};
use serde::Serialize;
use serde_json::Value;

use super::options::MockServerOptions;
use super::time;
use super::transport::{self, Dispatch, MockMutation, State, Topic, deliver, lock};
use crate::provider::ConnectionReadyState;
use crate::provider::handle::Socket;
use leptos::prelude::Signal;

/// The epoch of every topic the mock serves.
const EPOCH: &str = "mock";

/// A scripted server for one [`MockSyncProvider`](super::MockSyncProvider):
/// cheap to clone, one handle for the test and one for the provider.
///
/// It speaks the protocol through typed frames: the test reads what the
/// client sent as [`ClientMsg`]s, in order, and makes the server answer,
/// push, refuse or close. It keeps a small model of its topics (a seq and
/// the entries of each), so that a snapshot, an update and an ack carry the
/// seqs a real server would. Unless its [`MockServerOptions`] say otherwise it
/// answers `hello` and `ping` by itself; it answers nothing else until told,
/// so every pending state stays visible for as long as the test likes.
///
/// Scripting methods deliver at once; the page shows the result once its
/// effects ran: `settle().await` before looking at the DOM.
///
/// # Panics
/// A scripting method that the connection's state does not allow (pushing
/// to a topic nobody subscribed, acking an unknown mutation, sending on no
/// open socket) panics, naming what was missing: the test is wrong.
///
/// ## Usage
///
/// ```no_run
/// use leptos_sync::testing::{ClientMsg, MockServer};
///
/// # async fn demo() {
/// let server = MockServer::default();
/// // … mount a <MockSyncProvider server=server.clone()> with the app …
/// server.settle().await;
/// assert!(matches!(server.sent()[0], ClientMsg::Hello { .. }));
/// server.error("maintenance", "read-only for a minute");
/// server.close(1012, "retry-after=5000");
/// server.advance(5_000).await; // the reconnect, without waiting 5 s
/// assert_eq!(server.connects(), 2);
/// # }
/// ```
#[derive(Clone)]
pub struct MockServer {
    state: Arc<Mutex<State>>,
}

impl Default for MockServer {
    fn default() -> Self {
        Self::new(MockServerOptions::default())
    }
}

impl std::fmt::Debug for MockServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let s = lock(&self.state);
        f.debug_struct("MockServer")
            .field("connects", &s.sockets)
            .field("open", &s.open)
            .field("sent", &s.sent.len())
            .finish_non_exhaustive()
    }
}

impl MockServer {
    /// A server with `options`, waiting for a provider to attach.
    pub fn new(options: MockServerOptions) -> Self {
        Self {
            state: Arc::new(Mutex::new(State::new(options))),
        }
    }

    pub(crate) fn options(&self) -> MockServerOptions {
        lock(&self.state).options.clone()
    }

    /// Called by the driver in place of `use_websocket`.
    #[cfg_attr(feature = "ssr", allow(dead_code))]
    pub(crate) fn attach(&self, dispatch: Dispatch) -> (Socket, Signal<ConnectionReadyState>) {
        transport::attach(&self.state, dispatch)
    }

    // ------------------------------------------------------------ what the client did

    /// Every frame the client sent so far, in order.
    pub fn sent(&self) -> Vec<ClientMsg> {
        lock(&self.state).sent.clone()
    }

    /// The frames sent since the last call (all of them the first time).
    pub fn take_sent(&self) -> Vec<ClientMsg> {
        let mut s = lock(&self.state);
        let new = s.sent[s.read..].to_vec();
        s.read = s.sent.len();
        new
    }

    /// How many sockets the client opened: the first connect and every retry.
    pub fn connects(&self) -> u32 {
        lock(&self.state).sockets
    }

    /// Whether a socket is open now.
    pub fn is_open(&self) -> bool {
        lock(&self.state).open
    }

    /// The client's mutations that wait for an answer, in the order sent.
    pub fn mutations(&self) -> Vec<MockMutation> {
        lock(&self.state).mutations.clone()
    }

    // ------------------------------------------------------------ scripting

    /// Sends any frame on the open socket.
    #[track_caller]
    pub fn send(&self, msg: ServerMsg) {
        assert!(
            self.is_open(),
            "MockServer::send({msg:?}): no socket is open"
        );
        deliver(&self.state, Event::Frame(msg.encode()));
    }

    /// Answers `hello` (with [`MockServerOptions::welcome`] off).
    #[track_caller]
    pub fn welcome(&self) {
        let heartbeat_ms = lock(&self.state).options.heartbeat_ms;
        self.send(ServerMsg::Welcome {
            session: "mock".into(),
            heartbeat_ms,
        });
    }

    /// Sends an `error` frame about nothing in particular (code, say, `"internal"`).
    #[track_caller]
    pub fn error(&self, code: &str, message: &str) {
        self.send(error(code, message, None));
    }

    /// Closes the current socket, connecting or open, with `code` and
    /// `reason`: 4401 refuses a `hello`, 1006 is a lost connection, 1012
    /// with `retry-after=<ms>` a server restart, 4429 an overload.
    #[track_caller]
    pub fn close(&self, code: u16, reason: &str) {
        {
            let mut s = lock(&self.state);
            assert!(s.live, "MockServer::close({code}): no socket to close");
            s.socket_ended();
        }
        transport::set_ready_state(&self.state, ConnectionReadyState::Closed);
        deliver(
            &self.state,
            Event::SocketClosed {
                code,
                reason: reason.into(),
            },
        );
    }

    /// Accept (`true`) or fail (`false`: error, then close 1006) the
    /// client's next connects, as a server that is up or down.
    pub fn set_accept_sockets(&self, accept: bool) {
        lock(&self.state).options.accept_sockets = accept;
    }

    /// Sets the entries of `topic`, then answers the client's subscription
    /// to it: `subscribed` and a `snapshot` of every entry.
    ///
    /// # Panics
    /// When the client has no subscription to `topic` on the open socket, or
    /// a value does not serialize to JSON.
    #[track_caller]
    pub fn snapshot<K: Into<String>, T: Serialize>(
        &self,
        topic: &str,
        entries: impl IntoIterator<Item = (K, T)>,
    ) {
        let entries = entries
            .into_iter()
            .map(|(key, value)| (key.into(), json(&value)))
            .collect();
        lock(&self.state)
            .topics
            .entry(topic.into())
            .or_default()
            .entries = entries;
        self.answer(topic);
    }

    /// Answers the client's subscription to `topic` from the model (empty
    /// unless set): `subscribed`, then a `snapshot`.
    #[track_caller]
    pub fn answer(&self, topic: &str) {
        let (sub, schema) = self.sub(topic);
        let (seq, entries) = {
            let mut s = lock(&self.state);
            let t = s.topics.entry(topic.into()).or_default();
            (t.seq, t.entries.clone())
        };
        self.send(ServerMsg::Subscribed {
            sub,
            seq,
            recovered: false,
            epoch: Some(EPOCH.into()),
        });
        self.send(ServerMsg::Snapshot {
            sub,
            seq,
            schema,
            entries,
        });
    }

    /// Refuses the client's subscription to `topic` with an `error` of `code`.
    #[track_caller]
    pub fn refuse(&self, topic: &str, code: &str, message: &str) {
        let (sub, _) = self.sub(topic);
        let mut frame = error(code, message, None);
        if let ServerMsg::Error { sub: s, .. } = &mut frame {
            *s = Some(sub);
        }
        self.send(frame);
    }

    /// Changes one entry of `topic` (`None` removes it) and pushes the
    /// `update` to the client's subscription, if it has one.
    #[track_caller]
    pub fn update<T: Serialize>(&self, topic: &str, key: &str, value: Option<T>) {
        let value = value.map_or(Value::Null, |v| json(&v));
        let seq = self.apply(topic, key, value.clone());
        let sub = lock(&self.state).subs.get(topic).map(|(sub, _)| *sub);
        if let Some(sub) = sub {
            self.send(ServerMsg::Update {
                sub,
                seq,
                key: key.into(),
                value,
            });
        }
    }

    /// Applies the client's mutation `id`, as a real server does: the
    /// `update` to the topic's subscribers, then the `ack`.
    #[track_caller]
    pub fn ack(&self, id: &str) {
        let m = self.take_mutation(id);
        let seq = {
            let sub = lock(&self.state).subs.get(&m.topic).map(|(sub, _)| *sub);
            let seq = self.apply(&m.topic, &m.key, m.value.clone());
            if let Some(sub) = sub {
                self.send(ServerMsg::Update {
                    sub,
                    seq,
                    key: m.key,
                    value: m.value,
                });
            }
            seq
        };
        self.send(ServerMsg::Ack { id: m.id, seq });
    }

    /// Refuses the client's mutation `id` with an `error` of `code` (for
    /// example `"rejected"` or `"forbidden"`): the mutation fails.
    #[track_caller]
    pub fn reject(&self, id: &str, code: &str, message: &str) {
        let m = self.take_mutation(id);
        self.send(error(code, message, Some(m.id)));
    }

    // ------------------------------------------------------------ time

    /// Lets the page catch up: the mock's pending answers, the provider's
    /// queued data (applied on the next animation frame) and every effect.
    pub async fn settle(&self) {
        time::next_frame().await;
        time::yield_to_page().await;
    }

    /// Moves virtual time forward by `ms`, firing every timer that falls due
    /// on the way (the core's retries and heartbeats, the widgets'
    /// countdowns and grace delays), then settles.
    ///
    /// # Panics
    /// Without a mounted [`MockSyncProvider`](super::MockSyncProvider) on virtual time.
    pub async fn advance(&self, ms: Millis) {
        time::advance(ms).await;
        self.settle().await;
    }

    /// The virtual clock's reading: the time base of
    /// `ConnectionState::Reconnecting::next_at`. `None` off virtual time.
    pub fn now(&self) -> Option<Millis> {
        time::virtual_now()
    }

    /// How many virtual timers wait to fire (the core's deadline, the
    /// widgets' countdowns and delays): 0 on a page with nothing scheduled.
    pub fn pending_timers(&self) -> usize {
        time::pending_timers()
    }

    // ------------------------------------------------------------ helpers

    #[track_caller]
    fn sub(&self, topic: &str) -> (u64, u32) {
        let s = lock(&self.state);
        match s.subs.get(topic) {
            Some(sub) => *sub,
            None => panic!(
                "MockServer: the client has no subscription to {topic:?} on the open socket (it has {:?})",
                s.subs.keys().collect::<Vec<_>>()
            ),
        }
    }

    #[track_caller]
    fn take_mutation(&self, id: &str) -> MockMutation {
        let mut s = lock(&self.state);
        let Some(i) = s.mutations.iter().position(|m| m.id == id) else {
            panic!(
                "MockServer: no mutation {id:?} waits for an answer (waiting: {:?})",
                s.mutations.iter().map(|m| &m.id).collect::<Vec<_>>()
            );
        };
        s.mutations.remove(i)
    }

    /// Applies a change to the model; returns its seq.
    fn apply(&self, topic: &str, key: &str, value: Value) -> u64 {
        let mut s = lock(&self.state);
        let t: &mut Topic = s.topics.entry(topic.into()).or_default();
        t.seq += 1;
        if value.is_null() {
            t.entries.remove(key);
        } else {
            t.entries.insert(key.into(), value);
        }
        t.seq
    }
}

fn error(code: &str, message: &str, id: Option<String>) -> ServerMsg {
    ServerMsg::Error {
        code: code.into(),
        message: message.into(),
        id,
        sub: None,
        schema: None,
        retry_after_ms: None,
    }
}

#[track_caller]
fn json(value: &impl Serialize) -> Value {
    serde_json::to_value(value)
        .unwrap_or_else(|e| panic!("MockServer: a value does not serialize to JSON: {e}"))
}
