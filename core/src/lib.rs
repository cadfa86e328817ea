//! The sans-IO core of leptos-sync: the connection's rules as plain data and
//! functions, in the style of quinn-proto's `Connection` and str0m's `Rtc`.
//!
//! No leptos, web-sys, js-sys or timer imports live here, and that purity is
//! the point: time and randomness are passed in, so every rule runs natively,
//! deterministically, under virtual time. It is kept by the dependency list
//! (the protocol, serde_json, thiserror): a browser or framework import does
//! not compile. The browser driver in `leptos-sync` is a thin shell over
//! [`Machine`]; the storm simulator and the tests drive the same machine
//! without a browser.
//!
//! # Driving the machine
//!
//! Feed each [`Event`] with the current monotonic time, then drain
//! [`Machine::poll`] and carry out every [`Command`]:
//!
//! ```
//! use leptos_sync_core::{Command, Event, Machine, MachineOptions};
//!
//! let mut machine = Machine::new(MachineOptions::default(), || 0.5);
//! machine.handle(Event::UserOpen, 0);
//! let mut connect = false;
//! while let Some(command) = machine.poll() {
//!     connect |= command == Command::Connect;
//! }
//! assert!(connect, "the driver opens a socket");
//! ```

pub mod backoff;
mod error;
pub mod machine;
pub mod outbox;
pub mod state;
pub mod subscriptions;

pub use backoff::{Exponential, Jitter, ReconnectOptions, ReconnectPolicy};
pub use error::SyncError;
pub use machine::{Command, Event, Machine, MachineOptions, Timer};
pub use outbox::{MutationStatus, OutboxOptions, Overflow};
pub use state::{ConnectionMetrics, ConnectionState, FailReason, Lifecycle, Millis};
pub use subscriptions::{SubscriptionCounters, SubscriptionState, SubscriptionStatus};
