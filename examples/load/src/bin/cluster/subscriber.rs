//! A subscriber as the real client behaves: it follows a few topics on one
//! node, applies every update in seq order, and on a close or a failed
//! connect goes to another node and resubscribes with `since`/`epoch`.
//! It checks what it applies: seqs contiguous within an epoch (a snapshot
//! restarts the count), each mutation id once per epoch, and a resume after
//! a node crash answered `recovered: true`.

use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::Relaxed};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use leptos_sync_load::client::{SCHEMA, Ws, hello};
use leptos_sync_protocol::close_code::TRY_AGAIN_LATER;
use leptos_sync_protocol::{ClientMsg, ServerMsg};
use serde_json::{Map, Value};
use tokio_tungstenite::connect_async;
use tokio_tungstenite::tungstenite::Message;

use crate::procs::Shared;

/// The seq of the update a node sends when its clients must start over
/// (PROTOCOL.md, "Sequence numbers and recovery").
const RESYNC: u64 = u64::MAX;

/// What a subscriber holds of one topic.
#[derive(Default, Clone)]
pub struct Held {
    pub epoch: Option<String>,
    pub seq: Option<u64>,
    pub entries: Map<String, Value>,
    ids: HashSet<String>,
    sub: u64,
}

/// One subscriber's state, read by the checks.
#[derive(Default)]
pub struct Subscriber {
    pub held: Mutex<Vec<Held>>,
    /// Connected with every topic subscribed.
    pub live: AtomicBool,
    pub applied: AtomicU64,
    pub snapshots: AtomicU64,
    pub epoch_changes: AtomicU64,
    pub resumes: AtomicU64,
    pub recovered: AtomicU64,
    pub crash_resumes: AtomicU64,
    /// Closes with 1013 (the node lost Redis).
    pub try_again: AtomicU64,
}

/// Runs subscriber `me` until `shared.stop`.
pub async fn run(me: usize, topics: Vec<String>, state: Arc<Subscriber>, shared: Arc<Shared>) {
    *state.held.lock().unwrap() = vec![Held::default(); topics.len()];
    let (mut node, mut next_sub, mut crashed) = (None, 1u64, false);
    while !shared.stopping() {
        let Some((n, addr)) = shared.pick(node) else {
            tokio::time::sleep(Duration::from_millis(100)).await;
            continue;
        };
        node = Some(n);
        let url = format!("ws://{addr}/ws?client=cluster-sub-{me}");
        let step = Duration::from_secs(5);
        let Ok(Ok((mut ws, _))) = tokio::time::timeout(step, connect_async(url)).await else {
            tokio::time::sleep(Duration::from_millis(100)).await;
            continue;
        };
        if tokio::time::timeout(step, hello(&mut ws))
            .await
            .is_ok_and(|r| r.is_ok())
        {
            shared.on_node[n].fetch_add(1, Relaxed);
            let mut s = Session {
                me,
                topics: &topics,
                state: &state,
                shared: &shared,
                crashed,
            };
            crashed = s.follow(&mut ws, &mut next_sub).await;
            shared.on_node[n].fetch_sub(1, Relaxed);
            state.live.store(false, Relaxed);
        }
        tokio::time::sleep(Duration::from_millis(50 + fastrand::u64(..150))).await;
    }
}

struct Session<'a> {
    me: usize,
    topics: &'a [String],
    state: &'a Subscriber,
    shared: &'a Shared,
    /// The last connection ended with no close frame (a killed node).
    crashed: bool,
}

impl Session<'_> {
    /// Subscribes to every topic and applies what comes until the socket
    /// ends; returns whether it ended without a close frame.
    async fn follow(&mut self, ws: &mut Ws, next_sub: &mut u64) -> bool {
        for t in 0..self.topics.len() {
            if self.subscribe(ws, t, next_sub).await.is_err() {
                return false;
            }
        }
        let mut answered = 0;
        loop {
            let msg = tokio::select! {
                msg = ws.next() => msg,
                _ = tokio::time::sleep(Duration::from_millis(200)) => {
                    if self.shared.stopping() { return false; }
                    continue;
                }
            };
            let text = match msg {
                Some(Ok(Message::Text(t))) => t,
                Some(Ok(Message::Close(f))) => {
                    if f.is_some_and(|f| u16::from(f.code) == TRY_AGAIN_LATER) {
                        self.state.try_again.fetch_add(1, Relaxed);
                    }
                    return false;
                }
                Some(Ok(_)) => continue,
                Some(Err(_)) | None => return true,
            };
            match ServerMsg::decode(&text) {
                Ok(ServerMsg::Subscribed {
                    sub,
                    seq,
                    recovered,
                    epoch,
                }) => {
                    answered += 1;
                    self.subscribed(sub, seq, recovered, epoch);
                    if answered >= self.topics.len() {
                        self.crashed = false;
                        self.state.live.store(true, Relaxed);
                    }
                }
                Ok(ServerMsg::Snapshot {
                    sub, seq, entries, ..
                }) => self.snapshot(sub, seq, entries),
                Ok(ServerMsg::Update {
                    sub, seq: RESYNC, ..
                }) => {
                    // The node lost track (another epoch): resubscribe, as the client does on a gap.
                    let Some(t) = self.topic_of(sub) else {
                        continue;
                    };
                    let _ = send(ws, ClientMsg::Unsubscribe { sub }).await;
                    if self.subscribe(ws, t, next_sub).await.is_err() {
                        return false;
                    }
                }
                Ok(ServerMsg::Update {
                    sub,
                    seq,
                    key,
                    value,
                }) => self.update(sub, seq, key, value),
                Ok(ServerMsg::Error { code, message, .. }) => {
                    // Redis away: start over on another node, as after a 1013.
                    if code != "unavailable" {
                        self.shared
                            .violation(format!("sub {}: error {code}: {message}", self.me));
                    }
                    return false;
                }
                Ok(_) => {}
                Err(e) => self
                    .shared
                    .violation(format!("sub {}: undecodable {e}", self.me)),
            }
        }
    }

    fn topic_of(&self, sub: u64) -> Option<usize> {
        self.state
            .held
            .lock()
            .unwrap()
            .iter()
            .position(|h| h.sub == sub)
    }

    async fn subscribe(&self, ws: &mut Ws, t: usize, next_sub: &mut u64) -> Result<(), String> {
        let (since, epoch) = {
            let mut held = self.state.held.lock().unwrap();
            held[t].sub = *next_sub;
            (held[t].seq, held[t].epoch.clone())
        };
        let sub = *next_sub;
        *next_sub += 1;
        let topic = self.topics[t].clone();
        send(
            ws,
            ClientMsg::Subscribe {
                sub,
                topic,
                schema: SCHEMA,
                since,
                epoch,
            },
        )
        .await
    }

    fn subscribed(&self, sub: u64, seq: u64, recovered: bool, epoch: Option<String>) {
        let Some(t) = self.topic_of(sub) else { return };
        let held = &mut self.state.held.lock().unwrap()[t];
        let resuming = held.seq.is_some();
        if resuming {
            self.state.resumes.fetch_add(1, Relaxed);
        }
        if recovered {
            self.state.recovered.fetch_add(1, Relaxed);
            if epoch != held.epoch || held.seq.is_none_or(|s| s > seq) {
                let why = format!(
                    "recovered at {seq} {epoch:?} from {:?} {:?}",
                    held.seq, held.epoch
                );
                self.shared
                    .violation(format!("sub {} {}: {why}", self.me, self.topics[t]));
            }
        }
        // A node crash is the one fault that keeps the epoch: history must cover the resume.
        if resuming && self.crashed && epoch == held.epoch {
            self.state.crash_resumes.fetch_add(1, Relaxed);
            if !recovered {
                self.shared.violation(format!(
                    "sub {} {}: resume after a node crash from {:?} to {seq} was not recovered",
                    self.me, self.topics[t], held.seq
                ));
            }
        }
        if epoch != held.epoch && held.epoch.is_some() {
            self.state.epoch_changes.fetch_add(1, Relaxed);
            held.ids.clear();
        }
        held.epoch = epoch;
    }

    fn snapshot(&self, sub: u64, seq: u64, entries: Map<String, Value>) {
        let Some(t) = self.topic_of(sub) else { return };
        self.state.snapshots.fetch_add(1, Relaxed);
        let held = &mut self.state.held.lock().unwrap()[t];
        held.seq = Some(seq);
        held.entries = entries;
    }

    fn update(&self, sub: u64, seq: u64, key: String, value: Value) {
        let Some(t) = self.topic_of(sub) else { return };
        let held = &mut self.state.held.lock().unwrap()[t];
        let want = held.seq.map_or(1, |s| s + 1);
        if seq != want {
            let what = if seq < want { "duplicate" } else { "lost" };
            self.shared.violation(format!(
                "sub {} {}: {what}: got seq {seq}, expected {want} (epoch {:?})",
                self.me, self.topics[t], held.epoch
            ));
            if seq < want {
                return;
            }
        }
        if let Some(id) = value.get("id").and_then(Value::as_str)
            && !held.ids.insert(id.to_owned())
        {
            self.shared.violation(format!(
                "sub {} {}: mutation {id} applied twice (seq {seq})",
                self.me, self.topics[t]
            ));
        }
        held.seq = Some(seq);
        if value.is_null() {
            held.entries.remove(&key);
        } else {
            held.entries.insert(key, value);
        }
        self.state.applied.fetch_add(1, Relaxed);
    }
}

pub async fn send(ws: &mut Ws, msg: ClientMsg) -> Result<(), String> {
    let sent = ws.send(Message::text(msg.encode()));
    match tokio::time::timeout(Duration::from_secs(5), sent).await {
        Ok(r) => r.map_err(|e| e.to_string()),
        Err(_) => Err("send timed out".into()),
    }
}
