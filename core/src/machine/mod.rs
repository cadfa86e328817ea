//! The connection state machine: events in, commands out, time passed in.
//!
//! The driver (the `SyncProvider`) feeds [`Event`]s with the current time of
//! its monotonic clock (`performance.now()` in the browser), executes the
//! [`Command`]s it polls, and keeps one timer for
//! [`Machine::poll_timeout`], calling [`Machine::handle_timeout`] when it
//! fires. Nothing here touches a socket, a timer or a clock, so every rule is
//! tested natively with virtual time.
//!
//! ```
//! use leptos_sync_core::{Command, Event, Machine, MachineOptions};
//!
//! let mut machine = Machine::new(MachineOptions::default(), || 0.5);
//! let mut now = 0;
//! machine.handle(Event::UserOpen, now);
//! let commands: Vec<Command> = std::iter::from_fn(|| machine.poll()).collect();
//! assert!(commands.contains(&Command::Connect)); // a driver opens the socket here
//! // The driver's one timer: sleep until the earliest deadline, then hand it over.
//! if let Some(at) = machine.poll_timeout() {
//!     now = at;
//!     machine.handle_timeout(now);
//! }
//! ```

use std::collections::VecDeque;

use leptos_sync_protocol::{ClientMsg, PROTOCOL_VERSION};

use super::outbox::{Outbox, OutboxOut};
use super::requests::Requests;
use super::state::{
    ConnectionMetrics, ConnectionState, DisconnectReason, FailReason, Lifecycle, Millis,
};
use super::subscriptions::{SubOut, Subscriptions};
use crate::error::SyncError;

mod access;
mod events;
mod frames;
mod options;
mod reconnect;
mod requests;
mod time;
mod types;
mod user;

pub use options::*;
pub use types::*;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Socket {
    None,
    Connecting,
    /// Open; `hello` is sent once the token is there.
    Open {
        hello_sent: bool,
    },
    /// Asked to close: it still counts until its close event (or [`CLOSE_WAIT_MS`]),
    /// and a wanted connect waits for that.
    Closing,
}

/// The connection state machine: feed it each [`Event`] with the current time
/// ([`handle`](Self::handle)), then drain the [`Command`]s it answers with
/// ([`poll`](Self::poll)) and carry them out. It owns no socket and no clock.
///
/// ## Usage
///
/// A whole handshake, with the server's `welcome` as the text a server sends:
///
/// ```
/// use leptos_sync_core::{Command, ConnectionState, Event, Machine, MachineOptions};
///
/// let mut machine = Machine::new(MachineOptions::default(), || 0.5);
/// let mut commands = |m: &mut Machine| std::iter::from_fn(|| m.poll()).collect::<Vec<_>>();
///
/// machine.handle(Event::UserOpen, 0);
/// assert!(commands(&mut machine).contains(&Command::Connect));
///
/// machine.handle(Event::SocketOpened, 20);
/// assert_eq!(machine.state(), &ConnectionState::Handshaking);
/// // The token is fetched on every connect, so a refreshed one is used.
/// assert!(commands(&mut machine).contains(&Command::FetchToken));
///
/// machine.handle(Event::Token(Some("secret".into())), 25);
/// let hello = commands(&mut machine).into_iter().find_map(|c| match c {
///     Command::Send(msg) => Some(msg.encode()),
///     _ => None,
/// });
/// assert!(hello.is_some_and(|text| text.contains(r#""type":"hello""#)));
///
/// let welcome = r#"{"type":"welcome","session":"s1","heartbeat_ms":null}"#;
/// machine.handle(Event::Frame(welcome.into()), 40);
/// assert!(machine.state().is_open());
/// assert!(machine.metrics().connected_since.is_some());
/// ```
pub struct Machine {
    opts: MachineOptions,
    random: Box<dyn FnMut() -> f64>,
    state: ConnectionState,
    socket: Socket,
    /// Failed attempts since the last stable connection.
    attempt: u32,
    ever_opened: bool,
    heartbeat_ms: u64,
    deadlines: [Option<Millis>; TIMERS.len()],
    /// The time of the last call, to notice a clock that steps back.
    last_now: Millis,
    metrics: ConnectionMetrics,
    subs: Subscriptions,
    outbox: Outbox,
    /// Random prefix of mutation ids, so ids from different page loads never collide.
    id_prefix: String,
    next_mutation: u64,
    requests: Requests,
    out: VecDeque<Command>,
}

impl Machine {
    /// A machine in [`ConnectionState::Idle`]. `random` yields uniform samples in `[0, 1)` for jitter.
    ///
    /// The options are [validated](MachineOptions::validate) here: each value
    /// out of range is clamped, and its error is the first thing [`poll`](Self::poll) returns.
    ///
    /// ```
    /// use leptos_sync_core::{Command, Machine, MachineOptions, SyncError};
    ///
    /// // In the browser the driver passes the page's random source; a test passes a constant.
    /// let mut machine = Machine::new(MachineOptions::default(), || 0.5);
    /// assert_eq!(machine.poll(), None);
    /// // A value out of range is clamped, and reported first.
    /// let mut odd = Machine::new(MachineOptions { pong_timeout_ms: 0, ..Default::default() }, || 0.5);
    /// assert!(matches!(odd.poll(), Some(Command::Error(SyncError::InvalidOptions { .. }))));
    /// ```
    pub fn new(mut opts: MachineOptions, mut random: impl FnMut() -> f64 + 'static) -> Self {
        let errors = opts.validate();
        let id_prefix = format!(
            "{:08x}{:08x}",
            (random() * f64::from(u32::MAX)) as u32,
            (random() * f64::from(u32::MAX)) as u32
        );
        Self {
            outbox: Outbox::new(opts.outbox),
            id_prefix,
            next_mutation: 0,
            heartbeat_ms: opts.heartbeat_interval_ms.unwrap_or(DEFAULT_HEARTBEAT_MS),
            opts,
            random: Box::new(random),
            state: ConnectionState::Idle,
            socket: Socket::None,
            attempt: 0,
            ever_opened: false,
            deadlines: [None; TIMERS.len()],
            last_now: 0,
            metrics: ConnectionMetrics::default(),
            subs: Subscriptions::default(),
            requests: Requests::default(),
            out: errors.into_iter().map(Command::Error).collect(),
        }
    }

    /// Feeds one event at time `now` (the driver's monotonic clock, ms); then
    /// drain [`poll`](Self::poll) and re-read [`poll_timeout`](Self::poll_timeout).
    ///
    /// ```
    /// use leptos_sync_core::{Command, Event, Machine, MachineOptions};
    ///
    /// let mut machine = Machine::new(MachineOptions::default(), || 0.5);
    /// machine.handle(Event::UserOpen, 0);
    /// assert_eq!(machine.poll(), Some(Command::Connect));
    /// ```
    pub fn handle(&mut self, event: Event, now: Millis) {
        self.observe_time(now);
        match event {
            Event::UserOpen => self.user_open(now),
            Event::UserClose => self.user_close(now),
            Event::SocketOpened => {
                if self.socket == Socket::Connecting {
                    self.socket = Socket::Open { hello_sent: false };
                    self.state = ConnectionState::Handshaking;
                    self.out.push_back(Command::FetchToken);
                }
            }
            Event::Token(token) => {
                if self.socket == (Socket::Open { hello_sent: false }) {
                    self.socket = Socket::Open { hello_sent: true };
                    self.send(ClientMsg::Hello {
                        protocol: PROTOCOL_VERSION,
                        token,
                    });
                }
            }
            Event::SocketError => {
                if matches!(self.socket, Socket::Connecting | Socket::Open { .. }) {
                    self.error(SyncError::WebSocketError {
                        message: "the connection failed".into(),
                    });
                }
            }
            Event::SocketClosed { code, reason } => match self.socket {
                Socket::None => {}
                Socket::Closing => self.closed(now),
                Socket::Connecting | Socket::Open { .. } => {
                    let cause = DisconnectReason::from_close(code, &reason);
                    self.lost(code, reason, cause, now, true)
                }
            },
            Event::Frame(text) => self.frame(&text, now),
            Event::BinaryFrame { bytes } => self.binary_frame(bytes),
            Event::TokenChanged => {
                if matches!(
                    self.state,
                    ConnectionState::Failed {
                        reason: FailReason::AuthRejected { .. }
                    }
                ) {
                    self.attempt = 0;
                    self.connect(now);
                }
            }
            Event::Visible => self.handle_timeout(now),
            Event::Online => {
                if matches!(self.state, ConnectionState::Reconnecting { .. })
                    || matches!(
                        self.state,
                        ConnectionState::Failed {
                            reason: FailReason::RetriesExhausted { .. }
                        }
                    )
                {
                    self.attempt = 0;
                    self.connect(now);
                } else if self.state.is_open() {
                    // A link that died while offline can still look Open (the
                    // browser may never report its close): probe it, as on
                    // `offline`, instead of waiting for the next ping (found
                    // by the chaos suite's offline spans).
                    self.ping(now);
                }
            }
            Event::Subscribe { topic, schema } => {
                let mut out = Vec::new();
                self.subs
                    .add(&topic, schema, self.state.is_open(), &mut out);
                self.emit(out, now);
            }
            Event::Unsubscribe { topic } => {
                let mut out = Vec::new();
                self.subs.remove(&topic, self.state.is_open(), &mut out);
                self.emit(out, now);
            }
            Event::Mutate(mutation) => {
                let mut out = Vec::new();
                self.outbox
                    .push(mutation, self.state.is_open(), now, &mut out);
                self.emit_outbox(out, now);
            }
            Event::Offline => {
                // Don't trust `offline` alone: probe the link instead of dropping it.
                if self.state.is_open() {
                    self.ping(now);
                }
            }
            Event::Request(request) => self.request(request, now),
        }
    }

    /// Asks the driver to close the socket, which counts until its close event.
    fn close_socket(&mut self, code: u16, reason: &str, now: Millis) {
        self.socket = Socket::Closing;
        self.out.push_back(Command::CloseSocket {
            code,
            reason: reason.into(),
        });
        self.set_timer(Timer::Close, now.saturating_add(CLOSE_WAIT_MS));
    }

    /// Wants a socket: opens one now, or once the closing one is gone ([`Self::closed`]).
    fn connect(&mut self, now: Millis) {
        self.clear_timers();
        self.state = ConnectionState::Connecting {
            attempt: self.attempt,
        };
        match self.socket {
            Socket::None => self.open_socket(now),
            Socket::Closing => {}
            Socket::Connecting | Socket::Open { .. } => {
                debug_assert!(false, "connect with a live socket: one socket at a time");
            }
        }
    }

    fn open_socket(&mut self, now: Millis) {
        self.socket = Socket::Connecting;
        self.metrics.attempts += 1;
        self.out.push_back(Command::Connect);
        self.out
            .push_back(Command::Lifecycle(Lifecycle::Connecting {
                attempt: self.attempt,
            }));
        self.set_timer(
            Timer::Connect,
            now.saturating_add(self.opts.connect_timeout_ms),
        );
    }

    /// The closing socket is gone (its close event came, or [`CLOSE_WAIT_MS`]
    /// passed): the user's last wish wins, so a connect asked for meanwhile goes ahead.
    fn closed(&mut self, now: Millis) {
        self.socket = Socket::None;
        self.clear_timer(Timer::Close);
        if matches!(self.state, ConnectionState::Connecting { .. }) {
            self.open_socket(now);
        }
    }

    fn send(&mut self, msg: ClientMsg) {
        self.metrics.sent += 1;
        self.out.push_back(Command::Send(msg));
    }

    /// Subscriptions go stale and in-flight mutations wait for the next connection.
    fn data_disconnected(&mut self, now: Millis) {
        let mut out = Vec::new();
        self.subs.on_close(&mut out);
        self.emit(out, now);
        let mut out = Vec::new();
        self.outbox.on_close(&mut out);
        self.emit_outbox(out, now);
        self.requests_closed(now);
    }

    fn emit(&mut self, out: Vec<SubOut>, now: Millis) {
        self.metrics.subscriptions = self.subs.counters;
        for item in out {
            match item {
                SubOut::Send(msg) => self.send(msg),
                SubOut::Data(event) => self.out.push_back(Command::Data(event)),
                SubOut::Error(error) => self.error(error),
            }
        }
        self.arm_retries(now);
    }

    fn emit_outbox(&mut self, out: Vec<OutboxOut>, now: Millis) {
        for item in out {
            match item {
                OutboxOut::Send(msg) => self.send(msg),
                OutboxOut::Status(id, status) => {
                    self.out.push_back(Command::Mutation { id, status })
                }
                OutboxOut::Error(error) => self.error(error),
            }
        }
        self.metrics.queued = self.outbox.queued() as u64;
        self.metrics.in_flight = self.outbox.in_flight() as u64;
        self.metrics.dropped = self.outbox.dropped;
        self.arm_retries(now);
    }

    /// [`Timer::Outbox`]: the outbox's expiries and retries, and the retries
    /// of subscriptions answered `unavailable`.
    fn arm_retries(&mut self, now: Millis) {
        let next = [self.outbox.next_deadline(), self.subs.next_retry()];
        match next.into_iter().flatten().min() {
            Some(at) if self.deadline(Timer::Outbox) != Some(at) => {
                self.set_timer(Timer::Outbox, at.max(now))
            }
            Some(_) => {}
            None => self.clear_timer(Timer::Outbox),
        }
    }

    fn error(&mut self, error: SyncError) {
        self.out.push_back(Command::Error(error));
    }
}
