//! The retry of a `subscribe` the server answered `unavailable`.

use super::{SubOut, Subscriptions, Topic, subscribe};
use crate::outbox::{UNAVAILABLE_RETRY_MAX_MS, UNAVAILABLE_RETRY_MS};
use crate::state::Millis;

/// The server has no such subscription now: `subscribe` again after 250 ms,
/// doubling with each `unavailable` in a row, up to 8 s.
pub(super) fn schedule(t: &mut Topic, now: Millis) {
    t.sent = false;
    t.awaiting_snapshot = false;
    t.catch_up_to = None;
    let wait = UNAVAILABLE_RETRY_MS
        .saturating_mul(1u64 << t.unavailable.min(16))
        .min(UNAVAILABLE_RETRY_MAX_MS);
    t.retry_at = Some(now.saturating_add(wait));
    t.unavailable = t.unavailable.saturating_add(1);
}

impl Subscriptions {
    /// The earliest retry of a `subscribe` answered `unavailable`.
    pub(crate) fn next_retry(&self) -> Option<Millis> {
        self.topics.iter().filter_map(|(_, t)| t.retry_at).min()
    }

    /// Sends the `subscribe`s whose retry is due, each under a new sub id (a
    /// late frame of the refused one is then ignored), from the last applied
    /// seq. While closed, `on_open` sends them instead.
    pub(crate) fn retry(&mut self, now: Millis, open: bool, out: &mut Vec<SubOut>) {
        for i in 0..self.topics.len() {
            if self.topics[i].1.retry_at.is_none_or(|at| at > now) {
                continue;
            }
            self.topics[i].1.retry_at = None;
            if open {
                let sub = self.new_sub();
                let (name, t) = &mut self.topics[i];
                t.sub = sub;
                t.sent = true;
                out.push(SubOut::Send(subscribe(name, t)));
            }
        }
    }
}
