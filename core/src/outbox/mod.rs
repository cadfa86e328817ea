//! The outbox: a bounded queue of mutations waiting for a connection, and the
//! mutations sent but not yet acknowledged.
//!
//! Queued mutations are flushed in order only after `welcome` and resubscribe.
//! Unacknowledged ones are re-sent with the same id after every reconnect; the
//! server applies an id once, so each mutation is applied exactly once.
//!
//! Two answers of the server are not final, and nothing was applied for them:
//! - `unavailable` (its store failed): the mutation is sent again with the
//!   same id after a short, growing wait ([`UNAVAILABLE_RETRY_MS`]);
//! - `rate_limited` (the connection sent mutations faster than the server's
//!   rate): it is sent again once the server's `retry_after_ms` has passed
//!   (see [`RATE_LIMITED_RETRY_MAX_MS`]), and its status goes back to `Queued`
//!   meanwhile, with [`SyncError::RateLimited`] reported.
//!
//! Mutations made during such a wait are queued behind it (within the
//! queue's bounds, as while disconnected), so they still reach the server in
//! order. `forbidden` and `rejected` are final.
//!
//! ```
//! use leptos_sync_core::outbox::Mutation;
//! use leptos_sync_core::{Event, Machine, MachineOptions};
//!
//! let mut machine = Machine::new(MachineOptions::default(), || 0.5);
//! // Offline: the change is queued, and sent after the next `welcome` and resubscribe.
//! let id = machine.mutation_id();
//! machine.handle(Event::Mutate(Mutation { id, topic: "Task".into(), key: "t1".into(), value: serde_json::json!(1), expires_in_ms: None }), 0);
//! assert_eq!((machine.metrics().queued, machine.metrics().in_flight), (1, 0));
//! ```

use std::collections::VecDeque;

use leptos_sync_protocol::ClientMsg;

use super::state::Millis;
use crate::backoff::MAX_DELAY_MS;
use crate::error::SyncError;

mod retry;
mod types;

pub use retry::{
    RATE_LIMITED_RETRY_MAX_MS, RATE_LIMITED_RETRY_MS, UNAVAILABLE_RETRY_MAX_MS,
    UNAVAILABLE_RETRY_MS,
};
pub use types::{Mutation, MutationStatus, OutboxOptions, Overflow};

const RECENT_ACKS: usize = 1024;

#[derive(Debug)]
struct Entry {
    mutation: Mutation,
    bytes: usize,
    expires_at: Option<Millis>,
    /// In flight, answered `unavailable` or `rate_limited`: waits for the
    /// retry to be sent again.
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
    /// When mutations answered `unavailable` or `rate_limited` are sent again.
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
    /// answered `unavailable` or `rate_limited` if it comes first.
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
