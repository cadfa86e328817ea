#![cfg(not(target_arch = "wasm32"))]
//! Frames, stale events and metrics: bad frames give typed errors and keep the
//! connection, events with no socket behind them are ignored, counters add up.

mod common;

use common::{Harness, errors, has, msg};
use leptos_sync_core::machine::{Command, Event, MachineOptions, Timer};
use leptos_sync_core::{ConnectionState, Lifecycle, SyncError};
use leptos_sync_protocol::{ServerMsg, close_code};
use serde_json::json;

fn open() -> Harness {
    let mut h = Harness::new(MachineOptions::default(), 21);
    h.open();
    h.establish(None);
    h
}

/// The frame yields exactly this error and the connection stays up.
fn kept_with_error(h: &mut Harness, text: &str, expected: impl Fn(&SyncError) -> bool) {
    let state = h.state();
    let cmds = h.raw(text);
    let errs = errors(&cmds);
    assert!(matches!(&errs[..], [e] if expected(e)), "{text}: {cmds:?}");
    assert!(
        !has(&cmds, |c| matches!(c, Command::CloseSocket { .. })),
        "{text}"
    );
    assert_eq!(h.state(), state, "{text}");
}

#[test]
fn malformed_frames_give_a_typed_error_and_keep_the_connection() {
    let mut h = open();
    for text in [
        "not json",
        "",
        "{}",
        "[1,2]",
        r#"{"type":7}"#,
        r#"{"type":"update"}"#,
    ] {
        kept_with_error(&mut h, text, |e| {
            matches!(e, SyncError::MalformedFrame { .. })
        });
    }
    // A second welcome is a protocol error from the server, not a reason to drop.
    kept_with_error(&mut h, r#"{"type":"welcome","session":"x"}"#, |e| {
        matches!(e, SyncError::MalformedFrame { .. })
    });
    assert_eq!(h.connects(), 1);
}

#[test]
fn unknown_types_give_a_typed_error_and_keep_the_connection() {
    let mut h = open();
    kept_with_error(&mut h, r#"{"type":"teleport","to":"mars"}"#, |e| {
        *e == SyncError::UnknownMessage {
            kind: "teleport".into(),
        }
    });
    // Also during the handshake: welcome still completes it afterwards.
    let mut h = Harness::new(MachineOptions::default(), 22);
    h.open();
    h.socket_opened();
    h.token();
    kept_with_error(&mut h, r#"{"type":"v2_hint"}"#, |e| {
        matches!(e, SyncError::UnknownMessage { .. })
    });
    h.welcome(None);
    assert_eq!(h.state(), ConnectionState::Open);
}

#[test]
fn unknown_fields_are_ignored_and_data_frames_are_delivered() {
    let mut h = Harness::new(MachineOptions::default(), 23);
    h.open();
    h.socket_opened();
    h.token();
    h.raw(r#"{"type":"welcome","session":"s","heartbeat_ms":2000,"motd":"hi"}"#);
    assert_eq!(h.state(), ConnectionState::Open);
    assert!(errors(h.log.iter().map(|(_, c)| c)).is_empty());
    // Data frames with fields this version does not know decode and flow on;
    // what the data layer makes of them is tested with the subscription table.
    let frames = [
        json!({"type": "subscribed", "sub": 1, "seq": 4, "recovered": true, "x": 1}),
        json!({"type": "snapshot", "sub": 1, "seq": 5, "schema": 9, "entries": {"a": 1}, "x": 1}),
        json!({"type": "update", "sub": 1, "seq": 6, "key": "a", "value": null, "x": 1}),
    ];
    for frame in frames {
        let cmds = h.raw(&frame.to_string());
        assert!(
            !errors(&cmds).iter().any(|e| matches!(
                e,
                SyncError::MalformedFrame { .. } | SyncError::UnknownMessage { .. }
            )),
            "{frame}: {cmds:?}"
        );
        assert!(!has(&cmds, |c| matches!(c, Command::CloseSocket { .. })));
    }
    // An ack for a mutation this client never sent is a typed error, not a panic.
    let ack = json!({"type": "ack", "id": "m1", "seq": 7, "extra": [1, 2]});
    assert_eq!(
        errors(&h.raw(&ack.to_string())),
        vec![SyncError::UnknownAck { id: "m1".into() }]
    );
    let cmds = h.frame(&msg(json!({
        "type": "error", "code": "bad_frame", "message": "no", "id": null, "sub": null
    })));
    assert_eq!(
        errors(&cmds),
        vec![SyncError::Server {
            code: "bad_frame".into(),
            message: "no".into()
        }]
    );
    assert!(!has(&cmds, |c| matches!(c, Command::CloseSocket { .. })));
    assert_eq!(h.state(), ConnectionState::Open);
}

/// Feeds an event the driver could see late, bypassing the harness's socket model.
fn assert_inert(h: &mut Harness, event: Event) {
    let state = h.state();
    let metrics = h.machine.metrics().clone();
    h.machine.handle(event.clone(), h.now);
    assert_eq!(h.machine.poll(), None, "{event:?} in {state:?}");
    assert_eq!(h.state(), state);
    assert_eq!(*h.machine.metrics(), metrics);
}

fn stale_events() -> Vec<Event> {
    vec![
        Event::SocketOpened,
        Event::SocketError,
        Event::SocketClosed {
            code: close_code::UNAUTHORIZED,
            reason: String::new(),
        },
        Event::SocketClosed {
            code: close_code::ABNORMAL,
            reason: String::new(),
        },
        Event::Frame(r#"{"type":"welcome","session":"s"}"#.into()),
        Event::Frame("garbage".into()),
        Event::Token(Some("late".into())),
        // A timer or the tab's return with nothing due.
        Event::Visible,
    ]
}

#[test]
fn events_without_a_socket_are_ignored() {
    // Idle.
    let mut h = Harness::new(MachineOptions::default(), 24);
    for e in stale_events() {
        assert_inert(&mut h, e);
    }
    // Reconnecting, after the server dropped us.
    let mut h = open();
    h.close(close_code::ABNORMAL, "");
    for e in stale_events() {
        assert_inert(&mut h, e);
    }
    // Failed for auth.
    h.fire(Timer::Reconnect);
    h.close(close_code::FORBIDDEN, "");
    for e in stale_events() {
        assert_inert(&mut h, e);
    }
    // Closed by the user.
    let mut h = open();
    h.handle(Event::UserClose);
    for e in stale_events() {
        assert_inert(&mut h, e);
    }
}

#[test]
fn duplicate_socket_events_are_ignored() {
    let mut h = Harness::new(MachineOptions::default(), 25);
    h.open();
    h.socket_opened();
    assert_inert(&mut h, Event::SocketOpened);
    h.token();
    // A second token answer sends no second hello.
    assert_inert(&mut h, Event::Token(Some("again".into())));
    h.welcome(None);
    assert_inert(&mut h, Event::SocketOpened);
    assert_inert(&mut h, Event::Token(None));
    assert_eq!(h.sockets[0].sent.len(), 1);
}

#[test]
fn metrics_count_attempts_reconnects_frames_and_uptime() {
    let mut h = Harness::new(MachineOptions::default(), 26);
    h.open();
    assert_eq!(h.machine.metrics().attempts, 1);
    h.advance(250);
    h.establish(Some(1_000));
    let first_open = h.now;
    let m = h.machine.metrics().clone();
    assert_eq!((m.sent, m.received, m.reconnects), (1, 1, 0));
    assert_eq!(m.connected_since, Some(first_open));

    let t = h.now + 1_000;
    h.advance(1_000);
    h.advance(40);
    h.frame(&ServerMsg::Pong { t });
    h.raw("garbage");
    let m = h.machine.metrics().clone();
    assert_eq!((m.sent, m.received, m.pings, m.rtt_ms), (2, 3, 1, Some(40)));
    assert_eq!(
        m.connected_since,
        Some(first_open),
        "uptime counts from welcome"
    );

    h.close(close_code::SERVER_ERROR, "oops");
    let m = h.machine.metrics().clone();
    assert_eq!(m.connected_since, None);
    assert_eq!(m.last_close, Some((1011, "oops".into())));

    h.fire(Timer::Reconnect);
    h.refuse();
    h.fire(Timer::Reconnect);
    h.socket_opened();
    h.token();
    let cmds = h.welcome(None);
    assert!(has(&cmds, |c| matches!(
        c,
        Command::Lifecycle(Lifecycle::Reconnected { .. })
    )));
    let m = h.machine.metrics().clone();
    assert_eq!((m.attempts, m.reconnects, m.sent, m.received), (3, 1, 3, 4));
    assert_eq!(m.connected_since, Some(h.now));
    let connected = h
        .log
        .iter()
        .filter(|(_, c)| *c == Command::Lifecycle(Lifecycle::Connected));
    assert_eq!(connected.count(), 1);
}
