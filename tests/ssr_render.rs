//! The provider and hooks render on the server without touching browser APIs.
//! Run with `cargo test -p leptos-sync --features ssr --test ssr_render`.
#![cfg(feature = "ssr")]

use leptos::prelude::*;
use leptos_sync::{
    ConnectionState, SyncProvider, SyncRegistry, use_sync_connection, use_sync_context,
};

#[component]
fn Status() -> impl IntoView {
    let connection = use_sync_connection();
    let ctx = use_sync_context();
    view! {
        <p class="state">{move || connection.state.get().to_string()}</p>
        <p class="error">{move || ctx.last_error.get().map(|e| e.to_string())}</p>
    }
}

#[test]
fn renders_the_provider_and_hooks() {
    let owner = Owner::new();
    let html = owner.with(|| {
        view! {
            <SyncProvider url="ws://127.0.0.1:1/ws" registry=SyncRegistry::new()>
                <Status/>
            </SyncProvider>
        }
        .to_html()
    });
    assert!(html.contains(&ConnectionState::Idle.to_string()), "{html}");
    assert!(html.contains("class=\"state\""), "{html}");
}

#[test]
fn renders_the_widgets_without_browser_apis() {
    use leptos_sync::{
        ConnectionIndicator, ErrorBanner, ReconnectBanner, StateLabels, StatusBar, StatusBarLabels,
    };
    let owner = Owner::new();
    let html = owner.with(|| {
        let labels = StatusBarLabels {
            state: StateLabels {
                idle: "Noch nicht verbunden".into(),
                ..Default::default()
            },
            ..Default::default()
        };
        view! {
            <SyncProvider url="ws://127.0.0.1:1/ws" registry=SyncRegistry::new()>
                <ConnectionIndicator show_text=true class="mine"/>
                <ErrorBanner auto_hide_ms=1_000/>
                <StatusBar compact=true labels=labels/>
                <ReconnectBanner/>
            </SyncProvider>
        }
        .to_html()
    });
    // Idle: the indicator says so, nothing is wrong, the banners stay away.
    assert!(
        html.contains(r#"class="ls-indicator ls-indicator--idle mine""#),
        "{html}"
    );
    assert!(html.contains(r#"role="status""#), "{html}");
    assert!(html.contains(r#"aria-label="Not connected""#), "{html}");
    assert!(html.contains(r#"title="Not connected""#), "{html}");
    assert!(
        html.contains(r#"<span class="ls-indicator__text">Not connected</span>"#),
        "{html}"
    );
    assert!(
        html.contains("ls-status-bar ls-status-bar--idle ls-status-bar--compact"),
        "{html}"
    );
    assert!(html.contains("Noch nicht verbunden"), "{html}");
    assert!(html.contains("ls-status-bar__item--reconnects"), "{html}");
    assert!(
        !html.contains("ls-status-bar__item--connected-for"),
        "{html}"
    );
    assert!(!html.contains("ls-error-banner"), "{html}");
    assert!(!html.contains("ls-reconnect-banner"), "{html}");
    // The stylesheet is injected by the client, not written into the markup.
    assert!(!html.contains("<style"), "{html}");
}

#[test]
fn a_mutation_while_rendering_on_the_server_fails_as_not_connected() {
    use leptos_sync::{MutationStatus, SyncComponent, SyncError, use_sync_mutation};
    use serde::{Deserialize, Serialize};

    #[derive(Clone, PartialEq, Serialize, Deserialize, SyncComponent)]
    struct Note {
        text: String,
    }

    #[component]
    fn Writes() -> impl IntoView {
        let handle = use_sync_mutation::<Note>().set("n1", Note { text: "hi".into() });
        let status = handle.status.get_untracked();
        view! { <p class="status">{format!("{status:?}")}</p> }
    }

    let owner = Owner::new();
    let html = owner.with(|| {
        let registry = SyncRegistry::new().register::<Note>();
        view! {
            <SyncProvider url="ws://127.0.0.1:1/ws" registry=registry>
                <Writes/>
                <Status/>
            </SyncProvider>
        }
        .to_html()
    });
    // Not queued forever on a server that has no socket: failed at once, and reported.
    let failed = MutationStatus::Failed {
        error: SyncError::NotConnected,
    };
    assert!(html.contains(&format!("{failed:?}")), "{html}");
    assert!(
        html.contains(&SyncError::NotConnected.to_string()),
        "{html}"
    );
}

/// The test kit's provider renders on the server too: a component under
/// test renders to a string natively, as under a `<SyncProvider>` that has
/// not connected, and the mock sees no socket.
#[test]
fn the_test_kits_provider_renders_on_the_server() {
    use leptos_sync::ConnectionIndicator;
    use leptos_sync::testing::{MockServer, MockSyncProvider};

    let server = MockServer::default();
    let owner = Owner::new();
    let app = server.clone();
    let html = owner.with(|| {
        view! {
            <MockSyncProvider server=app>
                <ConnectionIndicator show_text=true/>
                <Status/>
            </MockSyncProvider>
        }
        .to_html()
    });
    assert!(html.contains("ls-indicator--idle"), "{html}");
    assert!(html.contains(&ConnectionState::Idle.to_string()), "{html}");
    assert_eq!(server.connects(), 0);
    assert!(server.sent().is_empty());
}
