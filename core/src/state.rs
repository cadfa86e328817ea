//! What the connection is doing, and what it has done: the core's outputs that the UI reads.
//!
//! ```
//! use leptos_sync_core::{Event, Machine, MachineOptions};
//!
//! let mut machine = Machine::new(MachineOptions::default(), || 0.5);
//! machine.handle(Event::UserOpen, 0);
//! machine.handle(Event::SocketOpened, 10);
//! assert_eq!(machine.state().to_string(), "Handshaking");
//! assert!(!machine.state().is_open());
//! ```

use std::fmt;

use super::subscriptions::SubscriptionCounters;
use crate::error::SyncError;

/// A time in milliseconds on the driver's monotonic clock, passed into the core.
///
/// In the browser this is `performance.now()` (ms since the page started), the
/// one clock the provider and the widgets share: compare a `Millis` only with
/// another reading of that clock, never with `Date.now()`. It does not step
/// back or slew with the wall clock, so deadlines hold across clock changes.
///
/// ```
/// use leptos_sync_core::{Event, Machine, MachineOptions, Millis};
///
/// let mut machine = Machine::new(MachineOptions::default(), || 0.5);
/// let now: Millis = 1_250; // performance.now() in the browser, virtual time in a test
/// machine.handle(Event::UserOpen, now);
/// assert!(machine.poll_timeout().is_some_and(|at| at > now));
/// ```
pub type Millis = u64;

/// Why the connection stopped trying, in [`ConnectionState::Failed`].
///
/// New reasons may come in minor versions: match with a wildcard arm.
///
/// ```
/// use leptos_sync_core::{ConnectionState, FailReason};
///
/// fn advice(state: &ConnectionState) -> &'static str {
///     match state {
///         ConnectionState::Failed { reason: FailReason::AuthRejected { .. } } => "sign in again",
///         ConnectionState::Failed { reason: FailReason::RetriesExhausted { .. } } => "press Retry",
///         ConnectionState::Failed { .. } => "reload the page",
///         _ => "",
///     }
/// }
/// let failed = ConnectionState::Failed { reason: FailReason::AuthRejected { code: 4401 } };
/// assert_eq!(advice(&failed), "sign in again");
/// assert_eq!(FailReason::InvalidUrl.to_string(), "invalid URL");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum FailReason {
    /// The server refused the credentials; waits for a new token or `open()`.
    AuthRejected {
        /// The close code (4401, 4403 or 1008).
        code: u16,
    },
    /// The reconnect policy gave up after this many attempts.
    RetriesExhausted {
        /// Failed attempts made.
        attempts: u32,
    },
    /// The URL cannot be connected to.
    InvalidUrl,
    /// The server closed with 1000 or a code in its "do not reconnect" range
    /// (4500–4599, see [`DisconnectReason::ServerSaidGoodbye`]); only `open()` reconnects.
    ServerSaidGoodbye {
        /// The close code.
        code: u16,
        /// The close reason.
        reason: String,
    },
}

impl fmt::Display for FailReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::AuthRejected { code } => write!(f, "authentication rejected ({code})"),
            Self::RetriesExhausted { attempts } => {
                write!(f, "gave up after {attempts} attempt(s)")
            }
            Self::InvalidUrl => f.write_str("invalid URL"),
            Self::ServerSaidGoodbye { code, reason } if reason.is_empty() => {
                write!(f, "the server closed the connection ({code})")
            }
            Self::ServerSaidGoodbye { code, reason } => {
                write!(f, "the server closed the connection ({code}: {reason})")
            }
        }
    }
}

/// Why a connection ended, in [`Lifecycle::Disconnected`] and
/// [`ConnectionMetrics::last_disconnect`].
///
/// New reasons may come in minor versions: match with a wildcard arm.
///
/// ```
/// use leptos_sync_core::DisconnectReason;
///
/// assert_eq!(DisconnectReason::from_close(1000, ""), DisconnectReason::ServerSaidGoodbye);
/// assert_eq!(DisconnectReason::from_close(4500, "account deleted"), DisconnectReason::ServerSaidGoodbye);
/// assert_eq!(DisconnectReason::from_close(1006, ""), DisconnectReason::NetworkError);
/// assert!(DisconnectReason::from_close(1012, "").retries());
/// assert!(!DisconnectReason::from_close(1000, "").retries());
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum DisconnectReason {
    /// The app called `close()`.
    UserRequested,
    /// The server closed with a code the client retries (1001, 1011, 1012, 4400, 4413…).
    ServerClosed {
        /// The close code.
        code: u16,
        /// The close reason.
        reason: String,
    },
    /// The server closed with 1000 or a code in 4500–4599: it does not want
    /// the client back, so the client does not retry until `open()`.
    ServerSaidGoodbye,
    /// The link broke (1006, no close frame) or the handshake timed out.
    NetworkError,
    /// No frame came within the pong timeout after a ping.
    HeartbeatTimeout,
    /// The server refused the credentials (4401, 4403, 1008).
    AuthRejected,
    /// The server is overloaded (4429, 1013) and said when to come back.
    Overloaded,
}

impl DisconnectReason {
    /// Classifies a close the server (or the browser, for 1006) reported.
    pub fn from_close(code: u16, reason: &str) -> Self {
        use leptos_sync_protocol::close_code as c;
        match code {
            c::NORMAL | c::GOODBYE_MIN..=c::GOODBYE_MAX => Self::ServerSaidGoodbye,
            c::ABNORMAL => Self::NetworkError,
            c::UNAUTHORIZED | c::FORBIDDEN | c::POLICY_VIOLATION => Self::AuthRejected,
            c::OVERLOADED | c::TRY_AGAIN_LATER => Self::Overloaded,
            _ => Self::ServerClosed {
                code,
                reason: reason.into(),
            },
        }
    }

    /// Whether the client retries on its own after this (auth waits for a new token).
    pub fn retries(&self) -> bool {
        !matches!(
            self,
            Self::UserRequested | Self::ServerSaidGoodbye | Self::AuthRejected
        )
    }
}

impl fmt::Display for DisconnectReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::UserRequested => f.write_str("closed by the app"),
            Self::ServerClosed { code, reason } if reason.is_empty() => {
                write!(f, "closed by the server ({code})")
            }
            Self::ServerClosed { code, reason } => {
                write!(f, "closed by the server ({code}: {reason})")
            }
            Self::ServerSaidGoodbye => f.write_str("the server ended the session"),
            Self::NetworkError => f.write_str("network error"),
            Self::HeartbeatTimeout => f.write_str("heartbeat timeout"),
            Self::AuthRejected => f.write_str("authentication rejected"),
            Self::Overloaded => f.write_str("server overloaded"),
        }
    }
}

/// The connection's state, richer than the socket's ready state.
///
/// New states may come in minor versions, so a `match` needs a wildcard arm;
/// [`Display`](fmt::Display) gives an English text for every state.
///
/// ```
/// use leptos_sync_core::{ConnectionState, FailReason};
///
/// fn retry_hint(state: &ConnectionState) -> String {
///     match state {
///         ConnectionState::Reconnecting { attempt, .. } => format!("retry {attempt} is scheduled"),
///         ConnectionState::Failed { reason: FailReason::InvalidUrl } => "fix the URL".into(),
///         ConnectionState::Failed { .. } => "press Retry".into(),
///         other => other.to_string(),
///     }
/// }
///
/// assert_eq!(retry_hint(&ConnectionState::Open), "Open");
/// let failed = ConnectionState::Failed { reason: FailReason::RetriesExhausted { attempts: 9 } };
/// assert_eq!(failed.to_string(), "Failed: gave up after 9 attempt(s)");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum ConnectionState {
    /// Not opened yet (`auto_connect = false`).
    #[default]
    Idle,
    /// A socket is being opened. `attempt` is 0 for the first connect, `n` for retry `n`.
    Connecting {
        /// Retry number, 0 for a first connect.
        attempt: u32,
    },
    /// The socket is open and `hello` is sent; waiting for `welcome`.
    Handshaking,
    /// `welcome` arrived: subscriptions and sends flow.
    Open,
    /// Waiting to retry.
    Reconnecting {
        /// The attempt that will be made, starting at 1.
        attempt: u32,
        /// When it will be made, on the driver's monotonic clock ([`Millis`]).
        next_at: Millis,
    },
    /// Stopped trying; `open()` (or a new token, for auth) starts again.
    Failed {
        /// Why.
        reason: FailReason,
    },
    /// Closed by the user; only `open()` reconnects.
    Closed,
}

impl ConnectionState {
    /// Whether data flows (`welcome` received).
    ///
    /// ```
    /// use leptos_sync_core::ConnectionState;
    ///
    /// assert!(ConnectionState::Open.is_open());
    /// assert!(!ConnectionState::Handshaking.is_open()); // the socket is open, data is not flowing yet
    /// ```
    pub fn is_open(&self) -> bool {
        matches!(self, Self::Open)
    }
}

impl fmt::Display for ConnectionState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Idle => f.write_str("Idle"),
            Self::Connecting { attempt: 0 } => f.write_str("Connecting"),
            Self::Connecting { attempt } => write!(f, "Connecting (attempt {attempt})"),
            Self::Handshaking => f.write_str("Handshaking"),
            Self::Open => f.write_str("Open"),
            Self::Reconnecting { attempt, .. } => write!(f, "Reconnecting (attempt {attempt})"),
            Self::Failed { reason } => write!(f, "Failed: {reason}"),
            Self::Closed => f.write_str("Closed"),
        }
    }
}

/// Counters and timings of the connection.
///
/// More may be counted in minor versions, so this is built only by the core;
/// start from `default()` to make one in a test.
///
/// ```
/// use leptos_sync_core::ConnectionMetrics;
///
/// fn summary(m: &ConnectionMetrics) -> String {
///     let rtt = m.rtt_ms.map_or("-".into(), |ms| format!("{ms} ms"));
///     format!("{} reconnects, rtt {rtt}, {} queued", m.reconnects, m.queued)
/// }
/// assert_eq!(summary(&ConnectionMetrics::default()), "0 reconnects, rtt -, 0 queued");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct ConnectionMetrics {
    /// Successful re-opens after the first open.
    pub reconnects: u32,
    /// Sockets opened (first connect and every retry).
    pub attempts: u32,
    /// When the current connection reached `Open`, if it is open, on the
    /// driver's monotonic clock ([`Millis`]).
    pub connected_since: Option<Millis>,
    /// Frames sent.
    pub sent: u64,
    /// Frames received.
    pub received: u64,
    /// Round-trip time of the last answered ping.
    pub rtt_ms: Option<u64>,
    /// Pings sent.
    pub pings: u64,
    /// The last close code and reason seen.
    pub last_close: Option<(u16, String)>,
    /// Why the last connection ended.
    pub last_disconnect: Option<DisconnectReason>,
    /// Mutations waiting for a connection.
    pub queued: u64,
    /// Mutations sent and not yet acknowledged.
    pub in_flight: u64,
    /// Mutations dropped by the queue bound.
    pub dropped: u64,
    /// What the subscriptions did: updates, snapshots, duplicates ignored, gaps healed.
    pub subscriptions: SubscriptionCounters,
    /// Binary frames received and ignored (the protocol is text only; each
    /// is also reported as [`SyncError::BinaryFrame`]).
    pub binary_frames: u64,
    /// Server `event` frames received, handled or not.
    pub events_received: u64,
    /// Server events dropped because the app handles no event of their name
    /// (see [`MachineOptions::events`](crate::MachineOptions::events)).
    ///
    /// ```
    /// use std::collections::BTreeSet;
    /// use leptos_sync_core::{Command, Event, Machine, MachineOptions};
    ///
    /// let options = MachineOptions { events: Some(BTreeSet::from(["joined".to_string()])), ..Default::default() };
    /// let mut machine = Machine::new(options, || 0.5);
    /// for event in [Event::UserOpen, Event::SocketOpened, Event::Token(None)] {
    ///     machine.handle(event, 0);
    /// }
    /// machine.handle(Event::Frame(r#"{"type":"welcome","session":"s","heartbeat_ms":null}"#.into()), 0);
    /// machine.handle(Event::Frame(r#"{"type":"event","topic":"Board:7","name":"joined","payload":{"who":"ana"}}"#.into()), 5);
    /// machine.handle(Event::Frame(r#"{"type":"event","topic":null,"name":"other","payload":1}"#.into()), 6);
    /// let events: Vec<Command> = std::iter::from_fn(|| machine.poll())
    ///     .filter(|c| matches!(c, Command::ServerEvent { .. }))
    ///     .collect();
    /// assert_eq!(events, [Command::ServerEvent {
    ///     topic: Some("Board:7".into()),
    ///     name: "joined".into(),
    ///     payload: serde_json::json!({ "who": "ana" }),
    /// }]);
    /// assert_eq!((machine.metrics().events_received, machine.metrics().events_ignored), (2, 1));
    /// ```
    pub events_ignored: u64,
}

/// A lifecycle event, for logging and analytics, emitted as
/// [`Command::Lifecycle`](crate::Command::Lifecycle).
///
/// New events may come in minor versions: match with a wildcard arm.
///
/// ```
/// use leptos_sync_core::{Command, Event, Lifecycle, Machine, MachineOptions};
///
/// let mut machine = Machine::new(MachineOptions::default(), || 0.5);
/// machine.handle(Event::UserOpen, 0);
/// machine.handle(Event::SocketClosed { code: 1006, reason: String::new() }, 10);
/// let events: Vec<Lifecycle> = std::iter::from_fn(|| machine.poll())
///     .filter_map(|c| match c { Command::Lifecycle(l) => Some(l), _ => None })
///     .collect();
/// assert!(events.iter().any(|l| matches!(l, Lifecycle::Reconnecting { attempt: 1, .. })));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Lifecycle {
    /// The first `welcome` of this provider.
    Connected,
    /// A socket is being opened (`attempt` 0 for a first connect, `n` for retry `n`).
    Connecting {
        /// Retry number, 0 for a first connect.
        attempt: u32,
    },
    /// A `welcome` after a disconnect.
    Reconnected {
        /// The retries it took since the connection was lost (0 after `open()`).
        attempts: u32,
    },
    /// The connection ended.
    Disconnected {
        /// Close code.
        code: u16,
        /// Close reason.
        reason: String,
        /// Why, classified.
        cause: DisconnectReason,
    },
    /// A failure was reported to `last_error`.
    Error(SyncError),
    /// A retry is scheduled.
    Reconnecting {
        /// Attempt number.
        attempt: u32,
        /// Delay before it, ms.
        delay_ms: u64,
    },
}
