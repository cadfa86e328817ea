//! The provider's data access, shared with the data hooks through context.

use std::sync::Arc;

use leptos::prelude::*;

use crate::component::SyncComponent;
use crate::core::machine::Event;
use crate::core::subscriptions::{SubscriptionState, SubscriptionStatus};
use crate::error::SyncError;
use crate::hooks::SyncEntries;
use crate::registry::SyncRegistry;
use crate::store::Stores;

/// What data hooks need from the provider.
#[derive(Clone)]
pub(crate) struct DataAccess {
    pub stores: StoredValue<Stores, LocalStorage>,
    pub registry: Arc<SyncRegistry>,
    pub dispatch: Arc<dyn Fn(Event) + Send + Sync>,
    pub last_error: RwSignal<Option<SyncError>>,
}

impl DataAccess {
    /// Joins the topic of `T` for the current component's lifetime.
    pub fn acquire<T: SyncComponent>(&self) -> SyncEntries<T> {
        let Some(schema) = self.registry.schema(T::NAME) else {
            return self.refuse(SyncError::TypeNotRegistered {
                component_name: T::NAME.to_string(),
            });
        };
        let Some(store) = self
            .stores
            .try_update_value(|s| s.get_or_create::<T>())
            .flatten()
        else {
            // Two Rust types claim the same topic name.
            return self.refuse(SyncError::TypeNotRegistered {
                component_name: format!("{} ({})", T::NAME, std::any::type_name::<T>()),
            });
        };
        let topic = T::NAME.to_string();
        (self.dispatch)(Event::Subscribe {
            topic: topic.clone(),
            schema,
        });
        let dispatch = Arc::clone(&self.dispatch);
        on_cleanup(move || dispatch(Event::Unsubscribe { topic }));
        SyncEntries {
            entries: store.entries.into(),
            state: store.state.into(),
        }
    }

    fn refuse<T: SyncComponent>(&self, error: SyncError) -> SyncEntries<T> {
        log::error!("leptos-sync: {error}");
        self.last_error.set(Some(error));
        SyncEntries {
            entries: Signal::stored(Default::default()),
            state: Signal::stored(SubscriptionState {
                status: SubscriptionStatus::Error,
                recovered: None,
            }),
        }
    }
}
