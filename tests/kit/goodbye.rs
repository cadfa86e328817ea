//! A server goodbye (close 1000 or 4500–4599) in the widgets: they say the
//! server ended the session, never that a retry is coming, and stay so.

use leptos_sync::{ConnectionIndicator, ErrorBanner, ReconnectBanner};

use super::*;

async fn widgets(server: MockServer) -> Mock {
    mount_mock(server, every(100), SyncRegistry::new(), || {
        view! {
            <ConnectionIndicator class="k-bye-dot" show_text=true/>
            <ReconnectBanner class="k-bye-banner"/>
            <ErrorBanner class="k-bye-error"/>
        }
    })
    .await
}

fn banner_message() -> Option<String> {
    text(".k-bye-banner .ls-reconnect-banner__message")
}

#[wasm_bindgen_test]
async fn a_goodbye_with_a_reason_reads_as_the_end_of_the_session() {
    let server = MockServer::default();
    let m = widgets(server.clone()).await;
    server.close(4500, "account deleted");
    server.settle().await;
    let ended = "The server ended the session (account deleted)";
    assert_eq!(
        text(".k-bye-dot .ls-indicator__text").as_deref(),
        Some("Session ended by the server (account deleted)")
    );
    assert_eq!(banner_message().as_deref(), Some(ended), "shown at once");
    assert_eq!(
        text(".k-bye-banner .ls-reconnect-banner__announce").as_deref(),
        Some(ended)
    );
    assert_eq!(
        text(".k-bye-banner .ls-reconnect-banner__retry").as_deref(),
        Some("Reconnect")
    );
    assert_eq!(
        text(".k-bye-error .ls-error-banner__message").as_deref(),
        Some(ended)
    );

    // Nothing retries, and nothing says it will.
    server.advance(60_000).await;
    assert_eq!(server.connects(), 1);
    assert_eq!(banner_message().as_deref(), Some(ended));
    let page = m._app.text();
    assert!(
        !page.contains("Reconnecting") && !page.contains("Retry"),
        "{page}"
    );

    click(".k-bye-banner .ls-reconnect-banner__retry");
    server.settle().await;
    assert_eq!(m.state(), ConnectionState::Open);
    assert!(find(".k-bye-banner").is_none());
}

#[wasm_bindgen_test]
async fn a_1000_goodbye_without_a_reason_names_the_code() {
    let server = MockServer::default();
    let m = widgets(server.clone()).await;
    server.close(1000, "");
    server.settle().await;
    assert!(matches!(m.state(), ConnectionState::Failed { .. }));
    assert_eq!(
        text(".k-bye-dot .ls-indicator__text").as_deref(),
        Some("Session ended by the server (1000)")
    );
    assert_eq!(
        banner_message().as_deref(),
        Some("The server ended the session (1000)")
    );
    // A normal close is no error: the ErrorBanner stays away.
    assert!(find(".k-bye-error").is_none());
}
