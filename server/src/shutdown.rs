//! Graceful shutdown: stop accepting, then close every connection with 1012
//! and an exact slot of its own (`retry-after=<ms>; exact`), spread over a
//! window, so that the clients of a server being redeployed do not all come
//! back at the same instant, and the next instance can admit them as they come.
//!
//! As in mini-redis, one signal reaches every connection task (a `watch`
//! channel, so that a task that starts after the signal still sees it), and
//! the connection semaphore tells when the last one has ended.

use std::sync::atomic::{AtomicU64, Ordering};

use tokio::sync::watch;

use crate::server::{App, Server, SyncServer};

/// The shutdown signal shared by a server's connection tasks.
#[derive(Debug)]
pub(crate) struct Shutdown {
    /// `Some(n)` once shutting down, with `n` the connections open then.
    signal: watch::Sender<Option<u64>>,
    /// How many connections have taken their `retry-after` so far.
    taken: AtomicU64,
}

impl Default for Shutdown {
    fn default() -> Self {
        Self {
            signal: watch::Sender::new(None),
            taken: AtomicU64::new(0),
        }
    }
}

impl Shutdown {
    /// A receiver for a connection task to wait on with [`App::shutting_down`].
    pub(crate) fn subscribe(&self) -> watch::Receiver<Option<u64>> {
        self.signal.subscribe()
    }
}

impl App {
    /// Resolves with the `retry-after` (ms) this connection closes with,
    /// once the server shuts down. The i-th of n connections to ask gets the
    /// i-th of n slots: from 500 ms on, at least 1/R apart (R the admission
    /// rate) and stretched evenly over the window when they fit in it.
    pub(crate) async fn shutting_down(&self, signal: &mut watch::Receiver<Option<u64>>) -> u64 {
        // Copied out at once: the watch's guard must not live across an await.
        let open = signal.wait_for(Option::is_some).await.map(|open| *open);
        let Ok(open) = open else {
            // The server is gone: nothing will ever signal.
            return std::future::pending().await;
        };
        self.restart_retry_after(open)
    }

    /// The `retry-after` (ms) of a connection that arrives during a
    /// shutdown, which closes it at once; `None` when not shutting down.
    pub(crate) fn arriving_in_shutdown(&self) -> Option<u64> {
        let open = *self.shutdown.signal.borrow();
        open.is_some().then(|| self.restart_retry_after(open))
    }

    /// The reason of a shutdown's 1012 close: an exact slot when the server
    /// admits at a rate (the slots are then positions of it), a plain
    /// `retry-after` otherwise.
    pub(crate) fn restart_reason(&self, ms: u64) -> String {
        if self.config.admission_per_sec > 0 {
            leptos_sync_protocol::close_code::slot_reason(ms)
        } else {
            leptos_sync_protocol::close_code::retry_after_reason(ms)
        }
    }

    /// True once a shutdown has begun.
    pub(crate) fn shutdown_started(&self) -> bool {
        self.shutdown.signal.borrow().is_some()
    }

    fn restart_retry_after(&self, open: Option<u64>) -> u64 {
        let open = open.unwrap_or(1).max(1);
        let i = self.shutdown.taken.fetch_add(1, Ordering::Relaxed) % open;
        let spread = self.config.shutdown_spread_ms;
        self.admission.restart_slot(i, open, spread)
    }
}

impl SyncServer {
    /// Closes every connection with 1012 (service restart) and a reason
    /// `retry-after=<ms>; exact`, slots spread over
    /// [`shutdown_spread_ms`](crate::SyncServerBuilder::shutdown_spread_ms)
    /// (longer when the connections do not fit in it at the
    /// [admission](crate::SyncServerBuilder::admission) rate),
    /// closes connections that open afterwards the same way, and resolves
    /// once every connection has ended and every
    /// [`on_last_unsubscribe`](crate::SyncServerBuilder::on_last_unsubscribe)
    /// it caused has returned. Stop the listener of a mounted
    /// router yourself (axum's `with_graceful_shutdown`); [`Server::shutdown`]
    /// does both.
    ///
    /// ```no_run
    /// use leptos_sync_server::SyncServer;
    /// # async fn demo() -> std::io::Result<()> {
    /// let sync = SyncServer::builder().shutdown_spread_ms(20_000).build();
    /// let app = axum::Router::new().merge(sync.router());
    /// let listener = tokio::net::TcpListener::bind("127.0.0.1:8080").await?;
    /// let closing = sync.clone();
    /// axum::serve(listener, app)
    ///     .with_graceful_shutdown(async move {
    ///         let _ = tokio::signal::ctrl_c().await;
    ///         closing.shutdown().await;
    ///     })
    ///     .await
    /// # }
    /// ```
    pub async fn shutdown(&self) {
        let app = &self.app;
        let max = app.config.max_connections;
        let open = max.saturating_sub(app.connections.available_permits());
        app.shutdown.signal.send_replace(Some(open as u64));
        // Every permit back means every connection task has ended.
        // `build` keeps `max` within a u32.
        let all = u32::try_from(max).unwrap_or(u32::MAX);
        let _ = app.connections.acquire_many(all).await;
        // The connections are gone; their topics' releases may still run.
        app.lifecycle.all_released().await;
    }
}

impl Server {
    /// Stops accepting, closes every connection as
    /// [`SyncServer::shutdown`] does, and resolves once they have all ended.
    ///
    /// ```no_run
    /// use leptos_sync_server::SyncServer;
    /// # async fn demo() -> std::io::Result<()> {
    /// let server = SyncServer::builder().build().serve("127.0.0.1:8080").await?;
    /// let _ = tokio::signal::ctrl_c().await;
    /// server.shutdown().await;
    /// # Ok(()) }
    /// ```
    pub async fn shutdown(self) {
        self.sync().shutdown().await;
        self.wait().await;
    }
}
