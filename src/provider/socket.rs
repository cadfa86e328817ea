//! The driver's socket: leptos-use's WebSocket, or under the `testing`
//! feature the mock transport of an enclosing `MockSyncProvider`. Either way
//! the driver gets the same [`Socket`] functions, and every socket event
//! comes back through `dispatch` as a core [`Event`].

use std::sync::Arc;

use codee::string::FromToStringCodec;
use leptos::prelude::*;
use leptos_sync_core::SyncError;
use leptos_sync_core::machine::Event;
use leptos_use_websocket::{
    ReconnectLimit, UseWebSocketOptions, UseWebSocketReturn, use_websocket_with_options,
};

use super::ConnectionReadyState;
use super::handle::Socket;
use super::url::validate_url;

/// Makes the socket for `url`, reporting its events to `dispatch`; a URL
/// the browser would refuse is an error.
pub(super) fn attach(
    url: &str,
    dispatch: impl Fn(Event) + Clone + Send + Sync + 'static,
) -> Result<(Socket, Signal<ConnectionReadyState>), SyncError> {
    #[cfg(feature = "testing")]
    if let Some(server) = use_context::<crate::testing::MockServer>() {
        return Ok(server.attach(Arc::new(dispatch)));
    }
    let url = validate_url(url)?;
    let (opened, message, error) = (dispatch.clone(), dispatch.clone(), dispatch.clone());
    let UseWebSocketReturn {
        ready_state,
        open,
        close,
        send,
        ..
    } = use_websocket_with_options::<String, String, FromToStringCodec, _, _>(
        &url,
        UseWebSocketOptions::default()
            // The core decides when to connect and retry.
            .immediate(false)
            .reconnect_limit(ReconnectLimit::Limited(0))
            .on_open(move |_| opened(Event::SocketOpened))
            .on_message_raw(move |text: &str| message(Event::Frame(text.to_string())))
            .on_error(move |_| error(Event::SocketError))
            .on_close(move |e: web_sys::CloseEvent| {
                dispatch(Event::SocketClosed {
                    code: e.code(),
                    reason: e.reason(),
                })
            }),
    );
    let socket = Socket {
        open: Arc::new(open),
        close: Arc::new(close),
        send: Arc::new(send),
    };
    Ok((socket, ready_state))
}
