//! Harness constructors and state probes shared by the scenario tests.

use leptos_sync_core::ConnectionState;
use leptos_sync_core::backoff::ReconnectOptions;
use leptos_sync_core::machine::{Command, MachineOptions};

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

/// An open connection with the given reconnect options.
pub fn connected_with(reconnect: ReconnectOptions, seed: u64) -> Harness {
    let mut h = with_reconnect(reconnect, seed);
    h.open();
    h.establish(None);
    h
}

/// Lets `delay` pass: no connect one ms before it, a connect exactly at it.
pub fn reconnects_exactly_after(h: &mut Harness, delay: u64) {
    let connects = h.connects();
    h.advance(delay - 1);
    assert_eq!(h.connects(), connects, "connected before {delay} ms");
    assert_eq!(h.advance(1).first(), Some(&Command::Connect));
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
