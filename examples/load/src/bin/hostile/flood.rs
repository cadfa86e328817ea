//! The two attackers that write as hard as they can: the frame flood and the
//! mutation flood. Each writes from one task and tallies the server's
//! answers in another, so a server that answers slower than it is written to
//! shows as a close 4413, not as a stalled attacker.

use std::net::SocketAddr;
use std::time::Duration;

use futures_util::stream::SplitStream;
use futures_util::{SinkExt, StreamExt};
use leptos_sync_load::client::Ws;
use tokio::time::{Instant, MissedTickBehavior};
use tokio_tungstenite::tungstenite::{Bytes, Message};

use crate::attack::{Answer, End, MAX_FRAME, MUTATIONS_PER_SEC, Tally, classify, connect};

/// Time given to the server's last answers after the attacker stops writing.
const SETTLE: Duration = Duration::from_secs(2);
/// Frames written between two flushes.
const BATCH: usize = 32;

/// What the reader task saw: every answer, the `retry_after_ms` of each
/// `rate_limited` (min, max, missing), and how the connection ended.
struct Seen {
    tally: Tally,
    retry_min: u64,
    retry_max: u64,
    retry_missing: u64,
    end: End,
}

/// Tallies the server's frames until the connection ends or `stop` fires.
async fn read(mut stream: SplitStream<Ws>, stop: tokio::sync::oneshot::Receiver<()>) -> Seen {
    let mut seen = Seen {
        tally: Tally::default(),
        retry_min: u64::MAX,
        retry_max: 0,
        retry_missing: 0,
        end: End::Open,
    };
    tokio::pin!(stop);
    loop {
        let msg = tokio::select! {
            _ = &mut stop => break,
            msg = stream.next() => msg,
        };
        match msg {
            Some(Ok(Message::Text(text))) => {
                let (kind, v) = classify(&text);
                if kind == "error:rate_limited" {
                    match v["retry_after_ms"].as_u64() {
                        Some(ms) => {
                            seen.retry_min = seen.retry_min.min(ms);
                            seen.retry_max = seen.retry_max.max(ms);
                        }
                        None => seen.retry_missing += 1,
                    }
                }
                seen.tally.add(&kind);
            }
            Some(Ok(Message::Close(f))) => {
                seen.end = End::Closed(f.map_or(1005, |f| f.code.into()));
                break;
            }
            Some(Ok(_)) => {}
            Some(Err(e)) => {
                seen.end = End::Ended(e.to_string());
                break;
            }
            None => {
                seen.end = End::Ended("socket ended".into());
                break;
            }
        }
    }
    seen
}

/// Writes `next(i)` for i = 0, 1, ... until `until` or a failed write (the
/// server closed); `pace` frames a tick of 10 ms, or as fast as it can.
/// Then waits [`SETTLE`] for the last answers. Returns frames, bytes and
/// seconds written, and what the reader saw.
async fn drive(
    ws: Ws,
    until: Instant,
    pace: Option<usize>,
    mut next: impl FnMut(u64) -> Message,
) -> (Written, Seen) {
    let started = Instant::now();
    let (mut sink, stream) = ws.split();
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel();
    let reader = tokio::spawn(read(stream, stop_rx));
    let mut tick = tokio::time::interval(Duration::from_millis(10));
    tick.set_missed_tick_behavior(MissedTickBehavior::Burst);
    let (mut frames, mut bytes) = (0u64, 0u64);
    'write: while Instant::now() < until {
        if pace.is_some() {
            tick.tick().await;
        }
        for _ in 0..pace.unwrap_or(BATCH) {
            let msg = next(frames);
            bytes += msg.len() as u64;
            if sink.feed(msg).await.is_err() {
                break 'write;
            }
            frames += 1;
        }
        if sink.flush().await.is_err() {
            break;
        }
    }
    let written = Written {
        frames,
        bytes,
        secs: started.elapsed().as_secs_f64(),
    };
    let settled = tokio::time::timeout(SETTLE, async {
        while !reader.is_finished() {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    });
    let _ = settled.await;
    let _ = stop_tx.send(());
    let seen = reader.await.unwrap_or_else(|_| Seen {
        tally: Tally::default(),
        retry_min: 0,
        retry_max: 0,
        retry_missing: 0,
        end: End::Ended("reader panicked".into()),
    });
    let _ = sink.close().await;
    (written, seen)
}

/// What an attacker wrote.
struct Written {
    frames: u64,
    bytes: u64,
    secs: f64,
}

impl Written {
    fn mb_per_s(&self) -> f64 {
        self.bytes as f64 / 1e6 / self.secs.max(0.001)
    }
}

/// Frames of the flood, each with the answer it must get (`None`: answered
/// by the WebSocket layer, invisible here).
fn flood_frames() -> Vec<(Message, Option<&'static str>)> {
    let text = |s: &str| Message::text(s.to_owned());
    vec![
        (text(r#"{"type":"ping","t":1}"#), Some("pong")),
        (text("not json at all"), Some("error:bad_frame")),
        (text(r#"{"type":"bogus"}"#), Some("error:unknown_type")),
        (
            text(r#"{"type":"mutate","id":"x"}"#),
            Some("error:invalid_fields"),
        ),
        (
            text(r#"{"type":"hello","protocol":1,"token":null}"#),
            Some("error:unexpected_hello"),
        ),
        (
            text(r#"{"type":"unsubscribe","sub":9}"#),
            Some("error:unknown_subscription"),
        ),
        (
            Message::Binary(Bytes::from(vec![0u8; 64])),
            Some("error:bad_frame"),
        ),
        (Message::Ping(Bytes::from_static(b"hi")), None),
        // Garbage of 10 KiB: larger than anything a server should keep per frame.
        (
            Message::text("#".repeat(10 * 1024)),
            Some("error:bad_frame"),
        ),
    ]
}

/// One frame in this many of the flood is over the server's size limit.
const OVERSIZED_EVERY: u64 = 64;

/// Every kind of bad frame, and one over the size limit in 64, as fast as
/// it can: each is answered with its typed error (or `pong`), or, when the
/// answers outpace its reading, the connection is closed with 4413.
pub async fn flood(addr: SocketAddr, until: Instant) -> Result<Answer, String> {
    let ws = connect(addr, "hostile-flood", None).await?;
    let frames = flood_frames();
    let oversized = Message::text("x".repeat(MAX_FRAME + 1));
    let (written, seen) = drive(ws, until, None, |i| {
        if i % OVERSIZED_EVERY == OVERSIZED_EVERY - 1 {
            oversized.clone()
        } else {
            frames[i as usize % frames.len()].0.clone()
        }
    })
    .await;
    let mut expected: Vec<&str> = frames.iter().filter_map(|(_, a)| *a).collect();
    expected.push("error:too_large");
    let missing: Vec<&str> = expected
        .iter()
        .copied()
        .filter(|k| seen.tally.get(k) == 0)
        .collect();
    let unexpected = seen.tally.0.keys().any(|k| !expected.contains(&k.as_str()));
    // A close 4413 is the server's answer to a client that reads slower than it writes.
    let complete = missing.is_empty() && seen.end == End::Open;
    let slow = seen.end == End::Closed(4413) && seen.tally.0.len() > 1;
    let answered: u64 = seen.tally.0.values().sum();
    let detail = format!(
        "sent {} frames ({:.0} MB/s, {} over {MAX_FRAME} bytes), {answered} answered; missing {missing:?}; end {:?}; answers {}",
        written.frames,
        written.mb_per_s(),
        written.frames / OVERSIZED_EVERY,
        seen.end,
        seen.tally
    );
    Ok(Answer::new((complete || slow) && !unexpected, detail))
}

/// Bytes a second the mutation flood writes.
const MUTATION_BYTES_PER_S: usize = 10_000_000;
/// Size of one of its mutation frames.
const MUTATION_FRAME: usize = 10_000;

/// 10 MB of mutations a second (1,000 frames of 10 kB), to a topic of its
/// own with 64 keys: about a second's worth (200) is acked; after the first
/// refusal every other one gets `rate_limited` with its place in line as
/// `retry_after_ms` (it never sends the refused one again, so the server's
/// order hold stays), nothing goes unanswered, and the connection stays.
pub async fn mutations(addr: SocketAddr, until: Instant) -> Result<Answer, String> {
    let ws = connect(addr, "hostile-mutations", None).await?;
    let pad = "v".repeat(MUTATION_FRAME - 100);
    let per_tick = MUTATION_BYTES_PER_S / MUTATION_FRAME / 100;
    let (written, seen) = drive(ws, until, Some(per_tick), |i| {
        let frame = format!(
            r#"{{"type":"mutate","id":"h-{i}","topic":"hostile","key":"k{}","value":"{pad}"}}"#,
            i % 64
        );
        Message::text(frame)
    })
    .await;
    let sent = written.frames;
    let (acks, limited) = (seen.tally.get("ack"), seen.tally.get("error:rate_limited"));
    let others = seen.tally.0.len() - usize::from(acks > 0) - usize::from(limited > 0);
    // A hint is a place in line: one refill interval for each mutation
    // refused before it, and one more.
    let step = 1000 / MUTATIONS_PER_SEC;
    let hint_max = (limited + 1) * step + step;
    let hints_ok = seen.retry_missing == 0 && seen.retry_min >= 1 && seen.retry_max <= hint_max;
    let ok = acks > 0
        && limited > 0
        && hints_ok
        && others == 0
        && acks + limited == sent
        && seen.end == End::Open;
    let detail = format!(
        "sent {sent} mutations, {:.1} MB/s; ack {acks}, rate_limited {limited} (retry_after_ms {}..={}, missing {}); unanswered {}; end {:?}; answers {}",
        written.mb_per_s(),
        seen.retry_min.min(seen.retry_max),
        seen.retry_max,
        seen.retry_missing,
        sent.saturating_sub(acks + limited),
        seen.end,
        seen.tally
    );
    Ok(Answer::new(ok, detail))
}
