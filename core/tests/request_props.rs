#![cfg(not(target_arch = "wasm32"))]
//! Property test of requests: random sequences of requests (either policy,
//! random timeouts), responses (results, errors, late and repeated ones),
//! drops, reconnects and time. The harness checks on every step that a
//! request id goes out at most once per socket and never before `welcome`,
//! and that each request has one final status and nothing after it. This
//! file adds: every request ends final once its timeout has passed; a `Done`
//! carries the result the server sent for that id; a `FailOnDisconnect`
//! request never goes out on a second socket; the request timer is always
//! the earliest open deadline.

mod common;

use std::cell::Cell;
use std::collections::HashMap;

use common::Harness;
use common::prop::{bump, explored, runner};
use common::requests::{request, respond, respond_error};
use leptos_sync_core::machine::{Command, MachineOptions, Timer};
use leptos_sync_core::requests::{RequestPolicy, RequestStatus};
use leptos_sync_core::{ConnectionState, SyncError};
use leptos_sync_protocol::ClientMsg;
use proptest::prelude::*;
use serde_json::json;

#[derive(Debug, Clone)]
enum Step {
    /// A request with this policy and timeout (None: the default).
    Make(bool, Option<u64>),
    /// The server answers the n-th request on the wire, with a result or an error.
    Answer(usize, bool),
    /// The server answers an old id again.
    Repeat(usize),
    /// The socket drops (1006).
    Drop,
    /// Time passes; a socket opens, and is welcomed, when one is wanted.
    Advance(u64),
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        4 => (any::<bool>(), prop::option::of(100u64..20_000)).prop_map(|(r, t)| Step::Make(r, t)),
        4 => (0usize..4, any::<bool>()).prop_map(|(n, ok)| Step::Answer(n, ok)),
        1 => (0usize..8).prop_map(Step::Repeat),
        2 => Just(Step::Drop),
        4 => (1u64..5_000).prop_map(Step::Advance),
    ]
}

/// What the test knows of its requests.
#[derive(Default)]
struct Book {
    /// Id → its policy was Replay.
    made: HashMap<String, bool>,
    /// Id → the result the server sent.
    answered: HashMap<String, serde_json::Value>,
    order: Vec<String>,
}

fn run(h: &mut Harness, book: &mut Book, step: &Step, seen: &[Cell<u32>; 3]) {
    match step {
        Step::Make(replay, timeout) => {
            let policy = if *replay {
                RequestPolicy::Replay
            } else {
                RequestPolicy::FailOnDisconnect
            };
            let (id, _) = request(h, "m", policy, *timeout);
            book.made.insert(id.clone(), *replay);
            book.order.push(id);
        }
        Step::Answer(n, ok) => {
            let Some(k) = h.live.filter(|k| h.sockets[*k].welcomed) else {
                return;
            };
            let on_wire: Vec<String> = h.sockets[k]
                .sent
                .iter()
                .filter_map(|m| match m {
                    ClientMsg::Request { id, .. } => Some(id.clone()),
                    _ => None,
                })
                .filter(|id| !book.answered.contains_key(id))
                .collect();
            let Some(id) = on_wire.get(*n).cloned() else {
                return;
            };
            bump(&seen[0]);
            if *ok {
                let result = json!({ "for": id });
                book.answered.insert(id.clone(), result.clone());
                respond(h, &id, result);
            } else {
                book.answered.insert(id.clone(), serde_json::Value::Null);
                respond_error(h, &id, "nope", "refused");
            }
        }
        Step::Repeat(n) => {
            let Some(id) = book.answered.keys().nth(*n).cloned() else {
                return;
            };
            if h.live.is_some_and(|k| h.sockets[k].welcomed) {
                let cmds = respond(h, &id, json!("again"));
                assert!(
                    common::errors(&cmds).is_empty(),
                    "a repeated response is no error: {cmds:?}"
                );
            }
        }
        Step::Drop => {
            if h.live.is_some() {
                bump(&seen[1]);
                h.close(1006, "");
            }
        }
        Step::Advance(ms) => {
            h.advance(*ms);
            if let Some(k) = h.live {
                if h.sockets[k].phase == common::Phase::Connecting {
                    h.socket_opened();
                }
                if h.state() == ConnectionState::Handshaking {
                    h.token();
                    h.welcome(None);
                    bump(&seen[2]);
                }
            }
        }
    }
    // The request timer holds the earliest open deadline, if any request is open.
    assert_eq!(
        h.machine.deadline(Timer::Request).is_some(),
        h.machine.open_requests() > 0
    );
}

#[test]
fn requests_end_once_with_what_the_server_sent() {
    let seen: [Cell<u32>; 3] = Default::default();
    runner(200, 0x7e9)
        .run(&prop::collection::vec(step(), 1..60), |steps| {
            let mut h = Harness::new(MachineOptions::default(), 5);
            h.open();
            h.establish(None);
            let mut book = Book::default();
            for step in &steps {
                run(&mut h, &mut book, step, &seen);
            }
            // Past every timeout: nothing is left open.
            h.advance(30_001);
            prop_assert_eq!(h.machine.open_requests(), 0);
            let mut finals: HashMap<String, RequestStatus> = HashMap::new();
            for (_, cmd) in &h.log {
                if let Command::Request { id, status } = cmd
                    && status.is_final()
                {
                    finals.insert(id.clone(), status.clone());
                }
            }
            for id in &book.order {
                let status = finals.get(id);
                prop_assert!(status.is_some(), "{} never ended", id);
                if let Some(RequestStatus::Done { result }) = status {
                    prop_assert_eq!(Some(result), book.answered.get(id));
                }
                if let Some(RequestStatus::Failed {
                    error: SyncError::RequestInterrupted { .. },
                }) = status
                {
                    prop_assert!(!book.made[id], "a Replay request was interrupted");
                }
                if !book.made[id] {
                    let sockets = h
                        .sockets
                        .iter()
                        .filter(|s| {
                            s.sent
                                .iter()
                                .any(|m| matches!(m, ClientMsg::Request { id: i, .. } if i == id))
                        })
                        .count();
                    prop_assert!(sockets <= 1, "{} went out on {} sockets", id, sockets);
                }
            }
            Ok(())
        })
        .unwrap();
    explored([
        ("answers", seen[0].get()),
        ("drops", seen[1].get()),
        ("welcomes", seen[2].get()),
    ]);
}
