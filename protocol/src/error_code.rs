//! Codes of [`ServerMsg::Error`](crate::ServerMsg::Error) frames sent by the reference server.
//!
//! ```
//! use leptos_sync_protocol::{ServerMsg, error_code};
//! let frame = r#"{"type":"error","code":"forbidden","message":"viewers only read","id":"m-1","sub":null}"#;
//! let ServerMsg::Error { code, id, .. } = ServerMsg::decode(frame).unwrap() else { panic!() };
//! assert_eq!((code.as_str(), id.as_deref()), (error_code::FORBIDDEN, Some("m-1")));
//! ```

/// The frame was not valid JSON or not an object with a `type`.
pub const BAD_FRAME: &str = "bad_frame";
/// The frame's `type` is unknown.
pub const UNKNOWN_TYPE: &str = "unknown_type";
/// A known frame had missing or mistyped fields.
pub const INVALID_FIELDS: &str = "invalid_fields";
/// A frame other than `hello` came before `welcome`.
pub const HELLO_REQUIRED: &str = "hello_required";
/// The `hello` asked for a protocol version the server does not speak.
pub const UNSUPPORTED_PROTOCOL: &str = "unsupported_protocol";
/// The client's schema hash differs from the server's for this topic.
pub const SCHEMA_MISMATCH: &str = "schema_mismatch";
/// The frame is larger than the server accepts.
pub const TOO_LARGE: &str = "too_large";
/// The `unsubscribe` named a subscription that does not exist.
pub const UNKNOWN_SUBSCRIPTION: &str = "unknown_subscription";
/// A second `hello` came after `welcome`; the connection stays as it was.
pub const UNEXPECTED_HELLO: &str = "unexpected_hello";
/// The server's topic store failed or could not be reached; the frame it
/// answers (named by `sub` or `id`) had no effect and may be sent again.
pub const UNAVAILABLE: &str = "unavailable";
/// The application's authorization denied the `subscribe` (named by `sub`)
/// or the `mutate` (named by `id`); the connection stays.
pub const FORBIDDEN: &str = "forbidden";
/// The application rejected the `mutate` named by `id`; the message says why.
pub const REJECTED: &str = "rejected";
/// The `subscribe` named by `sub` would pass the server's cap on
/// subscriptions per connection; nothing was subscribed and the connection stays.
pub const TOO_MANY_SUBSCRIPTIONS: &str = "too_many_subscriptions";
/// The `mutate` named by `id` came faster than the server's rate per
/// connection allows; nothing was applied. The frame's `retry_after_ms`
/// says when the next one is accepted.
pub const RATE_LIMITED: &str = "rate_limited";
