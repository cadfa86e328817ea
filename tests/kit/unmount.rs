//! Mutations belong to the provider: they outlive the component that made
//! them (flushed after a reconnect, acknowledged, their handles resolve),
//! and end with the provider, failed and typed, so none is pending forever.

use leptos_sync::{
    MutateOptions, MutationHandle, MutationStatus, SyncComponent, SyncError, use_sync_component,
    use_sync_mutation_with_options,
};
use serde::{Deserialize, Serialize};

use super::*;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, SyncComponent)]
struct Memo {
    text: String,
}

fn memo(text: &str) -> Memo {
    Memo { text: text.into() }
}

/// A component that subscribes to `Memo` and, when `make` is set, makes a
/// plain and an optimistic mutation; their handles land in `handles`.
#[component]
fn Editor(handles: RwSignal<Vec<MutationHandle>>, make: RwSignal<bool>) -> impl IntoView {
    let _memos = use_sync_component::<Memo>();
    let optimistic = use_sync_mutation_with_options::<Memo>(MutateOptions {
        optimistic: true,
        ..Default::default()
    });
    let ctx = leptos_sync::use_sync_context();
    Effect::new(move |_| {
        if make.get() {
            let plain = ctx.mutate("plain", Some(memo("kept")));
            let fast = optimistic.set("fast", memo("shown at once"));
            handles.set(vec![plain, fast]);
        }
    });
}

struct Editing {
    m: Mock,
    shown: RwSignal<bool>,
    make: RwSignal<bool>,
    handles: RwSignal<Vec<MutationHandle>>,
}

impl Editing {
    fn statuses(&self) -> Vec<MutationStatus> {
        self.handles
            .get_untracked()
            .iter()
            .map(|h| h.status.get_untracked())
            .collect()
    }
}

/// The `Editor` inside a `<Show>` that the test can switch off, so the
/// component unmounts while its provider stays.
async fn editing(server: MockServer) -> Editing {
    let (shown, make, handles) = (
        RwSignal::new(true),
        RwSignal::new(false),
        RwSignal::new(vec![]),
    );
    let registry = SyncRegistry::new().register::<Memo>();
    let m = mount_mock(server, every(1_000), registry, move || {
        view! {
            <Show when=move || shown.get()>
                <Editor handles=handles make=make/>
            </Show>
        }
    })
    .await;
    m.server.snapshot("Memo", [("old", memo("before"))]);
    m.server.settle().await;
    Editing {
        m,
        shown,
        make,
        handles,
    }
}

#[wasm_bindgen_test]
async fn queued_mutations_of_an_unmounted_component_are_flushed_and_acked() {
    let server = MockServer::default();
    let e = editing(server.clone()).await;
    // Offline: the server is unreachable, so the mutations wait in the queue.
    server.set_accept_sockets(false);
    server.close(1006, "");
    server.settle().await;
    e.make.set(true);
    server.settle().await;
    assert_eq!(
        e.statuses(),
        [MutationStatus::Queued, MutationStatus::Queued]
    );

    e.shown.set(false);
    server.settle().await;
    assert_eq!(
        e.statuses(),
        [MutationStatus::Queued, MutationStatus::Queued]
    );

    server.set_accept_sockets(true);
    server.advance(1_000).await;
    assert_eq!(e.m.state(), ConnectionState::Open);
    let waiting = server.mutations();
    assert_eq!(
        waiting.iter().map(|w| w.key.as_str()).collect::<Vec<_>>(),
        ["plain", "fast"],
        "flushed after the reconnect"
    );
    assert_eq!(e.statuses(), [MutationStatus::Sent, MutationStatus::Sent]);
    for w in &waiting {
        server.ack(&w.id);
    }
    server.settle().await;
    assert_eq!(
        e.statuses(),
        [
            MutationStatus::Acked { seq: 1 },
            MutationStatus::Acked { seq: 2 }
        ]
    );
    assert_eq!(e.m.ctx.connection.metrics.get_untracked().queued, 0);
}

#[wasm_bindgen_test]
async fn in_flight_mutations_of_an_unmounted_component_still_resolve() {
    let server = MockServer::default();
    let e = editing(server.clone()).await;
    e.make.set(true);
    server.settle().await;
    assert_eq!(e.statuses(), [MutationStatus::Sent, MutationStatus::Sent]);
    e.shown.set(false);
    server.settle().await;

    let waiting = server.mutations();
    server.ack(&waiting[0].id);
    server.reject(&waiting[1].id, "rejected", "no");
    server.settle().await;
    let statuses = e.statuses();
    assert_eq!(statuses[0], MutationStatus::Acked { seq: 1 });
    assert!(
        matches!(
            &statuses[1],
            MutationStatus::Failed {
                error: SyncError::Rejected { .. }
            }
        ),
        "{statuses:?}"
    );
}

#[wasm_bindgen_test]
async fn a_provider_that_unmounts_fails_its_open_mutations_typed() {
    let server = MockServer::default();
    let e = editing(server.clone()).await;
    server.set_accept_sockets(false);
    server.close(1006, "");
    e.make.set(true);
    server.settle().await;
    let handles = e.handles.get_untracked();
    assert_eq!(
        e.statuses(),
        [MutationStatus::Queued, MutationStatus::Queued]
    );
    let Editing { m, .. } = e;
    let Mock { ctx, _app, .. } = m;
    drop(_app);

    for handle in &handles {
        let unmounted = SyncError::ProviderUnmounted {
            id: handle.id.clone(),
        };
        assert_eq!(
            handle.status.get_untracked(),
            MutationStatus::Failed {
                error: unmounted.clone()
            }
        );
        assert_eq!(handle.last_error.get_untracked(), Some(unmounted));
    }

    // A context kept past the provider: a new mutation fails at once, typed.
    let late = ctx.mutate("late", Some(memo("too late")));
    assert!(
        matches!(
            late.status.get_untracked(),
            MutationStatus::Failed {
                error: SyncError::ProviderUnmounted { .. }
            }
        ),
        "{:?}",
        late.status.get_untracked()
    );
}

#[wasm_bindgen_test]
async fn a_provider_that_unmounts_fails_in_flight_mutations_too() {
    let server = MockServer::default();
    let e = editing(server.clone()).await;
    e.make.set(true);
    server.settle().await;
    assert_eq!(e.statuses(), [MutationStatus::Sent, MutationStatus::Sent]);
    let handles = e.handles.get_untracked();
    let Editing { m, .. } = e;
    drop(m);
    for handle in &handles {
        assert!(
            matches!(
                handle.status.get_untracked(),
                MutationStatus::Failed { error: SyncError::ProviderUnmounted { ref id } } if *id == handle.id
            ),
            "{:?}",
            handle.status.get_untracked()
        );
    }
}
