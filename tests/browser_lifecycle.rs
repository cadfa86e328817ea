//! Issue 14 §6 against the real server: a binary frame is a typed error and
//! the connection is kept; the mutations of a component that unmounts while
//! they are queued are still flushed and acknowledged; a provider that
//! unmounts fails the ones it leaves, typed; a value that does not decode is
//! dropped and listed until it heals. And §4's goodbye: a server 1000 close
//! is not retried, and the widgets say the session ended.
#![cfg(target_arch = "wasm32")]

mod support;

use std::sync::{Arc, Mutex};

use leptos::prelude::*;
use leptos_sync::{
    MutationHandle, MutationStatus, SyncError, SyncRegistry, UseSyncMutationReturn,
    use_sync_mutation,
};
use support::*;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

item!(Framed, "t-lifecycle-binary");
item!(Edited, "t-lifecycle-unmount");
item!(Shaped, "t-lifecycle-undecodable");

fn acked(handle: &MutationHandle) -> bool {
    matches!(handle.status.get_untracked(), MutationStatus::Acked { .. })
}

#[wasm_bindgen_test]
async fn a_binary_frame_is_a_typed_error_and_the_connection_is_kept() {
    let client = "lifecycle-binary";
    control(&format!("reset?client={client}")).await;
    let (m, slot) = mount_subscribed::<Framed>(client, fast());
    wait_until("Live", 5_000, || is_live(&slot)).await;
    let received = m.metrics().received;

    let sent = control_with_body(&format!("send_binary?client={client}"), "\u{1}\u{2}\u{3}").await;
    assert_eq!(sent["sent"], 1, "one connection got it");
    wait_until("the binary frame's error", 5_000, || {
        m.ctx.last_error.get_untracked() == Some(SyncError::BinaryFrame { bytes: 3 })
    })
    .await;
    let metrics = m.metrics();
    assert_eq!(metrics.binary_frames, 1);
    assert!(metrics.received > received, "counted as a frame");
    assert!(m.is_open(), "{:?}", m.state());
    assert_eq!((metrics.reconnects, metrics.attempts), (0, 1));
    assert_eq!(
        m.ctx.connection.socket_ready_state.get_untracked(),
        leptos_sync::ConnectionReadyState::Open
    );

    // The same socket still carries data.
    let seq = publish("t-lifecycle-binary", "after", serde_json::json!({"n": 7})).await;
    assert!(seq > 0);
    wait_until("the update after the binary frame", 5_000, || {
        entries(&slot).get("after") == Some(&Framed { n: 7 })
    })
    .await;
    assert_eq!(m.metrics().attempts, 1, "no reconnect");
}

#[wasm_bindgen_test]
async fn queued_mutations_of_an_unmounted_component_are_flushed_and_acked() {
    let client = "lifecycle-unmount";
    control(&format!("reset?client={client}")).await;
    let shown = RwSignal::new(true);
    let slot = Slot::<Edited>::default();
    let editor: Arc<Mutex<Option<UseSyncMutationReturn<Edited>>>> = Arc::default();
    let children = {
        let (slot, editor) = (slot.clone(), editor.clone());
        move || {
            let (slot, editor) = (slot.clone(), editor.clone());
            move || {
                shown.get().then(|| {
                    subscribe(&slot);
                    *editor.lock().unwrap() = Some(use_sync_mutation::<Edited>());
                    view! { <span class="lifecycle-editor"></span> }
                })
            }
        }
    };
    let registry = SyncRegistry::new().register::<Edited>();
    let m = mount_with(&ws_url(client), fast(), true, registry, children);
    wait_until("Live", 5_000, || is_live(&slot)).await;

    // Offline: the link drops and the server refuses the retries for a while.
    control(&format!("refuse?ms=3000&client={client}")).await;
    control(&format!("drop?client={client}")).await;
    wait_until("disconnected", 3_000, || !m.is_open()).await;
    let made = {
        let editor = editor.lock().unwrap();
        let editor = editor.as_ref().expect("the editor mounted");
        [
            editor.set("a", Edited { n: 1 }),
            editor.set("b", Edited { n: 2 }),
        ]
    };
    for handle in &made {
        assert_eq!(handle.status.get_untracked(), MutationStatus::Queued);
    }

    // The component that made them goes; its provider stays.
    shown.set(false);
    editor.lock().unwrap().take();
    wait_until("the editor unmounted", 2_000, || {
        find(".lifecycle-editor").is_none()
    })
    .await;
    assert!(
        !m.is_open(),
        "reconnected before the unmount: the test proves nothing"
    );

    wait_until("both acked after the reconnect", 10_000, || {
        made.iter().all(acked)
    })
    .await;
    let stored = server_entries::<Edited>().await;
    assert_eq!(
        (stored.get("a"), stored.get("b")),
        (Some(&Edited { n: 1 }), Some(&Edited { n: 2 }))
    );
    assert!(m.is_open());
    assert_eq!(m.metrics().queued, 0);
}

#[wasm_bindgen_test]
async fn a_provider_that_unmounts_fails_its_queued_mutations_typed() {
    let client = "lifecycle-provider";
    control(&format!("reset?client={client}")).await;
    let m = mount(&ws_url(client), fast(), true);
    m.wait_open(5_000).await;
    control(&format!("refuse?ms=60000&client={client}")).await;
    control(&format!("drop?client={client}")).await;
    wait_until("disconnected", 3_000, || !m.is_open()).await;
    let handle = m.ctx.mutate("left", Some(Edited { n: 3 }));
    assert_eq!(handle.status.get_untracked(), MutationStatus::Queued);

    drop(m);
    assert_eq!(
        handle.status.get_untracked(),
        MutationStatus::Failed {
            error: SyncError::ProviderUnmounted {
                id: handle.id.clone()
            }
        }
    );
    control(&format!("refuse?ms=0&client={client}")).await;
}

#[wasm_bindgen_test]
async fn a_value_that_does_not_decode_is_dropped_listed_and_healed() {
    let client = "lifecycle-undecodable";
    control(&format!("reset?client={client}")).await;
    publish(
        "t-lifecycle-undecodable",
        "shape",
        serde_json::json!({"n": 1}),
    )
    .await;
    let (m, slot) = mount_subscribed::<Shaped>(client, fast());
    wait_until("the value", 5_000, || {
        entries(&slot).get("shape") == Some(&Shaped { n: 1 })
    })
    .await;
    let undecodable = || {
        slot.lock()
            .unwrap()
            .expect("mounted")
            .undecodable
            .get_untracked()
    };

    // A newer server's value that this client's `Shaped` cannot read.
    publish(
        "t-lifecycle-undecodable",
        "shape",
        serde_json::json!({"n": "one"}),
    )
    .await;
    wait_until("the key marked", 5_000, || {
        undecodable().contains_key("shape")
    })
    .await;
    assert!(
        matches!(
            &undecodable()["shape"],
            SyncError::DeserializationFailed { .. }
        ),
        "{:?}",
        undecodable()
    );
    assert!(
        !entries(&slot).contains_key("shape"),
        "the stale value is dropped"
    );
    assert!(is_live(&slot), "the subscription itself is healthy");
    assert_eq!(m.metrics().subscriptions.undecodable, 1);

    publish(
        "t-lifecycle-undecodable",
        "shape",
        serde_json::json!({"n": 2}),
    )
    .await;
    wait_until("healed", 5_000, || {
        entries(&slot).get("shape") == Some(&Shaped { n: 2 }) && undecodable().is_empty()
    })
    .await;
}

#[wasm_bindgen_test]
async fn a_server_1000_close_ends_the_session_and_the_widgets_say_so() {
    use leptos_sync::{ConnectionIndicator, ConnectionState, ReconnectBanner};
    let client = "lifecycle-goodbye";
    control(&format!("reset?client={client}")).await;
    let m = mount_with(&ws_url(client), fast(), true, SyncRegistry::new(), || {
        view! {
            <ConnectionIndicator class="lifecycle-dot" show_text=true/>
            <ReconnectBanner class="lifecycle-banner"/>
        }
    });
    m.wait_open(5_000).await;
    control(&format!("close?code=1000&reason=bye&client={client}")).await;
    wait_until("the goodbye", 5_000, || {
        matches!(m.state(), ConnectionState::Failed { .. })
    })
    .await;
    let message = ".lifecycle-banner .ls-reconnect-banner__message";
    wait_until("the banner", 2_000, || {
        text(message).as_deref() == Some("The server ended the session (bye)")
    })
    .await;
    // No retry comes, and nothing says one will (the fast policy retries every 50 ms).
    throughout(500, || {
        assert_eq!(m.metrics().attempts, 1, "retried a goodbye");
        assert_eq!(
            text(".lifecycle-dot .ls-indicator__text").as_deref(),
            Some("Session ended by the server (bye)")
        );
    })
    .await;
    assert_eq!(
        text(".lifecycle-banner .ls-reconnect-banner__retry").as_deref(),
        Some("Reconnect")
    );
    click(".lifecycle-banner .ls-reconnect-banner__retry");
    m.wait_open(5_000).await;
    assert_eq!(m.metrics().attempts, 2);
}
