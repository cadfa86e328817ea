//! The machine's read-only views and small entry points: state, metrics,
//! options, the command queue, mutation ids, and the invalid-URL failure.

use super::Machine;
use super::{Command, MachineOptions};
use crate::error::SyncError;
use crate::state::{ConnectionMetrics, ConnectionState, FailReason};
use crate::subscriptions::Subscriptions;

impl Machine {
    /// The current state.
    ///
    /// ```
    /// use leptos_sync_core::{ConnectionState, Event, Machine, MachineOptions};
    ///
    /// let mut machine = Machine::new(MachineOptions::default(), || 0.5);
    /// assert_eq!(machine.state(), &ConnectionState::Idle);
    /// machine.handle(Event::UserOpen, 0);
    /// assert!(matches!(machine.state(), ConnectionState::Connecting { .. }));
    /// ```
    pub fn state(&self) -> &ConnectionState {
        &self.state
    }

    /// The current metrics.
    ///
    /// ```
    /// use leptos_sync_core::{Event, Machine, MachineOptions};
    ///
    /// let mut machine = Machine::new(MachineOptions::default(), || 0.5);
    /// machine.handle(Event::UserOpen, 0);
    /// assert_eq!(machine.metrics().attempts, 1);
    /// assert_eq!(machine.metrics().connected_since, None);
    /// ```
    pub fn metrics(&self) -> &ConnectionMetrics {
        &self.metrics
    }

    /// A new unique mutation id.
    ///
    /// ```
    /// use leptos_sync_core::{Machine, MachineOptions};
    ///
    /// let mut machine = Machine::new(MachineOptions::default(), || 0.5);
    /// let (a, b) = (machine.mutation_id(), machine.mutation_id());
    /// assert_ne!(a, b);
    /// ```
    pub fn mutation_id(&mut self) -> String {
        self.next_mutation += 1;
        format!("{}-{}", self.id_prefix, self.next_mutation)
    }

    /// The subscription table.
    ///
    /// ```
    /// use leptos_sync_core::{Event, Machine, MachineOptions, SubscriptionStatus};
    ///
    /// let mut machine = Machine::new(MachineOptions::default(), || 0.5);
    /// machine.handle(Event::Subscribe { topic: "Task".into(), schema: 7 }, 0);
    /// let state = machine.subscriptions().state("Task").expect("subscribed");
    /// assert_eq!(state.status, SubscriptionStatus::Pending);
    /// ```
    pub fn subscriptions(&self) -> &Subscriptions {
        &self.subs
    }

    /// The options in force.
    ///
    /// ```
    /// use leptos_sync_core::machine::MIN_TIMEOUT_MS;
    /// use leptos_sync_core::{Machine, MachineOptions};
    ///
    /// // The options after validation: an out-of-range value is clamped.
    /// let machine = Machine::new(MachineOptions { connect_timeout_ms: 0, ..Default::default() }, || 0.5);
    /// assert_eq!(machine.options().connect_timeout_ms, MIN_TIMEOUT_MS);
    /// ```
    pub fn options(&self) -> &MachineOptions {
        &self.opts
    }

    /// The next command for the driver, if any.
    ///
    /// ```
    /// use leptos_sync_core::{Command, Event, Machine, MachineOptions};
    ///
    /// let mut machine = Machine::new(MachineOptions::default(), || 0.5);
    /// machine.handle(Event::UserOpen, 0);
    /// // Drain every command after each event.
    /// while let Some(command) = machine.poll() {
    ///     if command == Command::Connect { /* open the socket */ }
    /// }
    /// ```
    pub fn poll(&mut self) -> Option<Command> {
        self.out.pop_front()
    }

    /// Puts the machine in `Failed` because the URL cannot be used; only a new provider helps.
    ///
    /// ```
    /// use leptos_sync_core::{ConnectionState, FailReason, Machine, MachineOptions, SyncError};
    ///
    /// let mut machine = Machine::new(MachineOptions::default(), || 0.5);
    /// machine.fail_invalid_url(SyncError::InvalidUrl { url: "ftp://x".into(), message: "not a WebSocket URL".into() });
    /// assert_eq!(machine.state(), &ConnectionState::Failed { reason: FailReason::InvalidUrl });
    /// ```
    pub fn fail_invalid_url(&mut self, error: SyncError) {
        self.out.push_back(Command::Error(error));
        self.state = ConnectionState::Failed {
            reason: FailReason::InvalidUrl,
        };
    }

    /// The typed layer could not decode `values` values of subscribed data
    /// (updates or snapshot entries) into their type: counted in
    /// `metrics().subscriptions.undecodable`. The machine never sees typed
    /// data, so the driver reports it (and the error itself, which names the type).
    ///
    /// ```
    /// use leptos_sync_core::{Machine, MachineOptions};
    ///
    /// let mut machine = Machine::new(MachineOptions::default(), || 0.5);
    /// machine.count_undecodable(2);
    /// assert_eq!(machine.metrics().subscriptions.undecodable, 2);
    /// ```
    pub fn count_undecodable(&mut self, values: u64) {
        self.subs.counters.undecodable = self.subs.counters.undecodable.saturating_add(values);
        self.metrics.subscriptions = self.subs.counters;
    }
}
