//! The outbox's public vocabulary: its options, a mutation, and its status.

use serde_json::Value;

use crate::error::SyncError;

/// What happens when a mutation arrives at a full queue.
///
/// A mutation that cannot fit even in an empty queue (larger than `max_bytes`,
/// or `max_messages` is 0) is never queued: it is dropped, or refused under
/// [`Fail`](Self::Fail), and the queue keeps what it had.
///
/// ```
/// use leptos_sync_core::{OutboxOptions, Overflow};
///
/// // Keep at most 10 offline changes, and refuse the 11th instead of losing the 1st.
/// let outbox = OutboxOptions { max_messages: 10, overflow: Overflow::Fail, ..Default::default() };
/// assert_eq!(outbox.overflow, Overflow::Fail);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Overflow {
    /// Drop the oldest queued mutations to make room (the default: the newest
    /// intent wins). Each fails with [`SyncError::QueueOverflow`] and counts in
    /// `ConnectionMetrics::dropped`.
    #[default]
    DropOldest,
    /// Drop the new mutation: it fails with [`SyncError::QueueOverflow`] and
    /// counts in `ConnectionMetrics::dropped`, like any mutation the queue lost.
    DropNewest,
    /// Refuse the new mutation: it fails at once with [`SyncError::QueueFull`],
    /// which names the bounds, and nothing is lost or counted as dropped. For
    /// callers that check the status and keep the change themselves (retry
    /// later, or tell the user).
    Fail,
}

/// Bounds of the outbox.
///
/// ```
/// use leptos_sync_core::{MachineOptions, OutboxOptions};
///
/// // No offline queue: a change made while disconnected fails at once.
/// let options = MachineOptions { outbox: OutboxOptions { max_messages: 0, ..Default::default() }, ..Default::default() };
/// assert_eq!(options.outbox.max_messages, 0);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OutboxOptions {
    /// Most mutations queued while not connected. 0 queues none: a mutation
    /// made while not connected fails at once.
    pub max_messages: usize,
    /// Most bytes (encoded frames) queued while not connected. A mutation
    /// larger than this is never queued.
    pub max_bytes: usize,
    /// What a full queue does.
    pub overflow: Overflow,
}

impl Default for OutboxOptions {
    fn default() -> Self {
        Self {
            max_messages: 100,
            max_bytes: 1 << 20,
            overflow: Overflow::DropOldest,
        }
    }
}

/// Where a mutation stands.
///
/// ```
/// use leptos_sync_core::{Command, Event, Machine, MachineOptions, MutationStatus};
/// use leptos_sync_core::outbox::Mutation;
///
/// let mut machine = Machine::new(MachineOptions::default(), || 0.5);
/// let id = machine.mutation_id();
/// let mutation = Mutation { id: id.clone(), topic: "Task".into(), key: "t1".into(), value: serde_json::json!({"done": true}), expires_in_ms: None };
/// // Not connected: the mutation waits in the queue.
/// machine.handle(Event::Mutate(mutation), 0);
/// let status = std::iter::from_fn(|| machine.poll()).find_map(|c| match c {
///     Command::Mutation { id: i, status } if i == id => Some(status),
///     _ => None,
/// });
/// assert_eq!(status, Some(MutationStatus::Queued));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MutationStatus {
    /// Waiting for a connection, or for the retry after a server's
    /// `unavailable` or `rate_limited`.
    Queued,
    /// On the wire, waiting for its `ack`.
    Sent,
    /// Applied by the server; `seq` is the topic seq it produced.
    Acked {
        /// The seq of the change.
        seq: u64,
    },
    /// Not applied: dropped by the queue bound, expired, or refused by the
    /// server ([`SyncError::Forbidden`], [`SyncError::Rejected`], ...). A
    /// server's `unavailable` or `rate_limited` ([`SyncError::RateLimited`])
    /// is not final: the mutation goes back to `Queued` and is sent again.
    Failed {
        /// Why.
        error: SyncError,
    },
}

/// A mutation handed to the outbox.
///
/// ```
/// use leptos_sync_core::{Event, Machine, MachineOptions};
/// use leptos_sync_core::outbox::Mutation;
///
/// let mut machine = Machine::new(MachineOptions::default(), || 0.5);
/// let remove = Mutation {
///     id: machine.mutation_id(), // unique: the server applies it once, even if re-sent
///     topic: "Task".into(),
///     key: "t1".into(),
///     value: serde_json::Value::Null, // null removes the entry
///     expires_in_ms: Some(60_000),    // give up if still offline a minute later
/// };
/// machine.handle(Event::Mutate(remove), 0);
/// assert_eq!(machine.metrics().queued, 1);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Mutation {
    /// Unique id; the server applies each id once.
    pub id: String,
    /// Topic name.
    pub topic: String,
    /// Entry key.
    pub key: String,
    /// New value, `null` removes.
    pub value: Value,
    /// Give up when still queued this long after it was made; at most
    /// [`MAX_DELAY_MS`](crate::backoff::MAX_DELAY_MS).
    pub expires_in_ms: Option<u64>,
}
