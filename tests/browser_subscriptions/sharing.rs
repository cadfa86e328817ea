//! One subscription per topic, however many components: shared, kept while
//! any component needs it, ended by the last unmount and never re-sent after.

use std::collections::HashMap;

use leptos::prelude::*;
use leptos_sync::{SubscriptionStatus, SyncComponent, SyncRegistry};
use serde_json::json;
use wasm_bindgen_test::*;

use crate::item;
use crate::subscribe_frames;
use crate::support::*;

/// The clients holding a subscription of `topic` on the server, one entry per subscription.
async fn subscribers(topic: &str) -> Vec<String> {
    server_subscriptions(&format!("topic={topic}"))
        .await
        .into_iter()
        .map(|s| s.client)
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
        subscribers(Shared::NAME).await.len(),
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
    assert_eq!(subscribers(Shared::NAME).await.len(), 1);
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
        subscribers(Leaving::NAME).await.is_empty()
    })
    .await;
    let unsubscribes = client_frames(client)
        .await
        .iter()
        .filter(|f| f.kind == "unsubscribe")
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
            let mine = subscribers(topic)
                .await
                .into_iter()
                .filter(|c| c == client)
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
    let mut live: HashMap<(String, String), bool> = HashMap::new();
    let mut topic_of_sub: HashMap<(String, u64), String> = HashMap::new();
    for frame in client_frames(client).await {
        let (session, raw) = (frame.session, frame.raw);
        match frame.kind.as_str() {
            "subscribe" => {
                let topic = raw["topic"].as_str().unwrap().to_string();
                topic_of_sub.insert(
                    (session.clone(), raw["sub"].as_u64().unwrap()),
                    topic.clone(),
                );
                let was = live.insert((session, topic.clone()), true);
                assert_ne!(was, Some(true), "duplicate subscribe of {topic}");
            }
            "unsubscribe" => {
                let topic = topic_of_sub[&(session.clone(), raw["sub"].as_u64().unwrap())].clone();
                live.insert((session, topic), false);
            }
            _ => {}
        }
    }
}
