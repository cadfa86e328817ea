//! The outbox's public vocabulary: its options, a mutation, and its status.

use serde_json::Value;

use crate::error::SyncError;

/// What happens when a mutation arrives at a full queue.
///
/// A mutation that cannot fit even in an empty queue (larger than `max_bytes`,
/// or `max_messages` is 0) is never queued: it is dropped, or refused under
/// [`Fail`](Self::Fail), and the queue keeps what it had.
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
