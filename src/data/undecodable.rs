//! The keys of a topic whose value the server sent but this client could not
//! decode into `T`, with why: the bookkeeping behind
//! [`SyncEntries::undecodable`](crate::SyncEntries::undecodable).
//!
//! Such a key is **dropped** from the entries, not kept with its old value
//! and not resynced:
//! - the old value is known to be wrong (the server has moved on), and
//!   showing it as live is the silent divergence this avoids;
//! - a snapshot already drops an entry it cannot decode, so an update does
//!   the same, and the entries never depend on whether a value came as an
//!   update or in a snapshot;
//! - a resync would fetch the same value and fail the same way.
//!
//! A key stays marked until a later value for it decodes, the server removes
//! it, or a snapshot no longer fails on it.

use std::collections::HashMap;

use leptos::prelude::*;
use leptos_sync_core::SyncError;

/// The marks of one topic while a batch of its data is applied; the signal is
/// written once at the end, and only if a mark changed.
pub(crate) struct Marks {
    marks: HashMap<String, SyncError>,
    changed: bool,
}

#[cfg_attr(feature = "ssr", allow(dead_code))] // only the browser driver applies data
impl Marks {
    pub fn read(signal: &ArcRwSignal<HashMap<String, SyncError>>) -> Self {
        Self {
            marks: signal.get_untracked(),
            changed: false,
        }
    }

    /// A snapshot replaces every entry: the marks start over with it.
    pub fn replace(&mut self) {
        self.changed |= !self.marks.is_empty();
        self.marks.clear();
    }

    /// The value of `key` did not decode.
    pub fn failed(&mut self, key: &str, error: SyncError) {
        self.changed = true;
        self.marks.insert(key.to_string(), error);
    }

    /// `key` decoded, or the server removed it: no longer marked.
    pub fn cleared(&mut self, key: &str) {
        self.changed |= self.marks.remove(key).is_some();
    }

    /// Publishes the marks, unless they end as they began (a snapshot that
    /// fails on the same keys again notifies nobody).
    pub fn write(self, signal: &ArcRwSignal<HashMap<String, SyncError>>) {
        if self.changed && signal.with_untracked(|old| *old != self.marks) {
            signal.set(self.marks);
        }
    }
}
