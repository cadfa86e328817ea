//! Hooks used outside a provider fail with a message that names the fix.
#![cfg(not(target_arch = "wasm32"))]

use std::panic::{AssertUnwindSafe, catch_unwind};

use leptos::prelude::Owner;
use leptos_sync::{use_sync_connection, use_sync_context};

fn panic_message(f: impl FnOnce()) -> String {
    let owner = Owner::new();
    let payload = owner
        .with(|| catch_unwind(AssertUnwindSafe(f)))
        .expect_err("the hook must panic outside SyncProvider");
    payload
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_default()
}

#[test]
fn use_sync_connection_names_the_provider() {
    let message = panic_message(|| {
        use_sync_connection();
    });
    assert!(message.contains("use_sync_connection"), "{message}");
    assert!(message.contains("<SyncProvider>"), "{message}");
}

#[test]
fn use_sync_context_names_the_provider() {
    let message = panic_message(|| {
        use_sync_context();
    });
    assert!(message.contains("use_sync_context"), "{message}");
    assert!(message.contains("<SyncProvider>"), "{message}");
}
