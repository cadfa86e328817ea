//! A scripted server for property tests. Topics keep their seq and epoch across
//! connections; the server answers the client's subscribes honestly (it replays
//! only from a `since` of its own epoch) and models what the client applied, so
//! every `subscribe` is checked for the right `since` and `epoch`, every update
//! for the right effect (apply, ignore as duplicate, heal a gap), and frames
//! for subs the client dropped for having no effect at all. While the
//! connection is not Open it plays the next step of the handshake instead.

use std::collections::BTreeMap;

use leptos_sync_core::SubscriptionStatus;
use leptos_sync_core::machine::Command;
use leptos_sync_core::subscriptions::DataEvent;
use leptos_sync_protocol::ClientMsg;
use proptest::prelude::*;

use super::subs::*;
use super::{Harness, Phase};

pub const TOPICS: [&str; 3] = ["A", "B", "C"];

/// What the server does next; `usize`s pick among the eligible subs.
#[derive(Debug, Clone)]
pub enum ServerStep {
    /// Answer a `subscribe`, recovering from history if it can and `true`;
    /// one time in ten, answer a fresh one `unavailable` instead (the client
    /// sends it again later).
    Subscribed(usize, bool),
    /// The snapshot an unrecovered sub waits for; `true` with another schema.
    Snapshot(usize, bool),
    /// A change to a topic, sent to its sub.
    Update(usize, Delta),
    /// Refuse a sub: `schema_mismatch` with another schema.
    Refuse(usize),
    /// A frame for a sub id that is not live on the socket.
    OldSub(usize),
    /// The server restarts: the connection drops with 1012, every topic starts a new epoch at seq 0.
    Restart,
}

/// A random server step.
pub fn step() -> impl Strategy<Value = ServerStep> {
    let delta =
        prop_oneof![3 => Just(Delta::Next), 2 => Just(Delta::Duplicate), 1 => Just(Delta::Gap)];
    prop_oneof![
        8 => (any::<usize>(), prop::bool::weighted(0.8)).prop_map(|(i, r)| ServerStep::Subscribed(i, r)),
        6 => (any::<usize>(), prop::bool::weighted(0.05)).prop_map(|(i, b)| ServerStep::Snapshot(i, b)),
        16 => (any::<usize>(), delta).prop_map(|(i, d)| ServerStep::Update(i, d)),
        1 => any::<usize>().prop_map(ServerStep::Refuse),
        2 => any::<usize>().prop_map(ServerStep::OldSub),
        1 => Just(ServerStep::Restart),
    ]
}

#[derive(Debug, Clone, Copy)]
pub enum Delta {
    Next,
    Duplicate,
    Gap,
}

#[derive(Debug)]
struct Sub {
    topic: String,
    since: Option<u64>,
    epoch: Option<String>,
    /// `Some(recovered)` once answered.
    answered: Option<bool>,
    /// Data flows: recovered, or its snapshot was sent.
    flowing: bool,
}

/// How often each kind of frame had its effect, for coverage.
#[derive(Debug, Default, Clone, Copy)]
pub struct Counts {
    pub replays: u32,
    pub snapshots: u32,
    pub duplicates: u32,
    pub gaps: u32,
    pub refused: u32,
    /// Subscribes answered `unavailable`, then sent again by the client.
    pub unavailable: u32,
    pub old_subs: u32,
    pub resubscribes: u32,
}

impl Counts {
    pub fn add(&mut self, o: Counts) {
        self.replays += o.replays;
        self.snapshots += o.snapshots;
        self.duplicates += o.duplicates;
        self.gaps += o.gaps;
        self.refused += o.refused;
        self.unavailable += o.unavailable;
        self.old_subs += o.old_subs;
        self.resubscribes += o.resubscribes;
    }
}

#[derive(Debug, Default)]
pub struct Server {
    epoch: u32,
    seq: BTreeMap<String, u64>,
    /// The socket `subs` belong to; the server forgets them when it changes.
    socket: Option<usize>,
    subs: BTreeMap<u64, Sub>,
    /// What the client applied last per topic: (seq, epoch).
    applied: BTreeMap<String, (u64, u32)>,
    pub counts: Counts,
}

/// A `subscribe` not answered yet, and not a resume.
fn fresh(s: &Sub) -> bool {
    s.answered.is_none() && s.since.is_none()
}

fn pick<T: Copy>(items: &[T], i: usize) -> Option<T> {
    (!items.is_empty()).then(|| items[i % items.len()])
}

impl Server {
    fn epoch_name(&self) -> String {
        format!("e{}", self.epoch)
    }

    fn eligible(&self, pred: impl Fn(&Sub) -> bool) -> Vec<u64> {
        self.subs
            .iter()
            .filter(|(_, s)| pred(s))
            .map(|(id, _)| *id)
            .collect()
    }

    /// Sees what the client did in a step: new sockets, subscribes, unsubscribes, ended topics.
    pub fn observe(&mut self, h: &Harness, cmds: &[Command]) {
        if h.live != self.socket {
            self.socket = h.live;
            self.subs.clear();
        }
        for c in cmds {
            match c {
                Command::Send(ClientMsg::Subscribe {
                    sub,
                    topic,
                    since,
                    epoch,
                    ..
                }) => {
                    let last = self.applied.get(topic);
                    assert_eq!(*since, last.map(|a| a.0), "since of {topic}");
                    let want = last.map(|a| format!("e{}", a.1));
                    assert_eq!(*epoch, want, "epoch of {topic} at since {since:?}");
                    if since.is_some() {
                        self.counts.resubscribes += 1;
                    }
                    let sub_state = Sub {
                        topic: topic.clone(),
                        since: *since,
                        epoch: epoch.clone(),
                        answered: None,
                        flowing: false,
                    };
                    self.subs.insert(*sub, sub_state);
                }
                Command::Send(ClientMsg::Unsubscribe { sub }) => {
                    self.subs.remove(sub);
                }
                Command::Data(DataEvent::Ended { topic }) => {
                    self.applied.remove(topic);
                }
                _ => {}
            }
        }
    }

    /// Plays `step` if it is possible now; returns every command it caused.
    pub fn serve(&mut self, h: &mut Harness, step: &ServerStep) -> Vec<Command> {
        if let ServerStep::Restart = step {
            self.epoch += 1;
            self.seq.clear();
            return match h.live {
                Some(_) => h.close(1012, "restart"),
                None => vec![],
            };
        }
        if !h.state().is_open() {
            return handshake(h);
        }
        let epoch = self.epoch_name();
        match *step {
            // Fresh ones only: a resume is left to replay (the scenario tests
            // cover a resume answered `unavailable`).
            ServerStep::Subscribed(i, _) if i % 10 == 9 && !self.eligible(fresh).is_empty() => {
                let id = pick(&self.eligible(fresh), i / 10).unwrap();
                let topic = self.subs.remove(&id).unwrap().topic;
                let before = status(h, &topic);
                let cmds = h.frame(&super::msg(serde_json::json!({"type": "error",
                    "code": "unavailable", "message": "store down", "sub": id})));
                assert_eq!(status(h, &topic), before, "{cmds:?}");
                assert!(
                    h.machine
                        .deadline(leptos_sync_core::Timer::Outbox)
                        .is_some()
                );
                self.counts.unavailable += 1;
                cmds
            }
            ServerStep::Subscribed(i, want) => {
                let Some(id) = pick(&self.eligible(|s| s.answered.is_none()), i) else {
                    return vec![];
                };
                let seq = *self.seq.get(&self.subs[&id].topic).unwrap_or(&0);
                let s = self.subs.get_mut(&id).unwrap();
                let since = s
                    .since
                    .filter(|since| want && s.epoch.as_deref() == Some(&epoch) && *since <= seq);
                s.answered = Some(since.is_some());
                s.flowing = since.is_some();
                let topic = s.topic.clone();
                let mut cmds = subscribed(h, id, seq, since.is_some(), &epoch);
                if let Some(since) = since {
                    for n in since + 1..=seq {
                        let got = update(h, id, n);
                        assert_eq!(applied(&got, &topic).len(), 1, "replay {n}: {got:?}");
                        self.applied.insert(topic.clone(), (n, self.epoch));
                        cmds.extend(got);
                    }
                    assert_eq!(status(h, &topic), Some(SubscriptionStatus::Live));
                    self.counts.replays += 1;
                }
                cmds
            }
            ServerStep::Snapshot(i, bad) => {
                let waiting = self.eligible(|s| s.answered == Some(false) && !s.flowing);
                let Some(id) = pick(&waiting, i) else {
                    return vec![];
                };
                let topic = self.subs[&id].topic.clone();
                let seq = *self.seq.get(&topic).unwrap_or(&0);
                let cmds = snapshot(h, id, seq, if bad { SCHEMA ^ 1 } else { SCHEMA });
                assert_eq!(replaced(&cmds, &topic), !bad, "{cmds:?}");
                assert_eq!(mismatch(&cmds).is_some(), bad, "{cmds:?}");
                if bad {
                    self.subs.remove(&id);
                    self.counts.refused += 1;
                } else {
                    self.subs.get_mut(&id).unwrap().flowing = true;
                    self.applied.insert(topic.clone(), (seq, self.epoch));
                    self.counts.snapshots += 1;
                }
                cmds
            }
            ServerStep::Update(i, delta) => self.update(h, i, delta),
            ServerStep::Refuse(i) => {
                let Some(id) = pick(&self.eligible(|_| true), i) else {
                    return vec![];
                };
                let topic = self.subs.remove(&id).unwrap().topic;
                let cmds = schema_error(h, id, SCHEMA ^ 2);
                assert!(mismatch(&cmds).is_some(), "{cmds:?}");
                assert_eq!(status(h, &topic), Some(SubscriptionStatus::Error));
                self.counts.refused += 1;
                cmds
            }
            ServerStep::OldSub(i) => {
                let live = &h.sockets[h.live.unwrap()].subs;
                let mut old: Vec<u64> = h.sub_topics.keys().copied().collect();
                old.retain(|id| !live.values().any(|l| l == id));
                old.sort();
                let Some(id) = pick(&old, i) else {
                    return vec![];
                };
                let cmds = match i % 3 {
                    0 => update(h, id, i as u64),
                    1 => snapshot(h, id, i as u64, SCHEMA),
                    _ => subscribed(h, id, i as u64, i % 2 == 0, &epoch),
                };
                assert!(cmds.is_empty(), "frame for old sub {id}: {cmds:?}");
                self.counts.old_subs += 1;
                cmds
            }
            ServerStep::Restart => unreachable!(),
        }
    }

    fn update(&mut self, h: &mut Harness, i: usize, delta: Delta) -> Vec<Command> {
        let Some(id) = pick(&self.eligible(|s| s.flowing), i) else {
            return vec![];
        };
        let topic = self.subs[&id].topic.clone();
        let seq = self.seq.entry(topic.clone()).or_insert(0);
        let last = self.applied.get(&topic).map(|a| a.0);
        assert_eq!(last, Some(*seq), "the client is caught up on {topic}");
        let sent = match delta {
            Delta::Next => *seq + 1,
            Delta::Duplicate if *seq == 0 => return vec![],
            Delta::Duplicate => *seq - (i as u64 % *seq),
            Delta::Gap => *seq + 2,
        };
        *seq = (*seq).max(sent);
        let cmds = update(h, id, sent);
        match delta {
            Delta::Next => {
                assert_eq!(applied(&cmds, &topic).len(), 1, "{cmds:?}");
                assert!(sends(&cmds).is_empty(), "{cmds:?}");
                self.applied.insert(topic, (sent, self.epoch));
            }
            Delta::Duplicate => {
                assert!(cmds.is_empty(), "duplicate {sent}: {cmds:?}");
                self.counts.duplicates += 1;
            }
            Delta::Gap => {
                // The client resubscribes from what it applied (checked in `observe`).
                assert!(applied(&cmds, &topic).is_empty(), "{cmds:?}");
                assert_eq!(unsubscribes(&cmds), [id]);
                assert_eq!(subscribes(&cmds).len(), 1, "{cmds:?}");
                assert_eq!(status(h, &topic), Some(SubscriptionStatus::Recovering));
                self.counts.gaps += 1;
            }
        }
        cmds
    }
}

/// An eager peer: the next step of the handshake, if one is due.
fn handshake(h: &mut Harness) -> Vec<Command> {
    let Some(k) = h.live else { return vec![] };
    let sock = &h.sockets[k];
    match sock.phase {
        Phase::Connecting => h.socket_opened(),
        Phase::Open if h.pending_tokens > 0 => h.token(),
        Phase::Open if !sock.sent.is_empty() && !sock.welcomed => h.welcome(None),
        _ => vec![],
    }
}

fn sends(cmds: &[Command]) -> Vec<&ClientMsg> {
    super::sends(cmds)
}
