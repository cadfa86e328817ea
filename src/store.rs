//! Typed topic stores: the reactive home of subscribed data, one per topic,
//! owned by the provider (not by the first component that asked).

use std::any::Any;
use std::collections::HashMap;

use leptos::prelude::*;
use serde_json::Value;

use crate::component::SyncComponent;
use crate::core::subscriptions::{DataEvent, SubscriptionState};
use crate::error::SyncError;

/// The signals of one topic.
pub(crate) struct TopicStore<T: SyncComponent> {
    pub entries: ArcRwSignal<HashMap<String, T>>,
    pub state: ArcRwSignal<SubscriptionState>,
}

impl<T: SyncComponent> Clone for TopicStore<T> {
    fn clone(&self) -> Self {
        Self {
            entries: self.entries.clone(),
            state: self.state.clone(),
        }
    }
}

impl<T: SyncComponent> TopicStore<T> {
    pub fn new() -> Self {
        Self {
            entries: ArcRwSignal::new(HashMap::new()),
            state: ArcRwSignal::new(SubscriptionState::default()),
        }
    }

    #[cfg_attr(feature = "ssr", allow(dead_code))] // only the browser driver applies data
    fn decode(value: Value) -> Result<T, SyncError> {
        serde_json::from_value(value).map_err(|e| SyncError::DeserializationFailed {
            component_name: T::NAME.to_string(),
            error: e.to_string(),
        })
    }
}

/// A type-erased [`TopicStore`].
#[cfg_attr(feature = "ssr", allow(dead_code))] // only the browser driver applies data
pub(crate) trait AnyStore {
    /// Applies a data event; entries that fail to decode are reported, the rest applied.
    fn apply(&self, event: DataEvent, errors: &mut Vec<SyncError>);
    fn as_any(&self) -> &dyn Any;
}

impl<T: SyncComponent> AnyStore for TopicStore<T> {
    fn apply(&self, event: DataEvent, errors: &mut Vec<SyncError>) {
        match event {
            DataEvent::Replace { entries, .. } => {
                let mut map = HashMap::with_capacity(entries.len());
                for (key, value) in entries {
                    match Self::decode(value) {
                        Ok(item) => {
                            map.insert(key, item);
                        }
                        Err(e) => errors.push(e),
                    }
                }
                self.entries.set(map);
            }
            DataEvent::Apply { key, value, .. } if value.is_null() => {
                self.entries.update(|map| {
                    map.remove(&key);
                });
            }
            DataEvent::Apply { key, value, .. } => match Self::decode(value) {
                Ok(item) => self.entries.update(|map| {
                    map.insert(key, item);
                }),
                Err(e) => errors.push(e),
            },
            DataEvent::State { state, .. } => {
                if self.state.get_untracked() != state {
                    self.state.set(state);
                }
            }
            DataEvent::Ended { .. } => {}
        }
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// Every topic store of a provider.
#[derive(Default)]
pub(crate) struct Stores(HashMap<String, Box<dyn AnyStore>>);

impl Stores {
    /// The store of `T`, created when missing. `None` when another type owns the name.
    pub fn get_or_create<T: SyncComponent>(&mut self) -> Option<TopicStore<T>> {
        self.0
            .entry(T::NAME.to_string())
            .or_insert_with(|| Box::new(TopicStore::<T>::new()))
            .as_any()
            .downcast_ref::<TopicStore<T>>()
            .cloned()
    }

    /// The store of `T`, if some component uses it.
    pub fn get<T: SyncComponent>(&self) -> Option<TopicStore<T>> {
        self.0
            .get(T::NAME)?
            .as_any()
            .downcast_ref::<TopicStore<T>>()
            .cloned()
    }

    #[cfg_attr(feature = "ssr", allow(dead_code))] // only the browser driver applies data
    /// Routes a data event to its topic's store.
    pub fn apply(&mut self, event: DataEvent, errors: &mut Vec<SyncError>) {
        let topic = match &event {
            DataEvent::Replace { topic, .. }
            | DataEvent::Apply { topic, .. }
            | DataEvent::State { topic, .. }
            | DataEvent::Ended { topic } => topic.clone(),
        };
        if matches!(event, DataEvent::Ended { .. }) {
            self.0.remove(&topic);
        } else if let Some(store) = self.0.get(&topic) {
            store.apply(event, errors);
        }
    }
}
