//! Typed subscriptions against the real reference server.
//!
//! - [`sharing`]: components of one type share one subscription; the last
//!   unmount ends it; random mounts and drops leave server and client agreeing.
//! - [`recovery`]: after a drop, missed updates are replayed from history, or a
//!   snapshot is sent (too much missed, a server restart); a seq gap is healed.
//! - [`errors`]: a bad entry, a schema mismatch and an unregistered type are
//!   typed errors, and what is good still applies.
#![cfg(target_arch = "wasm32")]

#[path = "../support/mod.rs"]
mod support;

mod errors;
mod recovery;
mod sharing;

wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

/// The subscribe frames this client sent for a topic.
async fn subscribe_frames(client: &str, topic: &str) -> Vec<serde_json::Value> {
    support::client_frames(client)
        .await
        .into_iter()
        .filter(|f| f.kind == "subscribe" && f.raw["topic"] == topic)
        .map(|f| f.raw)
        .collect()
}
