#![cfg(not(target_arch = "wasm32"))]
//! How each class of close code ends a connection: 1000 and 4500–4599 are a
//! goodbye that waits for `open()`, auth codes wait for a token, and every
//! other code retries. Each close says why in `Lifecycle::Disconnected` and
//! `metrics.last_disconnect`. The harness checks the invariants on every step.

mod common;

use common::{Harness, harness};
use leptos_sync_core::machine::{Command, Event, Timer};
use leptos_sync_core::{ConnectionState, DisconnectReason, FailReason, Lifecycle};

/// An open connection that the server closes with `code`: the commands and
/// the `Disconnected` cause it reported.
fn closed_by_server(code: u16, reason: &str) -> (Harness, DisconnectReason) {
    let mut h = harness();
    h.open();
    h.establish(None);
    let cmds = h.close(code, reason);
    let causes: Vec<_> = cmds
        .iter()
        .filter_map(|c| match c {
            Command::Lifecycle(Lifecycle::Disconnected { code: c, cause, .. }) if *c == code => {
                Some(cause.clone())
            }
            _ => None,
        })
        .collect();
    assert_eq!(causes.len(), 1, "one Disconnected for {code}: {cmds:?}");
    let cause = causes[0].clone();
    assert_eq!(h.machine.metrics().last_disconnect, Some(cause.clone()));
    (h, cause)
}

#[test]
fn a_goodbye_waits_for_open_and_says_why() {
    for (code, reason) in [(1000, ""), (4500, "account deleted"), (4599, "bye")] {
        let (mut h, cause) = closed_by_server(code, reason);
        assert_eq!(cause, DisconnectReason::ServerSaidGoodbye, "{code}");
        assert_eq!(
            h.state(),
            ConnectionState::Failed {
                reason: FailReason::ServerSaidGoodbye {
                    code,
                    reason: reason.into()
                }
            }
        );
        assert_eq!(h.machine.deadline(Timer::Reconnect), None);
        // Time, the network and a new token never bring it back.
        h.advance(3_600_000);
        for event in [Event::Online, Event::Visible, Event::TokenChanged] {
            h.handle(event);
        }
        assert_eq!(h.connects(), 1, "{code} reconnected on its own");
        assert_eq!(h.open()[0], Command::Connect);
        assert_eq!(h.state(), ConnectionState::Connecting { attempt: 0 });
    }
}

#[test]
fn going_away_restart_and_try_again_later_still_retry() {
    for (code, reason, cause) in [
        (
            1001,
            "",
            DisconnectReason::ServerClosed {
                code: 1001,
                reason: String::new(),
            },
        ),
        (
            1012,
            "retry-after=1500",
            DisconnectReason::ServerClosed {
                code: 1012,
                reason: "retry-after=1500".into(),
            },
        ),
        (1013, "", DisconnectReason::Overloaded),
        (4429, "retry-after=2000", DisconnectReason::Overloaded),
        (
            4413,
            "slow consumer",
            DisconnectReason::ServerClosed {
                code: 4413,
                reason: "slow consumer".into(),
            },
        ),
        (1006, "", DisconnectReason::NetworkError),
        (
            4499,
            "",
            DisconnectReason::ServerClosed {
                code: 4499,
                reason: String::new(),
            },
        ),
        (
            4600,
            "",
            DisconnectReason::ServerClosed {
                code: 4600,
                reason: String::new(),
            },
        ),
    ] {
        let (mut h, got) = closed_by_server(code, reason);
        assert_eq!(got, cause, "{code}");
        assert!(
            matches!(h.state(), ConnectionState::Reconnecting { attempt: 1, .. }),
            "{code}: {:?}",
            h.state()
        );
        let cmds = h.fire(Timer::Reconnect);
        assert_eq!(cmds.first(), Some(&Command::Connect), "{code}");
        assert!(cmds.contains(&Command::Lifecycle(Lifecycle::Connecting { attempt: 1 })));
        h.socket_opened();
        h.token();
        let cmds = h.welcome(None);
        assert!(
            cmds.contains(&Command::Lifecycle(Lifecycle::Reconnected { attempts: 1 })),
            "{code}: {cmds:?}"
        );
    }
}

#[test]
fn auth_codes_are_auth_rejected() {
    for code in [1008, 4401, 4403] {
        let (h, cause) = closed_by_server(code, "no");
        assert_eq!(cause, DisconnectReason::AuthRejected);
        assert_eq!(
            h.state(),
            ConnectionState::Failed {
                reason: FailReason::AuthRejected { code }
            }
        );
    }
}

#[test]
fn a_silent_link_is_a_heartbeat_timeout_and_a_user_close_is_user_requested() {
    let mut h = harness();
    h.open();
    h.establish(Some(1_000));
    h.fire(Timer::Ping);
    let cmds = h.fire(Timer::Pong);
    assert!(cmds.iter().any(|c| matches!(
        c,
        Command::Lifecycle(Lifecycle::Disconnected {
            cause: DisconnectReason::HeartbeatTimeout,
            ..
        })
    )));
    assert!(matches!(h.state(), ConnectionState::Reconnecting { .. }));
    h.close(1006, "");
    h.fire(Timer::Reconnect);
    h.establish(None);
    h.handle(Event::UserClose);
    assert_eq!(
        h.machine.metrics().last_disconnect,
        Some(DisconnectReason::UserRequested)
    );
}
