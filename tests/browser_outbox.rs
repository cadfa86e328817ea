//! Auth, the offline outbox and exactly-once mutations against the real server.
#![cfg(target_arch = "wasm32")]

mod support;

use std::sync::{Arc, Mutex};

use leptos::prelude::*;
use leptos_sync::{
    MutateOptions, MutationHandle, MutationStatus, OutboxOptions, Overflow, SyncError,
};
use support::*;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn mutation_status(handle: &MutationHandle) -> MutationStatus {
    handle.status.get_untracked()
}

item!(Queued, "t-outbox");

#[wasm_bindgen_test]
async fn sends_while_offline_keep_the_newest_hundred_and_flush_in_order_after_resubscribe() {
    let client = "outbox-overflow";
    control(&format!("reset?client={client}")).await;
    let options = fast().outbox(OutboxOptions {
        max_messages: 100,
        overflow: Overflow::DropOldest,
        ..Default::default()
    });
    let (m, slot) = mount_subscribed::<Queued>(client, options);
    wait_until("Live", 5_000, || is_live(&slot)).await;
    control(&format!("refuse?ms=1000&client={client}")).await;
    control(&format!("drop?client={client}")).await;
    wait_until("disconnected", 2_000, || !m.is_open()).await;

    let handles: Vec<MutationHandle> = (0..150)
        .map(|i| m.ctx.mutate(format!("m{i}"), Some(Queued { n: i })))
        .collect();
    let metrics = m.ctx.connection.metrics.get_untracked();
    assert_eq!((metrics.queued, metrics.dropped), (100, 50));
    assert!(matches!(
        m.ctx.last_error.get_untracked(),
        Some(SyncError::QueueOverflow { dropped: 50 })
    ));
    for handle in &handles[..50] {
        assert!(matches!(
            mutation_status(handle),
            MutationStatus::Failed {
                error: SyncError::QueueOverflow { .. }
            }
        ));
    }

    wait_until("the newest 100 acked", 10_000, || {
        handles[50..]
            .iter()
            .all(|h| matches!(mutation_status(h), MutationStatus::Acked { .. }))
    })
    .await;
    let frames = client_frames(client).await;
    let last_hello = frames.iter().rposition(|f| f.kind == "hello").unwrap();
    let last: Vec<_> = frames[last_hello..].iter().collect();
    assert_eq!(last[1].kind, "subscribe", "resubscribe before the flush");
    let ids: Vec<String> = last[2..]
        .iter()
        .filter(|f| f.kind == "mutate")
        .map(|f| f.raw["key"].as_str().unwrap().to_string())
        .collect();
    let expected: Vec<String> = (50..150).map(|i| format!("m{i}")).collect();
    assert_eq!(ids, expected, "exactly the newest 100, in order");
    assert!(
        last[2..]
            .iter()
            .all(|f| f.kind != "hello" && f.kind != "subscribe")
    );
    wait_until("entries", 3_000, || entries(&slot).len() == 100).await;
}

item!(Once, "t-once");

#[wasm_bindgen_test]
async fn mutations_dropped_before_their_ack_are_applied_exactly_once() {
    let client = "outbox-once";
    control(&format!("reset?client={client}")).await;
    let (m, slot) = mount_subscribed::<Once>(client, fast());
    wait_until("Live", 5_000, || is_live(&slot)).await;
    control(&format!("drop_before_ack?n=10&client={client}")).await;
    let handles: Vec<MutationHandle> = (0..20)
        .map(|i| m.ctx.mutate(format!("k{i}"), Some(Once { n: i })))
        .collect();
    wait_until("all acked", 15_000, || {
        handles
            .iter()
            .all(|h| matches!(mutation_status(h), MutationStatus::Acked { .. }))
    })
    .await;
    let reconnects = m.ctx.connection.metrics.get_untracked().reconnects;
    assert!(reconnects >= 1, "the server dropped before acking");
    let applied = query("mutations").await;
    for handle in &handles {
        assert_eq!(applied[&handle.id], 1, "{} applied once", handle.id);
    }
    web_sys::console::log_1(
        &format!("20 mutations, {reconnects} drops before ack, each applied once").into(),
    );
    // The entries arrive with the next data flush (one per animation frame).
    wait_until("20 entries", 2_000, || entries(&slot).len() == 20).await;
}

item!(Optimistic, "t-optimistic");

#[wasm_bindgen_test]
async fn an_optimistic_change_shows_at_once_and_an_expired_one_rolls_back() {
    let client = "outbox-optimistic";
    control(&format!("reset?client={client}")).await;
    let (m, slot) = mount_subscribed::<Optimistic>(client, fast());
    wait_until("Live", 5_000, || is_live(&slot)).await;
    let optimistic = MutateOptions {
        optimistic: true,
        expires_in_ms: Some(300),
    };
    let handle = m
        .ctx
        .mutate_with_options("kept", Some(Optimistic { n: 1 }), optimistic);
    assert_eq!(
        entries(&slot).get("kept"),
        Some(&Optimistic { n: 1 }),
        "shown before the ack"
    );
    wait_until("acked", 3_000, || {
        matches!(mutation_status(&handle), MutationStatus::Acked { .. })
    })
    .await;

    (m.ctx.connection.close)();
    let handle = m
        .ctx
        .mutate_with_options("gone", Some(Optimistic { n: 2 }), optimistic);
    assert_eq!(entries(&slot).get("gone"), Some(&Optimistic { n: 2 }));
    wait_until("expired", 3_000, || {
        matches!(mutation_status(&handle), MutationStatus::Failed { .. })
    })
    .await;
    assert_eq!(entries(&slot).get("gone"), None, "rolled back");
    assert_eq!(entries(&slot).get("kept"), Some(&Optimistic { n: 1 }));
    assert!(matches!(
        m.ctx.last_error.get_untracked(),
        Some(SyncError::Expired { .. })
    ));
}

item!(Rotated, "t-rotated");

#[wasm_bindgen_test]
async fn a_rejected_token_tries_once_and_a_rotated_one_reconnects_with_its_subscriptions() {
    let client = "auth-rotate";
    control(&format!("reset?client={client}")).await;
    control("token?value=good-token").await;
    let logs = capture_logs();
    let (m, slot) =
        mount_subscribed::<Rotated>(client, fast().token(|| Some("bad-token-1234".into())));
    wait_until("AuthRejected", 5_000, || {
        matches!(
            m.ctx.last_error.get_untracked(),
            Some(SyncError::AuthRejected { code: 4401 })
        )
    })
    .await;
    // A 50 ms retry policy: twenty chances in a second, none taken.
    throughout(1_000, || assert_eq!(m.metrics().attempts, 1, "no retry")).await;
    assert_eq!(attempts(client).await.len(), 1, "exactly one attempt");

    (m.ctx.set_token)(Some("good-token".into()));
    wait_until("Live with the new token", 5_000, || {
        m.is_open() && is_live(&slot)
    })
    .await;
    control("token?value=").await;
    let sessions = client_frames(client).await;
    assert_eq!(
        sessions.iter().filter(|f| f.kind == "subscribe").count(),
        1,
        "subscribed once, after welcome"
    );

    // The token appears in no log line, error text or debug output.
    let error_text = format!(
        "{:?} {}",
        m.ctx.last_error.get_untracked(),
        SyncError::AuthRejected { code: 4401 }
    );
    for haystack in logs.lock().unwrap().iter().chain([&error_text]) {
        assert!(
            !haystack.contains("bad-token-1234") && !haystack.contains("good-token"),
            "token leaked: {haystack}"
        );
    }
    assert!(
        !logs.lock().unwrap().is_empty(),
        "the logger saw the connection's log lines"
    );
}

#[wasm_bindgen_test]
async fn an_async_token_is_awaited_before_hello_on_every_connect() {
    let client = "auth-async";
    control(&format!("reset?client={client}")).await;
    control("token?value=async-token").await;
    let fetches = Arc::new(Mutex::new(0u32));
    let counter = fetches.clone();
    let options = fast().token_async(move || {
        *counter.lock().unwrap() += 1;
        async {
            // Like a refresh over HTTP: the token arrives later.
            gloo_timers::future::TimeoutFuture::new(100).await;
            Some("async-token".to_string())
        }
    });
    let m = mount(&ws_url(client), options, true);
    m.wait_open(5_000).await;
    control(&format!("drop?client={client}")).await;
    wait_until("reconnected", 5_000, || {
        m.is_open() && m.ctx.connection.metrics.get_untracked().reconnects == 1
    })
    .await;
    control("token?value=").await;
    assert_eq!(
        *fetches.lock().unwrap(),
        2,
        "the token is fetched again for each connect"
    );
    let hellos = stats(client).await["hellos"].clone();
    assert!(
        hellos
            .as_array()
            .unwrap()
            .iter()
            .all(|h| h["has_token"] == true),
        "{hellos}"
    );
}
