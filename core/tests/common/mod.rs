#![cfg(not(target_arch = "wasm32"))]
#![allow(dead_code)] // each test file uses a different part of the harness
//! A virtual-time driver for the sans-IO [`Machine`] that checks the core's
//! invariants after every event, shared by the native core tests.
//!
//! It plays the role of the provider: it executes every command the machine
//! emits (a `Connect` creates socket `k`, `CloseSocket` starts closing it) and,
//! like the browser driver, keeps one timer for [`Machine::poll_timeout`],
//! calling [`Machine::handle_timeout`] when it fires. It checks the core's
//! invariants on every step, so scenario tests and property tests assert them
//! for free:
//! - never two sockets, counting a closing one until its close event (or until
//!   it has been closing for [`CLOSE_WAIT_MS`]), and no `Connect` after
//!   `UserClose` until `UserOpen`;
//! - `hello` is the first frame of every socket, and nothing else goes before `welcome`;
//! - every reconnect delay is within the policy bounds (or the retry-after range for 4429 and 1012);
//! - the state agrees with the sockets and deadlines, and every state that
//!   waits for time has a deadline, so time alone always moves it on;
//! - `poll_timeout` is the earliest deadline, and none is left due after `handle_timeout`;
//! - the subscription rules of [`subs`]: at most one live `subscribe` per topic
//!   per socket, none for a topic without users, and once Open the topics
//!   subscribed on the socket are exactly the topics with users (less those
//!   the server answered `unavailable`, until their retry);
//! - the request rules of [`requests`]: an id at most once per socket, one
//!   final status per request and nothing after it.

mod checks;
mod drive;
pub mod mutations;
pub mod prop;
pub mod requests;
pub mod server;
pub mod setup;
pub mod subs;

#[allow(unused_imports)] // each test file uses a different part of the harness
pub use setup::{connected_with, harness, reconnecting, reconnects_exactly_after, with_reconnect};

use std::collections::{BTreeMap, BTreeSet, HashMap};

use leptos_sync_core::machine::{CLOSE_WAIT_MS, Command, Event, Machine, MachineOptions};
use leptos_sync_core::{ConnectionState, Lifecycle, Millis, SyncError};
use leptos_sync_protocol::{ClientMsg, ServerMsg, error_code};

/// The driver's view of one socket.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    Connecting,
    Open,
    /// Asked to close; its close event has not come yet.
    Closing,
    Ended,
}

#[derive(Debug)]
pub struct Socket {
    pub phase: Phase,
    /// Frames sent on this socket, in order.
    pub sent: Vec<ClientMsg>,
    /// Whether the machine reached `Open` on this socket.
    pub welcomed: bool,
    /// Topic → the sub id of its live `subscribe` on this socket.
    pub subs: BTreeMap<String, u64>,
    /// Topics whose `subscribe` the server answered `unavailable`: not
    /// subscribed, and waiting for the client's retry.
    pub retrying: BTreeSet<String>,
}

pub struct Harness {
    pub machine: Machine,
    /// The clock the machine is given; `jump_back` moves it without real time passing.
    pub now: Millis,
    /// Real time, which never goes back: what a closing socket's wait is measured in.
    pub real: Millis,
    pub sockets: Vec<Socket>,
    /// The index of the live socket, if any.
    pub live: Option<usize>,
    /// The socket asked to close whose close event has not come, and the real time it was asked.
    pub closing: Option<(usize, Millis)>,
    /// Deliver a closing socket's close event right after each step, as a fast
    /// browser would; tests of the closing window turn it off and call `close_event`.
    pub auto_close: bool,
    /// The driver's one timer: `poll_timeout` as read after the last call.
    pub timer: Option<Millis>,
    /// Every command polled, with the time it was polled.
    pub log: Vec<(Millis, Command)>,
    /// `FetchToken` commands not answered yet.
    pub pending_tokens: usize,
    /// Set by `UserClose`, cleared by `UserOpen`.
    pub user_closed: bool,
    /// Every sub id the machine used, with its topic.
    pub sub_topics: HashMap<u64, String>,
    /// The requests' final statuses seen so far.
    pub requests: requests::Seen,
}

pub const START: Millis = 1_700_000_000_000;

impl Harness {
    pub fn new(opts: MachineOptions, seed: u64) -> Self {
        let mut rng = fastrand::Rng::with_seed(seed);
        Self {
            machine: Machine::new(opts, move || rng.f64()),
            now: START,
            real: START,
            sockets: Vec::new(),
            live: None,
            closing: None,
            auto_close: true,
            timer: None,
            log: Vec::new(),
            pending_tokens: 0,
            user_closed: false,
            sub_topics: HashMap::new(),
            requests: requests::Seen::default(),
        }
    }

    pub fn state(&self) -> ConnectionState {
        self.machine.state().clone()
    }

    /// Feeds one event at the current time, executes the commands and checks the invariants.
    pub fn handle(&mut self, event: Event) -> Vec<Command> {
        match event {
            Event::UserOpen => self.user_closed = false,
            Event::UserClose => self.user_closed = true,
            Event::Token(_) => self.pending_tokens = self.pending_tokens.saturating_sub(1),
            Event::SocketOpened => {
                let k = self.live.expect("SocketOpened without a live socket");
                assert_eq!(self.sockets[k].phase, Phase::Connecting);
                self.sockets[k].phase = Phase::Open;
            }
            // A socket is gone once the browser reports its close: the live
            // one (the server closed it), else the one the machine closed.
            Event::Frame(ref text) => self.server_frame(text),
            Event::SocketClosed { .. } => {
                if let Some(k) = self.live.take() {
                    self.sockets[k].phase = Phase::Ended;
                } else if let Some((k, _)) = self.closing.take() {
                    self.sockets[k].phase = Phase::Ended;
                }
            }
            _ => {}
        }
        self.machine.handle(event.clone(), self.now);
        self.drain(Some(&event))
    }

    /// A frame from the server: an `unavailable` for a `subscribe` means the
    /// server did not subscribe it, so it is no longer live on the socket.
    fn server_frame(&mut self, text: &str) {
        let (
            Some(k),
            Ok(ServerMsg::Error {
                code,
                sub: Some(sub),
                ..
            }),
        ) = (self.live, ServerMsg::decode(text))
        else {
            return;
        };
        let sock = &mut self.sockets[k];
        let topic = sock
            .subs
            .iter()
            .find(|(_, s)| **s == sub)
            .map(|(t, _)| t.clone());
        if let (Some(topic), error_code::UNAVAILABLE) = (topic, code.as_str()) {
            sock.subs.remove(&topic);
            sock.retrying.insert(topic);
        }
    }

    /// The driver's timer fired: lets time pass in the machine at the current time.
    pub fn handle_timeout(&mut self) -> Vec<Command> {
        self.machine.handle_timeout(self.now);
        let cmds = self.drain(None);
        if let Some(at) = self.timer {
            assert!(
                at > self.now,
                "deadline {at} still due after handle_timeout({})",
                self.now
            );
        }
        cmds
    }

    /// The close event of the socket the machine closed.
    pub fn close_event(&mut self) -> Vec<Command> {
        assert!(self.closing.is_some(), "no socket is closing");
        self.handle(Event::SocketClosed {
            code: 1000,
            reason: "client closed".into(),
        })
    }

    /// Executes what the machine asks, re-arms the one timer, checks the invariants.
    fn drain(&mut self, event: Option<&Event>) -> Vec<Command> {
        let mut cmds = Vec::new();
        while let Some(cmd) = self.machine.poll() {
            self.execute(&cmd, event);
            self.log.push((self.now, cmd.clone()));
            cmds.push(cmd);
        }
        self.timer = self.machine.poll_timeout();
        self.check_state();
        if self.auto_close && self.closing.is_some() {
            cmds.extend(self.close_event());
        }
        cmds
    }

    fn execute(&mut self, cmd: &Command, event: Option<&Event>) {
        match cmd {
            Command::Connect => {
                assert!(
                    self.live.is_none(),
                    "Connect while socket {:?} is live",
                    self.live
                );
                if let Some((k, since)) = self.closing.take() {
                    let waited = self.real - since;
                    assert!(
                        waited >= CLOSE_WAIT_MS,
                        "Connect while socket {k} is still closing (for {waited} ms)"
                    );
                    // The driver's `open()` drops it: its close event never comes.
                    self.sockets[k].phase = Phase::Ended;
                }
                assert!(
                    !self.user_closed,
                    "Connect after UserClose (event {event:?})"
                );
                self.sockets.push(Socket {
                    phase: Phase::Connecting,
                    sent: Vec::new(),
                    welcomed: false,
                    subs: BTreeMap::new(),
                    retrying: BTreeSet::new(),
                });
                self.live = Some(self.sockets.len() - 1);
            }
            Command::FetchToken => self.pending_tokens += 1,
            Command::Send(msg) => {
                let k = self.live.expect("Send without a live socket");
                let sock = &mut self.sockets[k];
                assert_eq!(
                    sock.phase,
                    Phase::Open,
                    "Send on socket {k} before it opened"
                );
                let is_hello = matches!(msg, ClientMsg::Hello { .. });
                if sock.sent.is_empty() {
                    assert!(is_hello, "first frame on socket {k} is {msg:?}, not hello");
                } else {
                    assert!(!is_hello, "second hello on socket {k}");
                    assert!(sock.welcomed, "{msg:?} sent on socket {k} before welcome");
                }
                requests::check_send(k, sock, msg);
                sock.sent.push(msg.clone());
                subs::check_send(&self.machine, &mut self.sub_topics, k, sock, msg);
            }
            Command::CloseSocket { .. } => {
                let k = self.live.take().expect("CloseSocket without a live socket");
                assert!(self.closing.is_none(), "two sockets closing");
                self.sockets[k].phase = Phase::Closing;
                self.closing = Some((k, self.real));
            }
            Command::Lifecycle(Lifecycle::Reconnecting { attempt, delay_ms }) => {
                self.check_delay(*attempt, *delay_ms, event);
            }
            // Emitted on `welcome`, before the subscriptions it releases.
            Command::Lifecycle(Lifecycle::Connected | Lifecycle::Reconnected { .. }) => {
                let k = self.live.expect("welcome without a live socket");
                self.sockets[k].welcomed = true;
            }
            Command::Data(data) => subs::check_data(&self.machine, data),
            Command::Request { .. } => self.requests.check(cmd),
            // Errors and other lifecycle events.
            _ => {}
        }
    }

    // ---- reading the log ----

    pub fn connects(&self) -> usize {
        self.log
            .iter()
            .filter(|(_, c)| *c == Command::Connect)
            .count()
    }

    pub fn errors(&self) -> Vec<SyncError> {
        errors(self.log.iter().map(|(_, c)| c))
    }

    pub fn last_error(&self) -> Option<SyncError> {
        self.errors().pop()
    }
}

/// A server message from its wire JSON: tests keep compiling when the protocol
/// gains optional fields, and exercise the real decoder.
pub fn msg(json: serde_json::Value) -> ServerMsg {
    ServerMsg::decode(&json.to_string()).expect("valid server message")
}

pub fn errors<'a>(cmds: impl IntoIterator<Item = &'a Command>) -> Vec<SyncError> {
    cmds.into_iter()
        .filter_map(|c| match c {
            Command::Error(e) => Some(e.clone()),
            _ => None,
        })
        .collect()
}

pub fn sends(cmds: &[Command]) -> Vec<&ClientMsg> {
    cmds.iter()
        .filter_map(|c| match c {
            Command::Send(m) => Some(m),
            _ => None,
        })
        .collect()
}

pub fn has(cmds: &[Command], pred: impl Fn(&Command) -> bool) -> bool {
    cmds.iter().any(pred)
}
