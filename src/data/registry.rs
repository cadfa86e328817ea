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
    /// The server events the app handles (see `data/events.rs`).
    pub(crate) events: crate::data::events::RegisteredEvents,
}

impl SyncRegistry {
    /// An empty registry.
    ///
    /// ```
    /// use leptos_sync::SyncRegistry;
    /// assert!(!SyncRegistry::new().contains("Task"));
    /// ```
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds `T`, computing its schema hash once.
    ///
    /// ```
    /// # use serde::{Deserialize, Serialize};
    /// use leptos_sync::{SyncComponent, SyncRegistry};
    /// # #[derive(Clone, PartialEq, Serialize, Deserialize, SyncComponent)] struct Task { title: String }
    /// # #[derive(Clone, PartialEq, Serialize, Deserialize, SyncComponent)] struct Price { cents: u64 }
    /// let registry = SyncRegistry::new().register::<Task>().register::<Price>();
    /// assert!(registry.contains("Task") && registry.contains("Price"));
    /// ```
    pub fn register<T: SyncComponent>(mut self) -> Self {
        self.components.retain(|(name, _)| *name != T::NAME);
        self.components.push((T::NAME, T::schema_hash()));
        self
    }

    /// Whether a topic is registered.
    ///
    /// ```
    /// # use serde::{Deserialize, Serialize};
    /// use leptos_sync::{SyncComponent, SyncRegistry};
    /// # #[derive(Clone, PartialEq, Serialize, Deserialize, SyncComponent)] struct Task { title: String }
    /// let registry = SyncRegistry::new().register::<Task>();
    /// assert!(registry.contains(Task::NAME));
    /// assert!(!registry.contains("Price"));
    /// ```
    pub fn contains(&self, topic: &str) -> bool {
        self.schema(topic).is_some()
    }

    /// The registered schema hash of a topic.
    ///
    /// ```
    /// # use serde::{Deserialize, Serialize};
    /// use leptos_sync::{SyncComponent, SyncRegistry};
    /// # #[derive(Clone, PartialEq, Serialize, Deserialize)] struct Task { title: String }
    /// impl SyncComponent for Task {
    ///     const NAME: &'static str = "Task";
    ///     fn schema_hash() -> u32 { 0x1234_abcd } // pinned: what the server checks against
    /// }
    /// let registry = SyncRegistry::new().register::<Task>();
    /// assert_eq!(registry.schema("Task"), Some(0x1234_abcd));
    /// assert_eq!(registry.schema("Price"), None);
    /// ```
    pub fn schema(&self, topic: &str) -> Option<u32> {
        self.components
            .iter()
            .find(|(name, _)| *name == topic)
            .map(|(_, schema)| *schema)
    }
}
