//! The limits that keep one client from hurting the others, each against a
//! real server on 127.0.0.1 (those an engine takes part in, on both engines).

mod redis_support;
mod support;

use std::net::SocketAddr;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use leptos_sync_protocol::{ServerMsg, close_code, error_code};
use leptos_sync_server::{Config, Server, SyncServer, SyncServerBuilder};
use redis_support::TestEngine;
use serde_json::{Value, json};
use support::{Client, End};
use tokio::net::TcpSocket;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, client_async};

async fn serve(builder: SyncServerBuilder) -> Server {
    builder.build().serve("127.0.0.1:0").await.unwrap()
}

fn subscribe(sub: u64, topic: &str) -> Value {
    json!({"type": "subscribe", "sub": sub, "topic": topic, "schema": 1, "since": null})
}

/// Subscribes fresh and consumes `subscribed` and the snapshot.
async fn subscribe_fresh(c: &mut Client, sub: u64, topic: &str) {
    c.send(subscribe(sub, topic)).await;
    assert!(matches!(c.recv().await, ServerMsg::Subscribed { sub: s, .. } if s == sub));
    assert!(matches!(c.recv().await, ServerMsg::Snapshot { .. }));
}

/// A welcomed client whose socket buffers few bytes, so that the server's
/// queue, not the kernel, holds what it does not read.
async fn small_buffered(addr: SocketAddr) -> Client {
    let socket = TcpSocket::new_v4().unwrap();
    socket.set_recv_buffer_size(16 * 1024).unwrap();
    let tcp = socket.connect(addr).await.unwrap();
    let url = format!("ws://{addr}/ws?client=slow");
    let (ws, _) = client_async(url, MaybeTlsStream::Plain(tcp)).await.unwrap();
    let mut c = Client { ws };
    c.send(json!({"type": "hello", "protocol": 1, "token": null}))
        .await;
    assert!(matches!(c.recv().await, ServerMsg::Welcome { .. }));
    c
}

/// Serves `sync` as an app would, on a listener whose sockets buffer little
/// (accepted sockets inherit its send buffer), so that what a client does not
/// read piles up in the server's queue on any machine, not in the kernel.
async fn serve_small_buffered(sync: &SyncServer) -> (SocketAddr, tokio::task::JoinHandle<()>) {
    let socket = TcpSocket::new_v4().unwrap();
    socket.set_send_buffer_size(32 * 1024).unwrap();
    socket.bind("127.0.0.1:0".parse().unwrap()).unwrap();
    let listener = socket.listen(64).unwrap();
    let addr = listener.local_addr().unwrap();
    let router = sync.router();
    let serving = tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    (addr, serving)
}

/// This process's resident memory in kB (Linux), printed by the slow-consumer test.
fn rss_kb() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

#[tokio::test]
async fn a_client_that_never_reads_is_closed_as_slow_while_a_reader_gets_everything() {
    const UPDATES: u64 = 100;
    let sync = SyncServer::builder().send_queue(64, 256 * 1024).build();
    let (addr, serving) = serve_small_buffered(&sync).await;
    let (mut reader, _) = Client::welcomed(addr, "reader").await;
    subscribe_fresh(&mut reader, 1, "Feed").await;
    let mut slow = small_buffered(addr).await;
    subscribe_fresh(&mut slow, 7, "Feed").await;

    // 100 updates of 32 kB: far more than the slow client's queue (256 kB)
    // and the socket buffers on both sides hold together.
    let rss_before = rss_kb();
    let payload = "x".repeat(32 * 1024);
    for i in 1..=UPDATES {
        let seq = sync.publish("Feed", "k", json!(payload)).await.unwrap();
        assert_eq!(seq, i);
        match reader.recv().await {
            ServerMsg::Update { sub: 1, seq, .. } => assert_eq!(seq, i),
            other => panic!("the reader expected update {i}, got {other:?}"),
        }
    }
    reader.assert_quiet_and_open(1).await;
    let rss_after = rss_kb();
    eprintln!(
        "VmRSS of the test process (server and clients): {rss_before:?} kB before, \
         {rss_after:?} kB after {UPDATES} updates of 32 kB to a client that never read"
    );

    // Now it reads: an unbroken prefix of the updates, then the close that
    // tells it to reconnect and resume from the last of them.
    let mut last = 0;
    let end = loop {
        match tokio::time::timeout(
            support::DEADLINE,
            futures_util::StreamExt::next(&mut slow.ws),
        )
        .await
        .expect("a frame in time")
        {
            Some(Ok(tokio_tungstenite::tungstenite::Message::Text(text))) => {
                match ServerMsg::decode(&text).unwrap() {
                    ServerMsg::Update { sub: 7, seq, .. } => {
                        assert_eq!(seq, last + 1, "updates arrive in order, without a gap");
                        last = seq;
                    }
                    other => panic!("expected an update, got {other:?}"),
                }
            }
            Some(Ok(Message::Close(Some(frame)))) => {
                break End::Closed(frame.code.into(), frame.reason.to_string());
            }
            Some(Ok(_)) => continue,
            Some(Err(_)) | None => break End::Abrupt,
        }
    };
    assert!(
        matches!(end, End::Closed(close_code::SLOW_CONSUMER, _)),
        "{end:?}"
    );
    assert!(last < UPDATES, "it fell behind, after {last} updates");
    eprintln!("the slow client got {last} of {UPDATES} updates before its close");
    reader.assert_quiet_and_open(2).await;
    serving.abort();
}

/// A client past its read budget is read later, not refused: every frame
/// is answered, in order, paced by the budget (TCP holds the rest).
#[tokio::test]
async fn a_client_past_its_read_budget_is_read_later_and_loses_nothing() {
    let server = serve(SyncServer::builder().read_budget(10, 0)).await;
    let (mut c, _) = Client::welcomed(server.local_addr(), "reader").await;
    let started = std::time::Instant::now();
    for t in 0..30 {
        c.send(json!({"type": "ping", "t": t})).await;
    }
    for t in 0..30 {
        assert_eq!(c.recv().await, ServerMsg::Pong { t });
    }
    // hello and the first 9 pings fit the burst; the other 21 wait 100 ms each.
    let took = started.elapsed();
    assert!(took >= Duration::from_millis(1_800), "answered in {took:?}");
}

#[tokio::test]
async fn a_connection_without_hello_in_time_is_closed_with_4408() {
    let server = serve(SyncServer::builder().handshake_timeout_ms(300)).await;
    let addr = server.local_addr();
    let (mut welcomed, _) = Client::welcomed(addr, "welcomed").await;
    let mut silent = Client::connect(addr, "silent").await;
    assert_eq!(
        silent.end().await,
        End::Closed(close_code::HANDSHAKE_TIMEOUT, "no hello in time".into())
    );
    // Its deadline passed before the silent one's: a welcomed connection has none.
    welcomed.assert_quiet_and_open(1).await;
}

async fn a_subscription_over_the_cap_is_a_typed_error_and_the_connection_stays(engine: TestEngine) {
    let server = serve(engine.builder().max_subscriptions(2)).await;
    let (mut c, _) = Client::welcomed(server.local_addr(), "subs").await;
    subscribe_fresh(&mut c, 1, "A").await;
    subscribe_fresh(&mut c, 2, "B").await;
    c.send(subscribe(3, "C")).await;
    assert_eq!(
        c.recv_error().await,
        (error_code::TOO_MANY_SUBSCRIPTIONS.into(), Some(3))
    );
    // Subscribing an id again replaces it, and an unsubscribe frees a place.
    subscribe_fresh(&mut c, 1, "A").await;
    c.send(json!({"type": "unsubscribe", "sub": 2})).await;
    subscribe_fresh(&mut c, 3, "C").await;
    c.assert_quiet_and_open(1).await;
}

#[tokio::test]
async fn a_connection_over_the_cap_is_closed_with_4429_and_its_slot_comes_back() {
    let server = serve(SyncServer::builder().max_connections(2)).await;
    let addr = server.local_addr();
    let (mut a, _) = Client::welcomed(addr, "a").await;
    let (mut b, _) = Client::welcomed(addr, "b").await;
    let mut c = Client::connect(addr, "c").await;
    let retry_after = format!("retry-after={}", Config::CONNECTIONS_RETRY_AFTER_MS);
    assert_eq!(
        c.end().await,
        End::Closed(close_code::OVERLOADED, retry_after)
    );
    b.assert_quiet_and_open(1).await;
    b.ws.close(None).await.unwrap();
    assert!(matches!(b.end().await, End::Closed(..)));
    // The server frees the slot when its task ends, just after the close.
    support::eventually("a freed slot", || async {
        let mut c = Client::connect(addr, "c").await;
        c.send(json!({"type": "hello", "protocol": 1, "token": null}))
            .await;
        let next = tokio::time::timeout(support::DEADLINE, c.ws.next()).await;
        match next.expect("a frame in time") {
            Some(Ok(Message::Text(text))) => match ServerMsg::decode(&text) {
                Ok(ServerMsg::Welcome { .. }) => Some(()),
                other => panic!("expected welcome, got {other:?}"),
            },
            _ => None, // closed with 4429: the slot is not free yet
        }
    })
    .await;
    a.assert_quiet_and_open(2).await;
}

async fn mutations_over_the_rate_are_rate_limited_with_a_retry_hint(engine: TestEngine) {
    let server = serve(engine.builder().mutations_per_sec(3)).await;
    let (mut c, _) = Client::welcomed(server.local_addr(), "fast").await;
    let mutate =
        |id: &str| json!({"type": "mutate", "id": id, "topic": "T", "key": "k", "value": 1});
    for id in ["m1", "m2", "m3"] {
        c.send(mutate(id)).await;
        assert!(matches!(c.recv().await, ServerMsg::Ack { id: acked, .. } if acked == id));
    }
    c.send(mutate("m4")).await;
    let frame: Value = serde_json::from_str(&c.recv_text().await).unwrap();
    assert_eq!(frame["type"], "error");
    assert_eq!(frame["code"], error_code::RATE_LIMITED);
    assert_eq!(frame["id"], "m4");
    let retry_after_ms = frame["retry_after_ms"].as_u64().expect("a retry hint");
    assert!((1..=334).contains(&retry_after_ms), "{frame}");
    // Nothing was applied, the connection stays, and the hint holds.
    assert_eq!(server.sync().topic("T").await.unwrap().unwrap().seq, 3);
    c.assert_quiet_and_open(1).await;
    // Waiting the hinted time is what is under test here.
    tokio::time::sleep(Duration::from_millis(retry_after_ms)).await;
    c.send(mutate("m4")).await;
    assert!(matches!(c.recv().await, ServerMsg::Ack { seq: 4, .. }));
}

async fn shutdown_stops_accepting_and_closes_every_client_with_1012_slots_over_the_window(
    engine: TestEngine,
) {
    let server = serve(engine.builder().shutdown_spread_ms(4_000)).await;
    let addr = server.local_addr();
    let mut clients = Vec::new();
    for i in 0..4 {
        let (mut c, _) = Client::welcomed(addr, &format!("c{i}")).await;
        subscribe_fresh(&mut c, 1, "T").await;
        clients.push(c);
    }
    let shutdown = tokio::spawn(server.shutdown());
    let mut retry_after = Vec::new();
    for c in &mut clients {
        match c.end().await {
            End::Closed(close_code::SERVICE_RESTART, reason) => {
                let slot = close_code::retry_after(&reason).expect(&reason);
                assert!(slot.exact, "{reason}");
                retry_after.push(slot.ms);
            }
            other => panic!("expected 1012, got {other:?}"),
        }
    }
    retry_after.sort();
    // Slots from 500 ms (the client's floor) to the end of the window.
    assert_eq!(retry_after, [500, 1_375, 2_250, 3_125]);
    tokio::time::timeout(support::DEADLINE, shutdown)
        .await
        .expect("shutdown ends once every client is gone")
        .unwrap();
    let refused = tokio::net::TcpStream::connect(addr).await;
    assert!(refused.is_err(), "it no longer accepts");
}

#[tokio::test]
async fn a_mounted_server_shuts_down_its_connections_and_later_ones() {
    let sync = SyncServer::builder().shutdown_spread_ms(0).build();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = sync.router();
    let serving = tokio::spawn(async move { axum::serve(listener, app).await });
    let (mut before, _) = Client::welcomed(addr, "before").await;
    let closing = sync.clone();
    let shutdown = tokio::spawn(async move { closing.shutdown().await });
    let restart = End::Closed(close_code::SERVICE_RESTART, "retry-after=500; exact".into());
    assert_eq!(before.end().await, restart);
    // The app's listener still accepts; the protocol closes at once.
    let mut after = Client::connect(addr, "after").await;
    assert_eq!(after.end().await, restart);
    tokio::time::timeout(support::DEADLINE, shutdown)
        .await
        .expect("shutdown ends once every client is gone")
        .unwrap();
    serving.abort();
}

#[tokio::test]
async fn limits_at_their_extremes_build_a_server_that_serves() {
    let builder = SyncServer::builder()
        .send_queue(usize::MAX, usize::MAX)
        .max_connections(usize::MAX)
        .max_subscriptions(usize::MAX)
        .mutations_per_sec(0);
    let server = serve(builder).await;
    let (mut c, _) = Client::welcomed(server.local_addr(), "extreme").await;
    c.send(json!({"type": "mutate", "id": "m1", "topic": "T", "key": "k", "value": 1}))
        .await;
    assert!(matches!(c.recv().await, ServerMsg::Ack { seq: 1, .. }));
    server.shutdown().await;
}

/// A server without the control option keeps nothing of the frames it is
/// sent, even when built with the `control` feature, as the reference binary
/// is (`cargo test --workspace` builds it so). Such a server once kept up to
/// 10,000 frames of each `?client=` id for statistics nobody could read, cut
/// at 8 KiB: 80 MiB per id, for ever.
#[tokio::test]
async fn a_flood_of_bad_frames_leaves_no_memory_behind() {
    const FRAMES: usize = 10_000;
    let server = serve(SyncServer::builder()).await;
    let (c, _) = Client::welcomed(server.local_addr(), "flood").await;
    let before = rss_kb().expect("VmRSS of this process");
    let (mut sink, mut stream) = c.ws.split();
    let counting = tokio::spawn(async move {
        let mut bad = 0;
        while bad < FRAMES {
            let next = tokio::time::timeout(support::DEADLINE, stream.next()).await;
            let Some(Ok(Message::Text(text))) = next.expect("an answer in time") else {
                panic!("the connection ended after {bad} answers");
            };
            match ServerMsg::decode(&text) {
                Ok(ServerMsg::Error { code, .. }) if code == error_code::BAD_FRAME => bad += 1,
                other => panic!("expected bad_frame, got {other:?}"),
            }
        }
    });
    let garbage = "#".repeat(9 * 1024);
    for _ in 0..FRAMES {
        sink.feed(Message::text(garbage.clone())).await.unwrap();
    }
    sink.flush().await.unwrap();
    counting.await.expect("every frame answered with bad_frame");
    let grown_kb = rss_kb().expect("VmRSS").saturating_sub(before);
    // 88 MiB went through; the other tests of this binary run beside it.
    assert!(
        grown_kb < 40 * 1024,
        "this process grew by {grown_kb} kB over a flood of {FRAMES} frames of 9 KiB"
    );
    server.shutdown().await;
}

on_both_engines!(
    a_subscription_over_the_cap_is_a_typed_error_and_the_connection_stays,
    mutations_over_the_rate_are_rate_limited_with_a_retry_hint,
    shutdown_stops_accepting_and_closes_every_client_with_1012_slots_over_the_window,
);
