//! The per-topic dispatcher: one task per watched topic that hands each
//! change to the sinks exactly once and in seq order.
//!
//! Pub/sub is at-most-once, so the dispatcher trusts it only for speed:
//! it drops seqs it already delivered, reads any gap from the history
//! stream, catches up after the pub/sub connection comes back and, when
//! idle, checks the topic's top seq now and then. When it cannot recover
//! (another epoch, or history trimmed past its cursor) it calls
//! [`Deliver::resync`] on the sinks, which makes every client resubscribe.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use redis::Value;
use redis::aio::ConnectionManager;
use tokio::sync::{mpsc, oneshot};

use super::scripts::{Keys, Published, Scripts, parse_range};
use super::unavailable;
use crate::engine::{Change, Deliver, EngineError};

/// How many history entries one catch-up read takes.
const BATCH: usize = 500;
/// How soon a dispatcher that failed to read Redis tries again.
const RETRY: Duration = Duration::from_millis(200);

/// What a dispatcher is told.
pub(super) enum Event {
    /// Its starting point: the topic's epoch (none: not created yet) and seq.
    Init { epoch: Option<String>, seq: u64 },
    /// A change from the topic's channel.
    Live(Published),
    /// A change this node applied; answered once it is delivered.
    Local(Published, oneshot::Sender<()>),
    /// The topic's state as a join just read it.
    Hint { epoch: String, seq: u64 },
    /// A repeated mutation id's seq: answered once delivered up to it.
    Reach {
        epoch: String,
        seq: u64,
        done: oneshot::Sender<()>,
    },
    /// Something may have been missed: read the history up to the top.
    CatchUp,
}

/// What every dispatcher of an engine shares.
pub(super) struct Store {
    pub conn: ConnectionManager,
    pub scripts: Scripts,
    pub prefix: String,
    pub check_every: Duration,
    pub sinks: Mutex<Arc<Vec<Arc<dyn Deliver>>>>,
}

impl Store {
    pub fn sinks(&self) -> Arc<Vec<Arc<dyn Deliver>>> {
        self.sinks.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Up to [`BATCH`] history entries from `from` on, and where the topic stands.
    pub async fn range(&self, keys: &Keys, from: u64) -> Result<Range, EngineError> {
        let mut conn = self.conn.clone();
        let answer: (Option<String>, u64, Value, u64) = self
            .scripts
            .range
            .key(&keys.meta)
            .key(&keys.history)
            .arg(from)
            .arg(BATCH)
            .invoke_async(&mut conn)
            .await
            .map_err(unavailable)?;
        let (epoch, top, range, base) = answer;
        Ok(Range {
            epoch,
            top,
            changes: parse_range(range)?,
            base,
        })
    }
}

/// What [`Store::range`] read.
pub(super) struct Range {
    /// None: the topic does not exist.
    epoch: Option<String>,
    /// Its seq.
    top: u64,
    changes: Vec<Change>,
    /// The seq it was created with: 1 when seeded with entries, else 0.
    /// Those seqs are in no history, only in snapshots.
    base: u64,
}

/// Where a dispatcher has delivered up to.
struct Cursor {
    /// None until the topic exists: any epoch is then the right one.
    epoch: Option<String>,
    seq: u64,
}

/// Runs the dispatcher of `topic` until its sender is dropped.
pub(super) async fn run(
    store: Arc<Store>,
    topic: String,
    mut events: mpsc::UnboundedReceiver<Event>,
) {
    let keys = Keys::new(&store.prefix, &topic);
    let mut d = Dispatcher {
        store,
        topic,
        keys,
        cursor: None,
        behind: false,
    };
    loop {
        let wait = if d.behind { RETRY } else { d.store.check_every };
        let event = match tokio::time::timeout(wait, events.recv()).await {
            Ok(Some(event)) => event,
            Ok(None) => return,
            Err(_) => Event::CatchUp,
        };
        match event {
            Event::Init { epoch, seq } => d.cursor = Some(Cursor { epoch, seq }),
            Event::Live(p) => d.on_change(p).await,
            Event::Local(p, done) => {
                d.on_change(p).await;
                let _ = done.send(());
            }
            Event::Hint { epoch, seq } => d.reach(&epoch, seq).await,
            Event::Reach { epoch, seq, done } => {
                d.reach(&epoch, seq).await;
                let _ = done.send(());
            }
            Event::CatchUp => d.catch_up().await,
        }
    }
}

struct Dispatcher {
    store: Arc<Store>,
    topic: String,
    keys: Keys,
    /// None until [`Event::Init`]: changes before it are caught up after it.
    cursor: Option<Cursor>,
    /// A read failed: catch up again soon.
    behind: bool,
}

impl Dispatcher {
    async fn on_change(&mut self, p: Published) {
        let Some(cursor) = &mut self.cursor else {
            return;
        };
        if cursor.epoch.is_none() {
            // The topic was created since we started: where it began is in Redis.
            self.catch_up().await;
            return;
        }
        if cursor.epoch.as_ref().is_some_and(|e| *e != p.epoch) {
            // Another incarnation: what our clients hold is not its past.
            self.resync(Some(p.epoch), p.change.seq);
            return;
        }
        cursor.epoch = Some(p.epoch);
        if p.change.seq <= cursor.seq {
            return; // delivered already (by a backfill, or it is our own)
        }
        if p.change.seq == cursor.seq + 1 {
            cursor.seq = p.change.seq;
            self.deliver(&p.change);
        } else {
            self.catch_up().await; // a gap: pub/sub lost something
        }
    }

    /// Catches up when the topic is known to be past the cursor.
    async fn reach(&mut self, epoch: &str, seq: u64) {
        let behind = self
            .cursor
            .as_ref()
            .is_some_and(|c| c.seq < seq || c.epoch.as_ref().is_some_and(|e| e != epoch));
        if behind {
            self.catch_up().await;
        }
    }

    /// Delivers every change after the cursor up to the topic's top seq,
    /// from the history stream.
    async fn catch_up(&mut self) {
        let Some(cursor) = &self.cursor else {
            return;
        };
        let (mut ours, mut seq) = (cursor.epoch.clone(), cursor.seq);
        loop {
            let Ok(Range {
                epoch,
                top,
                changes,
                base,
            }) = self.store.range(&self.keys, seq + 1).await
            else {
                self.behind = true;
                return;
            };
            self.behind = false;
            if ours.is_none() && epoch.is_some() && seq < base {
                // Created (seeded) since we started: every client of it
                // joined after, and its snapshot holds the seed.
                (ours, seq) = (epoch, base);
                continue; // read again from after the seed
            }
            let same_epoch = match (&ours, &epoch) {
                (Some(ours), Some(theirs)) => ours == theirs,
                (Some(_), None) => false, // the topic is gone (a flush, a restart)
                (None, _) => true,
            };
            if !same_epoch {
                self.resync(epoch, top);
                return;
            }
            ours = epoch;
            if top < seq {
                // The same epoch went back (a restore): what we delivered is not its past.
                self.resync(ours, top);
                return;
            }
            if top > seq && changes.first().is_none_or(|c| c.seq != seq + 1) {
                // History no longer holds what we missed.
                self.resync(ours, top);
                return;
            }
            for change in changes.iter().take_while(|c| c.seq <= top) {
                if change.seq != seq + 1 {
                    break; // not contiguous: the next read tells why
                }
                seq = change.seq;
                self.deliver(change);
            }
            self.cursor = Some(Cursor {
                epoch: ours.clone(),
                seq,
            });
            if seq >= top {
                return;
            }
        }
    }

    /// Makes every client start over, and continues from `seq` of `epoch`.
    fn resync(&mut self, epoch: Option<String>, seq: u64) {
        self.cursor = Some(Cursor { epoch, seq });
        for sink in self.store.sinks().iter() {
            sink.resync(&self.topic);
        }
    }

    fn deliver(&self, change: &Change) {
        for sink in self.store.sinks().iter() {
            sink.deliver(&self.topic, change);
        }
    }
}

/// Reads where a topic stands, for [`Event::Init`].
pub(super) async fn position(store: &Store, keys: &Keys) -> Result<Event, EngineError> {
    let Range { epoch, top, .. } = store.range(keys, u64::MAX).await?;
    Ok(Event::Init { epoch, seq: top })
}
