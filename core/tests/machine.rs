#![cfg(not(target_arch = "wasm32"))]
//! Machine scenarios under virtual time: first connect and handshake, the
//! heartbeat interval, user close and open from every state.
//! The harness in `common` checks the global invariants on every step.

mod common;

use common::{Harness, harness, has, reconnecting, sends, with_reconnect};
use leptos_sync_core::backoff::ReconnectOptions;
use leptos_sync_core::machine::{Command, Event, MachineOptions, Timer};
use leptos_sync_core::{ConnectionState, DisconnectReason, Lifecycle};
use leptos_sync_protocol::{ClientMsg, close_code};

#[test]
fn first_connect_sends_hello_first_and_nothing_before_welcome() {
    let mut h = harness();
    assert_eq!(h.state(), ConnectionState::Idle);
    let cmds = h.open();
    assert_eq!(cmds[0], Command::Connect);
    assert_eq!(h.machine.deadline(Timer::Connect), Some(h.now + 10_000));
    assert_eq!(h.state(), ConnectionState::Connecting { attempt: 0 });

    assert_eq!(h.socket_opened(), vec![Command::FetchToken]);
    assert_eq!(h.state(), ConnectionState::Handshaking);

    let cmds = h.token();
    assert_eq!(
        sends(&cmds),
        vec![&ClientMsg::Hello {
            protocol: 1,
            token: Some("secret".into())
        }]
    );
    // Nothing but hello goes out while waiting for welcome, whatever happens.
    let mut before = h.handle(Event::Offline);
    before.extend(h.handle(Event::Visible));
    before.extend(h.handle(Event::Online));
    before.extend(h.advance(9_000));
    before.extend(h.token());
    assert!(sends(&before).is_empty(), "{before:?}");
    assert_eq!(h.state(), ConnectionState::Handshaking);

    let cmds = h.welcome(Some(15_000));
    assert_eq!(h.state(), ConnectionState::Open);
    assert_eq!(h.machine.deadline(Timer::Ping), Some(h.now + 15_000));
    assert!(has(&cmds, |c| *c == Command::Lifecycle(Lifecycle::Connected)));
    assert_eq!(h.sockets[0].sent.len(), 1);
    // The connect timeout no longer applies.
    assert!(!has(&h.advance(14_999), |c| matches!(c, Command::Error(_))));
}

#[test]
fn token_is_fetched_on_every_connect_and_may_be_absent() {
    let mut h = harness();
    h.open();
    h.socket_opened();
    let cmds = h.handle(Event::Token(None));
    assert_eq!(
        sends(&cmds),
        vec![&ClientMsg::Hello {
            protocol: 1,
            token: None
        }]
    );
    h.welcome(None);
    h.close(close_code::GOING_AWAY, "bye");
    h.fire(Timer::Reconnect);
    assert_eq!(h.socket_opened(), vec![Command::FetchToken]);
}

#[test]
fn heartbeat_interval_comes_from_welcome_or_options() {
    let mut h = harness();
    h.open();
    h.socket_opened();
    h.token();
    h.welcome(None);
    assert_eq!(h.machine.deadline(Timer::Ping), Some(h.now + 30_000));

    let opts = MachineOptions {
        heartbeat_interval_ms: Some(1_000),
        ..MachineOptions::default()
    };
    let mut h = Harness::new(opts, 1);
    h.open();
    h.socket_opened();
    h.token();
    h.welcome(Some(15_000));
    assert_eq!(h.machine.deadline(Timer::Ping), Some(h.now + 1_000));
}

#[test]
fn user_close_stops_everything_until_open() {
    let mut h = harness();
    h.open();
    h.establish(None);
    let cmds = h.handle(Event::UserClose);
    assert!(matches!(
        &cmds[..],
        [
            Command::Lifecycle(Lifecycle::Disconnected {
                cause: DisconnectReason::UserRequested,
                ..
            }),
            Command::CloseSocket { code: 1000, .. }
        ]
    ));
    assert_eq!(h.state(), ConnectionState::Closed);
    assert!(h.errors().is_empty(), "a user close is not an error");
    // Late socket events, timers, network and token changes never reconnect.
    h.close(close_code::NORMAL, "client closed");
    h.advance(3_600_000);
    for event in [
        Event::Online,
        Event::Visible,
        Event::TokenChanged,
        Event::Offline,
    ] {
        assert!(h.handle(event).is_empty());
    }
    assert_eq!(h.connects(), 1);
    assert_eq!(h.open()[0], Command::Connect);
    assert_eq!(h.state(), ConnectionState::Connecting { attempt: 0 });
}

#[test]
fn user_close_while_reconnecting_cancels_the_retry() {
    let mut h = harness();
    h.open();
    h.refuse();
    assert!(h.handle(Event::UserClose).is_empty());
    assert_eq!(h.state(), ConnectionState::Closed);
    h.advance(60_000);
    h.handle(Event::Online);
    assert_eq!(h.connects(), 1);
    // Closing twice, or before ever opening, is harmless.
    assert!(h.handle(Event::UserClose).is_empty());
    let mut idle = harness();
    assert!(idle.handle(Event::UserClose).is_empty());
    assert_eq!(
        idle.open(),
        vec![
            Command::Connect,
            Command::Lifecycle(Lifecycle::Connecting { attempt: 0 })
        ]
    );
    assert_eq!(
        idle.machine.deadline(Timer::Connect),
        Some(idle.now + 10_000)
    );
}

#[test]
fn open_restarts_from_closed_and_failed_and_skips_the_wait_when_reconnecting() {
    let mut h = with_reconnect(
        ReconnectOptions {
            max_attempts: Some(1),
            ..ReconnectOptions::default()
        },
        3,
    );
    h.open();
    h.refuse();
    h.fire(Timer::Reconnect);
    h.refuse();
    assert!(matches!(h.state(), ConnectionState::Failed { .. }));
    assert_eq!(h.open()[0], Command::Connect);
    assert_eq!(h.state(), ConnectionState::Connecting { attempt: 0 });

    // open() while waiting: connect at once, keep the count; the old timer is inert.
    h.refuse();
    reconnecting(&h, 1);
    let connects = h.connects();
    assert_eq!(h.open()[0], Command::Connect);
    assert_eq!(h.state(), ConnectionState::Connecting { attempt: 1 });
    assert_eq!(h.connects(), connects + 1);
    // open() while connecting, handshaking or open does nothing.
    assert!(h.open().is_empty());
    h.socket_opened();
    assert!(h.open().is_empty());
    h.token();
    h.welcome(None);
    assert!(h.open().is_empty());
    assert_eq!(h.connects(), connects + 1);
}
