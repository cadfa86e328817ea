#![cfg(not(target_arch = "wasm32"))]
//! Requests on virtual time: a response settles them, a timeout fails them
//! at exactly their deadline (one timer for the earliest), and a dropped
//! connection fails a `FailOnDisconnect` one at once while a `Replay` one
//! waits and goes out again with the same id after the next `welcome`. Also
//! the bound, a late or unknown response, and a server that predates
//! requests. The harness checks its invariants (and the request ones) on every step.

mod common;

use common::mutations::connected;
use common::requests::{request, respond, respond_error, sent_ids, statuses};
use common::subs::subscribe;
use common::{errors, harness, msg, reconnecting, sends};
use leptos_sync_core::SyncError;
use leptos_sync_core::machine::{MIN_TIMEOUT_MS, Timer};
use leptos_sync_core::requests::{
    DEFAULT_REQUEST_TIMEOUT_MS, MAX_OPEN_REQUESTS, RequestPolicy, RequestStatus,
};
use leptos_sync_protocol::{ClientMsg, close_code};
use serde_json::json;

use RequestPolicy::{FailOnDisconnect, Replay};

fn failed(error: SyncError) -> RequestStatus {
    RequestStatus::Failed { error }
}

#[test]
fn a_request_is_sent_when_open_and_done_with_its_response() {
    let mut h = connected();
    let (id, cmds) = request(&mut h, "summary", FailOnDisconnect, None);
    assert_eq!(statuses(&cmds, &id), [RequestStatus::Sent]);
    assert!(sends(&cmds).iter().any(|m| matches!(m,
        ClientMsg::Request { id: i, method, payload } if *i == id && method == "summary" && *payload == json!({"n": 1}))));
    assert_eq!(
        h.machine.deadline(Timer::Request),
        Some(h.now + DEFAULT_REQUEST_TIMEOUT_MS)
    );
    let cmds = respond(&mut h, &id, json!({"open": 2}));
    assert_eq!(
        statuses(&cmds, &id),
        [RequestStatus::Done {
            result: json!({"open": 2})
        }]
    );
    assert_eq!(h.machine.deadline(Timer::Request), None);
    assert_eq!(h.machine.open_requests(), 0);
    assert!(h.errors().is_empty(), "{:?}", h.errors());
}

#[test]
fn a_server_error_fails_the_request_typed() {
    let mut h = connected();
    let (id, _) = request(&mut h, "summary", Replay, None);
    let cmds = respond_error(&mut h, &id, "not_found", "no board b9");
    let error = SyncError::RequestFailed {
        method: "summary".into(),
        code: "not_found".into(),
        message: "no board b9".into(),
    };
    assert_eq!(statuses(&cmds, &id), [failed(error)]);
}

#[test]
fn a_timeout_fails_at_exactly_its_deadline_and_one_timer_holds_the_earliest() {
    let mut h = connected();
    let (slow, _) = request(&mut h, "slow", Replay, Some(5_000));
    h.advance(1_000);
    let (fast, _) = request(&mut h, "fast", FailOnDisconnect, Some(2_000));
    // The fast one's deadline (1 s + 2 s) is the earlier one.
    assert_eq!(h.machine.deadline(Timer::Request), Some(h.now + 2_000));
    let cmds = h.advance(1_999);
    assert!(statuses(&cmds, &fast).is_empty(), "failed early");
    let cmds = h.advance(1);
    let timeout = SyncError::RequestTimeout {
        method: "fast".into(),
        timeout_ms: 2_000,
    };
    assert_eq!(statuses(&cmds, &fast), [failed(timeout)]);
    assert_eq!(h.machine.deadline(Timer::Request), Some(h.now + 2_000));
    let cmds = h.advance(2_000);
    let timeout = SyncError::RequestTimeout {
        method: "slow".into(),
        timeout_ms: 5_000,
    };
    assert_eq!(statuses(&cmds, &slow), [failed(timeout)]);
    // A late response to a request given up on is no error.
    let cmds = respond(&mut h, &slow, json!(1));
    assert!(errors(&cmds).is_empty(), "{cmds:?}");
    assert_eq!(h.machine.deadline(Timer::Request), None);
}

#[test]
fn fail_on_disconnect_fails_at_the_drop_and_when_made_offline() {
    let mut h = connected();
    let (id, _) = request(&mut h, "pay", FailOnDisconnect, None);
    let cmds = h.close(close_code::ABNORMAL, "");
    let interrupted = SyncError::RequestInterrupted {
        method: "pay".into(),
        sent: true,
    };
    assert_eq!(statuses(&cmds, &id), [failed(interrupted)]);
    // Reconnecting: a new one fails at once, and is never sent.
    let (id, cmds) = request(&mut h, "pay", FailOnDisconnect, None);
    let interrupted = SyncError::RequestInterrupted {
        method: "pay".into(),
        sent: false,
    };
    assert_eq!(statuses(&cmds, &id), [failed(interrupted)]);
    assert_eq!(h.machine.deadline(Timer::Request), None);
    h.settle_by_time();
    assert!(sent_ids(&h).is_empty());
}

#[test]
fn replay_waits_through_a_drop_and_goes_out_again_after_welcome_with_its_id() {
    let mut h = connected();
    subscribe(&mut h, "Task");
    let (id, _) = request(&mut h, "summary", Replay, Some(60_000));
    let cmds = h.close(close_code::SERVICE_RESTART, "retry-after=1000");
    assert_eq!(statuses(&cmds, &id), [RequestStatus::Waiting]);
    // One made while reconnecting waits too.
    let (later, cmds) = request(&mut h, "summary", Replay, Some(60_000));
    assert_eq!(statuses(&cmds, &later), [RequestStatus::Waiting]);
    let delay = reconnecting(&h, 1);
    h.advance(delay);
    h.socket_opened();
    h.token();
    let cmds = h.welcome(None);
    assert_eq!(
        sent_ids(&h),
        [id.clone(), later.clone()],
        "both, oldest first"
    );
    // After the subscription: the request frames come last.
    let socket = &h.sockets[h.live.unwrap()].sent;
    let first_request = socket
        .iter()
        .position(|m| matches!(m, ClientMsg::Request { .. }));
    let subscribe = socket
        .iter()
        .position(|m| matches!(m, ClientMsg::Subscribe { .. }));
    assert!(subscribe < first_request, "{socket:?}");
    assert_eq!(statuses(&cmds, &id), [RequestStatus::Sent]);
    let cmds = respond(&mut h, &id, json!("once"));
    assert_eq!(
        statuses(&cmds, &id),
        [RequestStatus::Done {
            result: json!("once")
        }]
    );
}

#[test]
fn a_replay_made_before_any_connection_goes_out_after_the_first_welcome() {
    let mut h = harness();
    let (id, cmds) = request(&mut h, "summary", Replay, None);
    assert_eq!(statuses(&cmds, &id), [RequestStatus::Waiting]);
    h.open();
    h.establish(None);
    assert_eq!(sent_ids(&h), [id]);
}

#[test]
fn a_user_close_fails_fail_on_disconnect_and_keeps_replay_waiting() {
    let mut h = connected();
    let (fail, _) = request(&mut h, "a", FailOnDisconnect, None);
    let (keep, _) = request(&mut h, "b", Replay, None);
    let cmds = h.handle(leptos_sync_core::Event::UserClose);
    assert!(matches!(
        &statuses(&cmds, &fail)[..],
        [RequestStatus::Failed { .. }]
    ));
    assert_eq!(statuses(&cmds, &keep), [RequestStatus::Waiting]);
    assert_eq!(h.machine.open_requests(), 1);
}

#[test]
fn the_bound_refuses_one_more_and_drops_none_of_the_open_ones() {
    let mut h = harness();
    let ids: Vec<String> = (0..MAX_OPEN_REQUESTS)
        .map(|_| request(&mut h, "m", Replay, None).0)
        .collect();
    let (extra, cmds) = request(&mut h, "m", Replay, None);
    let refused = SyncError::TooManyRequests {
        method: "m".into(),
        max_open: MAX_OPEN_REQUESTS,
    };
    assert_eq!(statuses(&cmds, &extra), [failed(refused)]);
    assert_eq!(h.machine.open_requests(), MAX_OPEN_REQUESTS);
    h.open();
    h.establish(None);
    assert_eq!(sent_ids(&h), ids);
}

#[test]
fn an_unknown_response_is_reported_and_a_timeout_out_of_range_is_clamped() {
    let mut h = connected();
    let cmds = respond(&mut h, "never-made", json!(1));
    assert_eq!(
        errors(&cmds),
        [SyncError::UnknownResponse {
            id: "never-made".into()
        }]
    );
    let (id, cmds) = request(&mut h, "m", Replay, Some(1));
    assert!(
        matches!(&errors(&cmds)[..], [SyncError::InvalidOptions { field, .. }] if field == "request.timeout_ms")
    );
    assert_eq!(
        h.machine.deadline(Timer::Request),
        Some(h.now + MIN_TIMEOUT_MS)
    );
    let cmds = h.advance(MIN_TIMEOUT_MS);
    assert!(matches!(
        &statuses(&cmds, &id)[..],
        [RequestStatus::Failed {
            error: SyncError::RequestTimeout { .. }
        }]
    ));
}

#[test]
fn a_server_without_requests_fails_the_oldest_on_the_wire_with_its_unknown_type() {
    let mut h = connected();
    let (first, _) = request(&mut h, "a", Replay, None);
    let (second, _) = request(&mut h, "b", Replay, None);
    let old = json!({"type": "error", "code": "unknown_type", "message": "unknown message type \"request\"", "id": null, "sub": null});
    let cmds = h.frame(&msg(old.clone()));
    let error = SyncError::RequestFailed {
        method: "a".into(),
        code: "unknown_type".into(),
        message: "unknown message type \"request\"".into(),
    };
    assert_eq!(statuses(&cmds, &first), [failed(error)]);
    assert!(errors(&cmds).is_empty(), "reported once, on the request");
    h.frame(&msg(old.clone()));
    assert!(h.machine.open_requests() == 0, "{second} still open");
    // With no request on the wire, it is an ordinary server error.
    let cmds = h.frame(&msg(old));
    assert!(
        matches!(&errors(&cmds)[..], [SyncError::Server { code, .. }] if code == "unknown_type")
    );
}

#[test]
fn a_clock_that_steps_back_keeps_the_requests_wait() {
    let mut h = connected();
    let (id, _) = request(&mut h, "m", Replay, Some(10_000));
    h.throttle(4_000);
    h.handle_timeout(); // the machine is told the time: 4 s passed
    h.jump_back(3_000);
    h.handle_timeout(); // the machine sees the new clock
    assert_eq!(h.machine.deadline(Timer::Request), Some(h.now + 6_000));
    assert!(statuses(&h.advance(5_999), &id).is_empty());
    assert!(!statuses(&h.advance(1), &id).is_empty());
}
