#![cfg(not(target_arch = "wasm32"))]
//! Property test: random sequences of physically possible events under random
//! options and random time. The harness in `common` checks on every step that
//! there is never more than one socket, hello goes first and alone before
//! welcome, no Connect follows a user close, every reconnect delay is within
//! the policy bounds (or the clamped retry-after range), and the state agrees
//! with the sockets. Sockets the machine closes report their close event only
//! when a step says so, so fast open/close toggles meet sockets still closing;
//! the driver's timer may fire early, and the clock may step back. This file
//! adds who may trigger a Connect from each resting state, the counters, and
//! that no state gets stuck.
//!
//! Components subscribe and unsubscribe a few topics at any time, and a scripted
//! server (`common::server`) answers, snapshots, updates (with duplicates and
//! gaps), refuses and restarts. The harness checks that each socket carries at
//! most one live `subscribe` per topic (a gap heal is unsubscribe + subscribe),
//! none before `welcome` nor for a topic without users, and that once Open the
//! subscribed topics are exactly the topics with users: re-sent once per open.
//! The server checks every `since`/`epoch` and the effect of every frame.

mod common;

use std::cell::{Cell, RefCell};
use std::sync::Arc;

use common::Harness;
use common::prop::{bump, explored, runner};
use common::server::{self, Counts, Server, ServerStep, TOPICS};
use common::subs;
use leptos_sync_core::backoff::{Exponential, Jitter, ReconnectOptions, ReconnectPolicy};
use leptos_sync_core::machine::{Command, Event, MachineOptions};
use leptos_sync_core::{ConnectionState, FailReason, SyncError};
use leptos_sync_protocol::{ClientMsg, ServerMsg, close_code};
use proptest::prelude::*;

const CODES: [u16; 10] = [1000, 1001, 1006, 1008, 1011, 1012, 4401, 4403, 4429, 4400];

#[derive(Debug, Clone)]
enum Step {
    UserOpen,
    UserClose,
    SocketOpened,
    SocketError,
    SocketClosed(u16, Option<u64>),
    Welcome(Option<u64>),
    Pong,
    Garbage,
    Unknown,
    Token,
    TokenChanged,
    Timer,
    Online,
    Offline,
    Visible,
    /// Time passes and due timers fire on time.
    Advance(u64),
    /// Time passes with timers throttled (background tab).
    Throttle(u64),
    /// The driver's timer fires this many ms before its deadline.
    EarlyTimer(u64),
    /// The clock steps back by this many ms.
    JumpBack(u64),
    /// A component starts using a topic.
    Sub(usize),
    /// A component using a topic stops.
    Unsub(usize),
    Server(ServerStep),
}

/// `subs` weighs subscription traffic against connection events.
fn step(subs: u32) -> impl Strategy<Value = Step> {
    prop_oneof![
        2 => Just(Step::UserOpen),
        1 => Just(Step::UserClose),
        6 => Just(Step::SocketOpened),
        1 => Just(Step::SocketError),
        3 => (prop::sample::select(&CODES[..]), prop::option::weighted(0.8, 0u64..300_000))
            .prop_map(|(code, ms)| Step::SocketClosed(code, ms)),
        6 => prop::option::of(100u64..20_000).prop_map(Step::Welcome),
        2 => Just(Step::Pong),
        1 => Just(Step::Garbage),
        1 => Just(Step::Unknown),
        6 => Just(Step::Token),
        1 => Just(Step::TokenChanged),
        3 => Just(Step::Timer),
        1 => Just(Step::Online),
        1 => Just(Step::Offline),
        1 => Just(Step::Visible),
        4 => (0u64..8_000).prop_map(Step::Advance),
        1 => (0u64..120_000).prop_map(Step::Throttle),
        1 => (1u64..2_000).prop_map(Step::EarlyTimer),
        1 => (1u64..30_000).prop_map(Step::JumpBack),
        subs => (0..TOPICS.len()).prop_map(Step::Sub),
        subs => (0..TOPICS.len()).prop_map(Step::Unsub),
        6 * subs => server::step().prop_map(Step::Server),
    ]
}

fn options() -> impl Strategy<Value = MachineOptions> {
    let jitter = prop_oneof![
        Just(Jitter::Full),
        Just(Jitter::Equal),
        (0.0..1.5f64).prop_map(Jitter::Proportional),
        Just(Jitter::None),
    ];
    let exponential = (1u64..3_000, 1u64..60_000, 1.0..3.0f64, jitter).prop_map(
        |(initial_ms, max_ms, multiplier, jitter)| {
            ReconnectPolicy::Exponential(Exponential {
                initial_ms,
                max_ms,
                multiplier,
                jitter,
            })
        },
    );
    let custom: ReconnectPolicy =
        ReconnectPolicy::Custom(Arc::new(|n| (n <= 6).then(|| 250 * u64::from(n))));
    let policy = prop_oneof![
        5 => exponential,
        1 => (0u64..5_000).prop_map(ReconnectPolicy::Fixed),
        1 => Just(ReconnectPolicy::Never),
        1 => Just(custom),
    ];
    let reconnect = (
        policy,
        prop::option::of(0u32..8),
        prop_oneof![Just(0u64), 0u64..3_000],
        0u64..10_000,
        (0u64..2_000, 0u64..200_000),
    )
        .prop_map(
            |(policy, max_attempts, delay_offset_ms, stable_uptime_ms, (floor, cap))| {
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
    (
        reconnect,
        prop::option::of(100u64..20_000),
        100u64..10_000,
        1_000u64..20_000,
    )
        .prop_map(
            |(reconnect, heartbeat_interval_ms, pong_timeout_ms, connect_timeout_ms)| {
                MachineOptions {
                    reconnect,
                    heartbeat_interval_ms,
                    pong_timeout_ms,
                    connect_timeout_ms,
                    // Fields added later keep their defaults.
                    ..MachineOptions::default()
                }
            },
        )
}

/// How often interesting things happened over the whole run, so the test
/// proves it explored more than the Idle state.
#[derive(Default)]
struct Coverage {
    opened: Cell<u32>,
    retries: Cell<u32>,
    overloaded_retries: Cell<u32>,
    /// Reconnects scheduled by a 1012's retry-after.
    restart_retries: Cell<u32>,
    auth_failed: Cell<u32>,
    exhausted: Cell<u32>,
    heartbeat_timeouts: Cell<u32>,
    stale: Cell<u32>,
    /// Connects that waited for a closing socket's close event.
    after_close_event: Cell<u32>,
    /// Connects that gave up waiting for a close event.
    after_close_wait: Cell<u32>,
    subs: RefCell<Counts>,
}

/// Delivers `step` if it is physically possible now; returns the commands.
fn deliver(h: &mut Harness, server: &mut Server, step: &Step, cov: &Coverage) -> Vec<Command> {
    let live = h.live.map(|k| &h.sockets[k]);
    let open = live.filter(|s| s.phase == common::Phase::Open);
    // A late event from a socket that is already gone must change nothing.
    let stale = |h: &mut Harness, event: Event| {
        bump(&cov.stale);
        let cmds = h.handle(event.clone());
        assert!(cmds.is_empty(), "stale {event:?} produced {cmds:?}");
        cmds
    };
    match step {
        Step::UserOpen => h.open(),
        Step::UserClose => h.handle(Event::UserClose),
        Step::SocketOpened => match live {
            Some(s) if s.phase == common::Phase::Connecting => h.socket_opened(),
            _ => vec![],
        },
        Step::SocketError if live.is_none() => stale(h, Event::SocketError),
        Step::SocketError => h.handle(Event::SocketError),
        Step::SocketClosed(code, retry_after) => {
            let reason = match retry_after {
                Some(ms)
                    if matches!(*code, close_code::OVERLOADED | close_code::SERVICE_RESTART) =>
                {
                    close_code::retry_after_reason(*ms)
                }
                _ => "bye".into(),
            };
            let event = Event::SocketClosed {
                code: *code,
                reason,
            };
            if live.is_none() && h.closing.is_none() {
                return stale(h, event);
            }
            let cmds = h.handle(event);
            if retry_after.is_some() && matches!(h.state(), ConnectionState::Reconnecting { .. }) {
                match *code {
                    close_code::OVERLOADED => bump(&cov.overloaded_retries),
                    close_code::SERVICE_RESTART => bump(&cov.restart_retries),
                    _ => {}
                }
            }
            cmds
        }
        Step::Welcome(hb) => match open {
            // The server answers hello, once.
            Some(s) if !s.sent.is_empty() && !s.welcomed => h.welcome(*hb),
            _ => vec![],
        },
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
        Step::Garbage if open.is_none() => stale(h, Event::Frame("{not json".into())),
        Step::Garbage => h.raw("{not json"),
        Step::Unknown if open.is_none() => vec![],
        Step::Unknown => h.raw(r#"{"type":"mystery","x":1}"#),
        Step::Token if h.pending_tokens > 0 => h.token(),
        Step::Token => vec![],
        Step::TokenChanged => h.handle(Event::TokenChanged),
        Step::Timer => h.fire_next().unwrap_or_default(),
        Step::Online => h.handle(Event::Online),
        Step::Offline => h.handle(Event::Offline),
        Step::Visible => h.handle(Event::Visible),
        Step::Advance(ms) => h.advance(*ms),
        Step::Throttle(ms) => {
            h.throttle(*ms);
            vec![]
        }
        Step::EarlyTimer(ms) => h.fire_early(*ms).unwrap_or_default(),
        Step::JumpBack(ms) => {
            h.jump_back(*ms);
            vec![]
        }
        Step::Sub(t) => subs::subscribe(h, TOPICS[*t]),
        // Only a component that subscribed unsubscribes.
        Step::Unsub(t) if subs::status(h, TOPICS[*t]).is_some() => subs::unsubscribe(h, TOPICS[*t]),
        Step::Unsub(_) => vec![],
        Step::Server(s) => server.serve(h, s),
    }
}

/// Which steps may start a connection from a resting state.
fn may_connect(before: &ConnectionState, step: &Step) -> bool {
    match before {
        ConnectionState::Idle | ConnectionState::Closed => matches!(step, Step::UserOpen),
        ConnectionState::Failed {
            reason: FailReason::AuthRejected { .. },
        } => matches!(step, Step::UserOpen | Step::TokenChanged),
        ConnectionState::Failed { .. } => matches!(step, Step::UserOpen | Step::Online),
        _ => true,
    }
}

fn run(opts: MachineOptions, seed: u64, steps: &[Step], cov: &Coverage) {
    let mut h = Harness::new(opts, seed);
    h.auto_close = false;
    let mut server = Server::default();
    // auto_connect, then whatever happens.
    for step in std::iter::once(&Step::UserOpen).chain(steps) {
        let before = h.state();
        let cmds = deliver(&mut h, &mut server, step, cov);
        server.observe(&h, &cmds);
        let connected = cmds.contains(&Command::Connect);
        assert!(
            !connected || may_connect(&before, step),
            "{step:?} connected from {before:?}"
        );
        if connected && matches!(before, ConnectionState::Connecting { .. }) {
            match step {
                Step::SocketClosed(..) => bump(&cov.after_close_event),
                _ => bump(&cov.after_close_wait),
            }
        }
        for c in &cmds {
            match c {
                Command::Lifecycle(leptos_sync_core::Lifecycle::Reconnecting { .. }) => {
                    bump(&cov.retries)
                }
                Command::Error(SyncError::AuthRejected { .. }) => bump(&cov.auth_failed),
                Command::Error(SyncError::ReconnectExhausted { .. }) => bump(&cov.exhausted),
                Command::Error(SyncError::HeartbeatTimeout { .. }) => bump(&cov.heartbeat_timeouts),
                _ => {}
            }
        }
        if h.state().is_open() && !before.is_open() {
            bump(&cov.opened);
        }
        let m = h.machine.metrics();
        assert_eq!(m.attempts as usize, h.connects(), "one attempt per Connect");
        let sent: usize = h.sockets.iter().map(|s| s.sent.len()).sum();
        assert_eq!(m.sent as usize, sent, "sent counts every frame");
    }
    cov.subs.borrow_mut().add(server.counts);
    // Nothing gets stuck: time alone moves a waiting state on.
    h.settle_by_time();
}

/// Runs `cases` random sequences with subscription traffic weighted `subs`.
fn explore(cases: u32, subs: u32) -> Coverage {
    let cov = Coverage::default();
    let strategy = (
        options(),
        any::<u64>(),
        prop::collection::vec(step(subs), 1..160),
    );
    runner(cases, 0x1ea7_5eed)
        .run(&strategy, |(opts, seed, steps)| {
            run(opts, seed, &steps, &cov);
            Ok(())
        })
        .unwrap();
    cov
}

#[test]
fn random_event_sequences_keep_the_invariants() {
    let cov = explore(512, 1);
    explored([
        ("opened", cov.opened.get()),
        ("retries", cov.retries.get()),
        ("overloaded retries", cov.overloaded_retries.get()),
        ("restart retries", cov.restart_retries.get()),
        ("auth failures", cov.auth_failed.get()),
        ("exhausted", cov.exhausted.get()),
        ("heartbeat timeouts", cov.heartbeat_timeouts.get()),
        ("stale events", cov.stale.get()),
        ("connects after a close event", cov.after_close_event.get()),
        ("connects after a close wait", cov.after_close_wait.get()),
    ]);
}

#[test]
fn random_subscription_traffic_keeps_the_subscription_invariants() {
    let s = *explore(256, 8).subs.borrow();
    explored([
        ("replays", s.replays),
        ("snapshots", s.snapshots),
        ("duplicates", s.duplicates),
        ("gaps", s.gaps),
        ("refusals", s.refused),
        ("unavailable subscribes", s.unavailable),
        ("frames for old subs", s.old_subs),
        ("resubscribes with since", s.resubscribes),
    ]);
}
