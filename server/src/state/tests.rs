//! Unit tests of the hub.

use super::*;
use tokio::sync::mpsc::unbounded_channel;

fn drain(rx: &mut tokio::sync::mpsc::UnboundedReceiver<Out>) -> Vec<ServerMsg> {
    let mut out = Vec::new();
    while let Ok(Out::Text(t)) = rx.try_recv() {
        out.push(ServerMsg::decode(&t).unwrap());
    }
    out
}

fn req(sub: u64, schema: u32, since: Option<u64>, epoch: Option<&str>) -> SubRequest<'_> {
    SubRequest {
        sub,
        topic: "T",
        schema,
        since,
        epoch,
    }
}

#[test]
fn recovery_needs_the_whole_gap_in_the_ring() {
    let hub = Hub::new(3);
    for i in 0..5 {
        hub.publish("T", "k", Value::from(i));
    }
    let (tx, mut rx) = unbounded_channel();
    hub.subscribe(1, &tx, &req(1, 9, Some(2), None)).unwrap();
    let got = drain(&mut rx);
    assert_eq!(
        got[0],
        ServerMsg::Subscribed {
            sub: 1,
            seq: 5,
            recovered: true,
            epoch: hub.epoch("T"),
        }
    );
    let seqs: Vec<u64> = got[1..]
        .iter()
        .map(|m| match m {
            ServerMsg::Update { seq, .. } => *seq,
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(seqs, [3, 4, 5]);

    hub.subscribe(1, &tx, &req(2, 9, Some(1), None)).unwrap();
    let got = drain(&mut rx);
    assert!(matches!(
        got[0],
        ServerMsg::Subscribed {
            recovered: false,
            ..
        }
    ));
    assert!(matches!(got[1], ServerMsg::Snapshot { seq: 5, .. }));
    assert_eq!(
        hub.subscribe(2, &tx, &req(1, 8, None, None)),
        Err(SchemaMismatch { expected: 9 })
    );
}

#[test]
fn a_repeated_mutation_id_is_applied_once() {
    let hub = Hub::new(10);
    assert_eq!(hub.mutate("a", "T", "k", Value::from(1)), (1, true));
    assert_eq!(hub.mutate("a", "T", "k", Value::from(2)), (1, false));
    assert_eq!(hub.topic("T").unwrap().1["k"], Value::from(1));
    assert_eq!(hub.mutations()["a"], Value::from(1));
}

#[test]
#[cfg(feature = "control")] // restart and set_history are control operations
fn epochs_are_unique_per_topic_creation() {
    let hub = Hub::new(10);
    hub.publish("A", "k", Value::from(1));
    hub.publish("B", "k", Value::from(1));
    let (a, b) = (hub.epoch("A").unwrap(), hub.epoch("B").unwrap());
    assert_ne!(a, b);
    hub.publish("A", "k", Value::from(2));
    assert_eq!(hub.epoch("A").unwrap(), a, "updates keep the epoch");
    hub.restart();
    assert_eq!(hub.epoch("A"), None);
    hub.publish("A", "k", Value::from(1));
    assert_ne!(
        hub.epoch("A").unwrap(),
        a,
        "a recreated topic has a new epoch"
    );
    assert_ne!(Hub::new(10).boot, 0);
}

#[test]
#[cfg(feature = "control")] // restart and set_history are control operations
fn set_history_trims_existing_rings() {
    let hub = Hub::new(10);
    for i in 0..10 {
        hub.publish("T", "k", Value::from(i));
    }
    hub.set_history(3);
    let inner = hub.lock();
    let seqs: Vec<u64> = inner.topics["T"].history.iter().map(|c| c.seq).collect();
    assert_eq!(seqs, [8, 9, 10]);
}
