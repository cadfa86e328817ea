//! The application's hooks on the reference server, as the client sees them:
//! a denied subscription or mutation is a typed error and the connection
//! stays; an app-side publish reaches subscribers; a validation rejection
//! reaches the mutation's handle with its reason. The rules are the reference
//! server's (`examples/server/src/rules.rs`).
#![cfg(target_arch = "wasm32")]

mod support;

use leptos::prelude::*;
use leptos_sync::{
    MutationHandle, MutationStatus, SubscriptionStatus, SyncComponent, SyncError, SyncRegistry,
};
use serde::{Deserialize, Serialize};
use serde_json::json;
use support::*;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

item!(Secret, "private-hooks");
item!(Watched, "t-hooks-observer");
item!(Published, "t-hooks-publish");

/// The demo board's type: the server's `validate` rule checks topic "Task".
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, SyncComponent)]
struct Task {
    title: String,
    done: bool,
    created_at: u64,
}

fn failed(handle: &MutationHandle) -> Option<SyncError> {
    match handle.status.get_untracked() {
        MutationStatus::Failed { error } => Some(error),
        _ => None,
    }
}

/// The server's entry `key` of `topic`, if the topic and the entry exist.
async fn server_entry(topic: &str, key: &str) -> Option<serde_json::Value> {
    let topic = query(&format!("topic?name={topic}")).await;
    topic["entries"].get(key).cloned()
}

/// The connection stayed up: Open now, and never reconnected.
fn assert_stayed_open(m: &Mounted) {
    assert!(m.is_open(), "{:?}", m.state());
    assert_eq!(m.metrics().reconnects, 0);
}

#[wasm_bindgen_test]
async fn a_denied_subscription_is_a_typed_error_and_the_connection_stays() {
    let client = "hooks-private";
    control(&format!("reset?client={client}")).await;
    let (m, slot) = mount_subscribed::<Secret>(client, fast());
    wait_until("status Error", 5_000, || {
        let slot = slot.lock().unwrap();
        slot.is_some_and(|e| e.state.get_untracked().status == SubscriptionStatus::Error)
    })
    .await;
    assert_eq!(
        m.ctx.last_error.get_untracked(),
        Some(SyncError::Forbidden {
            message: "this topic is private".into()
        })
    );
    // It stays an error, and the connection stays up.
    throughout(300, || {
        assert_eq!(status(&slot), SubscriptionStatus::Error);
        assert_stayed_open(&m);
    })
    .await;
}

#[wasm_bindgen_test]
async fn an_observers_mutation_fails_typed_on_its_handle_and_the_connection_stays() {
    let client = "hooks-observer";
    control(&format!("reset?client={client}")).await;
    let options = fast().token(|| Some("observer".into()));
    let (m, slot) = mount_subscribed::<Watched>(client, options);
    wait_until("Live: an observer may read", 5_000, || is_live(&slot)).await;

    let handle = m.ctx.mutate("k", Some(Watched { n: 1 }));
    wait_until("the mutation failed", 5_000, || failed(&handle).is_some()).await;
    assert_eq!(
        failed(&handle),
        Some(SyncError::Forbidden {
            message: "observers may not change anything".into()
        })
    );
    assert_eq!(server_entry(Watched::NAME, "k").await, None);
    // Not sent again, and the subscription is unharmed.
    throughout(300, || {
        assert!(failed(&handle).is_some());
        assert!(is_live(&slot));
        assert_stayed_open(&m);
    })
    .await;
    let mutates = client_frames(client).await;
    let mutates = mutates.iter().filter(|f| f.kind == "mutate").count();
    assert_eq!(mutates, 1);
}

#[wasm_bindgen_test]
async fn an_app_side_publish_reaches_the_page() {
    let client = "hooks-publish";
    control(&format!("reset?client={client}")).await;
    let (_m, slot) = mount_subscribed::<Published>(client, fast());
    wait_until("Live", 5_000, || is_live(&slot)).await;
    let n = now() as u64;
    publish(Published::NAME, "from-app", json!({ "n": n })).await;
    wait_until("the published entry", 5_000, || {
        entries(&slot).get("from-app") == Some(&Published { n })
    })
    .await;
}

#[wasm_bindgen_test]
async fn a_validation_rejection_reaches_the_handle_with_its_reason() {
    let client = "hooks-validate";
    control(&format!("reset?client={client}")).await;
    let registry = SyncRegistry::new().register::<Task>();
    let m = mount_with(&ws_url(client), fast(), true, registry, || ());
    m.wait_open(5_000).await;

    let blank = Task {
        title: "   ".into(),
        done: false,
        created_at: 1,
    };
    let handle = m.ctx.mutate("hooks-blank", Some(blank));
    wait_until("the mutation failed", 5_000, || failed(&handle).is_some()).await;
    assert_eq!(
        failed(&handle),
        Some(SyncError::Rejected {
            reason: "a task needs a title".into()
        })
    );
    assert_eq!(server_entry(Task::NAME, "hooks-blank").await, None);
    assert_stayed_open(&m);
}
