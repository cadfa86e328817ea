//! Subscribers under a mounted provider: a child calls `use_sync_component`
//! and leaves its entries in a [`Slot`], where the test reads them.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use leptos::prelude::*;
use leptos_sync::{
    SubscriptionState, SubscriptionStatus, SyncComponent, SyncEntries, SyncOptions, SyncRegistry,
    use_sync_component,
};

use super::{Mounted, mount_with, ws_url};

/// Where a subscriber leaves its entries; `None` until it has mounted.
pub type Slot<T> = Arc<Mutex<Option<SyncEntries<T>>>>;

/// Subscribes to `T` (call it in the provider's children) and leaves the entries in `slot`.
pub fn subscribe<T: SyncComponent>(slot: &Slot<T>) -> SyncEntries<T> {
    let entries = use_sync_component::<T>();
    *slot.lock().unwrap() = Some(entries);
    entries
}

/// A component that subscribes to `T` while `show` is true: unmounting the
/// last one ends the subscription.
pub fn consumer<T: SyncComponent>(show: RwSignal<bool>, slot: Slot<T>) -> impl IntoView {
    move || {
        show.get().then(|| {
            subscribe(&slot);
        })
    }
}

/// Mounts a provider for `client` with `T` registered and one subscriber of it.
pub fn mount_subscribed<T: SyncComponent>(
    client: &str,
    options: SyncOptions,
) -> (Mounted, Slot<T>) {
    let slot = Slot::<T>::default();
    let children = {
        let slot = slot.clone();
        move || {
            subscribe(&slot);
        }
    };
    let registry = SyncRegistry::new().register::<T>();
    let mounted = mount_with(&ws_url(client), options, true, registry, children);
    (mounted, slot)
}

fn mounted<T: SyncComponent>(slot: &Slot<T>) -> SyncEntries<T> {
    slot.lock().unwrap().expect("the subscriber has mounted")
}

/// The subscriber's entries now.
pub fn entries<T: SyncComponent>(slot: &Slot<T>) -> HashMap<String, T> {
    mounted(slot).get_untracked()
}

/// The subscription's state now: status, whether it was recovered from history…
pub fn subscription_state<T: SyncComponent>(slot: &Slot<T>) -> SubscriptionState {
    mounted(slot).state.get_untracked()
}

/// The subscription's status now.
pub fn status<T: SyncComponent>(slot: &Slot<T>) -> SubscriptionStatus {
    subscription_state(slot).status
}

/// Whether the subscriber has mounted and its subscription is Live.
pub fn is_live<T: SyncComponent>(slot: &Slot<T>) -> bool {
    slot.lock()
        .unwrap()
        .is_some_and(|e| e.state.get_untracked().status == SubscriptionStatus::Live)
}
