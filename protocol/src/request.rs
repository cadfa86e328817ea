//! The request/response frames' own vocabulary: a response's error, and the
//! codes the server crate answers with. See PROTOCOL.md, "Requests".

use serde::{Deserialize, Serialize};

/// The `error` of a [`ServerMsg::Response`](crate::ServerMsg::Response): the
/// request failed on the server. `code` is machine-readable (one of
/// [`code`], or the application's own); `message` is for people
/// and must be rendered as text.
///
/// ```
/// use leptos_sync_protocol::{ResponseError, ServerMsg};
/// let frame = r#"{"type":"response","id":"r-1","error":{"code":"unknown_method","message":"no method \"sum\""}}"#;
/// let ServerMsg::Response { error: Some(ResponseError { code, .. }), .. } = ServerMsg::decode(frame).unwrap() else {
///     panic!("not an error response");
/// };
/// assert_eq!(code, "unknown_method");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResponseError {
    /// Machine-readable code.
    pub code: String,
    /// Human-readable text.
    pub message: String,
}

impl ResponseError {
    /// An error with this code and message.
    ///
    /// ```
    /// use leptos_sync_protocol::ResponseError;
    /// let error = ResponseError::new("not_found", "no board \"b7\"");
    /// assert_eq!(error.code, "not_found");
    /// ```
    pub fn new(code: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            code: code.into(),
            message: message.into(),
        }
    }
}

/// The codes of a response's `error` that the server itself (not the
/// application's handler) answers with.
pub mod code {
    /// No handler is registered for the request's `method`.
    ///
    /// ```
    /// assert_eq!(leptos_sync_protocol::request::code::UNKNOWN_METHOD, "unknown_method");
    /// ```
    pub const UNKNOWN_METHOD: &str = "unknown_method";
    /// The `payload` does not decode into the handler's request type.
    ///
    /// ```
    /// assert_eq!(leptos_sync_protocol::request::code::INVALID_PAYLOAD, "invalid_payload");
    /// ```
    pub const INVALID_PAYLOAD: &str = "invalid_payload";
    /// The connection already has as many requests running as the server
    /// allows; this one was not run and may be sent again later.
    ///
    /// ```
    /// assert_eq!(leptos_sync_protocol::request::code::TOO_MANY_REQUESTS, "too_many_requests");
    /// ```
    pub const TOO_MANY_REQUESTS: &str = "too_many_requests";
    /// The handler failed without an error of its own (it panicked); whether
    /// it had an effect is unknown.
    ///
    /// ```
    /// assert_eq!(leptos_sync_protocol::request::code::INTERNAL, "internal");
    /// ```
    pub const INTERNAL: &str = "internal";
}

/// A request type shared by client and server: its method name and its
/// response type, both serialized with serde. The client's
/// `SyncContext::request` sends it, the server crate's
/// `SyncServerBuilder::on_request` registers its handler.
///
/// ```
/// use leptos_sync_protocol::SyncRequest;
/// use serde::{Deserialize, Serialize};
///
/// #[derive(Serialize, Deserialize)]
/// struct Summary { topic: String }
///
/// #[derive(Serialize, Deserialize)]
/// struct Counts { done: u32, open: u32 }
///
/// impl SyncRequest for Summary {
///     const METHOD: &'static str = "summary";
///     type Response = Counts;
/// }
/// assert_eq!(Summary::METHOD, "summary");
/// ```
pub trait SyncRequest: Serialize + serde::de::DeserializeOwned {
    /// The method's name on the wire.
    const METHOD: &'static str;
    /// What the server answers.
    type Response: Serialize + serde::de::DeserializeOwned;
}
