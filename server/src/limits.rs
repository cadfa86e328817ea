//! The builder's limits: what keeps one client from hurting the others.
//! Each has a default in [`Config`] and, over it, a typed answer in PROTOCOL.md.

#[cfg(doc)]
use crate::Config;
use crate::SyncServerBuilder;

impl SyncServerBuilder {
    /// Largest text frame answered normally, in bytes (default
    /// [`Config::MAX_FRAME`]); a larger one gets an `error` `too_large`, and
    /// the connection stays.
    ///
    /// ```
    /// use leptos_sync_server::SyncServer;
    /// let sync = SyncServer::builder().max_frame(64 * 1024).build();
    /// # let _ = sync;
    /// ```
    pub fn max_frame(mut self, bytes: usize) -> Self {
        self.config.max_frame = bytes;
        self
    }

    /// Bounds each connection's send queue to `frames` frames and `bytes`
    /// bytes (defaults [`Config::SEND_QUEUE_FRAMES`] and
    /// [`Config::SEND_QUEUE_BYTES`]). A client that falls further behind is
    /// closed with 4413 (slow consumer) and resumes from history, so the
    /// others are not held up and the server's memory stays bounded.
    ///
    /// ```
    /// use leptos_sync_server::SyncServer;
    /// let server = SyncServer::builder().send_queue(256, 256 * 1024).build();
    /// # let _ = server;
    /// ```
    pub fn send_queue(mut self, frames: usize, bytes: usize) -> Self {
        self.config.send_queue_frames = frames;
        self.config.send_queue_bytes = bytes;
        self
    }

    /// Closes a connection that has not sent `hello` within `ms` with 4408
    /// (default [`Config::HANDSHAKE_TIMEOUT_MS`]), so an idle socket cannot
    /// hold a connection slot.
    ///
    /// ```
    /// use leptos_sync_server::SyncServer;
    /// let server = SyncServer::builder().handshake_timeout_ms(5_000).build();
    /// # let _ = server;
    /// ```
    pub fn handshake_timeout_ms(mut self, ms: u64) -> Self {
        self.config.handshake_timeout_ms = ms;
        self
    }

    /// Caps the subscriptions of one connection (default
    /// [`Config::MAX_SUBSCRIPTIONS`]): one more is answered with an `error`
    /// `too_many_subscriptions` naming it, and the connection stays.
    ///
    /// ```
    /// use leptos_sync_server::SyncServer;
    /// let sync = SyncServer::builder().max_subscriptions(16).build();
    /// # let _ = sync;
    /// ```
    pub fn max_subscriptions(mut self, subs: usize) -> Self {
        self.config.max_subscriptions = subs;
        self
    }

    /// Caps the connections served at once (default
    /// [`Config::MAX_CONNECTIONS`]): one more is closed with 4429 and a
    /// `retry-after` right after its upgrade, before any other work. At most
    /// `u32::MAX`; more is taken as that.
    ///
    /// ```
    /// use leptos_sync_server::SyncServer;
    /// let sync = SyncServer::builder().max_connections(5_000).build();
    /// # let _ = sync;
    /// ```
    pub fn max_connections(mut self, conns: usize) -> Self {
        self.config.max_connections = conns;
        self
    }

    /// Caps the mutations one connection sends a second, with a burst of
    /// one second's worth (default [`Config::MUTATIONS_PER_SEC`]; 0 is taken
    /// as 1). One more is answered with an `error` `rate_limited` naming it
    /// and carrying `retry_after_ms`; nothing is applied and the connection stays.
    ///
    /// ```
    /// use leptos_sync_server::SyncServer;
    /// let server = SyncServer::builder()
    ///     .max_subscriptions(64)
    ///     .max_connections(10_000)
    ///     .mutations_per_sec(20)
    ///     .build();
    /// # let _ = server;
    /// ```
    pub fn mutations_per_sec(mut self, mutations: u32) -> Self {
        self.config.mutations_per_sec = mutations;
        self
    }

    /// The window over which a [shutdown](crate::SyncServer::shutdown)
    /// spreads the `retry-after` of its 1012 closes, in ms (default
    /// [`Config::SHUTDOWN_SPREAD_MS`]).
    ///
    /// ```
    /// use leptos_sync_server::SyncServer;
    /// // 50,000 clients come back over 25 s, not at once.
    /// let sync = SyncServer::builder().shutdown_spread_ms(25_000).build();
    /// # let _ = sync;
    /// ```
    pub fn shutdown_spread_ms(mut self, ms: u64) -> Self {
        self.config.shutdown_spread_ms = ms;
        self
    }

    /// Admits at most `per_sec` new sessions a second (default
    /// [`Config::ADMISSION_PER_SEC`]; 0: no limit), with a burst of 25 ms
    /// worth after a quiet spell. A connection beyond it is closed right
    /// after its upgrade, before `hello`, authentication or any topic work,
    /// with 4429 `retry-after=<ms>; exact`: a slot of its own, each next
    /// shed connection's 1/R later, which a client that keeps it finds
    /// free. Slots go at most `backlog_ms` ahead (default
    /// [`Config::ADMISSION_BACKLOG_MS`]); past that, a connection is closed
    /// with 1013 and no slot, and retries by its own backoff (so a backlog
    /// under the 500 ms a slot is at least ahead hands out none). A
    /// shutdown gives its 1012 closes such slots too.
    ///
    /// ```
    /// use leptos_sync_server::SyncServer;
    /// // Sessions cost about 2 ms of a core here, and 4 cores serve them.
    /// let server = SyncServer::builder().admission(2_000, 30_000).build();
    /// # let _ = server;
    /// ```
    pub fn admission(mut self, per_sec: u32, backlog_ms: u64) -> Self {
        self.config.admission_per_sec = per_sec;
        self.config.admission_backlog_ms = backlog_ms;
        self
    }

    /// Reads at most `frames` frames and `bytes` bytes a second from one
    /// connection, with a burst of one second's worth (defaults
    /// [`Config::READ_FRAMES_PER_SEC`] and [`Config::READ_BYTES_PER_SEC`]; 0
    /// turns a bound off). A client over it is read later, not refused:
    /// nothing it sent is lost, TCP slows it down, and a flood of frames
    /// costs the server no more than this budget.
    ///
    /// ```
    /// use leptos_sync_server::SyncServer;
    /// let server = SyncServer::builder().read_budget(500, 4 << 20).build();
    /// # let _ = server;
    /// ```
    pub fn read_budget(mut self, frames: u32, bytes: usize) -> Self {
        self.config.read_frames_per_sec = frames;
        self.config.read_bytes_per_sec = bytes;
        self
    }
}
