//! Browser glue: turns socket callbacks, the timer and browser events into core
//! events, and executes the core's commands. All decisions live in the core.
//!
//! Time goes the quinn-proto way: after every call into the core, one browser
//! timer is kept on `poll_timeout`; when it fires, `handle_timeout(now_ms())`.
//! If it fired early, nothing is due and it is re-armed: no timer can stall.

mod events;
mod execute;
mod requests;
mod start;

pub(crate) use events::Events;

pub(crate) use start::start;

use leptos::prelude::*;

use super::clock::{Timeout, now_ms};
use super::handle::{Outputs, Socket};
use crate::data::mutations::Mutations;
use crate::data::store::Stores;
use crate::provider::{LifecycleFn, TokenFn};
use leptos_sync_core::Millis;
use leptos_sync_core::machine::{Event, Machine};
use leptos_sync_core::state::Lifecycle;
use leptos_sync_core::subscriptions::DataEvent;

/// Longest wait before queued data is applied when no animation frame comes;
/// on the browser's clock even under the test kit's virtual time (rendering).
const FLUSH_FALLBACK_MS: u32 = 100;

struct Inner {
    machine: Machine,
    pending_data: Vec<DataEvent>,
    flush_scheduled: Option<(
        Option<AnimationFrameRequestHandle>,
        gloo_timers::callback::Timeout,
    )>,
    /// The one browser timer, armed for the core's `poll_timeout` deadline;
    /// dropping it cancels it.
    timer: Option<(Millis, Timeout)>,
    socket: Option<Socket>,
    token: TokenFn,
    on_event: Option<LifecycleFn>,
}

/// The provider's data the driver applies the core's commands to.
pub(crate) struct Data {
    pub stores: StoredValue<Stores, LocalStorage>,
    pub mutations: StoredValue<Mutations, LocalStorage>,
    pub requests: StoredValue<crate::data::requests::Requests, LocalStorage>,
    pub events: Events,
}

#[derive(Clone, Copy)]
struct Driver {
    inner: StoredValue<Inner, LocalStorage>,
    stores: StoredValue<Stores, LocalStorage>,
    mutations: StoredValue<Mutations, LocalStorage>,
    requests: StoredValue<crate::data::requests::Requests, LocalStorage>,
    outputs: Outputs,
    events: StoredValue<Events, LocalStorage>,
}

impl Driver {
    /// Feeds one event to the core and carries out what it asks.
    fn dispatch(self, event: Event) {
        self.run(|machine| machine.handle(event, now_ms()));
    }

    /// Lets `step` drive the core, then carries out what it asked. Only `step`
    /// is generic, so the rest exists once in the wasm, not once per caller.
    fn run(self, step: impl FnOnce(&mut Machine)) {
        if let Some(()) = self.inner.try_update_value(|i| step(&mut i.machine)) {
            self.carry_out(); // else the provider is gone
        }
    }

    /// Carries out the core's commands and re-arms the timer.
    fn carry_out(self) {
        let poll = |i: &mut Inner| std::iter::from_fn(|| i.machine.poll()).collect::<Vec<_>>();
        // The lock is released here: a command may dispatch again (the token answer does).
        for command in self.inner.try_update_value(poll).unwrap_or_default() {
            self.execute(command);
        }
        // After the commands: one of them may have called into the core again.
        self.arm_timer();
        self.publish();
    }

    /// Keeps the one browser timer on the core's earliest deadline.
    fn arm_timer(self) {
        let Some(Some(at)) = self.inner.try_update_value(|inner| {
            let at = inner.machine.poll_timeout();
            if inner.timer.as_ref().map(|(armed, _)| *armed) == at {
                return None;
            }
            inner.timer = None; // cancels the one armed for another deadline
            at
        }) else {
            return;
        };
        // Browsers fire a timeout above i32::MAX ms at once: clamp (it re-arms).
        let delay = at.saturating_sub(now_ms()).min(i32::MAX as u64) as u32;
        let timeout = Timeout::new(delay, move || self.on_timer());
        self.inner
            .try_update_value(|inner| inner.timer = Some((at, timeout)));
    }

    fn on_timer(self) {
        // This timer is spent: whatever the core says next gets a new one.
        self.inner.try_update_value(|inner| inner.timer = None);
        self.run(|machine| machine.handle_timeout(now_ms()));
    }

    fn observe(self, event: Lifecycle) {
        if let Some(on_event) = self.inner.with_value(|inner| inner.on_event.clone()) {
            on_event(&event);
        }
    }

    fn socket(self) -> Option<Socket> {
        self.inner.with_value(|inner| inner.socket.clone())
    }

    /// Copies the core's state and metrics into signals, only when they changed.
    fn publish(self) {
        let Some((state, metrics)) = self.inner.try_with_value(|inner| {
            (
                inner.machine.state().clone(),
                inner.machine.metrics().clone(),
            )
        }) else {
            return;
        };
        if self.outputs.state.with_untracked(|s| *s != state) {
            self.outputs.state.set(state);
        }
        if self.outputs.metrics.with_untracked(|m| *m != metrics) {
            self.outputs.metrics.set(metrics);
        }
    }
}
