//! [`SyncRegistry`]: the typed components a provider knows.

use crate::data::component::SyncComponent;

/// The component types an app syncs, passed to [`SyncProvider`](crate::SyncProvider).
///
/// A component used with [`use_sync_component`](crate::use_sync_component)
/// but not registered is reported as
/// [`SyncError::TypeNotRegistered`](crate::SyncError::TypeNotRegistered) and not subscribed.
///
/// ```
/// # use serde::{Deserialize, Serialize};
/// # use leptos_sync::{SyncComponent, SyncRegistry};
/// # #[derive(Clone, PartialEq, Serialize, Deserialize, SyncComponent)]
/// # struct Task { title: String }
/// let registry = SyncRegistry::new().register::<Task>();
/// assert!(registry.contains("Task"));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SyncRegistry {
    /// Topic name and schema hash, in the order registered.
    components: Vec<(&'static str, u32)>,
}

impl SyncRegistry {
    /// An empty registry.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds `T`, computing its schema hash once.
    pub fn register<T: SyncComponent>(mut self) -> Self {
        self.components.retain(|(name, _)| *name != T::NAME);
        self.components.push((T::NAME, T::schema_hash()));
        self
    }

    /// Whether a topic is registered.
    pub fn contains(&self, topic: &str) -> bool {
        self.schema(topic).is_some()
    }

    /// The registered schema hash of a topic.
    pub fn schema(&self, topic: &str) -> Option<u32> {
        self.components
            .iter()
            .find(|(name, _)| *name == topic)
            .map(|(_, schema)| *schema)
    }
}
