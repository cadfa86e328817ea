//! Two `SyncServer` nodes on one Redis, through the wire: a page on one
//! node sees the mutations made on the other, and a client that loses its
//! node resumes on the other with exactly what it missed.

mod redis_support;
mod support;

use leptos_sync_protocol::ServerMsg;
use leptos_sync_server::{RedisEngine, RedisOptions, Server, SyncServer};
use redis_support::RedisServer;
use serde_json::{Value, json};
use support::Client;

async fn node(redis: &RedisServer) -> Server {
    let engine = RedisEngine::open(&redis.url(), RedisOptions::default()).expect("a valid URL");
    let sync = SyncServer::builder().engine(engine).build();
    sync.serve("127.0.0.1:0").await.expect("the node serves")
}

fn subscribe(sub: u64, since: Option<u64>, epoch: Option<&str>) -> Value {
    json!({"type": "subscribe", "sub": sub, "topic": "T", "schema": 1, "since": since, "epoch": epoch})
}

fn mutate(id: &str, key: &str, value: Value) -> Value {
    json!({"type": "mutate", "id": id, "topic": "T", "key": key, "value": value})
}

/// Subscribes fresh; returns the epoch.
async fn subscribe_fresh(c: &mut Client) -> String {
    c.send(subscribe(1, None, None)).await;
    let ServerMsg::Subscribed {
        epoch: Some(epoch), ..
    } = c.recv().await
    else {
        panic!("subscribed with an epoch")
    };
    assert!(matches!(c.recv().await, ServerMsg::Snapshot { .. }));
    epoch
}

fn update(seq: u64, key: &str, value: Value) -> ServerMsg {
    ServerMsg::Update {
        sub: 1,
        seq,
        key: key.into(),
        value,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nodes_share_topics_and_a_client_resumes_on_another_node() {
    let redis = RedisServer::start();
    let (one, two) = (node(&redis).await, node(&redis).await);
    let (mut reader, _) = Client::welcomed(one.local_addr(), "reader").await;
    let (mut writer, _) = Client::welcomed(two.local_addr(), "writer").await;
    let epoch = subscribe_fresh(&mut reader).await;
    subscribe_fresh(&mut writer).await;

    writer.send(mutate("m1", "a", json!(1))).await;
    // Update before ack, on the writer's node too.
    assert_eq!(writer.recv().await, update(1, "a", json!(1)));
    let ack = ServerMsg::Ack {
        id: "m1".into(),
        seq: 1,
    };
    assert_eq!(writer.recv().await, ack);
    assert_eq!(reader.recv().await, update(1, "a", json!(1)));

    // The reader's node goes away; it misses two changes and a re-send.
    drop(reader);
    drop(one);
    writer.send(mutate("m2", "b", json!(2))).await;
    writer.send(mutate("m3", "a", Value::Null)).await;
    writer.send(mutate("m1", "a", json!(1))).await;
    let mut acks = Vec::new();
    while acks.len() < 3 {
        if let ServerMsg::Ack { id, seq } = writer.recv().await {
            acks.push((id, seq));
        }
    }
    let expected = [("m2", 2), ("m3", 3), ("m1", 1)].map(|(id, seq)| (id.to_owned(), seq));
    assert_eq!(acks, expected, "a re-sent id is acked with its first seq");

    let (mut back, _) = Client::welcomed(two.local_addr(), "reader-again").await;
    back.send(subscribe(1, Some(1), Some(&epoch))).await;
    let resumed = ServerMsg::Subscribed {
        sub: 1,
        seq: 3,
        recovered: true,
        epoch: Some(epoch),
    };
    assert_eq!(back.recv().await, resumed);
    assert_eq!(back.recv().await, update(2, "b", json!(2)));
    assert_eq!(back.recv().await, update(3, "a", Value::Null));
    back.assert_quiet_and_open(1).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_epoch_reaches_a_client_as_a_gap_and_its_resubscribe_gets_a_snapshot() {
    let redis = RedisServer::start();
    let (one, two) = (node(&redis).await, node(&redis).await);
    let (mut reader, _) = Client::welcomed(one.local_addr(), "reader").await;
    let (mut writer, _) = Client::welcomed(two.local_addr(), "writer").await;
    let epoch = subscribe_fresh(&mut reader).await;
    writer.send(mutate("m1", "a", json!(1))).await;
    assert_eq!(reader.recv().await, update(1, "a", json!(1)));

    let mut admin = redis.conn().await;
    redis::cmd("FLUSHALL")
        .query_async::<()>(&mut admin)
        .await
        .unwrap();
    writer.send(mutate("m2", "b", json!(2))).await;
    // Past any seq the client has: it sees a gap and resubscribes.
    let marker = update(leptos_sync_server::RESYNC_SEQ, "", Value::Null);
    assert_eq!(reader.recv().await, marker);
    reader.send(subscribe(1, Some(1), Some(&epoch))).await;
    let ServerMsg::Subscribed {
        seq: 1,
        recovered: false,
        epoch: Some(new_epoch),
        ..
    } = reader.recv().await
    else {
        panic!("subscribed without recovery")
    };
    assert_ne!(new_epoch, epoch);
    let ServerMsg::Snapshot {
        seq: 1, entries, ..
    } = reader.recv().await
    else {
        panic!("a snapshot of the new epoch")
    };
    assert_eq!(json!(entries), json!({"b": 2}));
    writer.send(mutate("m3", "c", json!(3))).await;
    assert_eq!(reader.recv().await, update(2, "c", json!(3)));
}
