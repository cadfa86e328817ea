//! [`MockServerOptions`]: what the mock server does without being told.

use default_struct_builder::DefaultBuilder;

use leptos_sync_core::Millis;

/// Options of a [`MockServer`](super::MockServer), in leptos-use builder style.
///
/// By default the mock behaves like a healthy server that answers the
/// handshake and the heartbeat on its own, on virtual time starting at 0;
/// everything else (subscriptions, mutations, errors, closes) waits for the
/// test to script it.
///
/// ## Usage
///
/// ```
/// use leptos_sync::testing::{MockServer, MockServerOptions};
///
/// // A server that lets the test answer `hello` itself (to show a slow or
/// // refused handshake) and suggests a 10 s heartbeat in its `welcome`.
/// let server = MockServer::new(
///     MockServerOptions::default().welcome(false).heartbeat_ms(Some(10_000)),
/// );
/// assert_eq!(server.connects(), 0);
/// ```
#[derive(Debug, Clone, DefaultBuilder)]
pub struct MockServerOptions {
    /// Answer every `hello` with `welcome` at once. With `false`, the test
    /// answers with [`MockServer::welcome`](super::MockServer::welcome) or
    /// refuses with [`MockServer::close`](super::MockServer::close). Default `true`.
    pub(crate) welcome: bool,
    /// The `heartbeat_ms` of `welcome`. Default `None`.
    pub(crate) heartbeat_ms: Option<u64>,
    /// Answer every `ping` with `pong`. Default `true`.
    pub(crate) pong: bool,
    /// Accept new sockets. With `false` every connect fails as if the server
    /// were down (an error, then close 1006); change it later with
    /// [`MockServer::set_accept_sockets`](super::MockServer::set_accept_sockets).
    /// Default `true`.
    pub(crate) accept_sockets: bool,
    /// Run the provider's clock and every timer of the driver and the widgets
    /// on virtual time, moved only by [`MockServer::advance`](super::MockServer::advance).
    /// With `false`, the browser's clock and timers. Default `true`.
    pub(crate) virtual_time: bool,
    /// The virtual clock's reading when the provider mounts, in ms. Default 0.
    pub(crate) start_ms: Millis,
    /// The core's random source, uniform in `[0, 1)`, for backoff jitter and
    /// mutation ids: `Some(|| 0.5)` makes a jittered backoff exact. Default
    /// `None`: the browser's `Math.random`.
    pub(crate) random: Option<fn() -> f64>,
}

impl Default for MockServerOptions {
    fn default() -> Self {
        Self {
            welcome: true,
            heartbeat_ms: None,
            pong: true,
            accept_sockets: true,
            virtual_time: true,
            start_ms: 0,
            random: None,
        }
    }
}
