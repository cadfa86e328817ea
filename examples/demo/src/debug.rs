//! A machine-readable snapshot of the client for tests:
//! `<script type="application/json" id="sync-debug">`, rewritten by an Effect
//! whenever the connection, the metrics, an error or a topic changes.
//!
//! ```js
//! JSON.parse(document.getElementById('sync-debug').textContent)
//! // { state: {kind: "open", text: "Open", ...}, online, ready_state, metrics: {...},
//! //   last_error, board, topics: { Task: {status, recovered, entries}, Ticker: {...} } }
//! // `Task` is the current board's topic, `Task:<board>`.
//! ```

use std::collections::HashMap;

use leptos::prelude::*;
use leptos_sync::{
    ConnectionState, SubscriptionState, SyncComponent, SyncEntries, use_sync_component,
    use_sync_component_in, use_sync_connection, use_sync_context,
};
use serde_json::{Value, json};

use crate::model::{Task, Ticker, recovered_word, status_word};
use crate::rooms::use_board;

fn state_json(state: &ConnectionState) -> Value {
    let kind = match state {
        ConnectionState::Idle => "idle",
        ConnectionState::Connecting { .. } => "connecting",
        ConnectionState::Handshaking => "handshaking",
        ConnectionState::Open => "open",
        ConnectionState::Reconnecting { .. } => "reconnecting",
        ConnectionState::Failed { .. } => "failed",
        ConnectionState::Closed => "closed",
        // A state newer than this page: `text` still says what it is.
        _ => "unknown",
    };
    let mut out = json!({ "kind": kind, "text": state.to_string() });
    match state {
        ConnectionState::Connecting { attempt } => out["attempt"] = json!(attempt),
        ConnectionState::Reconnecting { attempt, next_at } => {
            out["attempt"] = json!(attempt);
            out["next_at"] = json!(next_at);
        }
        ConnectionState::Failed { reason } => out["reason"] = json!(reason.to_string()),
        _ => {}
    }
    out
}

fn topic_json<T: SyncComponent>(topic: SyncEntries<T>) -> Value {
    let state: SubscriptionState = topic.state.get();
    let entries: HashMap<String, T> = topic.entries.get();
    json!({
        "status": status_word(&state),
        "recovered": state.recovered,
        "recovered_text": recovered_word(&state),
        "entries": entries,
    })
}

/// The hidden JSON snapshot.
#[component]
pub fn DebugSnapshot() -> impl IntoView {
    let conn = use_sync_connection();
    let ctx = use_sync_context();
    let board = use_board().0;
    let tasks = use_sync_component_in::<Task>(board);
    let ticker = use_sync_component::<Ticker>();
    let node = NodeRef::<leptos::html::Script>::new();
    Effect::new(move |_| {
        let m = conn.metrics.get();
        let snapshot = json!({
            "state": conn.state.with(state_json),
            "online": conn.online.get(),
            "ready_state": format!("{:?}", conn.ready_state.get()),
            "metrics": {
                "attempts": m.attempts,
                "reconnects": m.reconnects,
                "connected_since": m.connected_since,
                "sent": m.sent,
                "received": m.received,
                "rtt_ms": m.rtt_ms,
                "pings": m.pings,
                "last_close": m.last_close.map(|(code, reason)| json!({ "code": code, "reason": reason })),
                "queued": m.queued,
                "in_flight": m.in_flight,
                "dropped": m.dropped,
                "updates": m.subscriptions.updates,
                "snapshots": m.subscriptions.snapshots,
                "duplicates": m.subscriptions.duplicates,
                "gaps": m.subscriptions.gaps,
            },
            "last_error": ctx.last_error.get().map(|e| e.to_string()),
            "board": board.get(),
            "topics": {
                Task::NAME: topic_json(tasks),
                Ticker::NAME: topic_json(ticker),
            },
        });
        if let Some(el) = node.get() {
            el.set_text_content(Some(&snapshot.to_string()));
        }
    });
    view! { <script type="application/json" id="sync-debug" node_ref=node>"{}"</script> }
}
