//! The queue of one connection: every frame to its socket goes through it.
//!
//! It is bounded in frames and in bytes, so a client that reads slower than
//! its topics change cannot make the server buffer without end. A send that
//! would pass either bound is not queued; it marks the queue overflowed, and
//! the connection task closes the connection with
//! [`SLOW_CONSUMER`](leptos_sync_protocol::close_code::SLOW_CONSUMER), after
//! which the client resumes from history and loses nothing (Centrifugo's
//! policy). Dropping a frame and keeping the connection would instead leave a
//! gap in the subscription's seqs.

use std::sync::Arc;

use axum::extract::ws::Utf8Bytes;
use leptos_sync_protocol::ServerMsg;
use tokio::sync::mpsc::error::TrySendError;
use tokio::sync::{Notify, OwnedSemaphorePermit, Semaphore, mpsc};

/// What a connection task is told to do; the only way anything reaches a socket.
#[derive(Debug)]
pub enum Out {
    /// Send this text frame.
    Text(String),
    /// Send this `update` of subscription `sub`, unless the subscription
    /// started at `seq` or later (its replay or snapshot already holds it).
    Update {
        /// The subscription.
        sub: u64,
        /// The change's seq.
        seq: u64,
        /// The encoded frame, shared with the other subscribers of the
        /// change that have the same `sub`.
        text: Utf8Bytes,
    },
    /// Send a close frame with this code and reason, then end.
    Close(u16, String),
    /// End the TCP connection at once, without a close frame.
    Drop,
    /// Stop reading and writing, but keep the TCP connection, until [`Out::Drop`].
    #[cfg(feature = "control")]
    Stall,
    /// Send this binary frame: outside the protocol, which is text only, so
    /// only fault injection sends one (`/control/send_binary`).
    #[cfg(feature = "control")]
    Binary(Vec<u8>),
}

impl Out {
    /// The bytes it holds in the queue. A frame shared with other queues
    /// counts in full in each: it is what this queue alone keeps alive
    /// once the others have sent it.
    fn size(&self) -> usize {
        match self {
            Self::Text(text) => text.len(),
            Self::Update { text, .. } => text.len(),
            #[cfg(feature = "control")]
            Self::Binary(bytes) => bytes.len(),
            _ => 0,
        }
    }
}

/// A queued frame and its share of the byte budget, given back when it leaves.
type Item = (Out, Option<OwnedSemaphorePermit>);

/// The sending half of a connection's queue; clones share the bounds.
#[derive(Clone, Debug)]
pub struct Tx {
    frames: mpsc::Sender<Item>,
    bytes: Arc<Semaphore>,
    max_bytes: u32,
    overflow: Arc<Notify>,
}

/// The connection task's half of its queue.
#[derive(Debug)]
pub struct Rx {
    frames: mpsc::Receiver<Item>,
    overflow: Arc<Notify>,
}

/// A queue holding at most `frames` frames and `bytes` bytes of text (a
/// larger frame is let in alone, when the queue holds no bytes).
pub fn queue(frames: usize, bytes: usize) -> (Tx, Rx) {
    // tokio's channel panics on 0 or more than a semaphore's permits.
    let (tx, rx) = mpsc::channel(frames.clamp(1, Semaphore::MAX_PERMITS));
    let max_bytes = u32::try_from(bytes).unwrap_or(u32::MAX).max(1);
    let overflow = Arc::new(Notify::new());
    let tx = Tx {
        frames: tx,
        bytes: Arc::new(Semaphore::new(max_bytes as usize)),
        max_bytes,
        overflow: overflow.clone(),
    };
    (
        tx,
        Rx {
            frames: rx,
            overflow,
        },
    )
}

impl Tx {
    /// Queues `out`; false when the connection is gone or its queue overflowed
    /// (then the connection is being closed as a slow consumer).
    pub fn send(&self, out: Out) -> bool {
        let size = out.size();
        let permit = if size == 0 {
            None
        } else {
            let need = u32::try_from(size).unwrap_or(u32::MAX).min(self.max_bytes);
            match self.bytes.clone().try_acquire_many_owned(need) {
                Ok(permit) => Some(permit),
                Err(_) => return self.overflowed(),
            }
        };
        match self.frames.try_send((out, permit)) {
            Ok(()) => true,
            Err(TrySendError::Full(_)) => self.overflowed(),
            Err(TrySendError::Closed(_)) => false,
        }
    }

    fn overflowed(&self) -> bool {
        // Stores a wakeup if the task is busy, so it is never missed.
        self.overflow.notify_one();
        false
    }
}

impl Rx {
    /// The next queued frame; `None` once every sender is gone.
    pub async fn recv(&mut self) -> Option<Out> {
        // The permit drops here: the frame no longer counts against the queue.
        self.frames.recv().await.map(|(out, _permit)| out)
    }

    /// Whether no frame is queued now.
    pub fn is_empty(&self) -> bool {
        self.frames.is_empty()
    }

    /// The signal of this queue's overflow, to wait on beside [`recv`](Self::recv).
    pub fn overflow(&self) -> Overflow {
        Overflow(self.overflow.clone())
    }
}

/// Resolves [`happened`](Self::happened) once a send found the queue full.
#[derive(Debug, Clone)]
pub struct Overflow(Arc<Notify>);

impl Overflow {
    /// Waits for the queue's overflow.
    pub async fn happened(&self) {
        self.0.notified().await;
    }
}

/// Queues one protocol frame. A false result needs no handling here: a gone
/// connection's cleanup removes it from every table, and an overflowed one
/// is being closed.
pub fn send(tx: &Tx, msg: &ServerMsg) {
    tx.send(Out::Text(msg.encode()));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_send_past_either_bound_overflows_and_is_not_queued() {
        let (tx, mut rx) = queue(2, 10);
        assert!(tx.send(Out::Text("12345".into())));
        assert!(!tx.send(Out::Text("123456".into())), "11 bytes > 10");
        assert!(tx.send(Out::Text("12345".into())));
        assert!(!tx.send(Out::Close(4000, String::new())), "3 frames > 2");
        rx.overflow().happened().await;
        assert!(matches!(rx.recv().await, Some(Out::Text(t)) if t == "12345"));
        assert!(tx.send(Out::Close(4000, String::new())), "one frame left");
    }

    #[tokio::test]
    async fn any_bounds_make_a_queue() {
        let (tx, _rx) = queue(usize::MAX, usize::MAX);
        assert!(tx.send(Out::Text("x".into())));
        let (tx, _rx) = queue(0, 0);
        assert!(tx.send(Out::Text("x".into())), "0 is taken as 1");
    }

    #[tokio::test]
    async fn bytes_come_back_as_frames_leave_and_a_big_frame_fits_alone() {
        let (tx, mut rx) = queue(8, 10);
        assert!(
            tx.send(Out::Text("x".repeat(50))),
            "alone, clamped to the bound"
        );
        assert!(!tx.send(Out::Text("y".into())));
        assert!(rx.recv().await.is_some());
        assert!(tx.send(Out::Text("y".into())));
    }
}
