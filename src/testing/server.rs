//! [`MockServer`]: the test's end of the mock transport.

use std::sync::{Arc, Mutex};

use leptos::prelude::Signal;
use leptos_sync_core::Millis;
use leptos_sync_core::machine::Event;
use leptos_sync_protocol::{ClientMsg, ServerMsg};

use super::options::MockServerOptions;
use super::time;
use super::topics::error;
use super::transport::{self, Dispatch, MockMutation, State, deliver, lock};
use crate::provider::ConnectionReadyState;
use crate::provider::handle::Socket;

/// A scripted server for one [`MockSyncProvider`](super::MockSyncProvider):
/// cheap to clone, one handle for the test and one for the provider.
///
/// It speaks the protocol through typed frames: the test reads what the
/// client sent as [`ClientMsg`]s, in order, and makes the server answer,
/// push, refuse or close. It keeps a small model of its topics (a seq and
/// the entries of each), so that a snapshot, an update and an ack carry the
/// seqs a real server would. Unless its [`MockServerOptions`] say otherwise it
/// answers `hello` and `ping` by itself; it answers nothing else until told,
/// so every pending state stays visible for as long as the test likes.
///
/// Scripting methods deliver at once; the page shows the result once its
/// effects ran: `settle().await` before looking at the DOM.
///
/// # Panics
/// A scripting method that the connection's state does not allow (pushing
/// to a topic nobody subscribed, acking an unknown mutation, sending on no
/// open socket) panics, naming what was missing: the test is wrong.
///
/// ## Usage
///
/// ```no_run
/// use leptos_sync::testing::{ClientMsg, MockServer};
///
/// # async fn demo() {
/// let server = MockServer::default();
/// // … mount a <MockSyncProvider server=server.clone()> with the app …
/// server.settle().await;
/// assert!(matches!(server.sent()[0], ClientMsg::Hello { .. }));
/// server.error("maintenance", "read-only for a minute");
/// server.close(1012, "retry-after=5000");
/// server.advance(5_000).await; // the reconnect, without waiting 5 s
/// assert_eq!(server.connects(), 2);
/// # }
/// ```
#[derive(Clone)]
pub struct MockServer {
    pub(super) state: Arc<Mutex<State>>,
}

impl Default for MockServer {
    fn default() -> Self {
        Self::new(MockServerOptions::default())
    }
}

impl std::fmt::Debug for MockServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let s = lock(&self.state);
        f.debug_struct("MockServer")
            .field("connects", &s.sockets)
            .field("open", &s.open)
            .field("sent", &s.sent.len())
            .finish_non_exhaustive()
    }
}

impl MockServer {
    /// A server with `options`, waiting for a provider to attach.
    pub fn new(options: MockServerOptions) -> Self {
        Self {
            state: Arc::new(Mutex::new(State::new(options))),
        }
    }

    pub(crate) fn options(&self) -> MockServerOptions {
        lock(&self.state).options.clone()
    }

    /// The core's random source, if the options set one.
    #[cfg_attr(feature = "ssr", allow(dead_code))]
    pub(crate) fn random(&self) -> Option<fn() -> f64> {
        lock(&self.state).options.random
    }

    /// Called by the driver in place of `use_websocket`.
    #[cfg_attr(feature = "ssr", allow(dead_code))]
    pub(crate) fn attach(&self, dispatch: Dispatch) -> (Socket, Signal<ConnectionReadyState>) {
        transport::attach(&self.state, dispatch)
    }

    // ------------------------------------------------------------ what the client did

    /// Every frame the client sent so far, in order.
    ///
    /// ## Usage
    ///
    /// ```no_run
    /// # use leptos_sync::testing::*;
    /// # async fn demo(server: MockServer) {
    /// let hello = &server.sent()[0];
    /// assert!(matches!(hello, ClientMsg::Hello { token: None, .. }));
    /// # }
    /// ```
    pub fn sent(&self) -> Vec<ClientMsg> {
        lock(&self.state).sent.clone()
    }

    /// The frames sent since the last call (all of them the first time).
    ///
    /// ## Usage
    ///
    /// ```no_run
    /// # use leptos_sync::testing::*;
    /// # async fn demo(server: MockServer) {
    /// server.take_sent(); // what came before
    /// server.advance(30_000).await;
    /// assert!(matches!(server.take_sent()[..], [ClientMsg::Ping { .. }]));
    /// # }
    /// ```
    pub fn take_sent(&self) -> Vec<ClientMsg> {
        let mut s = lock(&self.state);
        let new = s.sent[s.read..].to_vec();
        s.read = s.sent.len();
        new
    }

    /// How many sockets the client opened: the first connect and every retry.
    ///
    /// ## Usage
    ///
    /// ```no_run
    /// # use leptos_sync::testing::*;
    /// # async fn demo(server: MockServer) {
    /// server.close(1006, "");
    /// server.advance(60_000).await;
    /// assert_eq!(server.connects(), 2, "one retry");
    /// # }
    /// ```
    pub fn connects(&self) -> u32 {
        lock(&self.state).sockets
    }

    /// Whether a socket is open now.
    ///
    /// ## Usage
    ///
    /// ```no_run
    /// # use leptos_sync::testing::*;
    /// # async fn demo(server: MockServer) {
    /// server.close(1006, "");
    /// assert!(!server.is_open());
    /// # }
    /// ```
    pub fn is_open(&self) -> bool {
        lock(&self.state).open
    }

    /// The client's mutations that wait for an answer, in the order sent.
    ///
    /// ## Usage
    ///
    /// ```no_run
    /// # use leptos_sync::testing::*;
    /// # async fn demo(server: MockServer) {
    /// let waiting = server.mutations();
    /// assert_eq!((waiting[0].topic.as_str(), waiting[0].key.as_str()), ("Task", "t1"));
    /// # }
    /// ```
    pub fn mutations(&self) -> Vec<MockMutation> {
        lock(&self.state).mutations.clone()
    }

    // ------------------------------------------------------------ scripting

    /// Sends any frame on the open socket.
    ///
    /// ## Usage
    ///
    /// ```no_run
    /// # use leptos_sync::testing::*;
    /// # async fn demo(server: MockServer) {
    /// server.send(ServerMsg::Pong { t: 0 });
    /// # }
    /// ```
    #[track_caller]
    pub fn send(&self, msg: ServerMsg) {
        assert!(
            self.is_open(),
            "MockServer::send({msg:?}): no socket is open"
        );
        deliver(&self.state, Event::Frame(msg.encode()));
    }

    /// Answers `hello` (with [`MockServerOptions::welcome`] off).
    ///
    /// ## Usage
    ///
    /// ```no_run
    /// # use leptos_sync::testing::*;
    /// # async fn demo(server: MockServer) {
    /// // With MockServerOptions::default().welcome(false): the client waits in Handshaking.
    /// server.welcome();
    /// server.settle().await;
    /// # }
    /// ```
    #[track_caller]
    pub fn welcome(&self) {
        let heartbeat_ms = lock(&self.state).options.heartbeat_ms;
        self.send(ServerMsg::Welcome {
            session: "mock".into(),
            heartbeat_ms,
        });
    }

    /// Sends an `error` frame about nothing in particular (code, say, `"internal"`).
    ///
    /// ## Usage
    ///
    /// ```no_run
    /// # use leptos_sync::testing::*;
    /// # async fn demo(server: MockServer) {
    /// server.error("internal", "try again later");
    /// server.settle().await; // the ErrorBanner shows it
    /// # }
    /// ```
    #[track_caller]
    pub fn error(&self, code: &str, message: &str) {
        self.send(error(code, message, None));
    }

    /// Closes the current socket, connecting or open, with `code` and
    /// `reason`: 4401 refuses a `hello`, 1006 is a lost connection, 1012
    /// with `retry-after=<ms>` a server restart, 4429 an overload.
    ///
    /// ## Usage
    ///
    /// ```no_run
    /// # use leptos_sync::testing::*;
    /// # async fn demo(server: MockServer) {
    /// server.close(4401, "token expired"); // not retried until the token changes
    /// server.close(1012, "retry-after=5000"); // a restart: back in 5 s
    /// # }
    /// ```
    #[track_caller]
    pub fn close(&self, code: u16, reason: &str) {
        {
            let mut s = lock(&self.state);
            assert!(s.live, "MockServer::close({code}): no socket to close");
            s.socket_ended();
        }
        transport::set_ready_state(&self.state, ConnectionReadyState::Closed);
        deliver(
            &self.state,
            Event::SocketClosed {
                code,
                reason: reason.into(),
            },
        );
    }

    /// The browser goes offline (`false`) or back online (`true`): fires the
    /// window's `offline` or `online` event, as the browser does, for the
    /// provider and the widgets. Does nothing off the browser.
    ///
    /// ## Usage
    ///
    /// ```no_run
    /// # use leptos_sync::testing::*;
    /// # async fn demo(server: MockServer) {
    /// server.set_online(false);
    /// server.advance(1_000).await; // the ReconnectBanner says "You are offline"
    /// server.set_online(true);
    /// # }
    /// ```
    pub fn set_online(&self, online: bool) {
        #[cfg(target_arch = "wasm32")]
        {
            let name = if online { "online" } else { "offline" };
            if let (Some(window), Ok(event)) = (web_sys::window(), web_sys::Event::new(name)) {
                let _ = window.dispatch_event(&event);
            }
        }
        #[cfg(not(target_arch = "wasm32"))]
        let _ = online;
    }

    /// Accept (`true`) or fail (`false`: error, then close 1006) the
    /// client's next connects, as a server that is up or down.
    ///
    /// ## Usage
    ///
    /// ```no_run
    /// # use leptos_sync::testing::*;
    /// # async fn demo(server: MockServer) {
    /// server.set_accept_sockets(false);
    /// server.close(1006, ""); // every retry fails until accepted again
    /// # }
    /// ```
    pub fn set_accept_sockets(&self, accept: bool) {
        lock(&self.state).options.accept_sockets = accept;
    }

    // ------------------------------------------------------------ time

    /// Lets the page catch up: the mock's pending answers, the provider's
    /// queued data (applied on the next animation frame) and every effect.
    ///
    /// ## Usage
    ///
    /// ```no_run
    /// # use leptos_sync::testing::*;
    /// # async fn demo(server: MockServer) {
    /// server.update("Task", "t1", Some(serde_json::json!({ "title": "Done" })));
    /// server.settle().await; // now the DOM shows it
    /// # }
    /// ```
    pub async fn settle(&self) {
        time::next_frame().await;
        time::yield_to_page().await;
    }

    /// Moves virtual time forward by `ms`, firing every timer that falls due
    /// on the way (the core's retries and heartbeats, the widgets'
    /// countdowns and grace delays), then settles.
    ///
    /// # Panics
    /// Without a mounted [`MockSyncProvider`](super::MockSyncProvider) on virtual time.
    ///
    /// ## Usage
    ///
    /// ```no_run
    /// # use leptos_sync::testing::*;
    /// # async fn demo(server: MockServer) {
    /// server.close(1006, "");
    /// server.advance(1_000).await; // the banner's grace delay is over, in no real time
    /// # }
    /// ```
    pub async fn advance(&self, ms: Millis) {
        time::advance(ms).await;
        self.settle().await;
    }

    /// The virtual clock's reading: the time base of
    /// `ConnectionState::Reconnecting::next_at`. `None` off virtual time.
    ///
    /// ## Usage
    ///
    /// ```no_run
    /// # use leptos_sync::testing::*;
    /// # async fn demo(server: MockServer) {
    /// let before = server.now().unwrap();
    /// server.advance(250).await;
    /// assert_eq!(server.now(), Some(before + 250));
    /// # }
    /// ```
    pub fn now(&self) -> Option<Millis> {
        time::virtual_now()
    }

    /// How many virtual timers wait to fire (the core's deadline, the
    /// widgets' countdowns and delays): 0 on a page with nothing scheduled.
    ///
    /// ## Usage
    ///
    /// ```no_run
    /// # use leptos_sync::testing::*;
    /// # async fn demo(server: MockServer) {
    /// server.advance(60_000).await;
    /// assert!(server.pending_timers() > 0, "the next heartbeat is scheduled");
    /// # }
    /// ```
    pub fn pending_timers(&self) -> usize {
        time::pending_timers()
    }
}
