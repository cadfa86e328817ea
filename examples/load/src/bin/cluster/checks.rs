//! The end of a run: each writer sets each of its keys once more, then
//! every subscriber's entries must equal Redis's hash and the writers'
//! last values, and each final mutation id must sit in Redis's dedup set
//! at the seq its ack carried.

use std::collections::HashMap;
use std::sync::atomic::Ordering::Relaxed;
use std::time::{Duration, Instant};

use serde_json::{Map, Value};

use crate::Fleet;
use crate::faults::tally;
use crate::procs::{Cluster, Shared};

/// Longest wait for the final round to be acked, then for every subscriber to hold it.
const CONVERGE: Duration = Duration::from_secs(30);

/// Runs the final round and checks; prints the `CLUSTER summary` line.
pub async fn finish(
    f: &Fleet,
    shared: &Shared,
    cluster: &Cluster,
    topics: &[String],
    started: Instant,
) -> Result<(), String> {
    for w in &f.writers {
        w.finish.store(true, Relaxed);
    }
    let t = Instant::now();
    while !f.writers.iter().all(|w| w.done.load(Relaxed)) {
        if t.elapsed() > CONVERGE {
            shared.violation(format!(
                "the writers' final round was not acked within {CONVERGE:?}"
            ));
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let mut expected: HashMap<&str, Map<String, Value>> = HashMap::new();
    for w in &f.writers {
        for ((topic, key), value) in w.expected.lock().unwrap().iter() {
            let topic = topics
                .iter()
                .find(|t| *t == topic)
                .map_or("", String::as_str);
            expected
                .entry(topic)
                .or_default()
                .insert(key.clone(), value.clone());
        }
    }
    let mut con = cluster.redis().await?;
    let mut stored = HashMap::new();
    for topic in topics {
        let hash: HashMap<String, String> = redis::cmd("HGETALL")
            .arg(format!("lsync:{{{topic}}}:entries"))
            .query_async(&mut con)
            .await
            .map_err(|e| format!("HGETALL: {e}"))?;
        let mut entries = Map::new();
        for (k, v) in hash {
            let v =
                serde_json::from_str(&v).map_err(|e| format!("{topic}/{k} is not JSON: {e}"))?;
            entries.insert(k, v);
        }
        let want = expected.get(topic.as_str()).cloned().unwrap_or_default();
        if entries != want {
            shared.violation(format!(
                "{topic}: Redis holds {} entries, the writers expect {} (first differing: {:?})",
                entries.len(),
                want.len(),
                want.iter()
                    .find(|(k, v)| entries.get(*k) != Some(v))
                    .map(|(k, _)| k)
            ));
        }
        stored.insert(topic.as_str(), entries);
    }
    // The subscribers hold what Redis holds, once the last updates reach them.
    let t = Instant::now();
    let same = |f: &Fleet| {
        f.subscribers.iter().all(|s| {
            let held = s.held.lock().unwrap();
            held.iter()
                .zip(topics)
                .all(|(h, topic)| Some(&h.entries) == stored.get(topic.as_str()))
        })
    };
    while !same(f) {
        if t.elapsed() > CONVERGE {
            shared.violation(format!(
                "subscribers do not hold Redis's entries after {CONVERGE:?}"
            ));
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let converge_ms = t.elapsed().as_millis();
    let (mut ids, mut wrong) = (0, 0);
    for w in &f.writers {
        let acks = w.final_acks.lock().unwrap().clone();
        for (id, (topic, seq)) in &acks {
            ids += 1;
            let score: Option<u64> = redis::cmd("ZSCORE")
                .arg(format!("lsync:{{{topic}}}:ids"))
                .arg(id)
                .query_async(&mut con)
                .await
                .map_err(|e| format!("ZSCORE: {e}"))?;
            if score != Some(*seq) {
                wrong += 1;
                shared.violation(format!(
                    "{id}: acked with seq {seq}, Redis's dedup set has {score:?}"
                ));
            }
        }
    }
    let t = tally(f);
    println!(
        "CLUSTER final ids_checked={ids} ids_wrong={wrong} converge_ms={converge_ms} keys={}",
        stored.values().map(Map::len).sum::<usize>()
    );
    println!(
        "CLUSTER summary seconds={} acked={} resent={} applied={} snapshots={} resumes={} recovered={} \
         crash_resumes={} epoch_changes={} closed_1013={} violations={}",
        started.elapsed().as_secs(),
        t.acked,
        t.resent,
        t.applied,
        t.snapshots,
        t.resumes,
        t.recovered,
        t.crash_resumes,
        t.epoch_changes,
        t.try_again,
        shared.violations().len()
    );
    Ok(())
}
