//! Request/response against the real reference server: typed results, a
//! handler's typed error, an unknown method, a timeout, and a connection
//! that drops between request and response under each policy (a replay runs
//! once on the server; fail-on-disconnect fails typed at the drop). The
//! same across a real process restart is in the chaos suite (tests/chaos/requests.rs).
#![cfg(target_arch = "wasm32")]

mod support;

use leptos::prelude::*;
use leptos_sync::{
    RequestHandle, RequestOptions, RequestPolicy, RequestState, SyncError, SyncRequest,
};
use serde::{Deserialize, Serialize};
use support::*;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

/// The reference server's `fail`: answers the error it is given.
#[derive(Serialize, Deserialize)]
struct Fail {
    code: String,
    message: String,
}

impl SyncRequest for Fail {
    const METHOD: &'static str = "fail";
    type Response = ();
}

/// A method no server registers.
#[derive(Serialize, Deserialize)]
struct Nope;

impl SyncRequest for Nope {
    const METHOD: &'static str = "nope";
    type Response = ();
}

/// A tag no other run of the suite used, so the server's run count starts at 0.
fn tag(name: &str) -> String {
    format!("{name}-{}", now())
}

/// The `request` frames the server received from `client`.
async fn request_frames(client: &str) -> Vec<ClientFrame> {
    let frames = client_frames(client).await;
    frames.into_iter().filter(|f| f.kind == "request").collect()
}

/// Waits until the server has received `n` request frames from `client`.
async fn requests_received(client: &str, n: usize) {
    let what = format!("{n} request frame(s) at the server");
    wait_for_server(&what, 5_000, || async {
        request_frames(client).await.len() >= n
    })
    .await;
}

async fn settled<T: Clone + PartialEq + Send + Sync + 'static>(
    what: &str,
    handle: &RequestHandle<T>,
    timeout_ms: u32,
) -> RequestState<T> {
    wait_until(what, timeout_ms, || {
        handle.status.get_untracked() != RequestState::Pending
    })
    .await;
    handle.status.get_untracked()
}

#[wasm_bindgen_test]
async fn a_result_arrives_typed_reactive_and_awaitable() {
    let m = mount(&ws_url("req-done"), fast(), true);
    m.wait_open(5_000).await;
    let tag = tag("done");
    let handle = m.ctx.request(&Slow {
        ms: 0,
        tag: tag.clone(),
    });
    assert_eq!(handle.status.get_untracked(), RequestState::Pending);
    let ran = handle.response().await.expect("done");
    assert_eq!(ran, Ran { tag, runs: 1 });
    assert_eq!(handle.status.get_untracked(), RequestState::Done(ran));
    assert_eq!(m.ctx.last_error.get_untracked(), None);
}

#[wasm_bindgen_test]
async fn a_handler_error_and_an_unknown_method_fail_typed() {
    let m = mount(&ws_url("req-errors"), fast(), true);
    m.wait_open(5_000).await;
    let fail = Fail {
        code: "not_found".into(),
        message: "no board b9".into(),
    };
    let failed = m.ctx.request(&fail).response().await;
    assert_eq!(
        failed,
        Err(SyncError::RequestFailed {
            method: "fail".into(),
            code: "not_found".into(),
            message: "no board b9".into(),
        })
    );
    let unknown = m.ctx.request(&Nope).response().await;
    assert!(
        matches!(&unknown, Err(SyncError::RequestFailed { method, code, .. }) if method == "nope" && code == "unknown_method"),
        "{unknown:?}"
    );
    // Failures show in last_error too, as a mutation's do; the connection stays.
    assert!(m.ctx.last_error.get_untracked().is_some());
    assert!(m.is_open());
}

#[wasm_bindgen_test]
async fn a_slow_response_times_out_typed() {
    let m = mount(&ws_url("req-timeout"), fast(), true);
    m.wait_open(5_000).await;
    let started = now();
    let options = RequestOptions::default().timeout_ms(500);
    let handle = m.ctx.request_with_options(
        &Slow {
            ms: 5_000,
            tag: tag("timeout"),
        },
        options,
    );
    let state = settled("the timeout", &handle, 3_000).await;
    let expected = SyncError::RequestTimeout {
        method: "slow".into(),
        timeout_ms: 500,
    };
    assert_eq!(state, RequestState::Failed(expected));
    let took = now() - started;
    assert!(
        (450.0..2_000.0).contains(&took),
        "timed out after {took} ms"
    );
    assert!(m.is_open(), "a timeout does not touch the connection");
}

#[wasm_bindgen_test]
async fn a_replay_across_a_dropped_connection_completes_and_runs_once() {
    let client = "req-replay";
    control(&format!("reset?client={client}")).await;
    let m = mount(&ws_url(client), fast(), true);
    m.wait_open(5_000).await;
    let tag = tag("replay");
    let options = RequestOptions::default()
        .timeout_ms(10_000)
        .policy(RequestPolicy::Replay);
    let handle = m.ctx.request_with_options(
        &Slow {
            ms: 1_500,
            tag: tag.clone(),
        },
        options,
    );
    // Between request and response (the server has it, and runs it), the
    // server drops the connection.
    requests_received(client, 1).await;
    control(&format!("drop?client={client}")).await;
    wait_until("the reconnect", 5_000, || m.metrics().reconnects == 1).await;
    requests_received(client, 2).await;
    let state = settled("the replayed response", &handle, 8_000).await;
    let ids: Vec<_> = request_frames(client)
        .await
        .into_iter()
        .map(|f| f.raw["id"].clone())
        .collect();
    assert_eq!(
        ids,
        [handle.id.as_str(), handle.id.as_str()],
        "replayed with the same id"
    );
    // The first run's response: the replay with the same id did not run again.
    assert_eq!(
        state,
        RequestState::Done(Ran {
            tag: tag.clone(),
            runs: 1
        })
    );
    // A new request of the same tag is the second run.
    let again = m
        .ctx
        .request(&Slow {
            ms: 0,
            tag: tag.clone(),
        })
        .response()
        .await;
    assert_eq!(again, Ok(Ran { tag, runs: 2 }));
}

#[wasm_bindgen_test]
async fn fail_on_disconnect_fails_typed_at_the_drop() {
    let client = "req-fail";
    control(&format!("reset?client={client}")).await;
    let m = mount(&ws_url(client), fast(), true);
    m.wait_open(5_000).await;
    let handle = m.ctx.request(&Slow {
        ms: 3_000,
        tag: tag("fail"),
    });
    requests_received(client, 1).await;
    control(&format!("drop?client={client}")).await;
    let state = settled("the failure at the drop", &handle, 2_000).await;
    let interrupted = SyncError::RequestInterrupted {
        method: "slow".into(),
        sent: true,
    };
    assert_eq!(state, RequestState::Failed(interrupted.clone()));
    // Made while the connection is not open: fails at once, never sent.
    (m.ctx.connection.close)();
    let offline = m.ctx.request(&Slow {
        ms: 0,
        tag: tag("offline"),
    });
    let sent_false = SyncError::RequestInterrupted {
        method: "slow".into(),
        sent: false,
    };
    assert_eq!(
        offline.status.get_untracked(),
        RequestState::Failed(sent_false)
    );
}

#[wasm_bindgen_test]
async fn a_provider_that_unmounts_fails_its_open_requests() {
    let m = mount(&ws_url("req-unmount"), fast(), true);
    m.wait_open(5_000).await;
    let options = RequestOptions::default().policy(RequestPolicy::Replay);
    let handle = m.ctx.request_with_options(
        &Slow {
            ms: 3_000,
            tag: tag("unmount"),
        },
        options,
    );
    drop(m);
    let state = settled("the failure at the unmount", &handle, 2_000).await;
    let interrupted = SyncError::RequestInterrupted {
        method: "slow".into(),
        sent: true,
    };
    assert_eq!(state, RequestState::Failed(interrupted));
}
