#![cfg(not(target_arch = "wasm32"))]
//! A server's `rate_limited` answer to a mutation: typed
//! (`SyncError::RateLimited`), not final (the status goes back to Queued), and
//! the mutation is sent again with its id after the server's hint, in order,
//! once. Virtual time; the harness checks the global invariants on every step.

mod common;

use std::collections::HashMap;

use common::mutations::{ack, connected, mutate, sent_ids, statuses};
use common::{Harness, errors, msg};
use leptos_sync_core::machine::Command;
use leptos_sync_core::outbox::{MutationStatus, RATE_LIMITED_RETRY_MAX_MS, RATE_LIMITED_RETRY_MS};
use leptos_sync_core::{Millis, SyncError, Timer};
use serde_json::json;

/// The server answers `id` with `rate_limited`, and `retry_after_ms` if given.
fn limit(h: &mut Harness, id: &str, retry_after_ms: Option<u64>) -> Vec<Command> {
    let mut frame = json!({"type": "error", "code": "rate_limited",
        "message": "at most 200 mutations a second", "id": id});
    if let Some(ms) = retry_after_ms {
        frame["retry_after_ms"] = ms.into();
    }
    h.frame(&msg(frame))
}

fn limited(id: &str, retry_after_ms: u64) -> SyncError {
    SyncError::RateLimited {
        id: id.into(),
        retry_after_ms,
        message: "at most 200 mutations a second".into(),
    }
}

#[test]
fn a_rate_limited_mutation_is_typed_queued_and_sent_again_once_after_the_hint() {
    let mut h = connected();
    let id = mutate(&mut h, "a");
    let cmds = limit(&mut h, &id, Some(40));
    assert_eq!(statuses(&cmds, &id), [MutationStatus::Queued]);
    assert_eq!(errors(&cmds), [limited(&id, 40)]);
    assert_eq!(h.machine.metrics().in_flight, 1);
    // A repeated answer changes nothing.
    assert!(statuses(&limit(&mut h, &id, Some(40)), &id).is_empty());
    let cmds = h.advance(39);
    assert!(statuses(&cmds, &id).is_empty(), "before the hint: {cmds:?}");
    let cmds = h.advance(1);
    assert_eq!(statuses(&cmds, &id), [MutationStatus::Sent]);
    assert_eq!(sent_ids(&h), [id.as_str(), &id]);
    let cmds = ack(&mut h, &id, 1);
    assert_eq!(statuses(&cmds, &id), [MutationStatus::Acked { seq: 1 }]);
    h.advance(20_000);
    assert_eq!(sent_ids(&h).len(), 2, "sent exactly twice");
}

#[test]
fn without_a_hint_it_waits_the_default_and_a_huge_hint_is_capped() {
    for (hint, wait) in [
        (None, RATE_LIMITED_RETRY_MS),
        (Some(u64::MAX), RATE_LIMITED_RETRY_MAX_MS),
    ] {
        let mut h = connected();
        let id = mutate(&mut h, "a");
        let cmds = limit(&mut h, &id, hint);
        assert_eq!(errors(&cmds), [limited(&id, hint.unwrap_or(wait))]);
        assert_eq!(h.machine.deadline(Timer::Outbox), Some(h.now + wait));
    }
}

#[test]
fn mutations_made_during_the_wait_are_sent_after_the_limited_ones() {
    let mut h = connected();
    let a = mutate(&mut h, "a");
    let b = mutate(&mut h, "b");
    limit(&mut h, &a, Some(10));
    limit(&mut h, &b, Some(20));
    let c = mutate(&mut h, "c");
    assert_eq!(h.machine.metrics().queued, 1, "c waits behind the retry");
    // b's place in line is the later: both wait for it.
    assert_eq!(h.machine.deadline(Timer::Outbox), Some(h.now + 20));
    h.advance(20);
    assert_eq!(sent_ids(&h), [a.as_str(), &b, &a, &b, &c]);
}

#[test]
fn a_rate_limited_mutation_waiting_over_a_reconnect_is_sent_once_after_welcome() {
    let mut h = connected();
    let id = mutate(&mut h, "a");
    limit(&mut h, &id, Some(5_000));
    h.close(1006, "");
    h.fire_next();
    h.establish(None);
    assert_eq!(sent_ids(&h), [id.as_str()]);
    h.advance(10_000);
    assert_eq!(sent_ids(&h), [id.as_str()], "the retry is spent");
}

/// The reference server's limit of one connection: a token bucket of `rate`
/// a second with a burst of one second's worth, and after a refusal a hold:
/// every other mutation is refused until the refused one comes again, each
/// told its place in line (the wait for one more token each), rounded up.
struct Limiter {
    rate: f64,
    tokens: f64,
    at: Millis,
    /// The held id and how many were refused behind it.
    held: Option<(String, u32)>,
}

impl Limiter {
    fn wait_for(&self, n: u32) -> u64 {
        ((f64::from(n) - self.tokens).max(0.0) / self.rate * 1_000.0).ceil() as u64
    }

    fn admit(&mut self, id: &str, now: Millis) -> Result<(), u64> {
        let elapsed = (now - self.at) as f64 / 1_000.0;
        self.tokens = (self.tokens + elapsed * self.rate).min(self.rate);
        self.at = now;
        if let Some((held, behind)) = &mut self.held
            && held != id
        {
            *behind += 1;
            let n = *behind + 1;
            return Err(self.wait_for(n).max(1));
        }
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            self.held = None;
            return Ok(());
        }
        self.held = Some((id.to_owned(), 0));
        Err(self.wait_for(1).max(1))
    }
}

#[test]
fn a_burst_over_the_rate_ends_all_acked_in_order_without_thrashing() {
    let mut h = connected();
    let mut limiter = Limiter {
        rate: 200.0,
        tokens: 200.0,
        at: h.now,
        held: None,
    };
    let ids: Vec<String> = (0..300).map(|i| mutate(&mut h, &format!("k{i}"))).collect();
    let (mut read, mut applied, mut limited_at) = (0, Vec::new(), HashMap::new());
    let mut last = HashMap::new();
    let mut limits = 0;
    while applied.len() < ids.len() {
        assert!(h.now < common::START + 10_000, "stuck after {applied:?}");
        // The server answers every frame sent since it last read.
        let sent: Vec<String> = sent_ids(&h).split_off(read);
        read += sent.len();
        for id in sent {
            if let Some(at) = limited_at.remove(&id) {
                assert!(h.now >= at, "{id} sent again before its hint");
            }
            let cmds = match limiter.admit(&id, h.now) {
                Ok(()) => {
                    applied.push(id.clone());
                    ack(&mut h, &id, applied.len() as u64)
                }
                Err(hint) => {
                    limits += 1;
                    limited_at.insert(id.clone(), h.now + hint);
                    limit(&mut h, &id, Some(hint))
                }
            };
            for c in cmds {
                if let Command::Mutation { id, status } = c {
                    last.insert(id, status);
                }
            }
        }
        h.fire_next();
    }
    assert_eq!(applied, ids, "applied once each, in the order made");
    assert!(limits >= 100, "the burst was limited: {limits}");
    // The last hint covers every waiting mutation: one round of resends.
    assert!(
        read <= 300 + 100 + 10,
        "{read} mutate frames for 300 mutations"
    );
    assert!(
        last.values()
            .all(|s| matches!(s, MutationStatus::Acked { .. }))
    );
    assert_eq!(h.machine.metrics().in_flight, 0);
}
