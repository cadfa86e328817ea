#![cfg(not(target_arch = "wasm32"))]
//! How `error` frames from the application's hooks reach the app: `forbidden`
//! and `rejected` are typed and final (a subscription's status becomes Error,
//! a mutation fails) and the connection stays; `unavailable` is not final: the
//! mutation is sent again with the same id, after a wait, ahead of newer ones.
//! The harness checks the global invariants on every step.

mod common;

use common::mutations::{ack, connected, mutate, sent_ids, statuses};
use common::subs::{status, subscribe, subscribes};
use common::{Harness, errors, msg};
use leptos_sync_core::machine::Command;
use leptos_sync_core::outbox::{MutationStatus, UNAVAILABLE_RETRY_MAX_MS, UNAVAILABLE_RETRY_MS};
use leptos_sync_core::{ConnectionState, SubscriptionStatus, SyncError, Timer};
use serde_json::json;

/// The server answers mutation `id` with an `error` frame.
fn refuse(h: &mut Harness, id: &str, code: &str, message: &str) -> Vec<Command> {
    h.frame(&msg(
        json!({"type": "error", "code": code, "message": message, "id": id}),
    ))
}

#[test]
fn a_forbidden_mutation_fails_typed_and_is_not_sent_again() {
    let mut h = connected();
    let id = mutate(&mut h, "a");
    let cmds = refuse(
        &mut h,
        &id,
        "forbidden",
        "observers may not change anything",
    );
    let error = SyncError::Forbidden {
        message: "observers may not change anything".into(),
    };
    assert_eq!(
        statuses(&cmds, &id),
        [MutationStatus::Failed {
            error: error.clone()
        }]
    );
    assert_eq!(errors(&cmds), [error]);
    assert_eq!(h.machine.state(), &ConnectionState::Open);
    assert_eq!(h.machine.metrics().in_flight, 0);
    // Neither time nor a reconnect sends it again.
    h.advance(UNAVAILABLE_RETRY_MAX_MS * 2);
    h.close(1006, "");
    h.fire_next();
    h.establish(None);
    assert!(sent_ids(&h).is_empty(), "{:?}", sent_ids(&h));
}

#[test]
fn a_rejected_mutation_fails_with_the_reason() {
    let mut h = connected();
    let id = mutate(&mut h, "a");
    let cmds = refuse(&mut h, &id, "rejected", "a task needs a title");
    let error = SyncError::Rejected {
        reason: "a task needs a title".into(),
    };
    assert_eq!(statuses(&cmds, &id), [MutationStatus::Failed { error }]);
    assert_eq!(h.machine.state(), &ConnectionState::Open);
    assert_eq!(h.machine.metrics().in_flight, 0);
}

#[test]
fn an_unknown_code_stays_a_server_error() {
    let mut h = connected();
    let id = mutate(&mut h, "a");
    let cmds = refuse(&mut h, &id, "quota", "over quota");
    let error = SyncError::Server {
        code: "quota".into(),
        message: "over quota".into(),
    };
    assert_eq!(statuses(&cmds, &id), [MutationStatus::Failed { error }]);
}

#[test]
fn an_unavailable_mutation_is_sent_again_with_its_id_ahead_of_newer_ones() {
    let mut h = connected();
    let first = mutate(&mut h, "a");
    let cmds = refuse(&mut h, &first, "unavailable", "store down");
    assert_eq!(statuses(&cmds, &first), [MutationStatus::Queued]);
    // Made while the first waits: it waits behind it, so the order holds.
    let second = mutate(&mut h, "b");
    assert_eq!(sent_ids(&h), [first.as_str()]);
    let cmds = h.advance(UNAVAILABLE_RETRY_MS - 1);
    assert!(statuses(&cmds, &first).is_empty(), "too early: {cmds:?}");
    let cmds = h.advance(1);
    assert_eq!(statuses(&cmds, &first), [MutationStatus::Sent]);
    assert_eq!(statuses(&cmds, &second), [MutationStatus::Sent]);
    assert_eq!(sent_ids(&h), [first.as_str(), &first, &second]);
    let cmds = ack(&mut h, &first, 1);
    assert_eq!(statuses(&cmds, &first), [MutationStatus::Acked { seq: 1 }]);
    ack(&mut h, &second, 2);
    assert_eq!(h.machine.metrics().in_flight, 0);
    assert_eq!(h.machine.metrics().queued, 0);
}

#[test]
fn the_wait_doubles_while_unavailable_up_to_the_cap_and_starts_over_after_an_ack() {
    let mut h = connected();
    let id = mutate(&mut h, "a");
    let mut waits = Vec::new();
    for _ in 0..8 {
        refuse(&mut h, &id, "unavailable", "store down");
        let at = h.machine.deadline(Timer::Outbox).expect("a retry");
        waits.push(at - h.now);
        h.advance(at - h.now);
    }
    let expected: Vec<u64> = (0..8)
        .map(|n| (UNAVAILABLE_RETRY_MS << n).min(UNAVAILABLE_RETRY_MAX_MS))
        .collect();
    assert_eq!(waits, expected);
    ack(&mut h, &id, 1);
    let next = mutate(&mut h, "b");
    refuse(&mut h, &next, "unavailable", "store down");
    let at = h.machine.deadline(Timer::Outbox).expect("a retry");
    assert_eq!(at - h.now, UNAVAILABLE_RETRY_MS);
}

#[test]
fn an_unavailable_mutation_waiting_over_a_reconnect_is_sent_once_after_welcome() {
    let mut h = connected();
    let id = mutate(&mut h, "a");
    refuse(&mut h, &id, "unavailable", "store down");
    h.close(1006, "");
    h.fire_next();
    h.establish(None);
    assert_eq!(sent_ids(&h), [id.as_str()]);
    // The retry is spent: its deadline sends nothing more.
    h.advance(UNAVAILABLE_RETRY_MAX_MS);
    assert_eq!(sent_ids(&h), [id.as_str()]);
    let cmds = ack(&mut h, &id, 1);
    assert_eq!(statuses(&cmds, &id), [MutationStatus::Acked { seq: 1 }]);
}

#[test]
fn a_forbidden_subscription_is_an_error_and_the_connection_stays() {
    let mut h = connected();
    let cmds = subscribe(&mut h, "private-notes");
    let (sub, ..) = subscribes(&cmds)[0].clone();
    let cmds = h.frame(&msg(json!({"type": "error", "code": "forbidden",
        "message": "this topic is private", "sub": sub})));
    let error = SyncError::Forbidden {
        message: "this topic is private".into(),
    };
    assert_eq!(errors(&cmds), [error]);
    assert_eq!(status(&h, "private-notes"), Some(SubscriptionStatus::Error));
    assert_eq!(h.machine.state(), &ConnectionState::Open);
}
