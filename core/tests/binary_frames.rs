#![cfg(not(target_arch = "wasm32"))]
//! A binary frame: the protocol is text only, so it gives a typed error with
//! its length, is counted, proves the link alive, and keeps the connection.
//! The harness checks the invariants on every step.

mod common;

use common::{Harness, errors, has};
use leptos_sync_core::machine::{Command, Event, MachineOptions, Timer};
use leptos_sync_core::{ConnectionState, SyncError};

fn open() -> Harness {
    let mut h = Harness::new(MachineOptions::default(), 7);
    h.open();
    h.establish(None);
    h
}

#[test]
fn a_binary_frame_is_a_typed_error_counted_and_the_connection_is_kept() {
    let mut h = open();
    let received = h.machine.metrics().received;
    for (i, bytes) in [0, 3, 1 << 20].into_iter().enumerate() {
        let cmds = h.handle(Event::BinaryFrame { bytes });
        assert_eq!(errors(&cmds), [SyncError::BinaryFrame { bytes }]);
        assert!(
            !has(&cmds, |c| matches!(c, Command::CloseSocket { .. })),
            "{cmds:?}"
        );
        assert_eq!(h.machine.metrics().binary_frames, i as u64 + 1);
    }
    assert_eq!(h.machine.metrics().received, received + 3);
    assert_eq!(h.state(), ConnectionState::Open);
    assert_eq!(h.connects(), 1);
}

#[test]
fn a_binary_frame_answers_a_ping_as_any_frame_does() {
    let mut h = open();
    let ping = h
        .machine
        .deadline(Timer::Ping)
        .expect("a ping is scheduled");
    h.advance(ping - h.now);
    assert!(h.machine.deadline(Timer::Pong).is_some(), "a ping went out");
    h.handle(Event::BinaryFrame { bytes: 1 });
    assert_eq!(h.machine.deadline(Timer::Pong), None, "the link is alive");
}

#[test]
fn a_binary_frame_of_no_open_socket_is_ignored() {
    let mut h = Harness::new(MachineOptions::default(), 7);
    let cmds = h.handle(Event::BinaryFrame { bytes: 5 });
    assert!(cmds.is_empty(), "{cmds:?}");
    assert_eq!(h.machine.metrics().binary_frames, 0);
}
