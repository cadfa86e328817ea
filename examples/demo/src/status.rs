//! Connection details: state, ready state, counters, last error, open/close.

use leptos::prelude::*;
use leptos_sync::{use_sync_connection, use_sync_context};

/// Shows what the connection is doing. The `id`s are stable hooks for the e2e tests.
#[component]
pub fn StatusPanel() -> impl IntoView {
    let conn = use_sync_connection();
    let ctx = use_sync_context();

    let state = conn.state;
    let ready_state = conn.ready_state;
    let metrics = conn.metrics;
    let online = conn.online;
    let last_error = ctx.last_error;

    let is_open = move || state.with(|s| s.is_open());
    let open = conn.open.clone();
    let close = conn.close.clone();
    let clear_error = ctx.clear_error.clone();

    view! {
        <section class="panel" aria-labelledby="status-title">
            <h2 id="status-title">"Connection"</h2>
            <div class="status">
                <span class="status__dot" class:status__dot--open=is_open aria-hidden="true"></span>
                <output
                    id="connection-state"
                    class="status__state"
                    data-open=move || is_open().to_string()
                >
                    {move || state.get().to_string()}
                </output>
            </div>
            <dl class="facts">
                <dt>"Ready state"</dt>
                <dd id="ready-state">{move || format!("{:?}", ready_state.get())}</dd>
                <dt>"Browser"</dt>
                <dd id="online">{move || if online.get() { "online" } else { "offline" }}</dd>
                <dt>"Attempts"</dt>
                <dd id="attempts">{move || metrics.with(|m| m.attempts)}</dd>
                <dt>"Reconnects"</dt>
                <dd id="reconnects">{move || metrics.with(|m| m.reconnects)}</dd>
                <dt>"Sent / received"</dt>
                <dd id="frames">{move || metrics.with(|m| format!("{} / {}", m.sent, m.received))}</dd>
                <dt>"Round trip"</dt>
                <dd id="rtt">
                    {move || metrics.with(|m| m.rtt_ms.map_or_else(|| "–".to_owned(), |ms| format!("{ms} ms")))}
                </dd>
                <dt>"Queued / in flight"</dt>
                <dd id="outbox">{move || metrics.with(|m| format!("{} / {}", m.queued, m.in_flight))}</dd>
                <dt>"Last close"</dt>
                <dd id="last-close">
                    {move || metrics.with(|m| {
                        m.last_close
                            .as_ref()
                            .map_or_else(|| "–".to_owned(), |(code, reason)| {
                                if reason.is_empty() { code.to_string() } else { format!("{code} {reason}") }
                            })
                    })}
                </dd>
                <dt>"Last error"</dt>
                <dd id="last-error" data-error=move || last_error.with(|e| e.is_some()).to_string()>
                    {move || last_error.get().map_or_else(|| "none".to_owned(), |e| e.to_string())}
                </dd>
            </dl>
            <div class="actions">
                <button id="open" type="button" on:click=move |_| open()>"Open"</button>
                <button id="close" type="button" on:click=move |_| close()>"Close"</button>
                <button id="clear-error" type="button" on:click=move |_| clear_error()>"Clear error"</button>
            </div>
        </section>
    }
}
