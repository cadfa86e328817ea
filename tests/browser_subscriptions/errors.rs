//! Typed errors of subscriptions: a bad entry, a schema mismatch and an
//! unregistered type are reported, and nothing bad is applied.

use leptos::prelude::*;
use leptos_sync::{SubscriptionStatus, SyncComponent, SyncError, SyncRegistry};
use serde::{Deserialize, Serialize};
use serde_json::json;
use wasm_bindgen_test::*;

use crate::item;
use crate::subscribe_frames;
use crate::support::*;

item!(Partly, "t-partly");

#[wasm_bindgen_test]
async fn one_bad_entry_is_a_typed_error_and_the_others_apply() {
    let client = "subs-bad-entry";
    control(&format!("reset?client={client}")).await;
    publish(Partly::NAME, "good1", json!({"n": 1})).await;
    publish(Partly::NAME, "bad", json!({"n": "not a number"})).await;
    publish(Partly::NAME, "good2", json!({"n": 2})).await;
    let (m, slot) = mount_subscribed::<Partly>(client, fast());
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
    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize, SyncComponent)]
    #[sync(name = "t-schema")]
    pub struct Versioned {
        n: u64,
    }
}
mod v2 {
    use super::*;
    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize, SyncComponent)]
    #[sync(name = "t-schema")]
    pub struct Versioned {
        n: u64,
        renamed: String,
    }
}

#[wasm_bindgen_test]
async fn a_schema_mismatch_is_reported_and_nothing_applied() {
    let (_first, first) = mount_subscribed::<v1::Versioned>("schema-1", fast());
    wait_until("v1 Live", 5_000, || {
        status(&first) == SubscriptionStatus::Live
    })
    .await;

    let (m, second) = mount_subscribed::<v2::Versioned>("schema-2", fast());
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
    let slot = Slot::<Unregistered>::default();
    let children = {
        let slot = slot.clone();
        move || {
            subscribe(&slot);
        }
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
