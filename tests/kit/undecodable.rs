//! Values that do not decode into `T`: their keys leave the entries (no stale
//! value shown as live), are listed with their error in
//! `SyncEntries::undecodable` until a later value decodes or the key goes,
//! and are counted, while the subscription stays Live.

use leptos_sync::{SubscriptionStatus, SyncComponent, SyncEntries, SyncError, use_sync_component};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::*;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, SyncComponent)]
struct Label {
    text: String,
}

type Entries = RwSignal<Option<SyncEntries<Label>>>;

fn keys(slot: Entries) -> Vec<String> {
    let mut keys: Vec<_> = slot
        .get_untracked()
        .unwrap()
        .get_untracked()
        .into_keys()
        .collect();
    keys.sort();
    keys
}

fn undecodable(slot: Entries) -> Vec<String> {
    let marks = slot.get_untracked().unwrap().undecodable.get_untracked();
    for error in marks.values() {
        assert!(
            matches!(error, SyncError::DeserializationFailed { component_name, .. } if component_name == "Label"),
            "{error:?}"
        );
    }
    let mut keys: Vec<_> = marks.into_keys().collect();
    keys.sort();
    keys
}

fn counted(m: &Mock) -> u64 {
    m.ctx
        .connection
        .metrics
        .get_untracked()
        .subscriptions
        .undecodable
}

fn live(slot: Entries) -> bool {
    slot.get_untracked().unwrap().state.get_untracked().status == SubscriptionStatus::Live
}

#[wasm_bindgen_test]
async fn undecodable_keys_are_dropped_listed_and_counted_until_they_decode() {
    let server = MockServer::default();
    let slot: Entries = RwSignal::new(None);
    let registry = SyncRegistry::new().register::<Label>();
    let m = mount_mock(server.clone(), every(1_000), registry, move || {
        slot.set(Some(use_sync_component::<Label>()));
    })
    .await;

    // A snapshot entry that does not decode is left out and listed.
    server.snapshot(
        "Label",
        [("a", json!({"text": "fine"})), ("b", json!({"text": 5}))],
    );
    server.settle().await;
    assert!(live(slot));
    assert_eq!(keys(slot), ["a"]);
    assert_eq!(undecodable(slot), ["b"]);
    assert_eq!(counted(&m), 1);
    assert!(matches!(
        m.ctx.last_error.get_untracked(),
        Some(SyncError::DeserializationFailed { .. })
    ));

    // An update that does not decode drops the old value instead of keeping it.
    server.update("Label", "a", Some(json!({"title": "renamed field"})));
    server.settle().await;
    assert!(live(slot), "the stream itself is healthy");
    assert_eq!(keys(slot), Vec::<String>::new(), "the stale value is gone");
    assert_eq!(undecodable(slot), ["a", "b"]);
    assert_eq!(counted(&m), 2);

    // A later value that decodes heals the key; a removal forgets it.
    server.update("Label", "a", Some(json!({"text": "back"})));
    server.update::<()>("Label", "b", None);
    server.settle().await;
    assert_eq!(keys(slot), ["a"]);
    assert_eq!(undecodable(slot), Vec::<String>::new());
    assert_eq!(counted(&m), 2);
}

#[wasm_bindgen_test]
async fn a_snapshot_starts_the_marks_over() {
    let server = MockServer::default();
    let slot: Entries = RwSignal::new(None);
    let registry = SyncRegistry::new().register::<Label>();
    let _m = mount_mock(server.clone(), every(1_000), registry, move || {
        slot.set(Some(use_sync_component::<Label>()));
    })
    .await;
    server.snapshot(
        "Label",
        [("a", json!({"text": 1})), ("b", json!({"text": 2}))],
    );
    server.settle().await;
    assert_eq!(undecodable(slot), ["a", "b"]);

    // After a reconnect the server's snapshot decodes: nothing is marked.
    server.close(1006, "");
    server.advance(1_000).await;
    server.snapshot("Label", [("a", json!({"text": "one"}))]);
    server.settle().await;
    assert!(live(slot));
    assert_eq!(keys(slot), ["a"]);
    assert_eq!(undecodable(slot), Vec::<String>::new());
}
