//! Mutation handles: the reactive status of each mutation, and the rollback
//! of optimistic changes that the server did not apply.

use std::collections::HashMap;

use leptos::prelude::*;

use leptos_sync_core::outbox::MutationStatus;

/// A mutation in progress, as returned by [`SyncContext::mutate`](crate::SyncContext::mutate).
#[derive(Debug, Clone)]
pub struct MutationHandle {
    /// The mutation's unique id; the server applies it once.
    pub id: String,
    /// Queued, Sent, Acked{seq} or Failed{error}. Reference-counted, not owned by
    /// the component that made the mutation, so it stays readable after that
    /// component unmounts.
    pub status: ArcSignal<MutationStatus>,
}

/// Options of one mutation.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MutateOptions {
    /// Apply the value locally at once, and roll it back if the server does not apply it.
    pub optimistic: bool,
    /// Fail the mutation if it is still queued after this many ms.
    pub expires_in_ms: Option<u64>,
}

/// Open mutations of a provider.
#[derive(Default)]
pub(crate) struct Mutations {
    statuses: HashMap<String, ArcRwSignal<MutationStatus>>,
    rollbacks: HashMap<String, Box<dyn FnOnce()>>,
}

impl Mutations {
    pub fn track(
        &mut self,
        id: &str,
        rollback: Option<Box<dyn FnOnce()>>,
    ) -> ArcRwSignal<MutationStatus> {
        let status = ArcRwSignal::new(MutationStatus::Queued);
        self.statuses.insert(id.to_string(), status.clone());
        if let Some(rollback) = rollback {
            self.rollbacks.insert(id.to_string(), rollback);
        }
        status
    }

    #[cfg_attr(feature = "ssr", allow(dead_code))] // only the browser driver reports statuses
    /// Publishes a status; a final one forgets the mutation, rolling back a failed optimistic change.
    pub fn set_status(&mut self, id: &str, status: MutationStatus) {
        let done = matches!(
            status,
            MutationStatus::Acked { .. } | MutationStatus::Failed { .. }
        );
        if let Some(signal) = self.statuses.get(id) {
            signal.set(status.clone());
        }
        if done {
            self.statuses.remove(id);
            let rollback = self.rollbacks.remove(id);
            if let (Some(rollback), MutationStatus::Failed { .. }) = (rollback, status) {
                rollback();
            }
        }
    }
}
