//! The driver's socket: leptos-use's WebSocket, or under the `testing`
//! feature the mock transport of an enclosing `MockSyncProvider`. Either way
//! the driver gets the same [`Socket`] functions, and every socket event
//! comes back to it as a core [`Event`].

use std::sync::Arc;

use codee::string::FromToStringCodec;
use leptos::prelude::*;
use leptos_sync_core::machine::Event;
use leptos_use_websocket::{
    ReconnectLimit, UseWebSocketOptions, UseWebSocketReturn, use_websocket_with_options,
};

use super::ConnectionReadyState;
use super::driver::Driver;
use super::handle::Socket;
use super::url::validate_url;

/// Gives `driver` its socket for `url`; a URL the browser would refuse fails
/// the connection with a typed error instead.
pub(super) fn attach(driver: Driver, url: &str) -> Signal<ConnectionReadyState> {
    #[cfg(feature = "testing")]
    if let Some(server) = use_context::<crate::testing::MockServer>() {
        let (socket, ready_state) = server.attach(Arc::new(move |event| driver.dispatch(event)));
        driver.set_socket(socket);
        return ready_state;
    }
    match validate_url(url) {
        Ok(url) => {
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
                    .on_open(move |_| driver.dispatch(Event::SocketOpened))
                    .on_message_raw(move |text: &str| {
                        driver.dispatch(Event::Frame(text.to_string()))
                    })
                    .on_error(move |_| driver.dispatch(Event::SocketError))
                    .on_close(move |e: web_sys::CloseEvent| {
                        driver.dispatch(Event::SocketClosed {
                            code: e.code(),
                            reason: e.reason(),
                        })
                    }),
            );
            driver.set_socket(Socket {
                open: Arc::new(open),
                close: Arc::new(close),
                send: Arc::new(send),
            });
            ready_state
        }
        Err(error) => {
            driver.run(|machine| machine.fail_invalid_url(error));
            Signal::stored(ConnectionReadyState::Closed)
        }
    }
}
