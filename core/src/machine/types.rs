//! The machine's vocabulary: events in, commands out, timers.

use leptos_sync_protocol::ClientMsg;
use serde_json::Value;

use crate::error::SyncError;
use crate::outbox::{Mutation, MutationStatus};
use crate::requests::{Request, RequestStatus};
use crate::state::Lifecycle;
use crate::subscriptions::DataEvent;

/// Something that happened, fed into [`Machine::handle`](super::Machine::handle).
///
/// The driver turns each socket callback, browser signal and app call into
/// one of these, with the time it happened:
///
/// ```
/// use leptos_sync_core::{ConnectionState, Event, Machine, MachineOptions};
///
/// let mut machine = Machine::new(MachineOptions::default(), || 0.5);
/// machine.handle(Event::UserOpen, 0);
/// // The socket's `close` event, with no close frame (1006).
/// machine.handle(Event::SocketClosed { code: 1006, reason: String::new() }, 30);
/// assert!(matches!(machine.state(), ConnectionState::Reconnecting { attempt: 1, .. }));
/// // The user gives up on the retry.
/// machine.handle(Event::UserClose, 40);
/// assert_eq!(machine.state(), &ConnectionState::Closed);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    /// The user asked to connect (`open()`, or `auto_connect`).
    UserOpen,
    /// The user asked to disconnect (`close()`).
    UserClose,
    /// The socket opened.
    SocketOpened,
    /// The socket reported an error; a close follows. Ignored for a socket
    /// the machine is closing (a handshake it cut short reports one).
    SocketError,
    /// The socket closed: lost, or the close event of one the machine closed
    /// ([`Command::CloseSocket`]), which frees the way for the next socket.
    SocketClosed {
        /// Close code (1006 when no close frame arrived).
        code: u16,
        /// Close reason.
        reason: String,
    },
    /// A text frame arrived.
    Frame(String),
    /// The token asked for by [`Command::FetchToken`] is ready.
    Token(Option<String>),
    /// The token changed: a connection refused for auth may try again.
    TokenChanged,
    /// The browser came online.
    Online,
    /// The browser went offline.
    Offline,
    /// The tab became visible: timers may have been throttled, so every
    /// deadline is checked at once, as by
    /// [`Machine::handle_timeout`](super::Machine::handle_timeout).
    Visible,
    /// A component started using a topic.
    Subscribe {
        /// Topic name.
        topic: String,
        /// Schema hash of the component type.
        schema: u32,
    },
    /// A component stopped using a topic.
    Unsubscribe {
        /// Topic name.
        topic: String,
    },
    /// The app changes an entry; see [`Machine::mutation_id`](super::Machine::mutation_id) for its id.
    Mutate(Mutation),
    /// A binary frame arrived. The protocol is text only: it is reported as
    /// [`SyncError::BinaryFrame`] and counted, and the connection is kept.
    ///
    /// ```
    /// use leptos_sync_core::{Command, Event, Machine, MachineOptions, SyncError};
    ///
    /// let mut machine = Machine::new(MachineOptions::default(), || 0.5);
    /// machine.handle(Event::UserOpen, 0);
    /// machine.handle(Event::SocketOpened, 10);
    /// machine.handle(Event::BinaryFrame { bytes: 4 }, 20);
    /// let errors: Vec<_> = std::iter::from_fn(|| machine.poll())
    ///     .filter_map(|c| match c { Command::Error(e) => Some(e), _ => None })
    ///     .collect();
    /// assert_eq!(errors, [SyncError::BinaryFrame { bytes: 4 }]);
    /// assert_eq!(machine.metrics().binary_frames, 1);
    /// ```
    BinaryFrame {
        /// The frame's length in bytes.
        bytes: usize,
    },
    /// The app calls a server method; its status comes back as [`Command::Request`].
    Request(Request),
}

/// The machine's timers. Each has at most one deadline at a time; the driver
/// never sees them one by one, only their earliest deadline through
/// [`Machine::poll_timeout`](super::Machine::poll_timeout).
/// [`Machine::deadline`](super::Machine::deadline) reads one, for tests and debugging.
///
/// ```
/// use leptos_sync_core::{Event, Machine, MachineOptions, Timer};
///
/// let mut machine = Machine::new(MachineOptions::default(), || 0.5);
/// machine.handle(Event::UserOpen, 0);
/// // Connecting: the connect timeout is armed, and it is the earliest deadline.
/// let connect = machine.deadline(Timer::Connect).expect("armed");
/// assert_eq!(machine.poll_timeout(), Some(connect));
/// assert_eq!(machine.deadline(Timer::Reconnect), None);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Timer {
    /// The next reconnect attempt.
    Reconnect,
    /// The next ping.
    Ping,
    /// The deadline for an answer to the last ping.
    Pong,
    /// The deadline for `welcome` after a connect.
    Connect,
    /// The earliest expiry of a queued mutation, or the retry of mutations
    /// the server answered `unavailable` or `rate_limited`, or of
    /// subscriptions it answered `unavailable`.
    Outbox,
    /// The end of the wait for a closing socket's close event ([`CLOSE_WAIT_MS`](super::CLOSE_WAIT_MS)).
    Close,
    /// The earliest deadline of the open requests.
    Request,
}

impl Timer {
    /// Every timer, in index order (each one's index is its `as usize`).
    ///
    /// ```
    /// use leptos_sync_core::{Machine, MachineOptions, Timer};
    ///
    /// let machine = Machine::new(MachineOptions::default(), || 0.5);
    /// let earliest = Timer::ALL.into_iter().filter_map(|t| machine.deadline(t)).min();
    /// assert_eq!(earliest, machine.poll_timeout());
    /// ```
    pub const ALL: [Timer; 7] = [
        Timer::Reconnect,
        Timer::Ping,
        Timer::Pong,
        Timer::Connect,
        Timer::Outbox,
        Timer::Close,
        Timer::Request,
    ];
}

pub(super) const TIMERS: [Timer; Timer::ALL.len()] = Timer::ALL;

/// The timers of one connection attempt, cleared when it ends or a new one starts.
pub(super) const CONNECTION_TIMERS: [Timer; 4] =
    [Timer::Reconnect, Timer::Ping, Timer::Pong, Timer::Connect];

/// Something the driver must do, polled with [`Machine::poll`](super::Machine::poll).
///
/// A driver carries out each command and decides nothing itself:
///
/// ```
/// use leptos_sync_core::{Command, Event, Machine, MachineOptions};
///
/// /// What a driver would do; a real one acts instead of describing.
/// fn execute(command: Command) -> String {
///     match command {
///         Command::Connect => "open a socket".into(),
///         Command::Send(msg) => format!("send {}", msg.encode()),
///         Command::CloseSocket { code, .. } => format!("close with {code}"),
///         Command::Error(error) => format!("show {error}"),
///         other => format!("{other:?}"),
///     }
/// }
///
/// let mut machine = Machine::new(MachineOptions::default(), || 0.5);
/// machine.handle(Event::UserOpen, 0);
/// let done: Vec<String> = std::iter::from_fn(|| machine.poll()).map(execute).collect();
/// assert!(done.contains(&"open a socket".to_string()));
/// ```
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    /// Open a new socket. The machine emits it only when no socket is left:
    /// not even one still closing (see [`Command::CloseSocket`]), unless that
    /// one's close event did not come within [`CLOSE_WAIT_MS`](super::CLOSE_WAIT_MS). From then on,
    /// no event of an earlier socket may reach the machine (leptos-use's
    /// `open()` drops the handlers of the socket it replaces).
    Connect,
    /// Obtain the current token and answer with [`Event::Token`].
    FetchToken,
    /// Send one frame on the open socket.
    Send(ClientMsg),
    /// Close the socket. It still counts until its close event comes back as
    /// [`Event::SocketClosed`]: until then the machine opens no other one.
    CloseSocket {
        /// Close code.
        code: u16,
        /// Close reason.
        reason: String,
    },
    /// Report an error to `last_error`.
    Error(SyncError),
    /// A lifecycle event for observers.
    Lifecycle(Lifecycle),
    /// A change of subscribed data for the typed layer.
    Data(DataEvent),
    /// A mutation's status changed.
    Mutation {
        /// The mutation id.
        id: String,
        /// Its new status.
        status: MutationStatus,
    },
    /// The server sent an `event` whose name the app handles (see
    /// [`MachineOptions::events`](super::MachineOptions::events) and, for a whole exchange,
    /// [`ConnectionMetrics::events_ignored`](crate::ConnectionMetrics::events_ignored)).
    /// Events have no seq and are not replayed: one missed while disconnected is gone.
    ServerEvent {
        /// The topic it was sent to the subscribers of, if any.
        topic: Option<String>,
        /// The event's name.
        name: String,
        /// Its payload, not yet decoded.
        payload: Value,
    },
    /// A request's status changed; [`RequestStatus::is_final`] ones are its last.
    Request {
        /// The request id.
        id: String,
        /// Its new status.
        status: RequestStatus,
    },
}
