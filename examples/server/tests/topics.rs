//! Protocol v1 over `/ws`: subscriptions, recovery and mutations, on both
//! engines.

mod common;

use common::{
    Client, TestEngine, epoch, eventually, inspect, publish, start, start_on, topic_state,
};
use leptos_sync_protocol::{ServerMsg, error_code};
use leptos_sync_server::Config;
use serde_json::{Value, json};

fn subscribe(sub: u64, topic: &str, schema: u32, since: Option<u64>) -> Value {
    json!({"type": "subscribe", "sub": sub, "topic": topic, "schema": schema, "since": since})
}

fn mutate(id: &str, topic: &str, key: &str, value: Value) -> Value {
    json!({"type": "mutate", "id": id, "topic": topic, "key": key, "value": value})
}

fn update_seqs(msgs: &[ServerMsg]) -> Vec<u64> {
    msgs.iter()
        .map(|m| match m {
            ServerMsg::Update { seq, .. } => *seq,
            other => panic!("expected update, got {other:?}"),
        })
        .collect()
}

async fn subscribe_without_since_gets_a_snapshot_then_live_updates(engine: TestEngine) {
    let server = start_on(&engine, Config::default()).await;
    let addr = server.local_addr();
    publish(&server, "Pos", "a", json!({"x": 1})).await;
    publish(&server, "Pos", "b", json!({"x": 2})).await;
    let (mut c, _) = Client::welcomed(addr, "t").await;
    c.send(subscribe(7, "Pos", 99, None)).await;
    assert_eq!(
        c.recv().await,
        ServerMsg::Subscribed {
            sub: 7,
            seq: 2,
            recovered: false,
            epoch: epoch(&server, "Pos").await
        }
    );
    let entries = json!({"a": {"x": 1}, "b": {"x": 2}})
        .as_object()
        .unwrap()
        .clone();
    assert_eq!(
        c.recv().await,
        ServerMsg::Snapshot {
            sub: 7,
            seq: 2,
            schema: 99,
            entries
        }
    );

    let (mut writer, _) = Client::welcomed(addr, "w").await;
    writer.send(mutate("m1", "Pos", "a", json!({"x": 3}))).await;
    assert_eq!(
        writer.recv().await,
        ServerMsg::Ack {
            id: "m1".into(),
            seq: 3
        }
    );
    let expected = ServerMsg::Update {
        sub: 7,
        seq: 3,
        key: "a".into(),
        value: json!({"x": 3}),
    };
    assert_eq!(c.recv().await, expected);

    let subs = inspect(addr, "stats").await["subscriptions"].clone();
    assert_eq!(subs.as_array().unwrap().len(), 1);
    assert_eq!(subs[0]["topic"], "Pos");
    assert_eq!(subs[0]["sub"], 7);
}

async fn since_within_history_replays_exactly_the_missed_updates(engine: TestEngine) {
    let server = start_on(&engine, Config::default()).await;
    for i in 1..=5 {
        publish(&server, "T", &format!("k{i}"), json!(i)).await;
    }
    let (mut c, _) = Client::welcomed(server.local_addr(), "t").await;
    c.send(subscribe(1, "T", 5, Some(2))).await;
    assert_eq!(
        c.recv().await,
        ServerMsg::Subscribed {
            sub: 1,
            seq: 5,
            recovered: true,
            epoch: epoch(&server, "T").await
        }
    );
    let mut replay = Vec::new();
    for _ in 0..3 {
        replay.push(c.recv().await);
    }
    assert_eq!(update_seqs(&replay), [3, 4, 5]);
    assert_eq!(
        replay[0],
        ServerMsg::Update {
            sub: 1,
            seq: 3,
            key: "k3".into(),
            value: json!(3)
        }
    );
    // Live updates continue without a gap or a repeat.
    publish(&server, "T", "k6", json!(6)).await;
    assert_eq!(update_seqs(&[c.recv().await]), [6]);
    c.assert_quiet_and_open(1).await;

    // Already up to date: recovered with nothing to replay.
    c.send(subscribe(2, "T", 5, Some(6))).await;
    assert_eq!(
        c.recv().await,
        ServerMsg::Subscribed {
            sub: 2,
            seq: 6,
            recovered: true,
            epoch: epoch(&server, "T").await
        }
    );
    c.assert_quiet_and_open(2).await;
}

async fn since_older_than_history_or_from_the_future_gets_a_snapshot(engine: TestEngine) {
    let engine = TestEngine::start_with(engine.kind, 2);
    let server = start_on(&engine, Config::default()).await;
    for i in 1..=5 {
        publish(&server, "T", "k", json!(i)).await;
    }
    let (mut c, _) = Client::welcomed(server.local_addr(), "t").await;
    for (sub, since) in [(1, 2), (2, 99)] {
        c.send(subscribe(sub, "T", 1, Some(since))).await;
        assert_eq!(
            c.recv().await,
            ServerMsg::Subscribed {
                sub,
                seq: 5,
                recovered: false,
                epoch: epoch(&server, "T").await
            }
        );
        match c.recv().await {
            ServerMsg::Snapshot {
                sub: s,
                seq: 5,
                entries,
                ..
            } => {
                assert_eq!(s, sub);
                assert_eq!(entries["k"], json!(5));
            }
            other => panic!("{other:?}"),
        }
    }
    // since 3 needs 4 and 5, both still in a ring of 2.
    c.send(subscribe(3, "T", 1, Some(3))).await;
    assert_eq!(
        c.recv().await,
        ServerMsg::Subscribed {
            sub: 3,
            seq: 5,
            recovered: true,
            epoch: epoch(&server, "T").await
        }
    );
    assert_eq!(update_seqs(&[c.recv().await, c.recv().await]), [4, 5]);
}

async fn a_different_schema_is_refused_without_a_subscription(engine: TestEngine) {
    let server = start_on(&engine, Config::default()).await;
    let addr = server.local_addr();
    let (mut a, _) = Client::welcomed(addr, "a").await;
    a.send(subscribe(1, "T", 111, None)).await;
    assert!(matches!(a.recv().await, ServerMsg::Subscribed { .. }));
    assert!(matches!(
        a.recv().await,
        ServerMsg::Snapshot { schema: 111, .. }
    ));
    let (mut b, _) = Client::welcomed(addr, "b").await;
    b.send(subscribe(4, "T", 222, None)).await;
    assert_eq!(
        b.recv_error().await,
        (error_code::SCHEMA_MISMATCH.to_owned(), Some(4))
    );
    publish(&server, "T", "k", json!(1)).await;
    // a gets the update; b has no subscription, so its next frame is the pong.
    assert!(matches!(
        a.recv().await,
        ServerMsg::Update { sub: 1, seq: 1, .. }
    ));
    b.assert_quiet_and_open(1).await;
    assert_eq!(
        inspect(addr, "stats?client=b").await["subscriptions"],
        json!([])
    );
}

async fn unsubscribe_stops_updates_and_unknown_subs_are_errors(engine: TestEngine) {
    let server = start_on(&engine, Config::default()).await;
    let (mut c, _) = Client::welcomed(server.local_addr(), "t").await;
    c.send(subscribe(1, "T", 1, None)).await;
    c.recv().await;
    c.recv().await;
    c.send(json!({"type": "unsubscribe", "sub": 1})).await;
    c.assert_quiet_and_open(1).await;
    publish(&server, "T", "k", json!(1)).await;
    c.assert_quiet_and_open(2).await;
    c.send(json!({"type": "unsubscribe", "sub": 1})).await;
    assert_eq!(
        c.recv_error().await,
        (error_code::UNKNOWN_SUBSCRIPTION.to_owned(), Some(1))
    );
}

// It reads the in-memory engine's dedup table through /control.
#[tokio::test]
async fn a_repeated_mutation_id_is_acked_again_but_applied_once() {
    let server = start().await;
    let addr = server.local_addr();
    let (mut c, _) = Client::welcomed(addr, "t").await;
    c.send(subscribe(1, "T", 1, None)).await;
    c.recv().await;
    c.recv().await;
    c.send(mutate("m1", "T", "k", json!({"v": 1}))).await;
    // The broadcast comes before the ack on the mutating connection too.
    assert!(matches!(c.recv().await, ServerMsg::Update { seq: 1, .. }));
    assert_eq!(
        c.recv().await,
        ServerMsg::Ack {
            id: "m1".into(),
            seq: 1
        }
    );
    c.send(mutate("m1", "T", "k", json!({"v": 2}))).await;
    assert_eq!(
        c.recv().await,
        ServerMsg::Ack {
            id: "m1".into(),
            seq: 1
        }
    );
    c.assert_quiet_and_open(1).await;
    // Across connections too.
    let (mut other, _) = Client::welcomed(addr, "u").await;
    other.send(mutate("m1", "T", "k", json!({"v": 3}))).await;
    assert_eq!(
        other.recv().await,
        ServerMsg::Ack {
            id: "m1".into(),
            seq: 1
        }
    );

    let topic = topic_state(addr, "T").await;
    assert_eq!(topic, json!({"seq": 1, "entries": {"k": {"v": 1}}}));
    assert_eq!(inspect(addr, "mutations").await, json!({"m1": 1}));
}

async fn a_null_value_removes_the_key(engine: TestEngine) {
    let server = start_on(&engine, Config::default()).await;
    let addr = server.local_addr();
    let (mut c, _) = Client::welcomed(addr, "t").await;
    c.send(mutate("a", "T", "k", json!(1))).await;
    c.recv().await;
    c.send(mutate("b", "T", "k", Value::Null)).await;
    assert_eq!(
        c.recv().await,
        ServerMsg::Ack {
            id: "b".into(),
            seq: 2
        }
    );
    assert_eq!(
        topic_state(addr, "T").await,
        json!({"seq": 2, "entries": {}})
    );
}

async fn subscribing_during_a_burst_loses_and_repeats_nothing(engine: TestEngine) {
    const LAST: u64 = 400;
    let server = start_on(&engine, Config::default()).await;
    let sync = server.sync().clone();
    let (go, ready) = tokio::sync::oneshot::channel::<()>();
    let publisher = tokio::spawn(async move {
        let mut ready = Some(ready);
        for i in 1..=LAST {
            let key = format!("k{}", i % 7);
            sync.publish("Burst", &key, json!(i)).await.unwrap();
            // Half the burst before the subscriptions, half racing them.
            if i == LAST / 2 {
                let _ = ready.take().unwrap().await;
            }
            if i % 4 == 0 {
                tokio::task::yield_now().await;
            }
        }
    });
    // One subscription resumes from mid-burst, one starts fresh.
    let (mut c, _) = Client::welcomed(server.local_addr(), "b").await;
    let now = eventually("half the burst", || async {
        let seq = server.sync().topic("Burst").await.unwrap()?.seq;
        (seq == LAST / 2).then_some(seq)
    })
    .await;
    c.send(subscribe(1, "Burst", 1, Some(now))).await;
    c.send(subscribe(2, "Burst", 1, None)).await;
    go.send(()).unwrap();
    let mut last = std::collections::HashMap::new();
    let mut live = 0;
    while last.values().filter(|&&s| s == LAST).count() < 2 {
        match c.recv().await {
            ServerMsg::Subscribed {
                sub,
                seq,
                recovered,
                epoch: Some(_),
            } => {
                if recovered {
                    assert_eq!(sub, 1);
                    last.insert(sub, now);
                    assert!(seq >= now);
                }
            }
            ServerMsg::Snapshot { sub, seq, .. } => {
                last.insert(sub, seq);
            }
            ServerMsg::Update { sub, seq, .. } => {
                live += 1;
                let prev = last.insert(sub, seq).expect("an update after subscribed");
                assert_eq!(seq, prev + 1, "sub {sub} jumped from {prev} to {seq}");
            }
            other => panic!("{other:?}"),
        }
    }
    publisher.await.unwrap();
    assert!(live > 0, "the burst ended before the subscriptions");
    c.assert_quiet_and_open(1).await;
}

on_both_engines!(
    subscribe_without_since_gets_a_snapshot_then_live_updates,
    since_within_history_replays_exactly_the_missed_updates,
    since_older_than_history_or_from_the_future_gets_a_snapshot,
    a_different_schema_is_refused_without_a_subscription,
    unsubscribe_stops_updates_and_unknown_subs_are_errors,
    a_null_value_removes_the_key,
    subscribing_during_a_burst_loses_and_repeats_nothing,
);
