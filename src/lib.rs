#![doc = include_str!("../README.md")]
#![warn(missing_docs)]

pub mod core;
mod error;

pub use core::backoff::{Exponential, Jitter, ReconnectOptions, ReconnectPolicy};
pub use core::state::{ConnectionMetrics, ConnectionState, FailReason, Lifecycle, Millis};
pub use error::SyncError;
