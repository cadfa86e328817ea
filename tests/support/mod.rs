//! The one support module of the browser tests, the benchmarks and the chaos
//! suite: every browser test file says `mod support;` (a test that is a
//! directory, like `chaos/` or `browser_widgets/`, includes it by path) and
//! `use support::*;`.
//!
//! Kept on purpose, because it is what makes these tests trustworthy: every
//! wait has a deadline and names what it waited for, so a broken build fails
//! fast and readably instead of hanging the runner; each test is its own
//! `client` of the server, so the tests share one server without sharing
//! faults or statistics; and the log capture and the page probes are checked
//! to have seen something (the connection's log lines, the provider's own
//! listeners), so a no-secret-in-the-logs or a no-leak check cannot pass
//! having looked at nothing.
//!
//! The tests run in headless Chromium against the real reference server
//! (`examples/server --control`); the support follows that architecture:
//!
//! - [`control`]: the server, its WebSocket URL per test client ([`ws_url`]:
//!   the `client` scopes the server's faults and statistics to one test, so
//!   tests share a server without sharing state) and its `/control` API. The
//!   calls ride out a server restart, which the chaos suite causes.
//! - [`mount`]: a `<SyncProvider>` in its own `<div>` ([`mount`], [`mount_with`],
//!   [`mount_observed`], [`mount_quiet`]) with its context and every lifecycle
//!   event, unmounted and removed on drop; [`fixed`] and [`fast`] retry options.
//! - [`subscribe`]: subscribers under a mounted provider that leave their
//!   entries in a [`Slot`] for the test to read ([`entries`], [`status`], [`is_live`]).
//! - [`requests`]: the reference server's request methods ([`Slow`]).
//! - [`wait`]: waiting for a condition, always with a deadline ([`wait_until`]
//!   fails the test naming what it waited for; [`wait_for`] returns whether it
//!   held; [`throughout`] checks that something keeps holding). Tests wait
//!   for conditions; they do not sleep for a guessed time.
//! - [`dom`]: the page as a user sees it: selectors, text, attributes, clicks.
//! - [`logs`]: capture of every `log` record, so a test can prove a token
//!   reaches no log line and that the logger did see the connection's lines.
//! - [`probes`]: listeners, timers, frames, sockets and page errors, counted by
//!   wrapping the browser's APIs: the leak checks of the chaos suite and the
//!   memory benchmark.
//! - [`bench`]: the benchmarks' size, clock and `BENCH …` result lines.

#![allow(dead_code, unused_imports)] // each test binary uses its own subset

pub mod bench;
pub mod control;
pub mod dom;
pub mod logs;
pub mod mount;
pub mod probes;
pub mod requests;
pub mod subscribe;
pub mod wait;

pub use control::*;
pub use dom::*;
pub use logs::*;
pub use mount::*;
pub use probes::*;
pub use requests::*;
pub use subscribe::*;
pub use wait::*;
