//! The hostile side: one attacker per case, each in its own process (see
//! `main.rs`), which says what the server answered on one `ANSWER` line.
//!
//! The limits checked are the reference server's defaults (PROTOCOL.md,
//! "Limits of the reference server"), which `hostile` starts it with.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::time::Duration;

use clap::ValueEnum;
use futures_util::{SinkExt, StreamExt};
use leptos_sync_load::client::{self, SCHEMA, TOPIC, Ws};
use serde_json::{Value, json};
use tokio::net::TcpSocket;
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, client_async};

/// Subscriptions one connection may hold (`max_subscriptions`).
pub const SUBSCRIPTION_CAP: u64 = 256;
/// Largest client frame answered normally, in bytes (`max_frame`).
pub const MAX_FRAME: usize = 1 << 20;
/// Mutations one connection may send a second (`mutations_per_sec`).
pub const MUTATIONS_PER_SEC: u64 = 200;
/// Close code of a slow consumer.
const SLOW_CONSUMER: u16 = 4413;
/// Longest wait for a connection, or for an answer the attack waits on.
const STEP: Duration = Duration::from_secs(20);

/// One hostile client.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Case {
    /// One connection asks for 1,000 subscriptions of the readers' topic.
    Subscriptions,
    /// Pings, garbage, binary and oversized frames, as fast as it can.
    Flood,
    /// Subscribed to the readers' topic, then never reads.
    Stall,
    /// 10 MB of mutations a second from one connection.
    Mutations,
}

impl Case {
    /// Every case, in the order they run.
    pub const ALL: [Case; 4] = [
        Case::Subscriptions,
        Case::Flood,
        Case::Stall,
        Case::Mutations,
    ];

    /// Its name on the command line and in the report.
    pub fn name(self) -> &'static str {
        match self {
            Case::Subscriptions => "subscriptions",
            Case::Flood => "flood",
            Case::Stall => "stall",
            Case::Mutations => "mutations",
        }
    }
}

/// What the attacker saw: whether the server gave the answers its limit
/// promises, and what they were.
pub struct Answer {
    /// Every expected answer came, and nothing else.
    pub ok: bool,
    /// What came, for the report.
    pub detail: String,
}

impl Answer {
    /// An answer.
    pub fn new(ok: bool, detail: String) -> Self {
        Self { ok, detail }
    }
}

/// Runs `case` against `addr` for `seconds`.
pub async fn run(case: Case, addr: SocketAddr, seconds: f64) -> Answer {
    let until = Instant::now() + Duration::from_secs_f64(seconds);
    let answer = match case {
        Case::Subscriptions => subscriptions(addr, until).await,
        Case::Flood => crate::flood::flood(addr, until).await,
        Case::Stall => stall(addr, until).await,
        Case::Mutations => crate::flood::mutations(addr, until).await,
    };
    answer.unwrap_or_else(|e| Answer::new(false, e))
}

/// A welcomed connection; with `rcvbuf`, its kernel receive buffer is that
/// small, so what it does not read piles up on the server's side.
pub async fn connect(addr: SocketAddr, who: &str, rcvbuf: Option<u32>) -> Result<Ws, String> {
    let socket = TcpSocket::new_v4().map_err(|e| format!("{who}: {e}"))?;
    if let Some(bytes) = rcvbuf {
        socket
            .set_recv_buffer_size(bytes)
            .map_err(|e| format!("{who}: SO_RCVBUF: {e}"))?;
    }
    let tcp = tokio::time::timeout(STEP, socket.connect(addr))
        .await
        .map_err(|_| format!("{who}: connect timed out"))?
        .map_err(|e| format!("{who}: {e}"))?;
    tcp.set_nodelay(true).map_err(|e| format!("{who}: {e}"))?;
    let url = format!("ws://{addr}/ws?client={who}");
    let (mut ws, _) = tokio::time::timeout(STEP, client_async(url, MaybeTlsStream::Plain(tcp)))
        .await
        .map_err(|_| format!("{who}: handshake timed out"))?
        .map_err(|e| format!("{who}: {e}"))?;
    client::hello(&mut ws)
        .await
        .map_err(|e| format!("{who}: {e}"))?;
    Ok(ws)
}

/// A `subscribe` to the readers' topic.
pub fn subscribe(sub: u64) -> Message {
    let frame =
        json!({"type": "subscribe", "sub": sub, "topic": TOPIC, "schema": SCHEMA, "since": null});
    Message::text(frame.to_string())
}

/// How a connection ended, as far as its client saw.
#[derive(Debug, Clone, PartialEq)]
pub enum End {
    /// Still open when the attack ended.
    Open,
    /// The server closed it with this code.
    Closed(u16),
    /// It ended without a close frame.
    Ended(String),
}

/// One server frame: `type`, or `error:<code>`, and the frame.
pub fn classify(text: &str) -> (String, Value) {
    let v: Value = serde_json::from_str(text).unwrap_or(Value::Null);
    let kind = match v["type"].as_str() {
        Some("error") => format!("error:{}", v["code"].as_str().unwrap_or("?")),
        Some(t) => t.to_owned(),
        None => "unparsable".to_owned(),
    };
    (kind, v)
}

/// The next text frame before `deadline`: `Ok(None)` when the deadline
/// passed, `Err` when the connection ended.
pub async fn next_before(ws: &mut Ws, deadline: Instant) -> Result<Option<String>, End> {
    loop {
        match tokio::time::timeout_at(deadline, ws.next()).await {
            Err(_) => return Ok(None),
            Ok(Some(Ok(Message::Text(t)))) => return Ok(Some(t.to_string())),
            Ok(Some(Ok(Message::Close(f)))) => {
                return Err(End::Closed(f.map_or(1005, |f| f.code.into())));
            }
            Ok(Some(Ok(_))) => continue,
            Ok(Some(Err(e))) => return Err(End::Ended(e.to_string())),
            Ok(None) => return Err(End::Ended("socket ended".into())),
        }
    }
}

/// Counts of frames by kind, printed as `kind:n, ...`.
#[derive(Default)]
pub struct Tally(pub BTreeMap<String, u64>);

impl Tally {
    /// Counts one frame of `kind`.
    pub fn add(&mut self, kind: &str) {
        *self.0.entry(kind.to_owned()).or_default() += 1;
    }

    /// How many of `kind` came.
    pub fn get(&self, kind: &str) -> u64 {
        self.0.get(kind).copied().unwrap_or(0)
    }
}

impl std::fmt::Display for Tally {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let parts: Vec<String> = self.0.iter().map(|(k, n)| format!("{k}:{n}")).collect();
        f.write_str(&parts.join(" "))
    }
}

/// 1,000 `subscribe`s on one connection: the first 256 are answered
/// `subscribed`, every later one `too_many_subscriptions` naming its `sub`,
/// and the connection stays; it then reads its 256 subscriptions' updates.
async fn subscriptions(addr: SocketAddr, until: Instant) -> Result<Answer, String> {
    const ASKED: u64 = 1000;
    let mut ws = connect(addr, "hostile-subscriptions", None).await?;
    for sub in 1..=ASKED {
        ws.feed(subscribe(sub)).await.map_err(|e| e.to_string())?;
    }
    ws.flush().await.map_err(|e| e.to_string())?;
    let (mut accepted, mut refused, mut misplaced) = (0u64, 0u64, 0u64);
    let mut tally = Tally::default();
    let deadline = until.max(Instant::now()) + STEP;
    let end = loop {
        let answered = accepted + refused + misplaced;
        let wait = if answered < ASKED { deadline } else { until };
        let text = match next_before(&mut ws, wait).await {
            Ok(Some(text)) => text,
            Ok(None) => break End::Open,
            Err(end) => break end,
        };
        let (kind, v) = classify(&text);
        let sub = v["sub"].as_u64().unwrap_or(0);
        match kind.as_str() {
            "subscribed" if (1..=SUBSCRIPTION_CAP).contains(&sub) => accepted += 1,
            "error:too_many_subscriptions" if sub > SUBSCRIPTION_CAP => refused += 1,
            "subscribed" | "error:too_many_subscriptions" => misplaced += 1,
            _ => {}
        }
        tally.add(&kind);
    };
    let others = tally.0.keys().any(|k| {
        !matches!(
            k.as_str(),
            "subscribed" | "snapshot" | "update" | "error:too_many_subscriptions"
        )
    });
    let want = ASKED - SUBSCRIPTION_CAP;
    let ok = accepted == SUBSCRIPTION_CAP && refused == want && misplaced == 0 && !others;
    let detail = format!(
        "asked {ASKED}: subscribed {accepted} (want {SUBSCRIPTION_CAP}), too_many_subscriptions {refused} (want {want}), misplaced {misplaced}; end {end:?}; frames {tally}"
    );
    Ok(Answer::new(ok && end == End::Open, detail))
}

/// Subscriptions of the never-reading client to the readers' topic: with one,
/// its queue (4,096 frames) would take 4,096 / rate seconds to fill; with the
/// cap, a few seconds' worth of frames fills the queue and the socket buffers.
const STALL_SUBS: u64 = SUBSCRIPTION_CAP;
/// How long it first reads nothing; each later stall is half as long again.
/// The server's close waits at most 5 s behind the frames its socket holds,
/// so the first stall that outlasts the overflow by less than that (any
/// overflow within 10 s of a stall's start) still finds the 4413 at the end
/// of what piled up. Reading in between empties the buffers again. Before
/// its queue, the server's socket buffer fills: up to 4 MB on Linux, about
/// 3 s of the frames of 256 subscriptions at 50 changes a second.
const FIRST_STALL: Duration = Duration::from_secs(3);
/// How long it reads after a stall before counting the connection as live.
const DRAIN: Duration = Duration::from_secs(1);
/// How long past its window it keeps trying.
const STALL_GRACE: Duration = Duration::from_secs(40);

/// Subscribes to the readers' topic and stops reading: the server closes it
/// with 4413 once its queue is full, and frees that queue.
async fn stall(addr: SocketAddr, until: Instant) -> Result<Answer, String> {
    let mut ws = connect(addr, "hostile-stall", Some(16 * 1024)).await?;
    for sub in 1..=STALL_SUBS {
        ws.feed(subscribe(sub)).await.map_err(|e| e.to_string())?;
    }
    ws.flush().await.map_err(|e| e.to_string())?;
    let mut started = 0;
    let deadline = Instant::now() + STEP;
    while started < 2 * STALL_SUBS {
        match next_before(&mut ws, deadline).await {
            Ok(Some(text)) => {
                let (kind, _) = classify(&text);
                if kind == "subscribed" || kind == "snapshot" {
                    started += 1;
                } else if kind != "update" {
                    return Err(format!("subscribing, got {text}"));
                }
            }
            Ok(None) => return Err("the subscriptions did not start in time".into()),
            Err(end) => return Err(format!("ended while subscribing: {end:?}")),
        }
    }
    let (mut stalls, mut backlog, mut stall) = (Vec::new(), 0u64, FIRST_STALL);
    let give_up = until.max(Instant::now()) + STALL_GRACE;
    let end = loop {
        tokio::time::sleep(stall).await;
        stalls.push(stall.as_secs_f64());
        let drain_until = Instant::now() + DRAIN;
        let end = loop {
            match next_before(&mut ws, drain_until).await {
                Ok(Some(_)) => backlog += 1,
                Ok(None) => break End::Open,
                Err(end) => break end,
            }
        };
        if end != End::Open || Instant::now() >= give_up {
            break end;
        }
        stall = stall.mul_f64(1.5);
    };
    let detail = format!(
        "{STALL_SUBS} subscriptions, then stalls of {stalls:.1?} s; read {backlog} frames after them; end {end:?}"
    );
    Ok(Answer::new(end == End::Closed(SLOW_CONSUMER), detail))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_are_told_apart_by_type_and_error_code() {
        let (kind, v) = classify(r#"{"type":"error","code":"too_large","message":"x","sub":3}"#);
        assert_eq!(kind, "error:too_large");
        assert_eq!(v["sub"], 3);
        assert_eq!(classify(r#"{"type":"pong","t":1}"#).0, "pong");
        assert_eq!(classify("not json").0, "unparsable");
        let mut tally = Tally::default();
        tally.add("pong");
        tally.add("pong");
        tally.add("ack");
        assert_eq!(tally.get("pong"), 2);
        assert_eq!(tally.get("update"), 0);
        assert_eq!(tally.to_string(), "ack:1 pong:2");
    }
}
