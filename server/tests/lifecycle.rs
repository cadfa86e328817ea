//! The topic lifecycle hooks (`on_first_subscribe`, `on_last_unsubscribe`)
//! against a real server on 127.0.0.1, with real WebSocket clients, on
//! both engines (a slow consumer's overflow needs the in-memory one's
//! synchronous delivery).

mod redis_support;
mod support;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use leptos_sync_protocol::{ServerMsg, close_code};
use leptos_sync_server::{Server, SyncServer, SyncServerBuilder};
use redis_support::{EngineKind, TestEngine};
use serde_json::{Map, Value, json};
use support::{Client, End, eventually, within};
use tokio::sync::watch;

/// What the hooks saw, in order, with markers the test adds between steps.
#[derive(Clone, Default)]
struct Log(Arc<Mutex<Vec<String>>>);

impl Log {
    fn push(&self, event: impl Into<String>) {
        self.0.lock().unwrap().push(event.into());
    }

    fn get(&self) -> Vec<String> {
        self.0.lock().unwrap().clone()
    }

    /// Waits until the log holds `n` events, then returns them.
    async fn wait_len(&self, n: usize) -> Vec<String> {
        eventually(&format!("{n} events"), || async {
            let log = self.get();
            (log.len() >= n).then_some(log)
        })
        .await
    }
}

/// A builder on `engine` whose lifecycle hooks write `first <topic>` and
/// `last <topic>` to `log`.
fn logged(log: &Log, engine: &TestEngine) -> SyncServerBuilder {
    let (first, last) = (log.clone(), log.clone());
    engine
        .builder()
        .on_first_subscribe(move |topic| {
            let log = first.clone();
            async move { log.push(format!("first {topic}")) }
        })
        .on_last_unsubscribe(move |topic| {
            let log = last.clone();
            async move { log.push(format!("last {topic}")) }
        })
}

async fn serve(builder: SyncServerBuilder) -> Server {
    builder.build().serve("127.0.0.1:0").await.unwrap()
}

fn subscribe(sub: u64, topic: &str) -> Value {
    json!({"type": "subscribe", "sub": sub, "topic": topic, "schema": 1, "since": null})
}

/// Subscribes fresh; returns the snapshot's entries.
async fn subscribed(c: &mut Client, sub: u64, topic: &str) -> Map<String, Value> {
    c.send(subscribe(sub, topic)).await;
    assert!(matches!(c.recv().await, ServerMsg::Subscribed { sub: s, .. } if s == sub));
    match c.recv().await {
        ServerMsg::Snapshot {
            sub: s, entries, ..
        } if s == sub => entries,
        other => panic!("expected the snapshot of {sub}, got {other:?}"),
    }
}

fn strings(events: &[&str]) -> Vec<String> {
    events.iter().map(|e| e.to_string()).collect()
}

async fn first_and_last_fire_once_per_transition_on_unsubscribe_and_on_a_dropped_connection(
    engine: TestEngine,
) {
    let log = Log::default();
    let server = serve(logged(&log, &engine)).await;
    let addr = server.local_addr();
    let (mut a, _) = Client::welcomed(addr, "a").await;
    let (mut b, _) = Client::welcomed(addr, "b").await;

    // The hook is awaited before the snapshot: no waiting needed here.
    subscribed(&mut a, 1, "T").await;
    assert_eq!(log.get(), strings(&["first T"]));
    subscribed(&mut b, 1, "T").await;
    subscribed(&mut a, 2, "T").await;
    assert_eq!(log.get(), strings(&["first T"]), "not first any more");

    // A leaves; B still holds the topic.
    a.send(json!({"type": "unsubscribe", "sub": 1})).await;
    a.send(json!({"type": "unsubscribe", "sub": 2})).await;
    a.assert_quiet_and_open(1).await;
    b.assert_quiet_and_open(2).await;
    log.push("A left");
    // B's connection drops without a close: that is its last subscriber going.
    drop(b);
    let got = log.wait_len(3).await;
    assert_eq!(got, strings(&["first T", "A left", "last T"]));

    // A new 0 → 1 is a new first; an unsubscribe of the last is a last.
    subscribed(&mut a, 3, "T").await;
    a.send(json!({"type": "unsubscribe", "sub": 3})).await;
    let got = log.wait_len(5).await;
    assert_eq!(got[3..], strings(&["first T", "last T"]));

    // Topics are counted apart.
    subscribed(&mut a, 4, "U").await;
    subscribed(&mut a, 5, "V").await;
    a.ws.close(None).await.unwrap();
    let mut got = log.wait_len(9).await;
    got[5..].sort();
    assert_eq!(
        got[5..],
        strings(&["first U", "first V", "last U", "last V"])
    );
}

#[tokio::test]
async fn a_slow_consumer_closed_by_the_server_releases_its_topics() {
    let log = Log::default();
    let server =
        serve(logged(&log, &TestEngine::start(EngineKind::Memory)).send_queue(1, 1 << 20)).await;
    let (mut a, _) = Client::welcomed(server.local_addr(), "a").await;
    subscribed(&mut a, 1, "T").await;
    // Two updates at once (an in-memory publish does not yield to the
    // connection's task in between): the second overflows its queue of one.
    for i in 0..2 {
        server.sync().publish("T", "k", json!(i)).await.unwrap();
    }
    assert!(matches!(
        a.end().await,
        End::Closed(close_code::SLOW_CONSUMER, _)
    ));
    let got = log.wait_len(2).await;
    assert_eq!(got, strings(&["first T", "last T"]));
}

async fn concurrent_first_subscribers_wait_for_one_first_hook_before_their_snapshots(
    engine: TestEngine,
) {
    // The hook "loads" the topic by publishing into it, once the second
    // subscriber is past its authorization, so that it surely arrives
    // while the hook still runs.
    let (arrived, mut arrivals) = watch::channel(0);
    let calls = Log::default();
    let cell: Arc<Mutex<Option<SyncServer>>> = Arc::default();
    let (hook_calls, hook_cell, hook_arrivals) = (calls.clone(), cell.clone(), arrivals.clone());
    let sync = engine
        .builder()
        .authorize(move |_, _| {
            arrived.send_modify(|n| *n += 1);
            Ok(())
        })
        .on_first_subscribe(move |topic| {
            hook_calls.push(format!("first {topic}"));
            let sync = hook_cell.lock().unwrap().clone().unwrap();
            let mut arrivals = hook_arrivals.clone();
            async move {
                let _ = arrivals.wait_for(|&n| n >= 2).await;
                sync.publish(&topic, "loaded", json!(true)).await.unwrap();
            }
        })
        .build();
    *cell.lock().unwrap() = Some(sync.clone());
    let server = sync.serve("127.0.0.1:0").await.unwrap();
    let addr = server.local_addr();
    let (mut a, _) = Client::welcomed(addr, "a").await;
    let (mut b, _) = Client::welcomed(addr, "b").await;

    a.send(subscribe(1, "T")).await;
    b.send(subscribe(1, "T")).await;
    let _ = within("two subscribers", arrivals.wait_for(|&n| n >= 2)).await;
    for c in [&mut a, &mut b] {
        assert!(matches!(
            c.recv().await,
            ServerMsg::Subscribed { seq: 1, .. }
        ));
        match c.recv().await {
            ServerMsg::Snapshot { entries, .. } => {
                assert_eq!(Value::Object(entries), json!({"loaded": true}));
            }
            other => panic!("expected the loaded snapshot, got {other:?}"),
        }
        c.assert_quiet_and_open(1).await;
    }
    assert_eq!(calls.get(), strings(&["first T"]));
}

async fn shutdown_runs_every_last_hook_before_it_resolves(engine: TestEngine) {
    let log = Log::default();
    let (first, last) = (log.clone(), log.clone());
    let builder = engine
        .builder()
        .shutdown_spread_ms(0)
        .on_first_subscribe(move |topic| {
            let log = first.clone();
            async move { log.push(format!("first {topic}")) }
        })
        .on_last_unsubscribe(move |topic| {
            let log = last.clone();
            async move {
                // A release that takes a while, as a write to a database does.
                tokio::time::sleep(Duration::from_millis(100)).await;
                log.push(format!("last {topic}"));
            }
        });
    let server = serve(builder).await;
    let (mut a, _) = Client::welcomed(server.local_addr(), "a").await;
    subscribed(&mut a, 1, "T").await;
    subscribed(&mut a, 2, "U").await;
    // The client answers the server's close, as a browser would.
    let reader = tokio::spawn(async move { a.end().await });
    server.shutdown().await;
    let mut got = log.get();
    got.sort();
    assert_eq!(got, strings(&["first T", "first U", "last T", "last U"]));
    assert!(matches!(reader.await.unwrap(), End::Closed(1012, _)));
}

on_both_engines!(
    first_and_last_fire_once_per_transition_on_unsubscribe_and_on_a_dropped_connection,
    concurrent_first_subscribers_wait_for_one_first_hook_before_their_snapshots,
    shutdown_runs_every_last_hook_before_it_resolves,
);
