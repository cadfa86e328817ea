#![cfg(not(target_arch = "wasm32"))]
//! A `subscribe` the server answers with `unavailable` (its store failed) is
//! not final: the error goes to `last_error`, the status stays Pending (or
//! Recovering), and the subscribe goes out again under a new sub id after a
//! growing wait, from the last applied seq. Virtual time; the harness checks
//! the global invariants on every step (a topic waiting for its retry is the
//! one exception to "every topic with users is subscribed while Open").

mod common;

use common::mutations::connected;
use common::subs::*;
use common::{Harness, errors, msg, sends};
use leptos_sync_core::machine::Command;
use leptos_sync_core::outbox::{UNAVAILABLE_RETRY_MAX_MS, UNAVAILABLE_RETRY_MS};
use leptos_sync_core::{SubscriptionStatus, SyncError, Timer};
use leptos_sync_protocol::close_code;
use serde_json::json;

use SubscriptionStatus::*;

fn unavailable(h: &mut Harness, sub: u64) -> Vec<Command> {
    h.frame(&msg(json!({"type": "error", "code": "unavailable",
        "message": "engine unavailable", "sub": sub})))
}

fn store_down() -> SyncError {
    SyncError::Server {
        code: "unavailable".into(),
        message: "engine unavailable".into(),
    }
}

#[test]
fn an_unavailable_subscribe_is_reported_and_sent_again_after_a_wait() {
    let mut h = connected();
    let first = subscribes(&subscribe(&mut h, "Task"))[0].0;
    let cmds = unavailable(&mut h, first);
    assert_eq!(errors(&cmds), [store_down()]);
    assert!(statuses(&cmds, "Task").is_empty(), "{cmds:?}");
    assert_eq!(status(&h, "Task"), Some(Pending), "not Error");
    let cmds = h.advance(UNAVAILABLE_RETRY_MS - 1);
    assert!(subscribes(&cmds).is_empty(), "too early: {cmds:?}");
    let cmds = h.advance(1);
    let again = subscribes(&cmds);
    assert_eq!(again.len(), 1, "{cmds:?}");
    let (sub, topic, since, _) = again[0].clone();
    assert_ne!(sub, first, "a new sub id");
    assert_eq!((topic.as_str(), since), ("Task", None));
    // A late frame of the refused sub is ignored.
    assert!(snapshot(&mut h, first, 9, SCHEMA).is_empty());
    subscribed(&mut h, sub, 3, false, "e1");
    assert!(replaced(&snapshot(&mut h, sub, 3, SCHEMA), "Task"));
    assert_eq!(status(&h, "Task"), Some(Live));
}

#[test]
fn the_wait_doubles_up_to_the_cap_and_starts_over_once_subscribed() {
    let mut h = connected();
    subscribe(&mut h, "Task");
    let mut waits = Vec::new();
    for _ in 0..7 {
        let sub = live_sub(&h, "Task");
        unavailable(&mut h, sub);
        let at = h.machine.deadline(Timer::Outbox).expect("a retry");
        waits.push(at - h.now);
        assert_eq!(subscribes(&h.advance(at - h.now)).len(), 1);
    }
    let expected: Vec<u64> = (0..7)
        .map(|n| (UNAVAILABLE_RETRY_MS << n).min(UNAVAILABLE_RETRY_MAX_MS))
        .collect();
    assert_eq!(waits, expected);
    let sub = live_sub(&h, "Task");
    subscribed(&mut h, sub, 0, false, "e1");
    snapshot(&mut h, sub, 0, SCHEMA);
    // A later outage starts from the shortest wait again.
    h.close(close_code::ABNORMAL, "");
    h.fire_next();
    h.establish(None);
    let sub = live_sub(&h, "Task");
    unavailable(&mut h, sub);
    let at = h.machine.deadline(Timer::Outbox).expect("a retry");
    assert_eq!(at - h.now, UNAVAILABLE_RETRY_MS);
}

#[test]
fn a_resume_answered_unavailable_stays_recovering_and_keeps_its_position() {
    let mut h = connected();
    let sub = subscribes(&subscribe(&mut h, "Task"))[0].0;
    subscribed(&mut h, sub, 5, false, "e1");
    snapshot(&mut h, sub, 5, SCHEMA);
    h.close(close_code::ABNORMAL, "");
    h.fire_next();
    h.socket_opened();
    h.token();
    h.welcome(None);
    assert_eq!(status(&h, "Task"), Some(Recovering));
    let sub = live_sub(&h, "Task");
    unavailable(&mut h, sub);
    assert_eq!(status(&h, "Task"), Some(Recovering));
    let cmds = h.fire(Timer::Outbox);
    let (_, _, since, epoch) = subscribes(&cmds)[0].clone();
    assert_eq!((since, epoch.as_deref()), (Some(5), Some("e1")));
}

#[test]
fn a_reconnect_during_the_wait_subscribes_once_after_welcome() {
    let mut h = connected();
    let sub = subscribes(&subscribe(&mut h, "Task"))[0].0;
    unavailable(&mut h, sub);
    h.close(close_code::ABNORMAL, "");
    h.fire_next();
    h.socket_opened();
    h.token();
    let cmds = h.welcome(None);
    assert_eq!(subscribes(&cmds).len(), 1, "{cmds:?}");
    // The retry is spent: its deadline sends nothing more.
    let cmds = h.advance(UNAVAILABLE_RETRY_MAX_MS);
    assert!(subscribes(&cmds).is_empty(), "{cmds:?}");
}

#[test]
fn the_last_user_leaving_during_the_wait_ends_it_without_frames() {
    let mut h = connected();
    let sub = subscribes(&subscribe(&mut h, "Task"))[0].0;
    unavailable(&mut h, sub);
    // The server has no such sub: no unsubscribe for it.
    let cmds = unsubscribe(&mut h, "Task");
    assert!(sends(&cmds).is_empty(), "{cmds:?}");
    assert_eq!(h.machine.deadline(Timer::Outbox), None);
    assert!(subscribes(&h.advance(UNAVAILABLE_RETRY_MAX_MS)).is_empty());
}

#[test]
fn other_refusals_stay_final() {
    let mut h = connected();
    let sub = subscribes(&subscribe(&mut h, "Task"))[0].0;
    let cmds = h.frame(&msg(
        json!({"type": "error", "code": "too_many_subscriptions",
        "message": "at most 256", "sub": sub}),
    ));
    assert_eq!(errors(&cmds).len(), 1);
    assert_eq!(status(&h, "Task"), Some(Error));
    assert!(subscribes(&h.advance(UNAVAILABLE_RETRY_MAX_MS)).is_empty());
}
