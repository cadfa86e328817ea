//! Wire types of the leptos-sync protocol, version 1.
//!
//! Every frame is one JSON text frame whose `"type"` field names the message in
//! snake_case. Unknown fields are ignored; an unknown `type` is reported as
//! [`DecodeError::UnknownType`] so that a peer can answer with a typed error and
//! keep the connection. See PROTOCOL.md in the repository for the full rules.
//!
//! ```
//! use leptos_sync_protocol::{ClientMsg, ServerMsg};
//!
//! // A client subscribes; the server answers with the topic's state.
//! let subscribe = ClientMsg::Subscribe { sub: 1, topic: "Task".into(), schema: 7, since: None, epoch: None };
//! assert!(subscribe.encode().starts_with(r#"{"type":"subscribe""#));
//! let pong = ServerMsg::decode(r#"{"type":"pong","t":5}"#);
//! assert_eq!(pong, Ok(ServerMsg::Pong { t: 5 }));
//! ```

use serde::Serialize;
use serde_json::{Map, Value};

pub mod close_code;
mod decode;
pub mod error_code;
pub mod request;
pub mod topic;

pub use request::{ResponseError, SyncRequest};

/// The protocol version this crate speaks, sent in [`ClientMsg::Hello`].
///
/// ```
/// use leptos_sync_protocol::{ClientMsg, PROTOCOL_VERSION};
/// let hello = ClientMsg::Hello { protocol: PROTOCOL_VERSION, token: None };
/// assert_eq!(hello.encode(), r#"{"type":"hello","protocol":1,"token":null}"#);
/// ```
pub const PROTOCOL_VERSION: u32 = 1;

/// A frame sent by the client.
///
/// ```
/// use leptos_sync_protocol::ClientMsg;
/// let frame = r#"{"type":"subscribe","sub":1,"topic":"Todo","schema":7,"since":null}"#;
/// match ClientMsg::decode(frame).unwrap() {
///     ClientMsg::Subscribe { sub, topic, since, .. } => {
///         assert_eq!((sub, topic.as_str(), since), (1, "Todo", None));
///     }
///     other => panic!("not a subscribe: {other:?}"),
/// }
/// ```
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ClientMsg {
    /// Always the first frame of every connection.
    Hello {
        /// Protocol version, [`PROTOCOL_VERSION`].
        protocol: u32,
        /// Credentials, re-evaluated by the client on every connect.
        token: Option<String>,
    },
    /// Start (or resume) a subscription to a topic.
    Subscribe {
        /// Client-chosen subscription id, unique for the client's lifetime.
        sub: u64,
        /// Topic name.
        topic: String,
        /// Schema hash of the client's type for this topic.
        schema: u32,
        /// Last seq the client applied, or `None` for a fresh snapshot.
        since: Option<u64>,
        /// The topic epoch the client's `since` belongs to, from `subscribed`.
        /// A server whose topic has another epoch (it restarted, or the topic was
        /// recreated) must answer with a snapshot instead of replaying.
        #[serde(skip_serializing_if = "Option::is_none")]
        epoch: Option<String>,
    },
    /// End a subscription.
    Unsubscribe {
        /// The id given in `subscribe`.
        sub: u64,
    },
    /// Set (or, with a `null` value, remove) one key of a topic.
    Mutate {
        /// Unique id; a repeated id is acknowledged again but applied once.
        id: String,
        /// Topic name.
        topic: String,
        /// Entry key.
        key: String,
        /// New value, `null` to remove.
        value: Value,
    },
    /// Heartbeat probe; the server answers [`ServerMsg::Pong`] with the same `t`.
    Ping {
        /// Client timestamp in ms, echoed back.
        t: u64,
    },
    /// Calls a method on the server, answered by one [`ServerMsg::Response`]
    /// with the same `id`. A repeated `id` (a replay after a reconnect) is
    /// run at most once: it gets the first run's response.
    ///
    /// ```
    /// use leptos_sync_protocol::ClientMsg;
    /// let request = ClientMsg::Request { id: "r-1".into(), method: "summary".into(), payload: serde_json::json!({"topic": "Task"}) };
    /// assert_eq!(request.encode(), r#"{"type":"request","id":"r-1","method":"summary","payload":{"topic":"Task"}}"#);
    /// ```
    Request {
        /// Client-chosen id, unique for the client's lifetime.
        id: String,
        /// The method's name, as the server registered it.
        method: String,
        /// The method's argument, any JSON.
        payload: Value,
    },
}

/// A frame sent by the server.
///
/// ```
/// use leptos_sync_protocol::ServerMsg;
/// let ack = ServerMsg::Ack { id: "m-1".into(), seq: 42 };
/// assert_eq!(ack.encode(), r#"{"type":"ack","id":"m-1","seq":42}"#);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ServerMsg {
    /// Answer to `hello`: the session is authenticated and ready.
    Welcome {
        /// Server-chosen session id.
        session: String,
        /// Suggested ping interval in ms.
        heartbeat_ms: Option<u64>,
    },
    /// Answer to `subscribe`. With `recovered: true` the missed updates
    /// `since+1..=seq` follow as `update`; otherwise a `snapshot` follows.
    Subscribed {
        /// Subscription id.
        sub: u64,
        /// The topic's current seq.
        seq: u64,
        /// Whether the missed updates are replayed from history.
        recovered: bool,
        /// Identifies this incarnation of the topic's history; changes when the
        /// history restarts (for example after a server restart).
        #[serde(skip_serializing_if = "Option::is_none")]
        epoch: Option<String>,
    },
    /// The full state of a topic at `seq`.
    Snapshot {
        /// Subscription id.
        sub: u64,
        /// Seq the snapshot reflects.
        seq: u64,
        /// Schema hash the server holds for this topic.
        schema: u32,
        /// Every entry, by key.
        entries: Map<String, Value>,
    },
    /// One change to a topic.
    Update {
        /// Subscription id.
        sub: u64,
        /// Seq of this change; exactly one more than the previous one.
        seq: u64,
        /// Entry key.
        key: String,
        /// New value, `null` when removed.
        value: Value,
    },
    /// A mutation was applied (or had been applied before, for a repeated id).
    Ack {
        /// The mutation id.
        id: String,
        /// The seq the mutation produced.
        seq: u64,
    },
    /// Something went wrong; the connection stays open.
    Error {
        /// Machine-readable code, see [`error_code`].
        code: String,
        /// Human-readable text. Clients must render it as text, never as HTML.
        message: String,
        /// The mutation id this error is about, if any.
        id: Option<String>,
        /// The subscription id this error is about, if any.
        sub: Option<u64>,
        /// With `schema_mismatch`: the schema hash the server holds for the topic.
        #[serde(skip_serializing_if = "Option::is_none")]
        schema: Option<u32>,
        /// With `rate_limited`: how long (ms) until the server accepts the
        /// named mutation, behind the refused ones before it.
        #[serde(skip_serializing_if = "Option::is_none")]
        retry_after_ms: Option<u64>,
    },
    /// Answer to `ping`.
    Pong {
        /// The `t` of the ping.
        t: u64,
    },
    /// An application event the server pushes: not topic state, so it has
    /// no seq, is not kept in history and is not replayed after a reconnect.
    ///
    /// ```
    /// use leptos_sync_protocol::ServerMsg;
    /// let event = ServerMsg::Event { topic: None, name: "joined".into(), payload: serde_json::json!({ "who": "ana" }) };
    /// assert_eq!(event.encode(), r#"{"type":"event","topic":null,"name":"joined","payload":{"who":"ana"}}"#);
    /// assert_eq!(ServerMsg::decode(&event.encode()), Ok(event));
    /// ```
    Event {
        /// The topic whose subscribers it was sent to, or `None` when it
        /// was sent to one connection or to a principal's connections.
        topic: Option<String>,
        /// The event's name, which selects its payload type on the client.
        name: String,
        /// Any JSON value, `null` included.
        payload: Value,
    },
    /// Answer to [`ClientMsg::Request`]: exactly one of `result` and `error`.
    /// A missing `result` (or `null`) with no `error` is the result `null`.
    ///
    /// ```
    /// use leptos_sync_protocol::ServerMsg;
    /// let done = ServerMsg::Response { id: "r-1".into(), result: Some(serde_json::json!(3)), error: None };
    /// assert_eq!(done.encode(), r#"{"type":"response","id":"r-1","result":3}"#);
    /// assert_eq!(ServerMsg::decode(&done.encode()), Ok(done));
    /// ```
    Response {
        /// The request's id.
        id: String,
        /// The method's result.
        #[serde(skip_serializing_if = "Option::is_none")]
        result: Option<Value>,
        /// Why the request failed.
        #[serde(skip_serializing_if = "Option::is_none")]
        error: Option<ResponseError>,
    },
}

/// Why a frame could not be decoded.
///
/// ```
/// use leptos_sync_protocol::{ClientMsg, DecodeError};
/// assert!(matches!(ClientMsg::decode("[1]"), Err(DecodeError::Malformed(_))));
/// assert_eq!(ClientMsg::decode(r#"{"type":"shout"}"#), Err(DecodeError::UnknownType("shout".into())));
/// assert!(matches!(
///     ClientMsg::decode(r#"{"type":"ping"}"#),
///     Err(DecodeError::InvalidFields { kind, .. }) if kind == "ping"
/// ));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DecodeError {
    /// The frame is not a JSON object with a string `type`.
    Malformed(String),
    /// The `type` is not one this version knows.
    UnknownType(String),
    /// The `type` is known but a field is missing or has the wrong type.
    InvalidFields {
        /// The frame's `type`.
        kind: String,
        /// What serde said.
        error: String,
    },
}

impl std::fmt::Display for DecodeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Malformed(e) => write!(f, "malformed frame: {e}"),
            Self::UnknownType(t) => write!(f, "unknown message type {t:?}"),
            Self::InvalidFields { kind, error } => write!(f, "invalid {kind:?} frame: {error}"),
        }
    }
}

impl std::error::Error for DecodeError {}

impl ClientMsg {
    /// Decodes one text frame. Unknown fields are ignored.
    ///
    /// ```
    /// use leptos_sync_protocol::ClientMsg;
    /// let ping = ClientMsg::decode(r#"{"type":"ping","t":5,"extra":true}"#).unwrap();
    /// assert_eq!(ping, ClientMsg::Ping { t: 5 });
    /// ```
    pub fn decode(text: &str) -> Result<Self, DecodeError> {
        decode::client(text)
    }

    /// Encodes to one text frame.
    ///
    /// ```
    /// use leptos_sync_protocol::ClientMsg;
    /// let unsubscribe = ClientMsg::Unsubscribe { sub: 3 };
    /// assert_eq!(ClientMsg::decode(&unsubscribe.encode()), Ok(unsubscribe));
    /// ```
    pub fn encode(&self) -> String {
        serde_json::to_string(self).expect("protocol types always serialize")
    }
}

impl ServerMsg {
    /// Decodes one text frame. Unknown fields are ignored.
    ///
    /// ```
    /// use leptos_sync_protocol::ServerMsg;
    /// let pong = ServerMsg::decode(r#"{"type":"pong","t":5}"#).unwrap();
    /// assert_eq!(pong, ServerMsg::Pong { t: 5 });
    /// ```
    pub fn decode(text: &str) -> Result<Self, DecodeError> {
        decode::server(text)
    }

    /// Encodes to one text frame.
    ///
    /// ```
    /// use leptos_sync_protocol::ServerMsg;
    /// let update = ServerMsg::Update { sub: 1, seq: 9, key: "a".into(), value: 1.into() };
    /// assert_eq!(ServerMsg::decode(&update.encode()), Ok(update));
    /// ```
    pub fn encode(&self) -> String {
        serde_json::to_string(self).expect("protocol types always serialize")
    }
}

// The README's examples are compiled (and run) as doctests too.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
mod readme {}
