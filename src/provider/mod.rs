//! `<SyncProvider>`: owns the connection and shares it with hooks through context.

use std::sync::Arc;

use leptos::prelude::*;

mod clock;
mod context;
#[cfg(not(feature = "ssr"))]
mod driver;
pub(crate) mod handle;
mod options;
mod ready;
#[cfg(not(feature = "ssr"))]
mod url;

pub(crate) use clock::{Interval, Timeout, now_ms};
pub(crate) use context::expect_sync_context;
pub use context::{ConnectionReadyState, SyncCallback, SyncConnection, SyncContext};
pub use options::SyncOptions;
#[cfg(not(feature = "ssr"))]
pub(crate) use options::{LifecycleFn, TokenFn};

use crate::data::access::DataAccess;
use crate::data::events::Handlers;
use crate::data::mutations::Mutations;
use crate::data::registry::SyncRegistry;
use crate::data::store::Stores;
#[cfg(feature = "ssr")]
use handle::DriverHandle;
use handle::Outputs;
use leptos_sync_core::state::{ConnectionMetrics, ConnectionState};

/// Owns one managed WebSocket and provides it to every hook below it.
///
/// The connection follows the sans-IO core's rules: `hello` first on every
/// connect, jittered backoff steered by close codes, a heartbeat, and typed
/// errors in `last_error`. leptos-use's own reconnect is switched off.
///
/// ## Usage
///
/// ```no_run
/// use leptos::prelude::*;
/// use leptos_sync::{SyncProvider, SyncRegistry};
///
/// #[component]
/// fn App() -> impl IntoView {
///     view! {
///         <SyncProvider url="ws://127.0.0.1:8080/ws" registry=SyncRegistry::new()>
///             <p>"live content"</p>
///         </SyncProvider>
///     }
/// }
/// ```
#[component]
pub fn SyncProvider(
    /// WebSocket URL: `ws://` or `wss://`, `http(s)://` (mapped to `ws(s)://`), or a path on the page's host.
    #[prop(into)]
    url: String,
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
    let stores = StoredValue::new_local(Stores::default());
    let registry = Arc::new(registry);
    let handlers = StoredValue::new_local(Handlers::default());
    let mutations = StoredValue::new_local(Mutations::default());
    // Mutations belong to the provider, not to the component that made them:
    // they outlive it, and end with the provider, failed and typed.
    on_cleanup(move || {
        mutations.try_update_value(Mutations::abandon);
    });
    let requests = StoredValue::new_local(crate::data::requests::Requests::default());
    let outputs = Outputs {
        state: RwSignal::new(ConnectionState::Idle),
        metrics: RwSignal::new(ConnectionMetrics::default()),
        last_error: RwSignal::new(None),
        online: RwSignal::new(true),
    };

    #[cfg(not(feature = "ssr"))]
    let handle = {
        let data = driver::Data {
            stores,
            mutations,
            requests,
            events: driver::Events {
                registry: Arc::clone(&registry),
                handlers,
            },
        };
        driver::start(url, options, auto_connect, outputs, data)
    };
    #[cfg(feature = "ssr")]
    let handle = {
        let _ = (url, options, auto_connect);
        DriverHandle {
            ready_state: Signal::stored(ConnectionReadyState::Closed),
            open: Arc::new(|| {}),
            close: Arc::new(|| {}),
            set_token: Arc::new(|_| {}),
            dispatch: Arc::new(|_| {}),
            mutation_id: Arc::new(String::new),
        }
    };

    provide_context(SyncContext {
        last_error: outputs.last_error.into(),
        clear_error: Arc::new(move || outputs.last_error.set(None)),
        set_token: handle.set_token,
        data: DataAccess {
            stores,
            registry,
            handlers,
            dispatch: handle.dispatch,
            mutation_id: handle.mutation_id,
            mutations,
            requests,
            last_error: outputs.last_error,
        },
        connection: SyncConnection {
            ready_state: ready::session_ready_state(handle.ready_state, outputs.state.into()),
            socket_ready_state: handle.ready_state,
            state: outputs.state.into(),
            metrics: outputs.metrics.into(),
            online: outputs.online.into(),
            open: handle.open,
            close: handle.close,
        },
    });

    children()
}
