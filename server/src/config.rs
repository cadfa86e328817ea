//! In-process configuration.

use std::net::{IpAddr, Ipv4Addr};

/// How a server runs. Start from [`Config::default`] and set what differs.
///
/// ```
/// use leptos_sync_server::{Config, SyncServer};
/// let config = Config { port: 8080, max_connections: 1_000, ..Config::default() };
/// assert_eq!(config.history, Config::HISTORY);
/// let sync = SyncServer::builder().config(config).build();
/// # let _ = sync;
/// ```
#[derive(Debug, Clone)]
pub struct Config {
    /// Port to listen on; 0 (the default) picks a free one.
    pub port: u16,
    /// Address to listen on; loopback by default.
    pub addr: IpAddr,
    /// Enable the fault-injection endpoints under `/control` (loopback peers only).
    #[cfg(feature = "control")]
    pub control: bool,
    /// Token every `hello` must carry; `None` or empty accepts any token.
    pub token: Option<String>,
    /// Updates kept per topic for resuming subscriptions.
    pub history: usize,
    /// Ping interval suggested to clients in `welcome`, in ms.
    pub heartbeat_ms: u64,
    /// Largest text frame answered normally, in bytes; larger ones get
    /// `too_large` (and the connection stays).
    pub max_frame: usize,
    /// Frames a connection's send queue holds before it is closed as a slow
    /// consumer (close 4413; the client resumes from history).
    pub send_queue_frames: usize,
    /// Bytes a connection's send queue holds before it is closed as a slow
    /// consumer; a larger frame is let in when the queue holds none.
    pub send_queue_bytes: usize,
    /// How long a connection may go without `hello` before it is closed
    /// with 4408, in ms.
    pub handshake_timeout_ms: u64,
    /// Subscriptions one connection may hold; one more gets `too_many_subscriptions`.
    pub max_subscriptions: usize,
    /// Connections the server holds at once; one more is closed with 4429
    /// before its `hello` is read.
    pub max_connections: usize,
    /// Mutations one connection may send a second (with a burst of one
    /// second's worth); one more gets `rate_limited`.
    pub mutations_per_sec: u32,
    /// Frames read from one connection a second (0: no limit), with a burst
    /// of one second's worth; past it the connection is read later, not
    /// refused, so TCP slows a flooding client down and the server's time
    /// goes to the others.
    pub read_frames_per_sec: u32,
    /// Bytes read from one connection a second (0: no limit), as
    /// [`read_frames_per_sec`](Self::read_frames_per_sec).
    pub read_bytes_per_sec: usize,
    /// The window over which a shutdown spreads the `retry-after` of its
    /// 1012 closes, in ms.
    pub shutdown_spread_ms: u64,
    /// New sessions admitted a second (0: no limit). A connection beyond it
    /// is closed with 4429 and an exact slot of its own, before its `hello`
    /// is read.
    pub admission_per_sec: u32,
    /// How far ahead admission slots are handed out, in ms; a connection
    /// that would need a later one is closed with 1013 and no slot.
    pub admission_backlog_ms: u64,
}

impl Config {
    /// Updates kept per topic by default.
    ///
    /// ```
    /// # use leptos_sync_server::Config;
    /// assert_eq!(Config::default().history, Config::HISTORY);
    /// ```
    pub const HISTORY: usize = 1000;
    /// Suggested ping interval by default, in ms.
    ///
    /// ```
    /// # use leptos_sync_server::Config;
    /// assert_eq!(Config::default().heartbeat_ms, Config::HEARTBEAT_MS);
    /// ```
    pub const HEARTBEAT_MS: u64 = 30_000;
    /// Largest text frame by default, in bytes.
    ///
    /// ```
    /// # use leptos_sync_server::Config;
    /// assert_eq!(Config::MAX_FRAME, 1024 * 1024); // 1 MiB
    /// ```
    pub const MAX_FRAME: usize = 1 << 20;
    /// Frames a connection's send queue holds by default.
    ///
    /// ```
    /// # use leptos_sync_server::Config;
    /// assert_eq!(Config::default().send_queue_frames, Config::SEND_QUEUE_FRAMES);
    /// ```
    pub const SEND_QUEUE_FRAMES: usize = 4096;
    /// Bytes a connection's send queue holds by default.
    ///
    /// ```
    /// # use leptos_sync_server::Config;
    /// assert_eq!(Config::SEND_QUEUE_BYTES, 4 * 1024 * 1024); // 4 MiB
    /// ```
    pub const SEND_QUEUE_BYTES: usize = 4 << 20;
    /// Time allowed for `hello` by default, in ms.
    ///
    /// ```
    /// # use leptos_sync_server::Config;
    /// assert_eq!(Config::default().handshake_timeout_ms, Config::HANDSHAKE_TIMEOUT_MS);
    /// ```
    pub const HANDSHAKE_TIMEOUT_MS: u64 = 10_000;
    /// Subscriptions per connection by default.
    ///
    /// ```
    /// # use leptos_sync_server::Config;
    /// assert_eq!(Config::default().max_subscriptions, Config::MAX_SUBSCRIPTIONS);
    /// ```
    pub const MAX_SUBSCRIPTIONS: usize = 256;
    /// Connections at once by default.
    ///
    /// ```
    /// # use leptos_sync_server::Config;
    /// assert_eq!(Config::default().max_connections, Config::MAX_CONNECTIONS);
    /// ```
    pub const MAX_CONNECTIONS: usize = 16_384;
    /// Mutations per second per connection by default. Its burst (one
    /// second's worth) is twice the reference client's outbox (100), which a
    /// reconnecting client flushes at once.
    ///
    /// ```
    /// # use leptos_sync_server::Config;
    /// assert_eq!(Config::default().mutations_per_sec, Config::MUTATIONS_PER_SEC);
    /// ```
    pub const MUTATIONS_PER_SEC: u32 = 200;
    /// Frames read from one connection a second by default: five times its
    /// mutation rate, with room for pings and a resubscribe to 256 topics.
    ///
    /// ```
    /// # use leptos_sync_server::Config;
    /// assert_eq!(Config::default().read_frames_per_sec, Config::READ_FRAMES_PER_SEC);
    /// ```
    pub const READ_FRAMES_PER_SEC: u32 = 1_000;
    /// Bytes read from one connection a second by default: eight frames of
    /// the largest size.
    ///
    /// ```
    /// # use leptos_sync_server::Config;
    /// assert_eq!(Config::READ_BYTES_PER_SEC, 8 * Config::MAX_FRAME);
    /// ```
    pub const READ_BYTES_PER_SEC: usize = 8 << 20;
    /// The `retry-after` of a close 4429 for a connection over
    /// [`max_connections`](Self::max_connections), in ms.
    ///
    /// ```
    /// use leptos_sync_protocol::close_code::retry_after_reason;
    /// # use leptos_sync_server::Config;
    /// assert_eq!(retry_after_reason(Config::CONNECTIONS_RETRY_AFTER_MS), "retry-after=5000");
    /// ```
    pub const CONNECTIONS_RETRY_AFTER_MS: u64 = 5_000;
    /// The `retry-after` of a close 1013 while the engine is not ready
    /// ([`Readiness`](crate::Readiness)), in ms.
    ///
    /// ```
    /// use leptos_sync_protocol::close_code::retry_after_reason;
    /// # use leptos_sync_server::Config;
    /// assert_eq!(retry_after_reason(Config::UNAVAILABLE_RETRY_AFTER_MS), "retry-after=2000");
    /// ```
    pub const UNAVAILABLE_RETRY_AFTER_MS: u64 = 2_000;
    /// The shutdown's `retry-after` window by default, in ms.
    ///
    /// ```
    /// # use leptos_sync_server::Config;
    /// assert_eq!(Config::default().shutdown_spread_ms, Config::SHUTDOWN_SPREAD_MS);
    /// ```
    pub const SHUTDOWN_SPREAD_MS: u64 = 10_000;
    /// New sessions a second by default: the rate the reconnect-storm model
    /// of BENCHMARKS.md assumes (10,000 clients back in 5 s). Set it to what
    /// your server sustains for a session (auth, resubscribe, snapshots).
    ///
    /// ```
    /// # use leptos_sync_server::Config;
    /// // 10,000 reconnecting clients are all back within 5 s.
    /// assert!(10_000 / Config::ADMISSION_PER_SEC <= 5);
    /// ```
    pub const ADMISSION_PER_SEC: u32 = 2_000;
    /// How far ahead admission slots go by default, in ms: 60 s, 120,000
    /// sessions at the default rate, within the reference client's 120 s
    /// `retry-after` cap.
    ///
    /// ```
    /// # use leptos_sync_server::Config;
    /// let slots = Config::ADMISSION_BACKLOG_MS / 1000 * u64::from(Config::ADMISSION_PER_SEC);
    /// assert_eq!(slots, 120_000);
    /// ```
    pub const ADMISSION_BACKLOG_MS: u64 = 60_000;
    /// The default listen address.
    ///
    /// ```
    /// # use leptos_sync_server::Config;
    /// assert!(Config::default().addr.is_loopback() && Config::ADDR.is_loopback());
    /// ```
    pub const ADDR: IpAddr = IpAddr::V4(Ipv4Addr::LOCALHOST);

    /// The token if one is required; an empty string means none.
    pub(crate) fn required_token(&self) -> Option<String> {
        self.token.clone().filter(|t| !t.is_empty())
    }
}

impl Default for Config {
    /// Loopback, port 0 (so tests never collide), no token, no control.
    fn default() -> Self {
        Self {
            port: 0,
            addr: Self::ADDR,
            #[cfg(feature = "control")]
            control: false,
            token: None,
            history: Self::HISTORY,
            heartbeat_ms: Self::HEARTBEAT_MS,
            max_frame: Self::MAX_FRAME,
            send_queue_frames: Self::SEND_QUEUE_FRAMES,
            send_queue_bytes: Self::SEND_QUEUE_BYTES,
            handshake_timeout_ms: Self::HANDSHAKE_TIMEOUT_MS,
            max_subscriptions: Self::MAX_SUBSCRIPTIONS,
            max_connections: Self::MAX_CONNECTIONS,
            mutations_per_sec: Self::MUTATIONS_PER_SEC,
            read_frames_per_sec: Self::READ_FRAMES_PER_SEC,
            read_bytes_per_sec: Self::READ_BYTES_PER_SEC,
            shutdown_spread_ms: Self::SHUTDOWN_SPREAD_MS,
            admission_per_sec: Self::ADMISSION_PER_SEC,
            admission_backlog_ms: Self::ADMISSION_BACKLOG_MS,
        }
    }
}
