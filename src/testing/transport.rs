//! The mock's side of the driver's socket seam: what happens when the driver
//! opens, closes or sends, and how events get back to it.
//!
//! The driver calls the socket functions from inside its own step, and a real
//! socket answers later; so the mock's answers to them (`open`, `welcome`,
//! `pong`, the close event) are delivered from a task of their own, in order.
//! What the test scripts is delivered at once.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard};

use leptos::prelude::*;
use leptos_sync_core::machine::Event;
use leptos_sync_protocol::{ClientMsg, ServerMsg};
use serde_json::{Map, Value};

use super::options::MockServerOptions;
use crate::provider::ConnectionReadyState;
use crate::provider::handle::Socket;

/// How events reach the driver.
pub(crate) type Dispatch = Arc<dyn Fn(Event) + Send + Sync>;

/// The close code a browser reports for a socket the page closed without one.
const NO_STATUS: u16 = 1005;
/// The close code of a socket that failed or was lost without a close frame.
const ABNORMAL: u16 = 1006;

/// One topic of the mock's model: its seq and its entries.
#[derive(Debug, Default)]
pub(crate) struct Topic {
    pub seq: u64,
    pub entries: Map<String, Value>,
}

/// A mutation the client sent that the test has not answered yet.
///
/// ## Usage
///
/// ```no_run
/// # async fn demo(server: leptos_sync::testing::MockServer) {
/// let pending = server.mutations();
/// assert_eq!(pending[0].topic, "Task");
/// server.ack(&pending[0].id);
/// # }
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct MockMutation {
    /// The mutation id (the same on every re-send).
    pub id: String,
    /// Topic name.
    pub topic: String,
    /// Entry key.
    pub key: String,
    /// The new value, `null` for a removal.
    pub value: Value,
}

/// The mock server's state, behind the [`MockServer`](super::MockServer) handle.
pub(crate) struct State {
    pub options: MockServerOptions,
    /// The driver, once a provider attached.
    pub link: Option<(Dispatch, RwSignal<ConnectionReadyState>)>,
    /// Every frame the client sent, in order; `read` of them were taken.
    pub sent: Vec<ClientMsg>,
    pub read: usize,
    /// Sockets the client opened; the last one is the current one.
    pub sockets: u32,
    /// The current socket is open and not closed since.
    pub open: bool,
    /// The current socket is neither closed nor failed yet.
    pub live: bool,
    /// Per topic, the sub id and schema of the current socket's subscription.
    pub subs: BTreeMap<String, (u64, u32)>,
    pub topics: BTreeMap<String, Topic>,
    /// Unanswered mutations of the current socket, in the order sent.
    pub mutations: Vec<MockMutation>,
}

impl State {
    pub fn new(options: MockServerOptions) -> Self {
        Self {
            options,
            link: None,
            sent: Vec::new(),
            read: 0,
            sockets: 0,
            open: false,
            live: false,
            subs: BTreeMap::new(),
            topics: BTreeMap::new(),
            mutations: Vec::new(),
        }
    }

    /// The socket is gone: the server forgets its subscriptions and mutations.
    pub fn socket_ended(&mut self) {
        self.open = false;
        self.live = false;
        self.subs.clear();
        self.mutations.clear();
    }
}

pub(crate) fn lock(state: &Mutex<State>) -> MutexGuard<'_, State> {
    // A test that panicked while holding it leaves nothing half-done worth refusing.
    state.lock().unwrap_or_else(|e| e.into_inner())
}

/// Hands the driver its socket functions and the ready state they drive.
pub(crate) fn attach(
    state: &Arc<Mutex<State>>,
    dispatch: Dispatch,
) -> (Socket, Signal<ConnectionReadyState>) {
    let ready_state = RwSignal::new(ConnectionReadyState::Closed);
    lock(state).link = Some((dispatch, ready_state));
    let (open, close, send) = (Arc::clone(state), Arc::clone(state), Arc::clone(state));
    let socket = Socket {
        open: Arc::new(move || on_open(&open)),
        close: Arc::new(move || on_close(&close)),
        send: Arc::new(move |text: &String| on_send(&send, text)),
    };
    (socket, ready_state.into())
}

fn on_open(state: &Arc<Mutex<State>>) {
    let (socket, accept) = {
        let mut s = lock(state);
        s.socket_ended();
        s.sockets += 1;
        s.live = true;
        (s.sockets, s.options.accept_sockets)
    };
    set_ready_state(state, ConnectionReadyState::Connecting);
    if accept {
        later(state, socket, Event::SocketOpened);
    } else {
        later(state, socket, Event::SocketError);
        later(
            state,
            socket,
            Event::SocketClosed {
                code: ABNORMAL,
                reason: String::new(),
            },
        );
    }
}

fn on_close(state: &Arc<Mutex<State>>) {
    let socket = lock(state).sockets;
    set_ready_state(state, ConnectionReadyState::Closing);
    later(
        state,
        socket,
        Event::SocketClosed {
            code: NO_STATUS,
            reason: String::new(),
        },
    );
}

fn on_send(state: &Arc<Mutex<State>>, text: &str) {
    let msg = ClientMsg::decode(text)
        .unwrap_or_else(|e| panic!("the client sent a frame outside the protocol ({e}): {text}"));
    let (socket, answer) = {
        let mut s = lock(state);
        s.sent.push(msg.clone());
        let answer = match msg {
            ClientMsg::Hello { .. } if s.options.welcome => Some(ServerMsg::Welcome {
                session: "mock".into(),
                heartbeat_ms: s.options.heartbeat_ms,
            }),
            ClientMsg::Ping { t } if s.options.pong => Some(ServerMsg::Pong { t }),
            ClientMsg::Subscribe {
                sub, topic, schema, ..
            } => {
                s.subs.insert(topic, (sub, schema));
                None
            }
            ClientMsg::Unsubscribe { sub } => {
                s.subs.retain(|_, (live, _)| *live != sub);
                None
            }
            ClientMsg::Mutate {
                id,
                topic,
                key,
                value,
            } => {
                // A re-send (same id) replaces the earlier copy.
                s.mutations.retain(|m| m.id != id);
                s.mutations.push(MockMutation {
                    id,
                    topic,
                    key,
                    value,
                });
                None
            }
            _ => None,
        };
        (s.sockets, answer)
    };
    if let Some(answer) = answer {
        later(state, socket, Event::Frame(answer.encode()));
    }
}

/// Delivers `event` of socket number `socket` from a task of its own, unless
/// that socket is gone by then (as leptos-use's `open()` drops the handlers of
/// the socket it replaces, and a closed socket reports nothing more).
fn later(state: &Arc<Mutex<State>>, socket: u32, event: Event) {
    let state = Arc::clone(state);
    leptos::task::spawn_local(async move {
        {
            let mut s = lock(&state);
            if s.sockets != socket || !s.live {
                return;
            }
            match event {
                Event::SocketOpened => s.open = true,
                Event::SocketClosed { .. } => s.socket_ended(),
                _ => {}
            }
        }
        match event {
            Event::SocketOpened => set_ready_state(&state, ConnectionReadyState::Open),
            Event::SocketClosed { .. } => set_ready_state(&state, ConnectionReadyState::Closed),
            _ => {}
        }
        deliver(&state, event);
    });
}

/// Hands `event` to the driver at once (never while holding the lock: the
/// driver may call back into the mock).
pub(crate) fn deliver(state: &Mutex<State>, event: Event) {
    let dispatch = lock(state).link.as_ref().map(|(d, _)| Arc::clone(d));
    if let Some(dispatch) = dispatch {
        dispatch(event);
    }
}

pub(crate) fn set_ready_state(state: &Mutex<State>, ready: ConnectionReadyState) {
    let signal = lock(state).link.as_ref().map(|(_, r)| *r);
    if let Some(signal) = signal {
        signal.try_set(ready);
    }
}
