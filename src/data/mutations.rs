//! Mutation handles: the reactive status of each mutation, and the rollback
//! of optimistic changes that the server did not apply.

use std::collections::HashMap;

use leptos::prelude::*;

use leptos_sync_core::SyncError;
use leptos_sync_core::outbox::MutationStatus;

/// A mutation in progress, as returned by [`SyncContext::mutate`](crate::SyncContext::mutate).
///
/// A server that rate-limits the connection answers a mutation with
/// `rate_limited`: that is not a failure. The status goes back to `Queued`,
/// the mutation is sent again (same id, applied once) after the server's
/// hint, and `last_error` shows [`SyncError::RateLimited`] meanwhile:
///
/// ```no_run
/// use leptos::prelude::*;
/// use leptos_sync::{MutationHandle, MutationStatus, SyncError};
///
/// fn describe(handle: &MutationHandle) -> String {
///     match (handle.status.get(), handle.last_error.get()) {
///         (MutationStatus::Acked { seq }, _) => format!("saved (seq {seq})"),
///         (MutationStatus::Failed { error }, _) => format!("not saved: {error}"),
///         (_, Some(SyncError::RateLimited { retry_after_ms, .. })) => {
///             format!("slowed down by the server, retrying in {retry_after_ms} ms")
///         }
///         _ => "saving…".into(),
///     }
/// }
/// ```
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct MutationHandle {
    /// The mutation's unique id; the server applies it once.
    pub id: String,
    /// Queued, Sent, Acked{seq} or Failed{error}. Reference-counted, not owned by
    /// the component that made the mutation, so it stays readable after that
    /// component unmounts.
    pub status: ArcSignal<MutationStatus>,
    /// The last error this mutation met: a [`SyncError::RateLimited`] that it
    /// waits out (its status stays `Queued` until it is sent again), or the
    /// error it failed with. `None` until one comes; it stays after `Acked`,
    /// so a UI can tell that the server slowed the mutation down.
    pub last_error: ArcSignal<Option<SyncError>>,
}

/// Options of one mutation.
///
/// ```
/// use leptos_sync::MutateOptions;
///
/// // Show the change at once, roll it back if the server refuses it, and give
/// // up if it is still queued (offline) after a minute.
/// let options = MutateOptions { optimistic: true, expires_in_ms: Some(60_000) };
/// assert_eq!(MutateOptions::default(), MutateOptions { optimistic: false, expires_in_ms: None });
/// # let _ = options;
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MutateOptions {
    /// Apply the value locally at once, and roll it back if the server does not apply it.
    pub optimistic: bool,
    /// Fail the mutation if it is still queued after this many ms.
    pub expires_in_ms: Option<u64>,
}

/// The signals of one open mutation.
#[derive(Clone)]
pub(crate) struct Tracked {
    pub status: ArcRwSignal<MutationStatus>,
    pub last_error: ArcRwSignal<Option<SyncError>>,
}

impl Tracked {
    pub fn new(status: MutationStatus) -> Self {
        Self {
            status: ArcRwSignal::new(status),
            last_error: ArcRwSignal::new(None),
        }
    }

    pub fn handle(self, id: String) -> MutationHandle {
        MutationHandle {
            id,
            status: self.status.into(),
            last_error: self.last_error.into(),
        }
    }
}

/// Open mutations of a provider.
#[derive(Default)]
pub(crate) struct Mutations {
    open: HashMap<String, Tracked>,
    rollbacks: HashMap<String, Box<dyn FnOnce()>>,
}

impl Mutations {
    pub fn track(&mut self, id: &str, rollback: Option<Box<dyn FnOnce()>>) -> Tracked {
        let tracked = Tracked::new(MutationStatus::Queued);
        self.open.insert(id.to_string(), tracked.clone());
        if let Some(rollback) = rollback {
            self.rollbacks.insert(id.to_string(), rollback);
        }
        tracked
    }

    #[cfg_attr(feature = "ssr", allow(dead_code))] // only the browser driver reports errors
    /// Shows an error the mutation waits out ([`SyncError::RateLimited`]) on its handle.
    pub fn set_error(&mut self, id: &str, error: SyncError) {
        if let Some(tracked) = self.open.get(id) {
            tracked.last_error.set(Some(error));
        }
    }

    /// The provider unmounts: nothing will send the open mutations or hear
    /// their acks, so each fails with [`SyncError::ProviderUnmounted`] (a
    /// failed optimistic change is rolled back, as for any failure).
    pub fn abandon(&mut self) {
        let ids: Vec<String> = self.open.keys().cloned().collect();
        for id in ids {
            let error = SyncError::ProviderUnmounted { id: id.clone() };
            self.set_status(&id, MutationStatus::Failed { error });
        }
    }

    /// Publishes a status; a final one forgets the mutation, rolling back a failed optimistic change.
    pub fn set_status(&mut self, id: &str, status: MutationStatus) {
        let done = matches!(
            status,
            MutationStatus::Acked { .. } | MutationStatus::Failed { .. }
        );
        if let Some(tracked) = self.open.get(id) {
            if let MutationStatus::Failed { error } = &status {
                tracked.last_error.set(Some(error.clone()));
            }
            tracked.status.set(status.clone());
        }
        if done {
            self.open.remove(id);
            let rollback = self.rollbacks.remove(id);
            if let (Some(rollback), MutationStatus::Failed { .. }) = (rollback, status) {
                rollback();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};

    use super::*;

    #[test]
    fn abandon_fails_every_open_mutation_typed_and_rolls_back_optimistic_ones() {
        let mut mutations = Mutations::default();
        let rolled_back = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&rolled_back);
        let optimistic = mutations.track(
            "m1",
            Some(Box::new(move || flag.store(true, Ordering::SeqCst))),
        );
        let plain = mutations.track("m2", None);
        let acked = mutations.track("m3", None);
        mutations.set_status("m3", MutationStatus::Acked { seq: 4 });

        mutations.abandon();
        for (id, tracked) in [("m1", &optimistic), ("m2", &plain)] {
            let error = SyncError::ProviderUnmounted { id: id.into() };
            assert_eq!(
                tracked.status.get_untracked(),
                MutationStatus::Failed {
                    error: error.clone()
                }
            );
            assert_eq!(tracked.last_error.get_untracked(), Some(error));
        }
        assert!(
            rolled_back.load(Ordering::SeqCst),
            "the optimistic change stays"
        );
        assert_eq!(
            acked.status.get_untracked(),
            MutationStatus::Acked { seq: 4 }
        );
        assert!(mutations.open.is_empty() && mutations.rollbacks.is_empty());
    }
}
