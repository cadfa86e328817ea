//! Coming back after a drop: missed updates replayed exactly once from the
//! server's history, a snapshot when the history does not reach (too much
//! missed, or a restarted server), and a seq gap healed by resubscribing.

use leptos::prelude::*;
use leptos_sync::{SubscriptionStatus, SyncComponent};
use serde_json::json;
use wasm_bindgen_test::*;

use crate::item;
use crate::support::*;

/// Publishes `count` updates over 50 keys (`k0`…`k49`); returns the topic's seq.
async fn publish_many(topic: &str, count: u64) -> u64 {
    let body = json!({"topic": topic, "count": count, "key_prefix": "k", "keys": 50}).to_string();
    control_with_body("publish_many", &body).await["seq"]
        .as_u64()
        .unwrap()
}

item!(Recover, "t-recover");

#[wasm_bindgen_test]
async fn missed_updates_are_replayed_exactly_once_after_a_drop() {
    let client = "subs-recover";
    control(&format!("reset?client={client}")).await;
    publish(Recover::NAME, "k0", json!({"n": 0})).await;
    let (m, slot) = mount_subscribed::<Recover>(client, fast());
    wait_until("Live", 5_000, || status(&slot) == SubscriptionStatus::Live).await;
    let before = m.ctx.connection.metrics.get_untracked().subscriptions;

    control(&format!("refuse?ms=1500&client={client}")).await;
    control(&format!("drop?client={client}")).await;
    wait_until("Stale", 2_000, || {
        status(&slot) == SubscriptionStatus::Stale
    })
    .await;
    assert!(
        entries(&slot).contains_key("k0"),
        "data is kept while disconnected"
    );
    let published = 100;
    publish_many(Recover::NAME, published).await;
    wait_until("Live after reconnect", 10_000, || {
        m.is_open() && status(&slot) == SubscriptionStatus::Live
    })
    .await;

    let state = subscription_state(&slot);
    assert_eq!(state.recovered, Some(true), "served from history");
    let after = m.ctx.connection.metrics.get_untracked().subscriptions;
    let replayed = after.updates - before.updates;
    web_sys::console::log_1(
        &format!(
            "published {published}, replayed {replayed}, duplicates {}, snapshots {}",
            after.duplicates,
            after.snapshots - before.snapshots
        )
        .into(),
    );
    assert_eq!(replayed, published);
    assert_eq!(after.snapshots, before.snapshots, "no snapshot was needed");
    assert_eq!(after.duplicates, 0);
    assert_eq!(entries(&slot), server_entries::<Recover>().await);
}

item!(Overflow, "t-overflow");

#[wasm_bindgen_test]
async fn more_than_the_history_while_away_gives_a_snapshot() {
    let client = "subs-overflow";
    control(&format!("reset?client={client}")).await;
    let (m, slot) = mount_subscribed::<Overflow>(client, fast());
    wait_until("Live", 5_000, || status(&slot) == SubscriptionStatus::Live).await;
    control(&format!("refuse?ms=1500&client={client}")).await;
    control(&format!("drop?client={client}")).await;
    wait_until("Stale", 2_000, || {
        status(&slot) == SubscriptionStatus::Stale
    })
    .await;
    publish_many(Overflow::NAME, 1_200).await; // default history: 1,000
    wait_until("Live after reconnect", 10_000, || {
        m.is_open() && status(&slot) == SubscriptionStatus::Live
    })
    .await;
    let state = subscription_state(&slot);
    assert_eq!(state.recovered, Some(false));
    assert_eq!(entries(&slot), server_entries::<Overflow>().await);
}

item!(Restarted, "t-restart");

#[wasm_bindgen_test]
async fn a_server_restart_gives_a_snapshot_and_correct_state() {
    let client = "subs-restart";
    control(&format!("reset?client={client}")).await;
    for i in 0..5 {
        publish(Restarted::NAME, &format!("old{i}"), json!({"n": i})).await;
    }
    let (m, slot) = mount_subscribed::<Restarted>(client, fast());
    wait_until("Live", 5_000, || entries(&slot).len() == 5).await;
    control(&format!("refuse?ms=1000&client={client}")).await;
    control("restart").await; // history and entries are gone
    // The new history reaches beyond the client's seq: only the epoch tells them apart.
    for i in 0..8 {
        publish(Restarted::NAME, &format!("new{i}"), json!({"n": 100 + i})).await;
    }
    wait_until("Live after restart", 10_000, || {
        m.is_open() && status(&slot) == SubscriptionStatus::Live && entries(&slot).len() == 8
    })
    .await;
    let state = subscription_state(&slot);
    assert_eq!(state.recovered, Some(false));
    assert_eq!(entries(&slot), server_entries::<Restarted>().await);
}

item!(Gappy, "t-gap");

#[wasm_bindgen_test]
async fn a_seq_gap_is_healed_by_resubscribing() {
    let client = "subs-gap";
    control(&format!("reset?client={client}")).await;
    let (m, slot) = mount_subscribed::<Gappy>(client, fast());
    wait_until("Live", 5_000, || status(&slot) == SubscriptionStatus::Live).await;
    let body = json!({"topic": Gappy::NAME, "key": "lost", "value": {"n": 7}}).to_string();
    control_with_body("lose_update", &body).await;
    publish(Gappy::NAME, "after", json!({"n": 8})).await;
    wait_until("healed", 5_000, || {
        entries(&slot).contains_key("lost") && entries(&slot).contains_key("after")
    })
    .await;
    assert_eq!(
        m.ctx.connection.metrics.get_untracked().subscriptions.gaps,
        1
    );
    assert_eq!(entries(&slot), server_entries::<Gappy>().await);
    assert_eq!(status(&slot), SubscriptionStatus::Live);
}
