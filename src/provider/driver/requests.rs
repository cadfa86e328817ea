//! Request statuses from the core, onto their typed handles.

use leptos::prelude::*;

use super::Driver;
use leptos_sync_core::requests::RequestStatus;
use leptos_sync_core::state::Lifecycle;

impl Driver {
    /// Settles the handle; a failure is also `last_error`, as a mutation's is.
    pub(super) fn request_status(self, id: String, status: RequestStatus) {
        if let RequestStatus::Failed { error } = &status {
            log::warn!("leptos-sync: request {id}: {error}");
            self.outputs.last_error.set(Some(error.clone()));
            self.observe(Lifecycle::Error(error.clone()));
        }
        self.requests.update_value(|r| r.set_status(&id, status));
    }
}
