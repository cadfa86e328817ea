//! Requests across real process restarts: the server crashes between a
//! request and its response. A `Replay` request completes after the
//! restart, run once (the process that died never answered it, the new one
//! runs it a first time); a `FailOnDisconnect` one fails typed at the
//! disconnect, having been sent.

use leptos::prelude::*;
use leptos_sync::{RequestHandle, RequestOptions, RequestPolicy, RequestState, SyncError};
use wasm_bindgen_test::*;

use crate::report::*;
use crate::support::*;

const CLIENT: &str = "chaos-requests";

/// Waits until the server process holds request `id` of this client.
async fn server_has(id: &str) -> bool {
    let deadline = now() + 5_000.0;
    while now() < deadline {
        let frames = client_frames(CLIENT).await;
        if frames
            .iter()
            .any(|f| f.kind == "request" && f.raw["id"] == id)
        {
            return true;
        }
        gloo_timers::future::TimeoutFuture::new(10).await;
    }
    false
}

async fn final_state(handle: &RequestHandle<Ran>, timeout_ms: u32) -> RequestState<Ran> {
    wait_for(timeout_ms, || {
        handle.status.get_untracked() != RequestState::Pending
    })
    .await;
    handle.status.get_untracked()
}

#[wasm_bindgen_test]
async fn chaos_requests() {
    let scale = scale();
    install_probes();
    let rounds = count(20, scale);
    let mut report = Report::new();
    control(&format!("reset?client={CLIENT}")).await;
    let m = mount(&ws_url(CLIENT), fast(), true);
    for round in 0..rounds {
        if !wait_for(20_000, || m.is_open()).await {
            report.fail(format!("round {round}: not open"));
            break;
        }
        // Replay: completes after the restart, run once.
        let tag = format!("chaos-replay-{}-{round}", now());
        let options = RequestOptions::default()
            .timeout_ms(20_000)
            .policy(RequestPolicy::Replay);
        let slow = Slow {
            ms: u64::from(rand(400, 900)),
            tag: tag.clone(),
        };
        let handle = m.ctx.request_with_options(&slow, options);
        report.tried += 1;
        if !server_has(&handle.id).await {
            report.fail(format!(
                "round {round}: the replay request never reached the server"
            ));
            continue;
        }
        let crashed_at = now();
        crash(rand(0, 100)).await;
        match final_state(&handle, 20_000).await {
            RequestState::Done(Ran { runs: 1, .. }) => {
                report.survived += 1;
                report.recovery(now() - crashed_at);
            }
            RequestState::Done(ran) => {
                report.duplicates += 1;
                report.fail(format!("round {round}: {ran:?} ran more than once"));
            }
            other => {
                report.lost += 1;
                report.fail(format!("round {round}: the replay ended {other:?}"));
            }
        }
        if !wait_for(20_000, || m.is_open()).await {
            report.fail(format!("round {round}: not open after the replay"));
            break;
        }
        // FailOnDisconnect: fails typed at the disconnect.
        let slow = Slow {
            ms: 2_000,
            tag: format!("chaos-fail-{}-{round}", now()),
        };
        let handle = m.ctx.request(&slow);
        report.tried += 1;
        if !server_has(&handle.id).await {
            report.fail(format!(
                "round {round}: the request never reached the server"
            ));
            continue;
        }
        crash(rand(0, 100)).await;
        let interrupted = SyncError::RequestInterrupted {
            method: "slow".into(),
            sent: true,
        };
        match final_state(&handle, 5_000).await {
            RequestState::Failed(error) if error == interrupted => report.survived += 1,
            other => report.fail(format!("round {round}: fail-on-disconnect ended {other:?}")),
        }
    }
    report.extra("restarts", 2 * rounds);
    report.finish("requests");
}
