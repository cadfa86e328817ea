#![cfg(not(target_arch = "wasm32"))]
//! Values the typed layer cannot decode: the driver reports them with
//! `count_undecodable`, and the count stays in `metrics.subscriptions` beside
//! the table's own counters, through later data and a reconnect, while the
//! subscription stays Live. The harness checks the invariants on every step.

mod common;

use common::Harness;
use common::subs::*;
use leptos_sync_core::SubscriptionStatus;
use leptos_sync_core::machine::MachineOptions;
use leptos_sync_protocol::close_code;

#[test]
fn undecodable_values_are_counted_beside_the_tables_counters() {
    let mut h = Harness::new(MachineOptions::default(), 3);
    h.open();
    h.establish(None);
    subscribe(&mut h, "Task");
    let sub = live_sub(&h, "Task");
    subscribed(&mut h, sub, 0, false, "e1");
    snapshot(&mut h, sub, 0, SCHEMA);

    // The driver could not decode one update's value.
    update(&mut h, sub, 1);
    h.machine.count_undecodable(1);
    let counters = h.machine.metrics().subscriptions;
    assert_eq!((counters.updates, counters.undecodable), (1, 1));
    assert_eq!(status(&h, "Task"), Some(SubscriptionStatus::Live));

    // The table's next change of its counters keeps the count.
    update(&mut h, sub, 2);
    h.machine.count_undecodable(2);
    update(&mut h, sub, 3);
    let counters = h.machine.metrics().subscriptions;
    assert_eq!((counters.updates, counters.undecodable), (3, 3));

    h.close(close_code::ABNORMAL, "");
    assert_eq!(h.machine.metrics().subscriptions.undecodable, 3);
    h.machine.count_undecodable(u64::MAX);
    assert_eq!(
        h.machine.metrics().subscriptions.undecodable,
        u64::MAX,
        "saturates"
    );
}
