#![doc = include_str!("../README.md")]
#![warn(missing_docs)]

// The derives name this crate `::leptos_sync`, also in its own tests.
extern crate self as leptos_sync;

mod data;
mod hooks;
mod provider;
#[cfg(feature = "testing")]
pub mod testing;
mod widgets;

// Everything an app names, at the crate root and nowhere else, so that
// `use leptos::prelude::*; use leptos_sync::*;` is all it needs (and no name
// here clashes with leptos's prelude: tests/glob_imports.rs checks it).

// The provider, its options, and what it shares through context.
pub use provider::{
    ConnectionReadyState, SyncCallback, SyncConnection, SyncContext, SyncOptions, SyncProvider,
    SyncProviderProps,
};

// Hooks.
pub use hooks::use_sync_event;
pub use hooks::{
    UseSyncMutationReturn, use_sync_component, use_sync_component_in, use_sync_connection,
    use_sync_context, use_sync_entity, use_sync_entity_in, use_sync_mutation, use_sync_mutation_in,
    use_sync_mutation_in_with_options, use_sync_mutation_with_options,
};

// Typed data: the component trait, the registry, entries and mutations.
pub use data::component::SyncComponent;
pub use data::entries::SyncEntries;
pub use data::events::{SyncEvent, SyncEventMeta};
pub use data::mutations::{MutateOptions, MutationHandle};
pub use data::registry::SyncRegistry;
pub use data::requests::{RequestHandle, RequestOptions, RequestState};
#[cfg(feature = "schema-reflection")]
pub use data::schema::traced_schema_hash;
pub use data::shape::{Shape, ShapeField, ShapeRepr, ShapeVariant, SyncShape, shape_hash};
pub use leptos_sync_core::RequestPolicy;
pub use leptos_sync_protocol::SyncRequest;
// The derives, in the macro namespace beside the traits of the same names.
#[cfg(feature = "derive")]
pub use leptos_sync_macros::{SyncComponent, SyncEvent, SyncShape};

// Widgets (with the props types `#[component]` makes), their texts and their stylesheet.
pub use widgets::{
    ConnectionIndicator, ConnectionIndicatorProps, ErrorBanner, ErrorBannerLabels,
    ErrorBannerProps, ReconnectBanner, ReconnectBannerLabels, ReconnectBannerProps, StateLabels,
    StatusBar, StatusBarLabels, StatusBarProps, WIDGET_STYLE_ID, WIDGET_STYLES,
};

// From the sans-IO core: the options, states, metrics and errors an app
// reads or sets. Driving the core itself is `leptos_sync_core`'s business.
pub use leptos_sync_core::{
    ConnectionMetrics, ConnectionState, DisconnectReason, Exponential, FailReason, Jitter,
    Lifecycle, MachineOptions, Millis, MutationStatus, OutboxOptions, Overflow, ReconnectOptions,
    ReconnectPolicy, SubscriptionCounters, SubscriptionState, SubscriptionStatus, SyncError,
};

// The guides in docs/ are compiled as doctests, so their examples cannot rot.
#[cfg(doctest)]
mod guides {
    #[doc = include_str!("../docs/reconnection.md")]
    mod reconnection {}
    #[doc = include_str!("../docs/auth.md")]
    mod auth {}
    #[doc = include_str!("../docs/offline.md")]
    mod offline {}
    #[doc = include_str!("../docs/recovery.md")]
    mod recovery {}
    #[doc = include_str!("../docs/widgets.md")]
    mod widgets {}
    #[doc = include_str!("../docs/server.md")]
    mod server {}
    #[doc = include_str!("../docs/testing.md")]
    mod testing {}
    #[doc = include_str!("../docs/migrating-from-pl3xus.md")]
    mod migrating_from_pl3xus {}
    #[doc = include_str!("../docs/ssr.md")]
    mod ssr {}
    #[doc = include_str!("../docs/scaling.md")]
    mod scaling {}
}
