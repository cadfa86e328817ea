//! Browser glue: turns socket callbacks, the timer and browser events into core
//! events, and executes the core's commands. All decisions live in the core.
//!
//! Time goes the quinn-proto way: after every call into the core, one browser
//! timer is kept on `poll_timeout`; when it fires, `handle_timeout(now_ms())`.
//! If it fired early, nothing is due and it is re-armed: no timer can stall.

use std::sync::{Arc, Mutex};

use codee::string::FromToStringCodec;
use leptos::prelude::*;
use leptos_use_websocket::{
    ReconnectLimit, UseWebSocketOptions, UseWebSocketReturn, use_websocket_with_options,
};

use super::clock::{Timeout, now_ms};
use super::handle::{DriverHandle, Outputs, Socket};
use super::url::validate_url;
use crate::data::mutations::Mutations;
use crate::data::store::Stores;
use crate::provider::ConnectionReadyState;
use crate::provider::{LifecycleFn, SyncOptions, TokenFn};
use leptos_sync_core::machine::{Command, Event, Machine};
use leptos_sync_core::state::Lifecycle;
use leptos_sync_core::subscriptions::DataEvent;
use leptos_sync_core::{Millis, SyncError};

/// Longest wait before queued data is applied when no animation frame comes;
/// on the browser's clock even under the test kit's virtual time (rendering).
const FLUSH_FALLBACK_MS: u32 = 100;

struct Inner {
    machine: Machine,
    pending_data: Vec<DataEvent>,
    flush_scheduled: Option<(
        Option<AnimationFrameRequestHandle>,
        gloo_timers::callback::Timeout,
    )>,
    /// The one browser timer, armed for the core's `poll_timeout` deadline;
    /// dropping it cancels it.
    timer: Option<(Millis, Timeout)>,
    socket: Option<Socket>,
    token: TokenFn,
    on_event: Option<LifecycleFn>,
}

#[derive(Clone, Copy)]
struct Driver {
    inner: StoredValue<Inner, LocalStorage>,
    stores: StoredValue<Stores, LocalStorage>,
    mutations: StoredValue<Mutations, LocalStorage>,
    outputs: Outputs,
}

impl Driver {
    /// Feeds one event to the core and carries out what it asks.
    fn dispatch(self, event: Event) {
        self.run(|machine| machine.handle(event, now_ms()));
    }

    /// Lets `step` drive the core, then carries out what it asked. Only `step`
    /// is generic, so the rest exists once in the wasm, not once per caller.
    fn run(self, step: impl FnOnce(&mut Machine)) {
        if let Some(()) = self.inner.try_update_value(|i| step(&mut i.machine)) {
            self.carry_out(); // else the provider is gone
        }
    }

    /// Carries out the core's commands and re-arms the timer.
    fn carry_out(self) {
        let poll = |i: &mut Inner| std::iter::from_fn(|| i.machine.poll()).collect::<Vec<_>>();
        // The lock is released here: a command may dispatch again (the token answer does).
        for command in self.inner.try_update_value(poll).unwrap_or_default() {
            self.execute(command);
        }
        // After the commands: one of them may have called into the core again.
        self.arm_timer();
        self.publish();
    }

    /// Keeps the one browser timer on the core's earliest deadline.
    fn arm_timer(self) {
        let Some(Some(at)) = self.inner.try_update_value(|inner| {
            let at = inner.machine.poll_timeout();
            if inner.timer.as_ref().map(|(armed, _)| *armed) == at {
                return None;
            }
            inner.timer = None; // cancels the one armed for another deadline
            at
        }) else {
            return;
        };
        // Browsers fire a timeout above i32::MAX ms at once: clamp (it re-arms).
        let delay = at.saturating_sub(now_ms()).min(i32::MAX as u64) as u32;
        let timeout = Timeout::new(delay, move || self.on_timer());
        self.inner
            .try_update_value(|inner| inner.timer = Some((at, timeout)));
    }

    fn on_timer(self) {
        // This timer is spent: whatever the core says next gets a new one.
        self.inner.try_update_value(|inner| inner.timer = None);
        self.run(|machine| machine.handle_timeout(now_ms()));
    }

    fn execute(self, command: Command) {
        match command {
            // leptos-use's `open()` closes the previous socket and drops its
            // handlers (its close event never comes back); the core asks for
            // one only once the last one's close event came or its wait ran out.
            Command::Connect => {
                if let Some(socket) = self.socket() {
                    (socket.open)();
                }
            }
            // `close()` keeps the socket's handlers: its close event comes back
            // as `SocketClosed`, and until then the socket still counts.
            Command::CloseSocket { .. } => {
                if let Some(socket) = self.socket() {
                    (socket.close)();
                }
            }
            Command::Send(msg) => {
                if let Some(socket) = self.socket() {
                    (socket.send)(&msg.encode());
                }
            }
            Command::FetchToken => {
                let token = self.inner.with_value(|inner| (inner.token)());
                leptos::task::spawn_local(async move {
                    self.dispatch(Event::Token(token.await));
                });
            }
            Command::Error(error) => {
                log::warn!("leptos-sync: {error}");
                if let SyncError::RateLimited { id, .. } = &error {
                    let shown = error.clone();
                    self.mutations.update_value(|m| m.set_error(id, shown));
                }
                self.outputs.last_error.set(Some(error.clone()));
                self.observe(Lifecycle::Error(error));
            }
            Command::Lifecycle(event) => {
                log::info!("leptos-sync: {event:?}");
                self.observe(event);
            }
            Command::Data(DataEvent::Ended { topic }) => {
                // At once, so a component mounting right after gets a fresh store.
                self.flush_data();
                self.stores.update_value(|stores| stores.end(&topic));
            }
            Command::Data(event) => {
                // A status change (Live after a replay, Stale, Error) is rare and
                // worth showing at once; bursts of updates wait for the next frame.
                let urgent = matches!(event, DataEvent::State { .. });
                let schedule = self.inner.try_update_value(|inner| {
                    inner.pending_data.push(event);
                    inner.flush_scheduled.is_none()
                });
                if urgent {
                    self.flush_data();
                } else if schedule == Some(true) {
                    self.schedule_flush();
                }
            }
            Command::Mutation { id, status } => {
                self.mutations.update_value(|m| m.set_status(&id, status));
            }
        }
    }

    /// Coalesces a burst of data into one signal update per topic per
    /// animation frame; the timeout keeps data flowing in background tabs,
    /// where animation frames stop.
    fn schedule_flush(self) {
        let frame = request_animation_frame_with_handle(move || self.flush_data()).ok();
        let fallback =
            gloo_timers::callback::Timeout::new(FLUSH_FALLBACK_MS, move || self.flush_data());
        self.inner
            .update_value(|inner| inner.flush_scheduled = Some((frame, fallback)));
    }

    fn flush_data(self) {
        let Some((events, scheduled)) = self.inner.try_update_value(|inner| {
            (
                std::mem::take(&mut inner.pending_data),
                inner.flush_scheduled.take(),
            )
        }) else {
            return;
        };
        // Whichever fired first cancels the other (dropping the timeout clears it).
        if let Some((Some(frame), _fallback)) = scheduled {
            frame.cancel();
        }
        if events.is_empty() {
            return;
        }
        let mut errors = Vec::new();
        self.stores
            .with_value(|stores| stores.apply_all(events, &mut errors));
        for error in errors {
            self.execute(Command::Error(error));
        }
    }

    fn observe(self, event: Lifecycle) {
        if let Some(on_event) = self.inner.with_value(|inner| inner.on_event.clone()) {
            on_event(&event);
        }
    }

    fn socket(self) -> Option<Socket> {
        self.inner.with_value(|inner| inner.socket.clone())
    }

    /// Copies the core's state and metrics into signals, only when they changed.
    fn publish(self) {
        let Some((state, metrics)) = self.inner.try_with_value(|inner| {
            (
                inner.machine.state().clone(),
                inner.machine.metrics().clone(),
            )
        }) else {
            return;
        };
        if self.outputs.state.with_untracked(|s| *s != state) {
            self.outputs.state.set(state);
        }
        if self.outputs.metrics.with_untracked(|m| *m != metrics) {
            self.outputs.metrics.set(metrics);
        }
    }
}

pub(crate) fn start(
    url: String,
    options: SyncOptions,
    auto_connect: bool,
    outputs: Outputs,
    stores: StoredValue<Stores, LocalStorage>,
    mutations: StoredValue<Mutations, LocalStorage>,
) -> DriverHandle {
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
        machine: Machine::new(options.machine.clone(), random()),
        pending_data: Vec::new(),
        flush_scheduled: None,
        timer: None,
        socket: None,
        token,
        on_event: options.on_event.clone(),
    };
    let driver = Driver {
        inner: StoredValue::new_local(inner),
        stores,
        mutations,
        outputs,
    };

    // The machine reports options it had to clamp before anything else.
    driver.run(|_| ());

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
                    .on_error(move |_| driver.dispatch(Event::SocketError))
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
            driver.run(|machine| machine.fail_invalid_url(error));
            Signal::stored(ConnectionReadyState::Closed)
        }
    }
}

/// `online` / `offline` and tab visibility, removed when the provider unmounts.
fn listen_to_browser(driver: Driver) {
    let online = window().navigator().on_line();
    driver.outputs.online.set(online);
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
