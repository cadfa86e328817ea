//! A binary frame on the kit: a typed error with its length in
//! `last_error`, counted, and the connection kept.

use leptos_sync::SyncError;

use super::*;

#[wasm_bindgen_test]
async fn a_binary_frame_is_a_typed_error_and_the_connection_is_kept() {
    let server = MockServer::default();
    let m = mount_mock(server.clone(), every(1_000), SyncRegistry::new(), || {
        view! { <leptos_sync::ErrorBanner class="k-bin"/> }
    })
    .await;
    server.send_binary(&[0xde, 0xad, 0xbe]);
    server.settle().await;
    assert_eq!(
        m.ctx.last_error.get_untracked(),
        Some(SyncError::BinaryFrame { bytes: 3 })
    );
    let metrics = m.ctx.connection.metrics.get_untracked();
    assert_eq!(metrics.binary_frames, 1);
    assert_eq!(m.state(), ConnectionState::Open);
    assert!(server.is_open());
    assert_eq!(server.connects(), 1);
    assert_eq!(
        text(".k-bin .ls-error-banner__message").as_deref(),
        Some("binary frame of 3 bytes from server ignored: the protocol is text only")
    );

    server.send_binary(&[]);
    server.settle().await;
    assert_eq!(
        m.ctx.last_error.get_untracked(),
        Some(SyncError::BinaryFrame { bytes: 0 })
    );
    assert_eq!(m.ctx.connection.metrics.get_untracked().binary_frames, 2);
    assert_eq!(m.state(), ConnectionState::Open);
}
