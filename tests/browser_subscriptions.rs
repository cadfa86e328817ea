//! Typed subscriptions against the real reference server: shared
//! subscriptions, resubscribe, recovery, snapshots, gaps and typed errors.
#![cfg(target_arch = "wasm32")]

mod browser_support;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use browser_support::*;
use leptos::prelude::*;
use leptos_sync::{
    SubscriptionStatus, SyncComponent, SyncEntries, SyncError, SyncRegistry, use_sync_component,
};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

type Slot<T> = Arc<Mutex<Option<SyncEntries<T>>>>;

/// A component that subscribes to `T` while `show` is true and leaves its entries in `slot`.
fn consumer<T: SyncComponent>(show: RwSignal<bool>, slot: Slot<T>) -> impl IntoView {
    move || {
        show.get().then(|| {
            *slot.lock().unwrap() = Some(use_sync_component::<T>());
        })
    }
}

fn entries<T: SyncComponent>(slot: &Slot<T>) -> HashMap<String, T> {
    slot.lock().unwrap().expect("mounted").get_untracked()
}

fn status<T: SyncComponent>(slot: &Slot<T>) -> SubscriptionStatus {
    slot.lock()
        .unwrap()
        .expect("mounted")
        .state
        .get_untracked()
        .status
}

async fn publish(topic: &str, key: &str, value: Value) -> u64 {
    let body = json!({"topic": topic, "key": key, "value": value}).to_string();
    control_with_body("publish", &body).await["seq"]
        .as_u64()
        .unwrap()
}

async fn publish_many(topic: &str, count: u64) -> u64 {
    let body = json!({"topic": topic, "count": count, "key_prefix": "k", "keys": 50}).to_string();
    control_with_body("publish_many", &body).await["seq"]
        .as_u64()
        .unwrap()
}

/// The server's entries of a topic, decoded as `T`.
async fn server_entries<T: SyncComponent>() -> HashMap<String, T> {
    let response =
        gloo_net::http::Request::get(&format!("http://{SERVER}/control/topic?name={}", T::NAME))
            .send()
            .await
            .unwrap();
    let topic: Value = response.json().await.unwrap();
    serde_json::from_value(topic["entries"].clone()).unwrap()
}

/// The server-side subscriptions of a topic: `(client, sub)`.
async fn server_subs(topic: &str) -> Vec<(String, u64)> {
    let response = gloo_net::http::Request::get(&format!(
        "http://{SERVER}/control/subscriptions?topic={topic}"
    ))
    .send()
    .await
    .unwrap();
    let subs: Value = response.json().await.unwrap();
    subs.as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["client"].as_str().unwrap_or_default().to_string(),
                s["sub"].as_u64().unwrap(),
            )
        })
        .collect()
}

/// Subscribe frames this client sent for a topic.
async fn subscribe_frames(client: &str, topic: &str) -> Vec<Value> {
    stats(client).await["frames"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["type"] == "subscribe")
        .map(|f| serde_json::from_str::<Value>(f["raw"].as_str().unwrap()).unwrap())
        .filter(|f| f["topic"] == topic)
        .collect()
}

item!(Shared, "t-shared");

#[wasm_bindgen_test]
async fn three_components_share_one_subscription_that_outlives_the_first() {
    let client = "subs-shared";
    control(&format!("reset?client={client}")).await;
    publish(Shared::NAME, "a", json!({"n": 1})).await;
    let shows = [
        RwSignal::new(true),
        RwSignal::new(true),
        RwSignal::new(true),
    ];
    let slots: [Slot<Shared>; 3] = Default::default();
    let children = {
        let slots = slots.clone();
        move || {
            view! {
                {consumer(shows[0], slots[0].clone())}
                {consumer(shows[1], slots[1].clone())}
                {consumer(shows[2], slots[2].clone())}
            }
        }
    };
    let registry = SyncRegistry::new().register::<Shared>();
    let m = mount_with(&ws_url(client), fast(), true, registry, children);
    wait_until("Live", 5_000, || {
        status(&slots[2]) == SubscriptionStatus::Live
    })
    .await;
    assert_eq!(
        server_subs(Shared::NAME).await.len(),
        1,
        "one server subscription"
    );
    assert_eq!(entries(&slots[0]), entries(&slots[2]));

    shows[0].set(false); // the first subscriber leaves
    control(&format!("drop?client={client}")).await;
    wait_until("reconnected", 5_000, || {
        m.is_open() && m.ctx.connection.metrics.get_untracked().reconnects == 1
    })
    .await;
    wait_until("Live again", 5_000, || {
        status(&slots[1]) == SubscriptionStatus::Live
    })
    .await;
    assert_eq!(server_subs(Shared::NAME).await.len(), 1);
    publish(Shared::NAME, "b", json!({"n": 2})).await;
    wait_until("live update", 3_000, || {
        entries(&slots[1]).contains_key("b")
    })
    .await;
    assert_eq!(entries(&slots[1]), server_entries::<Shared>().await);
}

item!(Leaving, "t-leaving");

#[wasm_bindgen_test]
async fn the_last_unmount_unsubscribes_and_the_topic_is_never_resent() {
    let client = "subs-leaving";
    control(&format!("reset?client={client}")).await;
    let shows = [RwSignal::new(true), RwSignal::new(true)];
    let slots: [Slot<Leaving>; 2] = Default::default();
    let children = {
        let slots = slots.clone();
        move || view! { {consumer(shows[0], slots[0].clone())} {consumer(shows[1], slots[1].clone())} }
    };
    let registry = SyncRegistry::new().register::<Leaving>();
    let m = mount_with(&ws_url(client), fast(), true, registry, children);
    wait_until("Live", 5_000, || {
        status(&slots[0]) == SubscriptionStatus::Live
    })
    .await;
    shows[0].set(false);
    shows[1].set(false);
    wait_for_server("server unsubscribed", 3_000, || async {
        server_subs(Leaving::NAME).await.is_empty()
    })
    .await;
    let unsubscribes = stats(client).await["frames"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["type"] == "unsubscribe")
        .count();
    assert_eq!(unsubscribes, 1);
    control(&format!("drop?client={client}")).await;
    wait_until("reconnected", 5_000, || {
        m.is_open() && m.ctx.connection.metrics.get_untracked().reconnects == 1
    })
    .await;
    // The reconnect is complete (welcome seen); a resubscribe would follow it at once.
    wait_for_server("second hello", 3_000, || async {
        stats(client).await["hellos"].as_array().unwrap().len() == 2
    })
    .await;
    m.ctx.connection.metrics.get_untracked(); // keep the provider alive until here
    assert_eq!(subscribe_frames(client, Leaving::NAME).await.len(), 1);
}

item!(Recover, "t-recover");

#[wasm_bindgen_test]
async fn missed_updates_are_replayed_exactly_once_after_a_drop() {
    let client = "subs-recover";
    control(&format!("reset?client={client}")).await;
    publish(Recover::NAME, "k0", json!({"n": 0})).await;
    let show = RwSignal::new(true);
    let slot: Slot<Recover> = Default::default();
    let children = {
        let slot = slot.clone();
        move || consumer(show, slot.clone())
    };
    let registry = SyncRegistry::new().register::<Recover>();
    let m = mount_with(&ws_url(client), fast(), true, registry, children);
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

    let state = slot.lock().unwrap().unwrap().state.get_untracked();
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
    let show = RwSignal::new(true);
    let slot: Slot<Overflow> = Default::default();
    let children = {
        let slot = slot.clone();
        move || consumer(show, slot.clone())
    };
    let registry = SyncRegistry::new().register::<Overflow>();
    let m = mount_with(&ws_url(client), fast(), true, registry, children);
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
    let state = slot.lock().unwrap().unwrap().state.get_untracked();
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
    let show = RwSignal::new(true);
    let slot: Slot<Restarted> = Default::default();
    let children = {
        let slot = slot.clone();
        move || consumer(show, slot.clone())
    };
    let registry = SyncRegistry::new().register::<Restarted>();
    let m = mount_with(&ws_url(client), fast(), true, registry, children);
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
    let state = slot.lock().unwrap().unwrap().state.get_untracked();
    assert_eq!(state.recovered, Some(false));
    assert_eq!(entries(&slot), server_entries::<Restarted>().await);
}

item!(Gappy, "t-gap");

#[wasm_bindgen_test]
async fn a_seq_gap_is_healed_by_resubscribing() {
    let client = "subs-gap";
    control(&format!("reset?client={client}")).await;
    let show = RwSignal::new(true);
    let slot: Slot<Gappy> = Default::default();
    let children = {
        let slot = slot.clone();
        move || consumer(show, slot.clone())
    };
    let registry = SyncRegistry::new().register::<Gappy>();
    let m = mount_with(&ws_url(client), fast(), true, registry, children);
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

item!(Partly, "t-partly");

#[wasm_bindgen_test]
async fn one_bad_entry_is_a_typed_error_and_the_others_apply() {
    let client = "subs-bad-entry";
    control(&format!("reset?client={client}")).await;
    publish(Partly::NAME, "good1", json!({"n": 1})).await;
    publish(Partly::NAME, "bad", json!({"n": "not a number"})).await;
    publish(Partly::NAME, "good2", json!({"n": 2})).await;
    let show = RwSignal::new(true);
    let slot: Slot<Partly> = Default::default();
    let children = {
        let slot = slot.clone();
        move || consumer(show, slot.clone())
    };
    let registry = SyncRegistry::new().register::<Partly>();
    let m = mount_with(&ws_url(client), fast(), true, registry, children);
    wait_until("snapshot applied", 5_000, || entries(&slot).len() == 2).await;
    assert!(matches!(
        m.ctx.last_error.get_untracked(),
        Some(SyncError::DeserializationFailed { ref component_name, .. }) if component_name == Partly::NAME
    ));
    // A bad live update is reported too, and the next good one still applies.
    publish(Partly::NAME, "bad2", json!([1, 2])).await;
    publish(Partly::NAME, "good3", json!({"n": 3})).await;
    wait_until("good3", 3_000, || entries(&slot).contains_key("good3")).await;
    assert!(!entries(&slot).contains_key("bad2"));
    assert_eq!(status(&slot), SubscriptionStatus::Live);
}

mod v1 {
    use super::*;
    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
    pub struct Versioned {
        n: u64,
    }
    impl SyncComponent for Versioned {
        const NAME: &'static str = "t-schema";
    }
}
mod v2 {
    use super::*;
    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
    pub struct Versioned {
        n: u64,
        renamed: String,
    }
    impl SyncComponent for Versioned {
        const NAME: &'static str = "t-schema";
    }
}

#[wasm_bindgen_test]
async fn a_schema_mismatch_is_reported_and_nothing_applied() {
    let registry = SyncRegistry::new().register::<v1::Versioned>();
    let show = RwSignal::new(true);
    let first: Slot<v1::Versioned> = Default::default();
    let children = {
        let first = first.clone();
        move || consumer(show, first.clone())
    };
    let _first = mount_with(&ws_url("schema-1"), fast(), true, registry, children);
    wait_until("v1 Live", 5_000, || {
        status(&first) == SubscriptionStatus::Live
    })
    .await;

    let registry = SyncRegistry::new().register::<v2::Versioned>();
    let second: Slot<v2::Versioned> = Default::default();
    let children = {
        let second = second.clone();
        move || consumer(show, second.clone())
    };
    let m = mount_with(&ws_url("schema-2"), fast(), true, registry, children);
    wait_until("SchemaHashMismatch", 5_000, || {
        matches!(
            m.ctx.last_error.get_untracked(),
            Some(SyncError::SchemaHashMismatch { .. })
        )
    })
    .await;
    let Some(SyncError::SchemaHashMismatch {
        component_name,
        expected,
        actual,
    }) = m.ctx.last_error.get_untracked()
    else {
        unreachable!()
    };
    assert_eq!(component_name, "t-schema");
    assert_eq!(expected, v2::Versioned::schema_hash());
    assert_eq!(actual, v1::Versioned::schema_hash());
    // The status is applied with the next data flush (one per animation frame).
    wait_until("status Error", 2_000, || {
        status(&second) == SubscriptionStatus::Error
    })
    .await;
    assert!(entries(&second).is_empty());
}

item!(Unregistered, "t-unregistered");

#[wasm_bindgen_test]
async fn an_unregistered_type_is_reported_not_subscribed() {
    let client = "subs-unregistered";
    control(&format!("reset?client={client}")).await;
    let show = RwSignal::new(true);
    let slot: Slot<Unregistered> = Default::default();
    let children = {
        let slot = slot.clone();
        move || consumer(show, slot.clone())
    };
    let m = mount_with(&ws_url(client), fast(), true, SyncRegistry::new(), children);
    m.wait_open(5_000).await;
    assert_eq!(
        m.ctx.last_error.get_untracked(),
        Some(SyncError::TypeNotRegistered {
            component_name: Unregistered::NAME.into()
        })
    );
    assert_eq!(status(&slot), SubscriptionStatus::Error);
    assert!(
        subscribe_frames(client, Unregistered::NAME)
            .await
            .is_empty()
    );
}

item!(StressA, "t-stress-a");
item!(StressB, "t-stress-b");

#[wasm_bindgen_test]
async fn random_mounts_and_drops_leave_server_and_client_agreeing() {
    let client = "subs-stress";
    control(&format!("reset?client={client}")).await;
    let a: [RwSignal<bool>; 3] = std::array::from_fn(|_| RwSignal::new(false));
    let b: [RwSignal<bool>; 3] = std::array::from_fn(|_| RwSignal::new(false));
    let slots_a: [Slot<StressA>; 3] = Default::default();
    let slots_b: [Slot<StressB>; 3] = Default::default();
    let children = {
        let (slots_a, slots_b) = (slots_a.clone(), slots_b.clone());
        move || {
            (0..3)
                .map(|i| {
                    view! {
                        {consumer(a[i], slots_a[i].clone())}
                        {consumer(b[i], slots_b[i].clone())}
                    }
                })
                .collect_view()
        }
    };
    let registry = SyncRegistry::new()
        .register::<StressA>()
        .register::<StressB>();
    let m = mount_with(&ws_url(client), fast(), true, registry, children);
    m.wait_open(5_000).await;
    let mut rng = fastrand::Rng::with_seed(0x5eed);
    let mut rng = move || rng.u64(..);
    let cycles = 200;
    for cycle in 0..cycles {
        let flags = if rng() % 2 == 0 { &a } else { &b };
        let flag = flags[(rng() % 3) as usize];
        flag.update(|on| *on = !*on);
        if cycle % 20 == 7 {
            control(&format!("drop?client={client}")).await;
        }
        // Let the mount, unmount or reconnect interleave with the next step.
        gloo_timers::future::TimeoutFuture::new((rng() % 15) as u32).await;
    }
    let wanted = |flags: &[RwSignal<bool>; 3]| flags.iter().any(|f| f.get_untracked());
    let expected: Vec<&str> = [(wanted(&a), StressA::NAME), (wanted(&b), StressB::NAME)]
        .into_iter()
        .filter_map(|(on, topic)| on.then_some(topic))
        .collect();
    m.wait_open(5_000).await;
    wait_for_server("server set equals client set", 5_000, || async {
        let mut ok = true;
        for topic in [StressA::NAME, StressB::NAME] {
            let mine = server_subs(topic)
                .await
                .into_iter()
                .filter(|(c, _)| c == client)
                .count();
            ok &= mine == usize::from(expected.contains(&topic));
        }
        ok
    })
    .await;
    let reconnects = m.ctx.connection.metrics.get_untracked().reconnects;
    web_sys::console::log_1(
        &format!("{cycles} cycles, {reconnects} reconnects, live topics {expected:?}").into(),
    );
    assert!(reconnects >= 5, "the drops happened: {reconnects}");
    // Per connection, subscribe and unsubscribe of a topic alternate: never a duplicate.
    let frames = stats(client).await["frames"].as_array().unwrap().clone();
    let mut live: HashMap<(String, String), bool> = HashMap::new();
    let mut topic_of_sub: HashMap<(String, u64), String> = HashMap::new();
    for frame in &frames {
        let session = frame["session"].as_str().unwrap_or_default().to_string();
        let raw: Value = serde_json::from_str(frame["raw"].as_str().unwrap()).unwrap();
        match frame["type"].as_str() {
            Some("subscribe") => {
                let topic = raw["topic"].as_str().unwrap().to_string();
                topic_of_sub.insert(
                    (session.clone(), raw["sub"].as_u64().unwrap()),
                    topic.clone(),
                );
                let was = live.insert((session, topic.clone()), true);
                assert_ne!(was, Some(true), "duplicate subscribe of {topic}");
            }
            Some("unsubscribe") => {
                let topic = topic_of_sub[&(session.clone(), raw["sub"].as_u64().unwrap())].clone();
                live.insert((session, topic), false);
            }
            _ => {}
        }
    }
}
