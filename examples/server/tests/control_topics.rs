//! The `/control` endpoints that act on topics: restart, lose_update,
//! publish_many, history and subscriptions.

mod common;

use std::net::SocketAddr;

use common::{
    Client, End, control, eventually, http, inspect, publish, start, start_with, topic_state,
};
use leptos_sync_protocol::ServerMsg;
use leptos_sync_server::Config;
use serde_json::{Value, json};

fn subscribe(sub: u64, topic: &str, schema: u32, since: Option<u64>) -> Value {
    json!({"type": "subscribe", "sub": sub, "topic": topic, "schema": schema, "since": since})
}

/// Subscribes and consumes `subscribed` plus the snapshot (a fresh subscription).
async fn subscribe_fresh(c: &mut Client, sub: u64, topic: &str) {
    c.send(subscribe(sub, topic, 1, None)).await;
    assert!(matches!(c.recv().await, ServerMsg::Subscribed { .. }));
    assert!(matches!(c.recv().await, ServerMsg::Snapshot { .. }));
}

async fn update_seq(c: &mut Client) -> u64 {
    match c.recv().await {
        ServerMsg::Update { seq, .. } => seq,
        other => panic!("expected update, got {other:?}"),
    }
}

async fn status(addr: SocketAddr, path: &str, body: &str) -> u16 {
    http(addr, "POST", &format!("/control/{path}"), &[], body)
        .await
        .status
}

#[tokio::test]
async fn restart_drops_everyone_and_forgets_topics_mutations_and_schemas() {
    let server = start().await;
    let addr = server.local_addr();
    let (mut a, _) = Client::welcomed(addr, "a").await;
    let (mut b, _) = Client::welcomed(addr, "b").await;
    subscribe_fresh(&mut a, 1, "T").await;
    b.send(json!({"type": "mutate", "id": "m1", "topic": "T", "key": "k", "value": 1}))
        .await;
    assert!(matches!(b.recv().await, ServerMsg::Ack { seq: 1, .. }));
    assert_eq!(update_seq(&mut a).await, 1);

    assert_eq!(
        control(addr, "restart?client=a", "").await,
        json!({"restarted": true}),
        "restart is global"
    );
    assert_eq!(a.end().await, End::Abrupt);
    assert_eq!(b.end().await, End::Abrupt);
    assert_eq!(
        topic_state(addr, "T").await,
        json!({"seq": 0, "entries": {}})
    );
    assert_eq!(inspect(addr, "topic?name=T").await["epoch"], json!(null));
    assert_eq!(inspect(addr, "mutations").await, json!({}));
    assert_eq!(inspect(addr, "subscriptions").await, json!([]));
    // Statistics survive: they describe the test, not the server's state.
    let frames = inspect(addr, "stats?client=b").await["frames"].clone();
    assert_eq!(frames.as_array().unwrap().len(), 2);

    // The schema is forgotten, and the same mutation id applies afresh.
    let (mut c, _) = Client::welcomed(addr, "a").await;
    c.send(subscribe(1, "T", 2, None)).await;
    assert!(matches!(
        c.recv().await,
        ServerMsg::Subscribed { seq: 0, .. }
    ));
    assert!(matches!(
        c.recv().await,
        ServerMsg::Snapshot { schema: 2, .. }
    ));
    c.send(json!({"type": "mutate", "id": "m1", "topic": "T", "key": "k", "value": 2}))
        .await;
    assert_eq!(update_seq(&mut c).await, 1);
    assert!(matches!(c.recv().await, ServerMsg::Ack { seq: 1, .. }));
    assert_eq!(
        topic_state(addr, "T").await,
        json!({"seq": 1, "entries": {"k": 2}})
    );
}

#[tokio::test]
async fn lose_update_applies_without_sending_so_the_next_update_shows_a_gap() {
    let server = start().await;
    let addr = server.local_addr();
    let (mut c, _) = Client::welcomed(addr, "l").await;
    subscribe_fresh(&mut c, 1, "T").await;
    let change = |v: i32| json!({"topic": "T", "key": "k", "value": v}).to_string();
    assert_eq!(
        control(addr, "publish", &change(1)).await,
        json!({"seq": 1})
    );
    assert_eq!(update_seq(&mut c).await, 1);
    assert_eq!(
        control(addr, "lose_update", &change(2)).await,
        json!({"seq": 2})
    );
    c.assert_quiet_and_open(1).await;
    assert_eq!(
        topic_state(addr, "T").await,
        json!({"seq": 2, "entries": {"k": 2}})
    );
    control(addr, "publish", &change(3)).await;
    assert_eq!(update_seq(&mut c).await, 3, "the gap: 2 never arrived");
    // The history has it, so resubscribing from 1 heals the gap.
    c.send(subscribe(2, "T", 1, Some(1))).await;
    assert!(matches!(
        c.recv().await,
        ServerMsg::Subscribed {
            recovered: true,
            ..
        }
    ));
    match c.recv().await {
        ServerMsg::Update { seq: 2, value, .. } => assert_eq!(value, json!(2)),
        other => panic!("expected the lost update, got {other:?}"),
    }
    assert_eq!(update_seq(&mut c).await, 3);
    assert_eq!(status(addr, "lose_update", "{}").await, 400);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn publish_many_broadcasts_a_large_burst_in_order() {
    const COUNT: u64 = 100_000;
    // The burst is queued at once: a queue that holds it, or the subscriber
    // is closed as a slow consumer (4413).
    let server = start_with(Config {
        control: true,
        send_queue_frames: COUNT as usize,
        send_queue_bytes: 64 << 20,
        ..Config::default()
    })
    .await;
    let addr = server.local_addr();
    let (mut c, _) = Client::welcomed(addr, "m").await;
    subscribe_fresh(&mut c, 1, "Burst").await;
    let body = json!({"topic": "Burst", "count": COUNT, "key_prefix": "p", "keys": 10});
    let reply = control(addr, "publish_many", &body.to_string()).await;
    assert_eq!(reply, json!({"seq": COUNT}));
    let mut last = 0;
    let mut value = Value::Null;
    while last < COUNT {
        match c.recv().await {
            ServerMsg::Update { seq, value: v, .. } => {
                assert_eq!(seq, last + 1, "jumped from {last} to {seq}");
                (last, value) = (seq, v);
            }
            other => panic!("expected update, got {other:?}"),
        }
    }
    assert_eq!(value["n"], json!(COUNT - 1));
    assert!(value["at"].is_u64(), "{value}");
    c.assert_quiet_and_open(1).await;
    let state = topic_state(addr, "Burst").await;
    let keys: Vec<&String> = state["entries"].as_object().unwrap().keys().collect();
    assert_eq!(keys.len(), 10);
    assert!(keys.iter().all(|k| k.starts_with('p')), "{keys:?}");

    // Keys default to one per update, with the prefix "k".
    let reply = control(addr, "publish_many", r#"{"topic":"U","count":3}"#).await;
    assert_eq!(reply, json!({"seq": 3}));
    let entries = topic_state(addr, "U").await["entries"].clone();
    assert_eq!(entries["k2"]["n"], json!(2));
    assert_eq!(entries.as_object().unwrap().len(), 3);
    let too_many = json!({"topic": "U", "count": 10_000_000}).to_string();
    assert_eq!(status(addr, "publish_many", &too_many).await, 400);
    assert_eq!(status(addr, "publish_many", r#"{"topic":"U"}"#).await, 400);
}

#[tokio::test]
async fn history_resizes_every_ring() {
    let server = start().await;
    let addr = server.local_addr();
    for i in 1..=10 {
        publish(&server, "T", "k", json!(i)).await;
    }
    assert_eq!(
        control(addr, "history?n=3", "").await,
        json!({"history": 3})
    );
    let (mut c, _) = Client::welcomed(addr, "h").await;
    // since 6 needs 7..=10, but the ring now holds 8..=10.
    c.send(subscribe(1, "T", 1, Some(6))).await;
    assert!(matches!(
        c.recv().await,
        ServerMsg::Subscribed {
            recovered: false,
            ..
        }
    ));
    assert!(matches!(
        c.recv().await,
        ServerMsg::Snapshot { seq: 10, .. }
    ));
    c.send(subscribe(2, "T", 1, Some(7))).await;
    assert!(matches!(
        c.recv().await,
        ServerMsg::Subscribed {
            recovered: true,
            ..
        }
    ));
    for want in 8..=10 {
        assert_eq!(update_seq(&mut c).await, want);
    }
    // New updates keep to the new size too.
    publish(&server, "T", "k", json!(11)).await;
    update_seq(&mut c).await;
    update_seq(&mut c).await;
    c.send(subscribe(3, "T", 1, Some(7))).await;
    assert!(matches!(
        c.recv().await,
        ServerMsg::Subscribed {
            recovered: false,
            ..
        }
    ));
    assert_eq!(status(addr, "history", "").await, 400);
}

#[tokio::test]
async fn subscriptions_lists_the_live_subscriptions_of_a_topic() {
    let server = start().await;
    let addr = server.local_addr();
    let (mut a, session_a) = Client::welcomed(addr, "a").await;
    let (mut b, session_b) = Client::welcomed(addr, "b").await;
    subscribe_fresh(&mut a, 1, "T").await;
    subscribe_fresh(&mut a, 2, "T").await; // A duplicate, as a buggy client might make.
    subscribe_fresh(&mut a, 3, "U").await;
    subscribe_fresh(&mut b, 1, "T").await;
    let row = |client: &str, session: &str, sub: u64| json!({"client": client, "session": session, "sub": sub, "topic": "T"});
    let mut listed = inspect(addr, "subscriptions?topic=T").await;
    listed
        .as_array_mut()
        .unwrap()
        .sort_by_key(|r| (r["client"].to_string(), r["sub"].as_u64()));
    assert_eq!(
        listed,
        json!([
            row("a", &session_a, 1),
            row("a", &session_a, 2),
            row("b", &session_b, 1)
        ])
    );
    assert_eq!(
        inspect(addr, "subscriptions?topic=T&client=b").await,
        json!([row("b", &session_b, 1)])
    );
    assert_eq!(
        inspect(addr, "subscriptions?client=a")
            .await
            .as_array()
            .unwrap()
            .len(),
        3,
        "without a topic, every topic"
    );

    a.send(json!({"type": "unsubscribe", "sub": 2})).await;
    a.assert_quiet_and_open(1).await;
    drop(b);
    let listed = eventually("b's subscription to go with b", || async {
        let listed = inspect(addr, "subscriptions?topic=T").await;
        (listed.as_array().unwrap().len() == 1).then_some(listed)
    })
    .await;
    assert_eq!(listed, json!([row("a", &session_a, 1)]));
}
