//! Server events: the core passes on the registered names; here each is
//! decoded into its type and handed to the mounted components' handlers.

use std::sync::Arc;

use leptos::prelude::*;
use serde_json::Value;

use super::Driver;
use crate::data::events::{Handlers, dispatch};
use crate::data::registry::SyncRegistry;
use leptos_sync_core::MachineOptions;
use leptos_sync_core::machine::Command;

/// What the driver needs to deliver server events.
pub(crate) struct Events {
    pub registry: Arc<SyncRegistry>,
    pub handlers: StoredValue<Handlers, LocalStorage>,
}

/// The machine's options, with the registry's event names as its filter:
/// the core ignores and counts any other.
pub(super) fn machine_options(options: &MachineOptions, registry: &SyncRegistry) -> MachineOptions {
    MachineOptions {
        events: Some(registry.event_names()),
        ..options.clone()
    }
}

impl Driver {
    pub(super) fn server_event(self, topic: Option<String>, name: String, payload: Value) {
        let Some((registry, handlers)) = self
            .events
            .try_with_value(|e| (Arc::clone(&e.registry), e.handlers))
        else {
            return; // the provider is gone
        };
        // Cloned out of the table: a handler may mount or unmount components.
        let of = |name: &str| handlers.try_with_value(|h| h.of(name)).unwrap_or_default();
        if let Err(error) = dispatch(&registry, of, topic, &name, payload) {
            self.execute(Command::Error(error));
        }
    }
}
