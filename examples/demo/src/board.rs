//! The shared task boards: every open page on a board sees the same tasks,
//! live. Each board is its own topic, `Task:<board>`; the switcher above the
//! list moves the page to another board (see `rooms.rs`).
//! Changes are optimistic: they show at once, wait in the outbox while
//! offline, and are rolled back if the server never applies them. The
//! server's rules may refuse a change (an observer may not change anything, a
//! task needs a title): the board then says why.

use std::collections::HashMap;

use leptos::prelude::*;
use leptos_sync::{
    MutateOptions, MutationStatus, SubscriptionState, SyncError, use_sync_component_in,
    use_sync_mutation_in_with_options,
};

use crate::model::{Task, now_ms, recovered_word, status_word};
use crate::rooms::{BoardSwitcher, use_board};

/// A subscription's status and how its last resubscribe went, as a badge.
#[component]
pub fn SubBadge(
    /// Element id, a stable hook for the tests.
    id: &'static str,
    state: Signal<SubscriptionState>,
) -> impl IntoView {
    let word = move || state.with(status_word);
    let recovered = move || state.with(recovered_word);
    view! {
        <span
            id=id
            class=move || format!("sub sub--{}", word())
            data-status=word
            data-recovered=move || state.with(|s| s.recovered.map(|r| r.to_string()).unwrap_or_default())
            title="Subscription status · how the last (re)subscribe was served"
        >
            <span class="sub__status">{word}</span>
            <span class="sub__recovered">{recovered}</span>
        </span>
    }
}

/// A fresh, unique enough key for a new task.
fn new_key() -> String {
    format!(
        "t{:x}{:06x}",
        now_ms(),
        (js_sys::Math::random() * 16_777_216.0) as u32
    )
}

/// The mark next to a task while its last change is not acknowledged.
fn pending_word(status: &MutationStatus) -> Option<&'static str> {
    match status {
        MutationStatus::Queued => Some("queued"),
        MutationStatus::Sent => Some("saving"),
        MutationStatus::Acked { .. } => None,
        MutationStatus::Failed { .. } => Some("failed"),
    }
}

/// Why the server refused a change, in words for the user.
fn refusal(status: &MutationStatus) -> Option<String> {
    let MutationStatus::Failed { error } = status else {
        return None;
    };
    Some(match error {
        SyncError::Forbidden { message } => format!("Not allowed: {message}."),
        SyncError::Rejected { reason } => format!("Refused: {reason}."),
        other => format!("Not saved: {other}."),
    })
}

/// The current board: add, tick off and delete tasks.
#[component]
pub fn TaskBoard() -> impl IntoView {
    let board = use_board().0;
    let tasks = use_sync_component_in::<Task>(board);
    // Each change goes to the board on screen, which is the board of the row clicked.
    let mutate = use_sync_mutation_in_with_options::<Task>(
        board,
        MutateOptions {
            optimistic: true,
            ..Default::default()
        },
    );
    // The status of the last change per task, for the "saving" mark, with
    // the order it was made in, so the board can tell the latest change.
    let pending = RwSignal::new(HashMap::<String, (u64, ArcSignal<MutationStatus>)>::new());
    let made = StoredValue::new(0u64);
    let track = move |key: String, status: ArcSignal<MutationStatus>| {
        made.update_value(|n| *n += 1);
        let order = made.get_value();
        pending.update(|p| {
            p.insert(key, (order, status));
        });
    };
    // Why the latest change was refused, if it was.
    let refused = Memo::new(move |_| {
        pending.with(|p| {
            p.values()
                .max_by_key(|(order, _)| *order)
                .and_then(|(_, s)| s.with(refusal))
        })
    });

    // Keys in board order: oldest first.
    let order = Memo::new(move |_| {
        tasks.with(|map| {
            let mut list: Vec<(u64, String)> =
                map.iter().map(|(k, t)| (t.created_at, k.clone())).collect();
            list.sort();
            list.into_iter().map(|(_, k)| k).collect::<Vec<_>>()
        })
    });
    let counts = move || tasks.with(|m| (m.values().filter(|t| !t.done).count(), m.len()));

    let title = RwSignal::new(String::new());
    let add = {
        let mutate = mutate.clone();
        move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            // A blank title goes to the server too: its rule refuses it, with a reason.
            let text = title.get_untracked().trim().to_owned();
            let key = new_key();
            let task = Task {
                title: text,
                done: false,
                created_at: now_ms(),
            };
            let handle = mutate.set(key.clone(), task);
            track(key, handle.status);
            title.set(String::new());
        }
    };

    // One row per key; the row follows its task, so it lives as long as the task.
    let row = move |key: String| {
        let task = {
            let key = key.clone();
            Memo::new(move |_| tasks.with(|m| m.get(&key).cloned()))
        };
        let done = move || task.with(|t| t.as_ref().is_some_and(|t| t.done));
        let text = move || task.with(|t| t.as_ref().map(|t| t.title.clone()).unwrap_or_default());
        let (toggle, remove) = (mutate.clone(), mutate.clone());
        let (toggle_key, remove_key, mark_key) = (key.clone(), key.clone(), key.clone());
        let on_toggle = move |_| {
            let Some(current) = task.get_untracked() else {
                return;
            };
            let toggled = Task {
                done: !current.done,
                ..current
            };
            let handle = toggle.set(toggle_key.clone(), toggled);
            track(toggle_key.clone(), handle.status);
        };
        let on_remove = move |_| {
            let handle = remove.remove(remove_key.clone());
            track(remove_key.clone(), handle.status);
        };
        // A handle's signal may belong to a row that is gone: read it carefully.
        let mark =
            move || pending.with(|p| p.get(&mark_key).and_then(|(_, s)| s.with(pending_word)));
        let check_id = format!("task-check-{key}");
        view! {
            <li class="task" class:task--done=done data-key=key.clone() data-done=move || done().to_string()>
                <input
                    id=check_id.clone()
                    class="task__check"
                    type="checkbox"
                    prop:checked=done
                    on:change=on_toggle
                />
                <label class="task__title" for=check_id>{text}</label>
                {move || mark().map(|m| view! { <span class=format!("task__mark task__mark--{m}")>{m}</span> })}
                <button
                    type="button"
                    class="task__delete"
                    aria-label=move || format!("Delete “{}”", text())
                    title="Delete"
                    on:click=on_remove
                >
                    "×"
                </button>
            </li>
        }
    };

    view! {
        <section class="panel board" aria-labelledby="board-title">
            <div class="panel__head">
                <h2 id="board-title">"Shared tasks"</h2>
                <SubBadge id="task-sub" state=tasks.state />
            </div>
            <p class="panel__hint">"Open this page twice: changes show in both, and survive drops. Each board is its own topic."</p>
            <BoardSwitcher />
            <form id="task-form" class="board__form" on:submit=add>
                <input
                    id="task-title"
                    type="text"
                    placeholder="What needs doing?"
                    aria-label="New task"
                    maxlength="120"
                    autocomplete="off"
                    prop:value=move || title.get()
                    on:input=move |ev| title.set(event_target_value(&ev))
                />
                <button id="task-add" type="submit">"Add"</button>
            </form>
            {move || {
                refused
                    .get()
                    .map(|text| view! { <p id="task-error" class="board__error" role="alert">{text}</p> })
            }}
            <ul id="tasks" class="board__list">
                <For each=move || order.get() key=String::clone children=row />
            </ul>
            <p class="board__count" id="task-count">
                {move || match counts() {
                    (_, 0) => "No tasks yet.".to_owned(),
                    (open, n) => format!("{open} open of {n}"),
                }}
            </p>
        </section>
    }
}
