//! Codes of [`ServerMsg::Error`](crate::ServerMsg::Error) frames sent by the reference server.
//!
//! ```
//! use leptos_sync_protocol::{ServerMsg, error_code};
//! let frame = r#"{"type":"error","code":"forbidden","message":"viewers only read","id":"m-1","sub":null}"#;
//! let ServerMsg::Error { code, id, .. } = ServerMsg::decode(frame).unwrap() else { panic!() };
//! assert_eq!((code.as_str(), id.as_deref()), (error_code::FORBIDDEN, Some("m-1")));
//! ```

/// The frame was not valid JSON or not an object with a `type`.
///
/// ```
/// use leptos_sync_protocol::{ServerMsg, error_code::BAD_FRAME};
/// let frame = r#"{"type":"error","code":"bad_frame","message":"","id":null,"sub":null}"#;
/// assert!(matches!(ServerMsg::decode(frame), Ok(ServerMsg::Error { code, .. }) if code == BAD_FRAME));
/// ```
pub const BAD_FRAME: &str = "bad_frame";
/// The frame's `type` is unknown.
///
/// ```
/// use leptos_sync_protocol::{ServerMsg, error_code::UNKNOWN_TYPE};
/// let frame = r#"{"type":"error","code":"unknown_type","message":"","id":null,"sub":null}"#;
/// assert!(matches!(ServerMsg::decode(frame), Ok(ServerMsg::Error { code, .. }) if code == UNKNOWN_TYPE));
/// ```
pub const UNKNOWN_TYPE: &str = "unknown_type";
/// A known frame had missing or mistyped fields.
///
/// ```
/// use leptos_sync_protocol::{ServerMsg, error_code::INVALID_FIELDS};
/// let frame = r#"{"type":"error","code":"invalid_fields","message":"","id":null,"sub":null}"#;
/// assert!(matches!(ServerMsg::decode(frame), Ok(ServerMsg::Error { code, .. }) if code == INVALID_FIELDS));
/// ```
pub const INVALID_FIELDS: &str = "invalid_fields";
/// A frame other than `hello` came before `welcome`.
///
/// ```
/// use leptos_sync_protocol::{ServerMsg, error_code::HELLO_REQUIRED};
/// let frame = r#"{"type":"error","code":"hello_required","message":"","id":null,"sub":null}"#;
/// assert!(matches!(ServerMsg::decode(frame), Ok(ServerMsg::Error { code, .. }) if code == HELLO_REQUIRED));
/// ```
pub const HELLO_REQUIRED: &str = "hello_required";
/// The `hello` asked for a protocol version the server does not speak.
///
/// ```
/// use leptos_sync_protocol::{ServerMsg, error_code::UNSUPPORTED_PROTOCOL};
/// let frame = r#"{"type":"error","code":"unsupported_protocol","message":"","id":null,"sub":null}"#;
/// assert!(matches!(ServerMsg::decode(frame), Ok(ServerMsg::Error { code, .. }) if code == UNSUPPORTED_PROTOCOL));
/// ```
pub const UNSUPPORTED_PROTOCOL: &str = "unsupported_protocol";
/// The client's schema hash differs from the server's for this topic.
///
/// ```
/// use leptos_sync_protocol::{ServerMsg, error_code::SCHEMA_MISMATCH};
/// let frame = r#"{"type":"error","code":"schema_mismatch","message":"","id":null,"sub":null}"#;
/// assert!(matches!(ServerMsg::decode(frame), Ok(ServerMsg::Error { code, .. }) if code == SCHEMA_MISMATCH));
/// ```
pub const SCHEMA_MISMATCH: &str = "schema_mismatch";
/// The frame is larger than the server accepts.
///
/// ```
/// use leptos_sync_protocol::{ServerMsg, error_code::TOO_LARGE};
/// let frame = r#"{"type":"error","code":"too_large","message":"","id":null,"sub":null}"#;
/// assert!(matches!(ServerMsg::decode(frame), Ok(ServerMsg::Error { code, .. }) if code == TOO_LARGE));
/// ```
pub const TOO_LARGE: &str = "too_large";
/// The `unsubscribe` named a subscription that does not exist.
///
/// ```
/// use leptos_sync_protocol::{ServerMsg, error_code::UNKNOWN_SUBSCRIPTION};
/// let frame = r#"{"type":"error","code":"unknown_subscription","message":"","id":null,"sub":null}"#;
/// assert!(matches!(ServerMsg::decode(frame), Ok(ServerMsg::Error { code, .. }) if code == UNKNOWN_SUBSCRIPTION));
/// ```
pub const UNKNOWN_SUBSCRIPTION: &str = "unknown_subscription";
/// A second `hello` came after `welcome`; the connection stays as it was.
///
/// ```
/// use leptos_sync_protocol::{ServerMsg, error_code::UNEXPECTED_HELLO};
/// let frame = r#"{"type":"error","code":"unexpected_hello","message":"","id":null,"sub":null}"#;
/// assert!(matches!(ServerMsg::decode(frame), Ok(ServerMsg::Error { code, .. }) if code == UNEXPECTED_HELLO));
/// ```
pub const UNEXPECTED_HELLO: &str = "unexpected_hello";
/// The server's topic store failed or could not be reached; the frame it
/// answers (named by `sub` or `id`) had no effect and may be sent again.
///
/// ```
/// use leptos_sync_protocol::{ServerMsg, error_code::UNAVAILABLE};
/// let frame = r#"{"type":"error","code":"unavailable","message":"","id":null,"sub":null}"#;
/// assert!(matches!(ServerMsg::decode(frame), Ok(ServerMsg::Error { code, .. }) if code == UNAVAILABLE));
/// ```
pub const UNAVAILABLE: &str = "unavailable";
/// The application's authorization denied the `subscribe` (named by `sub`)
/// or the `mutate` (named by `id`); the connection stays.
///
/// ```
/// use leptos_sync_protocol::{ServerMsg, error_code::FORBIDDEN};
/// let frame = r#"{"type":"error","code":"forbidden","message":"","id":null,"sub":null}"#;
/// assert!(matches!(ServerMsg::decode(frame), Ok(ServerMsg::Error { code, .. }) if code == FORBIDDEN));
/// ```
pub const FORBIDDEN: &str = "forbidden";
/// The application rejected the `mutate` named by `id`; the message says why.
///
/// ```
/// use leptos_sync_protocol::{ServerMsg, error_code::REJECTED};
/// let frame = r#"{"type":"error","code":"rejected","message":"","id":null,"sub":null}"#;
/// assert!(matches!(ServerMsg::decode(frame), Ok(ServerMsg::Error { code, .. }) if code == REJECTED));
/// ```
pub const REJECTED: &str = "rejected";
/// The `subscribe` named by `sub` would pass the server's cap on
/// subscriptions per connection; nothing was subscribed and the connection stays.
///
/// ```
/// use leptos_sync_protocol::{ServerMsg, error_code::TOO_MANY_SUBSCRIPTIONS};
/// let frame = r#"{"type":"error","code":"too_many_subscriptions","message":"","id":null,"sub":null}"#;
/// assert!(matches!(ServerMsg::decode(frame), Ok(ServerMsg::Error { code, .. }) if code == TOO_MANY_SUBSCRIPTIONS));
/// ```
pub const TOO_MANY_SUBSCRIPTIONS: &str = "too_many_subscriptions";
/// The `mutate` named by `id` came faster than the server's rate per
/// connection allows; nothing was applied. The frame's `retry_after_ms`
/// says when the next one is accepted.
///
/// ```
/// use leptos_sync_protocol::{ServerMsg, error_code::RATE_LIMITED};
/// let frame = r#"{"type":"error","code":"rate_limited","message":"","id":null,"sub":null}"#;
/// assert!(matches!(ServerMsg::decode(frame), Ok(ServerMsg::Error { code, .. }) if code == RATE_LIMITED));
/// ```
pub const RATE_LIMITED: &str = "rate_limited";
