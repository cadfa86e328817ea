//! What the client does with the server's limits, against the real server:
//! a burst of mutations over its rate (`rate_limited` with `retry_after_ms`),
//! a subscribe its engine cannot serve (`unavailable`), and a graceful
//! restart's close 1012 `retry-after=<ms>`.
#![cfg(target_arch = "wasm32")]

mod support;

use leptos::prelude::*;
use leptos_sync::{Lifecycle, MutationHandle, MutationStatus, SubscriptionStatus, SyncError};
use serde_json::json;
use support::*;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

/// The reference server's default `--mutations-per-sec`.
const RATE: usize = 200;

item!(Burst, "t-limits-burst");

#[wasm_bindgen_test]
async fn a_burst_over_the_rate_is_acked_once_each_and_the_rate_limit_shows_on_the_handles() {
    let client = "limits-rate";
    control(&format!("reset?client={client}")).await;
    let (m, slot) = mount_subscribed::<Burst>(client, fast());
    wait_until("Live", 5_000, || is_live(&slot)).await;
    let n = RATE + RATE / 2;
    let handles: Vec<MutationHandle> = (0..n)
        .map(|i| m.ctx.mutate(format!("k{i}"), Some(Burst { n: i as u64 })))
        .collect();
    wait_until("a mutation rate limited", 5_000, || {
        handles.iter().any(|h| {
            h.status.get_untracked() == MutationStatus::Queued
                && matches!(
                    h.last_error.get_untracked(),
                    Some(SyncError::RateLimited { .. })
                )
        })
    })
    .await;
    wait_until("all acked", 20_000, || {
        handles
            .iter()
            .all(|h| matches!(h.status.get_untracked(), MutationStatus::Acked { .. }))
    })
    .await;

    // Exactly once each: the server applied every id once, and nothing failed.
    let applied = query("mutations").await;
    for handle in &handles {
        assert_eq!(applied[&handle.id], 1, "{} applied once", handle.id);
    }
    let limited: Vec<&MutationHandle> = handles
        .iter()
        .filter(|h| {
            matches!(
                h.last_error.get_untracked(),
                Some(SyncError::RateLimited { retry_after_ms, .. }) if retry_after_ms > 0
            )
        })
        .collect();
    // The server refills tokens while it reads the burst, so fewer than
    // n - RATE may be limited; at least one was, with its hint.
    assert!(!limited.is_empty(), "no handle shows the rate limit");
    assert_eq!(m.metrics().reconnects, 0, "the connection stayed");

    // Sent again in the order made, and not round after round.
    let frames = client_frames(client).await;
    let index = |f: &ClientFrame| {
        let key = f.raw["key"].as_str().unwrap_or_default();
        key[1..].parse::<usize>().expect("a key k<i>")
    };
    let mutates: Vec<usize> = frames
        .iter()
        .filter(|f| f.kind == "mutate")
        .map(index)
        .collect();
    let again = &mutates[n..];
    assert!(!again.is_empty(), "some were sent again");
    assert!(
        mutates.len() <= n + (n - RATE) + RATE / 2,
        "{} mutate frames for {n} mutations",
        mutates.len()
    );
    // Each retry sends what waits in the order made: a step back only where a
    // round starts over, and one hint per waiting mutation needs few rounds.
    let rounds = 1 + again.windows(2).filter(|w| w[0] > w[1]).count();
    assert!(rounds <= 3, "{rounds} rounds, or out of order: {again:?}");
    web_sys::console::log_1(
        &format!(
            "{n} mutations at once: {} rate limited, {} mutate frames, all acked once",
            limited.len(),
            mutates.len()
        )
        .into(),
    );
    wait_until("every entry", 3_000, || entries(&slot).len() == n).await;
}

item!(Flaky, "t-limits-unavailable");

#[wasm_bindgen_test]
async fn a_subscribe_the_engine_cannot_serve_is_retried_until_live() {
    let client = "limits-unavailable";
    control(&format!("reset?client={client}")).await;
    control(&format!("subscribe_unavailable?n=3&client={client}")).await;
    let (m, slot) = mount_subscribed::<Flaky>(client, fast());
    // Never Error on the way: it retries (250, 500, 1000 ms) until the engine answers.
    let mut reported = false;
    wait_until("Live after three refusals", 10_000, || {
        let status = slot.lock().unwrap().map(|e| e.state.get_untracked().status);
        assert_ne!(status, Some(SubscriptionStatus::Error), "ended in Error");
        reported |= matches!(
            m.ctx.last_error.get_untracked(),
            Some(SyncError::Server { ref code, .. }) if code == "unavailable"
        );
        status == Some(SubscriptionStatus::Live)
    })
    .await;
    assert!(reported, "last_error showed the unavailable engine");
    let subscribes: Vec<u64> = client_frames(client)
        .await
        .iter()
        .filter(|f| f.kind == "subscribe")
        .map(|f| f.raw["sub"].as_u64().expect("sub"))
        .collect();
    assert_eq!(
        subscribes.len(),
        4,
        "three refused, one served: {subscribes:?}"
    );
    assert!(
        subscribes.windows(2).all(|w| w[0] < w[1]),
        "a new sub id each time"
    );
    // A real subscription: a change reaches it.
    let stamp = now() as u64;
    publish("t-limits-unavailable", "after", json!({ "n": stamp })).await;
    wait_until("the update", 3_000, || {
        entries(&slot).get("after") == Some(&Flaky { n: stamp })
    })
    .await;
}

item!(Restarted, "t-limits-restart");

#[wasm_bindgen_test]
async fn a_restart_close_waits_its_retry_after_then_resumes_from_history() {
    let client = "limits-restart";
    control(&format!("reset?client={client}")).await;
    // The policy alone would retry after 50 ms.
    let (m, slot) = mount_subscribed::<Restarted>(client, fast());
    wait_until("Live", 5_000, || is_live(&slot)).await;
    // Values of this run: the topic outlives a run against the same server.
    let stamp = now() as u64;
    publish("t-limits-restart", "before", json!({ "n": stamp })).await;
    wait_until("the first entry", 3_000, || {
        entries(&slot).get("before") == Some(&Restarted { n: stamp })
    })
    .await;
    let closed_at = now();
    control(&format!(
        "close?code=1012&reason=retry-after%3D1500&client={client}"
    ))
    .await;
    wait_until("disconnected", 3_000, || !m.is_open()).await;
    publish("t-limits-restart", "during", json!({ "n": stamp + 1 })).await;
    wait_until("reconnected", 5_000, || m.is_open() && is_live(&slot)).await;
    let waited = now() - closed_at;
    let delay = m.events().iter().find_map(|e| match e {
        Lifecycle::Reconnecting { delay_ms, .. } => Some(*delay_ms),
        _ => None,
    });
    let delay = delay.expect("a Reconnecting event");
    assert!(
        (1_500..=2_250).contains(&delay),
        "scheduled after {delay} ms"
    );
    assert!(waited >= 1_500.0, "reconnected after {waited} ms");
    assert!(matches!(
        m.ctx.last_error.get_untracked(),
        Some(SyncError::Closed { code: 1012, .. })
    ));
    let state = subscription_state(&slot);
    assert_eq!(state.recovered, Some(true), "resumed from history");
    wait_until("the missed entry", 3_000, || {
        entries(&slot).get("during") == Some(&Restarted { n: stamp + 1 })
    })
    .await;
}
