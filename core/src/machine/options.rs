//! The machine's options and the limits they are clamped to.

use std::collections::BTreeSet;

use crate::backoff::{MAX_DELAY_MS, ReconnectOptions};
use crate::error::SyncError;
use crate::outbox::OutboxOptions;
use crate::validate::Check;

/// Options of the [`Machine`](super::Machine).
///
/// No value can panic the machine: [`Machine::new`](super::Machine::new)
/// [validates](Self::validate) them once, clamping each value that is out of
/// its documented range and reporting it as [`SyncError::InvalidOptions`].
///
/// ```
/// use leptos_sync_core::{Machine, MachineOptions, OutboxOptions, ReconnectOptions};
///
/// let options = MachineOptions {
///     // Give up after 10 failed attempts (the policy stays the default).
///     reconnect: ReconnectOptions { max_attempts: Some(10), ..Default::default() },
///     pong_timeout_ms: 5_000,
///     outbox: OutboxOptions { max_messages: 20, ..Default::default() },
///     ..Default::default()
/// };
/// let machine = Machine::new(options, || 0.5);
/// assert_eq!(machine.options().pong_timeout_ms, 5_000);
/// ```
#[derive(Debug, Clone)]
pub struct MachineOptions {
    /// The reconnect schedule.
    pub reconnect: ReconnectOptions,
    /// Ping interval. `None` uses the server's `welcome.heartbeat_ms` (clamped to
    /// [`MIN_SERVER_HEARTBEAT_MS`]`..=`[`MAX_SERVER_HEARTBEAT_MS`]), else 30 s.
    /// A value set here is clamped into [`MIN_TIMEOUT_MS`]`..=`[`MAX_DELAY_MS`].
    pub heartbeat_interval_ms: Option<u64>,
    /// How long to wait for any frame after a ping before the link counts as dead.
    /// Clamped into [`MIN_TIMEOUT_MS`]`..=`[`MAX_DELAY_MS`].
    pub pong_timeout_ms: u64,
    /// How long opening a socket and getting `welcome` may take.
    /// Clamped into [`MIN_TIMEOUT_MS`]`..=`[`MAX_DELAY_MS`].
    pub connect_timeout_ms: u64,
    /// Bounds of the mutation queue.
    pub outbox: OutboxOptions,
    /// The names of the server events the app handles. An `event` frame with
    /// another name is counted in
    /// [`ConnectionMetrics::events_ignored`](crate::ConnectionMetrics::events_ignored)
    /// and dropped: a server may send events an older app does not know, and
    /// that is not an error. `None` passes every event on as
    /// [`Command::ServerEvent`](super::Command::ServerEvent). The `leptos-sync` client fills it from its registry.
    pub events: Option<BTreeSet<String>>,
}

impl Default for MachineOptions {
    fn default() -> Self {
        Self {
            reconnect: ReconnectOptions::default(),
            heartbeat_interval_ms: None,
            pong_timeout_ms: 10_000,
            connect_timeout_ms: 10_000,
            outbox: OutboxOptions::default(),
            events: None,
        }
    }
}

impl MachineOptions {
    /// Clamps every value into its documented range, and returns one
    /// [`SyncError::InvalidOptions`] per value it changed. The machine does this
    /// when it is made and reports the errors to `last_error`; call it to check
    /// options earlier.
    ///
    /// ```
    /// use leptos_sync_core::machine::{MIN_TIMEOUT_MS, MachineOptions};
    /// use leptos_sync_core::SyncError;
    ///
    /// let mut options = MachineOptions { pong_timeout_ms: 0, ..Default::default() };
    /// let errors = options.validate();
    /// assert_eq!(options.pong_timeout_ms, MIN_TIMEOUT_MS);
    /// assert!(matches!(&errors[..], [SyncError::InvalidOptions { field, .. }] if field == "pong_timeout_ms"));
    /// assert!(MachineOptions::default().validate().is_empty());
    /// ```
    pub fn validate(&mut self) -> Vec<SyncError> {
        let mut check = Check::default();
        self.reconnect.validate(&mut check);
        if let Some(ms) = &mut self.heartbeat_interval_ms {
            check.within("heartbeat_interval_ms", ms, MIN_TIMEOUT_MS, MAX_DELAY_MS);
        }
        for (field, ms) in [
            ("pong_timeout_ms", &mut self.pong_timeout_ms),
            ("connect_timeout_ms", &mut self.connect_timeout_ms),
        ] {
            check.within(field, ms, MIN_TIMEOUT_MS, MAX_DELAY_MS);
        }
        check.errors
    }
}

/// The shortest ping interval, pong timeout and connect timeout the options
/// can set: a shorter one cannot tell a slow network from a dead one, and a
/// zero one would retry or ping in a busy loop.
///
/// ```
/// use leptos_sync_core::machine::{MIN_TIMEOUT_MS, MachineOptions};
///
/// let mut options = MachineOptions { connect_timeout_ms: 1, ..Default::default() };
/// let _errors = options.validate();
/// assert_eq!(options.connect_timeout_ms, MIN_TIMEOUT_MS);
/// ```
pub const MIN_TIMEOUT_MS: u64 = 100;

/// The ping interval used when neither the options nor the server give one.
///
/// ```
/// use leptos_sync_core::machine::DEFAULT_HEARTBEAT_MS;
/// use leptos_sync_core::{Event, Machine, MachineOptions, Timer};
///
/// let mut machine = Machine::new(MachineOptions::default(), || 0.5);
/// machine.handle(Event::UserOpen, 0);
/// machine.handle(Event::SocketOpened, 10);
/// machine.handle(Event::Token(None), 10);
/// // A welcome without `heartbeat_ms`: the client pings every 30 s.
/// machine.handle(Event::Frame(r#"{"type":"welcome","session":"s","heartbeat_ms":null}"#.into()), 20);
/// assert_eq!(machine.deadline(Timer::Ping), Some(20 + DEFAULT_HEARTBEAT_MS));
/// ```
pub const DEFAULT_HEARTBEAT_MS: u64 = 30_000;

/// The shortest ping interval a server's `welcome.heartbeat_ms` can ask for:
/// a smaller value is raised to it, so a server cannot make the client ping
/// more than once a second. The range is
/// [`MIN_SERVER_HEARTBEAT_MS`]`..=`[`MAX_SERVER_HEARTBEAT_MS`]; `0` or no value
/// means [`DEFAULT_HEARTBEAT_MS`]. [`MachineOptions::heartbeat_interval_ms`]
/// overrides the server and is not clamped.
///
/// ```
/// use leptos_sync_core::machine::MIN_SERVER_HEARTBEAT_MS;
/// use leptos_sync_core::{Event, Machine, MachineOptions, Timer};
///
/// let mut machine = Machine::new(MachineOptions::default(), || 0.5);
/// machine.handle(Event::UserOpen, 0);
/// machine.handle(Event::SocketOpened, 0);
/// machine.handle(Event::Token(None), 0);
/// // A server asking for a ping every 10 ms gets one a second.
/// machine.handle(Event::Frame(r#"{"type":"welcome","session":"s","heartbeat_ms":10}"#.into()), 0);
/// assert_eq!(machine.deadline(Timer::Ping), Some(MIN_SERVER_HEARTBEAT_MS));
/// ```
pub const MIN_SERVER_HEARTBEAT_MS: u64 = 1_000;

/// The longest ping interval a server's `welcome.heartbeat_ms` can ask for
/// (2 minutes): a larger value is lowered to it, so a huge value cannot switch
/// dead-link detection off. A dead link is then found within this plus the
/// pong timeout.
///
/// ```
/// use leptos_sync_core::machine::MAX_SERVER_HEARTBEAT_MS;
/// use leptos_sync_core::{Event, Machine, MachineOptions, Timer};
///
/// let mut machine = Machine::new(MachineOptions::default(), || 0.5);
/// machine.handle(Event::UserOpen, 0);
/// machine.handle(Event::SocketOpened, 0);
/// machine.handle(Event::Token(None), 0);
/// // A server asking for a ping a day gets one every 2 minutes.
/// machine.handle(Event::Frame(r#"{"type":"welcome","session":"s","heartbeat_ms":86400000}"#.into()), 0);
/// assert_eq!(machine.deadline(Timer::Ping), Some(MAX_SERVER_HEARTBEAT_MS));
/// ```
pub const MAX_SERVER_HEARTBEAT_MS: u64 = 120_000;

/// How long a socket the machine asked to close still counts as open when its
/// close event does not come. A closing socket blocks the next `Connect`, so
/// there is never more than one socket; but a browser can take a minute to
/// report the close of a dead link (Chromium waits 60 s for the peer's half of
/// the close handshake), and a peer that cannot answer cannot see that socket
/// either. Past this wait the machine forgets it and connects anyway.
///
/// ```
/// use leptos_sync_core::machine::CLOSE_WAIT_MS;
/// use leptos_sync_core::{Event, Machine, MachineOptions, Timer};
///
/// let mut machine = Machine::new(MachineOptions::default(), || 0.5);
/// machine.handle(Event::UserOpen, 0);
/// machine.handle(Event::SocketOpened, 10);
/// // The user closes: the socket counts until its close event, or this long.
/// machine.handle(Event::UserClose, 100);
/// assert_eq!(machine.deadline(Timer::Close), Some(100 + CLOSE_WAIT_MS));
/// ```
pub const CLOSE_WAIT_MS: u64 = 3_000;
