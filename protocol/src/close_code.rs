//! WebSocket close codes with a meaning in this protocol.
//!
//! ```
//! use leptos_sync_protocol::close_code::{self, retry_after_ms};
//! // Whether a client should reconnect after a close, and when.
//! fn retry_in(code: u16, reason: &str) -> Option<u64> {
//!     match code {
//!         close_code::NORMAL | close_code::UNAUTHORIZED | close_code::FORBIDDEN => None,
//!         _ => Some(retry_after_ms(reason).unwrap_or(1_000)),
//!     }
//! }
//! assert_eq!(retry_in(close_code::OVERLOADED, "retry-after=2500"), Some(2500));
//! assert_eq!(retry_in(close_code::UNAUTHORIZED, "unauthorized"), None);
//! ```

/// Normal closure: the session is over; a client does not reconnect until
/// its user calls `open()`.
///
/// ```
/// use leptos_sync_protocol::close_code::NORMAL;
/// assert_eq!(NORMAL, 1000);
/// ```
pub const NORMAL: u16 = 1000;
/// The server is going away (shutdown); retry with backoff.
///
/// ```
/// use leptos_sync_protocol::close_code::GOING_AWAY;
/// assert_eq!(GOING_AWAY, 1001);
/// ```
pub const GOING_AWAY: u16 = 1001;
/// No close frame was received (network failure); retry with backoff.
///
/// ```
/// use leptos_sync_protocol::close_code::ABNORMAL;
/// assert_eq!(ABNORMAL, 1006);
/// ```
pub const ABNORMAL: u16 = 1006;
/// Policy violation, used by some servers for bad credentials; no retry until the token changes.
///
/// ```
/// use leptos_sync_protocol::close_code::POLICY_VIOLATION;
/// assert_eq!(POLICY_VIOLATION, 1008);
/// ```
pub const POLICY_VIOLATION: u16 = 1008;
/// The server hit an internal error; retry with backoff.
///
/// ```
/// use leptos_sync_protocol::close_code::SERVER_ERROR;
/// assert_eq!(SERVER_ERROR, 1011);
/// ```
pub const SERVER_ERROR: u16 = 1011;
/// The server is restarting; retry with backoff. A graceful shutdown's
/// reason is `retry-after=<ms>`, which says when to come back, as for
/// [`OVERLOADED`].
///
/// ```
/// use leptos_sync_protocol::close_code::SERVICE_RESTART;
/// assert_eq!(SERVICE_RESTART, 1012);
/// ```
pub const SERVICE_RESTART: u16 = 1012;
/// Try again later; retry with backoff. A server whose topic store is
/// unavailable closes with it, and its reason `retry-after=<ms>` says when
/// to come back, as for [`OVERLOADED`]; a server whose admission backlog is
/// full closes with it and no `retry-after`.
///
/// ```
/// use leptos_sync_protocol::close_code::TRY_AGAIN_LATER;
/// assert_eq!(TRY_AGAIN_LATER, 1013);
/// ```
pub const TRY_AGAIN_LATER: u16 = 1013;
/// The client broke the protocol.
///
/// ```
/// use leptos_sync_protocol::close_code::PROTOCOL_VIOLATION;
/// assert_eq!(PROTOCOL_VIOLATION, 4400);
/// ```
pub const PROTOCOL_VIOLATION: u16 = 4400;
/// Missing or bad credentials; no retry until the token changes.
///
/// ```
/// use leptos_sync_protocol::close_code::UNAUTHORIZED;
/// assert_eq!(UNAUTHORIZED, 4401);
/// ```
pub const UNAUTHORIZED: u16 = 4401;
/// Valid credentials without access; no retry until the token changes.
///
/// ```
/// use leptos_sync_protocol::close_code::FORBIDDEN;
/// assert_eq!(FORBIDDEN, 4403);
/// ```
pub const FORBIDDEN: u16 = 4403;
/// No `hello` came within the server's handshake timeout; retry with backoff.
///
/// ```
/// use leptos_sync_protocol::close_code::HANDSHAKE_TIMEOUT;
/// assert_eq!(HANDSHAKE_TIMEOUT, 4408);
/// ```
pub const HANDSHAKE_TIMEOUT: u16 = 4408;
/// The client fell behind: its queue on the server outgrew the server's
/// bound. Reconnect and resume the subscriptions from their last seq (the
/// missed updates come from history); retry with backoff.
///
/// ```
/// use leptos_sync_protocol::close_code::SLOW_CONSUMER;
/// assert_eq!(SLOW_CONSUMER, 4413);
/// ```
pub const SLOW_CONSUMER: u16 = 4413;
/// The server sheds load; the reason is `retry-after=<ms>`, and
/// `retry-after=<ms>; exact` when it is an admission slot reserved for this
/// client ([`retry_after`]).
///
/// ```
/// use leptos_sync_protocol::close_code::OVERLOADED;
/// assert_eq!(OVERLOADED, 4429);
/// ```
pub const OVERLOADED: u16 = 4429;
/// The first code of the "do not reconnect" range (4500–4599): the server
/// ended the session on purpose (the account is gone, the app was retired…),
/// and a client waits for its user's `open()`, as after [`NORMAL`].
///
/// ```
/// use leptos_sync_protocol::close_code::GOODBYE_MIN;
/// assert_eq!(GOODBYE_MIN, 4500);
/// ```
pub const GOODBYE_MIN: u16 = 4500;
/// The last code of the "do not reconnect" range; see [`GOODBYE_MIN`].
///
/// ```
/// use leptos_sync_protocol::close_code::{GOODBYE_MAX, GOODBYE_MIN};
/// assert!((GOODBYE_MIN..=GOODBYE_MAX).contains(&4503));
/// ```
pub const GOODBYE_MAX: u16 = 4599;

/// The token that marks a `retry-after` as an exact admission slot: the
/// server reserved that instant for this client alone, so the client should
/// come back then, with at most a small jitter, not spread it.
///
/// ```
/// use leptos_sync_protocol::close_code::{EXACT, slot_reason};
/// assert!(slot_reason(500).ends_with(EXACT));
/// ```
pub const EXACT: &str = "exact";

/// When a close's reason says to come back: after `ms`, and whether that is an
/// exact slot ([`EXACT`]) or a plain hint to spread.
///
/// ```
/// use leptos_sync_protocol::close_code::{RetryAfter, retry_after};
/// let slot = retry_after("retry-after=250; exact").unwrap();
/// assert_eq!(slot, RetryAfter { ms: 250, exact: true });
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryAfter {
    /// The wait in ms.
    pub ms: u64,
    /// The reason carries [`EXACT`]: the server reserved this instant for the client.
    pub exact: bool,
}

/// Reads the `retry-after=<ms>` of an [`OVERLOADED`], [`SERVICE_RESTART`]
/// or [`TRY_AGAIN_LATER`] close reason.
///
/// ```
/// use leptos_sync_protocol::close_code::retry_after_ms;
/// assert_eq!(retry_after_ms("retry-after=2500"), Some(2500));
/// // An exact slot reads the same for a client that knows only `retry-after`.
/// assert_eq!(retry_after_ms("retry-after=2500; exact"), Some(2500));
/// assert_eq!(retry_after_ms("busy"), None);
/// ```
pub fn retry_after_ms(reason: &str) -> Option<u64> {
    parts(reason)
        .find_map(|part| part.strip_prefix("retry-after="))
        .and_then(|ms| ms.trim().parse().ok())
}

/// Reads the `retry-after=<ms>` of a close reason and whether it is an
/// exact slot: the reason also holds the token [`EXACT`], separated by `;`,
/// `,` or a space.
///
/// ```
/// use leptos_sync_protocol::close_code::{RetryAfter, retry_after};
/// assert_eq!(retry_after("retry-after=2500"), Some(RetryAfter { ms: 2500, exact: false }));
/// assert_eq!(retry_after("retry-after=40; exact"), Some(RetryAfter { ms: 40, exact: true }));
/// assert_eq!(retry_after("exact"), None);
/// ```
pub fn retry_after(reason: &str) -> Option<RetryAfter> {
    let ms = retry_after_ms(reason)?;
    let exact = parts(reason).any(|part| part.eq_ignore_ascii_case(EXACT));
    Some(RetryAfter { ms, exact })
}

fn parts(reason: &str) -> impl Iterator<Item = &str> {
    reason.split([';', ',', ' ']).map(str::trim)
}

/// The reason text for an [`OVERLOADED`], [`SERVICE_RESTART`] or [`TRY_AGAIN_LATER`] close.
///
/// ```
/// use leptos_sync_protocol::close_code::{retry_after_ms, retry_after_reason};
/// assert_eq!(retry_after_reason(3000), "retry-after=3000");
/// assert_eq!(retry_after_ms(&retry_after_reason(3000)), Some(3000));
/// ```
pub fn retry_after_reason(ms: u64) -> String {
    format!("retry-after={ms}")
}

/// The reason text for a close that gives the client an exact admission
/// slot `ms` from now: `retry-after=<ms>; exact`.
///
/// ```
/// use leptos_sync_protocol::close_code::{retry_after, slot_reason};
/// assert_eq!(slot_reason(750), "retry-after=750; exact");
/// assert!(retry_after(&slot_reason(750)).is_some_and(|r| r.exact && r.ms == 750));
/// ```
pub fn slot_reason(ms: u64) -> String {
    format!("retry-after={ms}; {EXACT}")
}
