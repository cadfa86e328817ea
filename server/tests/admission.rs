//! Admission with slots against a real server on 127.0.0.1: a burst is
//! admitted at the session rate, every connection shed beyond it gets a slot
//! of its own (4429 `retry-after=<ms>; exact`, 1/R apart), a holder that
//! comes back at its slot is admitted, and past the backlog the answer is
//! 1013 without a slot.

mod support;

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use leptos_sync_protocol::{ServerMsg, close_code};
use leptos_sync_server::{Server, SyncServer, SyncServerBuilder};
use serde_json::json;
use support::{Client, End};
use tokio_tungstenite::tungstenite::Message;

/// 2 sessions a second: slots 500 ms apart, far more than the few ms a
/// loaded machine takes per connection, so timing cannot blur them.
const PER_SEC: u32 = 2;
const STEP_MS: u64 = 500;
const BACKLOG_MS: u64 = 5_000;

async fn serve(builder: SyncServerBuilder) -> Server {
    builder.build().serve("127.0.0.1:0").await.unwrap()
}

/// What one connection got.
enum Got {
    Welcomed(Box<Client>),
    /// A slot, as an instant bracket: `retry-after` added to the times just
    /// before the connect and just after the close.
    Slot {
        earliest: Instant,
        latest: Instant,
    },
    /// 1013 and no slot.
    Full,
}

async fn arrive(addr: SocketAddr, who: &str) -> Got {
    let before = Instant::now();
    let mut c = Client::connect(addr, who).await;
    let hello = json!({"type": "hello", "protocol": 1, "token": null}).to_string();
    // A shed connection may be closing already; its close frame says why.
    let _ = c.ws.send(Message::Text(hello.into())).await;
    let next = tokio::time::timeout(support::DEADLINE, c.ws.next()).await;
    let end = match next.unwrap_or_else(|_| panic!("{who}: no answer in time")) {
        Some(Ok(Message::Text(text))) => {
            let msg = ServerMsg::decode(&text).unwrap();
            assert!(matches!(msg, ServerMsg::Welcome { .. }), "{text}");
            return Got::Welcomed(Box::new(c));
        }
        Some(Ok(Message::Close(Some(f)))) => End::Closed(f.code.into(), f.reason.to_string()),
        other => panic!("{who}: {other:?}"),
    };
    let after = Instant::now();
    match end {
        End::Closed(close_code::OVERLOADED, reason) => {
            let slot = close_code::retry_after(&reason).expect(&reason);
            assert!(slot.exact, "{who}: {reason}");
            let ms = Duration::from_millis(slot.ms);
            Got::Slot {
                earliest: before + ms,
                latest: after + ms,
            }
        }
        End::Closed(close_code::TRY_AGAIN_LATER, reason) => {
            assert_eq!(
                close_code::retry_after_ms(&reason),
                None,
                "no slot: {reason}"
            );
            Got::Full
        }
        other => panic!("{who}: {other:?}"),
    }
}

#[tokio::test]
async fn a_burst_is_admitted_at_the_rate_the_rest_get_slots_1_over_r_apart_then_1013() {
    let server = serve(SyncServer::builder().admission(PER_SEC, BACKLOG_MS)).await;
    let addr = server.local_addr();
    let start = Instant::now();
    let (mut admitted, mut slots, mut full) = (Vec::new(), Vec::new(), 0);
    for i in 0..40 {
        match arrive(addr, &format!("burst-{i}")).await {
            Got::Welcomed(c) => admitted.push(c),
            Got::Slot { earliest, latest } => {
                assert_eq!(full, 0, "a slot after a 1013");
                slots.push((earliest, latest));
            }
            Got::Full => full += 1,
        }
    }
    let elapsed = start.elapsed();
    // No credit at start: one, then one per 1/R that passed, at most.
    let allowed = 1 + (elapsed.as_millis() as u64 / STEP_MS) as usize;
    assert!(
        (1..=allowed).contains(&admitted.len()),
        "{} admitted in {elapsed:?}",
        admitted.len()
    );
    // Distinct slots, one step apart, from 500 ms out to the backlog.
    assert!(slots.len() >= 8, "{} slots", slots.len());
    let step = Duration::from_millis(STEP_MS);
    for (k, pair) in slots.windows(2).enumerate() {
        let ((e0, l0), (e1, l1)) = (pair[0], pair[1]);
        let (low, high) = (e1.saturating_duration_since(l0), l1 - e0);
        let slop = Duration::from_millis(2);
        assert!(
            low <= step + slop && step <= high + slop,
            "slots {k} and {}: {low:?}..{high:?} apart",
            k + 1
        );
    }
    assert!(full > 0, "no 1013 after {} slots", slots.len());
    drop(admitted);
}

#[tokio::test]
async fn a_holder_that_comes_back_at_its_slot_is_admitted_and_a_newcomer_is_not() {
    let server = serve(SyncServer::builder().admission(PER_SEC, BACKLOG_MS)).await;
    let addr = server.local_addr();
    let Got::Welcomed(_first) = arrive(addr, "first").await else {
        panic!("an idle server admits the first");
    };
    let Got::Slot { latest, .. } = arrive(addr, "holder").await else {
        panic!("the second within 1/R is shed");
    };
    // The holder keeps its slot, as the reference client does.
    tokio::time::sleep_until(latest.into()).await;
    let Got::Welcomed(_holder) = arrive(addr, "holder").await else {
        panic!("the holder is admitted at its slot");
    };
    // Its position is taken: a newcomer right behind it gets a later slot.
    let Got::Slot { earliest, .. } = arrive(addr, "newcomer").await else {
        panic!("a newcomer right after the holder is shed");
    };
    assert!(
        earliest > latest,
        "the newcomer's slot comes after the holder's"
    );
}

#[tokio::test]
async fn without_a_rate_every_connection_is_admitted_and_a_shutdown_says_plain_retry_after() {
    let builder = SyncServer::builder()
        .admission(0, 0)
        .shutdown_spread_ms(4_000);
    let server = serve(builder).await;
    let addr = server.local_addr();
    let mut clients = Vec::new();
    for i in 0..20 {
        match arrive(addr, &format!("c{i}")).await {
            Got::Welcomed(c) => clients.push(c),
            _ => panic!("c{i} was not admitted"),
        }
    }
    let shutdown = tokio::spawn(server.shutdown());
    let mut retry_after = Vec::new();
    for c in &mut clients {
        match c.end().await {
            End::Closed(close_code::SERVICE_RESTART, reason) => {
                let hint = close_code::retry_after(&reason).expect(&reason);
                assert!(!hint.exact, "{reason}");
                retry_after.push(hint.ms);
            }
            other => panic!("expected 1012, got {other:?}"),
        }
    }
    retry_after.sort();
    // Today's spread: i / n of the window.
    let expected: Vec<u64> = (0..20).map(|i| 4_000 * i / 20).collect();
    assert_eq!(retry_after, expected);
    support::within("the shutdown", shutdown).await.unwrap();
}
