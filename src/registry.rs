//! [`SyncRegistry`]: the typed components a provider knows.

use std::collections::BTreeMap;

/// The component types an app syncs, passed to [`SyncProvider`](crate::SyncProvider).
///
/// Data for a topic the registry does not know is reported as
/// [`SyncError::TypeNotRegistered`](crate::SyncError::TypeNotRegistered).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SyncRegistry {
    /// Topic name → schema hash.
    pub(crate) components: BTreeMap<String, u32>,
}

impl SyncRegistry {
    /// An empty registry.
    pub fn new() -> Self {
        Self::default()
    }

    /// Whether a topic is registered.
    pub fn contains(&self, topic: &str) -> bool {
        self.components.contains_key(topic)
    }
}
