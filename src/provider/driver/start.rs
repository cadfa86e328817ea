//! Starting a driver: its socket, the token, and the browser's events.

use std::sync::{Arc, Mutex};

use codee::string::FromToStringCodec;
use leptos::prelude::*;
use leptos_use_websocket::{
    ReconnectLimit, UseWebSocketError, UseWebSocketOptions, UseWebSocketReturn,
    use_websocket_with_options,
};

use super::{Data, Driver, Inner};
use crate::provider::handle::{DriverHandle, Outputs, Socket};
use crate::provider::url::validate_url;
use crate::provider::{ConnectionReadyState, SyncOptions, TokenFn};
use leptos_sync_core::machine::{Event, Machine};

pub(crate) fn start(
    url: String,
    options: SyncOptions,
    auto_connect: bool,
    outputs: Outputs,
    data: Data,
) -> DriverHandle {
    let Data {
        stores,
        mutations,
        requests,
        events,
    } = data;
    // A token set at run time wins over the options' token function.
    let token_override: Arc<Mutex<Option<Option<String>>>> = Arc::default();
    let token: TokenFn = {
        let token_override = Arc::clone(&token_override);
        let configured = options.token.clone();
        Arc::new(move || {
            let overridden = token_override
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .clone();
            match (overridden, &configured) {
                (Some(token), _) => Box::pin(std::future::ready(token)),
                (None, Some(configured)) => configured(),
                (None, None) => Box::pin(std::future::ready(None)),
            }
        })
    };
    let inner = Inner {
        machine: Machine::new(
            super::events::machine_options(&options.machine, &events.registry),
            random(),
        ),
        pending_data: Vec::new(),
        flush_scheduled: None,
        timer: None,
        socket: None,
        token,
        on_event: options.observer(),
    };
    let driver = Driver {
        inner: StoredValue::new_local(inner),
        stores,
        mutations,
        requests,
        outputs,
        events: StoredValue::new_local(events),
    };

    // The machine reports options it had to clamp before anything else.
    after_hydration(move || driver.run(|_| ()));

    let ready_state = attach_socket(driver, &url);

    listen_to_browser(driver);

    if auto_connect {
        // After mount, so that children read a consistent first state.
        Effect::new(move || driver.dispatch(Event::UserOpen));
    }

    let set_token = Arc::new(move |token: Option<String>| {
        *token_override.lock().unwrap_or_else(|e| e.into_inner()) = Some(token);
        driver.dispatch(Event::TokenChanged);
    });

    DriverHandle {
        ready_state,
        open: Arc::new(move || driver.dispatch(Event::UserOpen)),
        close: Arc::new(move || driver.dispatch(Event::UserClose)),
        set_token,
        dispatch: Arc::new(move |event| driver.dispatch(event)),
        mutation_id: Arc::new(move || {
            driver
                .inner
                .try_update_value(|inner| inner.machine.mutation_id())
                .unwrap_or_default()
        }),
    }
}

/// The core's random source: the browser's, or a `MockServer`'s (feature `testing`).
#[cfg(feature = "testing")]
fn random() -> fn() -> f64 {
    use_context::<crate::testing::MockServer>()
        .and_then(|s| s.random())
        .unwrap_or(js_sys::Math::random)
}
#[cfg(not(feature = "testing"))]
fn random() -> impl FnMut() -> f64 + 'static {
    js_sys::Math::random
}

/// Connects the driver to its socket: leptos-use's WebSocket, or under the
/// `testing` feature the mock transport of an enclosing `MockSyncProvider`.
fn attach_socket(driver: Driver, url: &str) -> Signal<ConnectionReadyState> {
    #[cfg(feature = "testing")]
    if let Some(server) = use_context::<crate::testing::MockServer>() {
        let (socket, ready_state) = server.attach(Arc::new(move |event| driver.dispatch(event)));
        driver
            .inner
            .update_value(|inner| inner.socket = Some(socket));
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
                    // The protocol is text only: a binary frame is reported
                    // with its length. leptos-use then reports that the codec
                    // could not decode it, which is no socket error.
                    .on_message_raw_bytes(Arc::new(move |bytes: &[u8]| {
                        driver.dispatch(Event::BinaryFrame { bytes: bytes.len() })
                    }))
                    .on_error(move |e| {
                        if matches!(e, UseWebSocketError::Event(_)) {
                            driver.dispatch(Event::SocketError)
                        }
                    })
                    .on_close(move |e: web_sys::CloseEvent| {
                        driver.dispatch(Event::SocketClosed {
                            code: e.code(),
                            reason: e.reason(),
                        })
                    }),
            );
            driver.inner.update_value(|inner| {
                inner.socket = Some(Socket {
                    open: Arc::new(open),
                    close: Arc::new(close),
                    send: Arc::new(send),
                });
            });
            ready_state
        }
        Err(error) => {
            after_hydration(move || driver.run(|machine| machine.fail_invalid_url(error)));
            Signal::stored(ConnectionReadyState::Closed)
        }
    }
}

/// Runs `report` (something the driver learnt at start and the server could
/// not render: a clamped option, a bad URL, being offline) now, or, while the
/// provider is being hydrated, once hydration is done (effects run after it),
/// so that the first frame is exactly the server's HTML.
fn after_hydration(report: impl FnOnce() + 'static) {
    let hydrating =
        Owner::current_shared_context().is_some_and(|context| context.during_hydration());
    if hydrating {
        let mut report = Some(report);
        Effect::new(move || {
            if let Some(report) = report.take() {
                untrack(report);
            }
        });
    } else {
        report();
    }
}

/// `online` / `offline` and tab visibility, removed when the provider unmounts.
fn listen_to_browser(driver: Driver) {
    after_hydration(move || driver.outputs.online.set(window().navigator().on_line()));
    let handles = [
        window_event_listener(leptos::ev::online, move |_| {
            driver.outputs.online.set(true);
            driver.dispatch(Event::Online);
        }),
        window_event_listener(leptos::ev::offline, move |_| {
            driver.outputs.online.set(false);
            driver.dispatch(Event::Offline);
        }),
        // Background tabs throttle timers: on return, check the deadlines at once.
        window_event_listener_untyped("visibilitychange", move |_| {
            if document().visibility_state() == web_sys::VisibilityState::Visible {
                driver.dispatch(Event::Visible);
            }
        }),
    ];
    on_cleanup(move || {
        for handle in handles {
            handle.remove();
        }
        driver.inner.try_update_value(|inner| inner.timer = None);
    });
}
