//! How a server's close ends the session, and the session's ready state.

use leptos_sync::testing::MockServerOptions;
use leptos_sync::{ConnectionReadyState, DisconnectReason, FailReason};

use super::*;

fn ready(m: &Mock) -> ConnectionReadyState {
    m.ctx.connection.ready_state.get_untracked()
}

#[wasm_bindgen_test]
async fn a_server_1000_close_is_not_retried_until_open_and_says_why() {
    let server = MockServer::default();
    let m = mount_mock(server.clone(), every(100), SyncRegistry::new(), || ()).await;
    server.close(1000, "session over");
    server.advance(600_000).await;
    assert_eq!(server.connects(), 1, "retried a goodbye");
    assert_eq!(
        m.state(),
        ConnectionState::Failed {
            reason: FailReason::ServerSaidGoodbye {
                code: 1000,
                reason: "session over".into()
            }
        }
    );
    let metrics = m.ctx.connection.metrics.get_untracked();
    assert_eq!(
        metrics.last_disconnect,
        Some(DisconnectReason::ServerSaidGoodbye)
    );
    assert_eq!(ready(&m), ConnectionReadyState::Closed);

    (m.ctx.connection.open)();
    server.settle().await;
    assert_eq!(server.connects(), 2);
    assert_eq!(m.state(), ConnectionState::Open);
}

#[wasm_bindgen_test]
async fn a_server_1012_close_is_still_retried() {
    let server = MockServer::default();
    let m = mount_mock(server.clone(), every(100), SyncRegistry::new(), || ()).await;
    server.close(1012, "");
    server.settle().await;
    assert!(matches!(m.state(), ConnectionState::Reconnecting { .. }));
    server.advance(100).await;
    assert_eq!(server.connects(), 2);
    assert_eq!(m.state(), ConnectionState::Open);
}

#[wasm_bindgen_test]
async fn ready_state_is_connecting_until_welcome() {
    let server = MockServer::new(MockServerOptions::default().welcome(false));
    let m = mount_mock(server.clone(), every(100), SyncRegistry::new(), || ()).await;
    assert_eq!(m.state(), ConnectionState::Handshaking);
    assert_eq!(
        m.ctx.connection.socket_ready_state.get_untracked(),
        ConnectionReadyState::Open
    );
    assert_eq!(ready(&m), ConnectionReadyState::Connecting);
    server.welcome();
    server.settle().await;
    assert_eq!(ready(&m), ConnectionReadyState::Open);
}
