#![cfg(not(target_arch = "wasm32"))]
//! Never more than one socket, even under fast open/close toggles: a socket
//! the machine closes counts until its close event comes back, and the user's
//! last wish wins once it does. The harness in `common` checks on every step
//! that no `Connect` goes out while a socket is live or still closing (unless
//! it has been closing for `CLOSE_WAIT_MS`).

mod common;

use common::{Harness, errors, harness, reconnecting};
use leptos_sync_core::machine::{CLOSE_WAIT_MS, Command, Event, MachineOptions, Timer};
use leptos_sync_core::{ConnectionState, SyncError};

/// Open, with close events delivered only when the test says so.
fn open_slow_close() -> Harness {
    let mut h = harness();
    h.auto_close = false;
    h.open();
    h.establish(None);
    h
}

fn closes(cmds: &[Command]) -> usize {
    cmds.iter()
        .filter(|c| matches!(c, Command::CloseSocket { .. }))
        .count()
}

#[test]
fn twenty_toggles_at_once_close_one_socket_and_open_one_after_its_close_event() {
    let mut h = open_slow_close();
    let mut cmds = Vec::new();
    for _ in 0..20 {
        cmds.extend(h.handle(Event::UserClose));
        cmds.extend(h.open());
    }
    assert_eq!(closes(&cmds), 1, "{cmds:?}");
    assert!(!cmds.contains(&Command::Connect), "{cmds:?}");
    // The last wish was open: connecting, behind the closing socket.
    assert_eq!(h.state(), ConnectionState::Connecting { attempt: 0 });
    assert_eq!(h.close_event().first(), Some(&Command::Connect));
    h.establish(None);
    assert_eq!(h.connects(), 2);
    assert!(h.errors().is_empty(), "{:?}", h.errors());
}

#[test]
fn toggles_a_few_ms_apart_never_overlap_sockets_and_end_open() {
    for seed in 0..50 {
        let mut h = open_slow_close();
        let mut rng = fastrand::Rng::with_seed(seed);
        for _ in 0..20 {
            h.handle(Event::UserClose);
            h.open();
            h.advance(rng.u64(2..=5));
            // The browser reports closes, and the server answers, at its own pace.
            if h.closing.is_some() && rng.bool() {
                h.close_event();
            }
            if h.live.is_some() && rng.bool() {
                h.establish(None);
            }
        }
        if h.closing.is_some() {
            h.close_event();
        }
        if !h.state().is_open() {
            h.establish(None);
        }
        let opened = h.sockets.iter().filter(|s| s.welcomed).count();
        assert!(opened >= 2, "seed {seed}");
        assert_eq!(h.connects(), h.sockets.len());
    }
}

#[test]
fn close_after_open_while_the_old_socket_closes_opens_nothing() {
    let mut h = open_slow_close();
    h.handle(Event::UserClose);
    h.open();
    assert!(h.handle(Event::UserClose).is_empty(), "already closing");
    assert_eq!(h.state(), ConnectionState::Closed);
    assert!(h.close_event().is_empty());
    h.advance(60_000);
    assert_eq!(h.connects(), 1);
    assert_eq!(h.state(), ConnectionState::Closed);
    // Open later: at once, nothing is closing any more.
    assert_eq!(h.open()[0], Command::Connect);
}

#[test]
fn closing_a_connecting_socket_reports_no_error() {
    let mut h = harness();
    h.auto_close = false;
    h.open();
    assert_eq!(closes(&h.handle(Event::UserClose)), 1);
    // The browser fails the handshake: error, then close 1006.
    assert!(h.handle(Event::SocketError).is_empty());
    assert!(h.close(1006, "").is_empty());
    assert!(h.errors().is_empty(), "{:?}", h.errors());
    assert_eq!(h.state(), ConnectionState::Closed);
}

#[test]
fn a_close_event_that_never_comes_holds_the_next_socket_for_the_close_wait_only() {
    let mut h = open_slow_close();
    h.handle(Event::UserClose);
    h.open();
    assert_eq!(
        h.machine.deadline(Timer::Close),
        Some(h.now + CLOSE_WAIT_MS)
    );
    assert!(!h.advance(CLOSE_WAIT_MS - 1).contains(&Command::Connect));
    assert_eq!(h.advance(1).first(), Some(&Command::Connect));
    h.establish(None);
}

#[test]
fn a_retry_after_a_heartbeat_timeout_waits_for_the_dead_sockets_close() {
    let opts = MachineOptions {
        pong_timeout_ms: 500,
        ..MachineOptions::default()
    };
    // The close event comes before the retry is due: the retry goes at its time.
    let mut h = Harness::new(opts.clone(), 3);
    h.auto_close = false;
    h.open();
    h.establish(Some(1_000));
    let cmds = h.advance(1_500);
    assert_eq!(
        errors(&cmds),
        vec![SyncError::HeartbeatTimeout { timeout_ms: 500 }]
    );
    let delay = reconnecting(&h, 1);
    assert!(h.close_event().is_empty());
    assert!(!h.advance(delay - 1).contains(&Command::Connect));
    assert_eq!(h.advance(1)[0], Command::Connect);

    // A dead link's close takes long: the retry waits, until the close wait ends.
    let mut h = Harness::new(opts, 3);
    h.auto_close = false;
    h.open();
    h.establish(Some(1_000));
    h.advance(1_500);
    let delay = reconnecting(&h, 1);
    assert!(delay < CLOSE_WAIT_MS);
    assert!(h.advance(delay).is_empty());
    assert_eq!(h.state(), ConnectionState::Connecting { attempt: 1 });
    assert_eq!(
        h.advance(CLOSE_WAIT_MS - delay).first(),
        Some(&Command::Connect)
    );
    // Its close event arriving meanwhile would have connected at once.
    let mut h = open_slow_close();
    h.handle(Event::UserClose);
    h.open();
    h.advance(CLOSE_WAIT_MS / 2);
    assert_eq!(h.close_event().first(), Some(&Command::Connect));
}
