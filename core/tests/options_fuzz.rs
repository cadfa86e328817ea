#![cfg(not(target_arch = "wasm32"))]
//! Property test: ARBITRARY option values (zero, huge, `u64::MAX`, NaN,
//! infinite and negative factors, a floor above its cap, a custom policy with
//! absurd answers) under random events, mutations and time. The machine must
//! never panic, and the harness in `common` checks its invariants on every
//! step, including that every reconnect delay is within the bounds the
//! options give. This file adds:
//! - option errors are reported once, on the first poll, and the options in
//!   force are valid (validating them again changes nothing);
//! - no wait exceeds `MAX_DELAY_MS`;
//! - the queue holds at most `max_messages`; `DropNewest` and `Fail` never drop
//!   a queued mutation; `Fail` refuses with `QueueFull` and drops nothing;
//! - a mutation's final status (Acked or Failed) is final.

mod common;

use std::cell::Cell;
use std::collections::HashMap;
use std::sync::Arc;

use common::prop::{bump, explored, runner};
use common::{Harness, Phase, msg};
use leptos_sync_core::backoff::{
    Exponential, Jitter, MAX_DELAY_MS, ReconnectOptions, ReconnectPolicy,
};
use leptos_sync_core::machine::{Command, Event, MachineOptions};
use leptos_sync_core::outbox::{Mutation, MutationStatus, OutboxOptions, Overflow};
use leptos_sync_core::{Lifecycle, SyncError};
use leptos_sync_protocol::{ClientMsg, ServerMsg, close_code};
use proptest::prelude::*;

/// Durations: the edges, small values, and anything at all.
fn ms() -> impl Strategy<Value = u64> {
    let edges = [0, 0, 1, MAX_DELAY_MS, MAX_DELAY_MS + 1, u64::MAX, u64::MAX];
    prop_oneof![
        7 => prop::sample::select(edges.to_vec()),
        6 => 0u64..5_000,
        2 => any::<u64>(),
    ]
}

/// Factors: NaN, infinities, negatives, zero, huge, and anything at all.
fn factor() -> impl Strategy<Value = f64> {
    let edges = [f64::NAN, f64::INFINITY, f64::NEG_INFINITY, -1.0, 0.0, 1e300];
    prop_oneof![
        6 => prop::sample::select(edges.to_vec()),
        4 => -3.0..5.0f64,
        2 => any::<f64>(),
    ]
}

const OVERFLOWS: [Overflow; 3] = [Overflow::DropOldest, Overflow::DropNewest, Overflow::Fail];

fn count() -> impl Strategy<Value = usize> {
    prop_oneof![Just(0usize), Just(1), 0usize..6, Just(usize::MAX)]
}

fn bytes() -> impl Strategy<Value = usize> {
    prop_oneof![Just(0usize), 0usize..400, Just(usize::MAX)]
}

fn policy() -> impl Strategy<Value = ReconnectPolicy> {
    let jitter = prop_oneof![
        Just(Jitter::Full),
        Just(Jitter::Equal),
        factor().prop_map(Jitter::Proportional),
        Just(Jitter::None),
    ];
    let exponential = (ms(), ms(), factor(), jitter).prop_map(|(initial_ms, max_ms, m, jitter)| {
        ReconnectPolicy::Exponential(Exponential {
            initial_ms,
            max_ms,
            multiplier: m,
            jitter,
        })
    });
    // A pure function of the attempt with absurd answers, giving up now and then.
    let custom = prop::collection::vec(prop::option::weighted(0.9, ms()), 1..8).prop_map(|table| {
        ReconnectPolicy::Custom(Arc::new(move |n| table[n as usize % table.len()]))
    });
    prop_oneof![
        4 => exponential,
        1 => ms().prop_map(ReconnectPolicy::Fixed),
        1 => Just(ReconnectPolicy::Never),
        2 => custom,
    ]
}

fn options() -> impl Strategy<Value = MachineOptions> {
    let reconnect = (
        policy(),
        ms(),
        prop::option::of(any::<u32>()),
        ms(),
        (ms(), ms()),
    )
        .prop_map(
            |(policy, delay_offset_ms, max_attempts, stable_uptime_ms, (floor, cap))| {
                ReconnectOptions {
                    policy,
                    delay_offset_ms,
                    max_attempts,
                    stable_uptime_ms,
                    retry_after_floor_ms: floor,
                    retry_after_cap_ms: cap,
                }
            },
        );
    let overflow = prop::sample::select(&OVERFLOWS[..]);
    let outbox = (count(), bytes(), overflow).prop_map(|(max_messages, max_bytes, overflow)| {
        OutboxOptions {
            max_messages,
            max_bytes,
            overflow,
        }
    });
    (reconnect, prop::option::of(ms()), ms(), ms(), outbox).prop_map(
        |(reconnect, heartbeat_interval_ms, pong_timeout_ms, connect_timeout_ms, outbox)| {
            MachineOptions {
                reconnect,
                heartbeat_interval_ms,
                pong_timeout_ms,
                connect_timeout_ms,
                outbox,
                ..MachineOptions::default()
            }
        },
    )
}

#[derive(Debug, Clone)]
enum Step {
    UserOpen,
    UserClose,
    SocketOpened,
    SocketError,
    /// A close with this code; a 4429 carries `retry-after` when given.
    SocketClosed(u16, Option<u64>),
    Token,
    /// The server's welcome, with its suggested heartbeat.
    Welcome(Option<u64>),
    Pong,
    /// A mutation of this many bytes of value, expiring after this long.
    Mutate(usize, Option<u64>),
    /// The server acknowledges the oldest unacknowledged mutation.
    Ack,
    Advance(u64),
    FireNext,
    Online,
    Offline,
    Visible,
    TokenChanged,
}

fn step() -> impl Strategy<Value = Step> {
    let code = prop_oneof![
        3 => prop::sample::select(&[1000u16, 1001, 1006, 1011, 4400, 4401, 4429][..]),
        3 => Just(close_code::OVERLOADED),
        1 => any::<u16>(),
    ];
    prop_oneof![
        2 => Just(Step::UserOpen),
        1 => Just(Step::UserClose),
        8 => Just(Step::SocketOpened),
        1 => Just(Step::SocketError),
        3 => (code, prop::option::weighted(0.8, ms())).prop_map(|(c, ms)| Step::SocketClosed(c, ms)),
        8 => Just(Step::Token),
        8 => prop::option::of(ms()).prop_map(Step::Welcome),
        2 => Just(Step::Pong),
        6 => (0usize..300, prop::option::weighted(0.3, ms())).prop_map(|(n, e)| Step::Mutate(n, e)),
        5 => Just(Step::Ack),
        4 => (0u64..20_000).prop_map(Step::Advance),
        2 => Just(Step::FireNext),
        1 => Just(Step::Online),
        1 => Just(Step::Offline),
        1 => Just(Step::Visible),
        1 => Just(Step::TokenChanged),
    ]
}

/// How often the interesting things happened, so the test proves it explored them.
#[derive(Default)]
struct Coverage {
    invalid_options: Cell<u32>,
    opened: Cell<u32>,
    overloaded_retries: Cell<u32>,
    longest_waits: Cell<u32>,
    dropped: Cell<u32>,
    refused: Cell<u32>,
    acked: Cell<u32>,
}

/// Delivers `step` if it is physically possible now; returns the commands.
fn deliver(h: &mut Harness, step: &Step, acked: &mut u64) -> Vec<Command> {
    let live = h.live.map(|k| &h.sockets[k]);
    let open = live.filter(|s| s.phase == Phase::Open);
    match step {
        Step::UserOpen => h.open(),
        Step::UserClose => h.handle(Event::UserClose),
        Step::SocketOpened if live.is_some_and(|s| s.phase == Phase::Connecting) => {
            h.socket_opened()
        }
        Step::SocketError | Step::SocketClosed(..) if live.is_none() => vec![],
        Step::SocketError => h.handle(Event::SocketError),
        Step::SocketClosed(code, retry_after) => {
            let reason = match retry_after {
                Some(ms) => close_code::retry_after_reason(*ms),
                None => "bye".into(),
            };
            h.close(*code, &reason)
        }
        Step::Token if h.pending_tokens > 0 => h.token(),
        Step::Welcome(hb) if open.is_some_and(|s| !s.sent.is_empty() && !s.welcomed) => {
            h.welcome(*hb)
        }
        Step::Pong => {
            let last_ping = open.and_then(|s| {
                s.sent.iter().rev().find_map(|m| match m {
                    ClientMsg::Ping { t } => Some(*t),
                    _ => None,
                })
            });
            match last_ping {
                Some(t) => h.frame(&ServerMsg::Pong { t }),
                None => vec![],
            }
        }
        Step::Mutate(size, expires_in_ms) => {
            let id = h.machine.mutation_id();
            h.handle(Event::Mutate(Mutation {
                id,
                topic: "t".into(),
                key: "k".into(),
                value: "x".repeat(*size).into(),
                expires_in_ms: *expires_in_ms,
            }))
        }
        Step::Ack => {
            let unacked = open.and_then(|s| {
                s.sent.iter().find_map(|m| match m {
                    ClientMsg::Mutate { id, .. } if !h.log.iter().any(|(_, c)| acks(c, id)) => {
                        Some(id.clone())
                    }
                    _ => None,
                })
            });
            match unacked {
                Some(id) => {
                    *acked += 1;
                    h.frame(&msg(
                        serde_json::json!({"type": "ack", "id": id, "seq": *acked}),
                    ))
                }
                None => vec![],
            }
        }
        Step::Advance(ms) => h.advance(*ms),
        Step::FireNext => h.fire_next().unwrap_or_default(),
        Step::Online => h.handle(Event::Online),
        Step::Offline => h.handle(Event::Offline),
        Step::Visible => h.handle(Event::Visible),
        Step::TokenChanged => h.handle(Event::TokenChanged),
        Step::SocketOpened | Step::Token | Step::Welcome(_) => vec![],
    }
}

fn acks(c: &Command, id: &str) -> bool {
    matches!(c, Command::Mutation { id: i, status: MutationStatus::Acked { .. } } if i == id)
}

fn run(opts: MachineOptions, seed: u64, steps: &[Step], cov: &Coverage) {
    let mut h = Harness::new(opts, seed);
    let valid = h.machine.options().clone();
    assert!(
        valid.clone().validate().is_empty(),
        "the options in force are valid: {valid:?}"
    );
    let outbox = valid.outbox;
    let mut statuses: HashMap<String, Vec<MutationStatus>> = HashMap::new();
    let mut acked = 0;
    for (i, step) in std::iter::once(&Step::UserOpen).chain(steps).enumerate() {
        let was_open = h.state().is_open();
        let cmds = deliver(&mut h, step, &mut acked);
        for c in &cmds {
            match c {
                Command::Error(SyncError::InvalidOptions { .. }) => {
                    assert_eq!(i, 0, "option errors come on the first poll only");
                    bump(&cov.invalid_options);
                }
                Command::Lifecycle(Lifecycle::Reconnecting { delay_ms, .. }) => {
                    assert!(*delay_ms <= MAX_DELAY_MS, "waits {delay_ms} ms");
                    if *delay_ms > 60_000 {
                        bump(&cov.longest_waits);
                    }
                    if matches!(step, Step::SocketClosed(close_code::OVERLOADED, Some(_))) {
                        bump(&cov.overloaded_retries);
                    }
                }
                Command::Error(SyncError::QueueOverflow { .. }) => bump(&cov.dropped),
                Command::Error(SyncError::QueueFull { .. }) => {
                    assert_eq!(outbox.overflow, Overflow::Fail, "only Fail refuses");
                    bump(&cov.refused);
                }
                Command::Mutation { id, status } => {
                    let seen = statuses.entry(id.clone()).or_default();
                    check_status(outbox.overflow, seen, status);
                    if matches!(status, MutationStatus::Acked { .. }) {
                        bump(&cov.acked);
                    }
                    seen.push(status.clone());
                }
                _ => {}
            }
        }
        if h.state().is_open() && !was_open {
            bump(&cov.opened);
        }
        let m = h.machine.metrics();
        assert!(m.queued as usize <= outbox.max_messages, "{m:?}");
        if outbox.overflow == Overflow::Fail {
            assert_eq!(m.dropped, 0, "Fail refuses, it never drops");
        }
    }
}

/// A final status is final, and only DropOldest fails a mutation it had queued.
fn check_status(overflow: Overflow, seen: &[MutationStatus], next: &MutationStatus) {
    let last = seen.last();
    assert!(
        !matches!(
            last,
            Some(MutationStatus::Acked { .. } | MutationStatus::Failed { .. })
        ),
        "{next:?} after the final {last:?}"
    );
    let overflowed = matches!(
        next,
        MutationStatus::Failed {
            error: SyncError::QueueOverflow { .. } | SyncError::QueueFull { .. }
        }
    );
    if overflowed && overflow != Overflow::DropOldest {
        assert!(seen.is_empty(), "{overflow:?} failed a queued mutation");
    }
}

#[test]
fn arbitrary_options_never_panic_and_keep_the_invariants() {
    let cov = Coverage::default();
    let strategy = (
        options(),
        any::<u64>(),
        prop::collection::vec(step(), 1..120),
    );
    runner(512, 0x0b7_1025)
        .run(&strategy, |(opts, seed, steps)| {
            run(opts, seed, &steps, &cov);
            Ok(())
        })
        .unwrap();
    let counts = [
        ("option errors", cov.invalid_options.get()),
        ("opened", cov.opened.get()),
        ("overloaded retries", cov.overloaded_retries.get()),
        ("waits over a minute", cov.longest_waits.get()),
        ("drops", cov.dropped.get()),
        ("refusals", cov.refused.get()),
        ("acks", cov.acked.get()),
    ];
    explored(counts);
}
