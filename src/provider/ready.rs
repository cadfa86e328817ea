//! The session's ready state: the socket's, except that an open socket counts
//! as Connecting until the session is usable.

use leptos::prelude::*;
use leptos_sync_core::state::ConnectionState;

use super::ConnectionReadyState;

/// Open only once `welcome` has arrived and the subscriptions were sent again
/// (the driver publishes `state` after it carried out every command of that
/// step); before that an open socket is Connecting. Closing and Closed follow
/// the socket.
pub(crate) fn session_ready_state(
    socket: Signal<ConnectionReadyState>,
    state: Signal<ConnectionState>,
) -> Signal<ConnectionReadyState> {
    Signal::derive(move || match socket.get() {
        ConnectionReadyState::Open if state.with(ConnectionState::is_open) => {
            ConnectionReadyState::Open
        }
        ConnectionReadyState::Open => ConnectionReadyState::Connecting,
        other => other,
    })
}
