//! A server-computed summary of a task board: a request/response round trip.
//! The server counts the board's tasks (done and open) and answers; the
//! request is replayed with the same id if the connection drops meanwhile,
//! and the server runs it once.

use leptos::prelude::*;
use leptos_sync::{
    RequestHandle, RequestOptions, RequestPolicy, RequestState, SyncRequest, use_sync_context,
};
use serde::{Deserialize, Serialize};

/// The reference server's `summary` method.
#[derive(Serialize, Deserialize)]
struct Summary {
    topic: String,
}

/// Its answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Counts {
    total: u64,
    done: u64,
    open: u64,
}

impl SyncRequest for Summary {
    const METHOD: &'static str = "summary";
    type Response = Counts;
}

/// How long the server has to answer.
const TIMEOUT_MS: u64 = 10_000;

/// The counts of the board whose topic is `topic` (`Task`, or `Task:<board>`),
/// computed by the server on demand.
#[component]
pub fn SummaryPanel(
    /// The board's topic.
    #[prop(into)]
    topic: Signal<String>,
) -> impl IntoView {
    let ctx = use_sync_context();
    let last = RwSignal::new(None::<RequestHandle<Counts>>);
    let ask = move |_| {
        let options = RequestOptions::default()
            .timeout_ms(TIMEOUT_MS)
            .policy(RequestPolicy::Replay);
        let summary = Summary {
            topic: topic.get_untracked(),
        };
        last.set(Some(ctx.request_with_options(&summary, options)));
    };
    // A new board's counts are not the old board's: forget them.
    Effect::new(move |previous: Option<String>| {
        let current = topic.get();
        if previous.is_some_and(|p| p != current) {
            last.set(None);
        }
        current
    });
    let state = move || last.get().map(|h| h.status.get());
    let word = move || match state() {
        None => "idle",
        Some(RequestState::Pending) => "pending",
        Some(RequestState::Done(_)) => "done",
        Some(RequestState::Failed(_)) => "failed",
    };
    let text = move || match state() {
        None => "Ask the server to count this board's tasks.".to_string(),
        Some(RequestState::Pending) => "Counting…".into(),
        Some(RequestState::Done(c)) => {
            format!("{} tasks · {} done · {} open", c.total, c.done, c.open)
        }
        Some(RequestState::Failed(error)) => format!("No summary: {error}"),
    };
    view! {
        <section class="panel summary" aria-labelledby="summary-title">
            <div class="panel__head">
                <h2 id="summary-title">"Summary"</h2>
                <button id="summary-request" type="button" on:click=ask>"Summarize"</button>
            </div>
            <p class="panel__hint">"Computed by the server, on request."</p>
            <p id="summary" data-state=word data-topic=move || topic.get() aria-live="polite">{text}</p>
        </section>
    }
}
