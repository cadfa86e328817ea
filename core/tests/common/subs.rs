//! The subscription side of the harness: invariants checked on every frame and
//! data event, helpers for scenario tests, and a scripted server for property tests.

use std::collections::{BTreeSet, HashMap};

use leptos_sync_core::machine::{Command, Event, Machine};
use leptos_sync_core::subscriptions::DataEvent;
use leptos_sync_core::{SubscriptionState, SubscriptionStatus, SyncError};
use leptos_sync_protocol::ClientMsg;
use serde_json::json;

use super::{Harness, Socket, msg};

/// The schema hash the tests subscribe with.
pub const SCHEMA: u32 = 0xC0FFEE;

// ---- invariants ----

/// A `subscribe` or `unsubscribe` is about to go out on socket `k` (after its hello/welcome checks).
pub fn check_send(
    machine: &Machine,
    sub_topics: &mut HashMap<u64, String>,
    k: usize,
    sock: &mut Socket,
    msg: &ClientMsg,
) {
    match msg {
        ClientMsg::Subscribe {
            sub,
            topic,
            since,
            epoch,
            ..
        } => {
            assert!(
                machine.subscriptions().state(topic).is_some(),
                "subscribe of {topic} on socket {k}, which has no users"
            );
            sock.retrying.remove(topic);
            if let Some(old) = sock.subs.insert(topic.clone(), *sub) {
                panic!("second live subscribe of {topic} on socket {k}: sub {old}, then sub {sub}");
            }
            let owner = sub_topics.entry(*sub).or_insert_with(|| topic.clone());
            assert_eq!(owner, topic, "sub {sub} reused for another topic");
            assert!(
                since.is_some() || epoch.is_none(),
                "epoch {epoch:?} without since"
            );
        }
        ClientMsg::Unsubscribe { sub } => {
            let topic = sock
                .subs
                .iter()
                .find(|(_, s)| *s == sub)
                .map(|(t, _)| t.clone())
                .unwrap_or_else(|| panic!("unsubscribe of sub {sub}, not live on socket {k}"));
            sock.subs.remove(&topic);
        }
        _ => {}
    }
}

/// Data flows only for topics with users; `Ended` only once the last one left.
pub fn check_data(machine: &Machine, data: &DataEvent) {
    let users = |topic: &str| machine.subscriptions().state(topic).is_some();
    match data {
        DataEvent::Replace { topic, .. }
        | DataEvent::Apply { topic, .. }
        | DataEvent::State { topic, .. } => {
            assert!(users(topic), "{data:?} for a topic without users")
        }
        DataEvent::Ended { topic } => assert!(!users(topic), "Ended while {topic} has users"),
    }
}

/// Open and settled: the topics subscribed on the socket are exactly the
/// topics with users, but for those waiting to retry after `unavailable`.
pub fn check_settled(machine: &Machine, sock: &Socket) {
    let users: BTreeSet<&str> = machine.subscriptions().topics().map(|(t, _)| t).collect();
    let mut live: BTreeSet<&str> = sock.subs.keys().map(String::as_str).collect();
    let retrying = sock.retrying.iter().map(String::as_str);
    live.extend(retrying.filter(|t| users.contains(t)));
    assert_eq!(live, users, "subscribed on the socket vs topics with users");
}

// ---- helpers ----

pub fn subscribe(h: &mut Harness, topic: &str) -> Vec<Command> {
    h.handle(Event::Subscribe {
        topic: topic.into(),
        schema: SCHEMA,
    })
}

pub fn unsubscribe(h: &mut Harness, topic: &str) -> Vec<Command> {
    h.handle(Event::Unsubscribe {
        topic: topic.into(),
    })
}

/// The `subscribe` frames among `cmds`: (sub, topic, since, epoch).
pub fn subscribes(cmds: &[Command]) -> Vec<(u64, String, Option<u64>, Option<String>)> {
    cmds.iter()
        .filter_map(|c| match c {
            Command::Send(ClientMsg::Subscribe {
                sub,
                topic,
                since,
                epoch,
                ..
            }) => Some((*sub, topic.clone(), *since, epoch.clone())),
            _ => None,
        })
        .collect()
}

/// The sub ids of the `unsubscribe` frames among `cmds`.
pub fn unsubscribes(cmds: &[Command]) -> Vec<u64> {
    cmds.iter()
        .filter_map(|c| match c {
            Command::Send(ClientMsg::Unsubscribe { sub }) => Some(*sub),
            _ => None,
        })
        .collect()
}

pub fn data(cmds: &[Command]) -> Vec<DataEvent> {
    cmds.iter()
        .filter_map(|c| match c {
            Command::Data(d) => Some(d.clone()),
            _ => None,
        })
        .collect()
}

/// The `(key, value)` of every `Apply` for `topic`, in order.
pub fn applied(cmds: &[Command], topic: &str) -> Vec<(String, serde_json::Value)> {
    data(cmds)
        .into_iter()
        .filter_map(|d| match d {
            DataEvent::Apply {
                topic: t,
                key,
                value,
            } if t == topic => Some((key, value)),
            _ => None,
        })
        .collect()
}

pub fn replaced(cmds: &[Command], topic: &str) -> bool {
    data(cmds)
        .iter()
        .any(|d| matches!(d, DataEvent::Replace { topic: t, .. } if t == topic))
}

pub fn status(h: &Harness, topic: &str) -> Option<SubscriptionStatus> {
    h.machine.subscriptions().state(topic).map(|s| s.status)
}

/// The statuses `cmds` announced for `topic`, in order.
pub fn statuses(cmds: &[Command], topic: &str) -> Vec<SubscriptionState> {
    data(cmds)
        .into_iter()
        .filter_map(|d| match d {
            DataEvent::State { topic: t, state } if t == topic => Some(state),
            _ => None,
        })
        .collect()
}

pub fn subscribed(
    h: &mut Harness,
    sub: u64,
    seq: u64,
    recovered: bool,
    epoch: &str,
) -> Vec<Command> {
    h.frame(&msg(json!({"type": "subscribed", "sub": sub, "seq": seq,
        "recovered": recovered, "epoch": epoch})))
}

pub fn snapshot(h: &mut Harness, sub: u64, seq: u64, schema: u32) -> Vec<Command> {
    h.frame(&msg(
        json!({"type": "snapshot", "sub": sub, "seq": seq, "schema": schema,
        "entries": {"k": {"seq": seq}}}),
    ))
}

pub fn update(h: &mut Harness, sub: u64, seq: u64) -> Vec<Command> {
    h.frame(&msg(json!({"type": "update", "sub": sub, "seq": seq,
        "key": format!("k{seq}"), "value": seq})))
}

pub fn schema_error(h: &mut Harness, sub: u64, schema: u32) -> Vec<Command> {
    h.frame(&msg(json!({"type": "error", "code": "schema_mismatch",
        "message": "schema differs", "sub": sub, "schema": schema})))
}

pub fn mismatch(cmds: &[Command]) -> Option<SyncError> {
    super::errors(cmds)
        .into_iter()
        .find(|e| matches!(e, SyncError::SchemaHashMismatch { .. }))
}

/// The live sub id of `topic` on the live socket.
pub fn live_sub(h: &Harness, topic: &str) -> u64 {
    let k = h.live.expect("a live socket");
    h.sockets[k].subs[topic]
}
