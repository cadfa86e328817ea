//! "Another tab joined": a toast for each `joined` server event, which the
//! reference server (`--announce-joins`) sends to everyone but the newcomer.

use std::time::Duration;

use leptos::prelude::*;
use leptos_sync::{SyncEvent, use_sync_event};
use serde::Deserialize;

/// How long a toast stays.
const SHOWN_FOR: Duration = Duration::from_secs(5);

/// The payload of the reference server's `joined` event.
#[derive(Debug, Clone, Deserialize, SyncEvent)]
#[sync(name = "joined")]
pub struct Joined {
    /// The newcomer's principal: `editor`, `observer` or `owner`.
    pub who: String,
}

/// The toasts, newest last; each leaves after [`SHOWN_FOR`].
#[component]
pub fn JoinToasts() -> impl IntoView {
    let toasts = RwSignal::new(Vec::<(u64, String)>::new());
    let next = StoredValue::new(0_u64);
    use_sync_event::<Joined>(move |joined, _meta| {
        let id = next.get_value();
        next.set_value(id + 1);
        toasts.update(|t| t.push((id, joined.who.clone())));
        set_timeout(
            move || toasts.update(|t| t.retain(|(i, _)| *i != id)),
            SHOWN_FOR,
        );
    });
    view! {
        <div class="toasts" role="status" aria-live="polite">
            <For each=move || toasts.get() key=|(id, _)| *id let:toast>
                <div class="toast" data-who=toast.1.clone()>
                    {format!("Another tab joined (as {})", toast.1)}
                </div>
            </For>
        </div>
    }
}
