//! Driving the harness: socket and server events, and time.

use leptos_sync_core::ConnectionState;
use leptos_sync_core::machine::{Command, Event, Timer};
use leptos_sync_protocol::{ServerMsg, close_code};

use super::{Harness, msg};

impl Harness {
    pub fn open(&mut self) -> Vec<Command> {
        self.handle(Event::UserOpen)
    }

    pub fn socket_opened(&mut self) -> Vec<Command> {
        self.handle(Event::SocketOpened)
    }

    pub fn token(&mut self) -> Vec<Command> {
        self.handle(Event::Token(Some("secret".into())))
    }

    pub fn frame(&mut self, msg: &ServerMsg) -> Vec<Command> {
        self.handle(Event::Frame(msg.encode()))
    }

    pub fn raw(&mut self, text: &str) -> Vec<Command> {
        self.handle(Event::Frame(text.into()))
    }

    pub fn welcome(&mut self, heartbeat_ms: Option<u64>) -> Vec<Command> {
        self.frame(&msg(
            serde_json::json!({"type": "welcome", "session": "s", "heartbeat_ms": heartbeat_ms}),
        ))
    }

    /// After a `Connect`: the socket opens, the token comes, the server welcomes.
    pub fn establish(&mut self, heartbeat_ms: Option<u64>) {
        self.socket_opened();
        self.token();
        self.welcome(heartbeat_ms);
        assert_eq!(self.state(), ConnectionState::Open);
    }

    /// The server (or the network) closes the live socket.
    pub fn close(&mut self, code: u16, reason: &str) -> Vec<Command> {
        self.handle(Event::SocketClosed {
            code,
            reason: reason.into(),
        })
    }

    /// A connect attempt that the network refuses: error, then close 1006.
    pub fn refuse(&mut self) -> Vec<Command> {
        let mut cmds = self.handle(Event::SocketError);
        cmds.extend(self.close(close_code::ABNORMAL, ""));
        cmds
    }

    // ---- time ----

    /// Real time and the clock move on by `ms`, firing nothing.
    fn pass(&mut self, ms: u64) {
        self.now += ms;
        self.real += ms;
    }

    /// Advances time by `ms`; the driver's one timer fires at each deadline on the way.
    pub fn advance(&mut self, ms: u64) -> Vec<Command> {
        let target = self.now + ms;
        let mut cmds = Vec::new();
        while let Some(at) = self.timer.filter(|at| *at <= target) {
            self.pass(at.saturating_sub(self.now));
            cmds.extend(self.handle_timeout());
        }
        self.pass(target - self.now);
        cmds
    }

    /// Advances time by `ms` without firing the timer, like a throttled background tab.
    pub fn throttle(&mut self, ms: u64) {
        self.pass(ms);
    }

    /// The clock steps back by `ms` while no real time passes.
    pub fn jump_back(&mut self, ms: u64) {
        self.now -= ms;
    }

    /// The driver's timer fires `ms` before its deadline (a clock that runs slow).
    pub fn fire_early(&mut self, ms: u64) -> Option<Vec<Command>> {
        let at = self.timer?;
        self.pass(at.saturating_sub(ms).saturating_sub(self.now));
        Some(self.handle_timeout())
    }

    /// With no event but time, a waiting state connects again (after the
    /// retry delay, the connect timeout, a close wait) or gives up: none stalls.
    pub fn settle_by_time(&mut self) {
        let waiting = |h: &Harness| {
            matches!(
                h.state(),
                ConnectionState::Reconnecting { .. }
                    | ConnectionState::Connecting { .. }
                    | ConnectionState::Handshaking
            )
        };
        let (connects, before) = (self.connects(), self.state());
        for _ in 0..20 {
            if self.connects() > connects || !waiting(self) {
                break;
            }
            self.fire_next().expect("a waiting state has a deadline");
        }
        assert!(
            self.connects() > connects || !waiting(self),
            "stuck in {:?} (from {before:?})",
            self.state()
        );
        if matches!(before, ConnectionState::Reconnecting { .. }) {
            assert!(
                self.connects() > connects,
                "a pending retry never connected"
            );
        }
    }

    /// Jumps to the driver's timer and fires it.
    pub fn fire_next(&mut self) -> Option<Vec<Command>> {
        let at = self.timer?;
        self.pass(at.saturating_sub(self.now));
        Some(self.handle_timeout())
    }

    /// Advances to `timer`'s deadline, firing it and everything due before it.
    pub fn fire(&mut self, timer: Timer) -> Vec<Command> {
        let at = self
            .machine
            .deadline(timer)
            .unwrap_or_else(|| panic!("{timer:?} not set"));
        self.advance(at.saturating_sub(self.now))
    }
}
