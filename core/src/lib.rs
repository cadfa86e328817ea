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
//! [`Machine::poll`] and carry out every [`Command`]. Keep one timer for
//! [`Machine::poll_timeout`], re-read after every call, and call
//! [`Machine::handle_timeout`] when it fires:
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
//! // The socket never opens: at the connect timeout, the machine gives up on it.
//! let at = machine.poll_timeout().expect("a connect timeout");
//! machine.handle_timeout(at);
//! assert!(matches!(machine.poll(), Some(Command::Error(_))));
//! ```
//!
//! [`Machine`], [`Event`] and [`Command`] have fuller examples: a handshake,
//! a lost socket, a driver's command loop.
//!
//! # What is public
//!
//! Every type a driver passes in or gets out is at the crate root; the
//! modules group their documentation (how the backoff jitters, when the
//! outbox flushes, what a subscription's status means). The `leptos-sync`
//! client re-exports the part an app sees: the options, states, metrics and
//! [`SyncError`]. [`SyncError`], [`ConnectionState`], [`FailReason`] and
//! [`Lifecycle`] are `#[non_exhaustive]`: new variants may come in minor
//! versions, so a `match` on them needs a wildcard arm.

pub mod backoff;
mod error;
pub mod machine;
pub mod outbox;
pub mod requests;
pub mod state;
pub mod subscriptions;
mod validate;

pub use backoff::{Close, Exponential, Jitter, ReconnectOptions, ReconnectPolicy};
pub use error::SyncError;
pub use machine::{Command, Event, Machine, MachineOptions, Timer};
pub use outbox::{MutationStatus, OutboxOptions, Overflow};
pub use requests::{Request, RequestPolicy, RequestStatus};
pub use state::{
    ConnectionMetrics, ConnectionState, DisconnectReason, FailReason, Lifecycle, Millis,
};
pub use subscriptions::{SubscriptionCounters, SubscriptionState, SubscriptionStatus};
// The types inside events, commands and options, so a driver needs no module path.
pub use backoff::CustomDelay;
pub use outbox::Mutation;
pub use subscriptions::{DataEvent, Subscriptions};

// The README's examples are compiled (and run) as doctests too.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
mod readme {}
