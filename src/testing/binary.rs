//! Frames outside the protocol: a [`MockServer`] that sends a binary frame.

use leptos_sync_core::machine::Event;

use super::MockServer;
use super::transport::deliver;

impl MockServer {
    /// Sends a binary frame of `bytes` on the open socket. The protocol is
    /// text only: the client reports [`SyncError::BinaryFrame`](crate::SyncError::BinaryFrame)
    /// with its length, counts it in `metrics.binary_frames`, and keeps the connection.
    ///
    /// # Panics
    /// When no socket is open.
    ///
    /// ## Usage
    ///
    /// ```no_run
    /// # use leptos_sync::testing::*;
    /// # async fn demo(server: MockServer) {
    /// server.send_binary(&[0xde, 0xad]);
    /// server.settle().await; // the ErrorBanner says a 2-byte binary frame was ignored
    /// # }
    /// ```
    #[track_caller]
    pub fn send_binary(&self, bytes: &[u8]) {
        assert!(
            self.is_open(),
            "MockServer::send_binary({} bytes): no socket is open",
            bytes.len()
        );
        deliver(&self.state, Event::BinaryFrame { bytes: bytes.len() });
    }
}
