//! The subscription table: ref-counted per topic, owned by the provider, with
//! resume positions and gap detection.
//!
//! One table for the whole app means N components on a topic make one server
//! subscription, and resubscribing after a reconnect never depends on which
//! component mounted first.
//!
//! A `subscribe` the server answers with `unavailable` (its store failed,
//! nothing was subscribed) is sent again after a short, growing wait, as the
//! outbox does for mutations ([`UNAVAILABLE_RETRY_MS`](crate::outbox::UNAVAILABLE_RETRY_MS)
//! doubling up to [`UNAVAILABLE_RETRY_MAX_MS`](crate::outbox::UNAVAILABLE_RETRY_MAX_MS));
//! the error goes to `last_error` and the status stays `Pending` (or
//! `Recovering`) meanwhile. Other refusals are final: status `Error`.
//!
//! ```
//! use leptos_sync_core::{Event, Machine, MachineOptions, SubscriptionStatus};
//!
//! let mut machine = Machine::new(MachineOptions::default(), || 0.5);
//! // Subscribing while offline is fine: it is sent after the next `welcome`.
//! machine.handle(Event::Subscribe { topic: "Task".into(), schema: 7 }, 0);
//! let state = machine.subscriptions().state("Task").unwrap();
//! assert_eq!(state.status, SubscriptionStatus::Pending);
//! ```

use leptos_sync_protocol::{ClientMsg, ServerMsg, error_code};

use crate::error::SyncError;
use crate::state::Millis;

mod retry;
mod types;

pub use types::{DataEvent, SubscriptionCounters, SubscriptionState, SubscriptionStatus};

/// What the table asks the machine to do.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum SubOut {
    Send(ClientMsg),
    Data(DataEvent),
    Error(SyncError),
}

#[derive(Debug)]
struct Topic {
    sub: u64,
    refs: u32,
    schema: u32,
    state: SubscriptionState,
    /// The last seq applied, and the history epoch it belongs to.
    seq: Option<u64>,
    epoch: Option<String>,
    /// The epoch of a `subscribed{recovered:false}`, adopted with its snapshot:
    /// until then `seq` still belongs to `epoch`, and a resubscribe must not pair
    /// the old seq with the new epoch (the server would replay from the wrong point).
    snapshot_epoch: Option<String>,
    /// A `subscribe` went out on the current connection.
    sent: bool,
    /// `subscribed{recovered:false}` came; updates wait for the snapshot.
    awaiting_snapshot: bool,
    /// Replay target of a recovered resubscribe.
    catch_up_to: Option<u64>,
    /// When a `subscribe` answered `unavailable` is sent again.
    retry_at: Option<Millis>,
    /// `unavailable` answers since the last `subscribed`: how long the next retry waits.
    unavailable: u32,
}

/// Ref-counted subscriptions by topic. See the module docs.
///
/// ```
/// use leptos_sync_core::{Event, Machine, MachineOptions};
///
/// let mut machine = Machine::new(MachineOptions::default(), || 0.5);
/// // Two components on one topic: one server subscription, two users.
/// machine.handle(Event::Subscribe { topic: "Task".into(), schema: 7 }, 0);
/// machine.handle(Event::Subscribe { topic: "Task".into(), schema: 7 }, 0);
/// assert_eq!(machine.subscriptions().topics().collect::<Vec<_>>(), [("Task", 2)]);
/// ```
#[derive(Debug, Default)]
pub struct Subscriptions {
    /// In the order subscribed. An app has a handful of topics: a scan is as
    /// quick as a map, and much less code in the wasm binary.
    topics: Vec<(String, Topic)>,
    next_sub: u64,
    pub(crate) counters: SubscriptionCounters,
}

impl Subscriptions {
    /// Live topics with their user counts.
    ///
    /// ```
    /// use leptos_sync_core::{Event, Machine, MachineOptions};
    ///
    /// let mut machine = Machine::new(MachineOptions::default(), || 0.5);
    /// machine.handle(Event::Subscribe { topic: "Task".into(), schema: 7 }, 0);
    /// machine.handle(Event::Unsubscribe { topic: "Task".into() }, 0);
    /// assert_eq!(machine.subscriptions().topics().count(), 0);
    /// ```
    pub fn topics(&self) -> impl Iterator<Item = (&str, u32)> {
        self.topics.iter().map(|(name, t)| (name.as_str(), t.refs))
    }

    /// The state of a topic's subscription, if it has users.
    ///
    /// ```
    /// use leptos_sync_core::{Event, Machine, MachineOptions, SubscriptionStatus};
    ///
    /// let mut machine = Machine::new(MachineOptions::default(), || 0.5);
    /// assert_eq!(machine.subscriptions().state("Task"), None);
    /// machine.handle(Event::Subscribe { topic: "Task".into(), schema: 7 }, 0);
    /// assert_eq!(machine.subscriptions().state("Task").map(|s| s.status), Some(SubscriptionStatus::Pending));
    /// ```
    pub fn state(&self, topic: &str) -> Option<SubscriptionState> {
        self.position(topic).map(|i| self.topics[i].1.state)
    }

    fn position(&self, topic: &str) -> Option<usize> {
        self.topics.iter().position(|(name, _)| name == topic)
    }

    fn new_sub(&mut self) -> u64 {
        self.next_sub += 1;
        self.next_sub
    }

    /// One more user of `topic`. Sends `subscribe` when it is the first and the connection is open.
    pub(crate) fn add(&mut self, topic: &str, schema: u32, open: bool, out: &mut Vec<SubOut>) {
        if let Some(i) = self.position(topic) {
            self.topics[i].1.refs += 1;
            return;
        }
        let sub = self.new_sub();
        let mut t = Topic {
            sub,
            refs: 1,
            schema,
            state: SubscriptionState::default(),
            seq: None,
            epoch: None,
            snapshot_epoch: None,
            sent: false,
            awaiting_snapshot: false,
            catch_up_to: None,
            retry_at: None,
            unavailable: 0,
        };
        if open {
            t.sent = true;
            out.push(SubOut::Send(subscribe(topic, &t)));
        }
        self.topics.push((topic.to_string(), t));
    }

    /// One user fewer. The last one sends `unsubscribe` (when open) and ends the topic for good.
    pub(crate) fn remove(&mut self, topic: &str, open: bool, out: &mut Vec<SubOut>) {
        let Some(i) = self.position(topic) else {
            return;
        };
        self.topics[i].1.refs -= 1;
        if self.topics[i].1.refs > 0 {
            return;
        }
        let (_, t) = self.topics.remove(i);
        if open && t.sent {
            out.push(SubOut::Send(ClientMsg::Unsubscribe { sub: t.sub }));
        }
        out.push(SubOut::Data(DataEvent::Ended {
            topic: topic.to_string(),
        }));
    }

    /// After `welcome`: each live subscription exactly once, resuming from its last seq.
    pub(crate) fn on_open(&mut self, out: &mut Vec<SubOut>) {
        for (name, t) in &mut self.topics {
            if t.sent {
                continue;
            }
            t.sent = true;
            t.awaiting_snapshot = false;
            t.catch_up_to = None;
            t.retry_at = None;
            let status = if t.seq.is_some() {
                SubscriptionStatus::Recovering
            } else {
                SubscriptionStatus::Pending
            };
            set_status(name, t, status, out);
            out.push(SubOut::Send(subscribe(name, t)));
        }
    }

    /// The connection is gone: the server forgot every subscription; data is kept, marked stale.
    pub(crate) fn on_close(&mut self, out: &mut Vec<SubOut>) {
        for (name, t) in &mut self.topics {
            t.sent = false;
            // `on_open` sends it on the next connection.
            t.retry_at = None;
            let status = match t.state.status {
                SubscriptionStatus::Error => SubscriptionStatus::Error,
                _ if t.seq.is_some() => SubscriptionStatus::Stale,
                _ => SubscriptionStatus::Pending,
            };
            set_status(name, t, status, out);
        }
    }

    /// Handles a subscription frame; frames for unknown, ended or refused subs are ignored.
    pub(crate) fn on_message(&mut self, msg: ServerMsg, now: Millis, out: &mut Vec<SubOut>) {
        let sub = match &msg {
            ServerMsg::Subscribed { sub, .. }
            | ServerMsg::Snapshot { sub, .. }
            | ServerMsg::Update { sub, .. } => *sub,
            ServerMsg::Error { sub: Some(sub), .. } => *sub,
            _ => return,
        };
        // A sub refused `unavailable` is not subscribed until its retry: its frames are late.
        let live = |t: &Topic| t.sub == sub && t.sent;
        let Some((name, t)) = self.topics.iter_mut().find(|(_, t)| live(t)) else {
            return;
        };
        let name = name.clone();
        match msg {
            ServerMsg::Subscribed {
                seq,
                recovered,
                epoch,
                ..
            } => {
                t.unavailable = 0;
                t.state.recovered = Some(recovered);
                if recovered {
                    t.epoch = epoch;
                } else {
                    t.snapshot_epoch = epoch;
                }
                if recovered && t.seq.is_some_and(|last| last < seq) {
                    t.catch_up_to = Some(seq);
                    set_status(&name, t, SubscriptionStatus::Recovering, out);
                } else if recovered {
                    set_status(&name, t, SubscriptionStatus::Live, out);
                } else {
                    t.awaiting_snapshot = true;
                }
            }
            ServerMsg::Snapshot {
                seq,
                schema,
                entries,
                ..
            } => {
                t.awaiting_snapshot = false;
                if schema != t.schema {
                    out.push(SubOut::Error(SyncError::SchemaHashMismatch {
                        component_name: name.clone(),
                        expected: t.schema,
                        actual: schema,
                    }));
                    set_status(&name, t, SubscriptionStatus::Error, out);
                    return;
                }
                t.seq = Some(seq);
                t.epoch = t.snapshot_epoch.take();
                t.catch_up_to = None;
                self.counters.snapshots += 1;
                out.push(SubOut::Data(DataEvent::Replace {
                    topic: name.clone(),
                    entries,
                }));
                set_status(&name, t, SubscriptionStatus::Live, out);
            }
            ServerMsg::Update {
                seq, key, value, ..
            } => {
                if t.awaiting_snapshot {
                    return; // the snapshot covers it
                }
                // Refused (schema mismatch, server error): its updates are not
                // ours to apply, and must not count as gaps, or every update
                // would resubscribe and draw the same refusal again.
                if t.state.status == SubscriptionStatus::Error {
                    return;
                }
                // Compare before adding: after a hostile `seq: u64::MAX`
                // (snapshot or update), `last + 1` would overflow, a panic in
                // debug builds (found by the chaos suite's bad frames).
                if t.seq.is_some_and(|last| seq <= last) {
                    self.counters.duplicates += 1;
                    return;
                }
                // Here last < seq <= u64::MAX, so last + 1 cannot overflow.
                let next = t.seq.map_or(1, |last| last + 1);
                if seq > next {
                    self.counters.gaps += 1;
                    self.heal(&name, out);
                    return;
                }
                t.seq = Some(seq);
                self.counters.updates += 1;
                out.push(SubOut::Data(DataEvent::Apply {
                    topic: name.clone(),
                    key,
                    value,
                }));
                if t.catch_up_to.is_some_and(|target| seq >= target) {
                    t.catch_up_to = None;
                    set_status(&name, t, SubscriptionStatus::Live, out);
                }
            }
            ServerMsg::Error {
                code,
                message,
                schema,
                ..
            } => {
                let error = match schema {
                    Some(actual) if code == error_code::SCHEMA_MISMATCH => {
                        SyncError::SchemaHashMismatch {
                            component_name: name.clone(),
                            expected: t.schema,
                            actual,
                        }
                    }
                    _ => SyncError::from_server(code, message),
                };
                let retry = error.is_unavailable();
                out.push(SubOut::Error(error));
                if retry {
                    retry::schedule(t, now);
                } else {
                    set_status(&name, t, SubscriptionStatus::Error, out);
                }
            }
            _ => {}
        }
    }

    /// Resubscribes under a new sub id from the last applied seq, so the
    /// server replays what was missed and late frames of the old sub are ignored.
    fn heal(&mut self, name: &str, out: &mut Vec<SubOut>) {
        let sub = self.new_sub();
        let i = self.position(name).expect("present");
        let t = &mut self.topics[i].1;
        let old = std::mem::replace(&mut t.sub, sub);
        t.catch_up_to = None;
        t.awaiting_snapshot = false;
        out.push(SubOut::Send(ClientMsg::Unsubscribe { sub: old }));
        set_status(name, t, SubscriptionStatus::Recovering, out);
        out.push(SubOut::Send(subscribe(name, t)));
    }
}

fn subscribe(topic: &str, t: &Topic) -> ClientMsg {
    ClientMsg::Subscribe {
        sub: t.sub,
        topic: topic.to_string(),
        schema: t.schema,
        since: t.seq,
        epoch: t.seq.and(t.epoch.clone()),
    }
}

fn set_status(topic: &str, t: &mut Topic, status: SubscriptionStatus, out: &mut Vec<SubOut>) {
    if t.state.status == status {
        return;
    }
    t.state.status = status;
    out.push(SubOut::Data(DataEvent::State {
        topic: topic.to_string(),
        state: t.state,
    }));
}
