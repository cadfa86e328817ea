//! Writing to one socket: frames behind the queue's overflow, and closes.

use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::response::Response;
use futures_util::SinkExt;

use super::{CLOSE_GRACE, Stop};
use crate::queue::Overflow;

/// Writes one text frame into the socket's buffer (which writes to the
/// socket once it is full), unless the queue overflows first: the write of a
/// client that stopped reading blocks once the TCP buffers are full, and
/// only the overflow can end the wait.
pub(super) async fn write(
    socket: &mut WebSocket,
    overflow: &Overflow,
    frame: Message,
) -> Result<(), Stop> {
    tokio::select! {
        sent = socket.feed(frame) => sent.map_err(|_| Stop::Done),
        () = overflow.happened() => Err(Stop::Slow),
    }
}

/// Sends what the socket's buffer holds, unless the queue overflows first.
async fn flush(socket: &mut WebSocket, overflow: &Overflow) -> Result<(), Stop> {
    tokio::select! {
        sent = socket.flush() => sent.map_err(|_| Stop::Done),
        () = overflow.happened() => Err(Stop::Slow),
    }
}

/// [`flush`] when frames were written since the last one.
pub(super) async fn flush_if(
    unflushed: bool,
    socket: &mut WebSocket,
    overflow: &Overflow,
) -> Result<(), Stop> {
    if unflushed {
        flush(socket, overflow).await
    } else {
        Ok(())
    }
}

/// Upgrades only to close with `code` and `reason` (a `retry-after`, or why not).
pub(super) fn refuse(ws: WebSocketUpgrade, code: u16, reason: String) -> Response {
    ws.on_upgrade(move |mut socket| async move {
        if send_close(&mut socket, code, reason).await {
            finish_close(&mut socket).await;
        }
    })
}

/// Sends a close frame; false when the socket is already gone.
pub(super) async fn send_close(socket: &mut WebSocket, code: u16, reason: String) -> bool {
    let frame = CloseFrame {
        code,
        reason: reason.into(),
    };
    socket.send(Message::Close(Some(frame))).await.is_ok()
}

/// Waits (briefly) for the client's close reply so the handshake ends cleanly.
pub(super) async fn finish_close(socket: &mut WebSocket) {
    let drain = async { while let Some(Ok(_)) = socket.recv().await {} };
    let _ = tokio::time::timeout(CLOSE_GRACE, drain).await;
}
