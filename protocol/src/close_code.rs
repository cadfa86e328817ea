//! WebSocket close codes with a meaning in this protocol.

/// Normal closure; no retry when the user closed the connection.
pub const NORMAL: u16 = 1000;
/// The server is going away (shutdown); retry with backoff.
pub const GOING_AWAY: u16 = 1001;
/// No close frame was received (network failure); retry with backoff.
pub const ABNORMAL: u16 = 1006;
/// Policy violation, used by some servers for bad credentials; no retry until the token changes.
pub const POLICY_VIOLATION: u16 = 1008;
/// The server hit an internal error; retry with backoff.
pub const SERVER_ERROR: u16 = 1011;
/// The server is restarting; retry with backoff. A graceful shutdown's
/// reason is `retry-after=<ms>`, which says when to come back, as for
/// [`OVERLOADED`].
pub const SERVICE_RESTART: u16 = 1012;
/// Try again later; retry with backoff. A server whose topic store is
/// unavailable closes with it, and its reason `retry-after=<ms>` says when
/// to come back, as for [`OVERLOADED`].
pub const TRY_AGAIN_LATER: u16 = 1013;
/// The client broke the protocol.
pub const PROTOCOL_VIOLATION: u16 = 4400;
/// Missing or bad credentials; no retry until the token changes.
pub const UNAUTHORIZED: u16 = 4401;
/// Valid credentials without access; no retry until the token changes.
pub const FORBIDDEN: u16 = 4403;
/// No `hello` came within the server's handshake timeout; retry with backoff.
pub const HANDSHAKE_TIMEOUT: u16 = 4408;
/// The client fell behind: its queue on the server outgrew the server's
/// bound. Reconnect and resume the subscriptions from their last seq (the
/// missed updates come from history); retry with backoff.
pub const SLOW_CONSUMER: u16 = 4413;
/// The server sheds load; the reason is `retry-after=<ms>`.
pub const OVERLOADED: u16 = 4429;

/// Reads the `retry-after=<ms>` of an [`OVERLOADED`], [`SERVICE_RESTART`]
/// or [`TRY_AGAIN_LATER`] close reason.
///
/// ```
/// use leptos_sync_protocol::close_code::retry_after_ms;
/// assert_eq!(retry_after_ms("retry-after=2500"), Some(2500));
/// assert_eq!(retry_after_ms("busy"), None);
/// ```
pub fn retry_after_ms(reason: &str) -> Option<u64> {
    reason
        .split([';', ',', ' '])
        .find_map(|part| part.trim().strip_prefix("retry-after="))
        .and_then(|ms| ms.trim().parse().ok())
}

/// The reason text for an [`OVERLOADED`], [`SERVICE_RESTART`] or [`TRY_AGAIN_LATER`] close.
pub fn retry_after_reason(ms: u64) -> String {
    format!("retry-after={ms}")
}
