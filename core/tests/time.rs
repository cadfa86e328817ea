#![cfg(not(target_arch = "wasm32"))]
//! Time from the driver's side: its one timer may fire early or late, the
//! clock may step back, a background tab may sleep for a minute. In every case
//! the connection reaches Open once the server is up, and nothing panics.
//! The harness in `common` checks the global invariants on every step,
//! including that `poll_timeout` is the earliest deadline and that none is
//! left due after `handle_timeout`.

mod common;

use common::{Harness, harness, reconnecting};
use leptos_sync_core::machine::{Command, Event, Timer};
use leptos_sync_core::{ConnectionState, SyncError};
use leptos_sync_protocol::ServerMsg;

/// A first connect refused: waiting for retry 1. Returns its deadline.
fn refused(h: &mut Harness) -> u64 {
    h.open();
    h.refuse();
    reconnecting(h, 1);
    let at = h.timer.expect("the driver's timer is armed");
    assert_eq!(Some(at), h.machine.deadline(Timer::Reconnect));
    at
}

/// The server is up: the pending connect opens, and the state reaches Open.
fn reaches_open(h: &mut Harness) {
    assert!(
        matches!(h.state(), ConnectionState::Connecting { .. }),
        "{:?}",
        h.state()
    );
    h.establish(None);
    assert_eq!(h.state(), ConnectionState::Open);
}

#[test]
fn a_timer_that_fires_1_ms_early_is_rearmed_and_connects_on_time() {
    let mut h = harness();
    let at = refused(&mut h);
    // The driver's timer fires when its clock reads 1 ms before the deadline.
    assert_eq!(h.fire_early(1), Some(vec![]), "nothing is due yet");
    assert_eq!(h.now, at - 1);
    // The driver re-arms from poll_timeout: the deadline is still there.
    assert_eq!(h.timer, Some(at));
    assert!(matches!(h.state(), ConnectionState::Reconnecting { .. }));
    assert_eq!(h.advance(1)[0], Command::Connect);
    assert_eq!(h.now, at);
    reaches_open(&mut h);
}

#[test]
fn a_timer_that_fires_late_connects_at_once() {
    let mut h = harness();
    let at = refused(&mut h);
    h.throttle(at - h.now + 5_000);
    assert_eq!(h.handle_timeout()[0], Command::Connect);
    reaches_open(&mut h);
}

#[test]
fn a_clock_that_jumps_back_10_s_does_not_stall_or_add_10_s() {
    let mut h = harness();
    let at = refused(&mut h);
    let delay = at - h.now;
    // The clock steps back at once; the driver's timer, armed for `delay` ms
    // of real time, fires then and reads a clock 10 s behind the deadline.
    h.jump_back(10_000);
    h.throttle(delay);
    let cmds = h.handle_timeout();
    assert!(cmds.is_empty(), "{cmds:?}");
    // The machine moved its deadline back with the clock: the retry waits
    // `delay` more at most, not 10 s, and the driver re-armed for it.
    let left = h.timer.expect("re-armed") - h.now;
    assert!(left <= delay, "{left} ms left of a {delay} ms wait");
    assert_eq!(h.fire_next().unwrap()[0], Command::Connect);
    reaches_open(&mut h);
    // An event at the moment of the jump sees all of it: the wait keeps its length.
    let mut h = harness();
    let at = refused(&mut h);
    let left = at - h.now;
    h.jump_back(10_000);
    assert!(h.handle(Event::Visible).is_empty());
    assert_eq!(h.timer, Some(h.now + left));
    reconnecting(&h, 1);
    assert_eq!(h.advance(left)[0], Command::Connect);
    reaches_open(&mut h);
}

#[test]
fn a_tab_hidden_for_60_s_connects_when_it_becomes_visible() {
    let mut h = harness();
    refused(&mut h);
    // Hidden: the browser holds the timer back for a minute.
    h.throttle(60_000);
    assert_eq!(h.handle(Event::Visible)[0], Command::Connect);
    reaches_open(&mut h);
    // Hidden while Open: the overdue ping goes out on return, the link stays up.
    h.throttle(60_000);
    let cmds = h.handle(Event::Visible);
    assert!(
        common::sends(&cmds)
            .iter()
            .any(|m| matches!(m, leptos_sync_protocol::ClientMsg::Ping { .. }))
    );
    let t = h.now;
    h.advance(30);
    h.frame(&ServerMsg::Pong { t });
    assert!(h.advance(9_000).is_empty());
    assert_eq!(h.state(), ConnectionState::Open);
}

#[test]
fn the_clock_going_back_to_zero_in_any_state_panics_nowhere_and_recovers() {
    type Setup = fn(&mut Harness);
    let setups: [(&str, Setup); 5] = [
        ("connecting", |h| {
            h.open();
        }),
        ("handshaking", |h| {
            h.open();
            h.socket_opened();
            h.token();
        }),
        ("open", |h| {
            h.open();
            h.establish(Some(1_000));
        }),
        ("reconnecting", |h| {
            refused(h);
        }),
        ("closing", |h| {
            h.auto_close = false;
            h.open();
            h.establish(None);
            h.handle(Event::UserClose);
            h.open();
        }),
    ];
    for (name, setup) in setups {
        let mut h = harness();
        setup(&mut h);
        h.jump_back(h.now);
        assert_eq!(h.now, 0);
        h.handle(Event::Online);
        h.handle(Event::Visible);
        // Time alone reaches a new connect (or the one in progress resolves),
        // and an open link still pings within its interval.
        h.settle_by_time();
        if let Some(at) = h.machine.deadline(Timer::Ping) {
            assert!(at <= h.now + 1_000, "{name}: next ping at {at}");
        }
        if !h.state().is_open() {
            reaches_open(&mut h);
        }
        let m = h.machine.metrics();
        assert!(
            m.connected_since.is_some_and(|since| since <= h.now),
            "{name}"
        );
    }
}

#[test]
fn uptime_deadlines_and_the_countdown_keep_their_length_when_the_clock_steps_back() {
    let mut h = harness();
    h.open();
    h.establish(None);
    h.advance(4_000);
    // Offline probes the link: pong due in 10 s.
    h.handle(Event::Offline);
    h.jump_back(10_000);
    h.handle(Event::Visible);
    // Still 4 s of uptime in the new clock, not a time in its future.
    let since = h.machine.metrics().connected_since.unwrap();
    assert_eq!(h.now - since, 4_000);
    // The pong timeout across the step is neither lengthened nor shortened by it.
    assert!(h.advance(9_999).is_empty());
    let errors = common::errors(&h.advance(1));
    assert_eq!(
        errors,
        vec![SyncError::HeartbeatTimeout { timeout_ms: 10_000 }]
    );
    let ConnectionState::Reconnecting { next_at, .. } = h.state() else {
        panic!("{:?}", h.state())
    };
    h.jump_back(5_000);
    h.handle(Event::Visible);
    let ConnectionState::Reconnecting {
        next_at: shifted, ..
    } = h.state()
    else {
        panic!("{:?}", h.state())
    };
    assert_eq!(shifted, next_at - 5_000, "the countdown keeps its length");
}
