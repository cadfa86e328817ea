#![cfg(not(target_arch = "wasm32"))]
//! Topics with a parameter (`Task:<board>`) in the subscription table: each
//! is a topic of its own, ref-counted, recovered and epoch-checked on its
//! own. A component whose parameter changes joins the new topic and then
//! leaves the old one (what the client's `use_sync_component_in` does), so
//! however fast it switches, one subscription is left, on the last parameter.
//! The harness checks on every step that no topic has two live `subscribe`s,
//! none goes out for a topic without users, and no data flows for one.

mod common;

use common::subs::*;
use common::{Harness, sends};
use leptos_sync_core::machine::{Command, MachineOptions};
use leptos_sync_core::subscriptions::DataEvent;
use leptos_sync_core::{SubscriptionState, SubscriptionStatus};
use leptos_sync_protocol::{close_code, topic};

use SubscriptionStatus::*;

fn open(seed: u64) -> Harness {
    let mut h = Harness::new(MachineOptions::default(), seed);
    h.open();
    h.establish(None);
    h
}

/// One component's parameter changes from `from` to `to`: join, then leave.
fn switch(h: &mut Harness, from: &str, to: &str) -> Vec<Command> {
    let mut cmds = subscribe(h, to);
    cmds.extend(unsubscribe(h, from));
    cmds
}

/// The topics subscribed on the live socket, with their sub ids.
fn live_subs(h: &Harness) -> Vec<(String, u64)> {
    let k = h.live.expect("a live socket");
    h.sockets[k]
        .subs
        .iter()
        .map(|(t, s)| (t.clone(), *s))
        .collect()
}

fn board(name: &str) -> String {
    topic::join("Task", name)
}

#[test]
fn a_to_b_to_a_in_one_tick_ends_with_one_fresh_subscription_on_a() {
    let mut h = open(1);
    let (a, b) = (board("a"), board("b"));
    let first = subscribes(&subscribe(&mut h, &a))[0].0;
    subscribed(&mut h, first, 3, false, "e1");
    snapshot(&mut h, first, 3, SCHEMA);
    assert_eq!(status(&h, &a), Some(Live));

    // A → B → A before any answer: no time passes between the events.
    let mut cmds = switch(&mut h, &a, &b);
    cmds.extend(switch(&mut h, &b, &a));
    let subs = subscribes(&cmds);
    assert_eq!(
        subs.iter().map(|s| s.1.as_str()).collect::<Vec<_>>(),
        [b.as_str(), a.as_str()]
    );
    // A was left by its only user: its store ended, and the new A starts afresh.
    assert!(data(&cmds).contains(&DataEvent::Ended { topic: a.clone() }));
    assert!(data(&cmds).contains(&DataEvent::Ended { topic: b.clone() }));
    let again = subs[1].0;
    assert_ne!(
        again, first,
        "a new sub id, so late frames of the old one are ignored"
    );
    assert_eq!(
        (subs[1].2, subs[1].3.clone()),
        (None, None),
        "no resume position"
    );
    assert_eq!(live_subs(&h), [(a.clone(), again)]);
    assert_eq!(
        h.machine.subscriptions().topics().collect::<Vec<_>>(),
        [(a.as_str(), 1)]
    );

    // Late answers of the old subs are ignored; the new one's snapshot applies.
    assert!(data(&update(&mut h, first, 4)).is_empty());
    assert!(data(&snapshot(&mut h, subs[0].0, 9, SCHEMA)).is_empty());
    subscribed(&mut h, again, 4, false, "e1");
    assert!(replaced(&snapshot(&mut h, again, 4, SCHEMA), &a));
    assert_eq!(status(&h, &a), Some(Live));
}

#[test]
fn fifty_switches_while_answers_arrive_late_leave_one_subscription_on_the_last() {
    let mut h = open(2);
    let params: Vec<String> = (0..50).map(|i| board(&format!("p{}", i % 7))).collect();
    subscribe(&mut h, &params[0]);
    let mut current = params[0].clone();
    let mut sent = Vec::new();
    for (i, next) in params.iter().enumerate().skip(1) {
        let cmds = switch(&mut h, &current, next);
        sent.extend(subscribes(&cmds));
        // Every third switch, the server answers one earlier subscribe, late.
        if i % 3 == 0 {
            let (sub, _, _, _) = sent[sent.len() / 2];
            subscribed(&mut h, sub, 1, false, "e");
            snapshot(&mut h, sub, 1, SCHEMA);
        }
        current = next.clone();
        h.advance(20); // 50 switches in one second
    }
    let last = params.last().unwrap();
    let live = live_subs(&h);
    assert_eq!(live.len(), 1, "{live:?}");
    assert_eq!(&live[0].0, last);
    assert_eq!(
        h.machine.subscriptions().topics().collect::<Vec<_>>(),
        [(last.as_str(), 1)]
    );
    let sub = live[0].1;
    subscribed(&mut h, sub, 5, false, "e");
    assert!(replaced(&snapshot(&mut h, sub, 5, SCHEMA), last));
    assert_eq!(status(&h, last), Some(Live));
}

#[test]
fn leaving_a_parameter_another_component_uses_keeps_its_subscription() {
    let mut h = open(3);
    let (a, b) = (board("a"), board("b"));
    let cmds = subscribe(&mut h, &a);
    subscribe(&mut h, &a); // a second component on board a
    let sub_a = subscribes(&cmds)[0].0;
    let cmds = switch(&mut h, &a, &b);
    assert!(
        unsubscribes(&cmds).is_empty(),
        "a still has a user: {cmds:?}"
    );
    assert!(!data(&cmds).contains(&DataEvent::Ended { topic: a.clone() }));
    let mut live = live_subs(&h);
    live.sort();
    assert_eq!(live.len(), 2);
    assert_eq!(live[0], (a.clone(), sub_a));
    assert_eq!(live[1].0, b);
    // The second component leaves too: now a goes.
    assert_eq!(unsubscribes(&unsubscribe(&mut h, &a)), [sub_a]);
    assert_eq!(live_subs(&h).len(), 1);
}

#[test]
fn each_parameter_recovers_from_its_own_seq_and_epoch() {
    let mut h = open(4);
    let (a, b) = (board("a"), board("b"));
    for (topic, seq, epoch) in [(&a, 3, "ea"), (&b, 8, "eb")] {
        let sub = subscribes(&subscribe(&mut h, topic))[0].0;
        subscribed(&mut h, sub, seq, false, epoch);
        snapshot(&mut h, sub, seq, SCHEMA);
    }
    h.close(close_code::ABNORMAL, "");
    assert_eq!(status(&h, &a), Some(Stale));
    h.fire_next().expect("a reconnect timer");
    h.socket_opened();
    h.token();
    let cmds = h.welcome(None);
    let mut subs: Vec<_> = subscribes(&cmds)
        .into_iter()
        .map(|(_, t, since, epoch)| (t, since, epoch))
        .collect();
    subs.sort();
    assert_eq!(
        subs,
        [
            (a.clone(), Some(3), Some("ea".to_string())),
            (b.clone(), Some(8), Some("eb".to_string())),
        ]
    );
    // Board a's history is gone (new epoch): only a is replaced.
    let sub_a = live_subs(&h).iter().find(|(t, _)| *t == a).unwrap().1;
    subscribed(&mut h, sub_a, 4, false, "ea2");
    let cmds = snapshot(&mut h, sub_a, 4, SCHEMA);
    assert!(replaced(&cmds, &a) && !replaced(&cmds, &b));
    let live = SubscriptionState {
        status: Live,
        recovered: Some(false),
    };
    assert_eq!(h.machine.subscriptions().state(&a), Some(live));
    assert_eq!(status(&h, &b), Some(Recovering));
}

#[test]
fn switching_while_offline_sends_only_the_last_parameter_after_welcome() {
    let mut h = Harness::new(MachineOptions::default(), 5);
    subscribe(&mut h, &board("a"));
    let mut current = board("a");
    for next in ["b", "c", "a", "d"].map(board) {
        assert!(
            sends(&switch(&mut h, &current, &next)).is_empty(),
            "offline"
        );
        current = next;
    }
    h.open();
    h.socket_opened();
    h.token();
    let subs = subscribes(&h.welcome(None));
    assert_eq!(subs.len(), 1, "{subs:?}");
    assert_eq!(subs[0].1, board("d"));
}

#[test]
fn the_parameterless_topic_and_an_empty_parameter_are_other_topics() {
    let mut h = open(6);
    let cmds: Vec<_> = ["Task", "Task:", "Task:a"]
        .into_iter()
        .flat_map(|t| subscribe(&mut h, t))
        .collect();
    let topics: Vec<_> = subscribes(&cmds).into_iter().map(|s| s.1).collect();
    assert_eq!(topics, ["Task", "Task:", "Task:a"]);
    unsubscribe(&mut h, "Task:");
    assert_eq!(status(&h, "Task"), Some(Pending));
    assert_eq!(status(&h, "Task:"), None);
}
