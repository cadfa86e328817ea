#![cfg(not(target_arch = "wasm32"))]
//! The outbox's bounds and overflow policies: DropOldest drops the oldest
//! queued mutations, DropNewest drops the new one, Fail refuses the new one
//! with `QueueFull` and loses nothing; by count and by bytes; and a bound of 0
//! queues nothing instead of panicking. The harness checks the global
//! invariants on every step.

mod common;

use common::mutations::statuses;
use common::{Harness, errors};
use leptos_sync_core::machine::{Event, MachineOptions};
use leptos_sync_core::outbox::{Mutation, MutationStatus, OutboxOptions, Overflow};
use leptos_sync_core::{ConnectionState, SyncError};
use leptos_sync_protocol::ClientMsg;

fn harness(max_messages: usize, max_bytes: usize, overflow: Overflow) -> Harness {
    let outbox = OutboxOptions {
        max_messages,
        max_bytes,
        overflow,
    };
    let opts = MachineOptions {
        outbox,
        ..MachineOptions::default()
    };
    Harness::new(opts, 7)
}

/// A mutation of entry `key` whose frame is `size` bytes longer than the smallest one.
fn mutation(h: &mut Harness, key: &str, size: usize) -> Mutation {
    Mutation {
        id: h.machine.mutation_id(),
        topic: "t".into(),
        key: key.into(),
        value: "x".repeat(size).into(),
        expires_in_ms: None,
    }
}

/// The encoded size of `m`, as the queue counts it.
fn frame_len(m: &Mutation) -> usize {
    ClientMsg::Mutate {
        id: m.id.clone(),
        topic: m.topic.clone(),
        key: m.key.clone(),
        value: m.value.clone(),
    }
    .encode()
    .len()
}

/// Makes mutation `key` while not connected; returns its id and the statuses it got.
fn mutate(h: &mut Harness, key: &str) -> (String, Vec<MutationStatus>) {
    let m = mutation(h, key, 0);
    push(h, m)
}

fn push(h: &mut Harness, m: Mutation) -> (String, Vec<MutationStatus>) {
    let id = m.id.clone();
    let cmds = h.handle(Event::Mutate(m));
    (id.clone(), statuses(&cmds, &id))
}

/// Connects and returns the keys of the mutations flushed after `welcome`, in order.
fn flush(h: &mut Harness) -> Vec<String> {
    h.open();
    h.establish(None);
    let k = h.live.expect("a live socket");
    h.sockets[k]
        .sent
        .iter()
        .filter_map(|m| match m {
            ClientMsg::Mutate { key, .. } => Some(key.clone()),
            _ => None,
        })
        .collect()
}

fn queued(h: &Harness) -> (u64, u64) {
    let m = h.machine.metrics();
    (m.queued, m.dropped)
}

const QUEUED: MutationStatus = MutationStatus::Queued;

#[test]
fn drop_oldest_drops_the_oldest_queued_mutations() {
    let mut h = harness(3, 1 << 20, Overflow::DropOldest);
    let first: Vec<_> = ["a", "b", "c"].map(|k| mutate(&mut h, k)).into();
    assert!(first.iter().all(|(_, s)| *s == [QUEUED]));
    let (_, d) = mutate(&mut h, "d");
    assert_eq!(d, [QUEUED], "the new one is kept");
    let e = mutation(&mut h, "e", 0);
    let cmds = h.handle(Event::Mutate(e));
    assert_eq!(
        statuses(&cmds, &first[1].0),
        [MutationStatus::Failed {
            error: SyncError::QueueOverflow { dropped: 2 }
        }]
    );
    assert_eq!(errors(&cmds), [SyncError::QueueOverflow { dropped: 2 }]);
    assert_eq!(queued(&h), (3, 2));
    assert_eq!(flush(&mut h), ["c", "d", "e"]);
}

#[test]
fn drop_newest_drops_the_new_mutation_and_keeps_the_queue() {
    let mut h = harness(3, 1 << 20, Overflow::DropNewest);
    for k in ["a", "b", "c"] {
        assert_eq!(mutate(&mut h, k).1, [QUEUED]);
    }
    for (k, dropped) in [("d", 1), ("e", 2)] {
        let error = SyncError::QueueOverflow { dropped };
        assert_eq!(
            mutate(&mut h, k).1,
            [MutationStatus::Failed {
                error: error.clone()
            }]
        );
        assert_eq!(h.last_error(), Some(error));
    }
    assert_eq!(queued(&h), (3, 2), "the queue lost the new ones, counted");
    assert_eq!(flush(&mut h), ["a", "b", "c"]);
}

#[test]
fn fail_refuses_the_new_mutation_at_once_and_loses_nothing() {
    let mut h = harness(3, 1 << 20, Overflow::Fail);
    for k in ["a", "b", "c"] {
        assert_eq!(mutate(&mut h, k).1, [QUEUED]);
    }
    let (id, status) = mutate(&mut h, "d");
    let error = SyncError::QueueFull {
        id,
        max_messages: 3,
        max_bytes: 1 << 20,
    };
    assert_eq!(
        status,
        [MutationStatus::Failed {
            error: error.clone()
        }],
        "failed at once, never queued"
    );
    assert_eq!(h.last_error(), Some(error));
    assert_eq!(
        queued(&h),
        (3, 0),
        "refused, not dropped: the queue kept all"
    );
    assert_eq!(flush(&mut h), ["a", "b", "c"]);
    // Once connected, the refused change can be made again and goes out.
    let (_, status) = mutate(&mut h, "d");
    assert_eq!(status, [MutationStatus::Sent]);
}

#[test]
fn the_byte_bound_applies_to_every_policy() {
    for overflow in [Overflow::DropOldest, Overflow::DropNewest, Overflow::Fail] {
        let mut h = harness(100, 0, overflow);
        let probe = mutation(&mut h, "a", 0);
        // Room for two of these frames, not three.
        let max_bytes = frame_len(&probe) * 2 + 1;
        let mut h = harness(100, max_bytes, overflow);
        assert_eq!(mutate(&mut h, "a").1, [QUEUED]);
        assert_eq!(mutate(&mut h, "b").1, [QUEUED]);
        let (id, c) = mutate(&mut h, "c");
        let expected = match overflow {
            Overflow::DropOldest => vec![QUEUED],
            Overflow::DropNewest => vec![MutationStatus::Failed {
                error: SyncError::QueueOverflow { dropped: 1 },
            }],
            Overflow::Fail => vec![MutationStatus::Failed {
                error: SyncError::QueueFull {
                    id,
                    max_messages: 100,
                    max_bytes,
                },
            }],
        };
        assert_eq!(c, expected, "{overflow:?}");
        let kept = match overflow {
            Overflow::DropOldest => ["b", "c"],
            _ => ["a", "b"],
        };
        assert_eq!(flush(&mut h), kept, "{overflow:?}");
    }
}

#[test]
fn a_mutation_larger_than_the_byte_bound_never_empties_the_queue() {
    for overflow in [Overflow::DropOldest, Overflow::DropNewest, Overflow::Fail] {
        let mut h = harness(100, 200, overflow);
        assert_eq!(mutate(&mut h, "a").1, [QUEUED]);
        let big = mutation(&mut h, "big", 500);
        let (_, status) = push(&mut h, big);
        assert!(
            matches!(
                &status[..],
                [MutationStatus::Failed {
                    error: SyncError::QueueOverflow { .. } | SyncError::QueueFull { .. }
                }]
            ),
            "{overflow:?}: {status:?}"
        );
        assert_eq!(queued(&h).0, 1, "{overflow:?}: the small one stays");
        assert_eq!(flush(&mut h), ["a"], "{overflow:?}");
    }
}

#[test]
fn a_bound_of_zero_queues_nothing_and_does_not_panic() {
    // `max_messages: 0` with DropOldest used to panic ("a full queue is not empty").
    for (max_messages, max_bytes) in [(0, 1 << 20), (100, 0), (0, 0)] {
        for overflow in [Overflow::DropOldest, Overflow::DropNewest, Overflow::Fail] {
            let mut h = harness(max_messages, max_bytes, overflow);
            let (_, status) = mutate(&mut h, "a");
            assert!(
                matches!(&status[..], [MutationStatus::Failed { .. }]),
                "{overflow:?}: {status:?}"
            );
            assert_eq!(queued(&h).0, 0);
            // While connected, nothing waits: mutations go out at once.
            assert!(flush(&mut h).is_empty());
            assert_eq!(h.state(), ConnectionState::Open);
            assert_eq!(mutate(&mut h, "b").1, [MutationStatus::Sent]);
        }
    }
}
