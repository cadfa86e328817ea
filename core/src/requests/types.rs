//! The requests' public vocabulary: a request, its reconnect policy and its status.

use serde_json::Value;

use crate::error::SyncError;

/// What a request does when the connection drops before its response, as in
/// the SignalR client's reconnection plan: fail by default, replay on demand.
///
/// ```
/// use leptos_sync_core::requests::RequestPolicy;
///
/// // Safe to run again, or deduplicated by the server: keep it across a reconnect.
/// let policy = RequestPolicy::Replay;
/// assert_eq!(RequestPolicy::default(), RequestPolicy::FailOnDisconnect);
/// # let _ = policy;
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum RequestPolicy {
    /// Fails with [`SyncError::RequestInterrupted`] when the connection drops
    /// before the response, and at once when made while not connected. The
    /// server may or may not have run it (`sent` in the error says whether it
    /// reached the wire).
    #[default]
    FailOnDisconnect,
    /// Waits for a connection while there is none, and is sent again with the
    /// same id after the next `welcome`; the server runs an id at most once
    /// and answers a replay with the first run's response. It still fails at
    /// its timeout.
    Replay,
}

/// A request handed to the machine with [`Event::Request`](crate::Event::Request).
///
/// ```
/// use leptos_sync_core::requests::{Request, RequestPolicy};
/// use leptos_sync_core::{Event, Machine, MachineOptions};
///
/// let mut machine = Machine::new(MachineOptions::default(), || 0.5);
/// let request = Request {
///     id: machine.mutation_id(), // any id unique for this machine
///     method: "summary".into(),
///     payload: serde_json::json!({"topic": "Task"}),
///     timeout_ms: Some(5_000),
///     policy: RequestPolicy::Replay,
/// };
/// machine.handle(Event::Request(request), 0);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Request {
    /// Unique for the machine's lifetime: the server runs each id once.
    pub id: String,
    /// The server method's name.
    pub method: String,
    /// Its argument.
    pub payload: Value,
    /// Fail with [`SyncError::RequestTimeout`] this long after the request
    /// was made, connected or not. `None` is
    /// [`DEFAULT_REQUEST_TIMEOUT_MS`](super::DEFAULT_REQUEST_TIMEOUT_MS); a value
    /// outside [`MIN_TIMEOUT_MS`](crate::machine::MIN_TIMEOUT_MS)`..=`[`MAX_DELAY_MS`](crate::backoff::MAX_DELAY_MS)
    /// is clamped and reported as [`SyncError::InvalidOptions`].
    pub timeout_ms: Option<u64>,
    /// What a dropped connection does to it.
    pub policy: RequestPolicy,
}

/// Where a request stands, in [`Command::Request`](crate::Command::Request).
///
/// ```
/// use leptos_sync_core::requests::{Request, RequestStatus};
/// use leptos_sync_core::{Command, Event, Machine, MachineOptions, SyncError};
///
/// let mut machine = Machine::new(MachineOptions::default(), || 0.5);
/// let request = Request { id: "r1".into(), method: "summary".into(), payload: serde_json::Value::Null, timeout_ms: None, policy: Default::default() };
/// // Not connected, and the default policy fails at once.
/// machine.handle(Event::Request(request), 0);
/// let status = std::iter::from_fn(|| machine.poll()).find_map(|c| match c {
///     Command::Request { status, .. } => Some(status),
///     _ => None,
/// });
/// assert!(matches!(status, Some(RequestStatus::Failed { error: SyncError::RequestInterrupted { sent: false, .. } })));
/// ```
#[derive(Debug, Clone, PartialEq)]
pub enum RequestStatus {
    /// A [`Replay`](RequestPolicy::Replay) request waiting for a connection.
    Waiting,
    /// On the wire, waiting for its `response`.
    Sent,
    /// The server's result. Final.
    Done {
        /// The `result` of the response (`null` when it had none).
        result: Value,
    },
    /// Final: timed out, interrupted, refused by the bound, or answered with an error.
    Failed {
        /// Why.
        error: SyncError,
    },
}

impl RequestStatus {
    /// Whether this status is final (`Done` or `Failed`).
    ///
    /// ```
    /// use leptos_sync_core::requests::RequestStatus;
    /// assert!(!RequestStatus::Sent.is_final());
    /// assert!(RequestStatus::Done { result: serde_json::json!(1) }.is_final());
    /// ```
    pub fn is_final(&self) -> bool {
        matches!(self, Self::Done { .. } | Self::Failed { .. })
    }
}
