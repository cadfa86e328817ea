//! Topics with a parameter (`use_sync_component_in`) against the real
//! reference server: the subscription follows the parameter, however fast it
//! changes, and what a component reads after a change is never the old
//! parameter's data.
#![cfg(target_arch = "wasm32")]

mod support;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use gloo_timers::future::TimeoutFuture;
use leptos::prelude::*;
use leptos_sync::{
    MutateOptions, MutationHandle, MutationStatus, SubscriptionStatus, SyncComponent, SyncEntries,
    SyncRegistry, UseSyncMutationReturn, use_sync_component_in, use_sync_mutation_in_with_options,
};
use leptos_sync_protocol::topic;
use serde_json::json;
use support::*;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

/// A component on `T` with parameter `param`, whose entries land in `slot`.
fn room<T: SyncComponent>(param: RwSignal<String>, slot: Slot<T>) -> impl Fn() + Send + Sync {
    move || {
        let entries = use_sync_component_in::<T>(param);
        *slot.lock().unwrap() = Some(entries);
    }
}

/// The topics this client holds on the server, sorted.
async fn server_topics(client: &str) -> Vec<String> {
    let mut topics: Vec<_> = server_subscriptions(&format!("client={client}"))
        .await
        .into_iter()
        .map(|s| s.topic)
        .collect();
    topics.sort();
    topics
}

/// The server's entries of `topic`, read as `T`.
async fn topic_entries<T: SyncComponent>(topic: &str) -> HashMap<String, T> {
    let topic = query(&format!("topic?name={topic}")).await;
    serde_json::from_value(topic["entries"].clone()).unwrap_or_default()
}

item!(Switched, "t-rooms-switched");

#[wasm_bindgen_test]
async fn fifty_switches_in_a_second_leave_one_server_subscription_on_the_last() {
    let client = "rooms-fifty";
    control(&format!("reset?client={client}")).await;
    let last = topic::join(Switched::NAME, "last");
    publish(&last, "k", json!({"n": 50})).await;
    let param = RwSignal::new("p0".to_string());
    let slot = Slot::<Switched>::default();
    let registry = SyncRegistry::new().register::<Switched>();
    let m = mount_with(
        &ws_url(client),
        fast(),
        true,
        registry,
        room(param, slot.clone()),
    );
    wait_until("the first board Live", 5_000, || is_live(&slot)).await;

    let started = now();
    for i in 1..50 {
        param.set(format!("p{}", i % 7));
        TimeoutFuture::new(20).await; // the pace of the switches: 50 in a second
    }
    param.set("last".into());
    assert!(
        now() - started < 1_500.0,
        "the switches took {} ms",
        now() - started
    );

    wait_for_server("one subscription, on the last board", 5_000, || async {
        server_topics(client).await == [last.clone()]
    })
    .await;
    wait_until("the last board Live", 5_000, || is_live(&slot)).await;
    assert_eq!(
        entries(&slot),
        HashMap::from([("k".into(), Switched { n: 50 })])
    );
    // Settled: nothing still on its way subscribes another board.
    for _ in 0..10 {
        assert_eq!(server_topics(client).await, std::slice::from_ref(&last));
        TimeoutFuture::new(30).await;
    }
    let subscribes = client_frames(client)
        .await
        .iter()
        .filter(|f| f.kind == "subscribe")
        .count();
    assert!(subscribes <= 51, "{subscribes} subscribes for 51 boards");
    assert_eq!(m.metrics().subscriptions.gaps, 0);
}

item!(Stale, "t-rooms-stale");

/// One render of a board: its parameter, and the keys it showed.
type Render = (String, Vec<String>);

#[wasm_bindgen_test]
async fn after_a_switch_no_entry_of_the_old_parameter_is_ever_read() {
    let client = "rooms-stale";
    control(&format!("reset?client={client}")).await;
    for board in ["a", "b"] {
        let topic = topic::join(Stale::NAME, board);
        for i in 0..3 {
            publish(&topic, &format!("{board}-{i}"), json!({"n": i})).await;
        }
    }
    let param = RwSignal::new("a".to_string());
    let slot = Slot::<Stale>::default();
    // Every render of the entries, with the parameter it rendered under:
    // a key of another board is a stale frame.
    let seen: Arc<Mutex<Vec<Render>>> = Arc::default();
    let children = {
        let (slot, seen) = (slot.clone(), Arc::clone(&seen));
        move || {
            room(param, slot.clone())();
            let entries: SyncEntries<Stale> = slot.lock().unwrap().expect("mounted");
            let seen = Arc::clone(&seen);
            let render = move || {
                let mut keys: Vec<String> = entries.with(|map| map.keys().cloned().collect());
                keys.sort();
                seen.lock().unwrap().push((param.get(), keys.clone()));
                keys.join(",")
            };
            view! { <p class="rooms-stale">{render}</p> }
        }
    };
    let registry = SyncRegistry::new().register::<Stale>();
    let _m = mount_with(&ws_url(client), fast(), true, registry, children);
    let shows = |board: &str| {
        is_live(&slot)
            && entries(&slot)
                .keys()
                .all(|k| k.starts_with(&format!("{board}-")))
            && entries(&slot).len() == 3
    };
    wait_until("board a Live with its entries", 5_000, || shows("a")).await;

    for (from, to) in [("a", "b"), ("b", "a"), ("a", "b"), ("b", "a")] {
        param.set(to.to_string());
        // Read at once, before any tick: the new board's store, not the old one's.
        let now_read = entries(&slot);
        assert!(
            now_read.keys().all(|k| k.starts_with(&format!("{to}-"))),
            "right after {from} → {to}: {now_read:?}"
        );
        assert_ne!(status(&slot), SubscriptionStatus::Error);
        wait_until(&format!("board {to} Live with its entries"), 5_000, || {
            shows(to)
        })
        .await;
    }
    // A → B → A within one tick: board a again, from a fresh subscription.
    param.set("b".into());
    param.set("a".into());
    let now_read = entries(&slot);
    assert!(
        now_read.keys().all(|k| k.starts_with("a-")),
        "right after a → b → a: {now_read:?}"
    );
    wait_until("board a Live again", 5_000, || shows("a")).await;
    let only_a = [topic::join(Stale::NAME, "a")];
    wait_for_server("one subscription, on a", 3_000, || async {
        server_topics(client).await == only_a
    })
    .await;
    let seen = seen.lock().unwrap();
    let mut boards: Vec<&str> = seen.iter().map(|(board, _)| board.as_str()).collect();
    boards.dedup();
    assert_eq!(
        boards,
        ["a", "b", "a", "b", "a"],
        "every board rendered: {seen:?}"
    );
    for (board, keys) in seen.iter() {
        assert!(
            keys.iter().all(|k| k.starts_with(&format!("{board}-"))),
            "a render of board {board} showed {keys:?}"
        );
    }
}

item!(Shared, "t-rooms-shared");

#[wasm_bindgen_test]
async fn leaving_a_parameter_another_component_still_uses_keeps_it() {
    let client = "rooms-shared";
    control(&format!("reset?client={client}")).await;
    let (a, b) = (
        topic::join(Shared::NAME, "a"),
        topic::join(Shared::NAME, "b"),
    );
    publish(&a, "k", json!({"n": 1})).await;
    let (moving, staying) = (
        RwSignal::new("a".to_string()),
        RwSignal::new("a".to_string()),
    );
    let slots = [Slot::<Shared>::default(), Slot::<Shared>::default()];
    let children = {
        let slots = slots.clone();
        move || {
            room(moving, slots[0].clone())();
            room(staying, slots[1].clone())();
        }
    };
    let registry = SyncRegistry::new().register::<Shared>();
    let _m = mount_with(&ws_url(client), fast(), true, registry, children);
    wait_until("both Live", 5_000, || {
        is_live(&slots[0]) && is_live(&slots[1])
    })
    .await;
    assert_eq!(
        server_topics(client).await,
        std::slice::from_ref(&a),
        "one subscription for two users"
    );

    moving.set("b".into());
    wait_for_server("a kept, b added", 5_000, || async {
        server_topics(client).await == [a.clone(), b.clone()]
    })
    .await;
    wait_until("b Live", 5_000, || is_live(&slots[0])).await;
    assert_eq!(entries(&slots[0]), topic_entries::<Shared>(&b).await);
    let on_a = topic_entries::<Shared>(&a).await;
    assert!(!on_a.is_empty());
    assert_eq!(entries(&slots[1]), on_a, "the other component still sees a");
    let n = now() as u64;
    publish(&a, "k2", json!({ "n": n })).await;
    wait_until("a still live", 3_000, || {
        entries(&slots[1]).get("k2") == Some(&Shared { n })
    })
    .await;

    staying.set("b".into());
    wait_for_server("only b", 5_000, || async {
        server_topics(client).await == [b.clone()]
    })
    .await;
}

item!(Written, "t-rooms-written");

#[wasm_bindgen_test]
async fn a_mutation_goes_to_the_topic_of_the_parameter_it_was_made_under() {
    let client = "rooms-written";
    control(&format!("reset?client={client}")).await;
    let param = RwSignal::new("a".to_string());
    let slot = Slot::<Written>::default();
    let writer: Arc<Mutex<Option<UseSyncMutationReturn<Written>>>> = Arc::default();
    let children = {
        let (slot, writer) = (slot.clone(), Arc::clone(&writer));
        move || {
            room(param, slot.clone())();
            let options = MutateOptions {
                optimistic: true,
                ..Default::default()
            };
            *writer.lock().unwrap() = Some(use_sync_mutation_in_with_options(param, options));
        }
    };
    let registry = SyncRegistry::new().register::<Written>();
    let _m = mount_with(&ws_url(client), fast(), true, registry, children);
    wait_until("a Live", 5_000, || is_live(&slot)).await;
    let writer = writer.lock().unwrap().clone().expect("mounted");
    let n = now() as u64;

    let on_a = writer.set("k", Written { n });
    // Optimistic: in a's entries at once.
    assert_eq!(entries(&slot).get("k"), Some(&Written { n }));
    param.set("b".into());
    assert_eq!(entries(&slot).get("k"), None, "a's optimistic entry on b");
    let on_b = writer.set("k", Written { n: n + 1 });
    let acked =
        |h: &MutationHandle| matches!(h.status.get_untracked(), MutationStatus::Acked { .. });
    wait_until("both acked", 5_000, || acked(&on_a) && acked(&on_b)).await;
    let (a, b) = (
        topic::join(Written::NAME, "a"),
        topic::join(Written::NAME, "b"),
    );
    assert_eq!(
        topic_entries::<Written>(&a).await.get("k"),
        Some(&Written { n })
    );
    assert_eq!(
        topic_entries::<Written>(&b).await.get("k"),
        Some(&Written { n: n + 1 })
    );
    wait_until("b shows its own", 5_000, || {
        entries(&slot).get("k") == Some(&Written { n: n + 1 })
    })
    .await;
}
