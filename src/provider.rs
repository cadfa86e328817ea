//! `<SyncProvider>`: owns the connection and shares it with hooks through context.

use std::sync::Arc;

use leptos::prelude::*;

use crate::context::{ConnectionReadyState, SyncConnection, SyncContext};
use crate::core::machine::Event;
use crate::core::state::{ConnectionMetrics, ConnectionState};
use crate::data::DataAccess;
use crate::error::SyncError;
use crate::mutations::Mutations;
use crate::options::SyncOptions;
use crate::registry::SyncRegistry;
use crate::store::Stores;

/// The reactive outputs the driver writes.
#[derive(Clone, Copy)]
pub(crate) struct Outputs {
    pub state: RwSignal<ConnectionState>,
    pub metrics: RwSignal<ConnectionMetrics>,
    pub last_error: RwSignal<Option<SyncError>>,
    pub online: RwSignal<bool>,
}

/// What the driver gives back to the provider.
pub(crate) struct DriverHandle {
    pub ready_state: Signal<ConnectionReadyState>,
    pub open: Arc<dyn Fn() + Send + Sync>,
    pub close: Arc<dyn Fn() + Send + Sync>,
    pub set_token: Arc<dyn Fn(Option<String>) + Send + Sync>,
    pub dispatch: Arc<dyn Fn(Event) + Send + Sync>,
    pub mutation_id: Arc<dyn Fn() -> String + Send + Sync>,
}

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
    let mutations = StoredValue::new_local(Mutations::default());
    let outputs = Outputs {
        state: RwSignal::new(ConnectionState::Idle),
        metrics: RwSignal::new(ConnectionMetrics::default()),
        last_error: RwSignal::new(None),
        online: RwSignal::new(true),
    };

    #[cfg(not(feature = "ssr"))]
    let handle = crate::driver::start(url, options, auto_connect, outputs, stores, mutations);
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
            registry: Arc::new(registry),
            dispatch: handle.dispatch,
            mutation_id: handle.mutation_id,
            mutations,
            last_error: outputs.last_error,
        },
        connection: SyncConnection {
            ready_state: handle.ready_state,
            state: outputs.state.into(),
            metrics: outputs.metrics.into(),
            online: outputs.online.into(),
            open: handle.open,
            close: handle.close,
        },
    });

    children()
}
