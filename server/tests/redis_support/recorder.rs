//! A [`Deliver`] sink that records what an engine hands it, and waits for it.

use std::sync::Mutex;
use std::time::Duration;

use leptos_sync_server::{Change, Deliver};

/// How long a wait may take.
const DEADLINE: Duration = Duration::from_secs(10);

/// A sink that records the changes and resyncs an engine delivers.
#[derive(Default)]
pub struct Recorder {
    pub seen: Mutex<Vec<Change>>,
    /// For each resync: how many changes had been delivered before it.
    resyncs: Mutex<Vec<usize>>,
}

impl Deliver for Recorder {
    fn deliver(&self, _topic: &str, change: &Change) {
        self.seen.lock().unwrap().push(change.clone());
    }

    fn resync(&self, _topic: &str) {
        let delivered = self.seen.lock().unwrap().len();
        self.resyncs.lock().unwrap().push(delivered);
    }
}

impl Recorder {
    pub fn seqs(&self) -> Vec<u64> {
        self.seen.lock().unwrap().iter().map(|c| c.seq).collect()
    }

    pub fn resyncs(&self) -> Vec<usize> {
        self.resyncs.lock().unwrap().clone()
    }

    /// Waits until `done` holds for the seqs delivered so far.
    pub async fn wait_until(&self, what: &str, done: impl Fn(&[u64]) -> bool) -> Vec<u64> {
        wait_for(what, || self.seqs(), done).await
    }

    /// Waits until `done` holds for the resyncs so far.
    pub async fn wait_resyncs(&self, what: &str, done: impl Fn(&[usize]) -> bool) -> Vec<usize> {
        wait_for(what, || self.resyncs(), done).await
    }
}

/// Polls `read` until `done` holds for what it returns, or fails at [`DEADLINE`].
async fn wait_for<T: std::fmt::Debug>(
    what: &str,
    read: impl Fn() -> Vec<T>,
    done: impl Fn(&[T]) -> bool,
) -> Vec<T> {
    let deadline = tokio::time::Instant::now() + DEADLINE;
    loop {
        let now = read();
        if done(&now) {
            return now;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "{what}: got {now:?}"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}
