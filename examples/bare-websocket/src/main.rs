//! Size baseline for `scripts/bench size` (see BENCHMARKS.md).
//!
//! Without features: a bare Leptos app with only leptos-use's `use_websocket`,
//! showing the socket's state and the last message, with a button that sends.
//! With `--features sync`: the same page on leptos-sync, using what a
//! demo-sized app uses: the provider, a typed subscription, a mutation, the
//! connection state and the four widgets. The difference between the two
//! builds is what the library adds to an app.

fn main() {
    leptos::mount::mount_to_body(app::App);
}

#[cfg(not(feature = "sync"))]
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
        view! {
            <p>{move || format!("{:?}", ready_state.get())}</p>
            <p>{move || message.get().unwrap_or_default()}</p>
            <button on:click=move |_| send(&"hello".to_string())>"Send"</button>
        }
    }
}

#[cfg(feature = "sync")]
mod app {
    use leptos::prelude::*;
    use leptos_sync::{
        ConnectionIndicator, ErrorBanner, ReconnectBanner, StatusBar, SyncComponent, SyncProvider,
        SyncRegistry, use_sync_component, use_sync_connection, use_sync_mutation,
    };
    use serde::{Deserialize, Serialize};

    #[derive(Clone, PartialEq, Serialize, Deserialize)]
    struct Task {
        title: String,
        done: bool,
    }

    impl SyncComponent for Task {
        const NAME: &'static str = "Task";
    }

    #[component]
    pub fn App() -> impl IntoView {
        let registry = SyncRegistry::new().register::<Task>();
        view! {
            <SyncProvider url="/ws" registry=registry>
                <ConnectionIndicator />
                <ReconnectBanner />
                <ErrorBanner />
                <Tasks />
                <StatusBar />
            </SyncProvider>
        }
    }

    #[component]
    fn Tasks() -> impl IntoView {
        let tasks = use_sync_component::<Task>();
        let connection = use_sync_connection();
        let mutation = use_sync_mutation::<Task>();
        view! {
            <p>{move || connection.state.get().to_string()}</p>
            <p>{move || format!("{} tasks", tasks.get().len())}</p>
            <button on:click=move |_| {
                mutation.set("t1", Task { title: "hello".into(), done: false });
            }>"Send"</button>
        }
    }
}
