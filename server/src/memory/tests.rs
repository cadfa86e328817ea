//! Unit tests of the in-memory engine.

use std::sync::Mutex;

use super::*;

/// A sink that keeps what it was given.
#[derive(Default)]
struct Recorder(Mutex<Vec<(String, Change)>>);

impl Deliver for Recorder {
    fn deliver(&self, topic: &str, change: &Change) {
        let mut got = self.0.lock().unwrap();
        got.push((topic.to_owned(), change.clone()));
    }
}

fn join(schema: u32, since: Option<u64>, epoch: Option<&str>) -> Join<'_> {
    Join {
        topic: "T",
        schema,
        since,
        epoch,
        if_absent: IfAbsent::Create,
    }
}

fn epoch(engine: &MemoryEngine, topic: &str) -> Option<String> {
    engine.topic_now(topic).map(|t| t.epoch)
}

#[tokio::test]
async fn recovery_needs_the_whole_gap_in_the_ring() {
    let engine = MemoryEngine::new(3);
    for i in 0..5 {
        engine
            .apply("T", None, "k", Value::from(i), IfAbsent::Create)
            .await
            .unwrap();
    }
    let joined = engine.join(join(9, Some(2), None)).await.unwrap();
    assert_eq!(joined.seq, 5);
    assert_eq!(Some(&joined.epoch), epoch(&engine, "T").as_ref());
    let Start::Replay(changes) = joined.start else {
        panic!("expected a replay, got {:?}", joined.start);
    };
    let seqs: Vec<u64> = changes.iter().map(|c| c.seq).collect();
    assert_eq!(seqs, [3, 4, 5]);

    let joined = engine.join(join(9, Some(1), None)).await.unwrap();
    assert_eq!(joined.seq, 5);
    assert!(matches!(joined.start, Start::Snapshot(e) if e["k"] == 4));
    assert_eq!(
        engine.join(join(8, None, None)).await,
        Err(EngineError::SchemaMismatch { expected: 9 })
    );
    let other = engine
        .join(join(9, Some(5), Some("another")))
        .await
        .unwrap();
    assert!(matches!(other.start, Start::Snapshot(_)), "another epoch");
}

#[tokio::test]
async fn a_repeated_mutation_id_is_applied_once_and_delivered_once() {
    let engine = MemoryEngine::new(10);
    let sink = Arc::new(Recorder::default());
    engine.listen(sink.clone());
    let first = engine
        .apply("T", Some("a"), "k", Value::from(1), IfAbsent::Create)
        .await;
    assert_eq!(
        first,
        Ok(Applied {
            seq: 1,
            fresh: true
        })
    );
    let again = engine
        .apply("T", Some("a"), "k", Value::from(2), IfAbsent::Create)
        .await;
    assert_eq!(
        again,
        Ok(Applied {
            seq: 1,
            fresh: false
        })
    );
    assert_eq!(engine.topic_now("T").unwrap().entries["k"], Value::from(1));
    let got = sink.0.lock().unwrap().clone();
    let change = Change {
        seq: 1,
        key: "k".into(),
        value: Value::from(1),
    };
    assert_eq!(got, [("T".to_owned(), change)]);
}

#[tokio::test]
async fn a_null_value_removes_the_key() {
    let engine = MemoryEngine::new(10);
    engine
        .apply("T", None, "k", Value::from(1), IfAbsent::Create)
        .await
        .unwrap();
    let removed = engine
        .apply("T", None, "k", Value::Null, IfAbsent::Create)
        .await
        .unwrap();
    assert_eq!(removed.seq, 2);
    assert!(engine.topic_now("T").unwrap().entries.is_empty());
}

#[tokio::test]
async fn epochs_are_unique_per_topic_creation() {
    let engine = MemoryEngine::new(10);
    engine
        .apply("A", None, "k", Value::from(1), IfAbsent::Create)
        .await
        .unwrap();
    engine
        .apply("B", None, "k", Value::from(1), IfAbsent::Create)
        .await
        .unwrap();
    let (a, b) = (epoch(&engine, "A").unwrap(), epoch(&engine, "B").unwrap());
    assert_ne!(a, b);
    engine
        .apply("A", None, "k", Value::from(2), IfAbsent::Create)
        .await
        .unwrap();
    assert_eq!(epoch(&engine, "A").unwrap(), a, "updates keep the epoch");
    assert_ne!(MemoryEngine::new(10).boot, 0);
}

#[cfg(feature = "control")]
#[tokio::test]
async fn a_restart_gives_recreated_topics_new_epochs() {
    let engine = MemoryEngine::new(10);
    engine
        .apply("A", None, "k", Value::from(1), IfAbsent::Create)
        .await
        .unwrap();
    let a = epoch(&engine, "A").unwrap();
    engine.restart();
    assert_eq!(epoch(&engine, "A"), None);
    engine
        .apply("A", None, "k", Value::from(1), IfAbsent::Create)
        .await
        .unwrap();
    assert_ne!(epoch(&engine, "A").unwrap(), a);
}

#[cfg(feature = "control")]
#[test]
fn set_history_trims_existing_rings() {
    let engine = MemoryEngine::new(10);
    for i in 0..10 {
        engine
            .apply_now("T", None, "k", Value::from(i), IfAbsent::Create)
            .unwrap();
    }
    engine.set_history(3);
    let inner = engine.lock();
    let seqs: Vec<u64> = inner.topics["T"].history.iter().map(|c| c.seq).collect();
    assert_eq!(seqs, [8, 9, 10]);
}

#[tokio::test]
async fn refuse_creates_nothing_and_a_seed_is_created_once() {
    let engine = MemoryEngine::new(10);
    let sink = Arc::new(Recorder::default());
    engine.listen(sink.clone());
    let refuse = |since| Join {
        if_absent: IfAbsent::Refuse,
        ..join(9, since, None)
    };
    assert_eq!(engine.join(refuse(None)).await, Err(EngineError::Absent));
    let write = engine.apply("T", Some("m"), "k", Value::from(1), IfAbsent::Refuse);
    assert_eq!(write.await, Err(EngineError::Absent));
    assert!(engine.topic_now("T").is_none(), "nothing was created");

    let mut entries = Map::new();
    entries.insert("a".into(), Value::from(1));
    assert!(engine.seed("T", entries.clone()).await.unwrap());
    let mut other = Map::new();
    other.insert("b".into(), Value::from(2));
    assert!(!engine.seed("T", other).await.unwrap(), "seeded once");
    let joined = engine.join(refuse(None)).await.unwrap();
    assert_eq!(joined.seq, 1);
    assert_eq!(joined.start, Start::Snapshot(entries));
    // The seed is not in the history: resuming from before it is a snapshot.
    let joined = engine.join(refuse(Some(0))).await.unwrap();
    assert!(matches!(joined.start, Start::Snapshot(_)));
    assert!(sink.0.lock().unwrap().is_empty(), "a seed delivers nothing");

    // A seed never touches a topic that a write created first.
    engine
        .apply("U", None, "k", Value::from(1), IfAbsent::Create)
        .await
        .unwrap();
    assert!(!engine.seed("U", Map::new()).await.unwrap());
    assert_eq!(engine.topic_now("U").unwrap().seq, 1);
    // An empty seed creates the topic at seq 0, as a write would find it.
    assert!(engine.seed("V", Map::new()).await.unwrap());
    assert_eq!(engine.topic_now("V").unwrap().seq, 0);
}
