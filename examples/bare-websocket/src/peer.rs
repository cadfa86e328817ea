//! With `peer-leptos-ws`: the nearest equivalent of the `sync-data` page on
//! leptos_ws, a peer Leptos realtime library: its websocket, one typed
//! signal kept in sync both ways (a list of tasks, the client appending to
//! it), and the connection state from its connect and disconnect callbacks.

use leptos::prelude::*;
use leptos_ws::{BiDirectionalSignal, ServerSignalWebSocket};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
struct Task {
    title: String,
    done: bool,
}

#[component]
pub fn App() -> impl IntoView {
    leptos_ws::provide_websocket();
    let connected = RwSignal::new(false);
    if let Some(socket) = use_context::<ServerSignalWebSocket>() {
        socket.set_on_connect(move || connected.set(true));
        socket.set_on_disconnect(move || connected.set(false));
    }
    let tasks = match BiDirectionalSignal::new("Task", Vec::<Task>::new()) {
        Ok(tasks) => tasks,
        Err(error) => return view! { <p>{error.to_string()}</p> }.into_any(),
    };
    let add = tasks.clone();
    view! {
        <p>{move || if connected.get() { "connected" } else { "disconnected" }}</p>
        <p>{move || format!("{} tasks", tasks.with(Vec::len))}</p>
        <button on:click=move |_| {
            add.update(|tasks| tasks.push(Task { title: "hello".into(), done: false }));
        }>"Send"</button>
    }
    .into_any()
}
