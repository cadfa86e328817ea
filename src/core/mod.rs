//! The sans-IO core: connection rules as plain data and functions.
//!
//! No leptos, web-sys, js-sys or timer imports live here. Time and randomness
//! are passed in, so every rule runs natively under virtual time.

pub mod backoff;
pub mod machine;
pub mod outbox;
pub mod state;
pub mod subscriptions;
