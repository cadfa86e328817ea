//! [`Server`]: a [`SyncServer`] serving on its own listener.

use std::net::SocketAddr;

use tokio::task::JoinHandle;

use super::SyncServer;

/// A [`SyncServer`] serving on the current tokio runtime; stopped when dropped.
///
/// ```
/// use leptos_sync_server::SyncServer;
/// # #[tokio::main(flavor = "current_thread")] async fn main() -> std::io::Result<()> {
/// let server = SyncServer::builder().build().serve("127.0.0.1:0").await?;
/// let url = format!("ws://{}/ws", server.local_addr());
/// assert!(url.starts_with("ws://127.0.0.1:"));
/// server.shutdown().await;
/// # Ok(()) }
/// ```
pub struct Server {
    pub(super) addr: SocketAddr,
    pub(super) sync: SyncServer,
    pub(super) task: JoinHandle<()>,
    /// Background tasks that live as long as the server.
    pub(super) tasks: Vec<JoinHandle<()>>,
}

impl Server {
    /// The address it listens on (with the real port when 0 was asked for).
    ///
    /// ```
    /// use leptos_sync_server::SyncServer;
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> std::io::Result<()> {
    /// let server = SyncServer::builder().build().serve("127.0.0.1:0").await?;
    /// assert!(server.local_addr().ip().is_loopback());
    /// # Ok(()) }
    /// ```
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// The server it serves, to publish through or inspect.
    ///
    /// ```
    /// use leptos_sync_server::SyncServer;
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> std::io::Result<()> {
    /// let server = SyncServer::builder().build().serve("127.0.0.1:0").await?;
    /// let seq = server.sync().publish("Ticker", "ACME", 101.into()).await.unwrap();
    /// assert_eq!(seq, 1);
    /// # Ok(()) }
    /// ```
    pub fn sync(&self) -> &SyncServer {
        &self.sync
    }

    /// Ties a background task (say, a feed that publishes) to the server:
    /// it is aborted when the server is dropped.
    ///
    /// ```
    /// use std::time::Duration;
    /// use leptos_sync_server::SyncServer;
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> std::io::Result<()> {
    /// let mut server = SyncServer::builder().build().serve("127.0.0.1:0").await?;
    /// let sync = server.sync().clone();
    /// server.attach(tokio::spawn(async move {
    ///     for tick in 0u64.. {
    ///         let _ = sync.publish("Clock", "now", tick.into()).await;
    ///         tokio::time::sleep(Duration::from_secs(1)).await;
    ///     }
    /// }));
    /// drop(server); // aborts the feed too
    /// # Ok(()) }
    /// ```
    pub fn attach(&mut self, task: JoinHandle<()>) {
        self.tasks.push(task);
    }

    /// Waits until the server stops: after [`shutdown`](Self::shutdown), or
    /// on an accept error.
    ///
    /// ```no_run
    /// use leptos_sync_server::SyncServer;
    /// # #[tokio::main] async fn main() -> std::io::Result<()> {
    /// let server = SyncServer::builder().build().serve("0.0.0.0:8080").await?;
    /// server.wait().await; // serves until the process ends
    /// # Ok(()) }
    /// ```
    pub async fn wait(mut self) {
        let _ = (&mut self.task).await;
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.task.abort();
        for task in &self.tasks {
            task.abort();
        }
    }
}
