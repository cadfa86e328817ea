//! A task list, as an app would write it, and its test on the kit
//! (`tests/task_list.rs`): a spinner while the subscription is pending, then
//! the entries, and an optimistic add that the server may reject.

use leptos::prelude::*;
use leptos_sync::{
    MutateOptions, SubscriptionStatus, SyncComponent, use_sync_component, use_sync_context,
};
use serde::{Deserialize, Serialize};

/// One task, synced on topic `Task`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, SyncComponent)]
pub struct Task {
    /// What to do.
    pub title: String,
}

impl Task {
    /// A task titled `title`.
    pub fn new(title: impl Into<String>) -> Self {
        Self {
            title: title.into(),
        }
    }
}

/// The tasks by title, a spinner until they came, and a field to add one
/// (shown at once, removed again if the server refuses it).
#[component]
pub fn TaskList() -> impl IntoView {
    let tasks = use_sync_component::<Task>();
    let ctx = use_sync_context();
    let input = NodeRef::<leptos::html::Input>::new();
    let add = move |_| {
        let Some(title) = input.get_untracked().map(|i| i.value()) else {
            return;
        };
        let optimistic = MutateOptions {
            optimistic: true,
            ..Default::default()
        };
        // Keyed by title: adding the same task twice keeps one.
        ctx.mutate_with_options(title.clone(), Some(Task::new(title)), optimistic);
    };
    let sorted = move || {
        let mut titles: Vec<String> = tasks.get().into_values().map(|t| t.title).collect();
        titles.sort();
        titles
    };
    view! {
        <Show
            when=move || tasks.state.get().status != SubscriptionStatus::Pending
            fallback=|| view! { <p class="spinner">"Loading…"</p> }
        >
            <ul>{move || sorted().into_iter().map(|t| view! { <li>{t}</li> }).collect_view()}</ul>
        </Show>
        <input node_ref=input/>
        <button on:click=add>"Add"</button>
    }
}
