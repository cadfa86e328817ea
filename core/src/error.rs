//! [`SyncError`]: every failure leptos-sync reports through `last_error`.

use leptos_sync_protocol::error_code;
use thiserror::Error;

/// A failure reported by leptos-sync. Nothing fails silently: the
/// [`Machine`](crate::Machine) hands each of its failures to the driver as a
/// [`Command::Error`](crate::Command::Error) (and a failed mutation's as
/// [`MutationStatus::Failed`](crate::MutationStatus::Failed)); the
/// `leptos-sync` client shows them in `SyncContext::last_error`. A few
/// variants (`NotConnected`, `DeserializationFailed`, `SerializationFailed`,
/// `TypeNotRegistered`, `InvalidUrl`) come from that client rather than from
/// the machine, which never sees typed data or URLs.
///
/// The text never contains the auth token. Server-supplied text (`reason`,
/// `message`) must be rendered as text, never as HTML.
///
/// New variants may come in minor versions, so a `match` needs a wildcard arm:
///
/// ```
/// use leptos_sync_core::SyncError;
///
/// fn advice(error: &SyncError) -> Option<&'static str> {
///     match error {
///         SyncError::AuthRejected { .. } => Some("Please sign in again."),
///         SyncError::SchemaHashMismatch { .. } => Some("The app was updated: please reload."),
///         _ => None,
///     }
/// }
///
/// let error = SyncError::AuthRejected { code: 4401 };
/// assert_eq!(error.to_string(), "authentication rejected (close code 4401)");
/// assert_eq!(advice(&error), Some("Please sign in again."));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum SyncError {
    /// An operation needed a connection that cannot exist: a mutation made
    /// while rendering on the server (`leptos-sync` feature `ssr`), where
    /// there is no socket. While the browser is merely disconnected,
    /// mutations are queued instead.
    #[error("not connected")]
    NotConnected,
    /// Data for a component could not be decoded into its type.
    #[error("could not decode {component_name}: {error}")]
    DeserializationFailed {
        /// The component's name.
        component_name: String,
        /// What serde said.
        error: String,
    },
    /// A value could not be encoded.
    #[error("could not encode {component_name}: {error}")]
    SerializationFailed {
        /// The component's name.
        component_name: String,
        /// What serde said.
        error: String,
    },
    /// A hook asked for a component type that the provider's registry lacks
    /// (register it with `SyncRegistry::register`), or for a second Rust type
    /// under a topic name another type already uses. That hook gets no data
    /// and nothing is subscribed.
    #[error("type {component_name} is not registered")]
    TypeNotRegistered {
        /// The topic name (`SyncComponent::NAME`), followed by the Rust type
        /// in parentheses when another type already claims the name.
        component_name: String,
    },
    /// Client and server disagree on a type's serialized shape.
    #[error("schema of {component_name} differs: client {expected}, server {actual}")]
    SchemaHashMismatch {
        /// The component's name.
        component_name: String,
        /// The client's schema hash.
        expected: u32,
        /// The server's schema hash.
        actual: u32,
    },
    /// The browser reported a socket error.
    #[error("WebSocket error: {message}")]
    WebSocketError {
        /// What is known about it; browsers hide details on purpose.
        message: String,
    },
    /// The URL given to `SyncProvider` cannot be connected to.
    #[error("invalid URL {url:?}: {message}")]
    InvalidUrl {
        /// The URL as given.
        url: String,
        /// Why it was refused.
        message: String,
    },
    /// The server refused the credentials (close 4401, 4403 or 1008). No retry
    /// happens until the token changes or `open()` is called.
    #[error("authentication rejected (close code {code})")]
    AuthRejected {
        /// The close code.
        code: u16,
    },
    /// No frame arrived within the pong timeout after a ping: the link is dead.
    #[error("no answer to ping within {timeout_ms} ms")]
    HeartbeatTimeout {
        /// The pong timeout that passed.
        timeout_ms: u64,
    },
    /// The socket did not open, or the server did not answer `hello`, in time.
    #[error("connect timed out after {timeout_ms} ms")]
    ConnectTimeout {
        /// The timeout that passed.
        timeout_ms: u64,
    },
    /// The outgoing queue was full and a mutation was dropped.
    #[error("outgoing queue full: {dropped} mutation(s) dropped so far")]
    QueueOverflow {
        /// How many have been dropped since the provider started.
        dropped: u64,
    },
    /// The outgoing queue was full and [`Overflow::Fail`](crate::Overflow::Fail)
    /// refused a new mutation. Nothing already queued was lost.
    #[error(
        "outgoing queue full ({max_messages} mutation(s), {max_bytes} bytes): mutation {id} refused"
    )]
    QueueFull {
        /// The refused mutation's id.
        id: String,
        /// The queue's bound in mutations.
        max_messages: usize,
        /// The queue's bound in bytes.
        max_bytes: usize,
    },
    /// A value of the options was out of its range. The machine runs with the
    /// value clamped into the range, as that field's documentation says.
    #[error("invalid option {field}: {message}")]
    InvalidOptions {
        /// The field, as a path from [`MachineOptions`](crate::MachineOptions).
        field: String,
        /// What was wrong, and the value used instead.
        message: String,
    },
    /// A queued mutation expired before a connection could send it.
    #[error("mutation {id} expired before it could be sent")]
    Expired {
        /// The mutation id.
        id: String,
    },
    /// The server acknowledged a mutation this client did not send.
    #[error("acknowledgement for unknown mutation {id}")]
    UnknownAck {
        /// The mutation id.
        id: String,
    },
    /// The reconnect policy gave up.
    #[error("gave up reconnecting after {attempts} attempt(s)")]
    ReconnectExhausted {
        /// Failed attempts made.
        attempts: u32,
    },
    /// The connection closed without the user asking.
    #[error("connection closed ({code}){}", reason_suffix(reason))]
    Closed {
        /// The close code (1006 when no close frame arrived).
        code: u16,
        /// The close reason, as sent by the server.
        reason: String,
    },
    /// The server's authorization denied a subscription (its status becomes
    /// `Error`) or a mutation (it fails): `error` code `forbidden`. The
    /// connection stays open; asking again is denied again.
    #[error("forbidden: {message}")]
    Forbidden {
        /// The server's reason.
        message: String,
    },
    /// The server's application rejected a mutation (`error` code
    /// `rejected`): nothing was applied. The reason is for the user.
    #[error("mutation rejected: {reason}")]
    Rejected {
        /// The server's reason.
        reason: String,
    },
    /// The server refused a mutation because this connection sent mutations
    /// faster than its rate allows (`error` code `rate_limited`). Not final:
    /// nothing was applied, and the outbox sends the mutation again, with its
    /// id, once the wait has passed; its status is `Queued` meanwhile.
    #[error("mutation {id} rate limited: {message} (next accepted in {retry_after_ms} ms)")]
    RateLimited {
        /// The mutation id.
        id: String,
        /// The server's `retry_after_ms`: how long until it accepts this
        /// mutation, behind the refused ones before it
        /// ([`RATE_LIMITED_RETRY_MS`](crate::outbox::RATE_LIMITED_RETRY_MS)
        /// when it gave none). The outbox waits at least this long, at most
        /// [`RATE_LIMITED_RETRY_MAX_MS`](crate::outbox::RATE_LIMITED_RETRY_MAX_MS).
        retry_after_ms: u64,
        /// The server's text.
        message: String,
    },
    /// The server sent an `error` frame with a code that has no variant of
    /// its own (see [`SyncError::from_server`]).
    #[error("server error {code}: {message}")]
    Server {
        /// The server's machine-readable code.
        code: String,
        /// The server's text.
        message: String,
    },
    /// A frame from the server could not be understood; the connection is kept.
    #[error("malformed frame from server: {error}")]
    MalformedFrame {
        /// What was wrong.
        error: String,
    },
    /// The server sent a message type this client does not know; the connection is kept.
    #[error("unknown message type {kind:?} from server")]
    UnknownMessage {
        /// The frame's `type`.
        kind: String,
    },
    /// The mutation was still queued or in flight when its `SyncProvider`
    /// unmounted: nothing will send it or hear its `ack` any more. Its
    /// optimistic change, if any, is rolled back. (Unmounting only the
    /// component that made it does not end it: mutations belong to the provider.)
    ///
    /// ```
    /// use leptos_sync_core::SyncError;
    ///
    /// let error = SyncError::ProviderUnmounted { id: "m1".into() };
    /// assert_eq!(error.to_string(), "mutation m1 abandoned: its SyncProvider unmounted");
    /// ```
    #[error("mutation {id} abandoned: its SyncProvider unmounted")]
    ProviderUnmounted {
        /// The mutation id.
        id: String,
    },
    /// The server sent a binary frame. The protocol is text only, so it is
    /// ignored (and counted in `ConnectionMetrics::binary_frames`); the
    /// connection is kept.
    ///
    /// ```
    /// use leptos_sync_core::SyncError;
    ///
    /// let error = SyncError::BinaryFrame { bytes: 3 };
    /// assert_eq!(error.to_string(), "binary frame of 3 bytes from server ignored: the protocol is text only");
    /// ```
    #[error("binary frame of {bytes} bytes from server ignored: the protocol is text only")]
    BinaryFrame {
        /// The frame's length in bytes.
        bytes: usize,
    },
    /// A server event the app handles came with a payload that does not
    /// decode into its type; the event is dropped and the connection kept.
    #[error("could not decode event {event_name}: {error}")]
    EventDeserializationFailed {
        /// The event's name.
        event_name: String,
        /// What serde said.
        error: String,
    },
    /// A request got no response within its timeout (counted from when it
    /// was made, connected or not). A late response is ignored.
    #[error("request {method} timed out after {timeout_ms} ms")]
    RequestTimeout {
        /// The method called.
        method: String,
        /// The timeout that passed.
        timeout_ms: u64,
    },
    /// A [`FailOnDisconnect`](crate::RequestPolicy::FailOnDisconnect)
    /// request met no connection: it was made while not connected, or the
    /// connection dropped before its response.
    #[error("request {method} interrupted: the connection {}", if *sent { "dropped before the response" } else { "was not open" })]
    RequestInterrupted {
        /// The method called.
        method: String,
        /// Whether it had been sent: if so, the server may have run it.
        sent: bool,
    },
    /// The server answered a request with an error: the handler's own code,
    /// or one of the server's (`unknown_method`, `invalid_payload`,
    /// `too_many_requests`, `internal`; `unknown_type` from a server that
    /// predates requests).
    #[error("request {method} failed: {code}: {message}")]
    RequestFailed {
        /// The method called.
        method: String,
        /// The machine-readable code.
        code: String,
        /// The server's text.
        message: String,
    },
    /// A request was refused because [`MAX_OPEN_REQUESTS`](crate::requests::MAX_OPEN_REQUESTS)
    /// were open already; none of those was dropped.
    #[error("request {method} refused: {max_open} requests are open already")]
    TooManyRequests {
        /// The method of the refused request.
        method: String,
        /// The bound.
        max_open: usize,
    },
    /// The server sent a `response` for a request this client never made.
    #[error("response to unknown request {id}")]
    UnknownResponse {
        /// The id in the response.
        id: String,
    },
}

impl SyncError {
    /// The error an `error` frame stands for: [`Forbidden`](Self::Forbidden)
    /// and [`Rejected`](Self::Rejected) for their codes, [`Server`](Self::Server)
    /// for any other. (A `rate_limited` about a mutation, with its id and
    /// `retry_after_ms`, is [`RateLimited`](Self::RateLimited); the machine
    /// reads those from the frame.)
    ///
    /// ```
    /// use leptos_sync_core::SyncError;
    ///
    /// let denied = SyncError::from_server("forbidden".into(), "observers only read".into());
    /// assert_eq!(denied, SyncError::Forbidden { message: "observers only read".into() });
    /// let other = SyncError::from_server("too_large".into(), "frame too large".into());
    /// assert!(matches!(other, SyncError::Server { code, .. } if code == "too_large"));
    /// ```
    pub fn from_server(code: String, message: String) -> Self {
        match code.as_str() {
            error_code::FORBIDDEN => Self::Forbidden { message },
            error_code::REJECTED => Self::Rejected { reason: message },
            _ => Self::Server { code, message },
        }
    }

    /// The error an `error` frame about mutation `id` stands for: like
    /// [`from_server`](Self::from_server), and `rate_limited` with its hint.
    pub(crate) fn for_mutation(
        id: &str,
        code: String,
        message: String,
        retry_after_ms: Option<u64>,
    ) -> Self {
        if code != error_code::RATE_LIMITED {
            return Self::from_server(code, message);
        }
        Self::RateLimited {
            id: id.to_string(),
            retry_after_ms: retry_after_ms.unwrap_or(crate::outbox::RATE_LIMITED_RETRY_MS),
            message,
        }
    }

    /// Whether this is the server's `unavailable`: its store failed and the
    /// frame had no effect, so sending it again is safe.
    pub(crate) fn is_unavailable(&self) -> bool {
        matches!(self, Self::Server { code, .. } if code == error_code::UNAVAILABLE)
    }
}

fn reason_suffix(reason: &str) -> String {
    if reason.is_empty() {
        String::new()
    } else {
        format!(": {reason}")
    }
}
