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
}

impl fmt::Display for FailReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::AuthRejected { code } => write!(f, "authentication rejected ({code})"),
            Self::RetriesExhausted { attempts } => {
                write!(f, "gave up after {attempts} attempt(s)")
            }
            Self::InvalidUrl => f.write_str("invalid URL"),
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
    /// Mutations waiting for a connection.
    pub queued: u64,
    /// Mutations sent and not yet acknowledged.
    pub in_flight: u64,
    /// Mutations dropped by the queue bound.
    pub dropped: u64,
    /// What the subscriptions did: updates, snapshots, duplicates ignored, gaps healed.
    pub subscriptions: SubscriptionCounters,
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
    /// A `welcome` after a disconnect.
    Reconnected,
    /// The connection was lost.
    Disconnected {
        /// Close code.
        code: u16,
        /// Close reason.
        reason: String,
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
