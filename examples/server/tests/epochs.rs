//! Topic epochs: `subscribed` names the incarnation of a topic's history, and
//! a `since` from another incarnation gets a snapshot, never a replay.

mod common;

use common::{Client, End, control, publish, start};
use leptos_sync_protocol::{ServerMsg, error_code};
use serde_json::{Value, json};

fn subscribe(sub: u64, since: Option<u64>, epoch: Option<&str>) -> Value {
    let mut frame =
        json!({"type": "subscribe", "sub": sub, "topic": "T", "schema": 1, "since": since});
    if let Some(epoch) = epoch {
        frame["epoch"] = json!(epoch);
    }
    frame
}

/// Receives `subscribed`; returns (seq, recovered, epoch).
async fn subscribed(c: &mut Client, want_sub: u64) -> (u64, bool, String) {
    match c.recv().await {
        ServerMsg::Subscribed {
            sub,
            seq,
            recovered,
            epoch,
        } => {
            assert_eq!(sub, want_sub);
            (
                seq,
                recovered,
                epoch.expect("subscribed always carries the epoch"),
            )
        }
        other => panic!("expected subscribed, got {other:?}"),
    }
}

/// Receives `n` updates; returns their (seq, value).
async fn updates(c: &mut Client, n: usize) -> Vec<(u64, Value)> {
    let mut out = Vec::new();
    for _ in 0..n {
        match c.recv().await {
            ServerMsg::Update { seq, value, .. } => out.push((seq, value)),
            other => panic!("expected update, got {other:?}"),
        }
    }
    out
}

/// Receives a snapshot; returns (seq, entries).
async fn snapshot(c: &mut Client) -> (u64, Value) {
    match c.recv().await {
        ServerMsg::Snapshot { seq, entries, .. } => (seq, Value::Object(entries)),
        other => panic!("expected snapshot, got {other:?}"),
    }
}

#[tokio::test]
async fn only_a_matching_or_absent_epoch_recovers() {
    let server = start().await;
    for i in 1..=5 {
        publish(&server, "T", "k", json!(i)).await;
    }
    let (mut c, _) = Client::welcomed(server.local_addr(), "e").await;
    c.send(subscribe(1, None, None)).await;
    let (seq, recovered, epoch) = subscribed(&mut c, 1).await;
    assert_eq!((seq, recovered), (5, false));
    assert_eq!(Some(&epoch), common::epoch(&server, "T").await.as_ref());
    snapshot(&mut c).await;

    c.send(subscribe(2, Some(3), Some(&epoch))).await;
    assert_eq!(subscribed(&mut c, 2).await, (5, true, epoch.clone()));
    let seqs: Vec<u64> = updates(&mut c, 2).await.iter().map(|u| u.0).collect();
    assert_eq!(seqs, [4, 5]);

    // No epoch: the seq rule alone decides, as before epochs existed.
    c.send(subscribe(3, Some(5), None)).await;
    assert_eq!(subscribed(&mut c, 3).await, (5, true, epoch.clone()));

    c.send(subscribe(4, Some(3), Some("another-epoch"))).await;
    assert_eq!(subscribed(&mut c, 4).await, (5, false, epoch));
    assert_eq!(snapshot(&mut c).await, (5, json!({"k": 5})));
    c.assert_quiet_and_open(1).await;
}

#[tokio::test]
async fn after_a_restart_an_old_epoch_gets_a_snapshot_not_a_wrong_replay() {
    let server = start().await;
    let addr = server.local_addr();
    for i in 1..=5 {
        publish(&server, "T", &format!("old{i}"), json!(i)).await;
    }
    let (mut c, _) = Client::welcomed(addr, "r").await;
    c.send(subscribe(1, None, None)).await;
    let (_, _, old) = subscribed(&mut c, 1).await;
    snapshot(&mut c).await;
    // The client resumes below from 3, as one that had applied up to 3 would.
    assert_eq!(
        control(addr, "restart", "").await,
        json!({"restarted": true})
    );
    assert_eq!(c.end().await, End::Abrupt);

    // The new incarnation reaches the same seqs with other changes.
    for i in 1..=5 {
        publish(&server, "T", &format!("new{i}"), json!(i * 10)).await;
    }
    let new = common::epoch(&server, "T").await.unwrap();
    assert_ne!(new, old);
    let (mut c, _) = Client::welcomed(addr, "r").await;
    c.send(subscribe(1, Some(3), Some(&old))).await;
    assert_eq!(subscribed(&mut c, 1).await, (5, false, new.clone()));
    let (seq, entries) = snapshot(&mut c).await;
    assert_eq!(seq, 5);
    assert_eq!(entries["new5"], json!(50));
    assert!(entries.get("old1").is_none(), "{entries}");

    // Without the epoch the server cannot tell, and replays seqs 4 and 5 of
    // the new history on top of the old state: the wrong replay epochs prevent.
    c.send(subscribe(2, Some(3), None)).await;
    assert_eq!(subscribed(&mut c, 2).await, (5, true, new.clone()));
    let replay = updates(&mut c, 2).await;
    assert_eq!(replay, [(4, json!(40)), (5, json!(50))]);

    // With the new epoch, recovery works again.
    c.send(subscribe(3, Some(4), Some(&new))).await;
    assert_eq!(subscribed(&mut c, 3).await, (5, true, new));
    assert_eq!(updates(&mut c, 1).await, [(5, json!(50))]);
    c.assert_quiet_and_open(1).await;
}

#[tokio::test]
async fn another_process_gives_the_same_topic_another_epoch() {
    let (first, second) = (start().await, start().await);
    let mut epochs = Vec::new();
    for server in [&first, &second] {
        for i in 1..=3 {
            publish(server, "T", "k", json!(i)).await;
        }
        let (mut c, _) = Client::welcomed(server.local_addr(), "p").await;
        c.send(subscribe(1, None, None)).await;
        epochs.push(subscribed(&mut c, 1).await.2);
    }
    assert_ne!(epochs[0], epochs[1]);
    let (mut c, _) = Client::welcomed(second.local_addr(), "p").await;
    c.send(subscribe(1, Some(2), Some(&epochs[0]))).await;
    assert_eq!(subscribed(&mut c, 1).await, (3, false, epochs[1].clone()));
    assert_eq!(snapshot(&mut c).await, (3, json!({"k": 3})));
}

#[tokio::test]
async fn a_schema_mismatch_names_the_servers_schema() {
    let server = start().await;
    let (mut c, _) = Client::welcomed(server.local_addr(), "s").await;
    c.send(subscribe(1, None, None)).await;
    subscribed(&mut c, 1).await;
    snapshot(&mut c).await;
    c.send(json!({"type": "subscribe", "sub": 2, "topic": "T", "schema": 2, "since": null}))
        .await;
    match c.recv().await {
        ServerMsg::Error {
            code, sub, schema, ..
        } => {
            assert_eq!(code, error_code::SCHEMA_MISMATCH);
            assert_eq!((sub, schema), (Some(2), Some(1)));
        }
        other => panic!("expected error, got {other:?}"),
    }
}
