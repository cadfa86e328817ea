#![doc = include_str!("../README.md")]
#![warn(missing_docs)]

mod component;
mod context;
pub mod core;
mod data;
#[cfg(not(feature = "ssr"))]
mod driver;
mod error;
mod hooks;
mod mutations;
mod options;
mod provider;
mod registry;
#[cfg(feature = "schema-reflection")]
mod schema;
mod store;
pub mod widgets;

pub use component::SyncComponent;
pub use context::{Action, ConnectionReadyState, SyncConnection, SyncContext};
pub use core::backoff::{Exponential, Jitter, ReconnectOptions, ReconnectPolicy};
pub use core::outbox::{MutationStatus, OutboxOptions, Overflow};
pub use core::state::{ConnectionMetrics, ConnectionState, FailReason, Lifecycle, Millis};
pub use core::subscriptions::{SubscriptionCounters, SubscriptionState, SubscriptionStatus};
pub use error::SyncError;
pub use hooks::{
    SyncEntries, UseSyncMutationReturn, use_sync_component, use_sync_connection, use_sync_context,
    use_sync_entity, use_sync_mutation, use_sync_mutation_with_options,
};
pub use mutations::{MutateOptions, MutationHandle};
pub use options::{LifecycleFn, SyncOptions, TokenFn, TokenFuture};
pub use provider::SyncProvider;
pub use registry::SyncRegistry;
#[cfg(feature = "schema-reflection")]
pub use schema::{shape, traced_schema_hash};
pub use widgets::{
    ConnectionIndicator, ErrorBanner, ErrorBannerLabels, ReconnectBanner, ReconnectBannerLabels,
    StateLabels, StatusBar, StatusBarLabels,
};
