//! Size baseline for `scripts/bench size` (see BENCHMARKS.md).
//!
//! Without features: a bare Leptos app with only leptos-use's `use_websocket`,
//! showing the socket's state and the last message, with a button that sends.
//! With `--features sync`: the same page on leptos-sync, using what a
//! demo-sized app uses: the provider, a typed subscription, a mutation, the
//! connection state and the four widgets. The difference between the two
//! builds is what the library adds to an app. The smaller features split that
//! cost: `sync-core` is the provider and the connection state alone, and
//! `sync-data` adds the typed subscription and the mutation. `sync-traced`
//! is `sync` with the schema hash traced at run time (serde-reflection)
//! instead of derived at compile time. `json` is a second baseline: the bare
//! app parsing its messages with serde_json, as most apps on raw
//! `use_websocket` would. `peer-leptos-ws` is the `sync-data` page on a peer
//! library, leptos_ws (src/peer.rs).

fn main() {
    leptos::mount::mount_to_body(app::App);
}

/// With `json`, the bare app as most real ones would be: the same page, with
/// the messages parsed by serde_json into a typed enum.
#[cfg(not(any(feature = "sync-core", feature = "peer-leptos-ws")))]
mod app {
    use codee::string::FromToStringCodec;
    use leptos::prelude::*;
    use leptos_use_websocket::{UseWebSocketReturn, use_websocket};

    #[component]
    pub fn App() -> impl IntoView {
        let UseWebSocketReturn {
            ready_state,
            message,
            send,
            ..
        } = use_websocket::<String, String, FromToStringCodec>("/ws");
        #[cfg(not(feature = "json"))]
        let text = move || message.get().unwrap_or_default();
        #[cfg(feature = "json")]
        let text = move || message.with(|m| json::describe(m.as_deref()));
        view! {
            <p>{move || format!("{:?}", ready_state.get())}</p>
            <p>{text}</p>
            <button on:click=move |_| send(&"hello".to_string())>"Send"</button>
        }
    }

    #[cfg(feature = "json")]
    mod json {
        use serde::Deserialize;

        #[derive(Deserialize)]
        #[serde(tag = "type", rename_all = "snake_case")]
        enum Message {
            Snapshot {
                entries: serde_json::Map<String, serde_json::Value>,
            },
            Update {
                key: String,
                value: serde_json::Value,
            },
        }

        pub fn describe(message: Option<&str>) -> String {
            match message.map(serde_json::from_str::<Message>) {
                Some(Ok(Message::Snapshot { entries })) => format!("{} entries", entries.len()),
                Some(Ok(Message::Update { key, value })) => format!("{key} = {value}"),
                Some(Err(error)) => error.to_string(),
                None => String::new(),
            }
        }
    }
}

#[cfg(feature = "peer-leptos-ws")]
#[path = "peer.rs"]
mod app;

#[cfg(feature = "sync-core")]
mod app {
    use leptos::prelude::*;
    use leptos_sync::{SyncProvider, SyncRegistry, use_sync_connection};

    #[component]
    pub fn App() -> impl IntoView {
        view! {
            <SyncProvider url="/ws" registry=registry()>
                <Widgets />
                <Tasks />
            </SyncProvider>
        }
    }

    #[cfg(not(feature = "data"))]
    fn registry() -> SyncRegistry {
        SyncRegistry::new()
    }

    #[cfg(feature = "data")]
    fn registry() -> SyncRegistry {
        SyncRegistry::new().register::<data::Task>()
    }

    #[cfg(not(feature = "widgets"))]
    #[component]
    fn Widgets() -> impl IntoView {}

    #[cfg(feature = "widgets")]
    #[component]
    fn Widgets() -> impl IntoView {
        use leptos_sync::{ConnectionIndicator, ErrorBanner, ReconnectBanner, StatusBar};
        view! {
            <ConnectionIndicator />
            <ReconnectBanner />
            <ErrorBanner />
            <StatusBar />
        }
    }

    #[component]
    fn Tasks() -> impl IntoView {
        let connection = use_sync_connection();
        view! {
            <p>{move || connection.state.get().to_string()}</p>
            {data::view()}
        }
    }

    #[cfg(not(feature = "data"))]
    mod data {
        pub fn view() {}
    }

    #[cfg(feature = "data")]
    mod data {
        use leptos::prelude::*;
        use leptos_sync::{SyncComponent, use_sync_component, use_sync_mutation};
        use serde::{Deserialize, Serialize};

        #[derive(Clone, PartialEq, Serialize, Deserialize)]
        #[cfg_attr(feature = "sync-data", derive(SyncComponent))]
        pub struct Task {
            title: String,
            done: bool,
        }

        /// `sync-traced`: the default `schema_hash`, traced at run time.
        #[cfg(not(feature = "sync-data"))]
        impl SyncComponent for Task {
            const NAME: &'static str = "Task";
        }

        pub fn view() -> impl IntoView {
            let tasks = use_sync_component::<Task>();
            let mutation = use_sync_mutation::<Task>();
            view! {
                <p>{move || format!("{} tasks", tasks.get().len())}</p>
                <button on:click=move |_| {
                    mutation.set("t1", Task { title: "hello".into(), done: false });
                }>"Send"</button>
            }
        }
    }
}
