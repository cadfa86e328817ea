//! Harness constructors and state probes shared by the scenario tests.

use leptos_sync_core::ConnectionState;
use leptos_sync_core::backoff::ReconnectOptions;
use leptos_sync_core::machine::MachineOptions;

use super::Harness;

/// A harness with default options and a fixed seed.
pub fn harness() -> Harness {
    Harness::new(MachineOptions::default(), 42)
}

/// A harness with the given reconnect options.
pub fn with_reconnect(reconnect: ReconnectOptions, seed: u64) -> Harness {
    let opts = MachineOptions {
        reconnect,
        ..MachineOptions::default()
    };
    Harness::new(opts, seed)
}

/// The state must be `Reconnecting` for `attempt`; returns its delay.
pub fn reconnecting(h: &Harness, attempt: u32) -> u64 {
    match h.state() {
        ConnectionState::Reconnecting {
            attempt: a,
            next_at,
        } if a == attempt => next_at - h.now,
        other => panic!("expected Reconnecting {{ attempt: {attempt} }}, got {other:?}"),
    }
}
