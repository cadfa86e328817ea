#![cfg(not(target_arch = "wasm32"))]
//! The subscription table through the machine: one server subscription per
//! topic whatever the number of users, resubscribe once per open with the
//! resume position, recovery, gap healing, schema checks and stale data. The
//! harness checks on every step that no topic has two live `subscribe`s on a
//! socket, none goes out before `welcome` or for a topic without users, and
//! that the subscribed topics match the topics with users while Open.

mod common;

use common::subs::*;
use common::{Harness, errors, sends};
use leptos_sync_core::machine::{Command, MachineOptions};
use leptos_sync_core::subscriptions::DataEvent;
use leptos_sync_core::{ConnectionState, SubscriptionStatus, SyncError};
use leptos_sync_protocol::{ClientMsg, close_code};

use SubscriptionStatus::*;

fn open(seed: u64) -> Harness {
    let mut h = Harness::new(MachineOptions::default(), seed);
    h.open();
    h.establish(None);
    h
}

/// Drops the connection and lets the retry reach `welcome`; returns the welcome's commands.
fn reconnect(h: &mut Harness) -> Vec<Command> {
    h.close(close_code::ABNORMAL, "");
    h.fire_next().expect("a reconnect timer");
    h.socket_opened();
    h.token();
    h.welcome(None)
}

/// `topic` subscribed, answered with a snapshot at `seq` in epoch `epoch`.
fn live_at(h: &mut Harness, topic: &str, seq: u64, epoch: &str) -> u64 {
    subscribe(h, topic);
    let sub = live_sub(h, topic);
    subscribed(h, sub, seq, false, epoch);
    assert!(replaced(&snapshot(h, sub, seq, SCHEMA), topic));
    assert_eq!(status(h, topic), Some(Live));
    sub
}

#[test]
fn many_users_share_one_subscribe_and_the_last_one_out_unsubscribes() {
    let mut h = open(1);
    let cmds: Vec<_> = (0..5).flat_map(|_| subscribe(&mut h, "Task")).collect();
    let subs = subscribes(&cmds);
    assert_eq!(subs.len(), 1, "{cmds:?}");
    assert_eq!((subs[0].1.as_str(), subs[0].2), ("Task", None));
    for _ in 0..4 {
        assert!(sends(&unsubscribe(&mut h, "Task")).is_empty());
    }
    let cmds = unsubscribe(&mut h, "Task");
    assert_eq!(unsubscribes(&cmds), [subs[0].0]);
    let ended = DataEvent::Ended {
        topic: "Task".into(),
    };
    assert_eq!(data(&cmds), [ended]);
    assert_eq!(status(&h, "Task"), None);
    // An extra unsubscribe is a no-op, and the topic is not re-sent after a reconnect.
    assert!(unsubscribe(&mut h, "Task").is_empty());
    assert!(subscribes(&reconnect(&mut h)).is_empty());
}

#[test]
fn subscribing_before_welcome_waits_for_it_then_sends_once_per_topic() {
    let mut h = Harness::new(MachineOptions::default(), 2);
    assert!(sends(&subscribe(&mut h, "A")).is_empty(), "Idle");
    h.open();
    assert!(sends(&subscribe(&mut h, "B")).is_empty(), "Connecting");
    h.socket_opened();
    assert!(sends(&subscribe(&mut h, "A")).is_empty(), "before hello");
    h.token();
    assert_eq!(h.state(), ConnectionState::Handshaking);
    assert!(sends(&subscribe(&mut h, "C")).is_empty(), "Handshaking");
    let cmds = h.welcome(None);
    let topics: Vec<_> = subscribes(&cmds).into_iter().map(|s| s.1).collect();
    assert_eq!(topics, ["A", "B", "C"]);
    // hello, then nothing until welcome, then one subscribe per topic.
    let sock = &h.sockets[h.live.unwrap()];
    assert!(matches!(sock.sent[0], ClientMsg::Hello { .. }));
    assert_eq!(sock.sent.len(), 4, "{:?}", sock.sent);
    let cmds = subscribe(&mut h, "A");
    assert!(sends(&cmds).is_empty(), "A is already subscribed: {cmds:?}");
}

#[test]
fn every_open_resends_each_live_subscription_once_with_its_resume_position() {
    let mut h = open(3);
    let a = live_at(&mut h, "A", 5, "e1");
    update(&mut h, a, 6);
    subscribe(&mut h, "B"); // never answered: no data, no position
    live_at(&mut h, "Gone", 9, "e1");
    unsubscribe(&mut h, "Gone");
    for round in 0..3 {
        let cmds = reconnect(&mut h);
        let mut subs = subscribes(&cmds);
        subs.sort_by(|x, y| x.1.cmp(&y.1));
        assert_eq!(
            subs,
            [
                (a, "A".into(), Some(6), Some("e1".into())),
                (live_sub(&h, "B"), "B".into(), None, None),
            ],
            "round {round}"
        );
        assert_eq!(status(&h, "A"), Some(Recovering));
        assert_eq!(status(&h, "B"), Some(Pending));
    }
    // No epoch field at all on the wire without a since.
    let b = ClientMsg::Subscribe {
        sub: 1,
        topic: "B".into(),
        schema: SCHEMA,
        since: None,
        epoch: None,
    };
    assert!(!serde_json::to_string(&b).unwrap().contains("epoch"));
}

#[test]
fn rapid_subscribe_and_unsubscribe_across_reconnects_never_double_a_subscribe() {
    let mut h = open(4);
    for round in 0..6 {
        // Churn while Open, then while Reconnecting, Connecting and Handshaking.
        subscribe(&mut h, "T");
        unsubscribe(&mut h, "T");
        subscribe(&mut h, "T");
        h.close(close_code::ABNORMAL, "");
        unsubscribe(&mut h, "T");
        subscribe(&mut h, "T");
        h.fire_next();
        subscribe(&mut h, "T");
        unsubscribe(&mut h, "T");
        h.socket_opened();
        unsubscribe(&mut h, "T");
        subscribe(&mut h, "T");
        h.token();
        let cmds = h.welcome(None);
        assert_eq!(subscribes(&cmds).len(), 1, "round {round}: {cmds:?}");
        unsubscribe(&mut h, "T");
    }
    // Per socket, subscribe and unsubscribe of T alternate (the harness also checks it live).
    for sock in &h.sockets {
        let mut live = false;
        for m in &sock.sent {
            match m {
                ClientMsg::Subscribe { .. } => assert!(!std::mem::replace(&mut live, true)),
                ClientMsg::Unsubscribe { .. } => assert!(std::mem::replace(&mut live, false)),
                _ => {}
            }
        }
    }
}

#[test]
fn recovered_resubscribe_replays_in_order_and_goes_live_once_caught_up() {
    let mut h = open(5);
    let a = live_at(&mut h, "A", 5, "e1");
    reconnect(&mut h);
    let cmds = subscribed(&mut h, a, 8, true, "e1");
    assert!(
        data(&cmds)
            .iter()
            .all(|d| !matches!(d, DataEvent::Replace { .. }))
    );
    assert_eq!(status(&h, "A"), Some(Recovering));
    let mut replay = Vec::new();
    for seq in 6..=8 {
        assert_eq!(status(&h, "A"), Some(Recovering), "before {seq}");
        replay.extend(update(&mut h, a, seq));
    }
    let keys: Vec<_> = applied(&replay, "A").into_iter().map(|(k, _)| k).collect();
    assert_eq!(keys, ["k6", "k7", "k8"]);
    let state = h.machine.subscriptions().state("A").unwrap();
    assert_eq!((state.status, state.recovered), (Live, Some(true)));
    assert_eq!(statuses(&replay, "A").len(), 1, "Live announced once");
    // Nothing missed: recovered at the same seq is Live at once.
    reconnect(&mut h);
    subscribed(&mut h, a, 8, true, "e1");
    assert_eq!(status(&h, "A"), Some(Live));
}

#[test]
fn not_recovered_resubscribe_replaces_from_the_snapshot() {
    let mut h = open(6);
    let a = live_at(&mut h, "A", 5, "e1");
    reconnect(&mut h);
    subscribed(&mut h, a, 40, false, "e2");
    // Updates before the snapshot are covered by it.
    assert!(applied(&update(&mut h, a, 41), "A").is_empty());
    assert_eq!(status(&h, "A"), Some(Recovering));
    let cmds = snapshot(&mut h, a, 41, SCHEMA);
    assert!(replaced(&cmds, "A"));
    let state = h.machine.subscriptions().state("A").unwrap();
    assert_eq!((state.status, state.recovered), (Live, Some(false)));
    assert_eq!(applied(&update(&mut h, a, 42), "A").len(), 1);
}

#[test]
fn updates_at_or_below_the_last_seq_are_duplicates() {
    let mut h = open(7);
    let a = live_at(&mut h, "A", 5, "e1");
    for seq in [1, 4, 5] {
        let cmds = update(&mut h, a, seq);
        assert!(cmds.is_empty(), "seq {seq}: {cmds:?}");
    }
    assert_eq!(applied(&update(&mut h, a, 6), "A").len(), 1);
    assert!(update(&mut h, a, 6).is_empty());
    assert_eq!(status(&h, "A"), Some(Live));
}

#[test]
fn a_hostile_u64_max_seq_is_not_an_overflow() {
    // Found by the chaos suite: a snapshot at u64::MAX, then any update,
    // computed `last + 1` and panicked in debug builds.
    let mut h = open(17);
    let a = live_at(&mut h, "A", u64::MAX, "e1");
    for seq in [1, u64::MAX - 1, u64::MAX] {
        let cmds = update(&mut h, a, seq);
        assert!(cmds.is_empty(), "seq {seq} is a duplicate: {cmds:?}");
    }
    assert_eq!(h.machine.metrics().subscriptions.duplicates, 3);
    assert_eq!(status(&h, "A"), Some(Live));
}

#[test]
fn a_gap_resubscribes_under_a_new_sub_and_the_old_sub_is_ignored() {
    let mut h = open(8);
    let a = live_at(&mut h, "A", 5, "e1");
    let cmds = update(&mut h, a, 7);
    assert!(applied(&cmds, "A").is_empty());
    assert_eq!(unsubscribes(&cmds), [a]);
    let new = subscribes(&cmds);
    assert_eq!(new.len(), 1, "{cmds:?}");
    let (b, topic, since, epoch) = new[0].clone();
    assert_ne!(b, a);
    assert_eq!(
        (topic.as_str(), since, epoch.as_deref()),
        ("A", Some(5), Some("e1"))
    );
    assert_eq!(status(&h, "A"), Some(Recovering));
    // Late frames of the old sub change nothing.
    assert!(update(&mut h, a, 6).is_empty());
    assert!(update(&mut h, a, 8).is_empty());
    assert!(snapshot(&mut h, a, 8, SCHEMA).is_empty());
    subscribed(&mut h, b, 7, true, "e1");
    let cmds: Vec<_> = (6..=7).flat_map(|s| update(&mut h, b, s)).collect();
    assert_eq!(applied(&cmds, "A").len(), 2);
    assert_eq!(status(&h, "A"), Some(Live));
    // The new sub is the one re-sent after a reconnect.
    let subs = subscribes(&reconnect(&mut h));
    assert_eq!(subs, [(b, "A".into(), Some(7), Some("e1".into()))]);
}

#[test]
fn frames_for_unknown_or_ended_subs_are_ignored() {
    let mut h = open(9);
    let a = live_at(&mut h, "A", 5, "e1");
    unsubscribe(&mut h, "A");
    for cmds in [
        update(&mut h, a, 6),
        snapshot(&mut h, a, 6, SCHEMA),
        subscribed(&mut h, a, 6, true, "e1"),
        schema_error(&mut h, a, 1),
        update(&mut h, 999, 1),
        subscribed(&mut h, 999, 1, false, "e1"),
    ] {
        assert!(cmds.is_empty(), "{cmds:?}");
    }
    assert_eq!(h.state(), ConnectionState::Open);
}

#[test]
fn a_snapshot_with_another_schema_is_refused() {
    let mut h = open(10);
    subscribe(&mut h, "A");
    let a = live_sub(&h, "A");
    subscribed(&mut h, a, 50, false, "e1");
    let cmds = snapshot(&mut h, a, 50, SCHEMA + 1);
    assert!(!replaced(&cmds, "A"));
    let expected = SyncError::SchemaHashMismatch {
        component_name: "A".into(),
        expected: SCHEMA,
        actual: SCHEMA + 1,
    };
    assert_eq!(mismatch(&cmds), Some(expected));
    assert_eq!(status(&h, "A"), Some(Error));
    // Updates for it are not applied, and do not count as gaps to heal.
    let cmds = update(&mut h, a, 51);
    assert!(cmds.is_empty(), "{cmds:?}");
    // The data of a topic that was live is kept, and not overwritten either.
    let b = live_at(&mut h, "B", 3, "e1");
    reconnect(&mut h);
    subscribed(&mut h, b, 4, true, "e1");
    assert!(mismatch(&snapshot(&mut h, b, 4, 1)).is_some());
    assert!(update(&mut h, b, 4).is_empty());
    assert_eq!(status(&h, "B"), Some(Error));
}

#[test]
fn a_schema_mismatch_error_reports_the_servers_schema() {
    let mut h = open(11);
    subscribe(&mut h, "A");
    let a = live_sub(&h, "A");
    let cmds = schema_error(&mut h, a, 77);
    let errs = errors(&cmds);
    let expected = SyncError::SchemaHashMismatch {
        component_name: "A".into(),
        expected: SCHEMA,
        actual: 77,
    };
    assert_eq!(errs, [expected]);
    assert_eq!(status(&h, "A"), Some(Error));
    assert!(
        data(&cmds)
            .iter()
            .all(|d| matches!(d, DataEvent::State { .. }))
    );
}

#[test]
fn disconnect_marks_data_stale_and_keeps_it() {
    let mut h = open(12);
    live_at(&mut h, "A", 5, "e1");
    subscribe(&mut h, "B");
    let cmds = h.close(close_code::ABNORMAL, "");
    for d in data(&cmds) {
        assert!(matches!(d, DataEvent::State { .. }), "data cleared: {d:?}");
    }
    assert_eq!(statuses(&cmds, "A").last().map(|s| s.status), Some(Stale));
    assert_eq!(status(&h, "A"), Some(Stale));
    assert_eq!(status(&h, "B"), Some(Pending));
    // A user close is the same.
    let mut h = open(13);
    live_at(&mut h, "A", 5, "e1");
    let cmds = h.handle(leptos_sync_core::machine::Event::UserClose);
    assert!(!replaced(&cmds, "A"));
    assert_eq!(status(&h, "A"), Some(Stale));
}

#[test]
fn a_resubscribe_pairs_since_with_the_epoch_it_came_from() {
    let mut h = open(14);
    let a = live_at(&mut h, "A", 5, "e1");
    reconnect(&mut h);
    // The server restarted: a new epoch, and a snapshot that never arrives.
    subscribed(&mut h, a, 2, false, "e2");
    let subs = subscribes(&reconnect(&mut h));
    assert_eq!(subs, [(a, "A".into(), Some(5), Some("e1".into()))]);
    subscribed(&mut h, a, 3, false, "e2");
    snapshot(&mut h, a, 3, SCHEMA);
    let subs = subscribes(&reconnect(&mut h));
    assert_eq!(subs, [(a, "A".into(), Some(3), Some("e2".into()))]);
}
