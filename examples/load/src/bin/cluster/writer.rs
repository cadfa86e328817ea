//! A writer: sends mutations with unique ids to random keys of its own on a
//! random node, one at a time (so a refused or re-sent one never overtakes
//! a later one), and after a close or a failed connect re-sends the unacked
//! one, with the same id, to another node.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::Relaxed};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::StreamExt;
use leptos_sync_load::client::hello;
use leptos_sync_protocol::{ClientMsg, ServerMsg};
use serde_json::{Value, json};
use tokio_tungstenite::connect_async;
use tokio_tungstenite::tungstenite::Message;

use crate::procs::Shared;
use crate::subscriber::send;

/// Keys each writer owns in each topic.
pub const KEYS: usize = 4;

/// One writer's state, read by the checks.
#[derive(Default)]
pub struct Writer {
    /// Set by the fault injector: write every key once more, then stop.
    pub finish: AtomicBool,
    /// The final round is acked.
    pub done: AtomicBool,
    /// (topic, key) -> the last value acked.
    pub expected: Mutex<BTreeMap<(String, String), Value>>,
    /// Acked ids of the final round and the seq each was acked with.
    pub final_acks: Mutex<HashMap<String, (String, u64)>>,
    pub acked: AtomicU64,
    pub resent: AtomicU64,
}

struct Mutation {
    id: String,
    topic: String,
    key: String,
    value: Value,
    last: bool,
}

/// Runs writer `me` at `rate` mutations a second until its final round is acked.
pub async fn run(
    me: usize,
    topics: Vec<String>,
    rate: u64,
    state: Arc<Writer>,
    shared: Arc<Shared>,
) {
    let mut n = 0u64;
    let mut queue: Vec<Mutation> = Vec::new();
    let mut next = move |topic: &str, key: String, last: bool| {
        n += 1;
        let id = format!("w{me}-{n}");
        let value = json!({ "id": id, "n": n });
        Mutation {
            id,
            topic: topic.to_owned(),
            key,
            value,
            last,
        }
    };
    let (mut node, mut finishing) = (None, false);
    let pace = Duration::from_millis(1000 / rate.max(1));
    'connect: while !shared.stopping() {
        let Some((i, addr)) = shared.pick(node) else {
            tokio::time::sleep(Duration::from_millis(100)).await;
            continue;
        };
        node = Some(i);
        let url = format!("ws://{addr}/ws?client=cluster-writer-{me}");
        let step = Duration::from_secs(5);
        let Ok(Ok((mut ws, _))) = tokio::time::timeout(step, connect_async(url)).await else {
            tokio::time::sleep(Duration::from_millis(100)).await;
            continue;
        };
        if !tokio::time::timeout(step, hello(&mut ws))
            .await
            .is_ok_and(|r| r.is_ok())
        {
            tokio::time::sleep(Duration::from_millis(100 + fastrand::u64(..200))).await;
            continue;
        }
        let mut sent_once = false;
        loop {
            if queue.is_empty() {
                if state.finish.load(Relaxed) && !finishing {
                    finishing = true;
                    for topic in &topics {
                        for k in 0..KEYS {
                            queue.push(next(topic, format!("w{me}-k{k}"), true));
                        }
                    }
                } else if finishing {
                    state.done.store(true, Relaxed);
                    return;
                } else {
                    tokio::time::sleep(pace).await;
                    let topic = &topics[fastrand::usize(..topics.len())];
                    queue.push(next(
                        topic,
                        format!("w{me}-k{}", fastrand::usize(..KEYS)),
                        false,
                    ));
                }
                sent_once = false;
            }
            let m = &queue[0];
            if sent_once {
                state.resent.fetch_add(1, Relaxed);
            }
            sent_once = true;
            let mutate = ClientMsg::Mutate {
                id: m.id.clone(),
                topic: m.topic.clone(),
                key: m.key.clone(),
                value: m.value.clone(),
            };
            if send(&mut ws, mutate).await.is_err() {
                continue 'connect;
            }
            // Its answer: ack, or an error to retry on (rate limit, Redis away).
            let answer = loop {
                let frame = tokio::time::timeout(Duration::from_secs(10), ws.next()).await;
                let Ok(Some(Ok(Message::Text(text)))) = frame else {
                    if matches!(frame, Ok(Some(Ok(Message::Ping(_) | Message::Pong(_))))) {
                        continue;
                    }
                    break None;
                };
                match ServerMsg::decode(&text) {
                    Ok(msg @ (ServerMsg::Ack { .. } | ServerMsg::Error { .. })) => break Some(msg),
                    _ => continue,
                }
            };
            match answer {
                Some(ServerMsg::Ack { id, seq }) if id == m.id => {
                    state.acked.fetch_add(1, Relaxed);
                    // One at a time: the acks come in the order the values were written.
                    let at = (m.topic.clone(), m.key.clone());
                    state.expected.lock().unwrap().insert(at, m.value.clone());
                    if m.last {
                        state
                            .final_acks
                            .lock()
                            .unwrap()
                            .insert(id, (m.topic.clone(), seq));
                    }
                    queue.remove(0);
                }
                Some(ServerMsg::Error {
                    code,
                    retry_after_ms,
                    ..
                }) if code == "rate_limited" || code == "unavailable" => {
                    let wait = retry_after_ms.unwrap_or(200).min(2_000);
                    tokio::time::sleep(Duration::from_millis(wait)).await;
                }
                None => {
                    tokio::time::sleep(Duration::from_millis(50 + fastrand::u64(..150))).await;
                    continue 'connect;
                }
                Some(other) => {
                    shared.violation(format!("writer {me}: {} got {other:?}", m.id));
                    queue.remove(0);
                }
            }
        }
    }
}
