//! The kit itself: the handshake, typed frames in order, subscriptions,
//! mutations with rollback, close codes, and virtual time.

use leptos_sync::testing::{ClientMsg, MockServerOptions};
use leptos_sync::{
    MutateOptions, MutationHandle, MutationStatus, SubscriptionStatus, SyncComponent, SyncEntries,
    use_sync_component,
};
use serde::{Deserialize, Serialize};

use super::*;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, SyncComponent)]
struct Note {
    text: String,
}

fn note(text: &str) -> Note {
    Note { text: text.into() }
}

/// Mounts a subscriber of `Note`; its entries end up in the returned slot.
async fn notes(server: MockServer) -> (Mock, RwSignal<Option<SyncEntries<Note>>>) {
    let slot = RwSignal::new(None);
    let registry = SyncRegistry::new().register::<Note>();
    let m = mount_mock(server, every(1_000), registry, move || {
        slot.set(Some(use_sync_component::<Note>()));
    })
    .await;
    (m, slot)
}

fn status(slot: RwSignal<Option<SyncEntries<Note>>>) -> SubscriptionStatus {
    slot.get_untracked().unwrap().state.get_untracked().status
}

fn texts(slot: RwSignal<Option<SyncEntries<Note>>>) -> Vec<(String, String)> {
    let mut all: Vec<_> = slot
        .get_untracked()
        .unwrap()
        .get_untracked()
        .into_iter()
        .map(|(k, v)| (k, v.text))
        .collect();
    all.sort();
    all
}

#[wasm_bindgen_test]
async fn the_handshake_is_answered_or_held() {
    let server = MockServer::default();
    let m = mount_mock(server.clone(), every(1_000), SyncRegistry::new(), || ()).await;
    assert_eq!(
        server.take_sent(),
        [ClientMsg::Hello {
            protocol: 1,
            token: None
        }]
    );
    assert_eq!(m.state(), ConnectionState::Open);
    assert_eq!(server.connects(), 1);
    drop(m);

    // Held: the client waits in Handshaking until the test answers.
    let server = MockServer::new(MockServerOptions::default().welcome(false));
    let m = mount_mock(server.clone(), every(1_000), SyncRegistry::new(), || ()).await;
    assert_eq!(m.state(), ConnectionState::Handshaking);
    assert!(server.is_open(), "the socket is open, the session is not");
    server.welcome();
    server.settle().await;
    assert_eq!(m.state(), ConnectionState::Open);
}

#[wasm_bindgen_test]
async fn subscribe_snapshot_update_and_typed_frames() {
    let server = MockServer::default();
    let (_m, slot) = notes(server.clone()).await;
    let sent = server.take_sent();
    let [
        ClientMsg::Hello { .. },
        ClientMsg::Subscribe { topic, since, .. },
    ] = &sent[..]
    else {
        panic!("frames: {sent:?}");
    };
    assert_eq!((topic.as_str(), *since), ("Note", None));
    assert_eq!(status(slot), SubscriptionStatus::Pending);

    server.snapshot("Note", [("a", note("first"))]);
    server.settle().await;
    assert_eq!(status(slot), SubscriptionStatus::Live);
    assert_eq!(texts(slot), [("a".into(), "first".into())]);

    server.update("Note", "b", Some(note("second")));
    server.update::<Note>("Note", "a", None);
    server.settle().await;
    assert_eq!(texts(slot), [("b".into(), "second".into())]);
}

#[wasm_bindgen_test]
async fn a_resubscribe_after_a_drop_resumes_from_the_last_seq() {
    let server = MockServer::default();
    let (m, slot) = notes(server.clone()).await;
    server.snapshot("Note", [("a", note("x"))]);
    server.update("Note", "a", Some(note("y")));
    server.settle().await;
    server.take_sent();

    server.close(1006, "");
    server.settle().await;
    assert_eq!(status(slot), SubscriptionStatus::Stale);
    assert!(matches!(m.state(), ConnectionState::Reconnecting { .. }));
    server.advance(1_000).await;
    let sent = server.take_sent();
    assert!(
        sent.iter().any(|f| matches!(f,
            ClientMsg::Subscribe { topic, since: Some(1), epoch: Some(e), .. } if topic == "Note" && e == "mock")),
        "{sent:?}"
    );
    server.answer("Note");
    server.settle().await;
    assert_eq!(status(slot), SubscriptionStatus::Live);
    assert_eq!(texts(slot), [("a".into(), "y".into())]);
}

#[wasm_bindgen_test]
async fn mutations_are_acked_or_rejected_and_rolled_back() {
    let server = MockServer::default();
    let (m, slot) = notes(server.clone()).await;
    server.snapshot("Note", [("a", note("kept"))]);
    server.settle().await;
    let optimistic = MutateOptions {
        optimistic: true,
        ..Default::default()
    };

    let saved: MutationHandle = m
        .ctx
        .mutate_with_options("b", Some(note("saved")), optimistic);
    let refused = m
        .ctx
        .mutate_with_options("c", Some(note("refused")), optimistic);
    server.settle().await;
    assert_eq!(texts(slot).len(), 3, "both applied at once");
    let pending = server.mutations();
    assert_eq!(
        pending.iter().map(|p| p.key.as_str()).collect::<Vec<_>>(),
        ["b", "c"]
    );
    assert_eq!(pending[0].id, saved.id);

    server.ack(&saved.id);
    server.reject(&refused.id, "rejected", "no");
    server.settle().await;
    assert_eq!(
        saved.status.get_untracked(),
        MutationStatus::Acked { seq: 1 }
    );
    assert!(matches!(
        refused.status.get_untracked(),
        MutationStatus::Failed { .. }
    ));
    assert_eq!(
        texts(slot),
        [("a".into(), "kept".into()), ("b".into(), "saved".into())]
    );
    assert!(server.mutations().is_empty());
}

#[wasm_bindgen_test]
async fn backoff_runs_on_virtual_time() {
    let server = MockServer::default();
    let m = mount_mock(server.clone(), every(30_000), SyncRegistry::new(), || ()).await;
    let started = now();
    let at = server.now().unwrap();
    server.close(1006, "");
    server.settle().await;
    assert_eq!(
        m.state(),
        ConnectionState::Reconnecting {
            attempt: 1,
            next_at: at + 30_000
        }
    );

    // A server that is down: every retry fails, 30 s apart.
    server.set_accept_sockets(false);
    server.advance(29_999).await;
    assert_eq!(server.connects(), 1, "retried early");
    server.advance(1).await;
    assert_eq!(server.connects(), 2);
    server.advance(30_000).await;
    assert_eq!(server.connects(), 3);
    assert!(matches!(
        m.state(),
        ConnectionState::Reconnecting { attempt: 3, .. }
    ));

    server.set_accept_sockets(true);
    server.advance(30_000).await;
    assert_eq!(m.state(), ConnectionState::Open);
    assert!(
        now() - started < 5_000.0,
        "90 virtual seconds took real ones"
    );
}

#[wasm_bindgen_test]
async fn an_auth_close_is_not_retried_until_the_token_changes() {
    let server = MockServer::new(MockServerOptions::default().welcome(false));
    let m = mount_mock(server.clone(), every(100), SyncRegistry::new(), || ()).await;
    server.close(4401, "bad token");
    server.advance(600_000).await;
    assert_eq!(server.connects(), 1, "retried a refused token");
    assert!(matches!(m.state(), ConnectionState::Failed { .. }));

    (m.ctx.set_token)(Some("fresh".into()));
    server.settle().await;
    assert_eq!(server.connects(), 2);
    let hello = server.sent().pop();
    assert_eq!(
        hello,
        Some(ClientMsg::Hello {
            protocol: 1,
            token: Some("fresh".into())
        })
    );
}

#[wasm_bindgen_test]
async fn heartbeats_are_sent_on_virtual_time_and_answered() {
    let server = MockServer::default();
    let options = every(1_000).heartbeat_interval_ms(10_000);
    let m = mount_mock(server.clone(), options, SyncRegistry::new(), || ()).await;
    server.take_sent();
    server.advance(9_999).await;
    assert_eq!(server.take_sent(), []);
    server.advance(1).await;
    assert!(matches!(server.take_sent()[..], [ClientMsg::Ping { .. }]));
    // Answered by the mock: still open a minute later, one ping every 10 s.
    server.advance(60_000).await;
    assert_eq!(server.take_sent().len(), 6);
    assert_eq!(m.state(), ConnectionState::Open);
    assert!(server.pending_timers() > 0, "the next ping is scheduled");
}

#[wasm_bindgen_test]
async fn a_restart_close_waits_the_servers_retry_after() {
    let options = SyncOptions::default().reconnect(ReconnectOptions {
        policy: ReconnectPolicy::Fixed(100),
        delay_offset_ms: 0,
        max_attempts: None,
        retry_after_floor_ms: 500,
        retry_after_cap_ms: 120_000,
        ..Default::default()
    });
    let server = MockServer::default();
    let m = mount_mock(server.clone(), options, SyncRegistry::new(), || ()).await;
    let at = server.now().unwrap();
    server.close(1012, "retry-after=5000");
    server.settle().await;
    let ConnectionState::Reconnecting { next_at, .. } = m.state() else {
        panic!("not Reconnecting: {:?}", m.state());
    };
    // The server's 5 s, plus up to half again as spread; not the policy's 100 ms.
    assert!((at + 5_000..=at + 7_500).contains(&next_at), "{next_at}");
    server.advance(4_999).await;
    assert_eq!(server.connects(), 1);
    server.advance(2_501).await;
    assert_eq!(server.connects(), 2);
    assert_eq!(m.state(), ConnectionState::Open);
}

#[wasm_bindgen_test]
async fn with_virtual_time_off_the_browsers_timers_run() {
    let server = MockServer::new(MockServerOptions::default().virtual_time(false));
    let m = mount_mock(server.clone(), every(50), SyncRegistry::new(), || ()).await;
    assert_eq!(server.now(), None);
    assert_eq!(m.state(), ConnectionState::Open);
    server.close(1006, "");
    wait_until("reconnected on the browser's clock", 2_000, || {
        m.state() == ConnectionState::Open && server.connects() == 2
    })
    .await;
}

#[wasm_bindgen_test]
async fn a_fixed_random_source_makes_a_jittered_backoff_exact() {
    use leptos_sync::{Exponential, Jitter};
    let reconnect = ReconnectOptions {
        policy: ReconnectPolicy::Exponential(Exponential {
            initial_ms: 1_000,
            max_ms: 20_000,
            multiplier: 2.0,
            jitter: Jitter::Full,
        }),
        delay_offset_ms: 0,
        max_attempts: None,
        ..Default::default()
    };
    let close = leptos_sync_core::Close::ABNORMAL;
    let first = reconnect.next_delay(1, close, || 0.5).unwrap();
    let second = reconnect.next_delay(2, close, || 0.5).unwrap();
    let server = MockServer::new(MockServerOptions::default().random(Some(|| 0.5)));
    let options = SyncOptions::default().reconnect(reconnect);
    let m = mount_mock(server.clone(), options, SyncRegistry::new(), || ()).await;
    let at = server.now().unwrap();
    server.set_accept_sockets(false);
    server.close(1006, "");
    server.settle().await;
    let next_at = at + first;
    assert_eq!(
        m.state(),
        ConnectionState::Reconnecting {
            attempt: 1,
            next_at
        }
    );
    server.advance(first).await;
    assert_eq!(
        m.state(),
        ConnectionState::Reconnecting {
            attempt: 2,
            next_at: next_at + second
        }
    );
}
