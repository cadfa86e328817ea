//! What the provider and its driver hand each other.

use std::sync::Arc;

use leptos::prelude::*;
use leptos_sync_core::SyncError;
use leptos_sync_core::machine::Event;
use leptos_sync_core::state::{ConnectionMetrics, ConnectionState};

use super::ConnectionReadyState;

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

/// The socket functions the driver calls: `use_websocket`'s, or under the
/// `testing` feature a mock transport's. Events come back through the driver's
/// `dispatch`.
#[derive(Clone)]
#[cfg_attr(feature = "ssr", allow(dead_code))]
pub(crate) struct Socket {
    pub open: Arc<dyn Fn() + Send + Sync>,
    pub close: Arc<dyn Fn() + Send + Sync>,
    pub send: Arc<dyn Fn(&String) + Send + Sync>,
}
