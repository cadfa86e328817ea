//! Missing topics and seeds: `IfAbsent::Refuse` creates nothing, and
//! `Engine::seed` creates a topic once, atomically across nodes, never
//! over an existing one, and delivers nothing.

use std::sync::Arc;

use leptos_sync_server::{EngineError, IfAbsent, Join, Start};
use serde_json::{Map, Value, json};

use super::{Recorder, Subject, apply, join};

fn refusing<'a>(topic: &'a str, since: Option<u64>, epoch: Option<&'a str>) -> Join<'a> {
    let join = join(topic, 1, since, epoch);
    Join {
        if_absent: IfAbsent::Refuse,
        ..join
    }
}

fn entries(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(map) => map,
        other => panic!("entries are an object, not {other}"),
    }
}

pub async fn refuse_creates_and_changes_nothing_for_a_missing_topic(s: Subject) {
    let e = s.engine.as_ref();
    assert_eq!(
        e.join(refusing("T", None, None)).await,
        Err(EngineError::Absent)
    );
    let refused = e
        .apply("T", Some("m"), "k", json!(1), IfAbsent::Refuse)
        .await;
    assert_eq!(refused, Err(EngineError::Absent));
    assert_eq!(e.topic("T").await.unwrap(), None, "nothing was created");
    // The refused mutation id was not remembered: it applies once created.
    assert_eq!(apply(e, "T", Some("m"), "k", json!(2)).await, (1, true));
    // An existing topic is not refused.
    let joined = e.join(refusing("T", None, None)).await.unwrap();
    assert_eq!(joined.seq, 1);
    let applied = e.apply("T", None, "k", json!(3), IfAbsent::Refuse).await;
    assert_eq!(applied.map(|a| a.seq), Ok(2));
    let t = e.topic("T").await.unwrap().unwrap();
    assert_eq!((t.seq, json!(t.entries)), (2, json!({"k": 3})));
}

pub async fn a_seed_creates_a_fresh_topic_once_and_delivers_nothing(s: Subject) {
    let e = s.engine.as_ref();
    let sink = Arc::new(Recorder::default());
    e.listen(sink.clone());
    // As the server does: its subscriber appears before the topic is loaded.
    e.watch("S").await.unwrap();
    apply(e, "Other", None, "x", json!(0)).await;
    let seed = entries(json!({"a": 1, "b": {"nested": [true]}}));
    assert!(e.seed("S", seed.clone()).await.unwrap());
    assert!(
        !e.seed("S", entries(json!({"a": 2}))).await.unwrap(),
        "once"
    );
    let s_state = e.topic("S").await.unwrap().expect("created");
    assert_eq!((s_state.seq, &s_state.entries), (1, &seed));
    let other = e.topic("Other").await.unwrap().unwrap();
    assert_ne!(s_state.epoch, other.epoch, "a fresh epoch");

    let epoch = s_state.epoch.as_str();
    let joined = e.join(refusing("S", None, None)).await.unwrap();
    assert_eq!(
        (joined.seq, joined.start),
        (1, Start::Snapshot(seed.clone()))
    );
    // The seed is in no history: resuming from before it is a snapshot.
    let from_zero = e.join(refusing("S", Some(0), Some(epoch))).await.unwrap();
    assert_eq!(from_zero.start, Start::Snapshot(seed));
    let written = e.apply("S", None, "c", json!(3), IfAbsent::Refuse).await;
    assert_eq!(written.map(|a| a.seq), Ok(2));
    // Update before ack: the write is delivered, and nothing before it.
    assert_eq!(sink.seqs("S"), [2]);
    let resumed = e.join(refusing("S", Some(1), Some(epoch))).await.unwrap();
    let Start::Replay(changes) = resumed.start else {
        panic!("a replay after the seed")
    };
    assert_eq!(changes.iter().map(|c| c.seq).collect::<Vec<_>>(), [2]);

    assert!(e.seed("Empty", Map::new()).await.unwrap());
    let empty = e.join(refusing("Empty", Some(0), None)).await.unwrap();
    assert_eq!((empty.seq, empty.start), (0, Start::Replay(vec![])));
    e.unwatch("S").await;
}

pub async fn a_seed_never_clobbers_an_existing_topic(s: Subject) {
    let e = s.engine.as_ref();
    apply(e, "Written", None, "k", json!(1)).await;
    e.join(join("Joined", 1, None, None)).await.unwrap();
    for name in ["Written", "Joined"] {
        let before = e.topic(name).await.unwrap().unwrap();
        let seeded = e.seed(name, entries(json!({"seed": true}))).await;
        assert_eq!(seeded, Ok(false), "{name}");
        assert_eq!(e.topic(name).await.unwrap(), Some(before), "{name}");
    }
    let replay = e.join(join("Written", 1, Some(0), None)).await.unwrap();
    let Start::Replay(changes) = replay.start else {
        panic!("the history of the write is kept")
    };
    assert_eq!(changes.len(), 1);
}

pub async fn nodes_racing_to_seed_one_topic_create_it_once(s: Subject) {
    let nodes = [s.engine.clone(), s.peer()];
    let racers: Vec<_> = (0..8)
        .map(|n| {
            let node = nodes[n % 2].clone();
            tokio::spawn(async move {
                let seed = entries(json!({"by": n}));
                (n, node.seed("R", seed).await.expect("seeded"))
            })
        })
        .collect();
    let mut winners = Vec::new();
    for racer in racers {
        if let (n, true) = racer.await.unwrap() {
            winners.push(n);
        }
    }
    assert_eq!(winners.len(), 1, "exactly one creates it: {winners:?}");
    let [a, b] = &nodes;
    let state = a.topic("R").await.unwrap().expect("created");
    assert_eq!(
        (state.seq, json!(state.entries)),
        (1, json!({"by": winners[0]}))
    );
    assert_eq!(
        b.topic("R").await.unwrap(),
        Some(state),
        "both nodes see it"
    );
}

pub async fn a_seed_racing_a_write_leaves_one_consistent_topic(s: Subject) {
    let (writer, seeder) = (s.engine.clone(), s.peer());
    for round in 0..10 {
        let topic = format!("W{round}");
        let write = {
            let (writer, topic) = (writer.clone(), topic.clone());
            tokio::spawn(async move {
                writer
                    .apply(&topic, None, "w", json!(1), IfAbsent::Create)
                    .await
            })
        };
        let seeded = seeder.seed(&topic, entries(json!({"s": 1}))).await.unwrap();
        write.await.unwrap().expect("applied");
        let t = seeder.topic(&topic).await.unwrap().unwrap();
        let expected = if seeded {
            (2, json!({"s": 1, "w": 1})) // seeded first, written after
        } else {
            (1, json!({"w": 1})) // written first: the seed left it alone
        };
        assert_eq!((t.seq, json!(t.entries)), expected, "round {round}");
    }
}
