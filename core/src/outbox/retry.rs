//! The answers of the server that are not final: `unavailable` and
//! `rate_limited`. The mutation stays in flight (`Queued`) and is sent again,
//! with its id, once its wait has passed.

use super::{Outbox, OutboxOut};
use crate::error::SyncError;
use crate::outbox::MutationStatus;
use crate::state::Millis;

/// The first wait before a mutation answered `unavailable` is sent again; it
/// doubles with each `unavailable` in a row, up to [`UNAVAILABLE_RETRY_MAX_MS`],
/// and starts over after an `ack`.
///
/// ```
/// use leptos_sync_core::outbox::{UNAVAILABLE_RETRY_MAX_MS, UNAVAILABLE_RETRY_MS};
///
/// // The waits after 1, 2, 3, ... `unavailable` answers in a row.
/// let waits: Vec<u64> = (0..7).map(|n| (UNAVAILABLE_RETRY_MS << n).min(UNAVAILABLE_RETRY_MAX_MS)).collect();
/// assert_eq!(waits, [250, 500, 1_000, 2_000, 4_000, 8_000, 8_000]);
/// ```
pub const UNAVAILABLE_RETRY_MS: u64 = 250;
/// The longest wait before a mutation answered `unavailable` is sent again.
///
/// ```
/// use leptos_sync_core::outbox::{UNAVAILABLE_RETRY_MAX_MS, UNAVAILABLE_RETRY_MS};
/// assert!(UNAVAILABLE_RETRY_MAX_MS >= UNAVAILABLE_RETRY_MS);
/// ```
pub const UNAVAILABLE_RETRY_MAX_MS: u64 = 8_000;
/// The wait before a mutation answered `rate_limited` is sent again, when
/// the server's `error` frame has no `retry_after_ms`.
///
/// ```
/// use leptos_sync_core::outbox::RATE_LIMITED_RETRY_MS;
/// // An `error` frame `rate_limited` without `retry_after_ms`: the wait before the re-send.
/// let retry_after_ms: Option<u64> = None;
/// assert_eq!(retry_after_ms.unwrap_or(RATE_LIMITED_RETRY_MS), 1_000);
/// ```
pub const RATE_LIMITED_RETRY_MS: u64 = 1_000;
/// The longest wait before mutations answered `rate_limited` are sent again,
/// whatever the server's `retry_after_ms`: a server asking for more gets a
/// retry after this long, which it may limit again.
///
/// ```
/// use leptos_sync_core::outbox::RATE_LIMITED_RETRY_MAX_MS;
/// // A server asking for an hour is asked again after a minute.
/// let asked: u64 = 3_600_000;
/// assert_eq!(asked.min(RATE_LIMITED_RETRY_MAX_MS), 60_000);
/// ```
pub const RATE_LIMITED_RETRY_MAX_MS: u64 = 60_000;

impl Outbox {
    /// The server refused `id`: final, except `unavailable` and
    /// `rate_limited`, which schedule a retry (the mutation stays in flight,
    /// `Queued`). A repeated answer for a mutation already waiting is ignored.
    pub fn on_error(&mut self, id: &str, error: SyncError, now: Millis, out: &mut Vec<OutboxOut>) {
        let Some(at) = self.in_flight.iter().position(|e| e.mutation.id == id) else {
            return;
        };
        let hint = match &error {
            SyncError::RateLimited { retry_after_ms, .. } => Some(*retry_after_ms),
            error if error.is_unavailable() => None,
            _ => {
                self.in_flight.remove(at);
                let status = MutationStatus::Failed { error };
                return out.push(OutboxOut::Status(id.to_string(), status));
            }
        };
        let entry = &mut self.in_flight[at];
        if entry.waiting {
            return;
        }
        entry.waiting = true;
        out.push(OutboxOut::Status(id.to_string(), MutationStatus::Queued));
        match hint {
            Some(hint) => self.rate_limited(hint, now),
            None => self.unavailable(now),
        }
    }

    /// Waits 250 ms, doubling with each `unavailable` since the last ack.
    fn unavailable(&mut self, now: Millis) {
        if self.retry_at.is_none() {
            let doubling = 1u64 << self.unavailable.min(16);
            let wait = UNAVAILABLE_RETRY_MS
                .saturating_mul(doubling)
                .min(UNAVAILABLE_RETRY_MAX_MS);
            self.retry_at = Some(now.saturating_add(wait));
        }
        self.unavailable = self.unavailable.saturating_add(1);
    }

    /// The server's hint is when it accepts this mutation, counting its place
    /// behind the refused ones before it. All the waiting mutations are sent
    /// again together, in order, so the retry waits for the last hint: at
    /// least each hint, at most [`RATE_LIMITED_RETRY_MAX_MS`], and never
    /// earlier than a retry already set.
    fn rate_limited(&mut self, hint: u64, now: Millis) {
        let at = now.saturating_add(hint.min(RATE_LIMITED_RETRY_MAX_MS));
        self.retry_at = Some(self.retry_at.map_or(at, |set| set.max(at)));
    }

    /// When the retry is due and the connection is ready: sends the
    /// mutations that wait for it again, in order, then the queue that waited
    /// behind them. While not ready, [`on_open`](Self::on_open) will send them.
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
}
