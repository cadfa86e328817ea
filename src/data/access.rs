//! The provider's data access, shared with the data hooks through context.

use std::sync::Arc;

use leptos::prelude::*;

use crate::data::component::SyncComponent;
use serde_json::Value;

use crate::data::entries::SyncEntries;
use crate::data::mutations::{MutateOptions, MutationHandle, Mutations, Tracked};
use crate::data::registry::SyncRegistry;
use crate::data::store::{Stores, TopicStore};
use leptos_sync_core::SyncError;
use leptos_sync_core::machine::Event;
use leptos_sync_core::outbox::{Mutation, MutationStatus};
use leptos_sync_core::subscriptions::{SubscriptionState, SubscriptionStatus};

/// The state of a subscription that was refused before it was sent.
pub(crate) const REFUSED: SubscriptionState = SubscriptionState {
    status: SubscriptionStatus::Error,
    recovered: None,
};

/// What data hooks need from the provider.
#[derive(Clone)]
pub(crate) struct DataAccess {
    pub stores: StoredValue<Stores, LocalStorage>,
    pub registry: Arc<SyncRegistry>,
    pub dispatch: Arc<dyn Fn(Event) + Send + Sync>,
    pub mutation_id: Arc<dyn Fn() -> String + Send + Sync>,
    pub mutations: StoredValue<Mutations, LocalStorage>,
    pub requests: StoredValue<crate::data::requests::Requests, LocalStorage>,
    pub last_error: RwSignal<Option<SyncError>>,
    /// The mounted components' server event handlers.
    pub handlers: StoredValue<crate::data::events::Handlers, LocalStorage>,
}

impl DataAccess {
    /// Joins the topic of `T` for the current component's lifetime.
    pub fn acquire<T: SyncComponent>(&self) -> SyncEntries<T> {
        let Some(schema) = self.schema::<T>() else {
            return self.refuse(Self::not_registered::<T>());
        };
        let Some(store) = self.join::<T>(T::NAME, schema) else {
            return self.refuse(Self::name_taken::<T>(T::NAME));
        };
        let dispatch = Arc::clone(&self.dispatch);
        on_cleanup(move || {
            dispatch(Event::Unsubscribe {
                topic: T::NAME.to_string(),
            })
        });
        SyncEntries {
            entries: store.entries.into(),
            state: store.state.into(),
            undecodable: store.undecodable.into(),
        }
    }

    /// The registered schema hash of `T`, whatever the topic's parameter:
    /// the registry is by name.
    pub(crate) fn schema<T: SyncComponent>(&self) -> Option<u32> {
        self.registry.schema(T::NAME)
    }

    /// One more user of `topic`: its store (created if missing), and its
    /// subscription. `None` (nothing subscribed) when another type owns the topic.
    pub(crate) fn join<T: SyncComponent>(&self, topic: &str, schema: u32) -> Option<TopicStore<T>> {
        let store = self
            .stores
            .try_update_value(|s| s.get_or_create::<T>(topic))
            .flatten()?;
        (self.dispatch)(Event::Subscribe {
            topic: topic.to_string(),
            schema,
        });
        Some(store)
    }

    /// One user fewer of `topic`; the last one ends its subscription and store.
    pub(crate) fn leave(&self, topic: String) {
        (self.dispatch)(Event::Unsubscribe { topic });
    }

    pub(crate) fn not_registered<T: SyncComponent>() -> SyncError {
        SyncError::TypeNotRegistered {
            component_name: T::NAME.to_string(),
        }
    }

    /// Two Rust types claim the same topic.
    pub(crate) fn name_taken<T: SyncComponent>(topic: &str) -> SyncError {
        SyncError::TypeNotRegistered {
            component_name: format!("{topic} ({})", std::any::type_name::<T>()),
        }
    }

    /// Sets (or with `None` removes) entry `key` of `topic`, a topic of `T`
    /// (`T::NAME`, or `T::NAME` with a parameter).
    pub fn mutate<T: SyncComponent>(
        &self,
        topic: String,
        key: String,
        value: Option<T>,
        options: MutateOptions,
    ) -> MutationHandle {
        let id = (self.mutation_id)();
        if cfg!(feature = "ssr") {
            // Server rendering has no socket and never will: queued, the
            // mutation would wait forever, so it fails now, and says why.
            return self.fail(id, SyncError::NotConnected);
        }
        if self.mutations.is_disposed() {
            // A context kept past its provider's unmount: no core is left to
            // send the mutation, so it fails now rather than wait forever.
            let error = SyncError::ProviderUnmounted { id: id.clone() };
            return self.fail(id, error);
        }
        let encoded = match value.as_ref().map(serde_json::to_value).transpose() {
            Ok(encoded) => encoded.unwrap_or(Value::Null),
            Err(e) => {
                let error = SyncError::SerializationFailed {
                    component_name: T::NAME.to_string(),
                    error: e.to_string(),
                };
                return self.fail(id, error);
            }
        };
        let rollback = options
            .optimistic
            .then(|| self.apply_optimistically::<T>(&topic, &key, value))
            .flatten();
        let tracked = self
            .mutations
            .try_update_value(|m| m.track(&id, rollback))
            .unwrap_or_else(|| Tracked::new(MutationStatus::Queued));
        (self.dispatch)(Event::Mutate(Mutation {
            id: id.clone(),
            topic,
            key,
            value: encoded,
            expires_in_ms: options.expires_in_ms,
        }));
        tracked.handle(id)
    }

    /// Applies `value` to the topic's entries now; returns how to undo it.
    fn apply_optimistically<T: SyncComponent>(
        &self,
        topic: &str,
        key: &str,
        value: Option<T>,
    ) -> Option<Box<dyn FnOnce()>> {
        let store = self
            .stores
            .try_update_value(|s| s.get::<T>(topic))
            .flatten()?;
        let previous = store.entries.with_untracked(|map| map.get(key).cloned());
        store.entries.update(|map| match value.clone() {
            Some(v) => {
                map.insert(key.to_string(), v);
            }
            None => {
                map.remove(key);
            }
        });
        let key = key.to_string();
        Some(Box::new(move || {
            // Undo only if nothing newer (a server update) replaced the optimistic value.
            store.entries.update(|map| {
                if map.get(&key) == value.as_ref() {
                    match previous {
                        Some(v) => map.insert(key, v),
                        None => map.remove(&key),
                    };
                }
            });
        }))
    }

    /// A mutation that failed before reaching the core: reported, and final at once.
    fn fail(&self, id: String, error: SyncError) -> MutationHandle {
        self.report(error.clone());
        let tracked = Tracked::new(MutationStatus::Failed {
            error: error.clone(),
        });
        tracked.last_error.set(Some(error));
        tracked.handle(id)
    }

    pub(crate) fn refuse<T: SyncComponent>(&self, error: SyncError) -> SyncEntries<T> {
        self.report(error);
        SyncEntries {
            entries: Signal::stored(Default::default()),
            state: Signal::stored(REFUSED),
            undecodable: Signal::stored(Default::default()),
        }
    }

    /// A failure of the app's use of the data: logged, and in `last_error`.
    pub(crate) fn report(&self, error: SyncError) {
        log::error!("leptos-sync: {error}");
        self.last_error.set(Some(error));
    }
}
