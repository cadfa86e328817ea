//! Typed topic stores: the reactive home of subscribed data, one per topic,
//! owned by the provider (not by the first component that asked).

use std::any::Any;
use std::collections::HashMap;

use leptos::prelude::*;
use serde_json::Value;

use crate::data::component::SyncComponent;
use crate::data::undecodable::Marks;
use leptos_sync_core::SyncError;
use leptos_sync_core::subscriptions::{DataEvent, SubscriptionState};

/// The signals of one topic.
pub(crate) struct TopicStore<T: SyncComponent> {
    pub entries: ArcRwSignal<HashMap<String, T>>,
    pub state: ArcRwSignal<SubscriptionState>,
    /// Keys whose value did not decode (see `data/undecodable.rs`).
    pub undecodable: ArcRwSignal<HashMap<String, SyncError>>,
}

impl<T: SyncComponent> Clone for TopicStore<T> {
    fn clone(&self) -> Self {
        Self {
            entries: self.entries.clone(),
            state: self.state.clone(),
            undecodable: self.undecodable.clone(),
        }
    }
}

impl<T: SyncComponent> TopicStore<T> {
    pub fn new() -> Self {
        Self {
            entries: ArcRwSignal::new(HashMap::new()),
            state: ArcRwSignal::new(SubscriptionState::default()),
            undecodable: ArcRwSignal::new(HashMap::new()),
        }
    }

    #[cfg_attr(feature = "ssr", allow(dead_code))] // only the browser driver applies data
    fn decode(value: Value) -> Result<T, SyncError> {
        serde_json::from_value(value).map_err(|e| SyncError::DeserializationFailed {
            component_name: T::NAME.to_string(),
            error: e.to_string(),
        })
    }

    /// Sets `key` to `value` decoded; a value that does not decode drops the
    /// key (its old value is stale) and marks it, and its error is reported.
    #[cfg_attr(feature = "ssr", allow(dead_code))]
    fn set(
        map: &mut HashMap<String, T>,
        marks: &mut Marks,
        key: String,
        value: Value,
        errors: &mut Vec<SyncError>,
    ) {
        match Self::decode(value) {
            Ok(item) => {
                marks.cleared(&key);
                map.insert(key, item);
            }
            Err(e) => {
                map.remove(&key);
                marks.failed(&key, e.clone());
                errors.push(e);
            }
        }
    }
}

/// A type-erased [`TopicStore`].
#[cfg_attr(feature = "ssr", allow(dead_code))] // only the browser driver applies data
pub(crate) trait AnyStore {
    /// Applies a topic's events in order, notifying subscribers once;
    /// entries that fail to decode are dropped, marked and reported, the rest applied.
    fn apply_batch(&self, events: Vec<DataEvent>, errors: &mut Vec<SyncError>);
    fn as_any(&self) -> &dyn Any;
}

impl<T: SyncComponent> AnyStore for TopicStore<T> {
    fn apply_batch(&self, events: Vec<DataEvent>, errors: &mut Vec<SyncError>) {
        let mut state = None;
        let mut data = Vec::with_capacity(events.len());
        for event in events {
            match event {
                DataEvent::State { state: s, .. } => state = Some(s),
                DataEvent::Replace { .. } | DataEvent::Apply { .. } => data.push(event),
                DataEvent::Ended { .. } => {}
            }
        }
        if !data.is_empty() {
            let mut marks = Marks::read(&self.undecodable);
            self.entries.update(|map| {
                for event in data {
                    match event {
                        DataEvent::Replace { entries, .. } => {
                            map.clear();
                            marks.replace();
                            for (key, value) in entries {
                                Self::set(map, &mut marks, key, value, errors);
                            }
                        }
                        DataEvent::Apply { key, value, .. } if value.is_null() => {
                            map.remove(&key);
                            marks.cleared(&key);
                        }
                        DataEvent::Apply { key, value, .. } => {
                            Self::set(map, &mut marks, key, value, errors)
                        }
                        _ => {}
                    }
                }
            });
            marks.write(&self.undecodable);
        }
        if let Some(state) = state.filter(|s| *s != self.state.get_untracked()) {
            self.state.set(state);
        }
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// Every topic store of a provider, by wire topic (`Task`, `Task:ops`). A
/// scan of a few topics costs nothing, and a map per key/value type costs
/// kilobytes of wasm.
#[derive(Default)]
pub(crate) struct Stores(Vec<(String, Box<dyn AnyStore>)>);

impl Stores {
    /// The store of `topic` for `T`, created when missing. `None` when
    /// another type owns the topic.
    pub fn get_or_create<T: SyncComponent>(&mut self, topic: &str) -> Option<TopicStore<T>> {
        let i = match self.0.iter().position(|(name, _)| name == topic) {
            Some(i) => i,
            None => {
                self.0
                    .push((topic.to_string(), Box::new(TopicStore::<T>::new())));
                self.0.len() - 1
            }
        };
        self.0[i]
            .1
            .as_any()
            .downcast_ref::<TopicStore<T>>()
            .cloned()
    }

    /// The store of `topic` for `T`, if some component uses it.
    pub fn get<T: SyncComponent>(&self, topic: &str) -> Option<TopicStore<T>> {
        self.find(topic)?
            .as_any()
            .downcast_ref::<TopicStore<T>>()
            .cloned()
    }

    #[cfg_attr(feature = "ssr", allow(dead_code))] // only the browser driver applies data
    /// Applies queued data events, in order per topic, one notification per topic.
    /// `Ended` must not be queued: the driver applies it at once (see [`Stores::end`]).
    pub fn apply_all(&self, events: Vec<DataEvent>, errors: &mut Vec<SyncError>) {
        let mut by_topic: Vec<(String, Vec<DataEvent>)> = Vec::new();
        for event in events {
            let topic = match &event {
                DataEvent::Replace { topic, .. }
                | DataEvent::Apply { topic, .. }
                | DataEvent::State { topic, .. }
                | DataEvent::Ended { topic } => topic,
            };
            match by_topic.iter_mut().find(|(t, _)| t == topic) {
                Some((_, batch)) => batch.push(event),
                None => by_topic.push((topic.clone(), vec![event])),
            }
        }
        for (topic, batch) in by_topic {
            if let Some(store) = self.find(&topic) {
                store.apply_batch(batch, errors);
            }
        }
    }

    #[cfg_attr(feature = "ssr", allow(dead_code))]
    /// Forgets a topic whose last user left.
    pub fn end(&mut self, topic: &str) {
        self.0.retain(|(name, _)| name != topic);
    }

    fn find(&self, topic: &str) -> Option<&dyn AnyStore> {
        let (_, store) = self.0.iter().find(|(name, _)| name == topic)?;
        Some(store.as_ref())
    }
}
