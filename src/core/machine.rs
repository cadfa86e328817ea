//! The connection state machine: events in, commands out, time passed in.
//!
//! The driver (the `SyncProvider`) feeds [`Event`]s with the current wall-clock
//! time and executes the [`Command`]s it polls. Nothing here touches a socket,
//! a timer or a clock, so every rule is tested natively with virtual time.

use std::collections::VecDeque;

use leptos_sync_protocol::{ClientMsg, DecodeError, PROTOCOL_VERSION, ServerMsg, close_code};

use super::backoff::ReconnectOptions;
use super::outbox::{Mutation, MutationStatus, Outbox, OutboxOptions, OutboxOut};
use super::state::{ConnectionMetrics, ConnectionState, FailReason, Lifecycle, Millis};
use super::subscriptions::{DataEvent, SubOut, Subscriptions};
use crate::error::SyncError;

/// Options of the [`Machine`].
#[derive(Debug, Clone)]
pub struct MachineOptions {
    /// The reconnect schedule.
    pub reconnect: ReconnectOptions,
    /// Ping interval. `None` uses the server's `welcome.heartbeat_ms`, else 30 s.
    pub heartbeat_interval_ms: Option<u64>,
    /// How long to wait for any frame after a ping before the link counts as dead.
    pub pong_timeout_ms: u64,
    /// How long opening a socket and getting `welcome` may take.
    pub connect_timeout_ms: u64,
    /// Bounds of the mutation queue.
    pub outbox: OutboxOptions,
}

impl Default for MachineOptions {
    fn default() -> Self {
        Self {
            reconnect: ReconnectOptions::default(),
            heartbeat_interval_ms: None,
            pong_timeout_ms: 10_000,
            connect_timeout_ms: 10_000,
            outbox: OutboxOptions::default(),
        }
    }
}

/// The ping interval used when neither the options nor the server give one.
pub const DEFAULT_HEARTBEAT_MS: u64 = 30_000;

/// The shortest ping interval a server's `welcome.heartbeat_ms` can ask for.
pub const MIN_SERVER_HEARTBEAT_MS: u64 = 1_000;

/// Something that happened, fed into [`Machine::handle`].
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    /// The user asked to connect (`open()`, or `auto_connect`).
    UserOpen,
    /// The user asked to disconnect (`close()`).
    UserClose,
    /// The socket opened.
    SocketOpened,
    /// The socket reported an error; a close follows.
    SocketError,
    /// The socket closed.
    SocketClosed {
        /// Close code (1006 when no close frame arrived).
        code: u16,
        /// Close reason.
        reason: String,
    },
    /// A text frame arrived.
    Frame(String),
    /// The token asked for by [`Command::FetchToken`] is ready.
    Token(Option<String>),
    /// The token changed: a connection refused for auth may try again.
    TokenChanged,
    /// A timer set by [`Command::SetTimer`] fired (possibly late).
    Timer(Timer),
    /// The browser came online.
    Online,
    /// The browser went offline.
    Offline,
    /// The tab became visible: timers may have been throttled.
    Visible,
    /// A component started using a topic.
    Subscribe {
        /// Topic name.
        topic: String,
        /// Schema hash of the component type.
        schema: u32,
    },
    /// A component stopped using a topic.
    Unsubscribe {
        /// Topic name.
        topic: String,
    },
    /// The app changes an entry; see [`Machine::mutation_id`] for its id.
    Mutate(Mutation),
}

/// The machine's timers. Each has at most one deadline at a time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Timer {
    /// The next reconnect attempt.
    Reconnect,
    /// The next ping.
    Ping,
    /// The deadline for an answer to the last ping.
    Pong,
    /// The deadline for `welcome` after a connect.
    Connect,
    /// The earliest expiry of a queued mutation.
    Outbox,
}

const TIMERS: [Timer; 5] = [
    Timer::Reconnect,
    Timer::Ping,
    Timer::Pong,
    Timer::Connect,
    Timer::Outbox,
];

/// Something the driver must do, polled with [`Machine::poll`].
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    /// Open a new socket, closing any previous one.
    Connect,
    /// Obtain the current token and answer with [`Event::Token`].
    FetchToken,
    /// Send one frame on the open socket.
    Send(ClientMsg),
    /// Close the socket.
    CloseSocket {
        /// Close code.
        code: u16,
        /// Close reason.
        reason: String,
    },
    /// Fire [`Event::Timer`] at `at` (wall clock); replaces that timer's previous deadline.
    SetTimer {
        /// Which timer.
        timer: Timer,
        /// When.
        at: Millis,
    },
    /// Report an error to `last_error`.
    Error(SyncError),
    /// A lifecycle event for observers.
    Lifecycle(Lifecycle),
    /// A change of subscribed data for the typed layer.
    Data(DataEvent),
    /// A mutation's status changed.
    Mutation {
        /// The mutation id.
        id: String,
        /// Its new status.
        status: MutationStatus,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Socket {
    None,
    Connecting,
    /// Open; `hello` is sent once the token is there.
    Open {
        hello_sent: bool,
    },
}

/// The connection state machine. See the module docs.
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
    metrics: ConnectionMetrics,
    subs: Subscriptions,
    outbox: Outbox,
    /// Random prefix of mutation ids, so ids from different page loads never collide.
    id_prefix: String,
    next_mutation: u64,
    out: VecDeque<Command>,
}

impl Machine {
    /// A machine in [`ConnectionState::Idle`]. `random` yields uniform samples in `[0, 1)` for jitter.
    pub fn new(opts: MachineOptions, mut random: impl FnMut() -> f64 + 'static) -> Self {
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
            metrics: ConnectionMetrics::default(),
            subs: Subscriptions::default(),
            out: VecDeque::new(),
        }
    }

    /// The current state.
    pub fn state(&self) -> &ConnectionState {
        &self.state
    }

    /// The current metrics.
    pub fn metrics(&self) -> &ConnectionMetrics {
        &self.metrics
    }

    /// A new unique mutation id.
    pub fn mutation_id(&mut self) -> String {
        self.next_mutation += 1;
        format!("{}-{}", self.id_prefix, self.next_mutation)
    }

    /// The subscription table.
    pub fn subscriptions(&self) -> &Subscriptions {
        &self.subs
    }

    /// The options in force.
    pub fn options(&self) -> &MachineOptions {
        &self.opts
    }

    /// The next command for the driver, if any.
    pub fn poll(&mut self) -> Option<Command> {
        self.out.pop_front()
    }

    /// Puts the machine in `Failed` because the URL cannot be used; only a new provider helps.
    pub fn fail_invalid_url(&mut self, error: SyncError) {
        self.out.push_back(Command::Error(error));
        self.state = ConnectionState::Failed {
            reason: FailReason::InvalidUrl,
        };
    }

    /// Feeds one event at time `now`.
    pub fn handle(&mut self, event: Event, now: Millis) {
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
                if self.socket != Socket::None {
                    self.error(SyncError::WebSocketError {
                        message: "the connection failed".into(),
                    });
                }
            }
            Event::SocketClosed { code, reason } => {
                if self.socket != Socket::None {
                    self.lost(code, reason, now, true);
                }
            }
            Event::Frame(text) => self.frame(&text, now),
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
            Event::Timer(_) | Event::Visible => self.fire_due(now),
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
                }
            }
            Event::Subscribe { topic, schema } => {
                let mut out = Vec::new();
                self.subs
                    .add(&topic, schema, self.state.is_open(), &mut out);
                self.emit(out);
            }
            Event::Unsubscribe { topic } => {
                let mut out = Vec::new();
                self.subs.remove(&topic, self.state.is_open(), &mut out);
                self.emit(out);
            }
            Event::Mutate(mutation) => {
                let mut out = Vec::new();
                self.outbox.push(mutation, self.state.is_open(), &mut out);
                self.emit_outbox(out, now);
            }
            Event::Offline => {
                // Don't trust `offline` alone: probe the link instead of dropping it.
                if self.state.is_open() {
                    self.ping(now);
                }
            }
        }
    }

    fn user_open(&mut self, now: Millis) {
        match self.state {
            ConnectionState::Failed {
                reason: FailReason::InvalidUrl,
            } => {}
            ConnectionState::Idle | ConnectionState::Closed | ConnectionState::Failed { .. } => {
                self.attempt = 0;
                self.connect(now);
            }
            // "Retry now": connect at once, but keep the attempt count.
            ConnectionState::Reconnecting { .. } => self.connect(now),
            ConnectionState::Connecting { .. }
            | ConnectionState::Handshaking
            | ConnectionState::Open => {}
        }
    }

    fn user_close(&mut self, now: Millis) {
        self.clear_timers();
        if self.socket != Socket::None {
            self.socket = Socket::None;
            self.out.push_back(Command::CloseSocket {
                code: close_code::NORMAL,
                reason: "client closed".into(),
            });
        }
        self.metrics.connected_since = None;
        self.state = ConnectionState::Closed;
        self.data_disconnected(now);
    }

    fn connect(&mut self, now: Millis) {
        debug_assert_eq!(self.socket, Socket::None, "one socket at a time");
        self.clear_timers();
        self.socket = Socket::Connecting;
        self.metrics.attempts += 1;
        self.state = ConnectionState::Connecting {
            attempt: self.attempt,
        };
        self.out.push_back(Command::Connect);
        self.set_timer(Timer::Connect, now + self.opts.connect_timeout_ms);
    }

    fn frame(&mut self, text: &str, now: Millis) {
        if !matches!(self.socket, Socket::Open { .. }) {
            return;
        }
        self.metrics.received += 1;
        // Any frame proves the link is alive: the pong deadline is armed from the receive path.
        if self.deadline(Timer::Pong).is_some() {
            self.clear_timer(Timer::Pong);
        }
        let msg = match ServerMsg::decode(text) {
            Ok(msg) => msg,
            Err(DecodeError::UnknownType(kind)) => {
                return self.error(SyncError::UnknownMessage { kind });
            }
            Err(e) => {
                return self.error(SyncError::MalformedFrame {
                    error: e.to_string(),
                });
            }
        };
        match msg {
            ServerMsg::Welcome { heartbeat_ms, .. }
                if self.state == ConnectionState::Handshaking =>
            {
                self.heartbeat_ms = self
                    .opts
                    .heartbeat_interval_ms
                    // A server cannot make the client ping more than once a second.
                    .or(heartbeat_ms
                        .filter(|ms| *ms > 0)
                        .map(|ms| ms.max(MIN_SERVER_HEARTBEAT_MS)))
                    .unwrap_or(DEFAULT_HEARTBEAT_MS);
                self.clear_timer(Timer::Connect);
                self.state = ConnectionState::Open;
                self.metrics.connected_since = Some(now);
                // `heartbeat_ms` comes from the server: saturate, or a huge value
                // overflows (a panic in debug, a timer in the past and a ping storm in release).
                self.set_timer(Timer::Ping, now.saturating_add(self.heartbeat_ms));
                let event = if self.ever_opened {
                    self.metrics.reconnects += 1;
                    Lifecycle::Reconnected
                } else {
                    Lifecycle::Connected
                };
                self.ever_opened = true;
                self.out.push_back(Command::Lifecycle(event));
                // Subscriptions go after `welcome`, each exactly once per connection.
                let mut out = Vec::new();
                self.subs.on_open(&mut out);
                self.emit(out);
                // Then the outbox: re-sent mutations first, then the queue, in order.
                let mut out = Vec::new();
                self.outbox.on_open(now, &mut out);
                self.emit_outbox(out, now);
            }
            ServerMsg::Welcome { .. } => self.error(SyncError::MalformedFrame {
                error: "unexpected welcome".into(),
            }),
            ServerMsg::Pong { t } => self.metrics.rtt_ms = Some(now.saturating_sub(t)),
            ServerMsg::Error {
                id: Some(id),
                sub: None,
                code,
                message,
                ..
            } => {
                let error = SyncError::Server { code, message };
                self.error(error.clone());
                let mut out = Vec::new();
                self.outbox.on_error(&id, error, &mut out);
                self.emit_outbox(out, now);
            }
            ServerMsg::Error {
                sub: None,
                code,
                message,
                ..
            } => self.error(SyncError::Server { code, message }),
            ServerMsg::Ack { id, seq } => {
                let mut out = Vec::new();
                if !self.outbox.on_ack(&id, seq, &mut out) {
                    self.error(SyncError::UnknownAck { id });
                }
                self.emit_outbox(out, now);
            }
            msg @ (ServerMsg::Subscribed { .. }
            | ServerMsg::Snapshot { .. }
            | ServerMsg::Update { .. }
            | ServerMsg::Error { .. }) => {
                let mut out = Vec::new();
                self.subs.on_message(msg, &mut out);
                self.emit(out);
            }
        }
    }

    fn fire_due(&mut self, now: Millis) {
        for timer in TIMERS {
            if self.deadline(timer).is_some_and(|at| at <= now) {
                self.clear_timer(timer);
                self.fire(timer, now);
            }
        }
    }

    fn fire(&mut self, timer: Timer, now: Millis) {
        match timer {
            Timer::Reconnect => {
                if self.socket == Socket::None {
                    self.connect(now);
                }
            }
            Timer::Ping => {
                if self.state.is_open() {
                    self.ping(now);
                }
            }
            Timer::Pong => {
                let timeout_ms = self.opts.pong_timeout_ms;
                self.abandon(
                    SyncError::HeartbeatTimeout { timeout_ms },
                    "heartbeat timeout",
                    now,
                );
            }
            Timer::Outbox => {
                let mut out = Vec::new();
                self.outbox.expire(now, &mut out);
                self.emit_outbox(out, now);
            }
            Timer::Connect => {
                let timeout_ms = self.opts.connect_timeout_ms;
                self.abandon(
                    SyncError::ConnectTimeout { timeout_ms },
                    "connect timeout",
                    now,
                );
            }
        }
    }

    fn ping(&mut self, now: Millis) {
        self.metrics.pings += 1;
        self.send(ClientMsg::Ping { t: now });
        if self.deadline(Timer::Pong).is_none() {
            self.set_timer(Timer::Pong, now + self.opts.pong_timeout_ms);
        }
        self.set_timer(Timer::Ping, now.saturating_add(self.heartbeat_ms));
    }

    /// Gives up on a socket that looks alive but is not: close it and retry at once with backoff.
    fn abandon(&mut self, error: SyncError, reason: &str, now: Millis) {
        if self.socket == Socket::None {
            return;
        }
        self.error(error);
        self.out.push_back(Command::CloseSocket {
            code: close_code::NORMAL,
            reason: reason.into(),
        });
        self.lost(close_code::ABNORMAL, reason.into(), now, false);
    }

    /// The socket is gone: decide between retry, waiting for a new token, and giving up.
    /// `report` is false when the caller already reported why.
    fn lost(&mut self, code: u16, reason: String, now: Millis, report: bool) {
        let was_open = self.state.is_open();
        self.socket = Socket::None;
        self.clear_timers();
        if was_open
            && self.metrics.connected_since.is_some_and(|since| {
                now.saturating_sub(since) >= self.opts.reconnect.stable_uptime_ms
            })
        {
            self.attempt = 0;
        }
        self.metrics.connected_since = None;
        self.metrics.last_close = Some((code, reason.clone()));
        self.data_disconnected(now);
        if was_open {
            self.out
                .push_back(Command::Lifecycle(Lifecycle::Disconnected {
                    code,
                    reason: reason.clone(),
                }));
        }
        if matches!(
            code,
            close_code::UNAUTHORIZED | close_code::FORBIDDEN | close_code::POLICY_VIOLATION
        ) {
            self.error(SyncError::AuthRejected { code });
            self.state = ConnectionState::Failed {
                reason: FailReason::AuthRejected { code },
            };
            return;
        }
        if report && code != close_code::NORMAL {
            self.error(SyncError::Closed {
                code,
                reason: reason.clone(),
            });
        }
        self.attempt += 1;
        let attempt = self.attempt;
        let retry_after = (code == close_code::OVERLOADED)
            .then(|| close_code::retry_after_ms(&reason))
            .flatten();
        // The policy decides *whether* to retry (Never, max_attempts, a Custom
        // giving up) even when the server says *when*: a 4429 must not revive
        // a policy that forbids reconnecting on its own.
        let delay =
            self.opts.reconnect.delay(attempt, (self.random)()).map(
                |policy_ms| match retry_after {
                    // Honour the server, clamped, spread by up to half again so shed clients don't return together.
                    Some(ms) => {
                        let base = self.opts.reconnect.clamp_retry_after(ms);
                        base + (base as f64 * 0.5 * (self.random)()).round() as u64
                    }
                    None => policy_ms,
                },
            );
        match delay {
            Some(delay_ms) => {
                let next_at = now + delay_ms;
                self.state = ConnectionState::Reconnecting { attempt, next_at };
                self.set_timer(Timer::Reconnect, next_at);
                self.out
                    .push_back(Command::Lifecycle(Lifecycle::Reconnecting {
                        attempt,
                        delay_ms,
                    }));
            }
            None => {
                let attempts = attempt - 1;
                self.error(SyncError::ReconnectExhausted { attempts });
                self.state = ConnectionState::Failed {
                    reason: FailReason::RetriesExhausted { attempts },
                };
            }
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
        self.emit(out);
        let mut out = Vec::new();
        self.outbox.on_close(&mut out);
        self.emit_outbox(out, now);
    }

    fn emit(&mut self, out: Vec<SubOut>) {
        self.metrics.subscriptions = self.subs.counters;
        for item in out {
            match item {
                SubOut::Send(msg) => self.send(msg),
                SubOut::Data(event) => self.out.push_back(Command::Data(event)),
                SubOut::Error(error) => self.error(error),
            }
        }
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
        match self.outbox.next_expiry() {
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

    fn deadline(&self, timer: Timer) -> Option<Millis> {
        self.deadlines[timer as usize]
    }

    fn set_timer(&mut self, timer: Timer, at: Millis) {
        self.deadlines[timer as usize] = Some(at);
        self.out.push_back(Command::SetTimer { timer, at });
    }

    fn clear_timer(&mut self, timer: Timer) {
        self.deadlines[timer as usize] = None;
    }

    fn clear_timers(&mut self) {
        self.deadlines = [None; TIMERS.len()];
    }
}
