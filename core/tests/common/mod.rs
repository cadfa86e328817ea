#![cfg(not(target_arch = "wasm32"))]
#![allow(dead_code)] // each test file uses a different part of the harness
//! A virtual-time driver for the sans-IO [`Machine`] that checks the core's
//! invariants after every event, shared by the native core tests.
//!
//! It plays the provider: it executes every command the machine emits (a
//! `Connect` creates socket `k`, `CloseSocket` ends it, `SetTimer` replaces that
//! timer's deadline) on a clock the test advances, so tests assert these for free:
//! - never two live sockets, and no `Connect` after `UserClose` until `UserOpen`;
//! - `hello` is the first frame of every socket, and nothing else goes before `welcome`;
//! - every reconnect delay is within the policy bounds (or the retry-after range for 4429);
//! - the state agrees with the sockets and timers;
//! - the subscription rules of [`subs`]: at most one live `subscribe` per topic
//!   per socket, none for a topic without users, and once Open the topics
//!   subscribed on the socket are exactly the topics with users.

pub mod server;
pub mod setup;
pub mod subs;

#[allow(unused_imports)] // each test file uses a different part of the harness
pub use setup::{harness, reconnecting, with_reconnect};

use std::collections::{BTreeMap, HashMap};

use leptos_sync_core::machine::{Command, Event, Machine, MachineOptions, Timer};
use leptos_sync_core::{ConnectionState, Lifecycle, Millis, SyncError};
use leptos_sync_protocol::{ClientMsg, ServerMsg, close_code};

/// The driver's view of one socket.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    Connecting,
    Open,
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
}

pub struct Harness {
    pub machine: Machine,
    pub now: Millis,
    pub sockets: Vec<Socket>,
    /// The index of the live socket, if any.
    pub live: Option<usize>,
    /// Pending deadlines, as the driver's timers hold them.
    pub timers: HashMap<Timer, Millis>,
    /// Every command polled, with the time it was polled.
    pub log: Vec<(Millis, Command)>,
    /// `FetchToken` commands not answered yet.
    pub pending_tokens: usize,
    /// Set by `UserClose`, cleared by `UserOpen`.
    pub user_closed: bool,
    /// Every sub id the machine used, with its topic.
    pub sub_topics: HashMap<u64, String>,
}

pub const START: Millis = 1_700_000_000_000;

impl Harness {
    pub fn new(opts: MachineOptions, seed: u64) -> Self {
        let mut rng = fastrand::Rng::with_seed(seed);
        Self {
            machine: Machine::new(opts, move || rng.f64()),
            now: START,
            sockets: Vec::new(),
            live: None,
            timers: HashMap::new(),
            log: Vec::new(),
            pending_tokens: 0,
            user_closed: false,
            sub_topics: HashMap::new(),
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
            // The socket is gone once the browser reports its close.
            Event::SocketClosed { .. } => {
                if let Some(k) = self.live.take() {
                    self.sockets[k].phase = Phase::Ended;
                }
            }
            _ => {}
        }
        self.machine.handle(event.clone(), self.now);
        let mut cmds = Vec::new();
        while let Some(cmd) = self.machine.poll() {
            self.execute(&cmd, &event);
            self.log.push((self.now, cmd.clone()));
            cmds.push(cmd);
        }
        self.check_state(&cmds);
        cmds
    }

    fn execute(&mut self, cmd: &Command, event: &Event) {
        match cmd {
            Command::Connect => {
                assert!(
                    self.live.is_none(),
                    "Connect while socket {:?} is live",
                    self.live
                );
                assert!(
                    !self.user_closed,
                    "Connect after UserClose (event {event:?})"
                );
                self.sockets.push(Socket {
                    phase: Phase::Connecting,
                    sent: Vec::new(),
                    welcomed: false,
                    subs: BTreeMap::new(),
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
                sock.sent.push(msg.clone());
                subs::check_send(&self.machine, &mut self.sub_topics, k, sock, msg);
            }
            Command::CloseSocket { .. } => {
                let k = self.live.take().expect("CloseSocket without a live socket");
                self.sockets[k].phase = Phase::Ended;
            }
            Command::SetTimer { timer, at } => {
                assert!(*at >= self.now, "{timer:?} set in the past");
                self.timers.insert(*timer, *at);
            }
            Command::Lifecycle(Lifecycle::Reconnecting { attempt, delay_ms }) => {
                self.check_delay(*attempt, *delay_ms, event);
            }
            // Emitted on `welcome`, before the subscriptions it releases.
            Command::Lifecycle(Lifecycle::Connected | Lifecycle::Reconnected) => {
                let k = self.live.expect("welcome without a live socket");
                self.sockets[k].welcomed = true;
            }
            Command::Data(data) => subs::check_data(&self.machine, data),
            // Errors and other lifecycle events.
            _ => {}
        }
    }

    /// A reconnect delay is within the policy bounds, or the clamped retry-after range for 4429.
    fn check_delay(&self, attempt: u32, delay: u64, event: &Event) {
        let reconnect = &self.machine.options().reconnect;
        let retry_after = match event {
            Event::SocketClosed { code, reason } if *code == close_code::OVERLOADED => {
                close_code::retry_after_ms(reason)
            }
            _ => None,
        };
        let (lo, hi) = match retry_after {
            Some(ms) => {
                let base = reconnect.clamp_retry_after(ms);
                (base, base + base / 2)
            }
            None => reconnect
                .bounds(attempt)
                .unwrap_or_else(|| panic!("retry {attempt} scheduled but the policy gives up")),
        };
        assert!(
            (lo..=hi).contains(&delay),
            "attempt {attempt}: delay {delay} outside [{lo}, {hi}] after {event:?}"
        );
        // The policy must have allowed this attempt at all (Never, max_attempts).
        assert!(
            reconnect.bounds(attempt).is_some(),
            "attempt {attempt} beyond what the policy allows, after {event:?}"
        );
    }

    fn check_state(&mut self, cmds: &[Command]) {
        let state = self.state();
        let live = self.live.map(|k| self.sockets[k].phase);
        match &state {
            ConnectionState::Connecting { .. } => assert_eq!(live, Some(Phase::Connecting)),
            ConnectionState::Handshaking => {
                assert_eq!(live, Some(Phase::Open));
                assert!(!self.sockets[self.live.unwrap()].welcomed);
            }
            ConnectionState::Open => {
                assert_eq!(live, Some(Phase::Open), "Open without a live open socket");
                let sock = &mut self.sockets[self.live.unwrap()];
                assert!(matches!(sock.sent.first(), Some(ClientMsg::Hello { .. })));
                sock.welcomed = true;
                subs::check_settled(&self.machine, sock);
            }
            ConnectionState::Reconnecting { next_at, .. } => {
                assert_eq!(live, None, "Reconnecting with a live socket");
                assert_eq!(self.timers.get(&Timer::Reconnect), Some(next_at));
            }
            ConnectionState::Idle | ConnectionState::Failed { .. } | ConnectionState::Closed => {
                assert_eq!(live, None, "{state:?} with a live socket")
            }
        }
        assert_eq!(
            self.machine.metrics().connected_since.is_some(),
            state.is_open(),
            "connected_since only while Open"
        );
        if self.user_closed {
            assert_eq!(state, ConnectionState::Closed);
        }
        if cmds.iter().any(|c| {
            matches!(
                c,
                Command::SetTimer {
                    timer: Timer::Reconnect,
                    ..
                }
            )
        }) {
            assert!(matches!(state, ConnectionState::Reconnecting { .. }));
        }
    }

    // ---- driving ----

    pub fn open(&mut self) -> Vec<Command> {
        self.handle(Event::UserOpen)
    }

    pub fn socket_opened(&mut self) -> Vec<Command> {
        self.handle(Event::SocketOpened)
    }

    pub fn token(&mut self) -> Vec<Command> {
        self.handle(Event::Token(Some("secret".into())))
    }

    pub fn frame(&mut self, msg: &ServerMsg) -> Vec<Command> {
        self.handle(Event::Frame(msg.encode()))
    }

    pub fn raw(&mut self, text: &str) -> Vec<Command> {
        self.handle(Event::Frame(text.into()))
    }

    pub fn welcome(&mut self, heartbeat_ms: Option<u64>) -> Vec<Command> {
        self.frame(&msg(
            serde_json::json!({"type": "welcome", "session": "s", "heartbeat_ms": heartbeat_ms}),
        ))
    }

    /// After a `Connect`: the socket opens, the token comes, the server welcomes.
    pub fn establish(&mut self, heartbeat_ms: Option<u64>) {
        self.socket_opened();
        self.token();
        self.welcome(heartbeat_ms);
        assert_eq!(self.state(), ConnectionState::Open);
    }

    pub fn close(&mut self, code: u16, reason: &str) -> Vec<Command> {
        self.handle(Event::SocketClosed {
            code,
            reason: reason.into(),
        })
    }

    /// A connect attempt that the network refuses: error, then close 1006.
    pub fn refuse(&mut self) -> Vec<Command> {
        let mut cmds = self.handle(Event::SocketError);
        cmds.extend(self.close(close_code::ABNORMAL, ""));
        cmds
    }

    /// Advances time by `ms`, firing each due timer at its deadline, in order.
    pub fn advance(&mut self, ms: u64) -> Vec<Command> {
        let target = self.now + ms;
        let mut cmds = Vec::new();
        while let Some((timer, at)) = self.next_timer().filter(|&(_, at)| at <= target) {
            self.timers.remove(&timer);
            self.now = self.now.max(at);
            cmds.extend(self.handle(Event::Timer(timer)));
        }
        self.now = target;
        cmds
    }

    /// Advances time by `ms` without firing timers, like a throttled background tab.
    pub fn throttle(&mut self, ms: u64) {
        self.now += ms;
    }

    /// Jumps to the earliest pending timer and fires it.
    pub fn fire_next(&mut self) -> Option<Vec<Command>> {
        let (timer, at) = self.next_timer()?;
        self.timers.remove(&timer);
        self.now = self.now.max(at);
        Some(self.handle(Event::Timer(timer)))
    }

    /// Advances to `timer`'s deadline, firing it and everything due before it.
    pub fn fire(&mut self, timer: Timer) -> Vec<Command> {
        let at = *self
            .timers
            .get(&timer)
            .unwrap_or_else(|| panic!("{timer:?} not set"));
        self.advance(at.saturating_sub(self.now))
    }

    pub fn next_timer(&self) -> Option<(Timer, Millis)> {
        // Ties break in a fixed order so runs reproduce.
        let rank = |t: &Timer| *t as u8;
        self.timers
            .iter()
            .map(|(t, at)| (*t, *at))
            .min_by_key(|(t, at)| (*at, rank(t)))
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

pub fn timer_at(cmds: &[Command], timer: Timer) -> Option<Millis> {
    cmds.iter().rev().find_map(|c| match c {
        Command::SetTimer { timer: t, at } if *t == timer => Some(*at),
        _ => None,
    })
}

pub fn has(cmds: &[Command], pred: impl Fn(&Command) -> bool) -> bool {
    cmds.iter().any(pred)
}
