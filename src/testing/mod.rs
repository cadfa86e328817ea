//! A test kit for apps (feature `testing`): the real provider, core and
//! driver over a scripted in-page server, on virtual time.
//!
//! [`MockSyncProvider`] is a [`SyncProvider`] whose socket is a
//! [`MockServer`]: no network, no server process. Everything above the socket
//! is the code the app ships: the sans-IO core decides, the driver carries
//! it out, the hooks and widgets show it. The test scripts the server with
//! typed protocol frames, reads what the client sent as typed frames, and
//! moves time itself, so a 30 s backoff takes no real time.
//!
//! Enable it for tests only:
//!
//! ```toml
//! [dev-dependencies]
//! leptos-sync = { version = "0.1", features = ["testing"] }
//! ```
//!
//! ## Usage
//!
//! A task list that shows a spinner until its snapshot comes, in a
//! `wasm-bindgen-test` running in the browser:
//!
//! ```no_run
//! use leptos::prelude::*;
//! use leptos_sync::testing::{ClientMsg, MockMountOptions, MockServer};
//! use leptos_sync::{SubscriptionStatus, SyncComponent, SyncRegistry, use_sync_component};
//! use serde::{Deserialize, Serialize};
//!
//! #[derive(Clone, PartialEq, Serialize, Deserialize, SyncComponent)]
//! struct Task { title: String }
//!
//! #[component]
//! fn Tasks() -> impl IntoView {
//!     let tasks = use_sync_component::<Task>();
//!     move || match tasks.state.get().status {
//!         SubscriptionStatus::Pending => "loading".to_string(),
//!         _ => format!("{} tasks", tasks.get().len()),
//!     }
//! }
//!
//! # async fn demo() {
//! let server = MockServer::default();
//! let registry = SyncRegistry::new().register::<Task>();
//! let app = server
//!     .mount_with_options(|| view! { <Tasks/> }, MockMountOptions::default().registry(registry))
//!     .await;
//! assert!(matches!(&server.sent()[1], ClientMsg::Subscribe { topic, .. } if topic == "Task"));
//! assert_eq!(app.text(), "loading");
//!
//! server.snapshot("Task", [("t1", Task { title: "Write tests".into() })]);
//! server.settle().await;
//! assert_eq!(app.text(), "1 tasks");
//! # }
//! ```
//!
//! [`MockServer::mount`] puts the app under a [`MockSyncProvider`] in a
//! `<div>` of its own and returns a [`MockApp`] to read it; a test that
//! mounts its own view uses `<MockSyncProvider server=…>` directly.
//!
//! Time is virtual while a `MockSyncProvider` is mounted (unless
//! [`MockServerOptions::virtual_time`] is off): the provider's clock stands
//! still, and the timers of the core, the driver and the widgets fire only
//! in [`MockServer::advance`]. The page's own effects and animation frames
//! still run for real: [`MockServer::settle`] waits for them.
//!
//! Runs in the browser (`wasm-bindgen-test` with `run_in_browser`). Under
//! the `ssr` feature a `MockSyncProvider` renders like a `SyncProvider` that
//! never connects, as on a server.

mod binary;
mod mount;
mod options;
mod server;
pub(crate) mod time;
mod topics;
mod transport;

pub use leptos_sync_protocol::{ClientMsg, ServerMsg};
pub use mount::{MockApp, MockMountOptions};
pub use options::MockServerOptions;
pub use server::MockServer;
pub use transport::MockMutation;

use leptos::prelude::*;

use crate::{SyncOptions, SyncProvider, SyncRegistry};

/// A [`SyncProvider`] connected to `server` instead of a WebSocket, on
/// virtual time. Takes the same props as `SyncProvider` but the URL.
///
/// ## Usage
///
/// ```no_run
/// use leptos::prelude::*;
/// use leptos_sync::testing::{MockServer, MockSyncProvider};
/// use leptos_sync::{ConnectionIndicator, SyncRegistry};
///
/// let server = MockServer::default();
/// let app = server.clone();
/// let _mounted = leptos::mount::mount_to_body(move || view! {
///     <MockSyncProvider server=app.clone() registry=SyncRegistry::new()>
///         <ConnectionIndicator/>
///     </MockSyncProvider>
/// });
/// ```
#[component]
pub fn MockSyncProvider(
    /// The scripted server; keep a clone to drive it.
    server: MockServer,
    /// The typed components this app syncs.
    #[prop(optional)]
    registry: SyncRegistry,
    /// Connect on mount. With `false`, call `open` from [`use_sync_connection`](crate::use_sync_connection).
    #[prop(default = true)]
    auto_connect: bool,
    /// Reconnect, heartbeat, auth and observer options.
    #[prop(optional)]
    options: SyncOptions,
    children: Children,
) -> impl IntoView {
    let settings = server.options();
    if settings.virtual_time {
        let installed = time::install(settings.start_ms);
        on_cleanup(move || time::uninstall(installed));
    }
    provide_context(server);
    view! {
        <SyncProvider url="mock://leptos-sync" registry=registry auto_connect=auto_connect options=options>
            {children()}
        </SyncProvider>
    }
}
