#![doc = include_str!("../README.md")]
#![warn(missing_docs)]

mod data;
mod hooks;
mod provider;
pub mod widgets;

pub use data::component::SyncComponent;
pub use data::entries::SyncEntries;
pub use data::mutations::{MutateOptions, MutationHandle};
pub use data::registry::SyncRegistry;
#[cfg(feature = "schema-reflection")]
pub use data::schema::{shape, traced_schema_hash};
pub use hooks::{
    UseSyncMutationReturn, use_sync_component, use_sync_connection, use_sync_context,
    use_sync_entity, use_sync_mutation, use_sync_mutation_with_options,
};
pub use leptos_sync_core::{
    ConnectionMetrics, ConnectionState, Exponential, FailReason, Jitter, Lifecycle, MachineOptions,
    Millis, MutationStatus, OutboxOptions, Overflow, ReconnectOptions, ReconnectPolicy,
    SubscriptionCounters, SubscriptionState, SubscriptionStatus, SyncError,
};
pub use provider::{
    Action, ConnectionReadyState, LifecycleFn, SyncConnection, SyncContext, SyncOptions,
    SyncProvider, TokenFn, TokenFuture,
};
pub use widgets::{
    ConnectionIndicator, ErrorBanner, ErrorBannerLabels, ReconnectBanner, ReconnectBannerLabels,
    StateLabels, StatusBar, StatusBarLabels,
};
