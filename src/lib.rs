#![doc = include_str!("../README.md")]
#![warn(missing_docs)]

mod context;
pub mod core;
#[cfg(not(feature = "ssr"))]
mod driver;
mod error;
mod hooks;
mod options;
mod provider;
mod registry;

pub use context::{Action, ConnectionReadyState, SyncConnection, SyncContext};
pub use core::backoff::{Exponential, Jitter, ReconnectOptions, ReconnectPolicy};
pub use core::state::{ConnectionMetrics, ConnectionState, FailReason, Lifecycle, Millis};
pub use error::SyncError;
pub use hooks::{use_sync_connection, use_sync_context};
pub use options::{LifecycleFn, SyncOptions, TokenFn};
pub use provider::SyncProvider;
pub use registry::SyncRegistry;
