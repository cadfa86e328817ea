//! Two `SyncServer` nodes on one Redis, through the wire: a page on one
//! node sees the mutations made on the other, a client that loses its
//! node resumes on the other with exactly what it missed, and a node is on
//! a topic's channel only while it has subscribers of it.

mod redis_support;
mod support;

use leptos_sync_protocol::ServerMsg;
use leptos_sync_server::{RedisEngine, RedisOptions, Server, SyncServer};
use redis_support::RedisServer;
use serde_json::{Value, json};
use support::{Client, eventually};

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
    // The resync update (PROTOCOL.md): past any seq the client has, so it
    // sees a gap and resubscribes.
    let marker = update(u64::MAX, "", Value::Null);
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

/// How many connections are subscribed to topic T's live channel.
async fn listening_nodes(redis: &RedisServer) -> u64 {
    let mut admin = redis.conn().await;
    let (_, subscribers): (String, u64) = redis::cmd("PUBSUB")
        .arg(&["NUMSUB", "lsync:{T}:live"])
        .query_async(&mut admin)
        .await
        .expect("PUBSUB NUMSUB");
    subscribers
}

async fn wait_listening(redis: &RedisServer, n: u64) {
    let what = format!("{n} node(s) on the channel");
    eventually(&what, || async {
        (listening_nodes(redis).await == n).then_some(())
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_node_leaves_a_topics_channel_with_its_last_subscriber_and_resumes_it_later() {
    let redis = RedisServer::start();
    let (one, two) = (node(&redis).await, node(&redis).await);
    let (mut reader, _) = Client::welcomed(one.local_addr(), "reader").await;
    let (mut writer, _) = Client::welcomed(two.local_addr(), "writer").await;
    let epoch = subscribe_fresh(&mut reader).await;
    wait_listening(&redis, 1).await; // node one; node two has no subscriber
    writer.send(mutate("m1", "a", json!(1))).await;
    assert_eq!(reader.recv().await, update(1, "a", json!(1)));
    let ack = ServerMsg::Ack {
        id: "m1".into(),
        seq: 1,
    };
    assert_eq!(writer.recv().await, ack);

    reader.send(json!({"type": "unsubscribe", "sub": 1})).await;
    wait_listening(&redis, 0).await;
    for (id, seq) in [("m2", 2), ("m3", 3)] {
        writer.send(mutate(id, "a", json!(seq))).await;
        let ack = ServerMsg::Ack { id: id.into(), seq };
        assert_eq!(writer.recv().await, ack);
    }

    // Back on the same node: what it missed off the channel, then live again.
    reader.send(subscribe(1, Some(1), Some(&epoch))).await;
    let resumed = ServerMsg::Subscribed {
        sub: 1,
        seq: 3,
        recovered: true,
        epoch: Some(epoch),
    };
    assert_eq!(reader.recv().await, resumed);
    assert_eq!(reader.recv().await, update(2, "a", json!(2)));
    assert_eq!(reader.recv().await, update(3, "a", json!(3)));
    wait_listening(&redis, 1).await;
    writer.send(mutate("m4", "b", json!(4))).await;
    assert_eq!(reader.recv().await, update(4, "b", json!(4)));
    reader.assert_quiet_and_open(1).await;

    // A connection that goes takes its subscriptions, and the node's watch, with it.
    drop(reader);
    wait_listening(&redis, 0).await;
}
