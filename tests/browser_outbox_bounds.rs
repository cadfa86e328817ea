//! The outbox's bounds in the browser against the real server: `Overflow::Fail`
//! refuses at once and loses nothing, `max_bytes` bounds the queue, and an
//! impossible option reaches `last_error` instead of panicking.
#![cfg(target_arch = "wasm32")]

mod support;

use leptos::prelude::*;
use leptos_sync::{
    MutationHandle, MutationStatus, OutboxOptions, Overflow, SyncComponent, SyncError, SyncOptions,
};
use serde_json::Value;
use support::*;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

/// How many times the server applied each mutation id.
async fn applied() -> Value {
    gloo_net::http::Request::get(&format!("http://{SERVER}/control/mutations"))
        .send()
        .await
        .expect("mutations reachable")
        .json()
        .await
        .expect("mutations JSON")
}

/// Mounts `client` with `outbox`, then takes the server away for a second so
/// that mutations queue.
async fn mount_offline(client: &str, outbox: OutboxOptions) -> Mounted {
    control(&format!("reset?client={client}")).await;
    let m = mount(&ws_url(client), fast().outbox(outbox), true);
    m.wait_open(5_000).await;
    control(&format!("refuse?ms=1000&client={client}")).await;
    control(&format!("drop?client={client}")).await;
    wait_until("disconnected", 2_000, || !m.is_open()).await;
    m
}

fn status(handle: &MutationHandle) -> MutationStatus {
    handle.status.get_untracked()
}

fn acked(handle: &MutationHandle) -> bool {
    matches!(status(handle), MutationStatus::Acked { .. })
}

item!(Refused, "t-refused");

#[wasm_bindgen_test]
async fn fail_refuses_a_mutation_at_once_and_keeps_the_queue() {
    let outbox = OutboxOptions {
        max_messages: 3,
        overflow: Overflow::Fail,
        ..Default::default()
    };
    let m = mount_offline("bounds-fail", outbox).await;
    let handles: Vec<MutationHandle> = (0..5)
        .map(|n| m.ctx.mutate(format!("k{n}"), Some(Refused { n })))
        .collect();
    for handle in &handles[..3] {
        assert_eq!(status(handle), MutationStatus::Queued);
    }
    for handle in &handles[3..] {
        let MutationStatus::Failed {
            error: SyncError::QueueFull {
                id, max_messages, ..
            },
        } = status(handle)
        else {
            panic!("refused at once, got {:?}", status(handle));
        };
        assert_eq!((id, max_messages), (handle.id.clone(), 3));
    }
    assert!(matches!(
        m.ctx.last_error.get_untracked(),
        Some(SyncError::QueueFull { .. })
    ));
    let metrics = m.ctx.connection.metrics.get_untracked();
    assert_eq!((metrics.queued, metrics.dropped), (3, 0), "nothing lost");

    wait_until("the queued three acked", 10_000, || {
        handles[..3].iter().all(acked)
    })
    .await;
    let applied = applied().await;
    for handle in &handles[..3] {
        assert_eq!(applied[&handle.id], 1, "{} applied once", handle.id);
    }
    for handle in &handles[3..] {
        assert!(applied[&handle.id].is_null(), "{} never sent", handle.id);
    }
    // The caller kept the refused change and makes it again once connected.
    let again = m.ctx.mutate("k3", Some(Refused { n: 3 }));
    wait_until("the retried one acked", 5_000, || acked(&again)).await;
}

/// An entry whose frames are about 470 bytes.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize, SyncComponent)]
#[sync(name = "t-bytes")]
struct Blob {
    s: String,
}

fn blob(len: usize) -> Option<Blob> {
    Some(Blob { s: "x".repeat(len) })
}

#[wasm_bindgen_test]
async fn max_bytes_bounds_the_queue_and_drops_what_cannot_fit() {
    // Room for two frames of about 470 bytes, not three.
    let outbox = OutboxOptions {
        max_bytes: 1_000,
        overflow: Overflow::DropOldest,
        ..Default::default()
    };
    let m = mount_offline("bounds-bytes", outbox).await;
    let a = m.ctx.mutate("a", blob(400));
    let b = m.ctx.mutate("b", blob(400));
    assert_eq!(
        (status(&a), status(&b)),
        (MutationStatus::Queued, MutationStatus::Queued)
    );
    let c = m.ctx.mutate("c", blob(400));
    assert_eq!(status(&c), MutationStatus::Queued);
    assert_eq!(
        status(&a),
        MutationStatus::Failed {
            error: SyncError::QueueOverflow { dropped: 1 }
        },
        "the oldest made room"
    );
    // Larger than the whole bound: it fails alone and the queue keeps b and c.
    let big = m.ctx.mutate("big", blob(2_000));
    assert_eq!(
        status(&big),
        MutationStatus::Failed {
            error: SyncError::QueueOverflow { dropped: 2 }
        }
    );
    let metrics = m.ctx.connection.metrics.get_untracked();
    assert_eq!((metrics.queued, metrics.dropped), (2, 2));

    wait_until("b and c acked", 10_000, || acked(&b) && acked(&c)).await;
    let applied = applied().await;
    assert_eq!((&applied[&b.id], &applied[&c.id]), (&1.into(), &1.into()));
    assert!(applied[&a.id].is_null() && applied[&big.id].is_null());
}

#[wasm_bindgen_test]
async fn an_impossible_option_reaches_last_error_and_is_clamped() {
    let client = "bounds-options";
    control(&format!("reset?client={client}")).await;
    let options = SyncOptions::default()
        .pong_timeout_ms(0)
        .connect_timeout_ms(u64::MAX);
    let m = mount(&ws_url(client), options, true);
    let fields = || {
        m.events()
            .into_iter()
            .filter_map(|e| match e {
                leptos_sync::Lifecycle::Error(SyncError::InvalidOptions { field, .. }) => {
                    Some(field)
                }
                _ => None,
            })
            .collect::<Vec<_>>()
    };
    // Reported at once, before any connection.
    assert_eq!(fields(), ["pong_timeout_ms", "connect_timeout_ms"]);
    assert!(matches!(
        m.ctx.last_error.get_untracked(),
        Some(SyncError::InvalidOptions { .. })
    ));
    // And the provider works with the clamped values.
    m.wait_open(5_000).await;
}
