#![cfg(not(target_arch = "wasm32"))]
//! Liveness under virtual time: heartbeat and pong timeout, connect timeout,
//! offline probes, and timers throttled in a background tab.

mod common;

use common::{Harness, errors, has, msg, sends};
use leptos_sync_core::machine::{
    Command, Event, MAX_SERVER_HEARTBEAT_MS, MIN_SERVER_HEARTBEAT_MS, MachineOptions, Timer,
};
use leptos_sync_core::{ConnectionState, SyncError};
use leptos_sync_protocol::{ClientMsg, ServerMsg, close_code};

/// Open with a 1 s heartbeat and a 500 ms pong timeout.
fn open_fast() -> Harness {
    let opts = MachineOptions {
        pong_timeout_ms: 500,
        ..MachineOptions::default()
    };
    let mut h = Harness::new(opts, 9);
    h.open();
    h.establish(Some(1_000));
    h
}

fn is_ping(c: &Command) -> bool {
    matches!(c, Command::Send(ClientMsg::Ping { .. }))
}

#[test]
fn silence_after_a_ping_is_a_heartbeat_timeout_and_a_reconnect() {
    let mut h = open_fast();
    let t0 = h.now;
    let cmds = h.advance(1_000);
    assert_eq!(sends(&cmds), vec![&ClientMsg::Ping { t: t0 + 1_000 }]);
    assert_eq!(h.machine.deadline(Timer::Pong), Some(t0 + 1_500));
    assert_eq!(h.machine.deadline(Timer::Ping), Some(t0 + 2_000));
    assert_eq!(h.machine.metrics().pings, 1);

    assert!(h.advance(499).is_empty());
    let cmds = h.advance(1);
    assert_eq!(
        errors(&cmds),
        vec![SyncError::HeartbeatTimeout { timeout_ms: 500 }]
    );
    assert!(matches!(cmds[1], Command::CloseSocket { .. }), "{cmds:?}");
    assert!(matches!(
        h.state(),
        ConnectionState::Reconnecting { attempt: 1, .. }
    ));
    // The dead socket's own close and error arrive later: no second error hides the cause.
    assert!(h.close(close_code::ABNORMAL, "").is_empty());
    assert!(h.handle(Event::SocketError).is_empty());
    assert_eq!(
        h.last_error(),
        Some(SyncError::HeartbeatTimeout { timeout_ms: 500 })
    );
    let last_close = h.machine.metrics().last_close.clone();
    assert_eq!(last_close, Some((1006, "heartbeat timeout".into())));
    assert_eq!(h.fire(Timer::Reconnect)[0], Command::Connect);
}

#[test]
fn any_frame_clears_the_pong_deadline() {
    let mut h = open_fast();
    h.advance(1_000);
    h.advance(200);
    let update =
        msg(serde_json::json!({"type": "update", "sub": 99, "seq": 1, "key": "k", "value": 1}));
    assert!(
        h.frame(&update).is_empty(),
        "an update for an unknown sub is ignored"
    );
    assert!(errors(&h.advance(400)).is_empty());
    // Even a frame we cannot read proves the link is alive.
    h.advance(400); // next ping at +2000
    h.advance(100);
    assert_eq!(errors(&h.raw("garbage")).len(), 1);
    let cmds = h.advance(800);
    assert!(!has(&cmds, |c| matches!(
        c,
        Command::Error(_) | Command::CloseSocket { .. }
    )));
    assert_eq!(h.state(), ConnectionState::Open);
}

#[test]
fn later_pings_do_not_push_the_pong_deadline_back() {
    let opts = MachineOptions {
        heartbeat_interval_ms: Some(200),
        pong_timeout_ms: 500,
        ..MachineOptions::default()
    };
    let mut h = Harness::new(opts, 10);
    h.open();
    h.establish(None);
    let t0 = h.now;
    h.advance(200);
    assert_eq!(h.machine.deadline(Timer::Pong), Some(t0 + 700));
    let cmds = h.advance(200);
    assert!(has(&cmds, is_ping));
    assert_eq!(
        h.machine.deadline(Timer::Pong),
        Some(t0 + 700),
        "not pushed back"
    );
    let cmds = h.advance(300);
    assert!(matches!(
        errors(&cmds)[..],
        [SyncError::HeartbeatTimeout { .. }]
    ));
}

#[test]
fn pong_sets_the_round_trip_time() {
    let mut h = open_fast();
    let t = h.now + 1_000;
    h.advance(1_000);
    h.advance(120);
    assert!(h.frame(&ServerMsg::Pong { t }).is_empty());
    assert_eq!(h.machine.metrics().rtt_ms, Some(120));
    assert!(errors(&h.advance(1_000)).is_empty());
}

#[test]
fn offline_probes_instead_of_dropping() {
    let mut h = open_fast();
    h.advance(300);
    let cmds = h.handle(Event::Offline);
    assert!(has(&cmds, is_ping));
    assert_eq!(h.machine.deadline(Timer::Pong), Some(h.now + 500));
    assert!(!has(&cmds, |c| matches!(c, Command::CloseSocket { .. })));
    assert_eq!(h.state(), ConnectionState::Open);
    // While waiting to reconnect there is nothing to probe.
    h.close(close_code::ABNORMAL, "");
    assert!(h.handle(Event::Offline).is_empty());
}

#[test]
fn connect_timeout_when_the_socket_never_opens() {
    let mut h = Harness::new(MachineOptions::default(), 11);
    h.open();
    assert!(h.advance(9_999).is_empty());
    let cmds = h.advance(1);
    assert_eq!(
        errors(&cmds),
        vec![SyncError::ConnectTimeout { timeout_ms: 10_000 }]
    );
    assert!(has(&cmds, |c| matches!(c, Command::CloseSocket { .. })));
    assert!(matches!(
        h.state(),
        ConnectionState::Reconnecting { attempt: 1, .. }
    ));
}

#[test]
fn connect_timeout_when_welcome_never_arrives() {
    let mut h = Harness::new(MachineOptions::default(), 12);
    h.open();
    h.advance(3_000);
    h.socket_opened();
    h.token();
    let cmds = h.advance(7_000);
    assert_eq!(
        errors(&cmds),
        vec![SyncError::ConnectTimeout { timeout_ms: 10_000 }]
    );
    assert!(matches!(
        h.state(),
        ConnectionState::Reconnecting { attempt: 1, .. }
    ));
    // A welcome in time disarms it.
    h.fire(Timer::Reconnect);
    h.establish(None);
    assert!(errors(&h.advance(20_000)).is_empty());
}

#[test]
fn visible_fires_a_reconnect_whose_timer_was_throttled() {
    let mut h = Harness::new(MachineOptions::default(), 13);
    h.open();
    h.refuse();
    let ConnectionState::Reconnecting { next_at, .. } = h.state() else {
        panic!("not reconnecting")
    };
    h.throttle(next_at - h.now + 60_000);
    assert_eq!(h.handle(Event::Visible)[0], Command::Connect);
    assert_eq!(h.state(), ConnectionState::Connecting { attempt: 1 });
    // Nothing due: visibility alone does nothing.
    assert!(h.handle(Event::Visible).is_empty());
}

#[test]
fn visible_pings_when_the_ping_timer_was_throttled() {
    let mut h = open_fast();
    h.throttle(5_000);
    let cmds = h.handle(Event::Visible);
    assert_eq!(cmds.iter().filter(|c| is_ping(c)).count(), 1);
    assert_eq!(h.machine.deadline(Timer::Pong), Some(h.now + 500));
    assert_eq!(h.state(), ConnectionState::Open);
}

#[test]
fn visible_after_a_missed_pong_deadline_times_out_last() {
    let mut h = open_fast();
    h.advance(1_000); // ping sent, pong due at +500
    h.throttle(60_000);
    let cmds = h.handle(Event::Visible);
    assert_eq!(
        errors(&cmds).last(),
        Some(&SyncError::HeartbeatTimeout { timeout_ms: 500 })
    );
    assert!(matches!(
        h.state(),
        ConnectionState::Reconnecting { attempt: 1, .. }
    ));
    // A late timer for the same deadline changes nothing.
    assert!(h.handle_timeout().is_empty());
    assert_eq!(
        h.last_error(),
        Some(SyncError::HeartbeatTimeout { timeout_ms: 500 })
    );
}

/// The ping interval a server's `welcome.heartbeat_ms` gives, read off the ping deadline.
fn server_heartbeat(opts: MachineOptions, heartbeat_ms: Option<u64>) -> u64 {
    let mut h = Harness::new(opts, 14);
    h.open();
    h.socket_opened();
    h.token();
    h.welcome(heartbeat_ms);
    assert_eq!(h.state(), ConnectionState::Open);
    h.machine.deadline(Timer::Ping).expect("ping deadline") - h.now
}

#[test]
fn the_server_heartbeat_is_clamped_to_its_documented_range() {
    let (min, max) = (MIN_SERVER_HEARTBEAT_MS, MAX_SERVER_HEARTBEAT_MS);
    assert_eq!(
        (min, max),
        (1_000, 120_000),
        "the range PROTOCOL.md documents"
    );
    let default = MachineOptions::default;
    for (given, used) in [
        (None, 30_000),
        (Some(0), 30_000),
        (Some(1), min),
        (Some(min - 1), min),
        (Some(min), min),
        (Some(25_000), 25_000),
        (Some(max), max),
        (Some(max + 1), max),
        (Some(u64::MAX), max),
    ] {
        assert_eq!(
            server_heartbeat(default(), given),
            used,
            "heartbeat_ms {given:?}"
        );
    }
    // The app's own interval wins and is not clamped.
    for own in [200, 600_000] {
        let opts = MachineOptions {
            heartbeat_interval_ms: Some(own),
            ..default()
        };
        assert_eq!(server_heartbeat(opts, Some(u64::MAX)), own);
    }
}

#[test]
fn a_huge_server_heartbeat_still_finds_a_dead_link() {
    let mut h = Harness::new(MachineOptions::default(), 15);
    h.open();
    h.socket_opened();
    h.token();
    h.welcome(Some(u64::MAX));
    // The first ping goes out at the cap, not never; silence then is a dead link.
    let cmds = h.advance(MAX_SERVER_HEARTBEAT_MS);
    assert_eq!(cmds.iter().filter(|c| is_ping(c)).count(), 1, "{cmds:?}");
    let cmds = h.advance(10_000);
    assert_eq!(
        errors(&cmds),
        vec![SyncError::HeartbeatTimeout { timeout_ms: 10_000 }]
    );
    assert!(matches!(
        h.state(),
        ConnectionState::Reconnecting { attempt: 1, .. }
    ));
}
