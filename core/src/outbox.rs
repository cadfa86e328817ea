//! The outbox: a bounded queue of mutations waiting for a connection, and the
//! mutations sent but not yet acknowledged.
//!
//! Queued mutations are flushed in order only after `welcome` and resubscribe.
//! Unacknowledged ones are re-sent with the same id after every reconnect; the
//! server applies an id once, so each mutation is applied exactly once.
//!
//! A mutation the server answers with `unavailable` (its store failed, nothing
//! was applied) is sent again with the same id after a short, growing wait
//! ([`UNAVAILABLE_RETRY_MS`]); mutations made meanwhile wait behind it, so
//! they still reach the server in order. `forbidden` and `rejected` are final.

use std::collections::VecDeque;

use leptos_sync_protocol::ClientMsg;
use serde_json::Value;

use super::state::Millis;
use crate::backoff::MAX_DELAY_MS;
use crate::error::SyncError;

const RECENT_ACKS: usize = 1024;

/// The first wait before a mutation answered `unavailable` is sent again; it
/// doubles with each `unavailable` in a row, up to [`UNAVAILABLE_RETRY_MAX_MS`],
/// and starts over after an `ack`.
pub const UNAVAILABLE_RETRY_MS: u64 = 250;
/// The longest wait before a mutation answered `unavailable` is sent again.
pub const UNAVAILABLE_RETRY_MAX_MS: u64 = 8_000;

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
    /// Waiting for a connection.
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
    /// server's `unavailable` is not final: the mutation goes back to `Queued`.
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
    /// [`MAX_DELAY_MS`].
    pub expires_in_ms: Option<u64>,
}

#[derive(Debug)]
struct Entry {
    mutation: Mutation,
    bytes: usize,
    expires_at: Option<Millis>,
    /// In flight, answered `unavailable`: waits for the retry to be sent again.
    waiting: bool,
}

impl Entry {
    fn msg(&self) -> ClientMsg {
        let m = &self.mutation;
        ClientMsg::Mutate {
            id: m.id.clone(),
            topic: m.topic.clone(),
            key: m.key.clone(),
            value: m.value.clone(),
        }
    }
}

/// What the outbox asks the machine to do.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum OutboxOut {
    Send(ClientMsg),
    Status(String, MutationStatus),
    Error(SyncError),
}

/// Queue plus in-flight mutations. See the module docs.
#[derive(Debug, Default)]
pub(crate) struct Outbox {
    opts: OutboxOptions,
    queued: VecDeque<Entry>,
    queued_bytes: usize,
    in_flight: VecDeque<Entry>,
    /// When mutations answered `unavailable` are sent again.
    retry_at: Option<Millis>,
    /// `unavailable` answers since the last ack: how long the next retry waits.
    unavailable: u32,
    /// Ids acknowledged lately: a repeated ack (after a re-send) is expected, not an error.
    recent_acks: VecDeque<String>,
    /// Mutations dropped by the bound, ever.
    pub dropped: u64,
}

impl Outbox {
    pub fn new(opts: OutboxOptions) -> Self {
        Self {
            opts,
            ..Self::default()
        }
    }

    pub fn queued(&self) -> usize {
        self.queued.len()
    }

    pub fn in_flight(&self) -> usize {
        self.in_flight.len()
    }

    /// The earliest expiry among queued mutations, or the retry of those
    /// answered `unavailable` if it comes first.
    pub fn next_deadline(&self) -> Option<Millis> {
        let expiry = self.queued.iter().filter_map(|e| e.expires_at).min();
        match (expiry, self.retry_at) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// Sends at once when the connection is ready and nothing waits before it; queues otherwise.
    pub fn push(&mut self, mutation: Mutation, ready: bool, now: Millis, out: &mut Vec<OutboxOut>) {
        let expires_at = mutation
            .expires_in_ms
            .map(|ms| now.saturating_add(ms.min(MAX_DELAY_MS)));
        let mut entry = Entry {
            bytes: 0,
            mutation,
            expires_at,
            waiting: false,
        };
        // Behind a pending retry it waits too, so the server sees them in order.
        if ready && self.queued.is_empty() && self.retry_at.is_none() {
            return self.send(entry, out);
        }
        entry.bytes = entry.msg().encode().len();
        if !self.fits(1, entry.bytes) {
            // It would not fit in an empty queue either: dropping older ones cannot help.
            return self.reject(entry, out);
        }
        while !self.fits(
            self.queued.len() + 1,
            self.queued_bytes.saturating_add(entry.bytes),
        ) {
            if self.opts.overflow != Overflow::DropOldest {
                return self.reject(entry, out);
            }
            // Never empty here, since the entry fits in an empty queue.
            let Some(oldest) = self.queued.pop_front() else {
                return self.reject(entry, out);
            };
            self.queued_bytes -= oldest.bytes;
            self.drop_entry(oldest, out);
        }
        self.queued_bytes += entry.bytes;
        out.push(OutboxOut::Status(
            entry.mutation.id.clone(),
            MutationStatus::Queued,
        ));
        self.queued.push_back(entry);
    }

    /// After `welcome` and resubscribe: re-send unacknowledged mutations with
    /// their ids, then flush the queue, all in their original order.
    pub fn on_open(&mut self, now: Millis, out: &mut Vec<OutboxOut>) {
        self.expire(now, out);
        self.retry_at = None;
        self.resend(|_| true, out);
    }

    /// The connection is gone: in-flight mutations wait for the next one
    /// (a pending retry too: `on_open` sends them all).
    pub fn on_close(&mut self, out: &mut Vec<OutboxOut>) {
        self.retry_at = None;
        for entry in &self.in_flight {
            out.push(OutboxOut::Status(
                entry.mutation.id.clone(),
                MutationStatus::Queued,
            ));
        }
    }

    /// The server applied `id`. Returns false for an id that is not in flight.
    pub fn on_ack(&mut self, id: &str, seq: u64, out: &mut Vec<OutboxOut>) -> bool {
        let Some(at) = self.in_flight.iter().position(|e| e.mutation.id == id) else {
            return self.recent_acks.iter().any(|acked| acked == id);
        };
        self.in_flight.remove(at);
        self.unavailable = 0;
        if self.recent_acks.len() == RECENT_ACKS {
            self.recent_acks.pop_front();
        }
        self.recent_acks.push_back(id.to_string());
        out.push(OutboxOut::Status(
            id.to_string(),
            MutationStatus::Acked { seq },
        ));
        true
    }

    /// The server refused `id`: final, except `unavailable`, which schedules
    /// a retry (the mutation stays in flight, `Queued`).
    pub fn on_error(&mut self, id: &str, error: SyncError, now: Millis, out: &mut Vec<OutboxOut>) {
        let Some(at) = self.in_flight.iter().position(|e| e.mutation.id == id) else {
            return;
        };
        if error.is_unavailable() {
            let entry = &mut self.in_flight[at];
            if entry.waiting {
                return;
            }
            entry.waiting = true;
            out.push(OutboxOut::Status(id.to_string(), MutationStatus::Queued));
            if self.retry_at.is_none() {
                let doubling = 1u64 << self.unavailable.min(16);
                let wait = UNAVAILABLE_RETRY_MS
                    .saturating_mul(doubling)
                    .min(UNAVAILABLE_RETRY_MAX_MS);
                self.retry_at = Some(now.saturating_add(wait));
            }
            self.unavailable = self.unavailable.saturating_add(1);
        } else {
            self.in_flight.remove(at);
            out.push(OutboxOut::Status(
                id.to_string(),
                MutationStatus::Failed { error },
            ));
        }
    }

    /// When the retry is due and the connection is ready: sends the
    /// mutations answered `unavailable` again, in order, then the queue
    /// that waited behind them. While not ready, [`on_open`](Self::on_open)
    /// will send them.
    pub fn retry(&mut self, now: Millis, ready: bool, out: &mut Vec<OutboxOut>) {
        if self.retry_at.is_none_or(|at| at > now) {
            return;
        }
        self.retry_at = None;
        if !ready {
            return;
        }
        self.resend(|entry| entry.waiting, out);
    }

    /// Sends the in-flight mutations `which` picks again, with their ids, then
    /// the whole queue, all in their original order.
    fn resend(&mut self, which: impl Fn(&Entry) -> bool, out: &mut Vec<OutboxOut>) {
        for entry in self.in_flight.iter_mut().filter(|e| which(e)) {
            entry.waiting = false;
            out.push(OutboxOut::Send(entry.msg()));
            out.push(OutboxOut::Status(
                entry.mutation.id.clone(),
                MutationStatus::Sent,
            ));
        }
        self.queued_bytes = 0;
        while let Some(entry) = self.queued.pop_front() {
            self.send(entry, out);
        }
    }

    /// Fails queued mutations whose expiry has passed.
    pub fn expire(&mut self, now: Millis, out: &mut Vec<OutboxOut>) {
        let (expired, kept): (Vec<_>, Vec<_>) = self
            .queued
            .drain(..)
            .partition(|e| e.expires_at.is_some_and(|at| at <= now));
        self.queued = kept.into();
        for entry in expired {
            self.queued_bytes -= entry.bytes;
            let error = SyncError::Expired {
                id: entry.mutation.id.clone(),
            };
            out.push(OutboxOut::Error(error.clone()));
            out.push(OutboxOut::Status(
                entry.mutation.id,
                MutationStatus::Failed { error },
            ));
        }
    }

    fn send(&mut self, entry: Entry, out: &mut Vec<OutboxOut>) {
        out.push(OutboxOut::Send(entry.msg()));
        out.push(OutboxOut::Status(
            entry.mutation.id.clone(),
            MutationStatus::Sent,
        ));
        self.in_flight.push_back(entry);
    }

    /// Whether a queue of `count` mutations and `bytes` bytes is within the bounds.
    fn fits(&self, count: usize, bytes: usize) -> bool {
        count <= self.opts.max_messages && bytes <= self.opts.max_bytes
    }

    /// The new mutation does not go in: refused under [`Overflow::Fail`], dropped otherwise.
    fn reject(&mut self, entry: Entry, out: &mut Vec<OutboxOut>) {
        if self.opts.overflow != Overflow::Fail {
            return self.drop_entry(entry, out);
        }
        let error = SyncError::QueueFull {
            id: entry.mutation.id.clone(),
            max_messages: self.opts.max_messages,
            max_bytes: self.opts.max_bytes,
        };
        out.push(OutboxOut::Error(error.clone()));
        out.push(OutboxOut::Status(
            entry.mutation.id,
            MutationStatus::Failed { error },
        ));
    }

    fn drop_entry(&mut self, entry: Entry, out: &mut Vec<OutboxOut>) {
        self.dropped += 1;
        let error = SyncError::QueueOverflow {
            dropped: self.dropped,
        };
        out.push(OutboxOut::Error(error.clone()));
        out.push(OutboxOut::Status(
            entry.mutation.id,
            MutationStatus::Failed { error },
        ));
    }
}
